/**
 * XDP: an xdp program on a network interface through an XDP bpf_link (BPF_LINK_CREATE with
 * BPF_XDP, Linux 5.9). The link keeps the program attached until closed; a second XDP link on
 * the same interface fails with EBUSY.
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

/** Where XDP runs: `skb` (generic, any driver), `driver` (native), `hw` (offloaded); default: native when the driver has it, else generic. */
export type XdpMode = 'skb' | 'driver' | 'hw';

/** Options of {@link attachXdp}. */
export interface XdpOptions {
  /** XDP mode (XDP_FLAGS_SKB_MODE, XDP_FLAGS_DRV_MODE, XDP_FLAGS_HW_MODE); default: let the kernel choose. */
  mode?: XdpMode;
}

const MODE_FLAGS: Record<XdpMode, number> = { skb: 1 << 1, driver: 1 << 2, hw: 1 << 3 };

/** An XDP link. */
export class XdpLink extends FdLink {}

/**
 * Attaches an XDP program to a network interface, by name (`eth0`) or ifindex.
 *
 * @example
 * using link = attachXdp('eth0', prog, { mode: 'skb' });
 * @throws {AttachTargetNotFoundError} when there is no such interface.
 * @throws {SyscallError} EBUSY when another XDP program is attached (by link, or by netlink in another mode); EOPNOTSUPP for a mode the driver lacks.
 */
export function attachXdp(iface: string | number, prog: ProgramLike, opts: XdpOptions = {}): Link {
  const label = `link xdp ${iface}`;
  checkProgramType(prog, [ProgramType.XDP], label);
  if (opts.mode !== undefined && !(opts.mode in MODE_FLAGS)) throw new TypeError(`${label}: mode must be 'skb', 'driver' or 'hw', got ${JSON.stringify(opts.mode)}`);
  const ifindex = ifindexOf(iface, label);
  const fd = bpfFd(
    Cmd.BPF_LINK_CREATE,
    LinkCreate.encode({ prog_fd: prog.fd, target_fd: ifindex, attach_type: AttachTypeId.BPF_XDP, flags: opts.mode ? MODE_FLAGS[opts.mode] : 0 }),
    `${label}: create link`,
    (e) =>
      e === Errno.EBUSY
        ? 'an XDP program is already attached to this interface (by another link, or by netlink in another mode)'
        : e === Errno.EOPNOTSUPP
          ? `the driver does not support XDP${opts.mode ? ` in ${opts.mode} mode` : ''}`
          : undefined,
  );
  return new XdpLink('xdp', fd, label);
}

registerLinkFactory(LinkType.XDP, (fd, _info, label) => new XdpLink('xdp', fd, label));
