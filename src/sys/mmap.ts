/**
 * mmap/munmap through the addon, with typed errors.
 */
import { native } from './native.js';
import { errnoOf } from './errno.js';
import { syscallError } from './errors.js';

/** PROT_READ. */
export const PROT_READ = 1;
/** PROT_WRITE. */
export const PROT_WRITE = 2;
/** MAP_SHARED. */
export const MAP_SHARED = 1;

/**
 * Maps `length` bytes of `fd` at `offset` and returns an ArrayBuffer over them. Release it with
 * {@link unmap}; a forgotten mapping is unmapped when the buffer is garbage collected.
 * @throws {SyscallError} (syscall `mmap`) whose message starts with `context`.
 */
export function mapMemory(fd: number, length: number, prot: number, flags: number, offset: number, context: string): ArrayBuffer {
  try {
    return native().mmap(fd, length, prot, flags, offset);
  } catch (e) {
    const errno = errnoOf(e);
    if (!errno) throw e;
    const detail =
      errno === 1 || errno === 13
        ? 'permission denied (writable mappings of a ring buffer are limited to the consumer page; perf buffers count against kernel.perf_event_mlock_kb and RLIMIT_MEMLOCK)'
        : errno === 22
          ? `invalid argument (length ${length} or offset ${offset} does not fit the object)`
          : undefined;
    throw syscallError('mmap', 'mmap', errno, context, detail, e);
  }
}

/** Unmaps a buffer made by {@link mapMemory} and detaches it; a second call does nothing. */
export function unmap(buf: ArrayBuffer | undefined): void {
  if (!buf || buf.byteLength === 0) return; // detached already
  native().munmap(buf);
}
