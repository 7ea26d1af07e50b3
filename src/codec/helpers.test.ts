import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cString, putCString, getBits, putBits, getBitsBig, putBitsBig, getInt128, putInt128 } from './helpers.js';

test('char[N]: decode stops at the first NUL; encode zero-fills and refuses what does not fit', () => {
  const d = new DataView(new ArrayBuffer(8));
  putCString(d, 0, 8, 'héllo', 'name');
  assert.equal(cString(d, 0, 8), 'héllo');
  assert.equal(d.getUint8(7), 0);
  putCString(d, 0, 8, 'abcdefgh', 'name'); // exactly N bytes: no terminating NUL
  assert.equal(cString(d, 0, 8), 'abcdefgh');
  assert.throws(() => putCString(d, 0, 8, 'ééééé', 'name'), /name: 10 UTF-8 bytes do not fit in char\[8\]/);
  fc.assert(
    fc.property(fc.string({ maxLength: 16 }).filter((s) => !s.includes('\0') && Buffer.byteLength(s) <= 16), (s) => {
      const v = new DataView(new ArrayBuffer(16));
      putCString(v, 0, 16, s, 's');
      return cString(v, 0, 16) === s;
    }),
  );
});

test('bitfields round-trip at any shift and width, signed and unsigned', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 32 }), fc.boolean(), fc.integer(), (shift, bits, signed, raw) => {
      const d = new DataView(new ArrayBuffer(8));
      putBits(d, 0, shift, bits, raw);
      const want = signed ? BigInt.asIntN(bits, BigInt(raw)) : BigInt.asUintN(bits, BigInt(raw));
      return BigInt(getBits(d, 0, shift, bits, signed)) === want;
    }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 64 }), fc.boolean(), fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }), (shift, bits, signed, raw) => {
      const d = new DataView(new ArrayBuffer(16));
      putBitsBig(d, 0, shift, bits, raw);
      return getBitsBig(d, 0, shift, bits, signed) === (signed ? BigInt.asIntN(bits, raw) : BigInt.asUintN(bits, raw));
    }),
  );
});

test('128-bit integers round-trip', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(2n ** 127n), max: 2n ** 127n - 1n }), (v) => {
      const d = new DataView(new ArrayBuffer(16));
      putInt128(d, 0, v);
      return getInt128(d, 0, true) === v && getInt128(d, 0, false) === BigInt.asUintN(128, v);
    }),
  );
});

test('helper codecs refuse values they cannot represent', async () => {
  const { i8Codec, i16Codec, u128Codec, i128Codec, boolCodec, f32Codec, f64Codec, ptrCodec } = await import('./helpers.js');
  const view = new DataView(new ArrayBuffer(16));
  assert.throws(() => i8Codec.encode(128, view, 0), RangeError);
  assert.throws(() => i16Codec.encode(-32769, view, 0), RangeError);
  assert.throws(() => i16Codec.encode('1' as unknown as number, view, 0), TypeError);
  assert.throws(() => u128Codec.encode(-1n, view, 0), RangeError);
  assert.throws(() => i128Codec.encode(2n ** 127n, view, 0), RangeError);
  assert.throws(() => boolCodec.encode(1 as unknown as boolean, view, 0), TypeError);
  assert.throws(() => f32Codec.encode('1' as unknown as number, view, 0), TypeError);
  assert.throws(() => f64Codec.encode(1n as unknown as number, view, 0), TypeError);
  assert.throws(() => ptrCodec.encode(-1n, view, 0), RangeError);
  i8Codec.encode(-128, view, 0);
  assert.equal(i8Codec.decode(view, 0), -128);
  f64Codec.encode(NaN, view, 0);
  assert.ok(Number.isNaN(f64Codec.decode(view, 0)));
});
