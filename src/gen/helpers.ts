/**
 * The helper codecs and functions generated bindings use: they live in src/codec-helpers.ts
 * (exported as `tsbpf.codecHelpers`), and a generated file names the ones it uses, in the fixed
 * order of {@link HELPER_ORDER}.
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

/**
 * The line that brings the used helpers into a generated file from the library
 * (`tsbpf.codecHelpers`, src/codec-helpers.ts), in {@link HELPER_ORDER}; empty when none is used.
 */
export function helperImport(used: ReadonlySet<HelperName>): string {
  const names = HELPER_ORDER.filter((h) => used.has(h));
  return names.length ? `const { ${names.join(', ')} } = tsbpf.codecHelpers;` : '';
}
