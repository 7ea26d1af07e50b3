import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { codeCacheFile, compileCached } from './code-cache.js';
import { skipIf } from '../testutils/kernel.js';

const BUILD = 'ab'.repeat(32);
const body = (n: number): string => `//tsbpf-bundle sha256:${BUILD}\nfunction f(x) { return x * ${n}; }\nmodule.exports = { answer: f(21), file: __filename, req: typeof require };\n`;

function sandbox(t: { after: (fn: () => void) => void }): { bundle: string; cache: string; cacheFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-code-cache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bundle = join(dir, 'tsbpf.cjs');
  writeFileSync(bundle, body(2));
  const cache = join(dir, 'cache');
  return { bundle, cache, cacheFile: join(cache, codeCacheFile(BUILD)) };
}

const hasCrc = typeof (zlib as { crc32?: unknown }).crc32 === 'function';

test('code cache: a missing bundle is undefined; caching off still runs the bundle', (t) => {
  const s = sandbox(t);
  assert.equal(compileCached(join(s.bundle, '..', 'none.cjs'), s.cache), undefined);
  const b = compileCached(s.bundle, undefined)!;
  assert.equal(b.cache, 'off');
  assert.deepEqual(b.run(), { answer: 42, file: s.bundle, req: 'function' });
  assert.equal(b.save(), false);
  assert.throws(() => readdirSync(s.cache), /ENOENT/);
});

test('code cache: written on a miss (0600), used next time, ignored when damaged, foreign or for other source', (t) => {
  if (skipIf(t, hasCrc ? null : 'the code cache needs zlib.crc32 (Node 20.15 or later)')) return;
  const s = sandbox(t);
  const first = compileCached(s.bundle, s.cache)!;
  assert.equal(first.cache, 'missing');
  assert.equal((first.run() as { answer: number }).answer, 42);
  assert.equal(first.save(), true);
  assert.equal(statSync(s.cacheFile).mode & 0o777, 0o600);
  const second = compileCached(s.bundle, s.cache)!;
  assert.equal(second.cache, 'used');
  assert.equal((second.run() as { answer: number }).answer, 42);
  assert.equal(second.save(), false, 'a used cache is not rewritten');

  // One flipped byte of V8's data: the checksum refuses it, and it is rewritten.
  const good = readFileSync(s.cacheFile);
  const bad = Buffer.from(good);
  bad[bad.length - 10] ^= 0xff;
  writeFileSync(s.cacheFile, bad, { mode: 0o600 });
  const damaged = compileCached(s.bundle, s.cache)!;
  assert.equal(damaged.cache, 'stale');
  assert.equal((damaged.run() as { answer: number }).answer, 42);
  assert.equal(damaged.save(), true);
  assert.equal(compileCached(s.bundle, s.cache)!.cache, 'used');

  // Truncated: ignored.
  writeFileSync(s.cacheFile, good.subarray(0, 40), { mode: 0o600 });
  assert.equal(compileCached(s.bundle, s.cache)!.cache, 'stale');
  writeFileSync(s.cacheFile, good, { mode: 0o600 });

  // Writable by others: not read at all.
  chmodSync(s.cacheFile, 0o666);
  assert.equal(compileCached(s.bundle, s.cache)!.cache, 'missing');
  chmodSync(s.cacheFile, 0o600);
  if (process.geteuid?.() === 0) {
    chownSync(s.cacheFile, 65534, 65534);
    assert.equal(compileCached(s.bundle, s.cache)!.cache, 'missing', 'a file of another user is not read');
    chownSync(s.cacheFile, 0, 0);
  }
  assert.equal(compileCached(s.bundle, s.cache)!.cache, 'used');

  // The same build line over other source (another size and mtime): the key differs.
  writeFileSync(s.bundle, body(20));
  utimesSync(s.bundle, new Date(), new Date(Date.now() + 5000));
  const edited = compileCached(s.bundle, s.cache)!;
  assert.equal(edited.cache, 'stale');
  assert.equal((edited.run() as { answer: number }).answer, 420);
});

test('code cache: saving prunes cache files of other builds unused for 30 days, keeps recent ones', (t) => {
  if (skipIf(t, hasCrc ? null : 'the code cache needs zlib.crc32 (Node 20.15 or later)')) return;
  const s = sandbox(t);
  compileCached(s.bundle, s.cache)!.save();
  const old = join(s.cache, codeCacheFile('cd'.repeat(32)));
  const recent = join(s.cache, codeCacheFile('ef'.repeat(32)));
  const other = join(s.cache, 'vmlinux-2.cache');
  for (const f of [old, recent, other]) writeFileSync(f, 'x');
  const longAgo = new Date(Date.now() - 40 * 24 * 3600 * 1000);
  utimesSync(old, longAgo, longAgo);
  utimesSync(other, longAgo, longAgo);
  rmSync(s.cacheFile);
  assert.equal(compileCached(s.bundle, s.cache)!.save(), true);
  assert.deepEqual(readdirSync(s.cache).sort(), [codeCacheFile(BUILD), codeCacheFile('ef'.repeat(32)), 'vmlinux-2.cache'].sort());
});
