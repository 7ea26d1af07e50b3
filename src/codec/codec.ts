/**
 * Codecs: how keys and values travel between JavaScript values and the kernel's bytes.
 *
 * Widths and byte order are in the names; 64-bit integers are always `bigint`. Generated struct
 * codecs (`tsbpf gen`) implement the same {@link Codec} interface.
 */
import { readFileSync } from 'node:fs';

/** Encodes values of type T into exactly `size` bytes and decodes them back. */
export interface Codec<T> {
  /** Size in bytes. */
  readonly size: number;
  /** Writes `value` at `offset` of `view`; must write all `size` bytes (zero any padding). */
  encode(value: T, view: DataView, offset: number): void;
  /** Reads a value at `offset` of `view`; the result must not alias the view's memory. */
  decode(view: DataView, offset: number): T;
  /** A short description for error messages, e.g. `u32`. */
  readonly name?: string;
}

/** The value type a codec produces. */
export type CodecType<C> = C extends Codec<infer T> ? T : never;

/**
 * Describes a value for an error message: `1.5`, `string 'abc'`, `null`, `object`, `bigint 5n`.
 * Strings are cut at 20 characters.
 */
export function describeValue(v: unknown): string {
  switch (typeof v) {
    case 'number':
      return String(v);
    case 'bigint':
      return `bigint ${v}n`;
    case 'string':
      return `string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v)}`;
    case 'undefined':
      return 'undefined';
    case 'object':
      if (v === null) return 'null';
      if (Array.isArray(v)) return `array of ${v.length}`;
      if (ArrayBuffer.isView(v)) return `${v.constructor.name} of ${v.byteLength} bytes`;
      return 'object';
    default:
      return typeof v;
  }
}

/**
 * Checks that `v` is an integer number in `[min, max]` and returns it.
 * @throws {TypeError} for a value that is not a number; {@link RangeError} for NaN, a fraction or a value out of range.
 * The message is `<name> wants an integer in [min, max], got <value>`.
 */
export function checkInteger(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number') throw new TypeError(`${name} wants an integer in [${min}, ${max}], got ${describeValue(v)}`);
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} wants an integer in [${min}, ${max}], got ${v}`);
  return v;
}

/**
 * Checks that `v` is a bigint in `[min, max]`, or a safe integer number in that range (converted
 * exactly), and returns it as a bigint.
 * @throws {TypeError} for a value that is neither; {@link RangeError} for a number that is not a safe integer or a value out of range.
 */
export function checkBigInt(name: string, v: unknown, min: bigint, max: bigint): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError(`${name} wants a bigint (or a safe integer number) in [${min}, ${max}], got ${v}`);
    b = BigInt(v);
  } else throw new TypeError(`${name} wants a bigint (or a safe integer number) in [${min}, ${max}], got ${describeValue(v)}`);
  if (b < min || b > max) throw new RangeError(`${name} wants a bigint (or a safe integer number) in [${min}, ${max}], got ${v}${typeof v === 'bigint' ? 'n' : ''}`);
  return b;
}

/** Unsigned 8-bit integer as number; encoding refuses anything but an integer in [0, 255]. */
export const u8: Codec<number> = {
  size: 1,
  name: 'u8',
  encode: (v, d, o) => d.setUint8(o, checkInteger('u8', v, 0, 0xff)),
  decode: (d, o) => d.getUint8(o),
};
/** Unsigned 16-bit little-endian integer as number; encoding refuses anything but an integer in [0, 65535]. */
export const u16: Codec<number> = {
  size: 2,
  name: 'u16',
  encode: (v, d, o) => d.setUint16(o, checkInteger('u16', v, 0, 0xffff), true),
  decode: (d, o) => d.getUint16(o, true),
};
/** Unsigned 32-bit little-endian integer as number; encoding refuses anything but an integer in [0, 4294967295]. */
export const u32: Codec<number> = {
  size: 4,
  name: 'u32',
  encode: (v, d, o) => d.setUint32(o, checkInteger('u32', v, 0, 0xffffffff), true),
  decode: (d, o) => d.getUint32(o, true),
};
/** Signed 32-bit little-endian integer as number; encoding refuses anything but an integer in [-2147483648, 2147483647]. */
export const i32: Codec<number> = {
  size: 4,
  name: 'i32',
  encode: (v, d, o) => d.setInt32(o, checkInteger('i32', v, -0x80000000, 0x7fffffff), true),
  decode: (d, o) => d.getInt32(o, true),
};
/**
 * Unsigned 64-bit little-endian integer as bigint. Encoding takes a bigint in [0, 2^64 - 1], or
 * a safe integer number (converted exactly); decoding always gives a bigint.
 */
export const u64: Codec<bigint> = {
  size: 8,
  name: 'u64',
  encode: (v, d, o) => d.setBigUint64(o, checkBigInt('u64', v, 0n, 0xffffffffffffffffn), true),
  decode: (d, o) => d.getBigUint64(o, true),
};
/**
 * Signed 64-bit little-endian integer as bigint. Encoding takes a bigint in [-2^63, 2^63 - 1], or
 * a safe integer number (converted exactly); decoding always gives a bigint.
 */
export const i64: Codec<bigint> = {
  size: 8,
  name: 'i64',
  encode: (v, d, o) => d.setBigInt64(o, checkBigInt('i64', v, -0x8000000000000000n, 0x7fffffffffffffffn), true),
  decode: (d, o) => d.getBigInt64(o, true),
};

/** Big-endian (network order) unsigned 32-bit integer as number, for IPv4 addresses and ports; the range is u32's. */
export const u32be: Codec<number> = {
  size: 4,
  name: 'u32be',
  encode: (v, d, o) => d.setUint32(o, checkInteger('u32be', v, 0, 0xffffffff), false),
  decode: (d, o) => d.getUint32(o, false),
};

/**
 * A fixed-size byte string as Buffer. Encoding takes a Uint8Array (a Buffer is one) of exactly
 * `size` bytes and nothing else (no strings, arrays of numbers or other typed arrays); decoding copies.
 * @throws {TypeError} on encode for a value that is not a Uint8Array; {@link RangeError} when it is not `size` bytes
 *   (maps check this first and throw `SizeError` naming the map).
 */
export function bytes(size: number): Codec<Buffer> {
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`bytes codec: invalid size ${size}`);
  const name = `bytes(${size})`;
  return {
    size,
    name,
    encode(v, d, o) {
      if (!(v instanceof Uint8Array)) throw new TypeError(`${name} wants a Uint8Array of ${size} bytes, got ${describeValue(v)}`);
      if (v.length !== size) throw new RangeError(`${name} wants a Uint8Array of ${size} bytes, got ${v.length} bytes`);
      new Uint8Array(d.buffer, d.byteOffset + o, size).set(v);
    },
    decode: (d, o) => Buffer.copyBytesFrom(new Uint8Array(d.buffer, d.byteOffset + o, size)),
  };
}

/**
 * Per-CPU values: an array with one T per possible CPU, each slot `roundup(size, 8)` bytes, as
 * the kernel lays them out for BPF_MAP_TYPE_PERCPU_* lookups and updates.
 */
export interface PerCpuCodec<T> extends Codec<T[]> {
  /** The codec of one CPU's value. */
  readonly element: Codec<T>;
  /** Number of possible CPUs. */
  readonly cpus: number;
  /** Bytes per CPU slot (element size rounded up to 8). */
  readonly stride: number;
}

/** Wraps a codec for per-CPU maps: values are arrays of `cpus` elements (default: the possible CPUs). */
export function perCpu<T>(element: Codec<T>, cpus = possibleCpus()): PerCpuCodec<T> {
  if (!Number.isInteger(cpus) || cpus < 1) throw new RangeError(`perCpu: cpus must be a positive integer, got ${describeValue(cpus)}`);
  const stride = Math.ceil(element.size / 8) * 8;
  return {
    element,
    cpus,
    stride,
    size: stride * cpus,
    name: `perCpu(${element.name ?? element.size})`,
    encode(v, d, o) {
      if (!Array.isArray(v)) throw new TypeError(`per-CPU value: wants an array of ${cpus} values (one per possible CPU), got ${describeValue(v)}`);
      if (v.length !== cpus) throw new RangeError(`per-CPU value: got ${v.length} values, expected one per possible CPU (${cpus})`);
      for (let i = 0; i < cpus; i++) {
        const at = o + i * stride;
        for (let b = element.size; b < stride; b++) d.setUint8(at + b, 0);
        element.encode(v[i], d, at);
      }
    },
    decode(d, o) {
      const out: T[] = new Array(cpus);
      for (let i = 0; i < cpus; i++) out[i] = element.decode(d, o + i * stride);
      return out;
    },
  };
}

/** Whether `c` was made by {@link perCpu}. */
export function isPerCpuCodec<T>(c: Codec<T> | Codec<T[]>): c is PerCpuCodec<T> {
  return (c as PerCpuCodec<T>).element !== undefined && typeof (c as PerCpuCodec<T>).stride === 'number';
}

let possible: number | undefined;

/** The number of possible CPUs (from /sys/devices/system/cpu/possible), read once. */
export function possibleCpus(): number {
  possible ??= parseCpuRange(readFileSync('/sys/devices/system/cpu/possible', 'utf8'));
  return possible;
}

/** Parses a kernel CPU list such as `0-3,5` and returns the highest CPU number plus one. */
export function parseCpuRange(text: string): number {
  let max = -1;
  for (const part of text.trim().split(',')) {
    if (!part) continue;
    const [a, b] = part.split('-').map((x) => Number.parseInt(x, 10));
    const hi = b ?? a;
    if (!Number.isInteger(hi) || hi < 0) throw new Error(`cpu list: cannot parse ${JSON.stringify(text)}`);
    max = Math.max(max, hi);
  }
  if (max < 0) throw new Error(`cpu list: empty ${JSON.stringify(text)}`);
  return max + 1;
}
