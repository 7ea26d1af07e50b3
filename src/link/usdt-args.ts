/**
 * USDT argument descriptions: the x86-64 operand strings `<sys/sdt.h>` records for each probe
 * argument (`-4@%edi`, `8@-8(%rbp)`, `-4@$-9`), parsed into where the value lives, and the
 * offsets of the named registers in the kernel's `struct pt_regs`, read from its BTF.
 *
 * The forms are those libbpf's USDT support understands: a constant, a register, or memory at a
 * register plus a displacement. Others (`sym(%rip)`, `(%rax,%rdx,8)` with an index register) are
 * refused with a {@link UsdtArgError} naming the argument.
 */
import { findMember, loadKernelSpec, type Spec } from '../btf/index.js';

/** Where one USDT argument lives at the probe. */
export type UsdtArgLocation =
  | {
      /** A constant known at compile time (`$-9`). */
      kind: 'const';
      /** The constant, as written. */
      value: bigint;
    }
  | {
      /** The value of a register (`%edi`). */
      kind: 'reg';
      /** The register as written, without `%` (`edi`). */
      register: string;
      /** Its field in `struct pt_regs` (`di`). */
      field: string;
    }
  | {
      /** Memory at a register plus a displacement (`-8(%rbp)`). */
      kind: 'deref';
      /** The base register as written (`rbp`). */
      register: string;
      /** Its field in `struct pt_regs` (`bp`). */
      field: string;
      /** The displacement in bytes (`-8`). */
      offset: bigint;
    };

/** One parsed USDT argument: its size, signedness and location. */
export type UsdtArg = UsdtArgLocation & {
  /** Size in bytes: 1, 2, 4 or 8. */
  size: 1 | 2 | 4 | 8;
  /** Whether the value is signed (a negative size in the description). */
  signed: boolean;
  /** The description it came from, e.g. `-4@%edi`. */
  text: string;
};

/** A USDT argument description this module cannot use. */
export class UsdtArgError extends Error {
  constructor(
    /** The whole argument string of the probe. */
    readonly args: string,
    /** The argument's index (0-based), -1 when the string as a whole is wrong. */
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}
UsdtArgError.prototype.name = 'UsdtArgError';

/** The x86-64 register names `<sys/sdt.h>` may write, by `struct pt_regs` field (as libbpf's table). */
const X86_64_REGISTERS: Readonly<Record<string, readonly string[]>> = {
  ip: ['rip', 'eip'],
  ax: ['rax', 'eax', 'ax', 'al'],
  bx: ['rbx', 'ebx', 'bx', 'bl'],
  cx: ['rcx', 'ecx', 'cx', 'cl'],
  dx: ['rdx', 'edx', 'dx', 'dl'],
  si: ['rsi', 'esi', 'si', 'sil'],
  di: ['rdi', 'edi', 'di', 'dil'],
  bp: ['rbp', 'ebp', 'bp', 'bpl'],
  sp: ['rsp', 'esp', 'sp', 'spl'],
  ...Object.fromEntries([8, 9, 10, 11, 12, 13, 14, 15].map((n) => [`r${n}`, [`r${n}`, `r${n}d`, `r${n}w`, `r${n}b`]])),
};

const FIELD_OF = new Map<string, string>(Object.entries(X86_64_REGISTERS).flatMap(([field, names]) => names.map((n) => [n, field] as [string, string])));

/** The `struct pt_regs` fields USDT arguments can name on x86-64. */
export const USDT_PT_REGS_FIELDS: readonly string[] = Object.keys(X86_64_REGISTERS);

/** The `struct pt_regs` field of an x86-64 register name (`edi` → `di`), or undefined. */
export function ptRegsField(register: string): string | undefined {
  return FIELD_OF.get(register);
}

const INT = /^[+-]?(0x[0-9a-fA-F]+|\d+)$/;

function parseInt64(s: string): bigint | undefined {
  if (!INT.test(s)) return undefined;
  const neg = s.startsWith('-');
  const v = BigInt(s.replace(/^[+-]/, ''));
  const r = neg ? -v : v;
  return r < -(1n << 63n) || r >= 1n << 64n ? undefined : r;
}

/**
 * Parses a probe's argument description (x86-64 syntax), e.g. `-4@%edi 8@-8(%rbp) -4@$-9`.
 * An empty string gives no arguments.
 *
 * @throws {UsdtArgError} naming the argument for a form that is not a constant, a register or
 *   register plus displacement, an unknown register, or a size other than ±1, ±2, ±4, ±8.
 */
export function parseUsdtArgs(args: string): UsdtArg[] {
  const parts = args.trim() === '' ? [] : args.trim().split(/\s+/);
  if (parts.length > USDT_MAX_ARGS) throw new UsdtArgError(args, -1, `usdt arguments ${JSON.stringify(args)}: ${parts.length} arguments, more than the ${USDT_MAX_ARGS} usdt.bpf.h reads`);
  return parts.map((text, index) => parseOne(args, text, index));
}

/** The most arguments `usdt.bpf.h` reads (BPF_USDT_MAX_ARG_CNT). */
export const USDT_MAX_ARGS = 12;

function parseOne(all: string, text: string, index: number): UsdtArg {
  const fail = (why: string): never => {
    throw new UsdtArgError(all, index, `usdt argument ${index} ${JSON.stringify(text)}: ${why}`);
  };
  const at = text.indexOf('@');
  if (at <= 0) fail('expected <size>@<operand>');
  const sizeText = text.slice(0, at);
  const size = Number(sizeText);
  if (!/^-?[1248]$/.test(sizeText)) fail(`size ${sizeText} is not ±1, ±2, ±4 or ±8`);
  const base = { size: Math.abs(size) as 1 | 2 | 4 | 8, signed: size < 0, text };
  const op = text.slice(at + 1);
  const register = (name: string): { register: string; field: string } => {
    const field = FIELD_OF.get(name);
    if (field === undefined) fail(`unknown or unsupported register %${name}`);
    return { register: name, field: field! };
  };
  if (op.startsWith('$')) {
    const value = parseInt64(op.slice(1));
    if (value === undefined) fail(`constant ${op.slice(1)} is not an integer`);
    return { ...base, kind: 'const', value: value! };
  }
  if (op.startsWith('%')) return { ...base, kind: 'reg', ...register(op.slice(1)) };
  const m = /^([^()]*)\(%([a-z0-9]+)\)$/.exec(op);
  if (!m) {
    if (/\(.*,.*\)/.test(op)) fail('memory operands with an index register are not supported');
    fail('expected $<constant>, %<register> or <offset>(%<register>)');
  }
  const disp = m![1] === '' ? 0n : parseInt64(m![1]);
  if (disp === undefined) fail(`displacement ${m![1]} is not an integer (symbolic operands such as sym(%rip) are not supported)`);
  return { ...base, kind: 'deref', offset: disp!, ...register(m![2]) };
}

const offsetsCache = new WeakMap<Spec, ReadonlyMap<string, number>>();

/**
 * The byte offsets in the running kernel's `struct pt_regs` of the registers USDT arguments can
 * name (`di` → 112 on x86-64), read from kernel BTF.
 *
 * @param kernelBtf the kernel BTF to read (default: /sys/kernel/btf/vmlinux)
 * @throws {Error} when the BTF has no `struct pt_regs` or lacks one of the x86-64 fields (another architecture).
 */
export function ptRegsOffsets(kernelBtf: Spec = loadKernelSpec()): ReadonlyMap<string, number> {
  const cached = offsetsCache.get(kernelBtf);
  if (cached) return cached;
  const regs = kernelBtf.anyTypeByName('pt_regs', 'struct');
  if (!regs) throw new Error('usdt: kernel BTF has no struct pt_regs');
  const out = new Map<string, number>();
  for (const field of USDT_PT_REGS_FIELDS) {
    const m = findMember(kernelBtf, regs.id, field);
    if (!m) throw new Error(`usdt: struct pt_regs has no field ${field}: USDT arguments are supported on x86-64 only`);
    out.set(field, m.byteOffset);
  }
  offsetsCache.set(kernelBtf, out);
  return out;
}
