/**
 * Socket filters: a socket_filter program attached to one socket with setsockopt(SO_ATTACH_BPF).
 * Not a kernel link: nothing to pin; closing the attachment runs SO_DETACH_BPF.
 */
import { native } from '../sys/native.js';
import { errnoOf, Errno } from '../sys/errno.js';
import { syscallError } from '../sys/errors.js';
import { ProgramType } from '../types.js';
import { LocalAttachment, type Link, type LinkKind } from './link.js';
import { checkProgramType, programId, programLabel, type ProgramLike } from './program.js';

const SOL_SOCKET = 1;
const SO_ATTACH_BPF = 50;
const SO_DETACH_BPF = 27;

function intBytes(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}

/** A socket filter attachment: close() detaches it (SO_DETACH_BPF). */
export class SocketFilterAttachment extends LocalAttachment {
  readonly kind: LinkKind = 'socket_filter';
  /** The socket's fd. */
  readonly socketFd: number;
  constructor(socketFd: number, label: string, progId: number) {
    super(label, progId);
    this.socketFd = socketFd;
  }
  protected release(): void {
    try {
      native().setsockopt(this.socketFd, SOL_SOCKET, SO_DETACH_BPF, intBytes(0));
    } catch (e) {
      // The socket is gone (closed: EBADF; not a socket any more: ENOTSOCK) or has no filter (ENOENT): nothing to detach.
      const errno = errnoOf(e);
      if (errno === Errno.EBADF || errno === Errno.ENOENT || errno === 88 /* ENOTSOCK */) return;
      throw syscallError('setsockopt', 'SO_DETACH_BPF', errno, `${this.label}: detach`, undefined, e);
    }
  }
}

/**
 * Attaches a socket filter program to a socket (setsockopt SOL_SOCKET SO_ATTACH_BPF). The
 * program's return value is how many bytes of each packet to keep: 0 drops it.
 *
 * Only one filter is attached to a socket at a time: attaching another replaces it, and closing
 * either attachment then detaches whatever is attached.
 *
 * @param socketFd the socket's file descriptor (for a Node `dgram` socket, from its handle).
 * @throws {TypeError} for a program that is not a socket filter.
 * @throws {SyscallError} (EBADF, ENOTSOCK…) from setsockopt.
 */
export function attachSocketFilter(socketFd: number, prog: ProgramLike): Link {
  const label = `link socket_filter fd ${socketFd}`;
  if (!Number.isInteger(socketFd) || socketFd < 0) throw new TypeError(`${label}: socketFd must be a file descriptor`);
  checkProgramType(prog, [ProgramType.SocketFilter], label);
  try {
    native().setsockopt(socketFd, SOL_SOCKET, SO_ATTACH_BPF, intBytes(prog.fd));
  } catch (e) {
    const errno = errnoOf(e);
    if (!errno) throw e;
    throw syscallError('setsockopt', 'SO_ATTACH_BPF', errno, `${label}: attach`, errno === Errno.EINVAL ? `the kernel refused ${programLabel(prog)}` : undefined, e);
  }
  return new SocketFilterAttachment(socketFd, label, programId(prog));
}
