/**
 * An on-disk cache of the kernel's BTF with its parse index, so a new process gets the kernel's
 * types without 1,300 page-sized reads of `/sys/kernel/btf/vmlinux`, a scan of 100,000+ records
 * and a name index build: one read of one regular file.
 *
 * The cache file holds a copy of the BTF bytes, the byte offset of every type record and the
 * name index arrays, behind a key naming the kernel BTF it was made from (kernel release, the
 * file's size, inode and mtime, and a hash of its first and last 4 KiB). A file whose key, shape
 * or trailer does not match is ignored and rewritten. Types from the cache are validated when
 * first decoded, exactly like types read from sysfs, so a damaged file gives typed errors and
 * never reads out of bounds. Only a file owned by the current user and not writable by others
 * is read, so a less privileged user cannot plant one for root.
 *
 * Where: `$TSBPF_CACHE_DIR` if set (the empty string turns the cache off), else
 * `$XDG_CACHE_HOME/tsbpf`, else `~/.cache/tsbpf`. Every cache error (an unwritable directory, a
 * full disk) falls back to reading sysfs, silently.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { endianness, homedir, release } from 'node:os';
import { join } from 'node:path';
import { parseBtfLazily } from './parse.js';
import type { Spec } from './spec.js';

const MAGIC = 'TSBPFBTF';
const TRAILER = 'ENDTSBPF';
const VERSION = 1;
const FILE_NAME = 'vmlinux.cache';
const SAMPLE = 4096;
/** No vmlinux BTF comes near this; a larger cache file is damaged. */
const MAX_FILE = 1 << 30;

/** The cache directory to use: see the module overview; undefined when caching is off. */
export function kernelBtfCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
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

function fnv(bytes: Uint8Array, n: number): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16);
}

/** What identifies the BTF at `path`, or undefined if it cannot be read. */
function identity(path: string): string | undefined {
  let fd: number | undefined;
  try {
    const st = statSync(path, { bigint: true });
    fd = openSync(path, 'r');
    const head = new Uint8Array(SAMPLE);
    const tail = new Uint8Array(SAMPLE);
    const nh = readSync(fd, head, 0, SAMPLE, 0);
    const tailAt = st.size > BigInt(SAMPLE) ? Number(st.size) - SAMPLE : 0;
    const nt = readSync(fd, tail, 0, SAMPLE, tailAt);
    return JSON.stringify([VERSION, release(), endianness(), String(st.size), String(st.ino), String(st.mtimeNs), fnv(head, nh), fnv(tail, nt)]);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Reads a cache file made for `key`; undefined if it is missing, foreign, damaged or for other BTF. */
function readCache(file: string, key: string): Spec | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    const euid = process.geteuid?.();
    if (!st.isFile() || st.size > MAX_FILE || st.size < 64) return undefined;
    if (euid !== undefined && st.uid !== euid) return undefined;
    if ((st.mode & 0o022) !== 0) return undefined;
    const buf = new Uint8Array(st.size); // a fresh ArrayBuffer: offset 0, so typed views are aligned
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) return undefined;
      got += n;
    }
    return decodeCache(buf, key);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

const ascii = new TextDecoder('latin1');

/**
 * Layout: MAGIC | u32 version | u32 keyLen | key | pad to 8 | u32 btfLen, count, headsLen, 0 |
 * btf (padded to 8) | offsets u32[count] | heads i32[headsLen] | next i32[count] (padded to 8) | TRAILER.
 */
function decodeCache(buf: Uint8Array, key: string): Spec | undefined {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (ascii.decode(buf.subarray(0, 8)) !== MAGIC || view.getUint32(8, true) !== VERSION) return undefined;
  const keyLen = view.getUint32(12, true);
  if (16 + keyLen > buf.length - 16) return undefined;
  if (ascii.decode(buf.subarray(16, 16 + keyLen)) !== key) return undefined;
  let p = pad8(16 + keyLen);
  const btfLen = view.getUint32(p, true);
  const count = view.getUint32(p + 4, true);
  const headsLen = view.getUint32(p + 8, true);
  p += 16;
  const offsetsAt = p + pad8(btfLen);
  const headsAt = offsetsAt + 4 * count;
  const nextAt = headsAt + 4 * headsLen;
  const trailerAt = pad8(nextAt + 4 * count);
  if (trailerAt + 8 !== buf.length || ascii.decode(buf.subarray(trailerAt)) !== TRAILER) return undefined;
  const btf = buf.subarray(p, p + btfLen);
  return parseBtfLazily(btf, undefined, {
    offsets: new Uint32Array(buf.buffer, buf.byteOffset + offsetsAt, count),
    nameIndex: {
      heads: new Int32Array(buf.buffer, buf.byteOffset + headsAt, headsLen),
      next: new Int32Array(buf.buffer, buf.byteOffset + nextAt, count),
    },
  });
}

function pad8(n: number): number {
  return (n + 7) & ~7;
}

/** Writes `spec` (parsed from `btf`) as the cache for `key`, atomically; errors are ignored. */
function writeCache(dir: string, file: string, key: string, btf: Uint8Array, spec: Spec): void {
  const idx = spec.rawIndex();
  if (!idx) return;
  const { offsets, nameIndex } = idx;
  const keyBytes = new TextEncoder().encode(key);
  const meta = new Uint8Array(pad8(16 + keyBytes.length) + 16);
  const mv = new DataView(meta.buffer);
  meta.set(new TextEncoder().encode(MAGIC), 0);
  mv.setUint32(8, VERSION, true);
  mv.setUint32(12, keyBytes.length, true);
  meta.set(keyBytes, 16);
  const p = pad8(16 + keyBytes.length);
  mv.setUint32(p, btf.length, true);
  mv.setUint32(p + 4, offsets.length, true);
  mv.setUint32(p + 8, nameIndex.heads.length, true);
  const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const tailPad = pad8(4 * (offsets.length + nameIndex.heads.length + nameIndex.next.length)) - 4 * (offsets.length + nameIndex.heads.length + nameIndex.next.length);
  const parts = [
    meta,
    btf,
    new Uint8Array(pad8(btf.length) - btf.length),
    bytesOf(offsets),
    bytesOf(nameIndex.heads),
    bytesOf(nameIndex.next),
    new Uint8Array(tailPad),
    new TextEncoder().encode(TRAILER),
  ];
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
  } catch {
    try {
      if (fd !== undefined) closeSync(fd);
      rmSync(tmp, { force: true });
    } catch {
      // Nothing was written, or it cannot be removed either: the cache stays off.
    }
  }
}

/**
 * Returns the spec of the kernel BTF at `path`: from the cache in `dir` when it holds this BTF,
 * else from `read()` (and then saved to the cache).
 */
export function loadKernelBtfCached(path: string, read: () => Uint8Array, dir: string | undefined): Spec {
  const key = dir === undefined ? undefined : identity(path);
  if (dir === undefined || key === undefined) return parseBtfLazily(read());
  const file = join(dir, FILE_NAME);
  const hit = readCache(file, key);
  if (hit) return hit;
  const bytes = read();
  const spec = parseBtfLazily(bytes);
  writeCache(dir, file, key, bytes, spec);
  return spec;
}
