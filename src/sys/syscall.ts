/**
 * bpf() commands: one wrapper each, throwing typed errors that start with the caller's context.
 */
import { native } from './native.js';
import { errnoOf } from './errno.js';
import { Fd } from './fd.js';
import { Cmd, CmdNames } from './enums.gen.js';
import { writePointers, type Encoded } from './layout.js';
import { MapElemAttr, ObjInfoAttr } from './attrs.js';
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

/**
 * Up to `max` chained BPF_MAP_GET_NEXT_KEY steps on the map whose fd is in `attr` (a
 * {@link MapElemAttr}): the first after `from` (after nothing, so the map's first key, when null),
 * each next one after the key the step before found, packed into `keys`. Returns how many keys it
 * wrote (fewer than `max` at the end of the map or at a failure, which the next call, starting
 * from the last key, meets again), or -errno when the first step failed. `keySize` must be the
 * map's key size: every length is checked against it before the call, so the kernel writes only
 * inside `keys`.
 * @throws {RangeError} naming `context` and the argument, for a key size that is not an integer
 *   > 0, a max that is not an integer >= 0, or `attr`, `from` or `keys` too short.
 */
export function mapNextKeys(context: string, attr: Uint8Array, from: Uint8Array | null, keys: Uint8Array, keySize: number, max: number): number {
  if (!Number.isInteger(keySize) || keySize <= 0) throw new RangeError(`${context}: next keys: keySize ${keySize} is not an integer > 0`);
  if (!Number.isInteger(max) || max < 0 || max > 0x7fffffff) throw new RangeError(`${context}: next keys: max ${max} is not an integer from 0 to 2^31 - 1`);
  if (attr.length < MapElemAttr.size) throw new RangeError(`${context}: next keys: attr is ${attr.length} bytes, shorter than ${MapElemAttr.size}`);
  if (from !== null && from.length < keySize) throw new RangeError(`${context}: next keys: from is ${from.length} bytes, shorter than the key (${keySize})`);
  if (keys.length < max * keySize) throw new RangeError(`${context}: next keys: keys is ${keys.length} bytes, shorter than ${max} keys of ${keySize}`);
  if (max === 0) return 0;
  const a = native();
  const key = MapElemAttr.fields.key.offset;
  new DataView(attr.buffer, attr.byteOffset, attr.byteLength).setBigUint64(key, from ? a.addressOf(from) : 0n, true);
  return a.bpfNextKeys(Cmd.BPF_MAP_GET_NEXT_KEY, attr, key, MapElemAttr.fields.value.offset, keys, keySize, max);
}
