/**
 * Object kinds: what a bpf fd refers to (map, program, link, BTF), read from the name of its
 * anonymous inode (`anon_inode:bpf-map`, `bpf-prog`, `bpf_link` or `bpf-link`, `btf` in /proc/self/fd), so
 * opening a pin or an fd as the wrong kind is refused before any other call uses it; and the
 * check that an id given to BPF_*_GET_FD_BY_ID is one.
 */
import { readlinkSync } from 'node:fs';

/** What a bpf fd refers to; `other` for anything else (a file, a socket, a bpf iterator). */
export type ObjectKind = 'map' | 'program' | 'link' | 'btf' | 'other';

const BY_INODE: Record<string, ObjectKind> = {
  'anon_inode:bpf-map': 'map',
  'anon_inode:bpf-prog': 'program',
  'anon_inode:bpf_link': 'link', // a link as attached
  'anon_inode:bpf-link': 'link', // a link opened again (BPF_OBJ_GET, BPF_LINK_GET_FD_BY_ID)
  'anon_inode:btf': 'btf',
};

/** The kind of object behind `fd`, or undefined when /proc cannot tell (no procfs mounted). */
export function objectKind(fd: number): ObjectKind | undefined {
  let target: string;
  try {
    target = readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
  return BY_INODE[target] ?? 'other';
}

const OPENERS: Record<ObjectKind, string> = {
  map: 'BpfMap',
  program: 'Program',
  link: 'Link',
  btf: 'BtfObject',
  other: '',
};

/**
 * Throws a TypeError unless `fd` refers to a `want` (or /proc cannot tell); `where` says how the
 * fd was found (`pinned there`, `behind fd 7`). The caller still owns and closes the fd.
 * @example checkObjectKind(fd, 'map', 'map /sys/fs/bpf/x: open pinned', 'pinned there');
 * // TypeError: map /sys/fs/bpf/x: open pinned: a program is pinned there, not a map (open it with Program.fromPinned)
 */
export function checkObjectKind(fd: number, want: ObjectKind, context: string, where: string, opener = 'fromPinned'): void {
  const kind = objectKind(fd);
  if (kind === undefined || kind === want) return;
  const what = kind === 'other' ? 'something other than a bpf map, program, link or BTF object' : `a ${kind === 'btf' ? 'BTF object' : kind}`;
  const hint = kind === 'other' || (kind === 'btf' && opener === 'fromPinned') ? '' : ` (open it with ${OPENERS[kind]}.${opener})`;
  throw new TypeError(`${context}: ${what} is ${where}, not a ${want}${hint}`);
}

/**
 * Refuses an id that cannot name a kernel object (ids are u32, from 1) before it is sent: a
 * larger number would otherwise be cut to its low 32 bits and open another object.
 * @throws {TypeError} for a non-number; {@link RangeError} for anything but an integer in [1, 2^32 - 1]: `map id 4294967297: open: id must be an integer in [1, 4294967295], got 4294967297`.
 */
export function checkObjectId(what: string, id: unknown): number {
  const context = `${what} id ${typeof id === 'number' ? id : String(typeof id)}: open`;
  if (typeof id !== 'number') throw new TypeError(`${context}: id must be an integer in [1, 4294967295], got ${typeof id}`);
  if (!Number.isInteger(id) || id < 1 || id > 0xffffffff) throw new RangeError(`${context}: id must be an integer in [1, 4294967295], got ${id}`);
  return id;
}
