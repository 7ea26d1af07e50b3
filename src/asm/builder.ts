// A builder for hand-written BPF programs, with labels resolved at build time.

import { AsmError } from './errors.js';
import { HelperId } from './helpers.gen.js';
import { splitImm64, type Instruction, type SourceLocation } from './instruction.js';
import {
  AluOp,
  AtomicOp,
  Endian,
  InsnClass,
  JumpOp,
  LD_IMM64,
  Mode,
  PseudoCall,
  PseudoLd,
  Size,
  Source,
} from './opcodes.js';
import { Reg } from './registers.js';

/** Access size names used by the builder: byte, half word, word, double word. */
export type SizeName = 'b' | 'h' | 'w' | 'dw';

/** A helper name as in {@link HelperId} (`'map_lookup_elem'`), without the `bpf_` prefix. */
export type HelperName = keyof typeof HelperId;

/** Atomic operation names accepted by {@link Assembler.atomic}. */
export type AtomicOpName =
  | 'add'
  | 'or'
  | 'and'
  | 'xor'
  | 'fetch_add'
  | 'fetch_or'
  | 'fetch_and'
  | 'fetch_xor'
  | 'xchg'
  | 'cmpxchg';

/** A jump target: a label name, or a raw distance in slots from the next slot. */
export type JumpTarget = string | number;

const SIZES: Record<SizeName, number> = { b: Size.B, h: Size.H, w: Size.W, dw: Size.DW };

const ATOMIC_OPS: Record<AtomicOpName, number> = {
  add: AtomicOp.Add,
  or: AtomicOp.Or,
  and: AtomicOp.And,
  xor: AtomicOp.Xor,
  fetch_add: AtomicOp.FetchAdd,
  fetch_or: AtomicOp.FetchOr,
  fetch_and: AtomicOp.FetchAnd,
  fetch_xor: AtomicOp.FetchXor,
  xchg: AtomicOp.Xchg,
  cmpxchg: AtomicOp.CmpXchg,
};

type FixupKind = 'offset' | 'gotol' | 'call' | 'func';

interface Pending {
  opcode: number;
  dst: number;
  src: number;
  offset: number;
  imm: number;
  immHi: number;
  reference?: string;
  symbol?: string;
  source?: SourceLocation;
  mnemonic: string;
  fixup?: { kind: FixupKind; target: string };
}

/**
 * Builds a BPF program instruction by instruction, with labels.
 *
 * Register operands are {@link Reg} objects (R0 … R10); a plain number is an immediate, so
 * `mov64(R1, 2)` sets r1 to 2 and `mov64(R1, R2)` copies r2. Jump targets are label names (or raw
 * slot distances); {@link Assembler.build} resolves them, counting an ld_imm64 as two slots.
 * Memory operands follow the address-then-value order: `ldxw(dst, src, off)`,
 * `stxdw(dst, off, src)`, `stdw(dst, off, imm)`.
 *
 * @example
 * const a = new Assembler();
 * a.mov64(R1, 0).ldMapFd(R1, 'my_map').call(HelperId.map_lookup_elem)
 *   .jeq(R0, 0, 'out').ldxw(R0, R0, 0).label('out').exit();
 * const insns = a.build();
 *
 * @throws {AsmError} from the emitting method for bad immediates/offsets and duplicate labels,
 * and from `build()` for unknown labels and jumps out of range; the message names the label.
 */
export class Assembler {
  readonly #insns: Pending[] = [];
  readonly #labels = new Map<string, number>();
  #pendingSource: SourceLocation | undefined;

  /** Number of instructions emitted so far. */
  get length(): number {
    return this.#insns.length;
  }

  /**
   * Defines label `name` at the next instruction; it becomes that instruction's `symbol`
   * (unless it already has one, e.g. a second label at the same place).
   * @throws {AsmError} if the label is already defined.
   */
  label(name: string): this {
    if (this.#labels.has(name)) {
      throw new AsmError(`label ${name}: defined twice (first at instruction ${this.#labels.get(name)})`, {
        label: name,
        index: this.#insns.length,
      });
    }
    this.#labels.set(name, this.#insns.length);
    return this;
  }

  /** Attaches a source location to the next emitted instruction. */
  at(source: SourceLocation): this {
    this.#pendingSource = source;
    return this;
  }

  /** Appends a ready-made instruction as is (its jump offsets are not touched). */
  raw(ins: Instruction): this {
    const p: Pending = {
      opcode: ins.opcode,
      dst: ins.dst,
      src: ins.src,
      offset: ins.offset,
      imm: ins.imm,
      immHi: ins.immHi,
      mnemonic: 'raw',
    };
    if (ins.reference !== undefined) p.reference = ins.reference;
    if (ins.symbol !== undefined) p.symbol = ins.symbol;
    if (ins.source !== undefined) p.source = ins.source;
    return this.#push(p);
  }

  // ---- ALU -------------------------------------------------------------------------------

  /** `dst = src` (64-bit); an immediate is sign-extended to 64 bits. */
  mov64(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu64, AluOp.Mov, 'mov64', dst, src);
  }
  /** `wdst = wsrc` (32-bit, upper half zeroed). */
  mov32(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu, AluOp.Mov, 'mov32', dst, src);
  }
  /** `dst += src` (64-bit). */
  add64(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu64, AluOp.Add, 'add64', dst, src);
  }
  /** `wdst += wsrc` (32-bit). */
  add32(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu, AluOp.Add, 'add32', dst, src);
  }
  /** `dst -= src` (64-bit). */
  sub64(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu64, AluOp.Sub, 'sub64', dst, src);
  }
  /** `wdst -= wsrc` (32-bit). */
  sub32(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu, AluOp.Sub, 'sub32', dst, src);
  }
  /** `dst *= src` (64-bit). */
  mul64(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu64, AluOp.Mul, 'mul64', dst, src);
  }
  /** `wdst *= wsrc` (32-bit). */
  mul32(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu, AluOp.Mul, 'mul32', dst, src);
  }
  /** `dst /= src` (64-bit, unsigned; division by zero gives 0). */
  div64(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu64, AluOp.Div, 'div64', dst, src);
  }
  /** `wdst /= wsrc` (32-bit, unsigned). */
  div32(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu, AluOp.Div, 'div32', dst, src);
  }
  /** `dst s/= src` (64-bit signed division, cpu v4: offset 1). */
  sdiv64(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu64, AluOp.Div, 'sdiv64', dst, src, 1);
  }
  /** `wdst s/= wsrc` (32-bit signed division, cpu v4). */
  sdiv32(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu, AluOp.Div, 'sdiv32', dst, src, 1);
  }
  /** `dst %= src` (64-bit, unsigned). */
  mod64(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu64, AluOp.Mod, 'mod64', dst, src);
  }
  /** `wdst %= wsrc` (32-bit, unsigned). */
  mod32(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu, AluOp.Mod, 'mod32', dst, src);
  }
  /** `dst s%= src` (64-bit signed modulo, cpu v4: offset 1). */
  smod64(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu64, AluOp.Mod, 'smod64', dst, src, 1);
  }
  /** `wdst s%= wsrc` (32-bit signed modulo, cpu v4). */
  smod32(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu, AluOp.Mod, 'smod32', dst, src, 1);
  }
  /** `dst |= src` (64-bit). */
  or64(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu64, AluOp.Or, 'or64', dst, src);
  }
  /** `wdst |= wsrc` (32-bit). */
  or32(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu, AluOp.Or, 'or32', dst, src);
  }
  /** `dst &= src` (64-bit). */
  and64(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu64, AluOp.And, 'and64', dst, src);
  }
  /** `wdst &= wsrc` (32-bit). */
  and32(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu, AluOp.And, 'and32', dst, src);
  }
  /** `dst ^= src` (64-bit). */
  xor64(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu64, AluOp.Xor, 'xor64', dst, src);
  }
  /** `wdst ^= wsrc` (32-bit). */
  xor32(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu, AluOp.Xor, 'xor32', dst, src);
  }
  /** `dst <<= src` (64-bit). */
  lsh64(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu64, AluOp.Lsh, 'lsh64', dst, src);
  }
  /** `wdst <<= wsrc` (32-bit). */
  lsh32(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu, AluOp.Lsh, 'lsh32', dst, src);
  }
  /** `dst >>= src` (64-bit logical shift). */
  rsh64(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu64, AluOp.Rsh, 'rsh64', dst, src);
  }
  /** `wdst >>= wsrc` (32-bit logical shift). */
  rsh32(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu, AluOp.Rsh, 'rsh32', dst, src);
  }
  /** `dst s>>= src` (64-bit arithmetic shift). */
  arsh64(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu64, AluOp.Arsh, 'arsh64', dst, src);
  }
  /** `wdst s>>= wsrc` (32-bit arithmetic shift). */
  arsh32(dst: Reg, src: Reg | number): this {
    return this.#alu(InsnClass.Alu, AluOp.Arsh, 'arsh32', dst, src);
  }
  /** `dst = -dst` (64-bit). */
  neg64(dst: Reg): this {
    return this.#alu(InsnClass.Alu64, AluOp.Neg, 'neg64', dst, 0);
  }
  /** `wdst = -wdst` (32-bit). */
  neg32(dst: Reg): this {
    return this.#alu(InsnClass.Alu, AluOp.Neg, 'neg32', dst, 0);
  }
  /** `dst = (s8|s16|s32)src`: 64-bit sign-extending move (cpu v4, offset = bits). */
  movsx64(dst: Reg, src: Reg, bits: 8 | 16 | 32): this {
    this.#checkBits('movsx64', bits, [8, 16, 32]);
    return this.#alu(InsnClass.Alu64, AluOp.Mov, 'movsx64', dst, src, bits);
  }
  /** `wdst = (s8|s16)wsrc`: 32-bit sign-extending move (cpu v4, offset = bits). */
  movsx32(dst: Reg, src: Reg, bits: 8 | 16): this {
    this.#checkBits('movsx32', bits, [8, 16]);
    return this.#alu(InsnClass.Alu, AluOp.Mov, 'movsx32', dst, src, bits);
  }

  // ---- byte order ------------------------------------------------------------------------

  /** `dst = be16 dst`: convert the low 16 bits to big-endian, zeroing the rest. */
  be16(dst: Reg): this {
    return this.#end(InsnClass.Alu, Endian.ToBe, 16, 'be16', dst);
  }
  /** `dst = be32 dst`. */
  be32(dst: Reg): this {
    return this.#end(InsnClass.Alu, Endian.ToBe, 32, 'be32', dst);
  }
  /** `dst = be64 dst`. */
  be64(dst: Reg): this {
    return this.#end(InsnClass.Alu, Endian.ToBe, 64, 'be64', dst);
  }
  /** `dst = le16 dst`: convert the low 16 bits to little-endian (a truncation on little-endian). */
  le16(dst: Reg): this {
    return this.#end(InsnClass.Alu, Endian.ToLe, 16, 'le16', dst);
  }
  /** `dst = le32 dst`. */
  le32(dst: Reg): this {
    return this.#end(InsnClass.Alu, Endian.ToLe, 32, 'le32', dst);
  }
  /** `dst = le64 dst`. */
  le64(dst: Reg): this {
    return this.#end(InsnClass.Alu, Endian.ToLe, 64, 'le64', dst);
  }
  /** `dst = bswap16 dst`: unconditional byte swap (cpu v4, ALU64 | END). */
  bswap16(dst: Reg): this {
    return this.#end(InsnClass.Alu64, Endian.ToLe, 16, 'bswap16', dst);
  }
  /** `dst = bswap32 dst` (cpu v4). */
  bswap32(dst: Reg): this {
    return this.#end(InsnClass.Alu64, Endian.ToLe, 32, 'bswap32', dst);
  }
  /** `dst = bswap64 dst` (cpu v4). */
  bswap64(dst: Reg): this {
    return this.#end(InsnClass.Alu64, Endian.ToLe, 64, 'bswap64', dst);
  }

  // ---- 64-bit loads (ld_imm64) -----------------------------------------------------------

  /** `dst = value`: a 64-bit constant (two slots). Accepts a bigint (signed or unsigned) or a safe integer. */
  ldImm64(dst: Reg, value: bigint | number): this {
    let parts: [number, number];
    try {
      parts = splitImm64(value);
    } catch (e) {
      throw this.#error('ld_imm64', `constant ${value} does not fit in 64 bits`, undefined, e);
    }
    return this.#push(this.#make(LD_IMM64, dst, 0, 0, parts[0], 'ld_imm64', parts[1]));
  }

  /**
   * `dst = map`: loads a map pointer (`BPF_PSEUDO_MAP_FD`). A string is the map's name, left in
   * `reference` for the loader (imm 0); a number is an open map fd.
   */
  ldMapFd(dst: Reg, map: string | number): this {
    const p = this.#make(LD_IMM64, dst, PseudoLd.MapFd, 0, 0, 'ld_map_fd');
    if (typeof map === 'string') p.reference = map;
    else p.imm = this.#fd('ld_map_fd', map);
    return this.#push(p);
  }

  /**
   * `dst = &map_value[0] + offset` (`BPF_PSEUDO_MAP_VALUE`): the address of an array map's first
   * value plus `offset`, as used for global variables. `map` is a name (reference) or an fd.
   */
  ldMapValue(dst: Reg, map: string | number, offset = 0): this {
    if (!Number.isInteger(offset) || offset < 0 || offset > 0xffff_ffff) {
      throw this.#error('ld_map_value', `offset ${offset} out of range 0..4294967295`);
    }
    const p = this.#make(LD_IMM64, dst, PseudoLd.MapValue, 0, 0, 'ld_map_value', offset | 0);
    if (typeof map === 'string') p.reference = map;
    else p.imm = this.#fd('ld_map_value', map);
    return this.#push(p);
  }

  /**
   * `dst = &func`: loads a pointer to the subprogram at `label` (`BPF_PSEUDO_FUNC`), e.g. the
   * callback of bpf_for_each_map_elem or bpf_loop. Resolved at build when the label is local;
   * otherwise imm is -1 and `reference` names the function for the loader.
   */
  ldFunc(dst: Reg, label: string): this {
    const p = this.#make(LD_IMM64, dst, PseudoLd.Func, 0, -1, 'ld_func');
    p.reference = label;
    p.fixup = { kind: 'func', target: label };
    return this.#push(p);
  }

  // ---- legacy packet loads ---------------------------------------------------------------

  /** `r0 = *(size *)skb[imm]` (BPF_ABS, socket filters only; network byte order). */
  ldAbs(size: SizeName, imm: number): this {
    const op = InsnClass.Ld | Mode.Abs | this.#size('ld_abs', size);
    return this.#push(this.#make(op, 0, 0, 0, this.#imm('ld_abs', imm, true), 'ld_abs'));
  }
  /** `r0 = *(size *)skb[src + imm]` (BPF_IND, socket filters only). */
  ldInd(size: SizeName, src: Reg, imm: number): this {
    const op = InsnClass.Ld | Mode.Ind | this.#size('ld_ind', size);
    return this.#push(this.#make(op, 0, this.#reg('ld_ind', src), 0, this.#imm('ld_ind', imm, true), 'ld_ind'));
  }

  // ---- memory ----------------------------------------------------------------------------

  /** `dst = *(size *)(src + off)`: zero-extending load. */
  ldx(size: SizeName, dst: Reg, src: Reg, off: number): this {
    return this.#mem(InsnClass.Ldx | Mode.Mem, size, 'ldx', dst, src, off, 0);
  }
  /** `dst = *(u8 *)(src + off)`. */
  ldxb(dst: Reg, src: Reg, off: number): this {
    return this.ldx('b', dst, src, off);
  }
  /** `dst = *(u16 *)(src + off)`. */
  ldxh(dst: Reg, src: Reg, off: number): this {
    return this.ldx('h', dst, src, off);
  }
  /** `dst = *(u32 *)(src + off)`. */
  ldxw(dst: Reg, src: Reg, off: number): this {
    return this.ldx('w', dst, src, off);
  }
  /** `dst = *(u64 *)(src + off)`. */
  ldxdw(dst: Reg, src: Reg, off: number): this {
    return this.ldx('dw', dst, src, off);
  }
  /** `dst = *(s8|s16|s32 *)(src + off)`: sign-extending load (BPF_MEMSX, cpu v4). */
  ldxs(size: 'b' | 'h' | 'w', dst: Reg, src: Reg, off: number): this {
    if ((size as string) === 'dw') throw this.#error('ldxs', 'sign-extending load has no dw size');
    return this.#mem(InsnClass.Ldx | Mode.MemSX, size, 'ldxs', dst, src, off, 0);
  }
  /** `dst = *(s8 *)(src + off)` (cpu v4). */
  ldxsb(dst: Reg, src: Reg, off: number): this {
    return this.ldxs('b', dst, src, off);
  }
  /** `dst = *(s16 *)(src + off)` (cpu v4). */
  ldxsh(dst: Reg, src: Reg, off: number): this {
    return this.ldxs('h', dst, src, off);
  }
  /** `dst = *(s32 *)(src + off)` (cpu v4). */
  ldxsw(dst: Reg, src: Reg, off: number): this {
    return this.ldxs('w', dst, src, off);
  }
  /** `*(size *)(dst + off) = imm`: store an immediate (sign-extended for dw). */
  st(size: SizeName, dst: Reg, off: number, imm: number): this {
    const op = InsnClass.St | Mode.Mem | this.#size('st', size);
    return this.#push(
      this.#make(op, this.#reg('st', dst), 0, this.#off('st', off), this.#imm('st', imm, size !== 'dw'), 'st'),
    );
  }
  /** `*(u8 *)(dst + off) = imm`. */
  stb(dst: Reg, off: number, imm: number): this {
    return this.st('b', dst, off, imm);
  }
  /** `*(u16 *)(dst + off) = imm`. */
  sth(dst: Reg, off: number, imm: number): this {
    return this.st('h', dst, off, imm);
  }
  /** `*(u32 *)(dst + off) = imm`. */
  stw(dst: Reg, off: number, imm: number): this {
    return this.st('w', dst, off, imm);
  }
  /** `*(u64 *)(dst + off) = imm` (imm sign-extended to 64 bits). */
  stdw(dst: Reg, off: number, imm: number): this {
    return this.st('dw', dst, off, imm);
  }
  /** `*(size *)(dst + off) = src`: store a register. */
  stx(size: SizeName, dst: Reg, off: number, src: Reg): this {
    return this.#mem(InsnClass.Stx | Mode.Mem, size, 'stx', dst, src, off, 0);
  }
  /** `*(u8 *)(dst + off) = src`. */
  stxb(dst: Reg, off: number, src: Reg): this {
    return this.stx('b', dst, off, src);
  }
  /** `*(u16 *)(dst + off) = src`. */
  stxh(dst: Reg, off: number, src: Reg): this {
    return this.stx('h', dst, off, src);
  }
  /** `*(u32 *)(dst + off) = src`. */
  stxw(dst: Reg, off: number, src: Reg): this {
    return this.stx('w', dst, off, src);
  }
  /** `*(u64 *)(dst + off) = src`. */
  stxdw(dst: Reg, off: number, src: Reg): this {
    return this.stx('dw', dst, off, src);
  }

  /**
   * Atomic read-modify-write on `*(size *)(dst + off)` with `src` (STX | ATOMIC, imm = op).
   * `add`/`or`/`and`/`xor` discard the old value; the `fetch_` forms and `xchg` return it in
   * `src`; `cmpxchg` compares with r0 and returns the old value in r0. Size is `w` or `dw`.
   */
  atomic(op: AtomicOpName, size: 'w' | 'dw', dst: Reg, off: number, src: Reg): this {
    const code = ATOMIC_OPS[op];
    if (code === undefined) throw this.#error('atomic', `unknown atomic op ${String(op)}`);
    if (size !== 'w' && size !== 'dw') throw this.#error('atomic', `size ${String(size)} not w or dw`);
    return this.#mem(InsnClass.Stx | Mode.Atomic, size, `atomic_${op}`, dst, src, off, code);
  }
  /** `lock *(u64 *)(dst + off) += src`: atomic 64-bit add (the `__sync_fetch_and_add` of counters). */
  atomicAdd64(dst: Reg, off: number, src: Reg): this {
    return this.atomic('add', 'dw', dst, off, src);
  }
  /** `lock *(u32 *)(dst + off) += src`: atomic 32-bit add. */
  atomicAdd32(dst: Reg, off: number, src: Reg): this {
    return this.atomic('add', 'w', dst, off, src);
  }

  // ---- jumps -----------------------------------------------------------------------------

  /** `goto target` (JMP | JA, 16-bit offset). */
  ja(target: JumpTarget): this {
    const p = this.#make(InsnClass.Jmp | JumpOp.Ja, 0, 0, 0, 0, 'ja');
    return this.#push(this.#target(p, 'offset', target));
  }
  /** `gotol target` (JMP32 | JA, 32-bit distance in imm; cpu v4). */
  gotol(target: JumpTarget): this {
    const p = this.#make(InsnClass.Jmp32 | JumpOp.Ja, 0, 0, 0, 0, 'gotol');
    return this.#push(this.#target(p, 'gotol', target));
  }
  /** `may_goto target` (JMP | JCOND, src 0; Linux 6.9): jumps once the loop budget runs out. */
  mayGoto(target: JumpTarget): this {
    const p = this.#make(InsnClass.Jmp | JumpOp.Jcond, 0, 0, 0, 0, 'may_goto');
    return this.#push(this.#target(p, 'offset', target));
  }
  /** `if dst == src goto target` (64-bit). */
  jeq(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp, JumpOp.Jeq, 'jeq', dst, src, target);
  }
  /** `if dst > src goto target` (64-bit, unsigned). */
  jgt(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp, JumpOp.Jgt, 'jgt', dst, src, target);
  }
  /** `if dst >= src goto target` (64-bit, unsigned). */
  jge(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp, JumpOp.Jge, 'jge', dst, src, target);
  }
  /** `if dst < src goto target` (64-bit, unsigned). */
  jlt(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp, JumpOp.Jlt, 'jlt', dst, src, target);
  }
  /** `if dst <= src goto target` (64-bit, unsigned). */
  jle(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp, JumpOp.Jle, 'jle', dst, src, target);
  }
  /** `if dst & src goto target` (64-bit). */
  jset(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp, JumpOp.Jset, 'jset', dst, src, target);
  }
  /** `if dst != src goto target` (64-bit). */
  jne(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp, JumpOp.Jne, 'jne', dst, src, target);
  }
  /** `if dst s> src goto target` (64-bit, signed). */
  jsgt(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp, JumpOp.Jsgt, 'jsgt', dst, src, target);
  }
  /** `if dst s>= src goto target` (64-bit, signed). */
  jsge(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp, JumpOp.Jsge, 'jsge', dst, src, target);
  }
  /** `if dst s< src goto target` (64-bit, signed). */
  jslt(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp, JumpOp.Jslt, 'jslt', dst, src, target);
  }
  /** `if dst s<= src goto target` (64-bit, signed). */
  jsle(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp, JumpOp.Jsle, 'jsle', dst, src, target);
  }
  /** `if wdst == wsrc goto target` (32-bit). */
  jeq32(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp32, JumpOp.Jeq, 'jeq32', dst, src, target);
  }
  /** `if wdst > wsrc goto target` (32-bit, unsigned). */
  jgt32(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp32, JumpOp.Jgt, 'jgt32', dst, src, target);
  }
  /** `if wdst >= wsrc goto target` (32-bit, unsigned). */
  jge32(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp32, JumpOp.Jge, 'jge32', dst, src, target);
  }
  /** `if wdst < wsrc goto target` (32-bit, unsigned). */
  jlt32(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp32, JumpOp.Jlt, 'jlt32', dst, src, target);
  }
  /** `if wdst <= wsrc goto target` (32-bit, unsigned). */
  jle32(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp32, JumpOp.Jle, 'jle32', dst, src, target);
  }
  /** `if wdst & wsrc goto target` (32-bit). */
  jset32(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp32, JumpOp.Jset, 'jset32', dst, src, target);
  }
  /** `if wdst != wsrc goto target` (32-bit). */
  jne32(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp32, JumpOp.Jne, 'jne32', dst, src, target);
  }
  /** `if wdst s> wsrc goto target` (32-bit, signed). */
  jsgt32(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp32, JumpOp.Jsgt, 'jsgt32', dst, src, target);
  }
  /** `if wdst s>= wsrc goto target` (32-bit, signed). */
  jsge32(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp32, JumpOp.Jsge, 'jsge32', dst, src, target);
  }
  /** `if wdst s< wsrc goto target` (32-bit, signed). */
  jslt32(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp32, JumpOp.Jslt, 'jslt32', dst, src, target);
  }
  /** `if wdst s<= wsrc goto target` (32-bit, signed). */
  jsle32(dst: Reg, src: Reg | number, target: JumpTarget): this {
    return this.#jmp(InsnClass.Jmp32, JumpOp.Jsle, 'jsle32', dst, src, target);
  }

  // ---- calls -----------------------------------------------------------------------------

  /** `call helper`: calls a helper by id (`HelperId.map_lookup_elem`) or name (`'map_lookup_elem'`). */
  call(helper: number | HelperName): this {
    let id: number;
    if (typeof helper === 'string') {
      const found = (HelperId as Record<string, number>)[helper];
      if (found === undefined || !Object.hasOwn(HelperId, helper)) throw this.#error('call', `unknown helper ${helper}`);
      id = found;
    } else {
      id = this.#imm('call', helper, false);
    }
    return this.#push(this.#make(InsnClass.Jmp | JumpOp.Call, 0, PseudoCall.Helper, 0, id, 'call'));
  }

  /**
   * `call name`: calls a kernel function (`BPF_PSEUDO_KFUNC_CALL`). imm is the function's BTF id
   * in vmlinux when given; otherwise 0, and the loader resolves `reference` (always set to `name`).
   */
  callKfunc(name: string, btfId?: number): this {
    const imm = btfId === undefined ? 0 : this.#imm('call_kfunc', btfId, false);
    const p = this.#make(InsnClass.Jmp | JumpOp.Call, 0, PseudoCall.KfuncCall, 0, imm, 'call_kfunc');
    p.reference = name;
    return this.#push(p);
  }

  /**
   * `call label`: bpf-to-bpf call (`BPF_PSEUDO_CALL`). imm is the slot distance from the next
   * slot, resolved at build when `label` is defined here; otherwise imm is -1 and `reference`
   * names the function for the loader.
   */
  callSubprog(label: string): this {
    const p = this.#make(InsnClass.Jmp | JumpOp.Call, 0, PseudoCall.Call, 0, -1, 'call_subprog');
    p.reference = label;
    p.fixup = { kind: 'call', target: label };
    return this.#push(p);
  }

  /** `exit`: return r0. */
  exit(): this {
    return this.#push(this.#make(InsnClass.Jmp | JumpOp.Exit, 0, 0, 0, 0, 'exit'));
  }

  // ---- build -----------------------------------------------------------------------------

  /**
   * Resolves labels and returns the program. The builder is left unchanged and may be built again.
   * @throws {AsmError} naming the label for a jump to an undefined label, a jump out of range,
   * or a label with no instruction after it.
   */
  build(): Instruction[] {
    const n = this.#insns.length;
    const starts = new Array<number>(n + 1);
    let s = 0;
    for (let i = 0; i < n; i++) {
      starts[i] = s;
      s += this.#insns[i].opcode === LD_IMM64 ? 2 : 1;
    }
    starts[n] = s;

    const symbols = new Map<number, string>();
    for (const [name, index] of this.#labels) {
      if (index >= n) {
        throw new AsmError(`label ${name}: no instruction follows it`, { label: name, index });
      }
      if (!symbols.has(index)) symbols.set(index, name);
    }

    const out: Instruction[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const p = this.#insns[i];
      let offset = p.offset;
      let imm = p.imm;
      if (p.fixup !== undefined) {
        const { kind, target } = p.fixup;
        const index = this.#labels.get(target);
        if (index === undefined) {
          if (kind === 'offset' || kind === 'gotol') {
            throw new AsmError(`instruction ${i}: ${p.mnemonic}: label ${target}: not defined`, { index: i, label: target });
          }
          // calls and function references to non-local labels stay unresolved for the loader.
        } else {
          const distance = starts[index] - (starts[i] + 1);
          if (kind === 'offset') {
            if (distance < -32768 || distance > 32767) {
              throw new AsmError(
                `instruction ${i}: ${p.mnemonic}: label ${target}: jump of ${distance} slots out of range -32768..32767`,
                { index: i, label: target },
              );
            }
            offset = distance;
          } else {
            imm = distance;
          }
        }
      }
      const ins: { -readonly [K in keyof Instruction]: Instruction[K] } = {
        opcode: p.opcode,
        dst: p.dst,
        src: p.src,
        offset,
        imm,
        immHi: p.immHi,
      };
      if (p.reference !== undefined) ins.reference = p.reference;
      const symbol = p.symbol ?? symbols.get(i);
      if (symbol !== undefined) ins.symbol = symbol;
      if (p.source !== undefined) ins.source = p.source;
      out[i] = ins;
    }
    return out;
  }

  // ---- internals -------------------------------------------------------------------------

  #push(p: Pending): this {
    if (this.#pendingSource !== undefined) {
      p.source ??= this.#pendingSource;
      this.#pendingSource = undefined;
    }
    this.#insns.push(p);
    return this;
  }

  #make(opcode: number, dst: Reg | number, src: number, offset: number, imm: number, mnemonic: string, immHi = 0): Pending {
    const d = typeof dst === 'number' ? dst : this.#reg(mnemonic, dst);
    return { opcode, dst: d, src, offset, imm, immHi, mnemonic };
  }

  #error(mnemonic: string, cause: string, label?: string, inner?: unknown): AsmError {
    const index = this.#insns.length;
    return new AsmError(
      `instruction ${index}: ${mnemonic}: ${cause}`,
      label === undefined ? { index } : { index, label },
      inner === undefined ? undefined : { cause: inner },
    );
  }

  #reg(mnemonic: string, r: Reg): number {
    if (!(r instanceof Reg) || r.index < 0 || r.index > 10) {
      throw this.#error(mnemonic, `${String(r)} is not a register (use R0 … R10)`);
    }
    return r.index;
  }

  #imm(mnemonic: string, v: number, allowUnsigned32: boolean): number {
    const max = allowUnsigned32 ? 0xffff_ffff : 0x7fff_ffff;
    if (!Number.isInteger(v) || v < -0x8000_0000 || v > max) {
      const hint = allowUnsigned32 ? '' : ' (it is sign-extended to 64 bits; use ldImm64 for wider constants)';
      throw this.#error(mnemonic, `immediate ${v} out of range -2147483648..${max}${hint}`);
    }
    return v | 0;
  }

  #fd(mnemonic: string, fd: number): number {
    if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fff_ffff) throw this.#error(mnemonic, `map fd ${fd} is not a valid fd`);
    return fd;
  }

  #off(mnemonic: string, off: number): number {
    if (!Number.isInteger(off) || off < -32768 || off > 32767) {
      throw this.#error(mnemonic, `offset ${off} out of range -32768..32767`);
    }
    return off;
  }

  #size(mnemonic: string, size: SizeName): number {
    const code = SIZES[size];
    if (code === undefined || !Object.hasOwn(SIZES, size)) throw this.#error(mnemonic, `unknown size ${String(size)}`);
    return code;
  }

  #checkBits(mnemonic: string, bits: number, allowed: number[]): void {
    if (!allowed.includes(bits)) throw this.#error(mnemonic, `sign-extension width ${bits} not one of ${allowed.join(', ')}`);
  }

  #alu(cls: number, op: number, mnemonic: string, dst: Reg, src: Reg | number, offset = 0): this {
    const d = this.#reg(mnemonic, dst);
    if (typeof src === 'number') {
      if (op === AluOp.Mov && offset !== 0) throw this.#error(mnemonic, 'sign-extending move needs a register source');
      const imm = this.#imm(mnemonic, src, cls === InsnClass.Alu);
      return this.#push(this.#make(cls | Source.K | op, d, 0, offset, imm, mnemonic));
    }
    return this.#push(this.#make(cls | Source.X | op, d, this.#reg(mnemonic, src), offset, 0, mnemonic));
  }

  #end(cls: number, order: number, width: number, mnemonic: string, dst: Reg): this {
    return this.#push(this.#make(cls | order | AluOp.End, this.#reg(mnemonic, dst), 0, 0, width, mnemonic));
  }

  #mem(opBase: number, size: SizeName, mnemonic: string, dst: Reg, src: Reg, off: number, imm: number): this {
    const op = opBase | this.#size(mnemonic, size);
    return this.#push(this.#make(op, this.#reg(mnemonic, dst), this.#reg(mnemonic, src), this.#off(mnemonic, off), imm, mnemonic));
  }

  #jmp(cls: number, op: number, mnemonic: string, dst: Reg, src: Reg | number, target: JumpTarget): this {
    const d = this.#reg(mnemonic, dst);
    let p: Pending;
    if (typeof src === 'number') {
      p = this.#make(cls | Source.K | op, d, 0, 0, this.#imm(mnemonic, src, cls === InsnClass.Jmp32), mnemonic);
    } else {
      p = this.#make(cls | Source.X | op, d, this.#reg(mnemonic, src), 0, 0, mnemonic);
    }
    return this.#push(this.#target(p, 'offset', target));
  }

  #target(p: Pending, kind: 'offset' | 'gotol', target: JumpTarget): Pending {
    if (typeof target === 'string') {
      p.fixup = { kind, target };
    } else if (kind === 'offset') {
      p.offset = this.#off(p.mnemonic, target);
    } else {
      p.imm = this.#imm(p.mnemonic, target, false);
    }
    return p;
  }
}
