/**
 * Fast packing of keys and values into batch buffers: typed-array writers ("lanes") for the
 * little-endian integer codecs (u8, u16, u32, i32, u64, i64), so a batch of numbers is written
 * without a codec call, a DataView call and a try/catch per element.
 *
 * A lane takes only what its codec takes in the common form (an integer number in range; a bigint
 * in range for the 64-bit codecs) and reports anything else, which the caller then hands to the
 * codec itself: the codec encodes it (a safe integer number for u64) or throws its usual error.
 * Lanes exist only on little-endian hosts, where the typed arrays' byte order is the codecs'.
 */
import { endianness } from 'node:os';
import { i32, i64, u16, u32, u64, u8, type Codec } from '../codec/codec.js';

/** A typed-array writer for one integer codec. */
export interface Lane {
  /** A typed array over the whole of `buf` (its byte length a multiple of the codec's size). */
  over(buf: ArrayBuffer): unknown;
  /** Stores `v` at element `i` of `a` (made by {@link Lane.over}) and returns true when it is a value the codec takes as is; else false, storing nothing. */
  put(a: never, i: number, v: unknown): boolean;
}

function lane<A>(over: (b: ArrayBuffer) => A, put: (a: A, i: number, v: unknown) => boolean): Lane {
  return { over, put: put as Lane['put'] };
}

const LITTLE_ENDIAN = endianness() === 'LE';

const lanes = new Map<unknown, Lane>([
  [u8, lane((b) => new Uint8Array(b), (a, i, v) => typeof v === 'number' && (v & 0xff) === v && ((a[i] = v), true))],
  [u16, lane((b) => new Uint16Array(b), (a, i, v) => typeof v === 'number' && (v & 0xffff) === v && ((a[i] = v), true))],
  [u32, lane((b) => new Uint32Array(b), (a, i, v) => typeof v === 'number' && v >>> 0 === v && ((a[i] = v), true))],
  [i32, lane((b) => new Int32Array(b), (a, i, v) => typeof v === 'number' && (v | 0) === v && ((a[i] = v), true))],
  [u64, lane((b) => new BigUint64Array(b), (a, i, v) => typeof v === 'bigint' && BigInt.asUintN(64, v) === v && ((a[i] = v), true))],
  [i64, lane((b) => new BigInt64Array(b), (a, i, v) => typeof v === 'bigint' && BigInt.asIntN(64, v) === v && ((a[i] = v), true))],
]);

/** The lane for `codec` when its elements are `bytes` wide and the host is little-endian; undefined otherwise. */
export function laneFor(codec: Codec<unknown>, bytes: number): Lane | undefined {
  if (!LITTLE_ENDIAN || codec.size !== bytes) return undefined;
  return lanes.get(codec);
}
