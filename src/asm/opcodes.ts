// BPF opcode fields, as defined by the kernel's uapi headers
// (include/uapi/linux/bpf_common.h and include/uapi/linux/bpf.h) and
// Documentation/bpf/standardization/instruction-set.rst.
//
// An opcode byte is split in three: the low 3 bits are the class; for load/store classes the
// next 2 bits are the size and the top 3 bits the mode; for ALU/jump classes bit 3 is the source
// (immediate K or register X) and the top 4 bits the operation.

/** Instruction classes (`BPF_LD` … `BPF_ALU64`), the low 3 bits of an opcode. */
export const InsnClass = {
  /** BPF_LD: ld_imm64 and the legacy packet loads (ABS/IND). */
  Ld: 0x00,
  /** BPF_LDX: load from memory into a register. */
  Ldx: 0x01,
  /** BPF_ST: store an immediate to memory. */
  St: 0x02,
  /** BPF_STX: store a register to memory, and atomics. */
  Stx: 0x03,
  /** BPF_ALU: 32-bit arithmetic (results are zero-extended). */
  Alu: 0x04,
  /** BPF_JMP: 64-bit compares, calls, exit. */
  Jmp: 0x05,
  /** BPF_JMP32: 32-bit compares, and `gotol`. */
  Jmp32: 0x06,
  /** BPF_ALU64: 64-bit arithmetic. */
  Alu64: 0x07,
} as const;

/** Access sizes (`BPF_W`, `BPF_H`, `BPF_B`, `BPF_DW`) for load/store classes. */
export const Size = {
  /** BPF_W: 4 bytes. */
  W: 0x00,
  /** BPF_H: 2 bytes. */
  H: 0x08,
  /** BPF_B: 1 byte. */
  B: 0x10,
  /** BPF_DW: 8 bytes. */
  DW: 0x18,
} as const;

/** Addressing modes (`BPF_IMM` … `BPF_ATOMIC`) for load/store classes. */
export const Mode = {
  /** BPF_IMM: with class LD and size DW, the two-slot ld_imm64. */
  Imm: 0x00,
  /** BPF_ABS: legacy packet load at a constant offset (socket filters). */
  Abs: 0x20,
  /** BPF_IND: legacy packet load at a register plus constant offset. */
  Ind: 0x40,
  /** BPF_MEM: regular memory load/store. */
  Mem: 0x60,
  /** BPF_MEMSX: sign-extending load (cpu v4, Linux 6.6). */
  MemSX: 0x80,
  /** BPF_ATOMIC (formerly BPF_XADD): atomic operation, the op is in imm. */
  Atomic: 0xc0,
} as const;

/** ALU operations (`BPF_ADD` … `BPF_END`), the top 4 bits of an ALU/ALU64 opcode. */
export const AluOp = {
  Add: 0x00,
  Sub: 0x10,
  Mul: 0x20,
  /** BPF_DIV: unsigned; signed (sdiv) when offset is 1. */
  Div: 0x30,
  Or: 0x40,
  And: 0x50,
  Lsh: 0x60,
  Rsh: 0x70,
  Neg: 0x80,
  /** BPF_MOD: unsigned; signed (smod) when offset is 1. */
  Mod: 0x90,
  Xor: 0xa0,
  /** BPF_MOV: plain move; sign-extending move (movsx) when offset is 8, 16 or 32. */
  Mov: 0xb0,
  Arsh: 0xc0,
  /** BPF_END: byte swap; ALU class with source TO_LE/TO_BE, or ALU64 class for bswap. */
  End: 0xd0,
} as const;

/** Jump operations (`BPF_JA` … `BPF_JSLE`), the top 4 bits of a JMP/JMP32 opcode. */
export const JumpOp = {
  /** BPF_JA: unconditional jump by offset (JMP) or by imm (`gotol`, JMP32). */
  Ja: 0x00,
  Jeq: 0x10,
  Jgt: 0x20,
  Jge: 0x30,
  Jset: 0x40,
  Jne: 0x50,
  Jsgt: 0x60,
  Jsge: 0x70,
  /** BPF_CALL: helper, bpf-to-bpf or kfunc call, chosen by src. */
  Call: 0x80,
  Exit: 0x90,
  Jlt: 0xa0,
  Jle: 0xb0,
  Jslt: 0xc0,
  Jsle: 0xd0,
  /** BPF_JCOND: `may_goto` when src is 0 (Linux 6.9). */
  Jcond: 0xe0,
} as const;

/** Operand source for ALU and jump classes: immediate (`BPF_K`) or register (`BPF_X`). */
export const Source = {
  /** BPF_K: use the 32-bit immediate. */
  K: 0x00,
  /** BPF_X: use the src register. */
  X: 0x08,
} as const;

/** Byte-order targets of the ALU-class BPF_END instruction (`BPF_TO_LE`, `BPF_TO_BE`). */
export const Endian = {
  /** BPF_TO_LE: convert to little-endian (a truncation on little-endian hosts). */
  ToLe: 0x00,
  /** BPF_TO_BE: convert to big-endian (a byte swap on little-endian hosts). */
  ToBe: 0x08,
} as const;

/** The `BPF_FETCH` flag of atomic operations: the old value is returned in src. */
export const FETCH = 0x01;

/** Atomic operations, stored in the imm of a STX|ATOMIC instruction. */
export const AtomicOp = {
  /** `lock *(size *)(dst + off) += src` (BPF_ADD). */
  Add: 0x00,
  /** BPF_OR. */
  Or: 0x40,
  /** BPF_AND. */
  And: 0x50,
  /** BPF_XOR. */
  Xor: 0xa0,
  /** BPF_ADD | BPF_FETCH: src = atomic_fetch_add(dst + off, src). */
  FetchAdd: 0x01,
  /** BPF_OR | BPF_FETCH. */
  FetchOr: 0x41,
  /** BPF_AND | BPF_FETCH. */
  FetchAnd: 0x51,
  /** BPF_XOR | BPF_FETCH. */
  FetchXor: 0xa1,
  /** BPF_XCHG (0xe0 | BPF_FETCH): src = xchg(dst + off, src). */
  Xchg: 0xe1,
  /** BPF_CMPXCHG (0xf0 | BPF_FETCH): r0 = cmpxchg(dst + off, r0, src). */
  CmpXchg: 0xf1,
  /** BPF_LOAD_ACQ: dst = load_acquire(src + off) (Linux 6.15). */
  LoadAcquire: 0x100,
  /** BPF_STORE_REL: store_release(dst + off, src) (Linux 6.15). */
  StoreRelease: 0x110,
} as const;

/**
 * Values of src in an ld_imm64 that make the constant a reference the kernel resolves
 * (`BPF_PSEUDO_MAP_FD` … `BPF_PSEUDO_MAP_IDX_VALUE`).
 */
export const PseudoLd = {
  /** BPF_PSEUDO_MAP_FD: imm is a map fd; loads a map pointer. */
  MapFd: 1,
  /** BPF_PSEUDO_MAP_VALUE: imm is a map fd, the high half an offset into its value (globals). */
  MapValue: 2,
  /** BPF_PSEUDO_BTF_ID: imm is the BTF id of a kernel variable (ksym). */
  BtfId: 3,
  /** BPF_PSEUDO_FUNC: imm is the slot offset of a subprogram (callbacks). */
  Func: 4,
  /** BPF_PSEUDO_MAP_IDX: imm is an index into the fd_array of BPF_PROG_LOAD. */
  MapIdx: 5,
  /** BPF_PSEUDO_MAP_IDX_VALUE: like MapValue with an fd_array index. */
  MapIdxValue: 6,
} as const;

/** Values of src in a call instruction (`BPF_PSEUDO_CALL`, `BPF_PSEUDO_KFUNC_CALL`); 0 is a helper call. */
export const PseudoCall = {
  /** A helper call: imm is the helper id (`enum bpf_func_id`). */
  Helper: 0,
  /** BPF_PSEUDO_CALL: bpf-to-bpf call, imm is the slot offset of the callee. */
  Call: 1,
  /** BPF_PSEUDO_KFUNC_CALL: kernel function call, imm is its BTF id. */
  KfuncCall: 2,
} as const;

/** Offset values that select the cpu v4 forms of ALU instructions. */
export const AluOffset = {
  /** With DIV/MOD: signed division and modulo (sdiv, smod). */
  Signed: 1,
  /** With ALU64 MOV X: `addr_space_cast` (arena pointers, Linux 6.9). */
  AddrSpaceCast: 1,
} as const;

/** The opcode of ld_imm64 (`BPF_LD | BPF_IMM | BPF_DW`), the only two-slot instruction. */
export const LD_IMM64 = 0x18;

/** The opcode of a call (`BPF_JMP | BPF_CALL`). */
export const CALL = 0x85;

/** The opcode of exit (`BPF_JMP | BPF_EXIT`). */
export const EXIT = 0x95;

/** The opcode of an unconditional jump by offset (`BPF_JMP | BPF_JA`). */
export const JA = 0x05;

/** The opcode of `gotol`, an unconditional jump by 32-bit imm (`BPF_JMP32 | BPF_JA`, cpu v4). */
export const GOTOL = 0x06;

/** Returns the class bits of an opcode (`BPF_CLASS`). */
export function classOf(opcode: number): number {
  return opcode & 0x07;
}

/** Returns the size bits of a load/store opcode (`BPF_SIZE`). */
export function sizeOf(opcode: number): number {
  return opcode & 0x18;
}

/** Returns the mode bits of a load/store opcode (`BPF_MODE`). */
export function modeOf(opcode: number): number {
  return opcode & 0xe0;
}

/** Returns the operation bits of an ALU or jump opcode (`BPF_OP`). */
export function opOf(opcode: number): number {
  return opcode & 0xf0;
}

/** Returns the source bit of an ALU or jump opcode (`BPF_SRC`): {@link Source.K} or {@link Source.X}. */
export function sourceOf(opcode: number): number {
  return opcode & 0x08;
}

/** Returns the width in bytes of a {@link Size} value (1, 2, 4 or 8). */
export function sizeBytes(size: number): number {
  switch (size & 0x18) {
    case Size.B:
      return 1;
    case Size.H:
      return 2;
    case Size.W:
      return 4;
    default:
      return 8;
  }
}

/** Returns true if the class is LD, LDX, ST or STX (the opcode has size and mode fields). */
export function isLoadStoreClass(cls: number): boolean {
  return cls < InsnClass.Alu;
}

/** Returns true if the class is ALU or ALU64. */
export function isAluClass(cls: number): boolean {
  return cls === InsnClass.Alu || cls === InsnClass.Alu64;
}

/** Returns true if the class is JMP or JMP32. */
export function isJumpClass(cls: number): boolean {
  return cls === InsnClass.Jmp || cls === InsnClass.Jmp32;
}
