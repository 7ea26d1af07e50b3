import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { BtfError } from './errors.js';
import { KERNEL_BTF_CACHE_FILE, kernelBtfCacheDir, loadKernelBtfCached } from './kernel-cache.js';
import { parseBtf } from './parse.js';
import { kernelBtf, readFixture } from './test-fixtures.js';
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
