/**
 * The BPF instruction set in pure TypeScript: the {@link Instruction} type, binary
 * encode/decode, an {@link Assembler} for hand-written programs, and a disassembler in the
 * kernel verifier's notation.
 *
 * This module knows nothing of the running kernel and never makes a syscall: the same bytes give
 * the same instructions on every machine. tsbpf's built-in programs (element counters, feature
 * probes) are written with the {@link Assembler}, so no clang is needed for them.
 *
 * - An Instruction is one logical instruction; ld_imm64 is one Instruction spanning two 8-byte
 *   slots. Jump offsets and bpf-to-bpf call immediates count slots; use {@link SlotMap} to map
 *   between slots, byte offsets (ELF relocations) and instruction indices.
 * - Instructions are immutable plain objects; `reference` names what the loader must resolve
 *   (a map, subprogram or kfunc), `symbol` marks the start of a function or label.
 * - All errors are {@link AsmError}.
 *
 * Kernel documentation: Documentation/bpf/standardization/instruction-set.rst
 * (https://docs.kernel.org/bpf/standardization/instruction-set.html); opcode values come from
 * include/uapi/linux/bpf.h and bpf_common.h.
 *
 * @example
 * import { Assembler, R0, R1, R2, R10, HelperId, disassemble, encodeInstructions } from 'tsbpf/asm';
 * const insns = new Assembler()
 *   .stw(R10, -4, 0).mov64(R2, R10).add64(R2, -4) // key 0 on the stack, r2 = &key
 *   .ldMapFd(R1, 'my_map').call(HelperId.map_lookup_elem)
 *   .jeq(R0, 0, 'out').ldxw(R0, R0, 0).label('out').exit()
 *   .build();
 * console.log(disassemble(insns));
 * const bytes = encodeInstructions(insns); // for BPF_PROG_LOAD
 *
 * @module
 */

export { AsmError } from './errors.js';
export {
  AluOp,
  AluOffset,
  AtomicOp,
  CALL,
  EXIT,
  Endian,
  FETCH,
  GOTOL,
  InsnClass,
  JA,
  JumpOp,
  LD_IMM64,
  Mode,
  PseudoCall,
  PseudoLd,
  Size,
  Source,
  classOf,
  isAluClass,
  isJumpClass,
  isLoadStoreClass,
  modeOf,
  opOf,
  sizeBytes,
  sizeOf,
  sourceOf,
} from './opcodes.js';
export { R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10, RFP, Reg, Regs } from './registers.js';
export {
  checkFields,
  imm64,
  isAlu,
  isAtomic,
  isBpfCall,
  isCall,
  isConditionalJump,
  isExit,
  isFuncRef,
  isHelperCall,
  isJump,
  isKfuncCall,
  isKsymLoad,
  isLdImm64,
  isLoadFromMap,
  isLoadFromMapValue,
  isMemoryLoad,
  isMemoryStore,
  isMov64,
  jumpOffset,
  makeInstruction,
  size,
  slotCount,
  slots,
  splitImm64,
  withChanges,
  withImm64,
  type Instruction,
  type InstructionInit,
  type SourceLocation,
} from './instruction.js';
export { SLOT_SIZE, SlotMap, decodeInstructions, encodeInstructions, encodeInto } from './encode.js';
export { Assembler, type AtomicOpName, type HelperName, type JumpTarget, type SizeName } from './builder.js';
export { disassemble, formatInstruction, type DisassembleOptions } from './disasm.js';
export { HelperId, HelperNames } from './helpers.gen.js';
