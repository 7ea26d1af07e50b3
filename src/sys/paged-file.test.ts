import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, renameSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PAGE_SIZE, PagedFile } from './paged-file.js';

function sandbox(t: { after: (fn: () => void) => void }, size = 5 * PAGE_SIZE + 123): { file: string; data: Uint8Array } {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-paged-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 131 + 7) & 0xff || 1;
  const file = join(dir, 'f.cache');
  writeFileSync(file, data, { mode: 0o600 });
  return { file, data };
}

const fds = (): number => readdirSync('/proc/self/fd').length;
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('paged file: reads only the pages asked for, and they equal the file', (t) => {
  const { file, data } = sandbox(t);
  const pf = PagedFile.open(file, 64, 1 << 30)!;
  assert.ok(pf);
  assert.equal(pf.bytes.length, data.length);
  assert.equal(pf.reads, 0);
  assert.ok(pf.fill(PAGE_SIZE + 10, PAGE_SIZE + 20));
  assert.equal(pf.reads, 1);
  assert.deepEqual(pf.bytes.subarray(PAGE_SIZE, 2 * PAGE_SIZE), data.subarray(PAGE_SIZE, 2 * PAGE_SIZE));
  assert.equal(pf.bytes[0], 0, 'page 0 not read');
  // Filled pages are not read again; neighbouring missing pages are read in one go.
  assert.ok(pf.fill(PAGE_SIZE, 4 * PAGE_SIZE));
  assert.equal(pf.reads, 2);
  // Ranges are clamped to the file.
  assert.ok(pf.fill(-5, 3));
  assert.ok(pf.fill(data.length - 1, data.length + 1000));
  assert.ok(pf.fill(Number.NaN, 5));
  assert.ok(!pf.complete);
  assert.ok(pf.fillAll());
  assert.ok(pf.complete);
  assert.deepEqual(pf.bytes, data);
});

test('paged file: a string is filled through its NUL byte', (t) => {
  const { file, data } = sandbox(t);
  data.fill(0x41, 10, 3 * PAGE_SIZE + 5);
  data[3 * PAGE_SIZE + 5] = 0;
  writeFileSync(file, data);
  const pf = PagedFile.open(file, 64, 1 << 30)!;
  assert.ok(pf.fillString(10, data.length));
  assert.deepEqual(pf.bytes.subarray(0, 3 * PAGE_SIZE + 6), data.subarray(0, 3 * PAGE_SIZE + 6));
  assert.equal(pf.bytes[4 * PAGE_SIZE], 0, 'the page after the NUL is not read');
  pf.close();
});

test('paged file: the owner, mode and size checks of cache files apply', (t) => {
  const { file } = sandbox(t, 100);
  assert.equal(PagedFile.open(file, 200, 1 << 30), undefined, 'too small');
  assert.equal(PagedFile.open(file, 10, 50), undefined, 'too large');
  assert.equal(PagedFile.open(`${file}.missing`, 10, 1000), undefined);
  chmodSync(file, 0o622);
  assert.equal(PagedFile.open(file, 10, 1000), undefined, 'writable by others');
});

test('paged file: a file truncated, rewritten in place or replaced after open breaks it', async (t) => {
  const { file, data } = sandbox(t);
  // Truncated: a short read.
  let pf = PagedFile.open(file, 64, 1 << 30)!;
  assert.ok(pf.fill(0, 10));
  truncateSync(file, 2 * PAGE_SIZE);
  assert.equal(pf.fill(3 * PAGE_SIZE, 3 * PAGE_SIZE + 1), false);
  assert.ok(pf.broken);
  assert.equal(pf.fill(0, 10), false, 'broken for good, even for pages already in');
  assert.equal(pf.bytes[3 * PAGE_SIZE], 0);
  // Rewritten in place with the same size: the mtime differs.
  writeFileSync(file, data);
  utimesSync(file, 1000, 1000);
  pf = PagedFile.open(file, 64, 1 << 30)!;
  assert.ok(pf.fill(0, 10));
  writeFileSync(file, data.map((b) => b ^ 0xff));
  assert.equal(pf.fill(2 * PAGE_SIZE, 2 * PAGE_SIZE + 1), false);
  // Replaced by rename (how cache files are rewritten), seen when reopened in a later job.
  writeFileSync(file, data);
  pf = PagedFile.open(file, 64, 1 << 30)!;
  assert.ok(pf.fill(0, 10));
  await tick();
  writeFileSync(`${file}.new`, data, { mode: 0o600 });
  renameSync(`${file}.new`, file);
  assert.equal(pf.fill(2 * PAGE_SIZE, 2 * PAGE_SIZE + 1), false);
  assert.ok(pf.broken);
});

test('paged file: no descriptor outlives the job that used it', async (t) => {
  const { file, data } = sandbox(t);
  await tick();
  const before = fds();
  const pf = PagedFile.open(file, 64, 1 << 30)!;
  assert.ok(pf.fill(0, 1));
  assert.equal(fds(), before + 1, 'open during the job');
  await tick();
  assert.equal(fds(), before, 'closed when the job ended');
  // A later job reopens it (same file) and closes it again.
  assert.ok(pf.fill(3 * PAGE_SIZE, 3 * PAGE_SIZE + 1));
  assert.deepEqual(pf.bytes.subarray(3 * PAGE_SIZE, 4 * PAGE_SIZE), data.subarray(3 * PAGE_SIZE, 4 * PAGE_SIZE));
  await tick();
  assert.equal(fds(), before);
  // Filling everything closes it at once.
  const all = PagedFile.open(file, 64, 1 << 30)!;
  assert.ok(all.fillAll());
  assert.equal(fds(), before);
  // A broken file closes it at once too.
  const broken = PagedFile.open(file, 64, 1 << 30)!;
  truncateSync(file, 10);
  assert.equal(broken.fill(PAGE_SIZE, PAGE_SIZE + 1), false);
  assert.equal(fds(), before);
});
