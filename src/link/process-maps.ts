/**
 * Where a file is mapped in a running process, from /proc/<pid>/maps: turns a file offset of an
 * executable or library into the address the process runs it at.
 */
import { readFileSync, statSync } from 'node:fs';
import { AttachTargetNotFoundError } from './errors.js';

/** One line of /proc/<pid>/maps that maps a file. */
export interface FileMapping {
  start: bigint;
  end: bigint;
  /** `r-xp` and the like. */
  perms: string;
  /** The file offset mapped at `start`. */
  offset: bigint;
  /** The file's inode number. */
  inode: bigint;
  /** The path as the kernel shows it. */
  path: string;
}

/** Parses the text of /proc/<pid>/maps, keeping the lines that map a file (inode ≠ 0). */
export function parseProcMaps(text: string): FileMapping[] {
  const out: FileMapping[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S+)\s+([0-9a-f]+)\s+\S+\s+(\d+)\s*(.*)$/.exec(line);
    if (!m || m[5] === '0') continue;
    out.push({ start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[2]}`), perms: m[3], offset: BigInt(`0x${m[4]}`), inode: BigInt(m[5]), path: m[6] });
  }
  return out;
}

/**
 * The address at which process `pid` maps file offset `offset` of the file at `path` (matched by
 * inode, so a symlinked path works).
 * @throws {AttachTargetNotFoundError} when the process does not exist or does not map that part of the file.
 */
export function processAddress(pid: number, path: string, offset: bigint, context: string): bigint {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/maps`, 'utf8');
  } catch (e) {
    throw new AttachTargetNotFoundError(`process ${pid}`, `${context}: no process ${pid} (${(e as Error).message})`, { cause: e });
  }
  const inode = statSync(path, { bigint: true }).ino;
  for (const m of parseProcMaps(text)) {
    if (m.inode !== inode || offset < m.offset || offset >= m.offset + (m.end - m.start)) continue;
    return m.start + (offset - m.offset);
  }
  throw new AttachTargetNotFoundError(`${path} in process ${pid}`, `${context}: process ${pid} does not map offset 0x${offset.toString(16)} of ${path} (not running it, or the library is not loaded yet)`);
}
