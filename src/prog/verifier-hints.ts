/**
 * A catalog of the verifier's common refusals, each with the fix in a sentence or two.
 *
 * Each entry recognises its refusal from the lines of the verifier log (the reason line the
 * kernel printed last, and the failing instruction before it) and writes a hint, using what is
 * known about the program (its type, the object's license) and, for helpers a program type may
 * not call, what the running kernel allows (probed, see `helper-probe.ts`). The entries are
 * tested one by one against real programs on a real kernel (`testdata/verifier/`).
 */
import { HelperId, type Instruction } from '../asm/index.js';
import { programTypeShortName, ProgramType } from '../types.js';
import { helperAvailability } from './helper-probe.js';

/** What a hint may use about the program beyond its log. */
export interface VerifierContext {
  /** Program type (`enum bpf_prog_type`). */
  readonly programType?: number;
  /** The license the object declares (`license` section); '' when it declares none. */
  readonly license?: string;
  /** The instructions loaded, with their source locations, for failures the log does not place. */
  readonly instructions?: readonly Instruction[];
}

/** A hint for a verifier refusal: which catalog entry matched, and what to do. */
export interface VerifierHint {
  /** The catalog entry's id, e.g. `null-check`. */
  readonly id: string;
  /** The fix, in a sentence or two. */
  readonly text: string;
}

/** What a catalog entry sees. */
interface Facts {
  /** The line naming the problem (the last line before the statistics trailer). */
  readonly reason: string;
  /** The failing instruction (`8: (85) call bpf_loop#181`), when the log printed one. */
  readonly instruction?: string;
  /** The whole log. */
  readonly log: readonly string[];
  readonly ctx: VerifierContext;
}

/** One entry of the catalog. */
export interface HintEntry {
  /** A stable id, e.g. `null-check`. */
  readonly id: string;
  /** What the entry recognises, for the docs. */
  readonly recognises: string;
  /** The hint, or undefined when the entry does not apply. */
  readonly match: (f: Facts) => string | undefined;
}

/** The first log line (searching from the end) that matches `re`. */
function lastMatch(log: readonly string[], re: RegExp): RegExpExecArray | undefined {
  for (let i = log.length - 1; i >= 0; i--) {
    const m = re.exec(log[i]);
    if (m) return m;
  }
  return undefined;
}

/** The helper or kfunc a `call` instruction names: `8: (85) call bpf_loop#181` gives `bpf_loop`. */
function calledName(instruction: string | undefined): string | undefined {
  return instruction ? /\bcall (\w+)#\d+/.exec(instruction)?.[1] : undefined;
}

/** The short name of a program type (`xdp`, `cgroup_skb`), or undefined when unknown. */
function typeShort(t: number | undefined): string | undefined {
  return t === undefined ? undefined : programTypeShortName(t);
}

/** Helpers that take a callback and a context pointer, with the context's argument number. */
const CALLBACK_HELPERS: Readonly<Record<string, number>> = {
  bpf_for_each_map_elem: 3,
  bpf_loop: 3,
  bpf_find_vma: 4,
  bpf_user_ringbuf_drain: 3,
};

/** GPL-compatible license strings the kernel accepts (`license_is_gpl_compatible`). */
const GPL_COMPATIBLE = ['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL'];

/** What a program type's return value means, for the return-range hint. */
const RETURN_MEANING: Readonly<Record<number, string>> = {
  [ProgramType.CgroupSkb]: '1 lets the packet through, 0 drops it (2 and 3 add congestion notification on egress)',
  [ProgramType.CgroupSock]: '1 allows the operation, 0 refuses it',
  [ProgramType.CgroupSockAddr]: '1 allows the operation, 0 refuses it',
  [ProgramType.CgroupSockopt]: '1 lets the kernel handle the option, 0 refuses it with EPERM',
  [ProgramType.CgroupSysctl]: '1 lets the access proceed, 0 refuses it',
  [ProgramType.CgroupDevice]: '1 allows the access, 0 refuses it',
  [ProgramType.SockOps]: '1 for success; the reply goes in skops->reply',
  [ProgramType.LSM]: '0 allows, a negative errno (e.g. -EPERM) refuses',
  [ProgramType.Netfilter]: 'NF_ACCEPT (1) or NF_DROP (0)',
};

/** The catalog, most specific entries first. */
export const HINTS: readonly HintEntry[] = [
  {
    id: 'callback-context',
    recognises: 'a callback helper given a context that is not on the stack (`R3 type=map_value expected=fp`)',
    match: ({ reason, instruction }) => {
      const m = /^R(\d) type=(\w+) expected=fp\b/.exec(reason);
      const helper = calledName(instruction);
      if (!m || !helper || CALLBACK_HELPERS[helper] !== Number(m[1])) return undefined;
      return `the callback context (argument ${m[1]} of ${helper}) must point to the stack: declare the context as a local variable and pass its address (\`struct ctx c = {}; ${helper}(..., &c, 0);\`), not a global, a map value or a pointer argument (here it is a ${m[2]}).`;
    },
  },
  {
    id: 'callback-return',
    recognises: 'a callback returning a value outside [0, 1] (`At callback return the register R0 has ... should have been in [0, 1]`)',
    match: ({ reason }) => {
      if (!/^At callback return the register R0 /.test(reason)) return undefined;
      return 'a bpf_for_each_map_elem/bpf_loop callback returns 0 to continue or 1 to stop: return a constant 0 or 1, and pass results back through the context pointer instead of the return value.';
    },
  },
  {
    id: 'null-check',
    recognises: "a pointer that may be NULL used without a check (`R0 invalid mem access 'map_value_or_null'`)",
    match: ({ reason }) => {
      const m = /^R(\d+) invalid mem access '(\w*_or_null\w*)'/.exec(reason);
      if (!m) return undefined;
      const what = m[2].startsWith('map_value') ? 'bpf_map_lookup_elem() returns NULL when the key is absent' : 'this pointer may be NULL';
      return `check the pointer for NULL before using it: ${what} (\`if (!v) return 0;\`).`;
    },
  },
  {
    id: 'packet-bounds',
    recognises: 'packet data read without a `data_end` check (`invalid access to packet`)',
    match: ({ reason, log }) => {
      if (!/invalid access to packet|offset is outside of the packet/.test(reason) && !lastMatch(log.slice(-4), /invalid access to packet/)) return undefined;
      return 'compare against data_end before touching packet bytes, on every path to the access: `if ((void *)(data + N) > data_end) return XDP_PASS;` where N covers the bytes you read.';
    },
  },
  {
    id: 'uninit-stack',
    recognises: 'a stack slot read before it was written (`invalid read from stack`, `invalid indirect read from stack`)',
    match: ({ reason }) => {
      if (!/^invalid (indirect )?read from stack/.test(reason)) return undefined;
      return 'initialize the variable before reading it or passing it to a helper (`__u64 key = 0;`, or `__builtin_memset(&s, 0, sizeof(s))` for a struct with padding); only CAP_PERFMON may read uninitialized stack.';
    },
  },
  {
    id: 'stack-size',
    recognises: 'more than 512 bytes of stack in one call chain (`combined stack size of N calls is M. Too large`)',
    match: ({ reason }) => {
      if (!/combined stack size of \d+ calls is \d+\. Too large|stack size \d+ exceeds|invalid (write|read) to stack R10 off=-(5[1-9]\d|[6-9]\d\d|\d{4,})/.test(reason)) return undefined;
      return 'a call chain has 512 bytes of stack for all its frames together: move large buffers into a per-CPU array map with one entry (looked up at the start), or mark the functions __always_inline so their frames merge.';
    },
  },
  {
    id: 'too-complex',
    recognises: 'a program too complex to verify (`BPF program is too large. Processed 1000001 insn`, `The sequence of N jumps is too complex`)',
    match: ({ reason }) => {
      if (!/BPF program is too large|jumps is too complex|complexity limit/.test(reason)) return undefined;
      return 'the verifier walks every path and every loop iteration and gives up at 1,000,000 instructions: run long loops with bpf_loop() (Linux 5.17+) or an open-coded iterator (bpf_for, 6.4+), lower the loop bound, or split the work across tail calls.';
    },
  },
  {
    id: 'infinite-loop',
    recognises: 'a loop the verifier cannot prove to end (`infinite loop detected`)',
    match: ({ reason }) => (/^infinite loop detected/.test(reason) ? 'give the loop a bound the verifier can see (a constant, or a variable checked against one), or use bpf_loop().' : undefined),
  },
  {
    id: 'gpl-only',
    recognises: 'a GPL-only helper called from an object without a GPL-compatible license',
    match: ({ reason, ctx }) => {
      if (!/cannot call GPL-restricted function from non-GPL compatible program/.test(reason)) return undefined;
      const declared = ctx.license === undefined ? '' : ctx.license === '' ? 'the object declares no license (no `license` section); ' : `the object declares license ${JSON.stringify(ctx.license)}, which is not GPL-compatible; `;
      return `${declared}GPL-only helpers need a GPL-compatible license: \`char LICENSE[] SEC("license") = "Dual MIT/GPL";\` (the kernel accepts ${GPL_COMPATIBLE.map((l) => JSON.stringify(l)).join(', ')}).`;
    },
  },
  {
    id: 'core-relocation',
    recognises: 'a CO-RE relocation the running kernel cannot satisfy (the poisoned call `unknown#195896080`)',
    match: ({ reason }) => {
      if (!/unknown#195896080/.test(reason)) return undefined;
      return 'a CO-RE relocation of this instruction failed: the field or type it reads does not exist in the running kernel. Guard the access with bpf_core_field_exists() / bpf_core_type_exists(), or add a `struct name___flavor` that matches this kernel.';
    },
  },
  {
    id: 'helper-prog-type',
    recognises: 'a helper this program type may not call (`program of this type cannot use helper`, `unknown func`)',
    match: ({ reason, ctx }) => {
      const m = /(?:program of this type cannot use helper|unknown func) (?:bpf_)?(\w+)#(\d+)/.exec(reason);
      if (!m || m[1] === 'unknown') return undefined;
      const name = `bpf_${m[1]}`;
      const id = (HelperId as Record<string, number>)[m[1]] ?? Number(m[2]);
      const here = typeShort(ctx.programType);
      const avail = helperAvailability(id);
      const where = avail.allowed.length
        ? `on this kernel ${avail.allowed.join(', ')} programs may call it${avail.unprobed.length ? ` (${avail.unprobed.join(', ')} not probed)` : ''}`
        : 'no program type this probe can load may call it on this kernel (it may need a BTF-attached type: fentry/fexit, lsm, struct_ops)';
      return `${name} is not available to ${here ? `${here} programs` : 'this program type'}: ${where}. Use a helper this type has, or move the work to a program of a type that may call it.`;
    },
  },
  {
    id: 'kfunc-prog-type',
    recognises: 'a kfunc this program type may not call (`calling kernel function X is not allowed`)',
    match: ({ reason, ctx }) => {
      const m = /calling kernel function (\w+) is not allowed/.exec(reason);
      if (!m) return undefined;
      const here = typeShort(ctx.programType);
      return `the kernel registers each kfunc for some program types only, and ${m[1]} is not registered for ${here ? `${here} programs` : 'this program type'}: check the kfunc's documentation (docs.kernel.org/bpf/kfuncs.html) for the types that may call it.`;
    },
  },
  {
    id: 'sleepable',
    recognises: 'a helper or kfunc that may sleep, called from a program that may not (`helper call might sleep in a non-sleepable prog`)',
    match: ({ reason }) => {
      if (!/might sleep in a non-sleepable prog|must be sleepable to call sleepable kfunc|sleepable helper .* non-sleepable|is not allowed in non-sleepable/.test(reason)) return undefined;
      return 'this call may sleep, so the program must be sleepable: use a sleepable section (`fentry.s/`, `fexit.s/`, `lsm.s/`, `uprobe.s/`, `iter.s/`, `syscall`), or a non-sleeping alternative (e.g. bpf_probe_read_user() instead of bpf_copy_from_user()).';
    },
  },
  {
    id: 'map-value-bounds',
    recognises: 'a read or write past the end of a map value (`invalid access to map value, value_size=8 off=8 size=8`)',
    match: ({ reason, log }) => {
      const m = /invalid access to map value, value_size=(\d+) off=(-?\d+) size=(\d+)/.exec(reason) ?? lastMatch(log.slice(-4), /invalid access to map value, value_size=(\d+) off=(-?\d+) size=(\d+)/);
      if (!m) return undefined;
      return `the access reads or writes ${m[3]} byte(s) at offset ${m[2]} of a ${m[1]}-byte map value: keep offsets and indexes inside the value (check an index against the array length first), and if the value type changed, rebuild the object and rerun \`tsbpf gen\`.`;
    },
  },
  {
    id: 'unbounded-access',
    recognises: 'an index or offset the verifier cannot bound (`unbounded memory access`, `math between map_value pointer and register with unbounded min value`)',
    match: ({ reason }) => {
      if (!/unbounded memory access|with unbounded min value is not allowed|min value is negative, either use unsigned index|value is outside of the allowed memory range/.test(reason)) return undefined;
      return 'check the index against the array length right before the access, with an unsigned type (`if (i >= sizeof(s->v) / sizeof(s->v[0])) return 0;`): the verifier must know both bounds of the register the access uses.';
    },
  },
  {
    id: 'return-unset',
    recognises: 'an exit reached before R0 is set (`R0 !read_ok`)',
    match: ({ reason }) => {
      if (!/^R0 !read_ok/.test(reason)) return undefined;
      return 'a path reaches `exit` without setting the return value (R0): return a value on every path (a stray inline-asm `exit` or a missing `return` does this).';
    },
  },
  {
    id: 'register-unset',
    recognises: 'a register read before it is set (`R2 !read_ok`)',
    match: ({ reason }) => {
      const m = /^R([1-9]) !read_ok/.exec(reason);
      if (!m) return undefined;
      return `R${m[1]} is read before it is set: helper and function calls clobber R1-R5, so a value needed after a call must live in R6-R9 or on the stack (usually a hand-written assembly mistake).`;
    },
  },
  {
    id: 'return-range',
    recognises: 'a return value outside what the program type allows (`At program exit the register R0 has ... should have been in [a, b]`)',
    match: ({ reason, ctx }) => {
      const m = /^At program exit the register R0 has .* should have been in \[(-?\d+), (-?\d+)\]/.exec(reason);
      if (!m) return undefined;
      const here = typeShort(ctx.programType);
      const meaning = ctx.programType !== undefined ? RETURN_MEANING[ctx.programType] : undefined;
      return `${here ? `a ${here} program` : 'this program type'} must return a value in [${m[1]}, ${m[2]}]${meaning ? `: ${meaning}` : ''}. Return one of those constants on every path.`;
    },
  },
  {
    id: 'reference-leak',
    recognises: 'an acquired reference not released on some path (`Unreleased reference id=N alloc_insn=M`)',
    match: ({ reason, log }) => {
      if (!/Unreleased reference|would lead to reference leak/.test(reason) && !lastMatch(log.slice(-4), /Unreleased reference/)) return undefined;
      return 'something acquired is not released on every path (early returns included): a bpf_ringbuf_reserve() needs bpf_ringbuf_submit() or bpf_ringbuf_discard(), a bpf_sk_lookup_*() needs bpf_sk_release(), an acquiring kfunc needs its release kfunc.';
    },
  },
  {
    id: 'ctx-access',
    recognises: 'a context field this program type may not access (`invalid bpf_context access off=N size=M`)',
    match: ({ reason, ctx }) => {
      const m = /invalid bpf_context access off=(\d+) size=(\d+)/.exec(reason);
      if (!m) return undefined;
      const here = typeShort(ctx.programType);
      return `${here ? `a ${here} program` : 'this program type'} may not access ${m[2]} byte(s) at offset ${m[1]} of its context: check that the section gives the context struct you use (e.g. __sk_buff for socket and tc, xdp_md for XDP), that the field is readable (or writable) for this type, and the access size; tracing programs read kernel memory with BPF_CORE_READ().`;
    },
  },
  {
    id: 'modified-ctx',
    recognises: 'a context pointer dereferenced after arithmetic (`dereference of modified ctx ptr`)',
    match: ({ reason }) => (/dereference of modified ctx ptr/.test(reason) ? 'read context fields directly (`ctx->field`, constant offset), not through a pointer computed from ctx; copy ctx fields into locals first.' : undefined),
  },
  {
    id: 'scalar-deref',
    recognises: "a number dereferenced as a pointer (`R1 invalid mem access 'scalar'`)",
    match: ({ reason }) => {
      if (!/^R\d+ invalid mem access 'scalar'/.test(reason)) return undefined;
      return 'this register holds a number, not a pointer the verifier knows: read kernel memory with bpf_probe_read_kernel() or BPF_CORE_READ(), user memory with bpf_probe_read_user(), and keep pointers in pointer types.';
    },
  },
  {
    id: 'helper-argument',
    recognises: 'a helper argument of the wrong kind (`R2 type=scalar expected=map_ptr`)',
    match: ({ reason, instruction }) => {
      const m = /^R(\d) type=(\w+) expected=(.+)$/.exec(reason);
      if (!m) return undefined;
      const helper = calledName(instruction) ?? 'the helper';
      return `argument ${m[1]} of ${helper} must be ${m[3].replace(/, /g, ' or ')}, but it is a ${m[2]}: pass the kind of pointer the helper's signature asks for.`;
    },
  },
  {
    id: 'unreachable',
    recognises: 'instructions no path reaches (`unreachable insn N`)',
    match: ({ reason }) => (/^unreachable insn \d+/.test(reason) ? 'the program contains code no path reaches: usually an inline-asm `exit` or a call to a noreturn function in the middle of a function; remove it.' : undefined),
  },
];

/** The hint of the first catalog entry that recognises this failure, if any. */
export function hintFor(log: readonly string[], reason: string | undefined, instruction: string | undefined, ctx: VerifierContext = {}): VerifierHint | undefined {
  if (reason === undefined) return undefined;
  const facts: Facts = { reason, instruction, log, ctx };
  for (const e of HINTS) {
    let text: string | undefined;
    try {
      text = e.match(facts);
    } catch {
      text = undefined; // A hint must never hide the error it explains.
    }
    if (text !== undefined) return { id: e.id, text };
  }
  return undefined;
}
