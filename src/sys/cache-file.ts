/**
 * tsbpf's per-user cache directory and the rules every cache file in it follows: a file is read
 * only if it is a regular file of bounded size, owned by the current user and not writable by
 * group or others (so a less privileged user cannot plant one for root), and written atomically
 * (a private temporary file renamed into place). Every cache error reads as a miss; callers fall
 * back to doing the work.
 *
 * Where: `$TSBPF_CACHE_DIR` if set (the empty string turns caching off), else
 * `$XDG_CACHE_HOME/tsbpf`, else `~/.cache/tsbpf`.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The cache directory to use: see the module overview; undefined when caching is off. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const own = env.TSBPF_CACHE_DIR;
  if (own !== undefined) return own === '' ? undefined : own;
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && xdg.startsWith('/')) return join(xdg, 'tsbpf');
  try {
    const home = env.HOME || homedir();
    return home ? join(home, '.cache', 'tsbpf') : undefined;
  } catch {
    return undefined;
  }
}

/** An open cache file that passed the checks of {@link openCacheFile}, and its status when opened. */
export interface OpenCacheFile {
  fd: number;
  stat: Stats;
}

/**
 * Opens cache file `file` for reading if it is a regular file of `minSize` to `maxSize` bytes,
 * owned by the current user and not writable by group or others; undefined (nothing left open)
 * otherwise. The caller closes `fd`.
 */
export function openCacheFile(file: string, minSize: number, maxSize: number): OpenCacheFile | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (cacheFileOk(stat, minSize, maxSize)) return { fd, stat };
  } catch {
    // fstat failed: a miss
  }
  closeSync(fd);
  return undefined;
}

/** Whether `st` is a regular file of `minSize` to `maxSize` bytes owned by us and not writable by others. */
export function cacheFileOk(st: Stats, minSize: number, maxSize: number): boolean {
  const euid = process.geteuid?.();
  if (!st.isFile() || st.size > maxSize || st.size < minSize) return false;
  if (euid !== undefined && st.uid !== euid) return false;
  return (st.mode & 0o022) === 0;
}

/**
 * Fills all of `buf` from file `fd`, starting at byte 0 of the file; false when the file ends
 * first (it shrank since its size was taken).
 */
export function readExactly(fd: number, buf: Uint8Array): boolean {
  for (let got = 0; got < buf.length; ) {
    const n = readSync(fd, buf, got, buf.length - got, got);
    if (n === 0) return false;
    got += n;
  }
  return true;
}

/**
 * The whole of cache file `file`, in a fresh buffer (offset 0, so typed views of it are aligned),
 * or undefined if it is missing, not a regular file, smaller than `minSize` or larger than
 * `maxSize` bytes, owned by another user, writable by group or others, or shrinks while read.
 */
export function readCacheFile(file: string, minSize: number, maxSize: number): Uint8Array | undefined {
  const open = openCacheFile(file, minSize, maxSize);
  if (!open) return undefined;
  const { fd, stat } = open;
  try {
    const buf = new Uint8Array(stat.size);
    return readExactly(fd, buf) ? buf : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `parts` one after another as cache file `name` in `dir` (created 0700 if missing): into
 * a new 0600 temporary file, renamed over `name`. Returns whether it was written; errors (an
 * unwritable directory, a full disk) leave no temporary file behind.
 */
export function writeCacheFile(dir: string, name: string, parts: readonly Uint8Array[]): boolean {
  const file = join(dir, name);
  const tmp = `${file}.${process.pid}.tmp`;
  let fd: number | undefined;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    fd = openSync(tmp, 'wx', 0o600);
    for (const part of parts) {
      let done = 0;
      while (done < part.length) done += writeSync(fd, part, done, part.length - done);
    }
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
    return true;
  } catch {
    try {
      if (fd !== undefined) closeSync(fd);
      rmSync(tmp, { force: true });
    } catch {
      // Nothing was written, or it cannot be removed either: the cache stays off.
    }
    return false;
  }
}
