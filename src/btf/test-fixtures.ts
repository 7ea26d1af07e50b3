// Shared fixtures of the src/btf tests (not exported from index.ts).
import { existsSync, readFileSync } from 'node:fs';
import { Spec } from './spec.js';
import type { TypeInit } from './types.js';

/** Path of the running kernel's BTF. */
export const KERNEL_BTF_PATH = '/sys/kernel/btf/vmlinux';

/** Bytes of the running kernel's BTF, or undefined (with the reason) if it is not readable. */
export function kernelBtf(): { bytes?: Uint8Array; reason: string } {
  if (!existsSync(KERNEL_BTF_PATH)) return { reason: `${KERNEL_BTF_PATH} not present (kernel without CONFIG_DEBUG_INFO_BTF)` };
  return { bytes: readFileSync(KERNEL_BTF_PATH), reason: '' };
}

/** Reads a committed fixture from testdata/btf. */
export function readFixture(name: string): Uint8Array {
  return readFileSync(new URL(`../../testdata/btf/${name}`, import.meta.url));
}

/** One type of every kind, with ids in comments; references only go to listed ids. */
export const ALL_KINDS: TypeInit[] = [
  { kind: 'int', name: 'int', size: 4, encoding: 'signed', bits: 32, offset: 0 }, // 1
  { kind: 'int', name: 'unsigned char', size: 1, encoding: 'unsigned', bits: 8, offset: 0 }, // 2
  { kind: 'int', name: '_Bool', size: 1, encoding: 'bool', bits: 8, offset: 0 }, // 3
  { kind: 'int', name: 'char', size: 1, encoding: 'char', bits: 8, offset: 0 }, // 4
  { kind: 'ptr', name: '', type: 0 }, // 5: void *
  { kind: 'array', name: '', type: 1, indexType: 1, nelems: 4 }, // 6: int[4]
  {
    kind: 'struct', // 7
    name: 'pair',
    size: 16,
    members: [
      { name: 'a', type: 1, bitOffset: 0, bitfieldSize: 0 },
      { name: 'flag', type: 1, bitOffset: 32, bitfieldSize: 3 },
      { name: 'p', type: 5, bitOffset: 64, bitfieldSize: 0 },
    ],
  },
  { kind: 'union', name: 'u', size: 8, members: [{ name: 'x', type: 1, bitOffset: 0, bitfieldSize: 0 }, { name: 'y', type: 5, bitOffset: 0, bitfieldSize: 0 }] }, // 8
  { kind: 'enum', name: 'e', size: 4, signed: true, values: [{ name: 'E_NEG', value: -1 }, { name: 'E_ONE', value: 1 }] }, // 9
  { kind: 'fwd', name: 'later', fwdKind: 'union' }, // 10
  { kind: 'typedef', name: 'pair_t', type: 7 }, // 11
  { kind: 'volatile', name: '', type: 1 }, // 12
  { kind: 'const', name: '', type: 12 }, // 13
  { kind: 'restrict', name: '', type: 5 }, // 14
  { kind: 'func_proto', name: '', returnType: 1, params: [{ name: 'x', type: 1 }, { name: 'p', type: 5 }], variadic: true }, // 15
  { kind: 'func', name: 'fn', type: 15, linkage: 'global' }, // 16
  { kind: 'var', name: 'v', type: 1, linkage: 'static' }, // 17
  { kind: 'datasec', name: '.data', size: 8, vars: [{ type: 17, offset: 4, size: 4 }] }, // 18
  { kind: 'float', name: 'double', size: 8 }, // 19
  { kind: 'decl_tag', name: 'tag', type: 7, componentIdx: 1 }, // 20
  { kind: 'type_tag', name: 'user', type: 1 }, // 21
  { kind: 'enum64', name: 'big', size: 8, signed: false, values: [{ name: 'BIG', value: 0xffff_ffff_ffffn }, { name: 'MAX', value: 0xffff_ffff_ffff_ffffn }] }, // 22
  { kind: 'enum64', name: 'sbig', size: 8, signed: true, values: [{ name: 'SMIN', value: -(1n << 63n) }] }, // 23
  { kind: 'enum', name: 'ue', size: 4, signed: false, values: [{ name: 'UE_MAX', value: 0xffffffff }] }, // 24
];

/** A spec holding {@link ALL_KINDS}. */
export function allKindsSpec(): Spec {
  return Spec.fromTypes(ALL_KINDS);
}

/** Options of {@link rawBtf}: raw sections and header overrides for malformed blobs. */
export interface RawBtfParts {
  types?: number[]; // u32 words
  strings?: string; // NULs included by the caller
  header?: Partial<Record<'magic' | 'version' | 'hdrLen' | 'typeOff' | 'typeLen' | 'strOff' | 'strLen', number>>;
}

/** Assembles a `.BTF` blob from raw u32 type words and a string table. */
export function rawBtf(parts: RawBtfParts): Uint8Array {
  const types = parts.types ?? [];
  const str = new TextEncoder().encode(parts.strings ?? '\0');
  const h = parts.header ?? {};
  const hdrLen = 24;
  const out = new Uint8Array(hdrLen + types.length * 4 + str.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, h.magic ?? 0xeb9f, true);
  v.setUint8(2, h.version ?? 1);
  v.setUint32(4, h.hdrLen ?? hdrLen, true);
  v.setUint32(8, h.typeOff ?? 0, true);
  v.setUint32(12, h.typeLen ?? types.length * 4, true);
  v.setUint32(16, h.strOff ?? types.length * 4, true);
  v.setUint32(20, h.strLen ?? str.length, true);
  types.forEach((w, i) => v.setUint32(hdrLen + i * 4, w >>> 0, true));
  out.set(str, hdrLen + types.length * 4);
  return out;
}

/** The `info` word of a raw type. */
export function info(kind: number, vlen = 0, kflag = false): number {
  return ((kflag ? 0x80000000 : 0) | (kind << 24) | vlen) >>> 0;
}
