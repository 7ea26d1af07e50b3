/**
 * struct_ops variables: each variable of the `.struct_ops` and `.struct_ops.link` sections is a
 * struct_ops map whose BTF type is a kernel struct of function pointers (`struct
 * tcp_congestion_ops`). Relocations in `.rel.struct_ops*` point function pointer members at
 * programs from `SEC("struct_ops/...")`; other members are data (`.name = "..."`), copied by name
 * into the kernel's struct when the map is created.
 *
 * Only the object is read here; matching members with the running kernel's struct is the
 * loader's job.
 */
import { BtfError, resolveType, sizeof, type DatasecType, type Spec, type Type } from './btf-adapter.js';
import type { ElfFile, ElfSection, ElfSymbol } from './elf-file.js';
import { SectionFlag, SymbolType } from './elf-file.js';
import { ElfParseError } from './errors.js';
import type { ProgramSpec, StructOpsDataMember, StructOpsProgramSlot, StructOpsSpec } from '../spec/index.js';
import { ProgramType } from '../types.js';

/** The sections libbpf reads struct_ops variables from, and whether their maps register through a link. */
export const STRUCT_OPS_SECTIONS: ReadonlyArray<{ name: string; link: boolean }> = [
  { name: '.struct_ops', link: false },
  { name: '.struct_ops.link', link: true },
];

/** R_BPF_64_ABS64: a 64-bit absolute address, as clang emits for a function pointer in data. */
const R_BPF_64_ABS64 = 2;

function fail(section: string, msg: string, cause?: unknown): never {
  throw new ElfParseError(`elf: section ${section}: ${msg}`, section, cause === undefined ? undefined : { cause });
}

/** Runs a BTF walk, reporting its failure as an ELF error of `section` about `what`. */
function walk<T>(section: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof BtfError) fail(section, `${what}: ${e.message}`, e);
    throw e;
  }
}

/** Whether `t` is a pointer to a function prototype (a callback member). */
function isFunctionPointer(btf: Spec, t: Type): boolean {
  if (t.kind !== 'ptr') return false;
  return resolveType(btf, t.type).kind === 'func_proto';
}

/**
 * Reads the struct_ops variables of an object.
 *
 * @param datasec the object's (fixed-up) DATASEC of a section name, if any
 * @param programs the object's programs, to check that each slot points at a struct_ops program
 * @throws {ElfParseError} for a struct_ops section without BTF, a variable that is not a struct,
 *   a relocation that is not on a function pointer member, or one that points at something other
 *   than a struct_ops program
 */
export function readStructOps(
  elf: ElfFile,
  btf: Spec | undefined,
  datasec: (name: string) => DatasecType | undefined,
  programs: Readonly<Record<string, ProgramSpec>>,
): Record<string, StructOpsSpec> {
  const out: Record<string, StructOpsSpec> = {};
  const rels = elf.relocationSections();
  for (const { name: secName, link } of STRUCT_OPS_SECTIONS) {
    const sec = elf.section(secName);
    if (!sec) continue;
    if (!btf) fail(secName, 'struct_ops variables need BTF: compile with -g');
    const ds = datasec(secName);
    if (!ds) fail(secName, 'no DATASEC in the object BTF: compile with -g');
    const bytes = elf.data(sec);
    const vars: StructOpsSpec[] = [];
    for (const vs of ds.vars) {
      const v = walk(secName, `entry type ${vs.type}`, () => btf.typeById(vs.type));
      if (v.kind !== 'var') fail(secName, `DATASEC entry type ${vs.type} is not a variable`);
      const spec = readVariable(btf, secName, link, v.name, v.type, vs.offset, vs.size, bytes);
      if (Object.hasOwn(out, spec.name)) fail(secName, `struct_ops variable ${spec.name} defined twice`);
      out[spec.name] = spec;
      vars.push(spec);
    }
    const rel = rels.get(sec.index);
    if (rel) readSlots(elf, btf, sec, rel, ds, vars, programs);
  }
  return out;
}

/** One variable: its struct, its bytes, and its members split into callbacks and data. */
function readVariable(btf: Spec, secName: string, link: boolean, name: string, typeId: number, offset: number, size: number, bytes: Uint8Array): StructOpsSpec {
  const ctx = `struct_ops ${name}`;
  const st = walk(secName, ctx, () => resolveType(btf, typeId));
  if (st.kind !== 'struct') fail(secName, `${ctx}: type is ${st.kind}, not a struct (declare it as a kernel struct such as struct tcp_congestion_ops)`);
  if (st.name === '') fail(secName, `${ctx}: anonymous struct: declare it with the kernel struct's name`);
  if (size !== st.size) fail(secName, `${ctx}: size ${size} differs from struct ${st.name}'s ${st.size}`);
  if (offset > bytes.length || size > bytes.length - offset) fail(secName, `${ctx}: bytes ${offset}+${size} outside the section (${bytes.length} bytes)`);
  const spec: StructOpsSpec = {
    name,
    section: secName,
    typeName: st.name,
    typeId: st.id,
    data: bytes.slice(offset, offset + size),
    link,
    programs: [],
    emptyFunctions: [],
    dataMembers: [],
  };
  for (const m of st.members) {
    const mctx = `${ctx}: member ${m.name || '(anonymous)'}`;
    if (m.name === '') fail(secName, `${mctx}: anonymous members are not supported`);
    if (m.bitfieldSize !== 0 || m.bitOffset % 8 !== 0) fail(secName, `${mctx}: bitfields are not supported`);
    const t = walk(secName, mctx, () => resolveType(btf, m.type));
    if (walk(secName, mctx, () => isFunctionPointer(btf, t))) {
      spec.emptyFunctions.push(m.name);
      continue;
    }
    const member: StructOpsDataMember = { name: m.name, offset: m.bitOffset / 8, size: walk(secName, mctx, () => sizeof(btf, m.type)), typeId: m.type };
    spec.dataMembers.push(member);
  }
  return spec;
}

/** Fills each variable's program slots from the section's relocations. */
function readSlots(
  elf: ElfFile,
  btf: Spec,
  sec: ElfSection,
  rel: ElfSection,
  ds: DatasecType,
  vars: readonly StructOpsSpec[],
  programs: Readonly<Record<string, ProgramSpec>>,
): void {
  const byName = new Map(vars.map((v) => [v.name, v]));
  const entries = ds.vars.map((vs) => ({ offset: vs.offset, size: vs.size, spec: byName.get(btf.typeById(vs.type).name)! }));
  const data = elf.data(sec);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (const r of elf.relocations(rel)) {
    const at = `relocation at offset ${r.offset}`;
    const entry = entries.find((e) => r.offset >= e.offset && r.offset < e.offset + e.size);
    if (!entry) fail(sec.name, `${at} is not inside a struct_ops variable`);
    const v = entry.spec;
    const moff = r.offset - entry.offset;
    const slot = v.emptyFunctions.indexOf(memberAt(btf, v, moff) ?? '');
    if (slot < 0) fail(sec.name, `struct_ops ${v.name}: ${at}: offset ${moff} is not a function pointer member of struct ${v.typeName}`);
    const member = v.emptyFunctions[slot];
    if (r.type !== R_BPF_64_ABS64) fail(sec.name, `struct_ops ${v.name}: member ${member}: relocation type ${r.type}, want R_BPF_64_ABS64 (${R_BPF_64_ABS64})`);
    if (r.offset + 8 > data.length) fail(sec.name, `struct_ops ${v.name}: member ${member}: relocation runs past the section`);
    const addend = Number(view.getBigUint64(r.offset, true)) + r.addend;
    const sym = elf.symbol(r.symbol, `section ${sec.name}: ${at}`);
    const program = programAt(elf, sym, addend, `struct_ops ${v.name}: member ${member}`, sec.name);
    const ps = Object.hasOwn(programs, program) ? programs[program] : undefined;
    if (!ps) fail(sec.name, `struct_ops ${v.name}: member ${member}: ${program} is not a program (a struct_ops callback must be a global function in a SEC("struct_ops/...") section)`);
    if (ps.type !== ProgramType.StructOps) {
      fail(sec.name, `struct_ops ${v.name}: member ${member}: program ${program} is in section ${ps.sectionName ?? '?'}, not a struct_ops program (use SEC("struct_ops/${program}"))`);
    }
    v.emptyFunctions.splice(slot, 1);
    const entrySlot: StructOpsProgramSlot = { member, offset: moff, program };
    v.programs.push(entrySlot);
  }
  for (const v of vars) v.programs.sort((a, b) => a.offset - b.offset);
}

/** The name of the function pointer member of `v`'s struct starting at byte `offset`, if any. */
function memberAt(btf: Spec, v: StructOpsSpec, offset: number): string | undefined {
  const st = resolveType(btf, v.typeId);
  if (st.kind !== 'struct') return undefined;
  return st.members.find((m) => m.bitOffset === offset * 8 && v.emptyFunctions.includes(m.name))?.name;
}

/** The function a relocation points at: a FUNC symbol, or a section symbol plus the addend. */
function programAt(elf: ElfFile, sym: ElfSymbol, addend: number, ctx: string, secName: string): string {
  const target = elf.sections[sym.sectionIndex];
  if (!target || (target.flags & SectionFlag.ExecInstr) === 0) {
    fail(secName, `${ctx}: points at ${sym.name || `symbol ${sym.index}`}, which is not code`);
  }
  if (sym.type === SymbolType.Func && addend === 0) return sym.name;
  const at = sym.value + addend;
  const fn = elf.symbols().find((s) => s.type === SymbolType.Func && s.sectionIndex === sym.sectionIndex && s.value === at);
  if (!fn) fail(secName, `${ctx}: no function at offset ${at} of section ${target.name}`);
  return fn.name;
}
