// Misuse of the addon's handles (mappings and pollers) against the real addon: every wrong value,
// second release and GC ordering gives a typed error or stays safe, never a crash. scripts/asan.sh
// runs this under AddressSanitizer, which would report any access to freed memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { TestContext } from 'node:test';
import { native, type PollHandle } from './native.js';
import { MAP_SHARED, PROT_READ, PROT_WRITE, isDetached, mapMemory, unmap } from './mmap.js';
import { pageSize } from './page-size.js';
import { Poller } from './poller.js';
import { skipIf } from '../testutils/kernel.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const AF_UNIX = 1;
const SOCK_DGRAM = 2;

const handleError = (code: string) => (e: unknown) => e instanceof TypeError && (e as { code?: string }).code === code;

/** A page-sized temporary file to map, removed after the test. */
function tempFile(t: TestContext): number {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-handles-'));
  const fd = openSync(join(dir, 'f'), 'w+');
  ftruncateSync(fd, pageSize());
  t.after(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });
  return fd;
}

/** A socket nobody writes to: pollable, never readable. */
function quietSocket(t: TestContext): number {
  const fd = native().socket(AF_UNIX, SOCK_DGRAM, 0);
  t.after(() => native().close(fd));
  return fd;
}

async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

const linux = process.platform === 'linux' ? null : `needs Linux (running ${process.platform})`;

test('munmap refuses a poll handle, a plain object, a foreign ArrayBuffer, a view and a number', (t) => {
  if (skipIf(t, linux)) return;
  const a = native();
  const poll = a.pollStart(quietSocket(t), () => {});
  t.after(() => a.pollStop(poll));
  const buf = mapMemory(tempFile(t), pageSize(), PROT_READ | PROT_WRITE, MAP_SHARED, 0, 'test');
  t.after(() => unmap(buf));
  const wrongs: Array<[string, unknown]> = [['poll handle', poll], ['object', {}], ['ArrayBuffer', new ArrayBuffer(8)], ['view', new Uint8Array(buf)], ['number', 1], ['undefined', undefined], ['null', null]];
  for (const [what, wrong] of wrongs) assert.throws(() => a.munmap(wrong as ArrayBuffer), handleError('ERR_TSBPF_HANDLE'), what);
  assert.throws(() => unmap({} as ArrayBuffer), handleError('ERR_TSBPF_HANDLE'));
  assert.throws(() => unmap(new ArrayBuffer(0)), handleError('ERR_TSBPF_HANDLE'));
  // A property planted on the buffer changes nothing: the addon keeps its record out of reach.
  Object.assign(buf, { __mapping: poll });
  new Uint8Array(buf)[0] = 1;
});

test('pollStop and pollRef refuse a mapping, a plain object and a number', (t) => {
  if (skipIf(t, linux)) return;
  const a = native();
  const buf = mapMemory(tempFile(t), pageSize(), PROT_READ, MAP_SHARED, 0, 'test');
  t.after(() => unmap(buf));
  for (const wrong of [buf, {}, 7, undefined]) {
    assert.throws(() => a.pollStop(wrong as unknown as PollHandle), handleError('ERR_TSBPF_HANDLE'));
    assert.throws(() => a.pollRef(wrong as unknown as PollHandle, true), handleError('ERR_TSBPF_HANDLE'));
  }
  assert.throws(() => a.pollStart(-1, () => {}), TypeError);
  assert.throws(() => a.pollStart(quietSocket(t), 'not a function' as never), TypeError);
});

test('unmapping detaches the buffer: views read nothing, new views throw, a second munmap throws', (t) => {
  if (skipIf(t, linux)) return;
  const fd = tempFile(t);
  writeSync(fd, Buffer.from([42]), 0, 1, 0);
  const buf = mapMemory(fd, pageSize(), PROT_READ | PROT_WRITE, MAP_SHARED, 0, 'test');
  const view = new Uint8Array(buf);
  const dv = new DataView(buf);
  assert.equal(view[0], 42);
  view[1] = 43;
  unmap(buf);
  assert.ok(isDetached(buf));
  assert.equal(buf.byteLength, 0);
  assert.equal(view.length, 0);
  assert.equal(view[0], undefined);
  assert.throws(() => dv.getUint8(0), TypeError);
  assert.throws(() => new Uint8Array(buf), TypeError);
  assert.throws(() => native().munmap(buf), handleError('ERR_TSBPF_RELEASED'));
  unmap(buf); // the library's unmap is idempotent
  const back = Buffer.alloc(2);
  readSync(fd, back, 0, 2, 0);
  assert.deepEqual([...back], [42, 43], 'the write went to the file before the unmap');
});

test('a second pollStop throws, and so does pollRef on a stopped handle, after libuv closed it', async (t) => {
  if (skipIf(t, linux)) return;
  const a = native();
  const h = a.pollStart(quietSocket(t), () => {});
  a.pollRef(h, false);
  a.pollStop(h);
  await new Promise((r) => setTimeout(r, 5)); // past the loop's close phase, where libuv lets go of the handle
  assert.throws(() => a.pollStop(h), handleError('ERR_TSBPF_RELEASED'));
  assert.throws(() => a.pollRef(h, true), handleError('ERR_TSBPF_RELEASED'));
});

test('mapMemory checks fd, length and offset before the call', (t) => {
  if (skipIf(t, linux)) return;
  const fd = tempFile(t);
  const page = pageSize();
  for (const [f, len, off] of [
    [fd, 0, 0],
    [fd, -1, 0],
    [fd, 1.5, 0],
    [fd, Number.NaN, 0],
    [fd, 2 ** 60, 0],
    [fd, page, -page],
    [fd, page, 1],
    [-1, page, 0],
    [1.5, page, 0],
  ]) {
    assert.throws(() => mapMemory(f, len, PROT_READ, MAP_SHARED, off, 'map x: mmap'), (e: unknown) => e instanceof RangeError && e.message.startsWith('map x: mmap: '), `${f} ${len} ${off}`);
  }
  // The addon refuses them too when called directly.
  assert.throws(() => native().mmap(fd, 0, PROT_READ, MAP_SHARED, 0), RangeError);
  assert.throws(() => native().mmap(fd, page, PROT_READ, MAP_SHARED, -1), RangeError);
});

test('perfEventOpen refuses an attr whose size field exceeds the buffer, before the call', (t) => {
  if (skipIf(t, linux)) return;
  const attr = new Uint8Array(16);
  new DataView(attr.buffer).setUint32(4, 128, true);
  assert.throws(() => native().perfEventOpen(attr, -1, 0, -1, 0), RangeError);
  assert.throws(() => native().perfEventOpen(new Uint8Array(4), -1, 0, -1, 0), RangeError);
});

test('Poller refuses an fd that is not a non-negative integer, or listed twice', () => {
  assert.throws(() => new Poller([-1], 'p'), /p: poll: invalid fd -1/);
  assert.throws(() => new Poller([1.5], 'p'), RangeError);
  assert.throws(() => new Poller([3, 3], 'p'), /fd listed twice/);
});

test('GC in any order: a view keeps its mapping alive, a dropped poller stops itself', async (t) => {
  if (skipIf(t, linux)) return;
  const a = native();
  const fd = tempFile(t);
  // Only a view over the buffer survives: the mapping must stay readable through it.
  const views: Uint8Array[] = [];
  for (let i = 0; i < 64; i++) views.push(new Uint8Array(mapMemory(fd, pageSize(), PROT_READ | PROT_WRITE, MAP_SHARED, 0, 'test')));
  // Many mappings nobody keeps, unmapped by their finalizers; some unmapped by hand first.
  for (let i = 0; i < 256; i++) {
    const b = mapMemory(fd, pageSize(), PROT_READ, MAP_SHARED, 0, 'test');
    if (i % 2) unmap(b);
  }
  const sock = quietSocket(t);
  a.pollStart(sock, () => {}); // dropped without pollStop
  await collect();
  views[0][0] = 7;
  for (const v of views) assert.equal(v[0], 7, 'all views share the file page');
  // libuv allows one poll handle per fd: this start succeeds only if the dropped one was stopped and closed.
  const h = a.pollStart(sock, () => {});
  a.pollStop(h);
  await collect();
  assert.throws(() => a.pollStop(h), handleError('ERR_TSBPF_RELEASED'), 'the handle outlives its stop safely');
});
