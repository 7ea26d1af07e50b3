import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { BtfError, BtfParseError } from './errors.js';
import { KERNEL_BTF_CACHE_FILE, kernelBtfCacheDir, loadKernelBtfCached } from './kernel-cache.js';
import { marshalBtf } from './marshal.js';
import { parseBtf } from './parse.js';
import { Spec } from './spec.js';
import { kernelBtf, readFixture } from './test-fixtures.js';
import type { TypeInit } from './types.js';
import { skipIf } from '../testutils/kernel.js';

/** A temporary directory with a copy of a BTF fixture standing in for /sys/kernel/btf/vmlinux. */
function sandbox(t: { after: (fn: () => void) => void }): { dir: string; btfPath: string; cache: string; reads: () => number; read: () => Uint8Array } {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-btf-cache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const btfPath = join(dir, 'vmlinux');
  writeFileSync(btfPath, readFixture('core-kinds.btf'));
  let n = 0;
  return { dir, btfPath, cache: join(dir, 'cache'), reads: () => n, read: () => (n++, readFileSync(btfPath)) };
}

const summary = (spec: ReturnType<typeof parseBtf>): string[] => [...spec].map((x) => `${x.id} ${x.kind} ${x.name}`);

test('kernel BTF cache: a miss reads and writes, a hit reads only the cache', (t) => {
  const s = sandbox(t);
  const want = summary(parseBtf(readFileSync(s.btfPath)));
  const first = loadKernelBtfCached(s.btfPath, s.read, s.cache);
  assert.equal(s.reads(), 1);
  assert.deepEqual(readdirSync(s.cache), [KERNEL_BTF_CACHE_FILE]);
  const second = loadKernelBtfCached(s.btfPath, s.read, s.cache);
  assert.equal(s.reads(), 1, 'served from the cache');
  assert.deepEqual(summary(first), want);
  assert.deepEqual(summary(second), want);
  assert.deepEqual(second.typesByName('sample').map((x) => x.id), first.typesByName('sample').map((x) => x.id));
  // Other BTF at the same path (another size, inode or mtime) is not served from the old cache.
  writeFileSync(s.btfPath, readFixture('core-kinds.btf').subarray(0, 24));
  assert.throws(() => loadKernelBtfCached(s.btfPath, s.read, s.cache), BtfError);
  assert.equal(s.reads(), 2);
});

test('kernel BTF cache: unwritable, foreign or damaged caches fall back to reading', (t) => {
  const s = sandbox(t);
  // A cache "directory" that is a file: nothing can be written, loading still works.
  writeFileSync(s.cache, 'x');
  assert.ok(loadKernelBtfCached(s.btfPath, s.read, s.cache).typesByName('sample').length > 0);
  rmSync(s.cache);
  loadKernelBtfCached(s.btfPath, s.read, s.cache);
  const file = join(s.cache, KERNEL_BTF_CACHE_FILE);
  const good = readFileSync(file);
  const reads = s.reads();
  // Writable by others: ignored.
  chmodSync(file, 0o666);
  loadKernelBtfCached(s.btfPath, s.read, s.cache);
  assert.equal(s.reads(), reads + 1);
  chmodSync(file, 0o600);
  if (process.geteuid?.() === 0) {
    // Owned by someone else: ignored (another user must not feed root its BTF).
    chownSync(file, 65534, 65534);
    loadKernelBtfCached(s.btfPath, s.read, s.cache);
    assert.equal(s.reads(), reads + 2);
  }
  // Truncated: ignored, then rewritten.
  writeFileSync(file, good.subarray(0, good.length - 3), { mode: 0o600 });
  assert.deepEqual(summary(loadKernelBtfCached(s.btfPath, s.read, s.cache)), summary(parseBtf(readFileSync(s.btfPath))));
  assert.deepEqual(readFileSync(file), good);
});

test('kernel BTF cache: damaged contents give the right types or typed errors, never others', (t) => {
  const s = sandbox(t);
  loadKernelBtfCached(s.btfPath, s.read, s.cache);
  const file = join(s.cache, KERNEL_BTF_CACHE_FILE);
  const good = new Uint8Array(readFileSync(file));
  fc.assert(
    fc.property(fc.array(fc.record({ at: fc.nat(good.length - 1), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 }), (edits) => {
      const b = Uint8Array.from(good);
      for (const e of edits) b[e.at] = e.value;
      writeFileSync(file, b, { mode: 0o600 });
      try {
        const spec = loadKernelBtfCached(s.btfPath, () => readFileSync(s.btfPath), s.cache);
        for (const x of spec) void x;
        for (const name of ['sample', 'core_kinds', 'int', 'sample___flavor']) spec.typesByName(name);
      } catch (e) {
        if (!(e instanceof BtfError)) throw e;
      }
    }),
    { numRuns: 300, seed: 0xcac4e },
  );
});

test('kernel BTF cache directory: TSBPF_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
  assert.equal(kernelBtfCacheDir({ TSBPF_CACHE_DIR: '/c' }), '/c');
  assert.equal(kernelBtfCacheDir({ TSBPF_CACHE_DIR: '' }), undefined);
  assert.equal(kernelBtfCacheDir({ XDG_CACHE_HOME: '/x', HOME: '/h' }), '/x/tsbpf');
  assert.equal(kernelBtfCacheDir({ XDG_CACHE_HOME: 'relative', HOME: '/h' }), '/h/.cache/tsbpf');
  assert.equal(kernelBtfCacheDir({ HOME: '/h' }), '/h/.cache/tsbpf');
});

test('kernel BTF cache: the running kernel round-trips', (t) => {
  const k = kernelBtf();
  if (!k.bytes) return void skipIf(t, k.reason);
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-btf-cache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = '/sys/kernel/btf/vmlinux';
  const miss = loadKernelBtfCached(path, () => readFileSync(path), dir);
  const hit = loadKernelBtfCached(path, () => assert.fail('should come from the cache'), dir);
  assert.equal(hit.typeCount, miss.typeCount);
  for (const name of ['task_struct', 'bpf_map', 'sk_buff']) {
    assert.deepEqual(hit.typesByName(name), miss.typesByName(name));
    assert.deepEqual(hit.typesByEssentialName(name), miss.typesByEssentialName(name));
  }
});

/** A sandbox whose BTF spans many pages of the cache file: 6,000 named structs. */
function bigSandbox(t: { after: (fn: () => void) => void }): ReturnType<typeof sandbox> {
  const s = sandbox(t);
  const types: TypeInit[] = [{ kind: 'int', name: 'int', size: 4, encoding: 'signed', bits: 32, offset: 0 }];
  for (let i = 0; i < 6000; i++) {
    types.push({ kind: 'struct', name: `s${i}___v${i % 3}`, size: 8, members: [{ name: `m${i}`, type: 1, bitOffset: 0, bitfieldSize: 0 }, { name: 'next', type: i + 2, bitOffset: 32, bitfieldSize: 0 }] });
  }
  writeFileSync(s.btfPath, marshalBtf(Spec.fromTypes(types)));
  return s;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const someNames = ['int', 's0', 's1234', 's5999', 's3000___v0', 'missing'];

test('kernel BTF cache: a hit reads what lookups need, equal to a full read, and holds no descriptor', async (t) => {
  const s = bigSandbox(t);
  const want = parseBtf(readFileSync(s.btfPath));
  loadKernelBtfCached(s.btfPath, s.read, s.cache);
  await tick();
  const before = readdirSync('/proc/self/fd').length;
  const rchar = (): number => Number(/^rchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
  const size = statSync(join(s.cache, KERNEL_BTF_CACHE_FILE)).size;
  const read0 = rchar();
  const hit = loadKernelBtfCached(s.btfPath, s.read, s.cache);
  assert.deepEqual(hit.typesByName('s1234'), want.typesByName('s1234'));
  const read = rchar() - read0;
  assert.ok(read < size / 2, `a lookup read ${read} bytes of a ${size}-byte cache file`);
  assert.equal(s.reads(), 1, 'served from the cache');
  for (const name of someNames) {
    assert.deepEqual(hit.typesByName(name), want.typesByName(name));
    assert.deepEqual(hit.typesByEssentialName(name), want.typesByEssentialName(name));
  }
  assert.deepEqual(hit.typeById(4321), want.typeById(4321));
  await tick();
  assert.equal(readdirSync('/proc/self/fd').length, before, 'closed when the job ended');
  // A later job reads on, then a full walk reads the rest.
  assert.deepEqual(hit.typeById(17), want.typeById(17));
  assert.deepEqual(summary(hit), summary(want));
  assert.deepEqual([...hit.names()], [...want.names()]);
  assert.equal(readdirSync('/proc/self/fd').length, before, 'everything read: closed at once');
});

test('kernel BTF cache: a cache file truncated or rewritten while in use is replaced by the kernel BTF', async (t) => {
  const s = bigSandbox(t);
  const want = parseBtf(readFileSync(s.btfPath));
  loadKernelBtfCached(s.btfPath, s.read, s.cache);
  const file = join(s.cache, KERNEL_BTF_CACHE_FILE);
  const good = readFileSync(file);
  for (const damage of [() => truncateSync(file, 20000), () => writeFileSync(file, good.map((b) => b ^ 0x5a))]) {
    writeFileSync(file, good);
    const hit = loadKernelBtfCached(s.btfPath, s.read, s.cache);
    const reads = s.reads();
    assert.deepEqual(hit.typesByName('s1'), want.typesByName('s1'));
    damage();
    assert.deepEqual(hit.typesByName('s5999'), want.typesByName('s5999'));
    assert.equal(s.reads(), reads + 1, 'the kernel BTF was read instead');
    assert.deepEqual(hit.typesByEssentialName('s3000'), want.typesByEssentialName('s3000'));
    assert.deepEqual(summary(hit), summary(want));
  }
  // When the kernel BTF is not what the cache was made from either: a typed error, every time.
  writeFileSync(file, good);
  const hit = loadKernelBtfCached(s.btfPath, s.read, s.cache);
  await tick();
  truncateSync(file, 20000);
  writeFileSync(s.btfPath, readFixture('core-kinds.btf'));
  for (let i = 0; i < 2; i++) {
    assert.throws(
      () => hit.typesByName('s5999'),
      (e: unknown) => e instanceof BtfParseError && /^btf: kernel btf cache .*: changed or cut short while in use, and reading the kernel's btf instead failed: /.test(e.message),
    );
  }
});
