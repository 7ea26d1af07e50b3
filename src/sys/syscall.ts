/**
 * bpf() commands: one wrapper each, throwing typed errors that start with the caller's context.
 */
import { native } from './native.js';
import { errnoOf } from './errno.js';
import { Fd } from './fd.js';
import { Cmd, CmdNames } from './enums.gen.js';
import { writePointers, type Encoded } from './layout.js';
import { ObjInfoAttr } from './attrs.js';
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
  const a = native();
  return writePointers(attr, (buf) => a.addressOf(buf));
}

/**
 * BPF_OBJ_GET_INFO_BY_FD: the kernel fills `info`, an info struct encoded by its layout (whose
 * pointer fields, checked against their counts by the encoder, get their addresses written in).
 * `info_len` is the struct's whole size; throws a typed error starting with `context: info`.
 */
export function objInfo(fd: number, info: Encoded, context: string): Uint8Array {
  withPointers(info);
  bpf(Cmd.BPF_OBJ_GET_INFO_BY_FD, ObjInfoAttr.encode({ bpf_fd: fd, info_len: info.bytes.length, info: info.bytes }), `${context}: info`);
  return info.bytes;
}
