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

/** Unsigned 8-bit integer as number. */
export const u8: Codec<number> = {
  size: 1,
  name: 'u8',
  encode: (v, d, o) => d.setUint8(o, v),
  decode: (d, o) => d.getUint8(o),
};
/** Unsigned 16-bit little-endian integer as number. */
export const u16: Codec<number> = {
  size: 2,
  name: 'u16',
  encode: (v, d, o) => d.setUint16(o, v, true),
  decode: (d, o) => d.getUint16(o, true),
};
/** Unsigned 32-bit little-endian integer as number. */
export const u32: Codec<number> = {
  size: 4,
  name: 'u32',
  encode: (v, d, o) => d.setUint32(o, v, true),
  decode: (d, o) => d.getUint32(o, true),
};
/** Signed 32-bit little-endian integer as number. */
export const i32: Codec<number> = {
  size: 4,
  name: 'i32',
  encode: (v, d, o) => d.setInt32(o, v, true),
  decode: (d, o) => d.getInt32(o, true),
};
/** Unsigned 64-bit little-endian integer as bigint. */
export const u64: Codec<bigint> = {
  size: 8,
  name: 'u64',
  encode: (v, d, o) => d.setBigUint64(o, v, true),
  decode: (d, o) => d.getBigUint64(o, true),
};
/** Signed 64-bit little-endian integer as bigint. */
export const i64: Codec<bigint> = {
  size: 8,
  name: 'i64',
  encode: (v, d, o) => d.setBigInt64(o, v, true),
  decode: (d, o) => d.getBigInt64(o, true),
};

/** Big-endian (network order) unsigned 32-bit integer as number, for IPv4 addresses and ports. */
export const u32be: Codec<number> = {
  size: 4,
  name: 'u32be',
  encode: (v, d, o) => d.setUint32(o, v, false),
  decode: (d, o) => d.getUint32(o, false),
};

/**
 * A fixed-size byte string as Buffer. Encoding checks the length; decoding copies.
 * @throws {RangeError} on encode when the buffer is not `size` bytes (maps check this first, naming the map).
 */
export function bytes(size: number): Codec<Buffer> {
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`bytes codec: invalid size ${size}`);
  return {
    size,
    name: `bytes(${size})`,
    encode(v, d, o) {
      if (v.length !== size) throw new RangeError(`bytes(${size}): got ${v.length} bytes`);
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
  const stride = Math.ceil(element.size / 8) * 8;
  return {
    element,
    cpus,
    stride,
    size: stride * cpus,
    name: `perCpu(${element.name ?? element.size})`,
    encode(v, d, o) {
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
