/**
 * The system page size, read once from the ELF auxiliary vector (AT_PAGESZ in /proc/self/auxv).
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';

const AT_NULL = 0;
const AT_PAGESZ = 6;

let cached: number | undefined;

/**
 * Finds AT_PAGESZ in an auxiliary vector (pairs of native-endian words of `wordSize` bytes);
 * undefined when absent or malformed.
 */
export function pageSizeFromAuxv(auxv: Uint8Array, wordSize: 4 | 8 = 8, littleEndian = true): number | undefined {
  const view = new DataView(auxv.buffer, auxv.byteOffset, auxv.byteLength);
  const read = (off: number): number =>
    wordSize === 8 ? Number(view.getBigUint64(off, littleEndian)) : view.getUint32(off, littleEndian);
  for (let off = 0; off + 2 * wordSize <= auxv.length; off += 2 * wordSize) {
    const type = read(off);
    if (type === AT_NULL) break;
    if (type === AT_PAGESZ) {
      const v = read(off + wordSize);
      // A page size is a power of two of at least 4 KiB.
      return v >= 4096 && (v & (v - 1)) === 0 ? v : undefined;
    }
  }
  return undefined;
}

/** The page size of this system in bytes (4096 when /proc is unavailable). */
export function pageSize(): number {
  if (cached !== undefined) return cached;
  let found: number | undefined;
  try {
    const word = process.arch === 'ia32' || process.arch === 'arm' ? 4 : 8;
    const le = endianness() === 'LE';
    found = pageSizeFromAuxv(readFileSync('/proc/self/auxv'), word, le);
  } catch {
    found = undefined;
  }
  cached = found ?? 4096;
  return cached;
}

