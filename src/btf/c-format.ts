/** Small pure helpers of the C printer: padding fields, literals, fallback type names. */
import { BtfResolveError } from './errors.js';
import type { AnyEnumType } from './types.js';

/** Longest chain of nested declarators or definitions the printer follows before reporting a cycle. */
export const MAX_PRINT_DEPTH = 512;

/**
 * Work one printer may do, which bounds time and memory on hostile BTF (vmlinux needs about
 * 120 thousand declarators, 3.5 million declarator characters counted at every nesting level,
 * and 5 thousand padding fields).
 */
export const MAX_PRINT_STEPS = 5_000_000;
/** Declarator characters one printer may produce (see {@link MAX_PRINT_STEPS}). */
export const MAX_PRINT_CHARS = 200_000_000;
/** Padding fields one printer may produce (see {@link MAX_PRINT_STEPS}). */
export const MAX_PADDING_LINES = 1_000_000;

/** Widest gap (in bits) filled with unnamed bitfields; wider ones leave the struct unpadded. */
export const MAX_PADDING_BITS = 64 * 1024 * 8;

/** C spellings of integer and floating types that can be printed as-is. */
export const C_BASE_TYPES = new Set([
  'char', 'signed char', 'unsigned char', 'short', 'short int', 'signed short', 'short signed int',
  'short unsigned int', 'unsigned short', 'unsigned short int', 'int', 'signed int', 'signed',
  'unsigned int', 'unsigned', 'long', 'long int', 'signed long', 'long signed int', 'long unsigned int',
  'unsigned long', 'unsigned long int', 'long long', 'long long int', 'long long signed int',
  'long long unsigned int', 'unsigned long long', 'unsigned long long int', '_Bool', '__int128',
  '__int128 unsigned', 'unsigned __int128', '__int128 signed', 'signed __int128', 'float', 'double',
  'long double', '_Float16', '__fp16', '__bf16', '_Float128', '__float128',
]);

/** An error for output that exceeds the printer's budget. */
export function tooLarge(id: number, what: string): BtfResolveError {
  return new BtfResolveError('overflow', id, `btf: print c: type ${id}: output too large (${what})`);
}

/** An error for a type graph the printer cannot finish walking. */
export function cycleError(id: number): BtfResolveError {
  return new BtfResolveError('cycle', id, `btf: print c: type ${id}: type nesting too deep (cycle?)`);
}

/** Joins a base type and a declarator: `int` + `*x` → `int *x`. */
export function join(base: string, inner: string): string {
  return inner === '' ? base : `${base} ${inner}`;
}

/**
 * Typedefs of compiler built-ins (`__builtin_va_list`) must not be redefined; they are printed as
 * their BTF definition instead, which keeps the kernel's layout (x86-64 `va_list` is 24 bytes,
 * BPF's would be 8).
 */
export function isBuiltinTypedef(name: string): boolean {
  return name.startsWith('__builtin_');
}

/** Rounds `x` up to a multiple of `a`. */
export function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/** Unnamed bitfields that advance a struct from bit `from` to bit `to`. */
export function paddingFields(from: number, to: number): string[] {
  const out: string[] = [];
  while (from < to) {
    if (from % 8 !== 0) {
      const n = Math.min(to - from, 8 - (from % 8));
      out.push(`unsigned char: ${n}`);
      from += n;
      continue;
    }
    const rest = to - from;
    if (rest < 8) {
      out.push(`unsigned char: ${rest}`);
      from = to;
      continue;
    }
    let unit = 8;
    for (const u of [64, 32, 16]) {
      if (from % u === 0 && rest >= u) {
        unit = u;
        break;
      }
    }
    out.push(`${unit === 64 ? 'long' : unit === 32 ? 'int' : unit === 16 ? 'short' : 'char'}: ${unit}`);
    from += unit;
  }
  return out;
}

/** A union member that makes a union at least `bits` long without naming anything. */
export function unionPadding(bits: number): string {
  const bytes = Math.ceil(bits / 8);
  const words = Math.floor(bytes / 8);
  const fields: string[] = [];
  for (let i = 0; i < words; i++) fields.push('long: 64;');
  for (let i = words * 8; i < bytes; i++) fields.push('char: 8;');
  return `struct { ${fields.join(' ')} }`;
}

/** A C integer type of `size` bytes, for types that cannot be printed by name. */
export function intFallback(size: number, signed: boolean): string {
  const base = size === 1 ? 'char' : size === 2 ? 'short' : size === 4 ? 'int' : size === 8 ? 'long' : '__int128';
  return `${signed ? 'signed' : 'unsigned'} ${base}`;
}

/** An enumerator value as a C literal of a type that can hold it. */
export function enumLiteral(v: bigint): string {
  if (v >= -0x80000000n && v <= 0x7fffffffn) return v.toString();
  if (v >= 0n && v <= 0xffffffffn) return `${v}U`;
  if (v > 0n && v <= 0x7fffffffffffffffn) return `${v}LL`;
  if (v > 0n) return `${v}ULL`;
  if (v === -(1n << 63n)) return '(-9223372036854775807LL - 1)';
  return `${v}LL`;
}

/** Forces the enum's size when C would pick another one for its values. */
export function enumSizeAttribute(t: AnyEnumType): string {
  let min = 0n;
  let max = 0n;
  for (const v of t.values) {
    const x = typeof v.value === 'bigint' ? v.value : BigInt(v.value);
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const natural = min >= -0x80000000n && max <= 0xffffffffn && !(min < 0n && max > 0x7fffffffn) ? 4 : 8;
  if (t.size === natural) return '';
  switch (t.size) {
    case 1:
      return ' __attribute__((mode(byte)))';
    case 2:
      return ' __attribute__((mode(HI)))';
    case 4:
      return ' __attribute__((mode(SI)))';
    case 8:
      return ' __attribute__((mode(DI)))';
    default:
      return '';
  }
}
