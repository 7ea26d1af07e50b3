// The Instruction type: one logical BPF instruction plus the metadata a loader needs.

import { AsmError } from './errors.js';
import {
  AluOp,
  CALL,
  EXIT,
  GOTOL,
  InsnClass,
  JumpOp,
  LD_IMM64,
  Mode,
  PseudoCall,
  PseudoLd,
  classOf,
  modeOf,
  opOf,
} from './opcodes.js';

/** Where an instruction came from in the source program (from BTF line info, or set by hand). */
export interface SourceLocation {
  /** Source file name. */
  readonly file?: string;
  /** 1-based line number. */
  readonly line?: number;
  /** 1-based column number. */
  readonly column?: number;
  /** The text of the source line. */
  readonly text?: string;
}

/**
 * One logical BPF instruction.
 *
 * An ld_imm64 (opcode 0x18) is ONE Instruction that occupies two 8-byte slots. Its 64-bit
 * constant is held as two signed 32-bit halves, exactly as the kernel lays it out: `imm` is the
 * low half (the first slot's imm) and `immHi` the high half (the second slot's imm), so encoding
 * and decoding never allocate a bigint. Use {@link imm64} / {@link withImm64} for the bigint view.
 * For a map-value load (`PseudoLd.MapValue`) `imm` is the map fd and `immHi` the offset into the
 * value, which is how the kernel reads them. For every other instruction `immHi` is 0.
 *
 * Instructions are immutable plain objects; derive changed copies with {@link withChanges}.
 */
export interface Instruction {
  /** The opcode byte (class | size | mode, or class | source | op). */
  readonly opcode: number;
  /** Destination register, 0 to 10 (4 bits in the encoding). */
  readonly dst: number;
  /** Source register, 0 to 10 (4 bits), or a pseudo value for ld_imm64 and call. */
  readonly src: number;
  /** Signed 16-bit offset: memory displacement, or jump distance in slots from the next slot. */
  readonly offset: number;
  /** Signed 32-bit immediate; for ld_imm64 the low 32 bits of the constant. */
  readonly imm: number;
  /** For ld_imm64, the high 32 bits of the constant as a signed 32-bit number; otherwise 0. */
  readonly immHi: number;
  /**
   * The symbol this instruction refers to, for the loader to resolve: a map name for map-fd and
   * map-value loads, a function name for bpf-to-bpf calls and function references, a kfunc name
   * for kfunc calls.
   */
  readonly reference?: string;
  /** Set when this instruction starts the function or label named `symbol`. */
  readonly symbol?: string;
  /** Where the instruction came from. */
  readonly source?: SourceLocation;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The fields accepted by {@link makeInstruction}; all but `opcode` default to 0 / absent. */
export interface InstructionInit {
  opcode: number;
  dst?: number;
  src?: number;
  offset?: number;
  imm?: number;
  immHi?: number;
  reference?: string;
  symbol?: string;
  source?: SourceLocation;
}

/**
 * Creates an Instruction, filling unspecified numeric fields with 0.
 *
 * @throws {AsmError} if a field is out of range (opcode u8, registers 0..15, offset i16, imm and
 * immHi i32, immHi non-zero on a non-ld_imm64).
 */
export function makeInstruction(init: InstructionInit): Instruction {
  const ins: Mutable<Instruction> = {
    opcode: init.opcode,
    dst: init.dst ?? 0,
    src: init.src ?? 0,
    offset: init.offset ?? 0,
    imm: init.imm ?? 0,
    immHi: init.immHi ?? 0,
  };
  if (init.reference !== undefined) ins.reference = init.reference;
  if (init.symbol !== undefined) ins.symbol = init.symbol;
  if (init.source !== undefined) ins.source = init.source;
  const problem = checkFields(ins);
  if (problem) throw new AsmError(problem);
  return ins;
}

/**
 * Returns a description of the first out-of-range field of `ins`, or undefined if all fit the
 * encoding. Used by {@link makeInstruction} and the encoder.
 */
export function checkFields(ins: Instruction): string | undefined {
  const { opcode, dst, src, offset, imm, immHi } = ins;
  if ((opcode & 0xff) !== opcode) return `opcode ${opcode} is not a byte`;
  if ((dst & 0x0f) !== dst) return `dst register ${dst} out of range 0..15`;
  if ((src & 0x0f) !== src) return `src register ${src} out of range 0..15`;
  if ((offset << 16) >> 16 !== offset) return `offset ${offset} out of range -32768..32767`;
  if ((imm | 0) !== imm) return `imm ${imm} is not a signed 32-bit integer`;
  if ((immHi | 0) !== immHi) return `immHi ${immHi} is not a signed 32-bit integer`;
  if (immHi !== 0 && opcode !== LD_IMM64) return `immHi ${immHi} set on a single-slot instruction`;
  return undefined;
}

/** Returns a copy of `ins` with `changes` applied (pass `undefined` to drop an optional field). */
export function withChanges(ins: Instruction, changes: Partial<Instruction>): Instruction {
  const out: Mutable<Instruction> = { ...ins, ...changes };
  if (out.reference === undefined) delete out.reference;
  if (out.symbol === undefined) delete out.symbol;
  if (out.source === undefined) delete out.source;
  return out;
}

/** Returns the number of 8-byte slots `ins` occupies: 2 for ld_imm64, 1 otherwise. */
export function slots(ins: Instruction): 1 | 2 {
  return ins.opcode === LD_IMM64 ? 2 : 1;
}

/** Returns the encoded size of `ins` in bytes: 16 for ld_imm64, 8 otherwise. */
export function size(ins: Instruction): 8 | 16 {
  return ins.opcode === LD_IMM64 ? 16 : 8;
}

/** Returns the total number of 8-byte slots of `insns`. */
export function slotCount(insns: readonly Instruction[]): number {
  let n = 0;
  for (let i = 0; i < insns.length; i++) n += insns[i].opcode === LD_IMM64 ? 2 : 1;
  return n;
}

/** Returns the 64-bit constant of an ld_imm64 as an unsigned bigint (0 … 2^64-1). */
export function imm64(ins: Instruction): bigint {
  return (BigInt(ins.immHi >>> 0) << 32n) | BigInt(ins.imm >>> 0);
}

/**
 * Splits a 64-bit constant into the signed 32-bit halves `[imm, immHi]` of an ld_imm64.
 *
 * Accepts a bigint in -2^63 … 2^64-1 (signed or unsigned view) or a safe integer number.
 * @throws {AsmError} if the value does not fit in 64 bits or is not an integer.
 */
export function splitImm64(value: bigint | number): [imm: number, immHi: number] {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new AsmError(`ld_imm64: constant ${value} is not a safe integer (use a bigint)`);
    return [value | 0, Math.floor(value / 0x1_0000_0000) | 0];
  }
  if (value < -(1n << 63n) || value >= 1n << 64n) throw new AsmError(`ld_imm64: constant ${value} does not fit in 64 bits`);
  const u = BigInt.asUintN(64, value);
  return [Number(BigInt.asIntN(32, u)), Number(BigInt.asIntN(32, u >> 32n))];
}

/** Returns a copy of the ld_imm64 `ins` with its 64-bit constant replaced by `value`. */
export function withImm64(ins: Instruction, value: bigint | number): Instruction {
  const [imm, immHi] = splitImm64(value);
  return withChanges(ins, { imm, immHi });
}

/** Returns true if `ins` is the two-slot ld_imm64 (`BPF_LD | BPF_IMM | BPF_DW`). */
export function isLdImm64(ins: Instruction): boolean {
  return ins.opcode === LD_IMM64;
}

/** Returns true if `ins` is a call of any kind (helper, bpf-to-bpf, kfunc). */
export function isCall(ins: Instruction): boolean {
  return ins.opcode === CALL;
}

/** Returns true if `ins` calls a helper function by id (`call bpf_xxx#id`). */
export function isHelperCall(ins: Instruction): boolean {
  return ins.opcode === CALL && ins.src === PseudoCall.Helper;
}

/** Returns true if `ins` is a bpf-to-bpf call (src `BPF_PSEUDO_CALL`, imm relative slots). */
export function isBpfCall(ins: Instruction): boolean {
  return ins.opcode === CALL && ins.src === PseudoCall.Call;
}

/** Returns true if `ins` calls a kernel function (src `BPF_PSEUDO_KFUNC_CALL`, imm BTF id). */
export function isKfuncCall(ins: Instruction): boolean {
  return ins.opcode === CALL && ins.src === PseudoCall.KfuncCall;
}

/** Returns true if `ins` is `exit`. */
export function isExit(ins: Instruction): boolean {
  return ins.opcode === EXIT;
}

/**
 * Returns true if `ins` transfers control within the program: a conditional jump, `goto`
 * (ja), `gotol` or `may_goto`. Calls and exit are not jumps.
 */
export function isJump(ins: Instruction): boolean {
  const cls = classOf(ins.opcode);
  if (cls !== InsnClass.Jmp && cls !== InsnClass.Jmp32) return false;
  const op = opOf(ins.opcode);
  if (op === JumpOp.Call || op === JumpOp.Exit) return false;
  // gotox (JMP|JA|X) jumps through a register: there is no static target.
  return ins.opcode !== (InsnClass.Jmp | JumpOp.Ja | 0x08);
}

/** Returns true if `ins` is a conditional jump (jeq … jsle, 64- or 32-bit, or `may_goto`). */
export function isConditionalJump(ins: Instruction): boolean {
  return isJump(ins) && opOf(ins.opcode) !== JumpOp.Ja;
}

/** Returns the jump distance of a jump in slots, relative to the next slot: imm for `gotol`, else offset. */
export function jumpOffset(ins: Instruction): number {
  return ins.opcode === GOTOL ? ins.imm : ins.offset;
}

/** Returns true if `ins` loads a map reference or map value address (ld_imm64 with a map pseudo src). */
export function isLoadFromMap(ins: Instruction): boolean {
  return (
    ins.opcode === LD_IMM64 &&
    (ins.src === PseudoLd.MapFd ||
      ins.src === PseudoLd.MapValue ||
      ins.src === PseudoLd.MapIdx ||
      ins.src === PseudoLd.MapIdxValue)
  );
}

/** Returns true if `ins` loads the address of a map value (globals: `PseudoLd.MapValue`/`MapIdxValue`). */
export function isLoadFromMapValue(ins: Instruction): boolean {
  return ins.opcode === LD_IMM64 && (ins.src === PseudoLd.MapValue || ins.src === PseudoLd.MapIdxValue);
}

/** Returns true if `ins` loads a function pointer (ld_imm64 with `BPF_PSEUDO_FUNC`, for callbacks). */
export function isFuncRef(ins: Instruction): boolean {
  return ins.opcode === LD_IMM64 && ins.src === PseudoLd.Func;
}

/** Returns true if `ins` loads the address of a kernel variable (ld_imm64 with `BPF_PSEUDO_BTF_ID`). */
export function isKsymLoad(ins: Instruction): boolean {
  return ins.opcode === LD_IMM64 && ins.src === PseudoLd.BtfId;
}

/** Returns true if `ins` is an ALU or ALU64 instruction. */
export function isAlu(ins: Instruction): boolean {
  const cls = classOf(ins.opcode);
  return cls === InsnClass.Alu || cls === InsnClass.Alu64;
}

/** Returns true if `ins` is a 64-bit `mov` (register or immediate, not movsx). */
export function isMov64(ins: Instruction): boolean {
  return classOf(ins.opcode) === InsnClass.Alu64 && opOf(ins.opcode) === AluOp.Mov && ins.offset === 0;
}

/** Returns true if `ins` loads from memory (LDX class). */
export function isMemoryLoad(ins: Instruction): boolean {
  return classOf(ins.opcode) === InsnClass.Ldx;
}

/** Returns true if `ins` stores to memory (ST, or STX in MEM mode). */
export function isMemoryStore(ins: Instruction): boolean {
  const cls = classOf(ins.opcode);
  return cls === InsnClass.St || (cls === InsnClass.Stx && modeOf(ins.opcode) === Mode.Mem);
}

/** Returns true if `ins` is an atomic memory operation (STX | ATOMIC). */
export function isAtomic(ins: Instruction): boolean {
  return classOf(ins.opcode) === InsnClass.Stx && modeOf(ins.opcode) === Mode.Atomic;
}
