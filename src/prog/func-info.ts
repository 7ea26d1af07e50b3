/**
 * Minimal BTF and func_info for hand-assembled programs with subprograms.
 *
 * The kernel wants BTF plus one func_info record per function as soon as a program has a
 * callback subprogram (bpf_for_each_map_elem, bpf_loop…): without them it says `missing btf
 * func_info`. Programs written with the Assembler have no BTF, so this module makes the least
 * the kernel accepts: an `int` type, an `int(void)` prototype, and one static FUNC per function.
 * Static linkage makes the verifier check each function from its callers' context, so the
 * prototype's argument list does not matter.
 */
import { SlotMap, isBpfCall, isFuncRef, type Instruction } from '../asm/index.js';
import { Spec, marshalBtf, type TypeInit } from '../btf/index.js';
import type { FuncInfo } from '../spec/index.js';

/** A function of a program: where it starts and what it is called. */
export interface FunctionStart {
  /** Index of its first instruction. */
  index: number;
  /** Its first 8-byte slot (func_info's `insn_off`). */
  slot: number;
  /** Its name: the instruction's `symbol`, else `func_<slot>` (the entry keeps `fallbackName`). */
  name: string;
}

/**
 * Finds the functions of a program: the entry at slot 0 plus every target of a bpf-to-bpf call
 * (`call` with BPF_PSEUDO_CALL) or function reference (`ld_imm64` with BPF_PSEUDO_FUNC), sorted
 * by slot. A target outside the program is ignored (the kernel will say so).
 */
export function functionStarts(insns: readonly Instruction[], entryName: string): FunctionStart[] {
  const map = new SlotMap(insns);
  const slots = new Set<number>([0]);
  for (let i = 0; i < insns.length; i++) {
    const ins = insns[i];
    if (!isBpfCall(ins) && !isFuncRef(ins)) continue;
    const target = map.slotOf(i) + ins.imm + 1;
    if (target >= 0 && target < map.slotCount && map.indexAtSlot(target) >= 0) slots.add(target);
  }
  return [...slots]
    .sort((a, b) => a - b)
    .map((slot) => {
      const index = slot === 0 ? 0 : map.indexAtSlot(slot);
      const sym = insns[index]?.symbol;
      return { index, slot, name: slot === 0 ? (sym ?? entryName) : (sym ?? `func_${slot}`) };
    });
}

/** BTF bytes and func_info records made by {@link synthesizeFuncInfo}. */
export interface SynthesizedFuncInfo {
  /** A `.BTF` blob: `int`, `int(void)`, then one FUNC per function (ids 3, 4, …). */
  btf: Uint8Array;
  /** One record per function, in slot order. */
  funcInfo: FuncInfo[];
}

/** BTF names must be C identifiers. */
function identifier(name: string, slot: number): string {
  const clean = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(clean) ? clean : `func_${slot}`;
}

/**
 * Makes minimal BTF and func_info for a program, or returns undefined when it has a single
 * function (the kernel needs none then).
 *
 * @example
 * const fi = synthesizeFuncInfo(insns, 'count_elems'); // { btf, funcInfo: [{insnOff 0}, {insnOff 11}] }
 */
export function synthesizeFuncInfo(insns: readonly Instruction[], entryName: string): SynthesizedFuncInfo | undefined {
  const funcs = functionStarts(insns, entryName);
  if (funcs.length < 2) return undefined;
  const seen = new Set<string>();
  const types: TypeInit[] = [
    { kind: 'int', name: 'int', size: 4, encoding: 'signed', bits: 32, offset: 0 }, // id 1
    { kind: 'func_proto', name: '', returnType: 1, params: [], variadic: false }, // id 2
    ...funcs.map((f) => {
      let name = identifier(f.name, f.slot);
      while (seen.has(name)) name = `${name}_${f.slot}`;
      seen.add(name);
      return { kind: 'func', name, type: 2, linkage: 'static' } satisfies TypeInit;
    }),
  ];
  const btf = marshalBtf(Spec.fromTypes(types));
  return { btf, funcInfo: funcs.map((f, i) => ({ insnOff: f.slot, typeId: 3 + i })) };
}
