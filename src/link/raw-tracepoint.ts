/**
 * Raw tracepoints: a `raw_tracepoint` program on a tracepoint by its bare name (`sys_enter`),
 * through BPF_RAW_TRACEPOINT_OPEN. The result is a bpf_link of type BPF_LINK_TYPE_RAW_TRACEPOINT,
 * the same kind a `tp_btf` program gets.
 */
import { Cmd } from '../sys/enums.gen.js';
import { RawTracepointOpenAttr } from '../sys/attrs.js';
import { bpfFd } from '../sys/syscall.js';
import { Errno } from '../sys/errno.js';
import { ProgramType } from '../types.js';
import { FdLink, registerLinkFactory, type Link } from './link.js';
import { LinkType } from './link-type.js';
import { checkProgramType, type ProgramLike } from './program.js';

/** Options of {@link attachRawTracepoint}. */
export interface RawTracepointOptions {
  /** bpf_cookie readable with bpf_get_attach_cookie() (Linux 6.10). */
  cookie?: bigint | number;
}

/** A raw tracepoint link (also used for tp_btf programs). */
export class RawTracepointLink extends FdLink {}

/**
 * Attaches a raw tracepoint program to the kernel tracepoint `name` (e.g. `sys_enter`,
 * `sched_switch`: the name without the group), with BPF_RAW_TRACEPOINT_OPEN.
 *
 * @throws {TypeError} for a program that is not a raw tracepoint program.
 * @throws {KeyNotFoundError} (ENOENT) when the kernel has no such tracepoint.
 */
export function attachRawTracepoint(name: string, prog: ProgramLike, opts: RawTracepointOptions = {}): Link {
  const label = `link raw_tracepoint ${name}`;
  if (typeof name !== 'string' || name === '' || name.includes('\0')) throw new TypeError(`${label}: name must be a non-empty string`);
  checkProgramType(prog, [ProgramType.RawTracePoint, ProgramType.RawTracePointWritable], label);
  const fd = bpfFd(
    Cmd.BPF_RAW_TRACEPOINT_OPEN,
    RawTracepointOpenAttr.encode({ name: Buffer.from(`${name}\0`), prog_fd: prog.fd, cookie: BigInt(opts.cookie ?? 0) }),
    `${label}: open`,
    (e) => (e === Errno.ENOENT ? 'no such tracepoint' : undefined),
  );
  return new RawTracepointLink('raw_tracepoint', fd, label);
}

/**
 * Attaches a `tp_btf` program (loaded with attach type BPF_TRACE_RAW_TP and the target's BTF id)
 * with BPF_RAW_TRACEPOINT_OPEN and no name.
 */
export function attachBtfRawTracepoint(prog: ProgramLike, label: string, cookie?: bigint | number): Link {
  const fd = bpfFd(Cmd.BPF_RAW_TRACEPOINT_OPEN, RawTracepointOpenAttr.encode({ prog_fd: prog.fd, cookie: BigInt(cookie ?? 0) }), `${label}: open`);
  return new RawTracepointLink('raw_tracepoint', fd, label);
}

registerLinkFactory(LinkType.RawTracepoint, (fd, _info, label) => new RawTracepointLink('raw_tracepoint', fd, label));
