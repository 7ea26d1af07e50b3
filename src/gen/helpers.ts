/**
 * The small functions and codecs a generated bindings file carries with it, so that generated
 * code needs nothing from tsbpf beyond its public API. Each is emitted only when used, in the
 * fixed order of {@link HELPER_ORDER}.
 */
import type { HelperName } from './types.js';

/** Emission order: codec consts first (they are values, not hoisted), functions after. */
export const HELPER_ORDER: readonly HelperName[] = [
  'i8Codec',
  'i16Codec',
  'u128Codec',
  'i128Codec',
  'boolCodec',
  'f32Codec',
  'f64Codec',
  'ptrCodec',
  'encodeWith',
  'zero',
  'cString',
  'putCString',
  'copyBytes',
  'putBytes',
  'arrayOf',
  'checkLength',
  'getBits',
  'putBits',
  'getBitsBig',
  'putBitsBig',
  'getInt128',
  'putInt128',
];

/** Whether the helper is a `const` that must be defined before module-level code uses it. */
export function isConstHelper(h: HelperName): boolean {
  return h.endsWith('Codec');
}

const SOURCES: Record<HelperName, string> = {
  i8Codec: `/** Signed 8-bit integer as number. */
const i8Codec: tsbpf.Codec<number> = {
  size: 1,
  name: 'i8',
  encode: (v, d, o) => d.setInt8(o, v),
  decode: (d, o) => d.getInt8(o),
};`,
  i16Codec: `/** Signed 16-bit little-endian integer as number. */
const i16Codec: tsbpf.Codec<number> = {
  size: 2,
  name: 'i16',
  encode: (v, d, o) => d.setInt16(o, v, true),
  decode: (d, o) => d.getInt16(o, true),
};`,
  u128Codec: `/** Unsigned 128-bit little-endian integer as bigint. */
const u128Codec: tsbpf.Codec<bigint> = {
  size: 16,
  name: 'u128',
  encode: (v, d, o) => putInt128(d, o, v),
  decode: (d, o) => getInt128(d, o, false),
};`,
  i128Codec: `/** Signed 128-bit little-endian integer as bigint. */
const i128Codec: tsbpf.Codec<bigint> = {
  size: 16,
  name: 'i128',
  encode: (v, d, o) => putInt128(d, o, v),
  decode: (d, o) => getInt128(d, o, true),
};`,
  boolCodec: `/** C _Bool (1 byte) as boolean. */
const boolCodec: tsbpf.Codec<boolean> = {
  size: 1,
  name: 'bool',
  encode: (v, d, o) => d.setUint8(o, v ? 1 : 0),
  decode: (d, o) => d.getUint8(o) !== 0,
};`,
  f32Codec: `/** 32-bit float as number. */
const f32Codec: tsbpf.Codec<number> = {
  size: 4,
  name: 'f32',
  encode: (v, d, o) => d.setFloat32(o, v, true),
  decode: (d, o) => d.getFloat32(o, true),
};`,
  f64Codec: `/** 64-bit float as number. */
const f64Codec: tsbpf.Codec<number> = {
  size: 8,
  name: 'f64',
  encode: (v, d, o) => d.setFloat64(o, v, true),
  decode: (d, o) => d.getFloat64(o, true),
};`,
  ptrCodec: `/** A pointer (8 bytes) as bigint. */
const ptrCodec: tsbpf.Codec<bigint> = {
  size: 8,
  name: 'pointer',
  encode: (v, d, o) => d.setBigUint64(o, v, true),
  decode: (d, o) => d.getBigUint64(o, true),
};`,
  encodeWith: `/** Encodes one value into new bytes. */
function encodeWith<T>(codec: tsbpf.Codec<T>, value: T): Uint8Array {
  const out = new Uint8Array(codec.size);
  codec.encode(value, new DataView(out.buffer), 0);
  return out;
}`,
  zero: `/** Writes n zero bytes at o. */
function zero(d: DataView, o: number, n: number): void {
  for (let i = 0; i < n; i++) d.setUint8(o + i, 0);
}`,
  cString: `const utf8Decoder = new TextDecoder();

/** Reads a char[n] field: UTF-8 up to the first NUL, or all n bytes when there is none. */
function cString(d: DataView, o: number, n: number): string {
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
}`,
  putCString: `const utf8Encoder = new TextEncoder();

/** Writes a char[n] field: the UTF-8 bytes of s, zero-filled; throws when they are longer than n. */
function putCString(d: DataView, o: number, n: number, s: string, what: string): void {
  let ascii = s.length <= n;
  for (let i = 0; ascii && i < s.length; i++) ascii = s.charCodeAt(i) < 0x80;
  let i = 0;
  if (ascii) {
    for (; i < s.length; i++) d.setUint8(o + i, s.charCodeAt(i));
  } else {
    const bytes = utf8Encoder.encode(s);
    if (bytes.length > n) throw new RangeError(\`\${what}: \${bytes.length} UTF-8 bytes do not fit in char[\${n}]\`);
    new Uint8Array(d.buffer, d.byteOffset + o, n).set(bytes);
    i = bytes.length;
  }
  for (; i < n; i++) d.setUint8(o + i, 0);
}`,
  copyBytes: `/** Copies n bytes at o. */
function copyBytes(d: DataView, o: number, n: number): Uint8Array {
  return new Uint8Array(d.buffer, d.byteOffset + o, n).slice();
}`,
  putBytes: `/** Writes exactly n bytes at o. */
function putBytes(d: DataView, o: number, n: number, b: Uint8Array, what: string): void {
  if (b.length !== n) throw new RangeError(\`\${what}: got \${b.length} bytes, want \${n}\`);
  new Uint8Array(d.buffer, d.byteOffset + o, n).set(b);
}`,
  arrayOf: `/** An array of n elements made by f. */
function arrayOf<T>(n: number, f: (i: number) => T): T[] {
  const out: T[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = f(i);
  return out;
}`,
  checkLength: `/** Throws unless a has exactly n elements. */
function checkLength(a: ArrayLike<unknown>, n: number, what: string): void {
  if (a.length !== n) throw new RangeError(\`\${what}: got \${a.length} elements, want \${n}\`);
}`,
  getBits: `/** Reads a bitfield of \`bits\` bits that starts \`shift\` bits into the byte at o (little-endian). */
function getBits(d: DataView, o: number, shift: number, bits: number, signed: boolean): number {
  let raw = 0;
  for (let i = Math.ceil((shift + bits) / 8) - 1; i >= 0; i--) raw = raw * 256 + d.getUint8(o + i);
  const v = Math.floor(raw / 2 ** shift) % 2 ** bits;
  return signed && v >= 2 ** (bits - 1) ? v - 2 ** bits : v;
}`,
  putBits: `/** ORs a bitfield into bytes that were zeroed first (the value is truncated to \`bits\` bits). */
function putBits(d: DataView, o: number, shift: number, bits: number, value: number): void {
  let v = ((Math.trunc(value) % 2 ** bits) + 2 ** bits) % 2 ** bits;
  v *= 2 ** shift;
  for (let i = 0; i < Math.ceil((shift + bits) / 8); i++) {
    d.setUint8(o + i, d.getUint8(o + i) | v % 256);
    v = Math.floor(v / 256);
  }
}`,
  getBitsBig: `/** Reads a bitfield of a 64-bit type as bigint (see getBits). */
function getBitsBig(d: DataView, o: number, shift: number, bits: number, signed: boolean): bigint {
  let raw = 0n;
  for (let i = Math.ceil((shift + bits) / 8) - 1; i >= 0; i--) raw = (raw << 8n) | BigInt(d.getUint8(o + i));
  const v = BigInt.asUintN(bits, raw >> BigInt(shift));
  return signed ? BigInt.asIntN(bits, v) : v;
}`,
  putBitsBig: `/** ORs a bigint bitfield into bytes that were zeroed first (see putBits). */
function putBitsBig(d: DataView, o: number, shift: number, bits: number, value: bigint): void {
  let v = BigInt.asUintN(bits, value) << BigInt(shift);
  for (let i = 0; i < Math.ceil((shift + bits) / 8); i++) {
    d.setUint8(o + i, d.getUint8(o + i) | Number(v & 0xffn));
    v >>= 8n;
  }
}`,
  getInt128: `/** Reads a 128-bit little-endian integer. */
function getInt128(d: DataView, o: number, signed: boolean): bigint {
  const v = d.getBigUint64(o, true) | (d.getBigUint64(o + 8, true) << 64n);
  return signed ? BigInt.asIntN(128, v) : v;
}`,
  putInt128: `/** Writes a 128-bit little-endian integer. */
function putInt128(d: DataView, o: number, value: bigint): void {
  const v = BigInt.asUintN(128, value);
  d.setBigUint64(o, BigInt.asUintN(64, v), true);
  d.setBigUint64(o + 8, v >> 64n, true);
}`,
};

/** The source text of a helper. */
export function helperSource(h: HelperName): string {
  return SOURCES[h];
}
