/**
 * Fix-ups the object's BTF needs before BPF_BTF_LOAD accepts it, done the way libbpf does them:
 *
 * - each DATASEC of a data section gets the ELF section's size, and each of its global VARs the
 *   offset of the ELF symbol of the same name; entries are sorted by offset;
 * - a global VAR whose symbol has hidden or internal visibility becomes static;
 * - `.kconfig` externs get laid out in a `.kconfig` value (largest alignment first) and become
 *   allocated globals;
 * - `.ksyms` extern variables become `int` globals and extern functions are replaced in the
 *   DATASEC by a `dummy_ksym` VAR (the kernel accepts neither extern VARs nor FUNCs there);
 * - every FUNC with extern linkage becomes global, and unnamed parameters of their prototypes
 *   get a name (the kernel requires named arguments on FUNCs);
 * - a global FUNC whose symbol has hidden or internal visibility (`__hidden`, as usdt.bpf.h's
 *   `bpf_usdt_arg`) becomes static, so the verifier checks it in its caller's context.
 *
 * This module only decides what changes: reading the BTF and editing it byte for byte (so the
 * string offsets `.BTF.ext` uses stay valid) is `src/btf`'s job.
 */
import { alignof, BtfError, BtfPatch, parseBtf, sizeof, type DatasecType, type Spec, type Type, type VarSecinfo } from './btf-adapter.js';
import type { ElfFile } from './elf-file.js';
import { SymbolType } from './elf-file.js';
import { ElfParseError } from './errors.js';

/** A `.kconfig` extern as laid out by {@link fixupBtf}. */
export interface KconfigLayout {
  name: string;
  offset: number;
  size: number;
  /** BTF type id of the VAR. */
  varTypeId: number;
  /** BTF type id of the variable's type. */
  typeId: number;
}

/** Result of {@link fixupBtf}. */
export interface BtfFixupResult {
  /** The fixed-up `.BTF` blob, for BPF_BTF_LOAD. */
  bytes: Uint8Array;
  /** The fixed-up blob, parsed. */
  spec: Spec;
  /** `.kconfig` externs with their offsets in the `.kconfig` value, and its total size. */
  kconfig: { vars: KconfigLayout[]; size: number };
}

const KSYMS = '.ksyms';
const KCONFIG = '.kconfig';
const STV_INTERNAL = 1;
const STV_HIDDEN = 2;

/** A DATASEC entry with its index in the DATASEC. */
interface Entry extends VarSecinfo {
  index: number;
}

/**
 * Applies libbpf's BTF fix-ups to a copy of `btfBytes` and parses the result.
 *
 * @throws {BtfParseError} when the BTF is malformed
 * @throws {ElfParseError} when a DATASEC references a non-VAR type, or a type walk fails
 */
export function fixupBtf(btfBytes: Uint8Array, elf: ElfFile): BtfFixupResult {
  const patch = new BtfPatch(btfBytes);
  const spec = patch.spec;
  const symbols = elf.symbols();
  let kconfig: BtfFixupResult['kconfig'] = { vars: [], size: 0 };
  const objects = new Map<string, (typeof symbols)[number]>();
  const hiddenFuncs = new Set<string>();
  for (const s of symbols) {
    if (s.type === SymbolType.Object) objects.set(`${s.sectionIndex}:${s.name}`, s);
    if (s.type === SymbolType.Func && s.sectionIndex !== 0 && (s.visibility === STV_HIDDEN || s.visibility === STV_INTERNAL)) hiddenFuncs.add(s.name);
  }

  const globalized = new Set<number>();
  const seen = new Set<string>();
  let intId = -1;
  const int = (): number => {
    if (intId < 0) {
      const existing = [...spec.ownTypes()].find((t) => t.kind === 'int' && t.size === 4);
      const extra = new Uint8Array(4);
      new DataView(extra.buffer).setUint32(0, (1 << 24) | 32, true); // signed, 32 bits
      intId = existing ? existing.id : patch.addType('int', 'int', 0, 4, extra);
    }
    return intId;
  };
  for (const ds of spec.ownTypes()) {
    if (ds.kind !== 'datasec') continue;
    if (seen.has(ds.name)) throw new ElfParseError(`elf: .BTF: datasec ${ds.name} declared twice`, '.BTF');
    seen.add(ds.name);
    if (ds.name === KSYMS) fixupKsyms(patch, ds, int, globalized);
    else if (ds.name === KCONFIG) kconfig = fixupKconfig(patch, ds);
    else {
      const sec = elf.section(ds.name);
      if (!sec) continue; // nothing to size it from; leave clang's values
      if (sec.size > 0xffffffff) throw new ElfParseError(`elf: section ${sec.name}: size ${sec.size} too large`, sec.name);
      patch.setSizeOrType(ds.id, sec.size);
      const entries: Entry[] = ds.vars.map((vs, index) => ({ ...vs, index }));
      for (const e of entries) {
        const v = varOf(spec, ds, e);
        if (v.linkage === 'static' || v.linkage === 'extern') continue;
        const sym = objects.get(`${sec.index}:${v.name}`);
        if (!sym) continue;
        if (sym.value > 0xffffffff) throw new ElfParseError(`elf: symbol ${sym.name}: offset ${sym.value} too large`);
        e.offset = sym.value;
        if (sym.visibility === STV_HIDDEN || sym.visibility === STV_INTERNAL) patch.setVarLinkage(v.id, 'static');
      }
      writeEntries(patch, ds, [...entries].sort((a, b) => a.offset - b.offset));
    }
  }

  // Any remaining extern FUNC (kfunc declarations) must be global with named parameters.
  // A defined global FUNC with hidden visibility is static to the verifier, as libbpf marks it.
  for (const t of spec.ownTypes()) {
    if (t.kind === 'func' && t.linkage === 'extern') globalizeFunc(patch, t, globalized);
    else if (t.kind === 'func' && t.linkage === 'global' && hiddenFuncs.has(t.name)) patch.setFuncLinkage(t.id, 'static');
  }
  const bytes = patch.bytes();
  return { bytes, spec: parseBtf(bytes), kconfig };
}

/** The VAR of DATASEC entry `e`. */
function varOf(spec: Spec, ds: DatasecType, e: VarSecinfo): Type & { kind: 'var' } {
  const v = spec.typeById(e.type);
  if (v.kind !== 'var') throw new ElfParseError(`elf: .BTF: datasec ${ds.name}: entry type ${e.type} is not a var`, '.BTF');
  return v;
}

/** Rewrites the entries of `ds` in the given order (the kernel wants them by ascending offset). */
function writeEntries(patch: BtfPatch, ds: DatasecType, ordered: readonly VarSecinfo[]): void {
  ordered.forEach((vs, i) => {
    patch.setEntryWord(ds.id, 'datasec', i, 0, vs.type);
    patch.setEntryWord(ds.id, 'datasec', i, 1, vs.offset);
    patch.setEntryWord(ds.id, 'datasec', i, 2, vs.size);
  });
}

/** Makes an extern FUNC global and names its unnamed parameters (the kernel rejects both). */
function globalizeFunc(patch: BtfPatch, fn: Type & { kind: 'func' }, done: Set<number>): void {
  if (done.has(fn.id)) return;
  done.add(fn.id);
  patch.setFuncLinkage(fn.id, 'global');
  const proto = patch.spec.typeById(fn.type);
  if (proto.kind !== 'func_proto') return;
  proto.params.forEach((p, i) => {
    if (p.type !== 0 && p.name === '') patch.setEntryWord(proto.id, 'func_proto', i, 0, patch.addString('dummy_ksym'));
  });
}

function fixupKsyms(patch: BtfPatch, ds: DatasecType, int: () => number, globalized: Set<number>): void {
  const spec = patch.spec;
  const intId = int();
  let dummyVar = 0;
  if (ds.vars.some((vs) => spec.typeById(vs.type).kind === 'func')) {
    const extra = new Uint8Array(4);
    new DataView(extra.buffer).setUint32(0, 1, true); // BTF_VAR_GLOBAL_ALLOCATED
    dummyVar = patch.addType('var', 'dummy_ksym', 0, intId, extra);
  }
  const ordered: VarSecinfo[] = [];
  for (const vs of ds.vars) {
    const t = spec.typeById(vs.type);
    if (t.kind === 'func') {
      ordered.push({ type: dummyVar, offset: 4 * ordered.length, size: 4 });
      globalizeFunc(patch, t, globalized);
    } else if (t.kind === 'var') {
      patch.setVarLinkage(t.id, 'global');
      patch.setSizeOrType(t.id, intId);
      ordered.push({ type: vs.type, offset: 4 * ordered.length, size: 4 });
    } else {
      throw new ElfParseError(`elf: .BTF: datasec .ksyms: entry type ${vs.type} is neither a var nor a func`, '.BTF');
    }
  }
  writeEntries(patch, ds, ordered);
  patch.setSizeOrType(ds.id, 4 * ordered.length);
}

/** Size and alignment of a `.kconfig` variable's type, with BTF walk errors as ELF errors. */
function layoutOf(spec: Spec, name: string, typeId: number): { size: number; align: number } {
  try {
    return { size: sizeof(spec, typeId), align: alignof(spec, typeId) };
  } catch (e) {
    if (e instanceof BtfError) throw new ElfParseError(`elf: .BTF: kconfig extern ${name}: ${e.message}`, '.BTF', { cause: e });
    throw e;
  }
}

function fixupKconfig(patch: BtfPatch, ds: DatasecType): BtfFixupResult['kconfig'] {
  const spec = patch.spec;
  const items = ds.vars.map((vs) => {
    const v = varOf(spec, ds, vs);
    return { vs, v, ...layoutOf(spec, v.name, v.type) };
  });
  // libbpf's order: larger alignment first, then smaller size, then name.
  items.sort((a, b) => b.align - a.align || a.size - b.size || (a.v.name < b.v.name ? -1 : a.v.name > b.v.name ? 1 : 0));
  let off = 0;
  const vars: KconfigLayout[] = [];
  for (const it of items) {
    off = Math.ceil(off / it.align) * it.align;
    vars.push({ name: it.v.name, offset: off, size: it.size, varTypeId: it.v.id, typeId: it.v.type });
    patch.setVarLinkage(it.v.id, 'global');
    off += it.size;
  }
  // Entries in offset order.
  const byVar = new Map(vars.map((v) => [v.varTypeId, v]));
  const ordered = ds.vars
    .map((vs) => ({ type: vs.type, offset: byVar.get(vs.type)!.offset, size: byVar.get(vs.type)!.size }))
    .sort((a, b) => a.offset - b.offset);
  writeEntries(patch, ds, ordered);
  patch.setSizeOrType(ds.id, off);
  return { vars, size: off };
}
