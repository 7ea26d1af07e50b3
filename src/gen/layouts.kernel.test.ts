// Generated codecs against bytes a BPF program wrote, and values a BPF program reads back.
// Fixture: src/gen/testdata/layouts.bpf.c, with its committed bindings src/gen/testdata/layouts.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTest } from '../testutils/kernel.js';
import { possibleCpus } from '../codec/codec.js';
import { Color, Inner, RecordStruct, loadLayouts, type RecordT } from './testdata/layouts.js';

const DATA = Buffer.alloc(14);

/** What `fill_record()` in layouts.bpf.c writes. */
const FILLED: RecordT = {
  kind: 7,
  id: 0x1122334455667788n,
  delta: -5,
  color: Color.BLUE,
  name: 'hello',
  inners: [
    { x: 0x1234, tag: new Uint8Array([1, 2, 3]) },
    { x: 0xfedc, tag: new Uint8Array([4, 5, 6]) },
  ],
  matrix: [
    [1, 2, 3],
    [11, 12, 13],
  ],
  val: { u: 0x11223344, s: 0x3344, raw: new Uint8Array([0x44, 0x33, 0x22, 0x11, 0, 0, 0, 0]) },
  fl: { a: 5, b: -3, c: 0xabcdef, big: 0x123456789an, on: true, hue: Color.GREEN },
  ax: 0xdeadbeef,
  ay: 0x4242,
  ua: 0x05060708,
  ub: 0x0102030405060708n,
  neg: -1234567890123n,
  bytes: new Uint8Array([9, 8, 7, 6, 5]),
  ok: true,
  small: -100,
  tail: 0xbeef,
  wide: (0x0102030405060708n << 64n) | 0x1112131415161718n,
};

/** What `check` in layouts.bpf.c expects at key 1. */
const CHECKED: RecordT = {
  kind: 200,
  id: 0xfffffffffffffffen,
  delta: -77,
  color: Color.GREEN,
  name: 'world',
  inners: [
    { x: 11, tag: new Uint8Array([0, 0, 33]) },
    { x: 44, tag: new Uint8Array([55, 0, 0]) },
  ],
  matrix: [
    [100, 0, 0],
    [0, 0, 600],
  ],
  val: { u: 0xa1b2c3d4 },
  fl: { a: 6, b: -16, c: 0x123456, big: 0xfedcba9876n, on: true, hue: Color.RED },
  ax: 1,
  ay: 2,
  ua: 0xcafe,
  neg: -9n,
  bytes: new Uint8Array([0xff, 0, 0, 0, 0x80]),
  ok: false,
  small: 127,
  tail: 0x1234,
  wide: (1n << 64n) | 0x8877665544332211n,
};

test('a record written by a BPF program decodes to the values it wrote', (t) => {
  if (!kernelTest(t)) return;
  using obj = loadLayouts();
  assert.equal(obj.programs.fill.test(DATA).retval, 0);
  assert.deepEqual(obj.maps.records.lookup(0), FILLED);
  // The same bytes through a .bss variable of the same struct type.
  assert.deepEqual(obj.variables.g_record.get(), FILLED);
  assert.equal(obj.variables.g_counter.get(), 1n);
});

test('encoding the decoded record gives back the exact bytes clang laid out, padding zeroed', (t) => {
  if (!kernelTest(t)) return;
  using obj = loadLayouts();
  obj.programs.fill.test(DATA);
  const raw = obj.maps.records.lookupRaw(Buffer.from([0, 0, 0, 0]));
  assert.ok(raw);
  const mine = new Uint8Array(RecordStruct.size).fill(0xff);
  // The anonymous union holds ub; ua (declared first) would win the encode and drop ub's high half.
  RecordStruct.encode({ ...FILLED, ua: undefined }, new DataView(mine.buffer), 0);
  assert.deepEqual(Buffer.from(mine), Buffer.from(raw));
});

test('values encoded in TypeScript are the values the BPF program reads', (t) => {
  if (!kernelTest(t)) return;
  using obj = loadLayouts({ constants: { c_inner: { x: 0x4321, tag: new Uint8Array([0xaa, 0, 0]) }, c_scale: 3 } });
  // Dirty the map's scratch value buffer first, so padding must really be zeroed by the codec.
  obj.maps.records.updateRaw(Buffer.from([2, 0, 0, 0]), Buffer.alloc(RecordStruct.size, 0xff));
  assert.equal(obj.maps.records.lookupRaw(Buffer.from([2, 0, 0, 0]))?.[3], 0xff);
  obj.maps.records.update(1, CHECKED);
  assert.equal(obj.programs.check.test(DATA).retval, 0, 'check returns the number of the first field that differs');
  assert.deepEqual(obj.variables.c_inner.get(), { x: 0x4321, tag: new Uint8Array([0xaa, 0, 0]) });
  assert.equal(obj.variables.c_scale.get(), 3);
});

test('the check program notices a wrong field (the test above is not vacuous)', (t) => {
  if (!kernelTest(t)) return;
  using obj = loadLayouts({ constants: { c_inner: { x: 0x4321, tag: new Uint8Array([0xaa, 0, 0]) }, c_scale: 3 } });
  obj.maps.records.update(1, { ...CHECKED, fl: { ...CHECKED.fl, b: -15 } });
  assert.equal(obj.programs.check.test(DATA).retval, 9);
  obj.maps.records.update(1, { ...CHECKED, name: 'worle' });
  assert.equal(obj.programs.check.test(DATA).retval, 5);
});

test('typed globals: .data initial values, a string, constants read-only, per-CPU struct values', (t) => {
  if (!kernelTest(t)) return;
  using obj = loadLayouts();
  assert.deepEqual(obj.variables.g_inner.get(), { x: 7, tag: new Uint8Array([1, 2, 3]) });
  assert.equal(obj.variables.g_label.get(), 'abc');
  obj.variables.g_label.set('xyz1234');
  assert.equal(obj.variables.g_label.get(), 'xyz1234');
  assert.throws(() => obj.variables.g_label.set('123456789'), /9 UTF-8 bytes do not fit in char\[8\]/);
  assert.throws(() => obj.variables.c_inner.set({ x: 1, tag: new Uint8Array(3) }), /constant/);
  obj.programs.fill.test(DATA);
  const perCpu = obj.maps.percpu.lookup(0);
  assert.ok(perCpu);
  assert.equal(perCpu.length, possibleCpus());
  assert.ok(perCpu.some((v) => v.x === 0x55 && v.tag.every((b) => b === 9)));
  const ones: Inner[] = perCpu.map((_, i) => ({ x: i + 1, tag: new Uint8Array([i, i, i]) }));
  obj.maps.percpu.update(1, ones);
  assert.deepEqual(obj.maps.percpu.lookup(1), ones);
});
