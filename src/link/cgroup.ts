/**
 * Cgroups: a cgroup program (cgroup_skb, cgroup/sock, cgroup/connect4, sockops, sysctl…) on a
 * cgroup v2 directory through a cgroup bpf_link (BPF_LINK_CREATE, Linux 5.7). Programs attached
 * by links run together with others on the same hook (like BPF_F_ALLOW_MULTI).
 */
import { closeSync, constants, openSync } from 'node:fs';
import { Cmd } from '../sys/enums.gen.js';
import { bpfFd } from '../sys/syscall.js';
import { Errno } from '../sys/errno.js';
import { LinkCreate } from './attrs.js';
import { AttachTargetNotFoundError } from './errors.js';
import { FdLink, registerLinkFactory, type Link } from './link.js';
import { LinkType } from './link-type.js';
import { programLabel, shortAttachTypeName, type ProgramLike } from './program.js';

/** A cgroup link. */
export class CgroupLink extends FdLink {}

/**
 * Attaches a cgroup program to the cgroup v2 directory `cgroupPath` (or an open fd of it) at
 * `attachType` (default: the program's expected attach type), e.g.
 * `attachCgroup('/sys/fs/cgroup/my.slice', prog, AttachType.CGROUP_INET_EGRESS)`.
 * The program runs for every process in the cgroup and its descendants.
 *
 * @throws {AttachTargetNotFoundError} when the directory cannot be opened.
 * @throws {SyscallError} EINVAL when the program does not fit the attach type, EBADF when the path is not a cgroup v2 directory.
 */
export function attachCgroup(cgroupPath: string | number, prog: ProgramLike, attachType?: number): Link {
  const at = attachType ?? prog.expectedAttachType;
  const label = `link cgroup ${cgroupPath}${at !== undefined ? ` ${shortAttachTypeName(at)}` : ''}`;
  if (!prog || typeof prog !== 'object') throw new TypeError(`${label}: program must be a loaded program`);
  if (at === undefined) throw new TypeError(`${label}: no attach type: pass one (AttachType.CGROUP_INET_EGRESS, ...)`);
  let dirFd: number;
  let own = false;
  if (typeof cgroupPath === 'number') {
    dirFd = cgroupPath;
  } else {
    if (typeof cgroupPath !== 'string' || cgroupPath === '') throw new TypeError(`${label}: cgroupPath must be a directory path or fd`);
    try {
      dirFd = openSync(cgroupPath, constants.O_RDONLY | constants.O_DIRECTORY);
      own = true;
    } catch (e) {
      throw new AttachTargetNotFoundError(`cgroup ${cgroupPath}`, `${label}: open ${cgroupPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
    }
  }
  try {
    const fd = bpfFd(
      Cmd.BPF_LINK_CREATE,
      LinkCreate.encode({ prog_fd: prog.fd, target_fd: dirFd, attach_type: at }),
      `${label}: create link`,
      (e) =>
        e === Errno.EBADF
          ? 'not a cgroup v2 directory'
          : e === Errno.EINVAL
            ? `the kernel refused ${programLabel(prog)} for attach type ${shortAttachTypeName(at)} (loaded with that expected attach type?)`
            : undefined,
    );
    return new CgroupLink('cgroup', fd, label);
  } finally {
    // The link holds its own reference to the cgroup.
    if (own) closeSync(dirFd);
  }
}

registerLinkFactory(LinkType.Cgroup, (fd, _info, label) => new CgroupLink('cgroup', fd, label));
