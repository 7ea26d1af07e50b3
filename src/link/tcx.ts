/**
 * TCX: a tc (sched_cls) program on the ingress or egress of a network interface through a tcx
 * bpf_link (BPF_LINK_CREATE with BPF_TCX_INGRESS/EGRESS, Linux 6.6). Several programs can be
 * attached; they run in order and the order can be chosen with `before`/`after`.
 */
import { Cmd, AttachTypeId } from '../sys/enums.gen.js';
import { bpfFd } from '../sys/syscall.js';
import { Errno } from '../sys/errno.js';
import { ProgramType } from '../types.js';
import { LinkCreate } from './attrs.js';
import { FdLink, registerLinkFactory, type Link } from './link.js';
import { LinkType } from './link-type.js';
import { ifindexOf } from './netif.js';
import { checkProgramType, type ProgramLike } from './program.js';

/** Options of {@link attachTcx}. */
export interface TcxOptions {
  /** Which side of the interface (required). */
  direction: 'ingress' | 'egress';
  /** Run before this program or link (BPF_F_BEFORE). */
  before?: ProgramLike | Link;
  /** Run after this program or link (BPF_F_AFTER). */
  after?: ProgramLike | Link;
  /** Fail with ESTALE unless the attachment list is at this revision. */
  expectedRevision?: bigint | number;
}

const BPF_F_BEFORE = 1 << 3;
const BPF_F_AFTER = 1 << 4;
const BPF_F_LINK = 1 << 13;

/** A tcx link. */
export class TcxLink extends FdLink {}

function isLink(x: ProgramLike | Link): x is Link {
  return typeof (x as Link).kind === 'string' && typeof (x as Link).isBpfLink === 'boolean';
}

/**
 * Attaches a tc program (`SEC("tcx/ingress")`, `SEC("tc")`: type sched_cls) to an interface's
 * ingress or egress. The program returns TC_ACT_OK (0) to pass a packet, TC_ACT_SHOT (2) to
 * drop it, or TCX_NEXT (-1) to let the next program decide.
 *
 * @example
 * using link = attachTcx('eth0', prog, { direction: 'ingress' });
 * @throws {AttachTargetNotFoundError} when there is no such interface.
 */
export function attachTcx(iface: string | number, prog: ProgramLike, opts: TcxOptions): Link {
  const label = `link tcx ${iface} ${opts?.direction ?? ''}`.trimEnd();
  if (!opts || (opts.direction !== 'ingress' && opts.direction !== 'egress')) throw new TypeError(`${label}: opts.direction must be 'ingress' or 'egress'`);
  if (opts.before && opts.after) throw new TypeError(`${label}: give before or after, not both`);
  checkProgramType(prog, [ProgramType.SchedCls], label);
  const ifindex = ifindexOf(iface, label);
  const anchor = opts.before ?? opts.after;
  let flags = opts.before ? BPF_F_BEFORE : opts.after ? BPF_F_AFTER : 0;
  if (anchor && isLink(anchor)) flags |= BPF_F_LINK;
  const fd = bpfFd(
    Cmd.BPF_LINK_CREATE,
    LinkCreate.encode({
      prog_fd: prog.fd,
      target_fd: ifindex,
      attach_type: opts.direction === 'ingress' ? AttachTypeId.BPF_TCX_INGRESS : AttachTypeId.BPF_TCX_EGRESS,
      flags,
      tcx_relative_fd: anchor ? anchor.fd : 0,
      tcx_expected_revision: BigInt(opts.expectedRevision ?? 0),
    }),
    `${label}: create link`,
    (e) => (e === 116 /* ESTALE */ ? 'the attachment list changed (expectedRevision)' : e === Errno.ENOENT ? 'the before/after anchor is not attached here' : undefined),
  );
  return new TcxLink('tcx', fd, label);
}

registerLinkFactory(LinkType.TCX, (fd, _info, label) => new TcxLink('tcx', fd, label));
