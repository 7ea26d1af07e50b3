/**
 * Tracing links: fentry, fexit, fmod_ret, lsm and tp_btf programs. The attach target (a kernel
 * function, LSM hook or BTF tracepoint) was fixed when the program was loaded, by its
 * `attach_btf_id` (see {@link resolveAttachTarget}); attaching only names the attach type.
 */
import { Cmd, AttachTypeId } from '../sys/enums.gen.js';
import { RawTracepointOpenAttr } from '../sys/attrs.js';
import { bpfFd } from '../sys/syscall.js';
import { Errno } from '../sys/errno.js';
import { InvalidArgumentError } from '../sys/errors.js';
import { ProgramType } from '../types.js';
import { LinkCreate } from './attrs.js';
import { FdLink, registerLinkFactory, type Link } from './link.js';
import { LinkType } from './link-type.js';
import { RawTracepointLink } from './raw-tracepoint.js';
import { checkProgramType, programLabel, shortAttachTypeName, type ProgramLike } from './program.js';

/** Options of {@link attachTracing}. */
export interface TracingOptions {
  /** The attach type, when the program object does not say (`AttachType.TRACE_FENTRY`…); default: the program's expected attach type. */
  attachType?: number;
  /** bpf_cookie readable with bpf_get_attach_cookie() (Linux 5.19). */
  cookie?: bigint | number;
}

/** A tracing link (fentry, fexit, fmod_ret, lsm). */
export class TracingLink extends FdLink {}

const TRACING_ATTACH = new Set<number>([
  AttachTypeId.BPF_TRACE_FENTRY,
  AttachTypeId.BPF_TRACE_FEXIT,
  AttachTypeId.BPF_MODIFY_RETURN,
  AttachTypeId.BPF_TRACE_RAW_TP,
  AttachTypeId.BPF_LSM_MAC,
]);

/**
 * Attaches an fentry, fexit, fmod_ret, lsm or tp_btf program to the target it was loaded for,
 * with BPF_LINK_CREATE (BPF_RAW_TRACEPOINT_OPEN on kernels without tracing links).
 *
 * @example
 * const prog = Program.load({ ...spec, expectedAttachType: AttachType.TRACE_FENTRY,
 *   attachBtfId: resolveAttachTarget(ProgramType.Tracing, AttachType.TRACE_FENTRY, 'do_unlinkat').btfId });
 * using link = attachTracing(prog);
 * @throws {TypeError} for a program that is not a tracing or LSM program, or without an attach type.
 * @throws {SyscallError} when the kernel refuses (EINVAL: loaded without attach_btf_id?).
 */
export function attachTracing(prog: ProgramLike, opts: TracingOptions = {}): Link {
  const attachType = opts.attachType ?? (prog.expectedAttachType || undefined);
  const label = `link ${attachType === undefined ? 'tracing' : shortAttachTypeName(attachType)} ${prog.name ?? ''}`.trimEnd();
  checkProgramType(prog, [ProgramType.Tracing, ProgramType.LSM], label);
  if (attachType === undefined) throw new TypeError(`${label}: ${programLabel(prog)} has no expected attach type: pass opts.attachType (AttachType.TRACE_FENTRY, ...)`);
  if (!TRACING_ATTACH.has(attachType)) {
    throw new TypeError(`${label}: attach type ${shortAttachTypeName(attachType)} is not fentry, fexit, fmod_ret, lsm or tp_btf (iterators: attachIter)`);
  }
  const cookie = BigInt(opts.cookie ?? 0);
  const kind = attachType === AttachTypeId.BPF_TRACE_RAW_TP ? 'raw_tracepoint' : 'tracing';
  const hint = (e: number): string | undefined =>
    e === Errno.EINVAL ? `the kernel refused ${programLabel(prog)} (loaded with attach_btf_id for this attach type?)` : undefined;
  try {
    const fd = bpfFd(
      Cmd.BPF_LINK_CREATE,
      LinkCreate.encode({ prog_fd: prog.fd, attach_type: attachType, tracing_cookie: cookie }),
      `${label}: create link`,
      hint,
    );
    return kind === 'raw_tracepoint' ? new RawTracepointLink(kind, fd, label) : new TracingLink(kind, fd, label);
  } catch (e) {
    // Kernels before 5.x attach tracing programs only through BPF_RAW_TRACEPOINT_OPEN.
    if (!(e instanceof InvalidArgumentError) || cookie !== 0n) throw e;
    let fd;
    try {
      fd = bpfFd(Cmd.BPF_RAW_TRACEPOINT_OPEN, RawTracepointOpenAttr.encode({ prog_fd: prog.fd }), `${label}: open`);
    } catch {
      throw e;
    }
    return kind === 'raw_tracepoint' ? new RawTracepointLink(kind, fd, label) : new TracingLink(kind, fd, label);
  }
}

/**
 * Attaches a BPF LSM program (`SEC("lsm/<hook>")`, loaded with attach type BPF_LSM_MAC) to its
 * hook. Needs `bpf` in the kernel's active LSMs (`lsm=` boot parameter).
 */
export function attachLsm(prog: ProgramLike, opts: Omit<TracingOptions, 'attachType'> = {}): Link {
  checkProgramType(prog, [ProgramType.LSM], `link lsm ${prog?.name ?? ''}`.trimEnd());
  return attachTracing(prog, { ...opts, attachType: AttachTypeId.BPF_LSM_MAC });
}

registerLinkFactory(LinkType.Tracing, (fd, _info, label) => new TracingLink('tracing', fd, label));
