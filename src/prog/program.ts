/**
 * Program: a BPF program loaded into the kernel, owning its fd.
 *
 * `Program.load` resolves the symbolic references of its instructions (maps by name, kfuncs and
 * kernel variables against vmlinux BTF), loads it with BPF_PROG_LOAD, and on failure reloads it
 * with the verifier log to throw a {@link VerifierError}. `test()` runs it once or many times
 * with BPF_PROG_TEST_RUN. The kernel frees the program when no fd, pin or link refers to it.
 */
import {
  PseudoCall,
  PseudoLd,
  encodeInstructions,
  isKfuncCall,
  isKsymLoad,
  isLdImm64,
  withChanges,
  type Instruction,
} from '../asm/index.js';
import { Cmd, AttachTypeId } from '../sys/enums.gen.js';
import { GetIdAttr, ProgInfo, ProgLoadAttr, ProgTestRunAttr } from '../sys/attrs.js';
import { native } from '../sys/native.js';
import { bpf, objInfo } from '../sys/syscall.js';
import { Errno, errnoOf } from '../sys/errno.js';
import { Fd } from '../sys/fd.js';
import { syscallError } from '../sys/errors.js';
import { VerifierError } from './verifier-error.js';
import { checkLogOptions, loadWithLog, type LogOptions } from './log-retry.js';
import { BtfObject } from './btf-object.js';
import { synthesizeFuncInfo } from './func-info.js';
import { applyCoreRelocations } from './core.js';
import { encodeFuncInfo, encodeLineInfo, FUNC_INFO_SIZE, LINE_INFO_SIZE, type FuncInfo, type LineInfo, type ProgramSpec } from '../spec/index.js';
import { ProgramType, programTypeName, programTypeShortName } from '../types.js';
import { describeValue } from '../codec/codec.js';
import { sanitizeName } from '../sys/object-name.js';
import { openPinned, pinFd, unpinPath } from '../sys/pin.js';
import { checkObjectId, checkObjectKind } from '../sys/object-kind.js';
import { attachProgram, type AttachProgramOptions } from '../link/attach.js';
import type { Link } from '../link/link.js';
import { loadKernelSpec, type Spec } from '../btf/index.js';

/**
 * A program described by hand: the same {@link ProgramSpec} a `CollectionSpec` holds.
 * @deprecated Use {@link ProgramSpec}; this alias goes in a later release.
 */
export type ProgramLoadSpec = ProgramSpec;

/** Anything with a map fd: a {@link BpfMap}, or `{ fd }`. */
export type MapFdSource = number | { readonly fd: number };

/** Options of {@link Program.load}. */
export interface ProgramLoadOptions extends LogOptions {
  /** Map fds for `reference`d maps (ld_imm64 map loads), by map name. */
  maps?: Readonly<Record<string, MapFdSource>>;
  /**
   * BTF ids of kfuncs by name; others are looked up in vmlinux BTF. `null` marks a missing
   * `__weak` kfunc: calls to it are poisoned (refused only if reachable), loads of its address give 0.
   */
  kfuncs?: Readonly<Record<string, number | null>>;
  /** BTF ids of kernel variables (`__ksym`) by name; others are looked up in vmlinux BTF. */
  ksyms?: Readonly<Record<string, number>>;
  /** The BTF of `funcInfo`/`lineInfo` (overrides the spec's). */
  btf?: BtfObject | number;
  /** The kernel BTF to resolve kfuncs, ksyms and attach targets in (default: /sys/kernel/btf/vmlinux). */
  kernelBtf?: Spec;
  /** The object's BTF (`CollectionSpec.btf`): needed to apply a ProgramSpec's CO-RE relocations. */
  localBtf?: Spec;
  /** `attach_btf_id` (overrides the one resolved from a ProgramSpec's `attachTo`). */
  attachBtfId?: number;
  /** `attach_prog_fd` for freplace programs. */
  attachProgFd?: number;
}

/** What the kernel reports about a program (BPF_OBJ_GET_INFO_BY_FD). */
export interface ProgramInfo {
  /** Program type number. */
  type: number;
  /** Kernel-wide id. */
  id: number;
  /** The program's tag: a hash of its instructions, 16 hex digits (as bpftool shows it). */
  tag: string;
  /** The name the kernel keeps (at most 15 characters). */
  name: string;
  /** Size of the JITed code in bytes. */
  jitedSize: number;
  /** Size of the verified (translated) instructions in bytes. */
  xlatedSize: number;
  /** Load time in ns since boot. */
  loadTime: bigint;
  /** The uid that loaded it. */
  createdByUid: number;
  /** Ids of the maps it uses. */
  mapIds: number[];
  /** BTF object id, 0 without BTF. */
  btfId: number;
  /** Total run time in ns (counted only while `kernel.bpf_stats_enabled` is 1). */
  runTimeNs: bigint;
  /** Number of runs (counted only while `kernel.bpf_stats_enabled` is 1). */
  runCount: bigint;
  /** Instructions the verifier processed. */
  verifiedInstructions: number;
}

/** Options of {@link Program.test}. */
export interface TestRunOptions {
  /** Run the program this many times (default: once, sent as 0 as raw tracepoint runs require); `durationNs` is then the average. Not for syscall programs. */
  repeat?: number;
  /** The context passed in (`ctx_in`): a `struct __sk_buff`, the argument of a syscall program... */
  ctxIn?: Uint8Array;
  /** Room for the context written back (`ctx_out`), in bytes (default: none, or `ctxIn`'s size). */
  ctxOutSize?: number;
  /** Room for the packet written back, in bytes (default: input size + 256). */
  dataOutSize?: number;
  /** `flags` (BPF_F_TEST_RUN_ON_CPU, BPF_F_TEST_XDP_LIVE_FRAMES). */
  flags?: number;
  /** CPU to run on, with BPF_F_TEST_RUN_ON_CPU. */
  cpu?: number;
}

/** The result of {@link Program.test}. */
export interface TestRunResult {
  /** The program's return value (the low 32 bits of r0, unsigned). */
  retval: number;
  /** Average duration of one run in ns, as the kernel measured it. */
  durationNs: number;
  /** The packet after the run (empty when the program type has none). */
  dataOut: Buffer;
  /** The context after the run, when asked for (`ctxOutSize`), or for syscall programs. */
  ctxOut?: Buffer;
}

/** A reference in a program's instructions could not be resolved before loading. */
export class UnresolvedReferenceError extends Error {
  constructor(
    /** The program's name. */
    readonly programName: string,
    /** What the instruction refers to. */
    readonly kind: 'map' | 'kfunc' | 'ksym' | 'function' | 'attach target',
    /** The name it refers to. */
    readonly reference: string,
    /** Index of the instruction (-1 for the attach target). */
    readonly index: number,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`program ${programName}: ${index >= 0 ? `instruction ${index}: ` : ''}${kind} ${reference}: ${detail}`, options);
  }
}
UnresolvedReferenceError.prototype.name = 'UnresolvedReferenceError';

/** Helper id base of poisoned kfunc calls (libbpf uses the same marker). */
const POISON_KFUNC_BASE = 2002000000;

function fdOf(src: MapFdSource): number {
  return typeof src === 'number' ? src : src.fd;
}

function btfFdOf(b: { readonly fd: number } | number | undefined): number {
  if (b === undefined) return 0;
  return typeof b === 'number' ? b : b.fd;
}

function kernelSpecOf(opts: ProgramLoadOptions, programName: string, what: string, ref: string, index: number): Spec {
  if (opts.kernelBtf) return opts.kernelBtf;
  try {
    return loadKernelSpec();
  } catch (e) {
    throw new UnresolvedReferenceError(programName, what as UnresolvedReferenceError['kind'], ref, index, `needs kernel BTF: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Replaces the symbolic references of `insns` with what the kernel wants: map fds in map loads,
 * BTF ids in kfunc calls and kernel variable loads. Instructions without a reference, and
 * bpf-to-bpf calls and function references (already relative), are left as they are.
 * @throws {UnresolvedReferenceError} for a name that cannot be resolved.
 */
export function resolveReferences(programName: string, insns: readonly Instruction[], opts: ProgramLoadOptions = {}): Instruction[] {
  const out = insns.slice();
  for (let i = 0; i < out.length; i++) {
    const ins = out[i];
    const ref = ins.reference;
    if (ref === undefined) continue;
    if (isLdImm64(ins) && (ins.src === PseudoLd.MapFd || ins.src === PseudoLd.MapValue)) {
      const src = opts.maps?.[ref];
      if (src === undefined || !Object.hasOwn(opts.maps!, ref)) {
        const known = Object.keys(opts.maps ?? {});
        throw new UnresolvedReferenceError(programName, 'map', ref, i, `no fd given for it (maps: ${known.length ? known.join(', ') : 'none'})`);
      }
      const fd = fdOf(src);
      if (!Number.isInteger(fd) || fd < 0) throw new UnresolvedReferenceError(programName, 'map', ref, i, `invalid fd ${String(fd)}`);
      out[i] = withChanges(ins, { imm: fd });
    } else if (isKfuncCall(ins)) {
      const given = opts.kfuncs && Object.hasOwn(opts.kfuncs, ref) ? opts.kfuncs[ref] : undefined;
      if (given === null) {
        // Poisoned like libbpf does for a missing __weak kfunc: a call to an unknown helper, which
        // the verifier rejects only if the call is reachable.
        out[i] = withChanges(ins, { src: PseudoCall.Helper, imm: POISON_KFUNC_BASE + i, offset: 0 });
        continue;
      }
      if (given !== undefined) {
        out[i] = withChanges(ins, { imm: given, offset: 0 });
        continue;
      }
      if (ins.imm !== 0) continue; // the Assembler was given the id
      const spec = kernelSpecOf(opts, programName, 'kfunc', ref, i);
      const fn = spec.anyTypeByName(ref, 'func');
      if (!fn) throw new UnresolvedReferenceError(programName, 'kfunc', ref, i, 'not found in vmlinux BTF (kernel too old, or the function is in a module)');
      out[i] = withChanges(ins, { imm: fn.id, offset: 0 });
    } else if (isKsymLoad(ins)) {
      const given = opts.ksyms && Object.hasOwn(opts.ksyms, ref) ? opts.ksyms[ref] : undefined;
      if (given !== undefined) {
        out[i] = withChanges(ins, { imm: given, immHi: 0 });
        continue;
      }
      // The address of a kfunc (`bpf_ksym_exists(kfunc)`): its BTF id, or 0 when it is missing.
      const fn = opts.kfuncs && Object.hasOwn(opts.kfuncs, ref) ? opts.kfuncs[ref] : undefined;
      if (fn === null) {
        out[i] = withChanges(ins, { src: 0, imm: 0, immHi: 0 });
        continue;
      }
      if (fn !== undefined) {
        out[i] = withChanges(ins, { imm: fn, immHi: 0 });
        continue;
      }
      if (ins.imm !== 0) continue;
      const spec = kernelSpecOf(opts, programName, 'ksym', ref, i);
      // A kernel variable, else a kernel function whose address is taken (the kernel accepts a
      // FUNC's id here since 6.3 and gives a non-null read-only pointer).
      const v = spec.anyTypeByName(ref, 'var') ?? spec.anyTypeByName(ref, 'func');
      if (!v) throw new UnresolvedReferenceError(programName, 'ksym', ref, i, 'not found in vmlinux BTF');
      out[i] = withChanges(ins, { imm: v.id, immHi: 0 });
    }
  }
  return out;
}

/**
 * The vmlinux BTF id of a program's attach target named in its section (`tp_btf/sched_switch`,
 * `fentry/do_unlinkat`, `lsm/file_open`, `iter/bpf_map`), or undefined when the type needs none.
 * @throws {UnresolvedReferenceError} when the kernel has no such target.
 */
export function resolveAttachBtfId(programName: string, type: number, attachType: number | undefined, target: string, kernelBtf?: Spec): number {
  let name: string;
  let kind: 'func' | 'typedef' = 'func';
  switch (attachType) {
    case AttachTypeId.BPF_TRACE_RAW_TP:
      name = `btf_trace_${target}`;
      kind = 'typedef';
      break;
    case AttachTypeId.BPF_LSM_MAC:
    case AttachTypeId.BPF_LSM_CGROUP:
      name = `bpf_lsm_${target}`;
      break;
    case AttachTypeId.BPF_TRACE_ITER:
      name = `bpf_iter_${target}`;
      break;
    default:
      name = target;
  }
  const spec = kernelSpecOf({ kernelBtf }, programName, 'attach target', target, -1);
  const t = spec.anyTypeByName(name, kind);
  if (!t) {
    throw new UnresolvedReferenceError(programName, 'attach target', target, -1, `${kind} ${name} not found in vmlinux BTF (${programTypeName(type)}; targets in modules are not supported)`);
  }
  return t.id;
}

/** A 64-bit view of an attr buffer. */
function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * A BPF program loaded into the kernel. Owns its fd: `close()` (or `using`) releases it; the
 * kernel keeps the program while a pin, link or prog array refers to it.
 *
 * @example
 * using prog = Program.load({ name: 'count', type: ProgramType.SocketFilter, license: 'GPL',
 *   instructions: new Assembler().ldMapFd(R1, 'm').callKfunc('bpf_map_sum_elem_count').exit().build() },
 *   { maps: { m } });
 * prog.test(Buffer.alloc(14)).retval; // the number of elements of m
 */
export class Program implements Disposable {
  /** The program's name (as given, or as the kernel reports it for programs opened by id). */
  readonly name: string;
  /** Program type number (`ProgramType.SocketFilter`, ...). */
  readonly type: number;
  /** `expected_attach_type` it was loaded with (0 when none or unknown). */
  readonly expectedAttachType: number;
  /** The verifier log when loaded with `logLevel` > 0, else empty. */
  readonly verifierLog: readonly string[];
  /** The ELF section it came from (`tracepoint/syscalls/sys_enter_openat`), which {@link Program.attach} reads; undefined for hand-built programs. */
  readonly sectionName: string | undefined;
  #fd: Fd;
  #label: string;

  private constructor(fd: Fd, name: string, type: number, expectedAttachType: number, log: readonly string[], sectionName?: string) {
    this.sectionName = sectionName;
    this.#fd = fd;
    this.name = name;
    this.type = type;
    this.expectedAttachType = expectedAttachType;
    this.verifierLog = log;
    this.#label = `program ${name || `fd ${fd.raw()}`}`;
  }

  /**
   * Loads a program with BPF_PROG_LOAD.
   *
   * References are resolved first ({@link resolveReferences}). A program with subprograms but no
   * BTF (hand-assembled, e.g. a bpf_for_each_map_elem callback) gets minimal synthesized BTF and
   * func_info, which the kernel requires. The first attempt runs without a verifier log; a
   * failure is retried with one (64 KiB, growing on ENOSPC up to 16 MiB) so the error can say
   * what the verifier refused. EAGAIN is retried.
   *
   * @throws {TypeError} / {RangeError} for a spec or option that cannot work, before any syscall.
   * A {@link ProgramSpec} with CO-RE relocations needs `opts.localBtf` (the object's BTF); they
   * are applied against `opts.kernelBtf` (default vmlinux) first.
   *
   * @throws {UnresolvedReferenceError} for a map, kfunc or attach target that cannot be resolved.
   * @throws {VerifierError} when the kernel refuses the program.
   */
  static load(spec: ProgramSpec, opts: ProgramLoadOptions = {}): Program {
    validate(spec, opts);
    const name = spec.name;
    let source = spec.instructions;
    const coreRelos = spec.coreRelos ?? [];
    if (coreRelos.length > 0) {
      if (!opts.localBtf) {
        throw new TypeError(`program ${name}: has ${coreRelos.length} CO-RE relocation(s): pass the object's BTF as localBtf, or load it with loadCollection()`);
      }
      source = applyCoreRelocations(name, source, coreRelos, opts.localBtf, opts.kernelBtf ?? loadKernelSpec());
    }
    const insns = resolveReferences(name, source, opts);
    const expected = spec.expectedAttachType ?? 0;
    let attachBtfId = opts.attachBtfId ?? spec.attachBtfId;
    if (attachBtfId === undefined && spec.attachBtf && spec.attachTo) {
      attachBtfId = resolveAttachBtfId(name, spec.type, spec.expectedAttachType, spec.attachTo, opts.kernelBtf);
    }
    let btf: BtfObject | { readonly fd: number } | number | undefined = opts.btf ?? spec.btf;
    let funcInfo = spec.funcInfo ?? [];
    let lineInfo = spec.lineInfo ?? [];
    let ownBtf: BtfObject | undefined;
    if (btf === undefined) {
      // No BTF to point func_info at: synthesize what a program with subprograms needs.
      funcInfo = [];
      lineInfo = [];
      const synth = synthesizeFuncInfo(insns, name);
      if (synth) {
        ownBtf = BtfObject.load(synth.btf, { name: `${name} (synthesized)` });
        btf = ownBtf;
        funcInfo = synth.funcInfo;
      }
    }
    try {
      const code = encodeInstructions(insns);
      const license = Buffer.from(`${spec.license}\0`);
      const fi = funcInfo.length ? encodeFuncInfo(funcInfo) : null;
      const li = lineInfo.length ? encodeLineInfo(lineInfo) : null;
      const btfFd = btfFdOf(btf);
      const attachProgFd = opts.attachProgFd ?? spec.attachProgFd ?? spec.attachBtfObjFd;
      const out = loadWithLog(
        Cmd.BPF_PROG_LOAD,
        (level, buf) => {
          const attr = ProgLoadAttr.encode({
            prog_type: spec.type,
            insn_cnt: code.length / 8,
            insns: code,
            license,
            log_level: level,
            log_size: buf ? buf.length : 0,
            log_buf: buf,
            kern_version: spec.kernelVersion ?? 0,
            prog_flags: spec.flags ?? 0,
            prog_name: sanitizeName(name),
            expected_attach_type: expected,
            prog_btf_fd: fi || li ? btfFd : 0,
            func_info_rec_size: fi ? FUNC_INFO_SIZE : 0,
            func_info: fi,
            func_info_cnt: fi ? funcInfo.length : 0,
            line_info_rec_size: li ? LINE_INFO_SIZE : 0,
            line_info: li,
            line_info_cnt: li ? lineInfo.length : 0,
            attach_btf_id: attachBtfId ?? 0,
            attach_prog_fd: attachProgFd ?? 0,
          });
          return { ...attr, trueSize: () => ProgLoadAttr.u32(attr.bytes, 'log_true_size') };
        },
        opts,
      );
      if (!out.ok) throw new VerifierError(name, out.errno, out.log, out.truncated, { cause: out.cause, context: { programType: spec.type, license: spec.license, instructions: insns } });
      return new Program(Fd.own(out.fd), name, spec.type, expected, out.log, spec.sectionName);
    } finally {
      // The program holds its own reference to the BTF.
      ownBtf?.close();
    }
  }

  /**
   * Wraps a program fd this process owns (takes ownership), reading name and type from the kernel.
   * @throws {TypeError} when the fd is not a program (a map, link...); the fd is closed then.
   */
  static fromFd(rawFd: number): Program {
    const fd = Fd.own(rawFd);
    try {
      checkObjectKind(rawFd, 'program', `program fd ${rawFd}`, `behind fd ${rawFd}`, 'fromFd');
      const info = readProgInfo(rawFd, `program fd ${rawFd}`);
      return new Program(fd, info.name, info.type, 0, []);
    } catch (e) {
      fd.close();
      throw e;
    }
  }

  /**
   * Opens a program by kernel-wide id (BPF_PROG_GET_FD_BY_ID).
   * @throws {KeyNotFoundError} when no program has that id; {@link RangeError} for an id that is not an integer in [1, 2^32 - 1].
   */
  static fromId(id: number): Program {
    checkObjectId('program', id);
    const raw = bpf(Cmd.BPF_PROG_GET_FD_BY_ID, GetIdAttr.encode({ id }), `program id ${id}: open`, (e) => (e === Errno.ENOENT ? 'no program with this id' : undefined));
    return Program.fromFd(raw);
  }

  /**
   * Opens a program pinned on bpffs (BPF_OBJ_GET).
   * @throws {KeyNotFoundError} when nothing is pinned there; {@link TypeError} when a map or link is pinned there.
   */
  static fromPinned(path: string): Program {
    return Program.fromFd(openPinned(path, `program ${path}`, 'program'));
  }

  /** The raw fd, for attaching; throws {@link ClosedError} after close. */
  get fd(): number {
    return this.#fd.raw(this.#label);
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#fd.closed;
  }

  /** Reads the kernel's info about this program (id, tag, name, map ids, run statistics). */
  info(): ProgramInfo {
    return readProgInfo(this.fd, this.#label);
  }

  /**
   * Runs the program in the kernel with BPF_PROG_TEST_RUN on `dataIn` (a packet for network
   * programs; socket filters and tc need at least 14 bytes, an Ethernet header).
   *
   * Without `dataIn`, packet programs get 14 zero bytes (an empty Ethernet frame) and others
   * none ({@link defaultTestData}).
   *
   * `SEC("syscall")` programs take no packet: pass `ctxIn` (their argument, may be empty); they
   * run once in the calling thread's context, and the context comes back in `ctxOut`.
   * @throws {InvalidArgumentError} (EINVAL) when the program type cannot be test-run with this input; the message says which part was refused when it can tell (data shorter than an Ethernet header, data for a type that takes none).
   */
  test(dataIn?: Uint8Array, opts: TestRunOptions = {}): TestRunResult {
    const fd = this.fd;
    const ctxLabel = `${this.#label}: test`;
    if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) throw new TypeError(`${ctxLabel}: options must be an object`);
    for (const k of Object.keys(opts)) {
      if (!TEST_OPTIONS.includes(k)) throw new TypeError(`${ctxLabel}: unknown option ${JSON.stringify(k)} (known: ${TEST_OPTIONS.join(', ')})`);
    }
    if (dataIn !== undefined && !(dataIn instanceof Uint8Array)) throw new TypeError(`${ctxLabel}: dataIn must be a Uint8Array, got ${describeValue(dataIn)}`);
    dataIn ??= defaultTestData(this.type);
    if (dataIn.length > MAX_TEST_BYTES) throw new RangeError(`${ctxLabel}: dataIn is ${dataIn.length} bytes, more than ${MAX_TEST_BYTES}`);
    // Without `repeat` the attr says 0, which the kernel runs once; raw tracepoint test runs
    // (used to run a program on a chosen CPU) even require 0.
    const repeat = opts.repeat === undefined ? 0 : checkTestInt(ctxLabel, 'repeat', opts.repeat, 1, 0xffffffff);
    const ctxIn = opts.ctxIn;
    if (ctxIn !== undefined && !(ctxIn instanceof Uint8Array)) throw new TypeError(`${ctxLabel}: ctxIn must be a Uint8Array, got ${describeValue(ctxIn)}`);
    if (ctxIn && ctxIn.length > MAX_TEST_BYTES) throw new RangeError(`${ctxLabel}: ctxIn is ${ctxIn.length} bytes, more than ${MAX_TEST_BYTES}`);
    const flags = opts.flags === undefined ? 0 : checkTestInt(ctxLabel, 'flags', opts.flags, 0, 0xffffffff);
    const cpu = opts.cpu === undefined ? 0 : checkTestInt(ctxLabel, 'cpu', opts.cpu, 0, 0xffffffff);
    const syscallProg = this.type === ProgramType.Syscall;
    if (syscallProg && (dataIn.length > 0 || repeat > 1)) {
      throw new TypeError(`${ctxLabel}: syscall programs take no data and run once; pass their argument as ctxIn`);
    }
    const dataOutSize = opts.dataOutSize === undefined ? (dataIn.length > 0 ? dataIn.length + 256 : 0) : checkTestInt(ctxLabel, 'dataOutSize', opts.dataOutSize, 0, MAX_TEST_BYTES);
    const ctxOutSize = opts.ctxOutSize === undefined ? 0 : checkTestInt(ctxLabel, 'ctxOutSize', opts.ctxOutSize, 0, MAX_TEST_BYTES);
    if (syscallProg && ctxOutSize > 0) throw new TypeError(`${ctxLabel}: syscall programs write their context back into ctxIn's copy: ctxOutSize does not apply`);
    // Syscall programs write their context back into ctx_in: run them on a copy.
    const ctx = ctxIn && ctxIn.length > 0 ? (syscallProg ? Buffer.from(ctxIn) : ctxIn) : null;
    const dataOut = dataOutSize > 0 && !syscallProg ? new Uint8Array(dataOutSize) : null;
    const ctxOut = ctxOutSize > 0 ? new Uint8Array(ctxOutSize) : null;
    // Every size below is the length of the buffer whose address goes with it.
    const attr = ProgTestRunAttr.encode({
      prog_fd: fd,
      data_size_in: syscallProg ? 0 : dataIn.length,
      data_in: !syscallProg && dataIn.length > 0 ? dataIn : null,
      data_size_out: dataOut ? dataOut.length : 0,
      data_out: dataOut,
      repeat: syscallProg ? 0 : repeat,
      ctx_size_in: ctx ? ctx.length : 0,
      ctx_in: ctx,
      ctx_size_out: ctxOut ? ctxOut.length : 0,
      ctx_out: ctxOut,
      flags,
      cpu,
    });
    for (let tries = 0; ; tries++) {
      try {
        native().bpf(Cmd.BPF_PROG_TEST_RUN, attr.bytes, attr.ptrs);
        break;
      } catch (e) {
        const errno = errnoOf(e);
        if (!errno) throw e;
        // A signal interrupted a long run: the kernel restarts nothing, so run again.
        if (errno === Errno.EINTR && tries < 3) continue;
        const detail =
          errno === Errno.ENOSPC
            ? `output larger than dataOutSize ${dataOutSize} (needs ${ProgTestRunAttr.u32(attr.bytes, 'data_size_out')})`
            : errno === Errno.EINVAL
              ? testRunEinvalDetail(this.type, dataIn.length, ctx ? ctx.length : 0, opts.flags ?? 0)
              : errno === Errno.ENOTSUPP || errno === Errno.EOPNOTSUPP
                ? `${programTypeName(this.type)} programs cannot be test-run`
                : undefined;
        throw syscallError('bpf', 'BPF_PROG_TEST_RUN', errno, `${this.#label}: test run`, detail, e);
      }
    }
    const d = view(attr.bytes);
    const outLen = dataOut ? Math.min(ProgTestRunAttr.u32(attr.bytes, 'data_size_out'), dataOut.length) : 0;
    const ctxLen = ctxOut ? Math.min(ProgTestRunAttr.u32(attr.bytes, 'ctx_size_out'), ctxOut.length) : 0;
    const result: TestRunResult = {
      retval: d.getUint32(ProgTestRunAttr.fields.retval.offset, true),
      durationNs: d.getUint32(ProgTestRunAttr.fields.duration.offset, true),
      dataOut: dataOut ? Buffer.from(dataOut.subarray(0, outLen)) : Buffer.alloc(0),
    };
    if (ctxOut) result.ctxOut = Buffer.from(ctxOut.subarray(0, ctxLen));
    else if (syscallProg) result.ctxOut = ctx ? Buffer.from(ctx) : Buffer.alloc(0);
    return result;
  }

  /**
   * Attaches the program where its section name says (`tracepoint/<group>/<name>`, `raw_tp/<name>`,
   * `fentry/<fn>`, `uprobe/<binary>:<symbol>`, `xdp` with `opts.iface`, ...). The returned link
   * detaches on `close()`; see `tsbpf/link` for the explicit attach functions.
   */
  attach(opts: AttachProgramOptions = {}): Link {
    this.#fd.raw(this.#label); // ClosedError after close
    return attachProgram(this, opts);
  }

  /** Pins the program at a bpffs path (BPF_OBJ_PIN), mounting /sys/fs/bpf if needed. */
  pin(path: string): void {
    pinFd(this.fd, path, this.#label);
  }

  /** Removes a pin (the program lives on while fds or links refer to it). */
  unpin(path: string): void {
    unpinPath(path, this.#label);
  }

  /** Closes the fd; later calls do nothing, and operations throw {@link ClosedError}. */
  close(): void {
    this.#fd.close();
  }

  /** Same as {@link Program.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** A short description: `program count (socket_filter)`. */
  toString(): string {
    return `${this.#label} (${programTypeShortName(this.type)})`;
  }
}

/** The option names {@link Program.test} knows. */
const TEST_OPTIONS = ['repeat', 'ctxIn', 'ctxOutSize', 'dataOutSize', 'flags', 'cpu'];

/** The largest packet or context {@link Program.test} passes or makes room for (16 MiB; the kernel takes far less). */
export const MAX_TEST_BYTES = 16 << 20;

function checkTestInt(context: string, name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number') throw new TypeError(`${context}: ${name} must be an integer in [${min}, ${max}], got ${describeValue(v)}`);
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${context}: ${name} must be an integer in [${min}, ${max}], got ${v}`);
  return v;
}

/** Program types whose test run takes no packet. */
const NO_PACKET_TYPES = new Set<number>([
  ProgramType.Syscall,
  ProgramType.Tracing,
  ProgramType.RawTracePoint,
  ProgramType.RawTracePointWritable,
  ProgramType.StructOps,
  ProgramType.LSM,
  ProgramType.Kprobe,
  ProgramType.TracePoint,
  ProgramType.PerfEvent,
]);

/** Program types whose test run takes a packet of at least an Ethernet header (ETH_HLEN, 14 bytes). */
const ETHERNET_TYPES = new Set<number>([
  ProgramType.SocketFilter,
  ProgramType.SchedCls,
  ProgramType.SchedAct,
  ProgramType.XDP,
  ProgramType.CgroupSkb,
  ProgramType.LwtIn,
  ProgramType.LwtOut,
  ProgramType.LwtXmit,
  ProgramType.LwtSeg6Local,
  ProgramType.FlowDissector,
]);

/**
 * Explains an EINVAL from BPF_PROG_TEST_RUN by what was sent: a packet shorter than an Ethernet
 * header or data given to a type that takes none when that is so, else what the kernel refused.
 */
export function testRunEinvalDetail(type: number, dataLength: number, ctxLength: number, flags: number): string {
  const name = programTypeName(type);
  if (ETHERNET_TYPES.has(type) && dataLength < 14) return `invalid argument: data is ${dataLength} bytes, and ${name} test runs need at least 14 (an Ethernet header)`;
  if (NO_PACKET_TYPES.has(type) && dataLength > 0) return `invalid argument: ${name} test runs take no data (${dataLength} bytes given)${type === ProgramType.Syscall ? '; pass the argument as ctxIn' : ''}`;
  return `invalid argument: the kernel refused this ${name} test run (data ${dataLength} B, ctx ${ctxLength} B, flags 0x${flags.toString(16)}; packet data longer than a page minus headroom, a context of the wrong size or layout, or flags this type does not take)`;
}

/** The input {@link Program.test} uses when given none: 14 zero bytes (ETH_HLEN) for packet programs, else nothing. */
export function defaultTestData(type: number): Uint8Array {
  return NO_PACKET_TYPES.has(type) ? new Uint8Array(0) : new Uint8Array(14);
}

/** Reads `struct bpf_prog_info` for a program fd, including its map ids. */
function readProgInfo(fd: number, context: string): ProgramInfo {
  const read = (mapIds: Uint32Array | null): Uint8Array =>
    objInfo(fd, ProgInfo.encode(mapIds ? { nr_map_ids: mapIds.length, map_ids: new Uint8Array(mapIds.buffer, mapIds.byteOffset, mapIds.byteLength) } : {}), context);
  let info = read(null);
  const n = ProgInfo.u32(info, 'nr_map_ids');
  let mapIds: number[] = [];
  if (n > 0) {
    const ids = new Uint32Array(n);
    info = read(ids);
    mapIds = [...ids.subarray(0, Math.min(n, ProgInfo.u32(info, 'nr_map_ids')))];
  }
  const tagOff = ProgInfo.fields.tag.offset;
  return {
    type: ProgInfo.u32(info, 'type'),
    id: ProgInfo.u32(info, 'id'),
    tag: Buffer.from(info.subarray(tagOff, tagOff + 8)).toString('hex'),
    name: ProgInfo.string(info, 'name'),
    jitedSize: ProgInfo.u32(info, 'jited_prog_len'),
    xlatedSize: ProgInfo.u32(info, 'xlated_prog_len'),
    loadTime: ProgInfo.u64(info, 'load_time'),
    createdByUid: ProgInfo.u32(info, 'created_by_uid'),
    mapIds,
    btfId: ProgInfo.u32(info, 'btf_id'),
    runTimeNs: ProgInfo.u64(info, 'run_time_ns'),
    runCount: ProgInfo.u64(info, 'run_cnt'),
    verifiedInstructions: ProgInfo.u32(info, 'verified_insns'),
  };
}

/** Checks a spec and options before any syscall. */
function validate(spec: ProgramSpec, opts: ProgramLoadOptions): void {
  if (!spec || typeof spec !== 'object') throw new TypeError('program: spec must be an object');
  const label = `program ${typeof spec.name === 'string' ? spec.name : '?'}`;
  if (typeof spec.name !== 'string') throw new TypeError(`${label}: name must be a string`);
  if (!Number.isInteger(spec.type) || spec.type < 0) throw new TypeError(`${label}: type must be a program type number (ProgramType.*), got ${String(spec.type)}`);
  if (!Array.isArray(spec.instructions) || spec.instructions.length === 0) throw new TypeError(`${label}: instructions must be a non-empty array`);
  if (typeof spec.license !== 'string') throw new TypeError(`${label}: license must be a string (e.g. 'GPL')`);
  if (spec.flags !== undefined && (!Number.isInteger(spec.flags) || spec.flags < 0)) throw new TypeError(`${label}: flags must be a non-negative integer`);
  if (!opts || typeof opts !== 'object') throw new TypeError(`${label}: options must be an object`);
  for (const k of Object.keys(opts)) {
    if (!KNOWN_OPTIONS.has(k)) throw new TypeError(`${label}: unknown option ${k} (known: ${[...KNOWN_OPTIONS].join(', ')})`);
  }
  checkLogOptions(opts, label);
}

const KNOWN_OPTIONS = new Set(['logLevel', 'logSize', 'maxLogSize', 'maps', 'kfuncs', 'ksyms', 'btf', 'kernelBtf', 'localBtf', 'attachBtfId', 'attachProgFd']);
