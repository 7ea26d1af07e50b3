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
 *   get a name (the kernel requires named arguments on FUNCs).
 */
import type { ElfFile } from './elf-file.js';
import { SymbolType } from './elf-file.js';
import { ElfParseError } from './errors.js';
import { FuncLinkage, Kind, RawBtf, VarLinkage, type RawType } from './btf-raw.js';

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
  /** The fixed-up `.BTF` blob. */
  btf: RawBtf;
  /** `.kconfig` externs with their offsets in the `.kconfig` value, and its total size. */
  kconfig: { vars: KconfigLayout[]; size: number };
}

const KSYMS = '.ksyms';
const KCONFIG = '.kconfig';
const STV_INTERNAL = 1;
const STV_HIDDEN = 2;

/**
 * Applies libbpf's BTF fix-ups to a copy of `btfBytes`.
 *
 * @throws {ElfParseError} when the BTF is malformed or a DATASEC references a non-VAR type
 */
export function fixupBtf(btfBytes: Uint8Array, elf: ElfFile): BtfFixupResult {
  const btf = new RawBtf(btfBytes);
  const symbols = elf.symbols();
  let kconfig: BtfFixupResult['kconfig'] = { vars: [], size: 0 };
  const objects = new Map<string, (typeof symbols)[number]>();
  for (const s of symbols) if (s.type === SymbolType.Object) objects.set(`${s.sectionIndex}:${s.name}`, s);

  const datasecs = btf.types.filter((t) => t.kind === Kind.Datasec);
  const seen = new Set<string>();
  const names = new Names(btf);
  for (const ds of datasecs) {
    if (seen.has(ds.name)) throw new ElfParseError(`elf: .BTF: datasec ${ds.name} declared twice`, '.BTF');
    seen.add(ds.name);
    if (ds.name === KSYMS) fixupKsyms(btf, ds, names);
    else if (ds.name === KCONFIG) kconfig = fixupKconfig(btf, ds);
    else {
      const sec = elf.section(ds.name);
      if (!sec) continue; // nothing to size it from; leave clang's values
      if (sec.size > 0xffffffff) throw new ElfParseError(`elf: section ${sec.name}: size ${sec.size} too large`, sec.name);
      btf.setSizeOrType(ds, sec.size);
      const infos = btf.secinfos(ds);
      for (const vs of infos) {
        const v = btf.type(vs.type);
        if (v.kind !== Kind.Var) {
          throw new ElfParseError(`elf: .BTF: datasec ${ds.name}: entry type ${vs.type} is not a var`, '.BTF');
        }
        const linkage = btf.varLinkage(v);
        if (linkage === VarLinkage.Static || linkage === VarLinkage.GlobalExtern) continue;
        const sym = objects.get(`${sec.index}:${v.name}`);
        if (!sym) continue;
        if (sym.value > 0xffffffff) throw new ElfParseError(`elf: symbol ${sym.name}: offset ${sym.value} too large`);
        vs.offset = sym.value;
        btf.setU32(vs.recordOffset + 4, sym.value);
        if (sym.visibility === STV_HIDDEN || sym.visibility === STV_INTERNAL) btf.setVarLinkage(v, VarLinkage.Static);
      }
      sortSecinfos(btf, infos);
    }
  }

  // Any remaining extern FUNC (kfunc declarations) must be global with named parameters.
  for (const t of btf.types) {
    if (t.kind === Kind.Func && t.vlen === FuncLinkage.Extern) globalizeFunc(btf, t, names);
  }
  return { btf, kconfig };
}

/** Strings and types the fix-ups add, each at most once (every append copies the blob). */
class Names {
  private dummyName = -1;
  private intId = -1;
  constructor(private readonly btf: RawBtf) {}

  /** Offset of the string `dummy_ksym`. */
  dummy(): number {
    if (this.dummyName < 0) this.dummyName = this.btf.appendString('dummy_ksym');
    return this.dummyName;
  }

  /** Id of a 4-byte INT, added if the BTF has none. */
  int(): number {
    if (this.intId < 0) {
      const existing = this.btf.types.find((t) => t.kind === Kind.Int && t.sizeOrType === 4);
      if (existing) this.intId = existing.id;
      else {
        const extra = new Uint8Array(4);
        new DataView(extra.buffer).setUint32(0, (1 << 24) | 32, true); // signed, 32 bits
        this.intId = this.btf.append(Kind.Int, 'int', 0, 4, extra);
      }
    }
    return this.intId;
  }
}

/** Makes an extern FUNC global and names its unnamed parameters (the kernel rejects both). */
function globalizeFunc(btf: RawBtf, t: RawType, names: Names): void {
  btf.setVlen(t, FuncLinkage.Global);
  const proto = btf.type(t.sizeOrType);
  if (proto.kind !== Kind.FuncProto) return;
  const params = btf.params(proto);
  if (!params.some((p) => p.type !== 0 && p.nameOff === 0)) return;
  const argName = names.dummy(); // type record offsets are stable across appends (see RawBtf)
  for (const p of params) if (p.type !== 0 && p.nameOff === 0) btf.setU32(p.recordOffset, argName);
}

/** Rewrites DATASEC entries in ascending offset order (the kernel requires it). */
function sortSecinfos(btf: RawBtf, infos: ReturnType<RawBtf['secinfos']>): void {
  const sorted = [...infos].sort((a, b) => a.offset - b.offset);
  const slots = infos.map((i) => i.recordOffset);
  sorted.forEach((vs, i) => {
    btf.setU32(slots[i], vs.type);
    btf.setU32(slots[i] + 4, vs.offset);
    btf.setU32(slots[i] + 8, vs.size);
  });
}

function fixupKsyms(btf: RawBtf, ds: RawType, names: Names): void {
  const infos = btf.secinfos(ds);
  let dummyVar = 0;
  const intId = names.int();
  if (infos.some((vs) => btf.type(vs.type).kind === Kind.Func)) {
    const extra = new Uint8Array(4);
    new DataView(extra.buffer).setUint32(0, VarLinkage.GlobalAllocated, true);
    dummyVar = btf.append(Kind.Var, 'dummy_ksym', 0, intId, extra);
  }
  let off = 0;
  for (const vs of infos) {
    const t = btf.type(vs.type);
    if (t.kind === Kind.Func) {
      btf.setU32(vs.recordOffset, dummyVar);
      globalizeFunc(btf, t, names);
    } else if (t.kind === Kind.Var) {
      btf.setVarLinkage(t, VarLinkage.GlobalAllocated);
      btf.setSizeOrType(t, intId);
    } else {
      throw new ElfParseError(`elf: .BTF: datasec .ksyms: entry type ${vs.type} is neither a var nor a func`, '.BTF');
    }
    btf.setU32(vs.recordOffset + 4, off);
    btf.setU32(vs.recordOffset + 8, 4);
    off += 4;
  }
  btf.setSizeOrType(btf.type(ds.id), off);
}

function fixupKconfig(btf: RawBtf, ds: RawType): BtfFixupResult['kconfig'] {
  const infos = btf.secinfos(ds);
  const items = infos.map((vs) => {
    const v = btf.type(vs.type);
    if (v.kind !== Kind.Var) {
      throw new ElfParseError(`elf: .BTF: datasec .kconfig: entry type ${vs.type} is not a var`, '.BTF');
    }
    return { vs, v, size: btf.sizeof(v.sizeOrType), align: btf.alignof(v.sizeOrType) };
  });
  // libbpf's order: larger alignment first, then smaller size, then name.
  items.sort((a, b) => b.align - a.align || a.size - b.size || (a.v.name < b.v.name ? -1 : a.v.name > b.v.name ? 1 : 0));
  let off = 0;
  const vars: KconfigLayout[] = [];
  for (const it of items) {
    off = Math.ceil(off / it.align) * it.align;
    vars.push({ name: it.v.name, offset: off, size: it.size, varTypeId: it.v.id, typeId: it.v.sizeOrType });
    btf.setVarLinkage(it.v, VarLinkage.GlobalAllocated);
    off += it.size;
  }
  // Entries in offset order.
  const byName = new Map(vars.map((v) => [v.varTypeId, v]));
  const slots = infos.map((i) => i.recordOffset);
  const ordered = [...infos].sort((a, b) => byName.get(a.type)!.offset - byName.get(b.type)!.offset);
  ordered.forEach((vs, i) => {
    const l = byName.get(vs.type)!;
    btf.setU32(slots[i], vs.type);
    btf.setU32(slots[i] + 4, l.offset);
    btf.setU32(slots[i] + 8, l.size);
  });
  btf.setSizeOrType(ds, off);
  return { vars, size: off };
}
