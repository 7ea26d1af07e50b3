/**
 * mmap/munmap through the addon, with every length and offset checked here before the call and
 * typed errors.
 *
 * The addon returns an ArrayBuffer over the mapping, type-tagged so that only such a buffer is
 * accepted by {@link unmap}. Unmapping detaches it: views over it then have length 0 and new
 * views throw a TypeError, so the memory can never be read after it is gone. A buffer nobody
 * unmapped is unmapped by its finalizer once it is garbage collected.
 */
import { native } from './native.js';
import { errnoOf } from './errno.js';
import { pageSize } from './page-size.js';
import { syscallError } from './errors.js';

/** PROT_READ. */
export const PROT_READ = 1;
/** PROT_WRITE. */
export const PROT_WRITE = 2;
/** MAP_SHARED. */
export const MAP_SHARED = 1;

/** The largest mapping asked for (1 TiB): far above any BPF map or perf buffer, far below what overflows. */
const MAX_LENGTH = 2 ** 40;

function checkInteger(context: string, name: string, v: number, min: number, max: number): void {
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new RangeError(`${context}: ${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
  }
}

/**
 * Maps `length` bytes of `fd` at `offset` and returns an ArrayBuffer over them. Release it with
 * {@link unmap}; a forgotten mapping is unmapped when the buffer is garbage collected.
 * `hint` may explain an errno for the kind of object mapped (default: ring and perf buffers).
 * @throws {RangeError} when fd, length or offset is not a valid integer (offset must be a multiple of the page size).
 * @throws {SyscallError} (syscall `mmap`) whose message starts with `context`.
 */
export function mapMemory(fd: number, length: number, prot: number, flags: number, offset: number, context: string, hint?: (errno: number) => string | undefined): ArrayBuffer {
  checkInteger(context, 'fd', fd, 0, 2 ** 31 - 1);
  checkInteger(context, 'length', length, 1, MAX_LENGTH);
  checkInteger(context, 'offset', offset, 0, MAX_LENGTH);
  if (offset % pageSize() !== 0) throw new RangeError(`${context}: offset ${offset} is not a multiple of the page size ${pageSize()}`);
  try {
    return native().mmap(fd, length, prot, flags, offset);
  } catch (e) {
    const errno = errnoOf(e);
    if (!errno) throw e;
    const detail =
      hint?.(errno) ??
      (errno === 1 || errno === 13
        ? 'permission denied (writable mappings of a ring buffer are limited to the consumer page; perf buffers count against kernel.perf_event_mlock_kb and RLIMIT_MEMLOCK)'
        : errno === 22
          ? `invalid argument (length ${length} or offset ${offset} does not fit the object)`
          : undefined);
    throw syscallError('mmap', 'mmap', errno, context, detail, e);
  }
}

/**
 * Unmaps a buffer made by {@link mapMemory} and detaches it; unmapping an already unmapped
 * (detached) buffer or `undefined` does nothing.
 * @throws {TypeError} (code `ERR_TSBPF_HANDLE`) when `buf` was not made by {@link mapMemory}.
 */
export function unmap(buf: ArrayBuffer | undefined): void {
  if (buf === undefined) return;
  if (!(buf instanceof ArrayBuffer)) throw Object.assign(new TypeError('unmap: not a buffer made by mapMemory'), { code: 'ERR_TSBPF_HANDLE' });
  if (isDetached(buf)) return;
  native().munmap(buf);
}

/** Whether an ArrayBuffer was detached (unmapped, or transferred). */
export function isDetached(buf: ArrayBuffer): boolean {
  // `detached` exists from Node 22 on; before, a detached buffer cannot be sliced.
  const d = (buf as { detached?: boolean }).detached;
  if (d !== undefined) return d;
  if (buf.byteLength !== 0) return false;
  try {
    buf.slice(0);
    return false;
  } catch {
    return true;
  }
}
