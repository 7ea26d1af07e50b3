/**
 * bpf() commands: one wrapper each, throwing typed errors that start with the caller's context.
 */
import { native } from './native.js';
import { errnoOf } from './errno.js';
import { Fd } from './fd.js';
import { Cmd, CmdNames } from './enums.gen.js';
import type { Encoded } from './layout.js';
import { syscallError, type SyscallError } from '../errors.js';

export { Cmd };

/** Runs bpf(cmd) on an encoded attr; returns the result or throws a typed error starting with `context`. */
export function bpf(cmd: number, attr: Encoded, context: string, detail?: (errno: number) => string | undefined): number {
  try {
    return native().bpf(cmd, attr.bytes, attr.ptrs);
  } catch (e) {
    throw toSyscallError(cmd, e, context, detail);
  }
}

/** Like {@link bpf} but returns an owned {@link Fd}. */
export function bpfFd(cmd: number, attr: Encoded, context: string, detail?: (errno: number) => string | undefined): Fd {
  return Fd.own(bpf(cmd, attr, context, detail));
}

/** Turns an error from the addon into a typed {@link SyscallError} (other errors pass through). */
export function toSyscallError(cmd: number, e: unknown, context: string, detail?: (errno: number) => string | undefined): SyscallError | unknown {
  const errno = errnoOf(e);
  if (!errno) return e;
  return syscallError('bpf', CmdNames[cmd] ?? `cmd ${cmd}`, errno, context, detail?.(errno), e);
}

/** The typed error for a -errno result of `bpfRet`. */
export function retError(cmd: number, negErrno: number, context: string, detail?: string): SyscallError {
  return syscallError('bpf', CmdNames[cmd] ?? `cmd ${cmd}`, -negErrno, context, detail);
}
