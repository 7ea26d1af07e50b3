/**
 * Constants: the values of `volatile const` globals (`.rodata`) given to `loadCollection`,
 * encoded into the bytes the data section map starts with (before it is frozen).
 */
import type { VariableSpec } from '../spec/index.js';

/** A value for a `.rodata` constant: an integer (number or bigint), a boolean, or the exact bytes. */
export type ConstantValue = number | bigint | boolean | Uint8Array;

/** Writes an integer of `size` bytes, little-endian, accepting signed or unsigned values. */
function putInt(out: Uint8Array, off: number, size: number, v: bigint, what: string): void {
  const bits = BigInt(size * 8);
  if (v < -(1n << (bits - 1n)) || v >= 1n << bits) throw new RangeError(`${what}: ${v} does not fit in ${size} byte(s)`);
  const u = BigInt.asUintN(size * 8, v);
  for (let i = 0; i < size; i++) out[off + i] = Number((u >> BigInt(8 * i)) & 0xffn);
}

/** Encodes a constant for a variable of `v.size` bytes. */
export function encodeConstant(v: VariableSpec, value: ConstantValue, what: string): Uint8Array {
  const out = new Uint8Array(v.size);
  if (value instanceof Uint8Array) {
    if (value.length !== v.size) throw new RangeError(`${what}: got ${value.length} bytes, the constant is ${v.size}`);
    out.set(value);
  } else if (typeof value === 'boolean') {
    if (v.size > 0) out[0] = value ? 1 : 0;
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new TypeError(`${what}: ${value} is not a safe integer (use a bigint)`);
    if (![1, 2, 4, 8].includes(v.size)) throw new TypeError(`${what}: the constant is ${v.size} bytes, not an integer: pass a Uint8Array`);
    putInt(out, 0, v.size, BigInt(value), what);
  } else {
    throw new TypeError(`${what}: expected a number, bigint, boolean or Uint8Array, got ${typeof value}`);
  }
  return out;
}
