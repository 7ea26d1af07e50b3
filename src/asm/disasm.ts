// A disassembler in the notation of the kernel verifier log (kernel/bpf/disasm.c,
// print_bpf_insn). Where the kernel would print a raw pointer (map loads) or an unresolved
// name, the instruction's `reference` is shown instead.

import { HelperNames } from './helpers.gen.js';
import type { Instruction } from './instruction.js';
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
  classOf,
  modeOf,
  opOf,
  sizeOf,
  sourceOf,
} from './opcodes.js';

const ALU_STRING: Record<number, string> = {
  [AluOp.Add]: '+=',
  [AluOp.Sub]: '-=',
  [AluOp.Mul]: '*=',
  [AluOp.Div]: '/=',
  [AluOp.Or]: '|=',
  [AluOp.And]: '&=',
  [AluOp.Lsh]: '<<=',
  [AluOp.Rsh]: '>>=',
  [AluOp.Mod]: '%=',
  [AluOp.Xor]: '^=',
  [AluOp.Mov]: '=',
  [AluOp.Arsh]: 's>>=',
};

const JMP_STRING: Record<number, string> = {
  [JumpOp.Ja]: 'jmp',
  [JumpOp.Jeq]: '==',
  [JumpOp.Jgt]: '>',
  [JumpOp.Jlt]: '<',
  [JumpOp.Jge]: '>=',
  [JumpOp.Jle]: '<=',
  [JumpOp.Jset]: '&',
  [JumpOp.Jne]: '!=',
  [JumpOp.Jsgt]: 's>',
  [JumpOp.Jslt]: 's<',
  [JumpOp.Jsge]: 's>=',
  [JumpOp.Jsle]: 's<=',
  [JumpOp.Call]: 'call',
  [JumpOp.Exit]: 'exit',
};

const LDST_STRING: Record<number, string> = { [Size.W]: 'u32', [Size.H]: 'u16', [Size.B]: 'u8', [Size.DW]: 'u64' };
const LDSX_STRING: Record<number, string> = { [Size.W]: 's32', [Size.H]: 's16', [Size.B]: 's8' };
const MOVSX_STRING: Record<number, string> = { 8: '(s8)', 16: '(s16)', 32: '(s32)' };
const ATOMIC_ALU_STRING: Record<number, string> = { [AtomicOp.Add]: 'add', [AtomicOp.And]: 'and', [AtomicOp.Or]: 'or', [AtomicOp.Xor]: 'xor' };

/** Options of {@link disassemble}. */
export interface DisassembleOptions {
  /** Print a `name:` line before each instruction that starts a symbol (default false). */
  symbols?: boolean;
  /** Print a `; text @ file:line` line before instructions with a source location, as the verifier log does with line info (default false). */
  source?: boolean;
}

/**
 * Formats one instruction in verifier-log notation, without the slot index and `(opcode)`
 * prefix: `r1 = 42`, `w1 += w2`, `if r1 == 0x0 goto pc+3`, `call bpf_map_lookup_elem#1`.
 * Encodings the kernel would reject print as `BUG_…` like the kernel does.
 */
export function formatInstruction(ins: Instruction): string {
  return render(ins).text;
}

/**
 * Disassembles a program, one line per instruction, each prefixed by its slot index and opcode
 * as in the verifier log: `0: (b7) r1 = 0`. An ld_imm64 takes two slots, so the index after it
 * skips one. Lines are joined with `\n` (no trailing newline).
 */
export function disassemble(insns: readonly Instruction[], options: DisassembleOptions = {}): string {
  const lines: string[] = [];
  let slot = 0;
  for (const ins of insns) {
    if (options.symbols && ins.symbol !== undefined) lines.push(`${ins.symbol}:`);
    if (options.source && ins.source !== undefined) {
      const { text, file, line } = ins.source;
      const where = file !== undefined ? ` @ ${file}${line !== undefined ? `:${line}` : ''}` : '';
      if (text !== undefined || where) lines.push(`; ${(text ?? '').trim()}${where}`);
    }
    const r = render(ins);
    lines.push(r.bug ? `${slot}: ${r.text}` : `${slot}: (${hex2(ins.opcode)}) ${r.text}`);
    slot += ins.opcode === LD_IMM64 ? 2 : 1;
  }
  return lines.join('\n');
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function signed(n: number): string {
  return n >= 0 ? `+${n}` : `${n}`;
}

function bug(text: string): { text: string; bug: boolean } {
  return { text, bug: true };
}

function ok(text: string): { text: string; bug: boolean } {
  return { text, bug: false };
}

function render(ins: Instruction): { text: string; bug: boolean } {
  const { opcode, dst, src, offset: off, imm } = ins;
  const cls = classOf(opcode);
  switch (cls) {
    case InsnClass.Alu:
    case InsnClass.Alu64: {
      const r = cls === InsnClass.Alu ? 'w' : 'r';
      const op = opOf(opcode);
      if (op === AluOp.End) {
        if (cls === InsnClass.Alu64) return ok(`r${dst} = bswap${imm} r${dst}`);
        return ok(`r${dst} = ${sourceOf(opcode) === Endian.ToBe ? 'be' : 'le'}${imm} r${dst}`);
      }
      if (op === AluOp.Neg) return ok(`${r}${dst} = -${r}${dst}`);
      const movX64 = opcode === (InsnClass.Alu64 | AluOp.Mov | Source.X);
      if (movX64 && off === 1) return ok(`r${dst} = addr_space_cast(r${src}, ${imm >>> 16}, ${imm & 0xffff})`);
      if (movX64 && off === -1) return ok(`r${dst} = &(void __percpu *)(r${src})`);
      let opText = ALU_STRING[op];
      if (opText === undefined) return bug(`BUG_alu_${hex2(opcode)}`);
      if ((op === AluOp.Div || op === AluOp.Mod) && off === 1) opText = `s${opText}`;
      if (sourceOf(opcode) === Source.X) {
        const sx = op === AluOp.Mov ? (MOVSX_STRING[off] ?? '') : '';
        return ok(`${r}${dst} ${opText} ${sx}${r}${src}`);
      }
      return ok(`${r}${dst} ${opText} ${imm}`);
    }
    case InsnClass.Stx: {
      const mode = modeOf(opcode);
      const sz = LDST_STRING[sizeOf(opcode)];
      if (mode === Mode.Mem) return ok(`*(${sz} *)(r${dst} ${signed(off)}) = r${src}`);
      if (mode !== Mode.Atomic) return bug(`BUG_${hex2(opcode)}`);
      const w = sizeOf(opcode) === Size.DW ? '64' : '';
      switch (imm) {
        case AtomicOp.Add:
        case AtomicOp.And:
        case AtomicOp.Or:
        case AtomicOp.Xor:
          return ok(`lock *(${sz} *)(r${dst} ${signed(off)}) ${ALU_STRING[imm]} r${src}`);
        case AtomicOp.FetchAdd:
        case AtomicOp.FetchAnd:
        case AtomicOp.FetchOr:
        case AtomicOp.FetchXor:
          return ok(`r${src} = atomic${w}_fetch_${ATOMIC_ALU_STRING[imm & ~1]}((${sz} *)(r${dst} ${signed(off)}), r${src})`);
        case AtomicOp.CmpXchg:
          return ok(`r0 = atomic${w}_cmpxchg((${sz} *)(r${dst} ${signed(off)}), r0, r${src})`);
        case AtomicOp.Xchg:
          return ok(`r${src} = atomic${w}_xchg((${sz} *)(r${dst} ${signed(off)}), r${src})`);
        case AtomicOp.LoadAcquire:
          return ok(`r${dst} = load_acquire((${sz} *)(r${src} ${signed(off)}))`);
        case AtomicOp.StoreRelease:
          return ok(`store_release((${sz} *)(r${dst} ${signed(off)}), r${src})`);
        default:
          return bug(`BUG_${hex2(opcode)}`);
      }
    }
    case InsnClass.St: {
      const mode = modeOf(opcode);
      if (mode === Mode.Mem) return ok(`*(${LDST_STRING[sizeOf(opcode)]} *)(r${dst} ${signed(off)}) = ${imm}`);
      if (mode === 0xc0) return ok('nospec'); // BPF_NOSPEC, kernel-internal
      return bug(`BUG_st_${hex2(opcode)}`);
    }
    case InsnClass.Ldx: {
      const mode = modeOf(opcode);
      const sz = mode === Mode.Mem ? LDST_STRING[sizeOf(opcode)] : mode === Mode.MemSX ? LDSX_STRING[sizeOf(opcode)] : undefined;
      if (sz === undefined) return bug(`BUG_ldx_${hex2(opcode)}`);
      return ok(`r${dst} = *(${sz} *)(r${src} ${signed(off)})`);
    }
    case InsnClass.Ld: {
      const mode = modeOf(opcode);
      const sz = LDST_STRING[sizeOf(opcode)];
      if (mode === Mode.Abs) return ok(`r0 = *(${sz} *)skb[${imm}]`);
      if (mode === Mode.Ind) return ok(`r0 = *(${sz} *)skb[r${src} + ${imm}]`);
      if (opcode === LD_IMM64) return ok(`r${dst} = ${imm64Text(ins)}`);
      return bug(`BUG_ld_${hex2(opcode)}`);
    }
    default: {
      // JMP and JMP32
      const r = cls === InsnClass.Jmp32 ? 'w' : 'r';
      const op = opOf(opcode);
      if (op === JumpOp.Call) {
        if (src === PseudoCall.Call) return ok(`call pc${signed(imm)}`);
        let name = 'unknown';
        if (src === PseudoCall.Helper) {
          const helper = imm >= 0 ? HelperNames[imm] : undefined;
          if (helper !== undefined) name = `bpf_${helper}`;
        } else if (src === PseudoCall.KfuncCall) {
          name = ins.reference ?? 'kernel-function';
        }
        return ok(`call ${name}#${imm}`);
      }
      if (opcode === (InsnClass.Jmp | JumpOp.Ja)) return ok(`goto pc${signed(off)}`);
      if (opcode === (InsnClass.Jmp | JumpOp.Ja | Source.X)) return ok(`gotox r${dst}`);
      if (opcode === (InsnClass.Jmp | JumpOp.Jcond) && src === 0) return ok(`may_goto pc${signed(off)}`);
      if (opcode === (InsnClass.Jmp32 | JumpOp.Ja)) return ok(`gotol pc${signed(imm)}`);
      if (opcode === (InsnClass.Jmp | JumpOp.Exit)) return ok('exit');
      const opText = JMP_STRING[op];
      if (opText === undefined) return bug(`BUG_jmp_${hex2(opcode)}`);
      if (sourceOf(opcode) === Source.X) return ok(`if ${r}${dst} ${opText} ${r}${src} goto pc${signed(off)}`);
      return ok(`if ${r}${dst} ${opText} 0x${(imm >>> 0).toString(16)} goto pc${signed(off)}`);
    }
  }
}

function imm64Text(ins: Instruction): string {
  const { src, imm, immHi, reference } = ins;
  const valueOffset = immHi >>> 0;
  switch (src) {
    case PseudoLd.MapFd:
      return reference !== undefined ? `map[${reference}]` : `map[fd:${imm}]`;
    case PseudoLd.MapValue:
      return `${reference !== undefined ? `map[${reference}]` : `map[fd:${imm}]`}[0]+${valueOffset}`;
    case PseudoLd.MapIdx:
      return reference !== undefined ? `map[${reference}]` : `map[idx:${imm}]`;
    case PseudoLd.MapIdxValue:
      return `${reference !== undefined ? `map[${reference}]` : `map[idx:${imm}]`}[0]+${valueOffset}`;
    case PseudoLd.BtfId:
      return reference !== undefined ? `ksym[${reference}]` : `btf_id[${imm}]`;
    case PseudoLd.Func:
      return reference !== undefined ? `func[${reference}]` : `subprog[${signed(imm)}]`;
    default: {
      const hi = immHi >>> 0;
      const lo = imm >>> 0;
      if (hi === 0) return `0x${lo.toString(16)}`;
      return `0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')}`;
    }
  }
}
