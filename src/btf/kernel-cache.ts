/**
 * An on-disk cache of the kernel's BTF with its parse index, so a new process gets the kernel's
 * types without 1,300 page-sized reads of `/sys/kernel/btf/vmlinux`, a scan of 100,000+ records
 * and a name index build.
 *
 * A hit reads only what it uses: the file is opened as a {@link PagedFile} (src/sys/paged-file.ts),
 * its header, key and trailer read and checked against its size, and the rest read 16 KiB at a
 * time as the spec touches it (a name lookup reads a bucket head, a chain, record offsets, records
 * and names: a few pieces of the 7 MB file); a walk over every type reads the rest in one go.
 * The paged file holds no descriptor past the current job (see there). If the file is cut short
 * or changed while in use, the spec is completed from `/sys/kernel/btf/vmlinux` instead (when it
 * is still the BTF the cache was made from), else its accessors throw `BtfParseError`.
 *
 * The cache file holds a copy of the BTF bytes, the byte offset of every type record and the
 * name index arrays, behind a key naming the kernel BTF it was made from (kernel release, the
 * file's size, inode and mtime, and a hash of its first and last 4 KiB). A file whose key, shape
 * or trailer does not match is ignored and rewritten. Types from the cache are validated when
 * first decoded, exactly like types read from sysfs, so a damaged file gives typed errors and
 * never reads out of bounds. Only a file owned by the current user and not writable by others
 * is read, so a less privileged user cannot plant one for root.
 *
 * Where: tsbpf's cache directory (src/sys/cache-file.ts: `$TSBPF_CACHE_DIR`, the empty string
 * turning it off, else `$XDG_CACHE_HOME/tsbpf`, else `~/.cache/tsbpf`). Every cache error (an
 * unwritable directory, a full disk) falls back to reading sysfs, silently.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { endianness, release } from 'node:os';
import { join } from 'node:path';
import { cacheDir, writeCacheFile } from '../sys/cache-file.js';
import { PagedFile } from '../sys/paged-file.js';
import { BtfParseError } from './errors.js';
import type { LazyBytes } from './lazy-bytes.js';
import { parseBtfLazily } from './parse.js';
import type { Spec } from './spec.js';

const MAGIC = 'TSBPFBTF';
const TRAILER = 'ENDTSBPF';
const VERSION = 2;
/** The format version is in the name, so processes of older tsbpf versions keep their own file. */
export const KERNEL_BTF_CACHE_FILE = `vmlinux-${VERSION}.cache`;
const SAMPLE = 4096;
/** No vmlinux BTF comes near this; a larger cache file is damaged. */
const MAX_FILE = 1 << 30;

/** The cache directory to use (see src/sys/cache-file.ts); undefined when caching is off. */
export const kernelBtfCacheDir = cacheDir;

/**
 * FNV-1a over the first `n` bytes of `bytes`, a 32-bit word at a time (the tail bytes one by
 * one): a quarter of the steps of a byte-wise hash, which a new process runs uncompiled.
 */
function fnv(bytes: Uint8Array, n: number): string {
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, n >>> 2);
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 0x01000193);
  for (let i = words.length * 4; i < n; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
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
function readCache(file: string, key: string, path: string, read: () => Uint8Array): Spec | undefined {
  const pf = PagedFile.open(file, 64, MAX_FILE);
  if (!pf) return undefined;
  try {
    const spec = decodeCache(pf, file, key, path, read);
    if (!spec) pf.close();
    return spec;
  } catch {
    pf.close();
    return undefined; // a damaged layout or BTF header: a miss, rewritten
  }
}

const ascii = new TextDecoder('latin1');

/** Where the parts of a cache file are, in bytes from its start. */
interface Layout {
  btfAt: number;
  btfLen: number;
  offsetsAt: number;
  count: number;
  headsAt: number;
  headsLen: number;
  nextAt: number;
}

/**
 * Layout: MAGIC | u32 version | u32 keyLen | key | pad to 8 | u32 btfLen, count, headsLen, 0 |
 * btf (padded to 8) | offsets u32[count] | heads i32[headsLen] | next i32[count] (padded to 8) | TRAILER.
 *
 * Reads only the header, the key and the trailer (checking the file's size against the lengths
 * the header gives); the rest is read as the spec needs it (see {@link CacheBytes}).
 */
function decodeCache(pf: PagedFile, file: string, key: string, path: string, read: () => Uint8Array): Spec | undefined {
  const buf = pf.bytes;
  const need = (start: number, end: number): boolean => end <= buf.length && pf.fill(start, end);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (!need(0, 16) || ascii.decode(buf.subarray(0, 8)) !== MAGIC || view.getUint32(8, true) !== VERSION) return undefined;
  const keyLen = view.getUint32(12, true);
  if (16 + keyLen > buf.length - 16 || !need(16, 16 + keyLen)) return undefined;
  if (ascii.decode(buf.subarray(16, 16 + keyLen)) !== key) return undefined;
  let p = pad8(16 + keyLen);
  if (!need(p, p + 16)) return undefined;
  const btfLen = view.getUint32(p, true);
  const count = view.getUint32(p + 4, true);
  const headsLen = view.getUint32(p + 8, true);
  p += 16;
  const offsetsAt = p + pad8(btfLen);
  const headsAt = offsetsAt + 4 * count;
  const nextAt = headsAt + 4 * headsLen;
  const trailerAt = pad8(nextAt + 4 * count);
  if (trailerAt + 8 !== buf.length || !need(trailerAt, trailerAt + 8) || ascii.decode(buf.subarray(trailerAt)) !== TRAILER) return undefined;
  const layout: Layout = { btfAt: p, btfLen, offsetsAt, count, headsAt, headsLen, nextAt };
  return parseBtfLazily(buf.subarray(p, p + btfLen), undefined, {
    offsets: new Uint32Array(buf.buffer, buf.byteOffset + offsetsAt, count),
    nameIndex: {
      heads: new Int32Array(buf.buffer, buf.byteOffset + headsAt, headsLen),
      next: new Int32Array(buf.buffer, buf.byteOffset + nextAt, count),
    },
    lazyBytes: new CacheBytes(pf, layout, file, key, path, read),
  });
}

/**
 * The bytes of a cache file read on demand, for the spec made from it. If the file cannot be
 * read any more or changed since it was opened (the paged file breaks), the kernel's BTF is read
 * from `path` instead, if it is still the BTF the cache was made from, and the buffer is
 * completed from it: the BTF bytes copied, the record offsets and name index computed again
 * (both are functions of the bytes, so they equal what the cache held). Only if that fails too
 * does a fill throw, a {@link BtfParseError}.
 */
class CacheBytes implements LazyBytes {
  readonly #pf: PagedFile;
  readonly #layout: Layout;
  readonly #file: string;
  readonly #key: string;
  readonly #path: string;
  readonly #read: () => Uint8Array;
  #failed: BtfParseError | undefined;

  constructor(pf: PagedFile, layout: Layout, file: string, key: string, path: string, read: () => Uint8Array) {
    this.#pf = pf;
    this.#layout = layout;
    this.#file = file;
    this.#key = key;
    this.#path = path;
    this.#read = read;
  }

  fill(start: number, end: number): void {
    if (!this.#pf.fill(start, end)) this.#recover();
  }

  fillString(start: number, end: number): void {
    if (!this.#pf.fillString(start, end)) this.#recover();
  }

  fillAll(): void {
    if (!this.#pf.fillAll()) this.#recover();
  }

  #recover(): void {
    if (this.#failed) throw this.#failed;
    const L = this.#layout;
    const buf = this.#pf.bytes;
    try {
      if (identity(this.#path) !== this.#key) throw new Error(`${this.#path} is not the btf the cache was made from`);
      const bytes = this.#read();
      if (bytes.length !== L.btfLen) throw new Error(`${this.#path} has ${bytes.length} bytes, the cache ${L.btfLen}`);
      const idx = parseBtfLazily(bytes).rawIndex()!;
      if (idx.offsets.length !== L.count || idx.nameIndex.heads.length !== L.headsLen || idx.nameIndex.next.length !== L.count) {
        throw new Error(`${this.#path} does not give the index the cache has`);
      }
      buf.set(bytes, L.btfAt);
      new Uint32Array(buf.buffer, buf.byteOffset + L.offsetsAt, L.count).set(idx.offsets);
      new Int32Array(buf.buffer, buf.byteOffset + L.headsAt, L.headsLen).set(idx.nameIndex.heads);
      new Int32Array(buf.buffer, buf.byteOffset + L.nextAt, L.count).set(idx.nameIndex.next);
      this.#pf.markFilled();
    } catch (e) {
      this.#failed = new BtfParseError(
        'truncated',
        `btf: kernel btf cache ${this.#file}: changed or cut short while in use, and reading the kernel's btf instead failed: ${e instanceof Error ? e.message : String(e)}`,
      );
      throw this.#failed;
    }
  }
}

function pad8(n: number): number {
  return (n + 7) & ~7;
}

/** Writes `spec` (parsed from `btf`) as the cache for `key`, atomically; errors are ignored. */
function writeCache(dir: string, key: string, btf: Uint8Array, spec: Spec): void {
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
  writeCacheFile(dir, KERNEL_BTF_CACHE_FILE, parts);
}

/**
 * Returns the spec of the kernel BTF at `path`: from the cache in `dir` when it holds this BTF,
 * else from `read()` (and then saved to the cache).
 */
export function loadKernelBtfCached(path: string, read: () => Uint8Array, dir: string | undefined): Spec {
  const key = dir === undefined ? undefined : identity(path);
  if (dir === undefined || key === undefined) return parseBtfLazily(read());
  const file = join(dir, KERNEL_BTF_CACHE_FILE);
  const hit = readCache(file, key, path, read);
  if (hit) return hit;
  const bytes = read();
  const spec = parseBtfLazily(bytes);
  writeCache(dir, key, bytes, spec);
  return spec;
}
