/**
 * Typed errors. Each names the object and the cause; messages are chains of lowercase
 * `context: cause` segments, innermost cause last, e.g. `map counts: update: EEXIST: key exists`.
 */
import { Errno, errnoName } from './errno.js';
import { capabilitiesForCommand, permissionHint } from './capabilities.js';

/** Which system call failed. */
export type SyscallName = 'bpf' | 'perf_event_open' | 'ioctl' | 'mmap' | 'setsockopt' | 'socket' | 'close' | 'poll';

/** A system call failed; `code` is the errno name (`ENOENT`), `errno` its number, `command` the bpf command. */
export class SyscallError extends Error {
  /** The errno name, like Node's own `err.code`. */
  readonly code: string;
  constructor(
    /** The system call. */
    readonly syscall: SyscallName,
    /** The bpf command (`BPF_MAP_CREATE`) or another description of the call. */
    readonly command: string,
    /** The errno number. */
    readonly errno: number,
    context: string,
    detail?: string,
    options?: ErrorOptions,
  ) {
    super(`${context}: ${errnoName(errno)}${detail ? `: ${detail}` : ''}`, options);
    this.code = errnoName(errno);
  }
}
SyscallError.prototype.name = 'SyscallError';

/** EPERM or EACCES: the process lacks a capability (CAP_BPF, CAP_SYS_ADMIN, CAP_PERFMON, CAP_NET_ADMIN). */
export class PermissionError extends SyscallError {}
PermissionError.prototype.name = 'PermissionError';

/** EEXIST: the key already exists (update with `noexist`), or the object exists. */
export class KeyExistsError extends SyscallError {}
KeyExistsError.prototype.name = 'KeyExistsError';

/** ENOENT: the key does not exist where that is an error (update with `exist`, delete, pop of an empty queue). */
export class KeyNotFoundError extends SyscallError {}
KeyNotFoundError.prototype.name = 'KeyNotFoundError';

/** E2BIG: the map is full (max entries reached), or the argument is too big. */
export class MapFullError extends SyscallError {}
MapFullError.prototype.name = 'MapFullError';

/** EINVAL: the kernel refused an argument (a flag, a size, a map type option). */
export class InvalidArgumentError extends SyscallError {}
InvalidArgumentError.prototype.name = 'InvalidArgumentError';

/** EOPNOTSUPP/ENOTSUPP/ENOSYS: the kernel or the map type does not support the operation. */
export class NotSupportedError extends SyscallError {}
NotSupportedError.prototype.name = 'NotSupportedError';

/** An operation on an object whose fd was already closed. */
export class ClosedError extends Error {
  constructor(readonly objectName: string) {
    super(`${objectName}: already closed`);
  }
}
ClosedError.prototype.name = 'ClosedError';

/** A key or value whose size is not the map's, refused before the syscall. */
export class SizeError extends RangeError {
  constructor(
    readonly objectName: string,
    readonly what: 'key' | 'value',
    readonly size: number,
    readonly expected: number,
  ) {
    super(`${objectName}: ${what} is ${size} bytes, expected ${expected}`);
  }
}
SizeError.prototype.name = 'SizeError';

/** The iteration ended early because the map changed faster than it could be walked. */
export class IterationAbortedError extends Error {
  constructor(objectName: string, readonly steps: number) {
    super(`${objectName}: iterate: aborted after ${steps} steps: the map changes faster than it can be walked`);
  }
}
IterationAbortedError.prototype.name = 'IterationAbortedError';

const hints: Record<number, string> = {
  [Errno.EPERM]: 'operation not permitted',
  [Errno.EACCES]: 'permission denied (needs root or CAP_BPF; the object may be read-only)',
  [Errno.EEXIST]: 'key exists',
  [Errno.ENOENT]: 'not found',
  [Errno.E2BIG]: 'map full or argument too big',
  [Errno.EINVAL]: 'invalid argument',
  [Errno.EOPNOTSUPP]: 'not supported',
  [Errno.ENOTSUPP]: 'not supported',
  [Errno.ENOSYS]: 'not supported by this kernel',
  [Errno.EBADF]: 'bad file descriptor',
  [Errno.ENOMEM]: 'out of memory',
  [Errno.EBUSY]: 'busy',
};

/**
 * Builds the typed error for a failed syscall: `context: ENAME: explanation`.
 * @param detail replaces the default explanation of the errno when given.
 */
export function syscallError(syscall: SyscallName, command: string, errno: number, context: string, detail?: string, cause?: unknown): SyscallError {
  const d =
    detail ??
    (errno === Errno.EPERM && syscall === 'bpf'
      ? permissionHint(capabilitiesForCommand(command))
      : errno === Errno.EPERM && syscall === 'perf_event_open'
        ? permissionHint(['CAP_PERFMON'])
        : hints[errno]);
  const opts = cause === undefined ? undefined : { cause };
  switch (errno) {
    case Errno.EPERM:
    case Errno.EACCES:
      return new PermissionError(syscall, command, errno, context, d, opts);
    case Errno.EEXIST:
      return new KeyExistsError(syscall, command, errno, context, d, opts);
    case Errno.ENOENT:
      return new KeyNotFoundError(syscall, command, errno, context, d, opts);
    case Errno.E2BIG:
      return new MapFullError(syscall, command, errno, context, d, opts);
    case Errno.EINVAL:
      return new InvalidArgumentError(syscall, command, errno, context, d, opts);
    case Errno.EOPNOTSUPP:
    case Errno.ENOTSUPP:
    case Errno.ENOSYS:
      return new NotSupportedError(syscall, command, errno, context, d, opts);
    default:
      return new SyscallError(syscall, command, errno, context, d, opts);
  }
}
