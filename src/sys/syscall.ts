/**
 * bpf() commands: one wrapper each, throwing typed errors that start with the caller's context.
 */
import { native } from './native.js';
import { errnoOf } from './errno.js';
import { Fd } from './fd.js';
import { Cmd, CmdNames } from './enums.gen.js';
import type { Encoded } from './layout.js';
import { syscallError, type SyscallError } from './errors.js';

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

/**
 * Writes the addresses of an encoded attr's pointer fields into its bytes, for the no-throw
 * `bpfRet` call (which takes no pointer list); returns the bytes.
 */
export function withPointers(attr: Encoded): Uint8Array {
  const view = new DataView(attr.bytes.buffer, attr.bytes.byteOffset, attr.bytes.byteLength);
  const a = native();
  for (let i = 0; i < attr.ptrs.length; i += 2) {
    const buf = attr.ptrs[i + 1] as Uint8Array | null;
    view.setBigUint64(attr.ptrs[i] as number, buf ? a.addressOf(buf) : 0n, true);
  }
  return attr.bytes;
}
