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

test('integer codecs refuse what they cannot represent: TypeError for non-numbers, RangeError for fractions and out-of-range values', () => {
  const view = new DataView(new ArrayBuffer(8));
  const cases: Array<[Codec<number>, number, number]> = [
    [u8, 0, 255],
    [u16, 0, 65535],
    [u32, 0, 2 ** 32 - 1],
    [u32be, 0, 2 ** 32 - 1],
    [i32, -(2 ** 31), 2 ** 31 - 1],
  ];
  for (const [c, min, max] of cases) {
    const msg = (got: string) => new RegExp(`: ${c.name} wants an integer in \\[${min}, ${max}\\], got ${got.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    for (const bad of ['abc', null, {}, undefined, 1n, true, [1]]) assert.throws(() => c.encode(bad as unknown as number, view, 0), TypeError, `${c.name} ${String(bad)}`);
    assert.throws(() => c.encode('abc' as unknown as number, view, 0), msg(`string "abc"`));
    for (const bad of [min - 1, max + 1, 1.5, NaN, Infinity, -Infinity]) assert.throws(() => c.encode(bad, view, 0), (e: unknown) => e instanceof RangeError && msg(String(bad)).test(String(e)));
    c.encode(min, view, 0);
    assert.equal(c.decode(view, 0), min);
    c.encode(max, view, 0);
    assert.equal(c.decode(view, 0), max);
  }
  assert.throws(() => u32.encode(2 ** 32, view, 0), /: u32 wants an integer in \[0, 4294967295\], got 4294967296$/);
});

test('64-bit codecs take a bigint in range or a safe integer number, nothing else', () => {
  const view = new DataView(new ArrayBuffer(8));
  u64.encode(2n ** 64n - 1n, view, 0);
  assert.equal(u64.decode(view, 0), 2n ** 64n - 1n);
  u64.encode(Number.MAX_SAFE_INTEGER as unknown as bigint, view, 0);
  assert.equal(u64.decode(view, 0), BigInt(Number.MAX_SAFE_INTEGER));
  i64.encode(-5 as unknown as bigint, view, 0);
  assert.equal(i64.decode(view, 0), -5n);
  assert.throws(() => u64.encode(-1n, view, 0), /: u64 wants a bigint \(or a safe integer number\) in \[0, 18446744073709551615\], got -1n$/);
  assert.throws(() => u64.encode(2n ** 64n, view, 0), RangeError);
  assert.throws(() => i64.encode(2n ** 63n, view, 0), RangeError);
  assert.throws(() => u64.encode(-1 as unknown as bigint, view, 0), RangeError);
  assert.throws(() => u64.encode(2 ** 53 as unknown as bigint, view, 0), RangeError, 'not a safe integer');
  assert.throws(() => u64.encode(1.5 as unknown as bigint, view, 0), RangeError);
  for (const bad of ['1', null, {}, undefined, true]) assert.throws(() => u64.encode(bad as unknown as bigint, view, 0), TypeError);
});

test('bytes codec refuses strings, arrays and other typed arrays', () => {
  const view = new DataView(new ArrayBuffer(8));
  const c = bytes(4);
  assert.throws(() => c.encode('abcd' as unknown as Buffer, view, 0), /: bytes\(4\) wants a Uint8Array of 4 bytes, got string "abcd"$/);
  for (const bad of [[1, 2, 3, 4], new Uint32Array(4), null, 5]) assert.throws(() => c.encode(bad as unknown as Buffer, view, 0), TypeError);
  c.encode(new Uint8Array([1, 2, 3, 4]) as Buffer, view, 0);
  assert.deepEqual([...c.decode(view, 0)], [1, 2, 3, 4]);
  assert.throws(() => perCpu(u32, 2).encode('ab' as unknown as number[], new DataView(new ArrayBuffer(16)), 0), TypeError);
  assert.throws(() => perCpu(u32, 0), RangeError);
});
