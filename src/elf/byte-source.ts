/**
 * Random access to the bytes of an ELF file: a buffer in memory, or positioned reads from an
 * open file descriptor, so a large binary (libc, node) is read piece by piece, never whole.
 */
import { fstatSync, readSync } from 'node:fs';

/** Random access to the bytes of a file or buffer. */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Returns `len` bytes at `off`; the caller has checked the range against `size`. A result
   * shorter than `len` means the data ran out early (a file that shrank while being read).
   */
  read(off: number, len: number): Uint8Array;
}

/** Wraps bytes in memory as a {@link ByteSource}; reads are views into `b`, not copies. */
export function bufferSource(b: Uint8Array): ByteSource {
  return { size: b.length, read: (off, len) => b.subarray(off, off + len) };
}

/**
 * Wraps an open file descriptor as a {@link ByteSource} of positioned reads; each read allocates
 * only the bytes it returns. The caller keeps ownership of `fd` and closes it.
 *
 * @param size the file size (default: `fstat` of `fd`)
 */
export function fileSource(fd: number, size = fstatSync(fd).size): ByteSource {
  return {
    size,
    read(off, len) {
      const b = Buffer.allocUnsafe(len);
      let done = 0;
      while (done < len) {
        const n = readSync(fd, b, done, len - done, off + done);
        if (n <= 0) break;
        done += n;
      }
      return b.subarray(0, done);
    },
  };
}
