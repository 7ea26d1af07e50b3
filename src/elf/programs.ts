/**
 * Code sections: split them into functions, turn relocations into symbolic references, and link
 * each program with the subprograms it calls.
 */
import {
  AsmError,
  CALL,
  LD_IMM64,
  PseudoCall,
  PseudoLd,
  SlotMap,
  decodeInstructions,
  slots,
  withChanges,
  type Instruction,
  type SourceLocation,
} from '../asm/index.js';
import type { CoreRelocation, FuncInfo, LineInfo } from '../spec/index.js';
import type { ElfFile, ElfSection, ElfSymbol } from './elf-file.js';
import { SectionIndex } from './elf-file.js';
import { ElfParseError } from './errors.js';
import type { SectionExtInfo } from './btf-adapter.js';

/** One function (program or subprogram) in a code section. */
export interface Func {
  name: string;
  section: CodeSection;
  /** First and past-the-end instruction index within the section. */
  startIdx: number;
  endIdx: number;
  /** First and past-the-end slot within the section. */
  startSlot: number;
  endSlot: number;
  binding: number;
}

/** A decoded executable section. */
export interface CodeSection {
  sec: ElfSection;
  insns: Instruction[];
  slotMap: SlotMap;
  funcs: Func[];
}

/** What a relocation target turned out to be, as decided by the caller. */
export type SymbolTarget =
  | { kind: 'map'; name: string }
  | { kind: 'data'; map: string; offset: number }
  | { kind: 'kfunc'; name: string }
  | { kind: 'ksym'; name: string }
  | { kind: 'kconfig'; name: string; offset: number };

/** Resolves a non-code relocation target (maps, data, externs); throws when unsupported. */
export type TargetResolver = (sym: ElfSymbol, ins: Instruction, context: string) => SymbolTarget;

function fail(sec: ElfSection, msg: string): never {
  throw new ElfParseError(`elf: section ${sec.name}: ${msg}`, sec.name);
}

/**
 * Decodes an executable section and finds its functions from FUNC symbols.
 *
 * @throws {ElfParseError} on a section that is not a whole number of instructions, a function
 *   symbol that does not start an instruction, or overlapping functions
 */
export function decodeCodeSection(elf: ElfFile, sec: ElfSection, funcSymbols: readonly ElfSymbol[]): CodeSection {
  const data = elf.data(sec);
  let insns: Instruction[];
  try {
    insns = decodeInstructions(data);
  } catch (e) {
    if (e instanceof AsmError) fail(sec, e.message);
    throw e;
  }
  const slotMap = new SlotMap(insns);
  const cs: CodeSection = { sec, insns, slotMap, funcs: [] };
  const syms = [...funcSymbols].sort((a, b) => a.value - b.value);
  const total = slotMap.slotCount;
  for (let i = 0; i < syms.length; i++) {
    const s = syms[i];
    if (i > 0 && syms[i - 1].value === s.value) continue; // alias
    if (s.value % 8 !== 0) fail(sec, `function ${s.name}: offset ${s.value} is not a multiple of 8`);
    const startSlot = s.value / 8;
    const startIdx = slotMap.indexAtSlot(startSlot);
    if (startIdx < 0) fail(sec, `function ${s.name}: offset ${s.value} does not start an instruction`);
    let next = total;
    for (let j = i + 1; j < syms.length; j++) {
      if (syms[j].value !== s.value) {
        next = syms[j].value / 8;
        break;
      }
    }
    let endSlot = s.size > 0 ? startSlot + s.size / 8 : next;
    if (!Number.isInteger(endSlot) || endSlot > total) fail(sec, `function ${s.name}: size ${s.size} runs past the section`);
    if (endSlot > next) fail(sec, `function ${s.name}: overlaps the next function`);
    const endIdx = endSlot === total ? insns.length : slotMap.indexAtSlot(endSlot);
    if (endIdx < 0) fail(sec, `function ${s.name}: size ${s.size} ends inside an instruction`);
    if (endIdx <= startIdx) endSlot = startSlot;
    cs.funcs.push({ name: s.name, section: cs, startIdx, endIdx: Math.max(endIdx, startIdx), startSlot, endSlot, binding: s.binding });
  }
  return cs;
}

/**
 * Rewrites the instructions of `cs` that relocations (or relative calls) point elsewhere, giving
 * each a symbolic `reference`.
 *
 * @param funcAt finds the function starting at a slot of a code section
 * @param resolve classifies non-code targets
 */
export function applyRelocations(
  elf: ElfFile,
  cs: CodeSection,
  relSection: ElfSection | undefined,
  funcAt: (sectionIndex: number, slot: number) => Func | undefined,
  resolve: TargetResolver,
): void {
  const { sec, insns, slotMap } = cs;
  const relocated = new Set<number>();
  if (relSection) {
    for (const rel of elf.relocations(relSection)) {
      const idx = slotMap.indexAtByteOffset(rel.offset);
      if (idx < 0) fail(sec, `relocation at offset ${rel.offset} does not point at an instruction`);
      const ctx = `instruction ${idx}`;
      const ins = insns[idx];
      const sym = elf.symbol(rel.symbol, `section ${sec.name}: ${ctx}`);
      relocated.add(idx);
      const isCall = ins.opcode === CALL;
      const isLd = ins.opcode === LD_IMM64;
      if (!isCall && !isLd) {
        fail(sec, `${ctx}: relocation against ${sym.name || `symbol ${sym.index}`} on an instruction that is neither ld_imm64 nor call (opcode 0x${ins.opcode.toString(16)})`);
      }
      const target = elf.sections[sym.sectionIndex];
      const inCode = sym.sectionIndex !== SectionIndex.Undef && sym.sectionIndex < SectionIndex.LoReserve && target !== undefined && isExec(target);
      if (inCode) {
        // bpf-to-bpf call or function reference (callback).
        let slot: number;
        if (isCall) {
          if (sym.value % 8 !== 0) fail(sec, `${ctx}: call target offset ${sym.value} is not a multiple of 8`);
          slot = sym.value / 8 + ins.imm + 1;
        } else {
          const byteOff = sym.value + ins.imm;
          if (byteOff % 8 !== 0) fail(sec, `${ctx}: function reference offset ${byteOff} is not a multiple of 8`);
          slot = byteOff / 8;
        }
        const f = funcAt(sym.sectionIndex, slot);
        if (!f) fail(sec, `${ctx}: ${isCall ? 'call' : 'function reference'} to slot ${slot} of ${target.name}: no function starts there`);
        insns[idx] = isCall
          ? withChanges(ins, { src: PseudoCall.Call, imm: -1, reference: f.name })
          : withChanges(ins, { src: PseudoLd.Func, imm: 0, immHi: 0, reference: f.name });
        continue;
      }
      const t = resolve(sym, ins, `section ${sec.name}: ${ctx}`);
      switch (t.kind) {
        case 'map':
          if (!isLd) fail(sec, `${ctx}: map ${t.name} used by a call`);
          insns[idx] = withChanges(ins, { src: PseudoLd.MapFd, imm: 0, immHi: 0, reference: t.name });
          break;
        case 'data':
        case 'kconfig': {
          if (!isLd) fail(sec, `${ctx}: global ${t.kind === 'data' ? t.map : t.name} used by a call`);
          const offset = t.offset;
          if (offset < 0 || offset > 0x7fffffff) fail(sec, `${ctx}: value offset ${offset} out of range`);
          const map = t.kind === 'data' ? t.map : '.kconfig';
          insns[idx] = withChanges(ins, { src: PseudoLd.MapValue, imm: 0, immHi: offset, reference: map });
          break;
        }
        case 'kfunc':
          // An ld_imm64 of a kfunc (`bpf_ksym_exists(kfunc)`) loads its BTF id as libbpf does; the
          // kernel gives a non-null read-only pointer, or the loader 0 for a missing __weak one.
          insns[idx] = isCall
            ? withChanges(ins, { src: PseudoCall.KfuncCall, imm: 0, offset: 0, reference: t.name })
            : withChanges(ins, { src: PseudoLd.BtfId, imm: 0, immHi: 0, reference: t.name });
          break;
        case 'ksym':
          if (isCall) {
            insns[idx] = withChanges(ins, { src: PseudoCall.KfuncCall, imm: 0, offset: 0, reference: t.name });
          } else {
            insns[idx] = withChanges(ins, { src: PseudoLd.BtfId, imm: 0, immHi: 0, reference: t.name });
          }
          break;
      }
    }
  }
  // Relative calls within the section that carry no relocation.
  for (let i = 0; i < insns.length; i++) {
    if (relocated.has(i)) continue;
    const ins = insns[i];
    const relCall = ins.opcode === CALL && ins.src === PseudoCall.Call;
    const relFunc = ins.opcode === LD_IMM64 && ins.src === PseudoLd.Func;
    if (!relCall && !relFunc) continue;
    const slot = slotMap.slotOf(i) + ins.imm + 1;
    const f = funcAt(sec.index, slot);
    if (!f) fail(sec, `instruction ${i}: ${relCall ? 'call' : 'function reference'} to slot ${slot}: no function starts there`);
    insns[i] = withChanges(ins, { reference: f.name });
  }
}

/** Attaches source locations from line info to the instructions of a section. */
export function applyLineInfo(cs: CodeSection, ext: SectionExtInfo | undefined): void {
  if (!ext) return;
  for (const li of ext.lineInfo) {
    const idx = cs.slotMap.indexAtByteOffset(li.insnOff);
    if (idx < 0) continue;
    const source: SourceLocation = {
      file: li.fileName,
      line: li.lineCol >>> 10,
      column: li.lineCol & 0x3ff,
      text: li.line,
    };
    cs.insns[idx] = withChanges(cs.insns[idx], { source });
  }
}

function isExec(sec: ElfSection): boolean {
  return (sec.flags & 0x4) !== 0;
}

/** True if `ins` is a bpf-to-bpf call or a function reference naming a function. */
function isFuncReference(ins: Instruction): boolean {
  return (
    ins.reference !== undefined &&
    ((ins.opcode === CALL && ins.src === PseudoCall.Call) || (ins.opcode === LD_IMM64 && ins.src === PseudoLd.Func))
  );
}

/** The kernel's limit on a program's size (BPF_COMPLEXITY_LIMIT_INSNS), in slots. */
export const MAX_PROGRAM_SLOTS = 1_000_000;

/** The result of linking one program. */
export interface LinkedProgram {
  instructions: Instruction[];
  funcInfo: FuncInfo[];
  lineInfo: LineInfo[];
  coreRelos: CoreRelocation[];
}

/**
 * Builds a program's final instruction list: its own instructions, then each subprogram it
 * reaches (transitively, once each), with call and function-reference immediates fixed to slot
 * distances, and the `.BTF.ext` records rebased onto the result.
 */
export function linkProgram(
  prog: Func,
  funcsByName: Map<string, Func>,
  extOf: (f: Func) => SectionExtInfo | undefined,
): LinkedProgram {
  const order: Func[] = [prog];
  const seen = new Set<Func>(order);
  for (let i = 0; i < order.length; i++) {
    const f = order[i];
    for (let j = f.startIdx; j < f.endIdx; j++) {
      const ins = f.section.insns[j];
      if (!isFuncReference(ins)) continue;
      const callee = funcsByName.get(ins.reference!);
      if (!callee) {
        throw new ElfParseError(`elf: program ${prog.name}: function ${f.name} refers to unknown function ${ins.reference}`);
      }
      if (!seen.has(callee)) {
        seen.add(callee);
        order.push(callee);
      }
    }
  }
  const starts = new Map<Func, number>();
  let total = 0;
  for (const f of order) {
    starts.set(f, total);
    total += f.endSlot - f.startSlot;
  }
  if (total > MAX_PROGRAM_SLOTS) {
    throw new ElfParseError(`elf: program ${prog.name}: ${total} instruction slots with its subprograms, more than the kernel's ${MAX_PROGRAM_SLOTS}`);
  }
  const out: Instruction[] = [];
  const funcInfo: FuncInfo[] = [];
  const lineInfo: LineInfo[] = [];
  const coreRelos: CoreRelocation[] = [];
  const outIndexAtSlot = new Map<number, number>();
  let slot = 0;
  for (const f of order) {
    const base = starts.get(f)!;
    for (let j = f.startIdx; j < f.endIdx; j++) {
      let ins = f.section.insns[j];
      if (isFuncReference(ins)) {
        const target = starts.get(funcsByName.get(ins.reference!)!)!;
        const imm = target - (slot + 1);
        ins = withChanges(ins, { imm, immHi: 0 });
      }
      if (j === f.startIdx && ins.symbol !== f.name) ins = withChanges(ins, { symbol: f.name });
      outIndexAtSlot.set(slot, out.length);
      out.push(ins);
      slot += slots(ins);
    }
    const ext = extOf(f);
    if (!ext) continue;
    const lo = f.startSlot * 8;
    const hi = f.endSlot * 8;
    const rebase = (insnOff: number) => insnOff / 8 - f.startSlot + base;
    for (const r of ext.funcInfo) {
      if (r.insnOff >= lo && r.insnOff < hi && r.insnOff % 8 === 0) funcInfo.push({ insnOff: rebase(r.insnOff), typeId: r.typeId });
    }
    for (const r of ext.lineInfo) {
      if (r.insnOff >= lo && r.insnOff < hi && r.insnOff % 8 === 0) {
        lineInfo.push({ insnOff: rebase(r.insnOff), fileNameOff: r.fileNameOff, lineOff: r.lineOff, lineCol: r.lineCol });
      }
    }
    for (const r of ext.coreRelos) {
      if (r.insnOff >= lo && r.insnOff < hi && r.insnOff % 8 === 0) {
        const s = rebase(r.insnOff);
        const insnIndex = outIndexAtSlot.get(s);
        if (insnIndex === undefined) {
          throw new ElfParseError(`elf: program ${prog.name}: CO-RE relocation at slot ${s} does not start an instruction`);
        }
        coreRelos.push({
          insnOff: s * 8,
          insnIndex,
          typeId: r.typeId,
          accessStr: r.accessStr,
          kind: r.kind,
        });
      }
    }
  }
  lineInfo.sort((a, b) => a.insnOff - b.insnOff);
  funcInfo.sort((a, b) => a.insnOff - b.insnOff);
  return { instructions: out, funcInfo, lineInfo, coreRelos };
}
