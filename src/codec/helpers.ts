/**
 * The small codecs and functions that generated bindings (`tsbpf gen`) use to read and write C
 * layouts: extra integer and float codecs, `char[N]` strings, byte arrays, bitfields, 128-bit
 * integers. Generated files take them from here (`tsbpf.codecHelpers`), so every file shares one
 * tested copy.
 *
 * `char[N]` strings: decoding reads UTF-8 up to the first NUL (all N bytes when there is none);
 * encoding writes the UTF-8 bytes and zero-fills the rest, throwing when they are longer than N.
 */
import { checkBigInt, checkInteger, describeValue, type Codec } from './codec.js';

/** Returns `v` when it is a boolean; throws a TypeError naming `name` otherwise. */
export function checkBoolean(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`${name} wants a boolean, got ${describeValue(v)}`);
  return v;
}

/** Returns `v` when it is a number (NaN and infinities included, as floats hold them); throws a TypeError naming `name` otherwise. */
export function checkNumber(name: string, v: unknown): number {
  if (typeof v !== 'number') throw new TypeError(`${name} wants a number, got ${describeValue(v)}`);
  return v;
}

/** Signed 8-bit integer as number. */
export const i8Codec: Codec<number> = {
  size: 1,
  name: 'i8',
  encode: (v, d, o) => d.setInt8(o, checkInteger('i8', v, -0x80, 0x7f)),
  decode: (d, o) => d.getInt8(o),
};

/** Signed 16-bit little-endian integer as number. */
export const i16Codec: Codec<number> = {
  size: 2,
  name: 'i16',
  encode: (v, d, o) => d.setInt16(o, checkInteger('i16', v, -0x8000, 0x7fff), true),
  decode: (d, o) => d.getInt16(o, true),
};

/** Unsigned 128-bit little-endian integer as bigint. */
export const u128Codec: Codec<bigint> = {
  size: 16,
  name: 'u128',
  encode: (v, d, o) => putInt128(d, o, checkBigInt('u128', v, 0n, (1n << 128n) - 1n)),
  decode: (d, o) => getInt128(d, o, false),
};

/** Signed 128-bit little-endian integer as bigint. */
export const i128Codec: Codec<bigint> = {
  size: 16,
  name: 'i128',
  encode: (v, d, o) => putInt128(d, o, checkBigInt('i128', v, -(1n << 127n), (1n << 127n) - 1n)),
  decode: (d, o) => getInt128(d, o, true),
};

/** C _Bool (1 byte) as boolean. */
export const boolCodec: Codec<boolean> = {
  size: 1,
  name: 'bool',
  encode: (v, d, o) => d.setUint8(o, checkBoolean('bool', v) ? 1 : 0),
  decode: (d, o) => d.getUint8(o) !== 0,
};

/** 32-bit float as number. */
export const f32Codec: Codec<number> = {
  size: 4,
  name: 'f32',
  encode: (v, d, o) => d.setFloat32(o, checkNumber('f32', v), true),
  decode: (d, o) => d.getFloat32(o, true),
};

/** 64-bit float as number. */
export const f64Codec: Codec<number> = {
  size: 8,
  name: 'f64',
  encode: (v, d, o) => d.setFloat64(o, checkNumber('f64', v), true),
  decode: (d, o) => d.getFloat64(o, true),
};

/** A pointer (8 bytes) as bigint. */
export const ptrCodec: Codec<bigint> = {
  size: 8,
  name: 'pointer',
  encode: (v, d, o) => d.setBigUint64(o, checkBigInt('pointer', v, 0n, 0xffffffffffffffffn), true),
  decode: (d, o) => d.getBigUint64(o, true),
};

/** Encodes one value into new bytes. */
export function encodeWith<T>(codec: Codec<T>, value: T): Uint8Array {
  const out = new Uint8Array(codec.size);
  codec.encode(value, new DataView(out.buffer), 0);
  return out;
}

/** Writes n zero bytes at o. */
export function zero(d: DataView, o: number, n: number): void {
  for (let i = 0; i < n; i++) d.setUint8(o + i, 0);
}

const utf8Decoder = new TextDecoder();

/** Reads a char[n] field: UTF-8 up to the first NUL, or all n bytes when there is none. */
export function cString(d: DataView, o: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const c = d.getUint8(o + i);
    if (c === 0) return s;
    if (c >= 0x80) {
      const b = new Uint8Array(d.buffer, d.byteOffset + o, n);
      const end = b.indexOf(0);
      return utf8Decoder.decode(end < 0 ? b : b.subarray(0, end));
    }
    s += String.fromCharCode(c);
  }
  return s;
}

const utf8Encoder = new TextEncoder();

/** Writes a char[n] field: the UTF-8 bytes of s, zero-filled; throws when they are longer than n. */
export function putCString(d: DataView, o: number, n: number, s: string, what: string): void {
  let ascii = s.length <= n;
  for (let i = 0; ascii && i < s.length; i++) ascii = s.charCodeAt(i) < 0x80;
  let i = 0;
  if (ascii) {
    for (; i < s.length; i++) d.setUint8(o + i, s.charCodeAt(i));
  } else {
    const bytes = utf8Encoder.encode(s);
    if (bytes.length > n) throw new RangeError(`${what}: ${bytes.length} UTF-8 bytes do not fit in char[${n}]`);
    new Uint8Array(d.buffer, d.byteOffset + o, n).set(bytes);
    i = bytes.length;
  }
  for (; i < n; i++) d.setUint8(o + i, 0);
}

/** Copies n bytes at o. */
export function copyBytes(d: DataView, o: number, n: number): Uint8Array {
  return new Uint8Array(d.buffer, d.byteOffset + o, n).slice();
}

/** Writes exactly n bytes at o. */
export function putBytes(d: DataView, o: number, n: number, b: Uint8Array, what: string): void {
  if (b.length !== n) throw new RangeError(`${what}: got ${b.length} bytes, want ${n}`);
  new Uint8Array(d.buffer, d.byteOffset + o, n).set(b);
}

/** An array of n elements made by f. */
export function arrayOf<T>(n: number, f: (i: number) => T): T[] {
  const out: T[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = f(i);
  return out;
}

/** Throws unless a has exactly n elements. */
export function checkLength(a: ArrayLike<unknown>, n: number, what: string): void {
  if (a.length !== n) throw new RangeError(`${what}: got ${a.length} elements, want ${n}`);
}

/** Reads a bitfield of `bits` bits that starts `shift` bits into the byte at o (little-endian). */
export function getBits(d: DataView, o: number, shift: number, bits: number, signed: boolean): number {
  let raw = 0;
  for (let i = Math.ceil((shift + bits) / 8) - 1; i >= 0; i--) raw = raw * 256 + d.getUint8(o + i);
  const v = Math.floor(raw / 2 ** shift) % 2 ** bits;
  return signed && v >= 2 ** (bits - 1) ? v - 2 ** bits : v;
}

/** ORs a bitfield into bytes that were zeroed first (the value is truncated to `bits` bits). */
export function putBits(d: DataView, o: number, shift: number, bits: number, value: number): void {
  let v = ((Math.trunc(value) % 2 ** bits) + 2 ** bits) % 2 ** bits;
  v *= 2 ** shift;
  for (let i = 0; i < Math.ceil((shift + bits) / 8); i++) {
    d.setUint8(o + i, d.getUint8(o + i) | v % 256);
    v = Math.floor(v / 256);
  }
}

/** Reads a bitfield of a 64-bit type as bigint (see getBits). */
export function getBitsBig(d: DataView, o: number, shift: number, bits: number, signed: boolean): bigint {
  let raw = 0n;
  for (let i = Math.ceil((shift + bits) / 8) - 1; i >= 0; i--) raw = (raw << 8n) | BigInt(d.getUint8(o + i));
  const v = BigInt.asUintN(bits, raw >> BigInt(shift));
  return signed ? BigInt.asIntN(bits, v) : v;
}

/** ORs a bigint bitfield into bytes that were zeroed first (see putBits). */
export function putBitsBig(d: DataView, o: number, shift: number, bits: number, value: bigint): void {
  let v = BigInt.asUintN(bits, value) << BigInt(shift);
  for (let i = 0; i < Math.ceil((shift + bits) / 8); i++) {
    d.setUint8(o + i, d.getUint8(o + i) | Number(v & 0xffn));
    v >>= 8n;
  }
}

/** Reads a 128-bit little-endian integer. */
export function getInt128(d: DataView, o: number, signed: boolean): bigint {
  const v = d.getBigUint64(o, true) | (d.getBigUint64(o + 8, true) << 64n);
  return signed ? BigInt.asIntN(128, v) : v;
}

/** Writes a 128-bit little-endian integer. */
export function putInt128(d: DataView, o: number, value: bigint): void {
  const v = BigInt.asUintN(128, value);
  d.setBigUint64(o, BigInt.asUintN(64, v), true);
  d.setBigUint64(o + 8, v >> 64n, true);
}
