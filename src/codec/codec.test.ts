import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { u8, u16, u32, i32, u64, i64, u32be, bytes, perCpu, parseCpuRange, type Codec } from './codec.js';

function roundTrip<T>(c: Codec<T>, v: T): T {
  const buf = new Uint8Array(c.size + 3);
  const view = new DataView(buf.buffer);
  c.encode(v, view, 3);
  return c.decode(view, 3);
}

test('integer codecs write little-endian bytes of their width', () => {
  const buf = new Uint8Array(8);
  const view = new DataView(buf.buffer);
  u32.encode(0x01020304, view, 0);
  assert.deepEqual([...buf.subarray(0, 4)], [4, 3, 2, 1]);
  u32be.encode(0x01020304, view, 0);
  assert.deepEqual([...buf.subarray(0, 4)], [1, 2, 3, 4]);
  u64.encode(0x0102030405060708n, view, 0);
  assert.deepEqual([...buf], [8, 7, 6, 5, 4, 3, 2, 1]);
  assert.equal(i64.decode(new DataView(new Uint8Array(8).fill(0xff).buffer), 0), -1n);
});

test('integer codecs round-trip their whole range', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), (v) => roundTrip(u8, v) === v));
  fc.assert(fc.property(fc.integer({ min: 0, max: 65535 }), (v) => roundTrip(u16, v) === v));
  fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (v) => roundTrip(u32, v) === v));
  fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (v) => roundTrip(i32, v) === v));
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v) => roundTrip(u64, v) === v));
  fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => roundTrip(i64, v) === v));
});

test('bytes codec copies on decode and checks length on encode', () => {
  const c = bytes(3);
  const buf = new Uint8Array([9, 1, 2, 3]);
  const view = new DataView(buf.buffer);
  const out = c.decode(view, 1);
  assert.deepEqual([...out], [1, 2, 3]);
  buf[1] = 7;
  assert.equal(out[0], 1, 'decoded value must not alias');
  assert.throws(() => c.encode(Buffer.alloc(2), view, 0), /got 2 bytes/);
  assert.throws(() => bytes(-1), RangeError);
});

test('perCpu codec lays values out in 8-byte slots and zeroes padding', () => {
  const c = perCpu(u32, 3);
  assert.equal(c.size, 24);
  const buf = new Uint8Array(24).fill(0xee);
  const view = new DataView(buf.buffer);
  c.encode([1, 2, 3], view, 0);
  assert.deepEqual([...buf], [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(c.decode(view, 0), [1, 2, 3]);
  assert.throws(() => c.encode([1], view, 0), /expected one per possible CPU \(3\)/);
});

test('parseCpuRange reads kernel cpu lists', () => {
  assert.equal(parseCpuRange('0\n'), 1);
  assert.equal(parseCpuRange('0-3\n'), 4);
  assert.equal(parseCpuRange('0-1,4,6-7'), 8);
  assert.throws(() => parseCpuRange(''), /empty/);
  assert.throws(() => parseCpuRange('x'), /cannot parse/);
});
