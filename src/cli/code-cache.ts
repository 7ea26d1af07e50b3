/**
 * Runs the command line's one-file CommonJS bundle (dist/cli/tsbpf.cjs, made by
 * scripts/bundle.mjs) with a V8 code cache, so a `tsbpf` command does not parse and compile a
 * megabyte of JavaScript at every start (Node 20 has no compile cache for ES modules).
 *
 * The cache file (`cli-<build>.v8cache` in tsbpf's cache directory, src/sys/cache-file.ts, named
 * for the bundle's build hash so several tsbpf builds of one user do not overwrite each other's)
 * is read only when tsbpf's cache rules allow it (a regular file of the current user, not
 * writable by others), and is used only when its key matches: this cache format, Node and V8
 * versions, the architecture, and the bundle's build hash (the sha256 scripts/bundle.mjs wrote in
 * its first line), size and modification time; and when the CRC-32 of its V8 data matches. V8
 * checks the data's own header again (V8 version, flags, source length) and rejects a mismatch
 * by itself; a rejected, foreign, damaged or missing cache is rewritten at exit from what this
 * process compiled, and then cache files of other builds unused for 30 days are removed. Without `zlib.crc32` (Node before 20.15) no cache is read or written.
 */
import { isAscii } from 'node:buffer';
import { closeSync, fstatSync, lstatSync, openSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, version, versions } from 'node:process';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import type * as Zlib from 'node:zlib';
import { cacheDir, readCacheFile, readExactly, writeCacheFile } from '../sys/cache-file.js';

const MAGIC = 'TSBPFV8C';
const FORMAT = 1;
/** The cache file of a bundle with build hash `build` (or none). */
export function codeCacheFile(build: string): string {
  return `cli-${build.slice(0, 16)}.v8cache`;
}
const OTHER_BUILD = /^cli-[0-9a-f]{16}\.v8cache$|^cli-none\.v8cache$/;
const PRUNE_AFTER_MS = 30 * 24 * 3600 * 1000;
/** The first line of a bundle scripts/bundle.mjs made: `//tsbpf-bundle sha256:<64 hex digits>`. */
const BUILD_LINE = /^\/\/tsbpf-bundle sha256:([0-9a-f]{64})\n/;
const MAX_BUNDLE = 64 << 20;
const MAX_CACHE = 256 << 20;

/** What became of the code cache in {@link compileCached}. */
export type CodeCacheState = 'off' | 'missing' | 'stale' | 'rejected' | 'used';

/** A compiled bundle: run it once, then save what V8 compiled meanwhile (when the cache was not used). */
export interface CompiledBundle {
  /** What happened to the cache: `used` when V8 took it, else why not (`off`: no cache directory or no crc32). */
  readonly cache: CodeCacheState;
  /** Runs the bundle as a CommonJS module; returns its `module.exports`. */
  run(): unknown;
  /** Writes the cache file from the code compiled so far, unless the cache was used; returns whether it wrote. */
  save(): boolean;
}

function crc32(): ((data: Uint8Array) => number) | undefined {
  const zlib = createRequire(import.meta.url)('node:zlib') as typeof Zlib & { crc32?: (data: Uint8Array) => number };
  return typeof zlib.crc32 === 'function' ? zlib.crc32 : undefined;
}

/** The bundle's source text and the key a cache of it must carry; undefined if the file is missing. */
function readBundle(file: string): { source: string; key: string; build: string } | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cli: ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile() || st.size > BigInt(MAX_BUNDLE)) throw new Error(`cli: ${file}: not a regular file of at most ${MAX_BUNDLE} bytes`);
    const buf = Buffer.allocUnsafe(Number(st.size));
    if (!readExactly(fd, buf)) throw new Error(`cli: ${file}: shrank while read`);
    // scripts/bundle.mjs writes ASCII, which Latin-1 decodes exactly and fastest.
    const source = isAscii(buf) ? buf.toString('latin1') : buf.toString('utf8');
    const build = BUILD_LINE.exec(source)?.[1] ?? 'none';
    const key = JSON.stringify([FORMAT, version, versions.v8, arch, build, String(st.size), String(st.mtimeNs)]);
    return { source, key, build };
  } finally {
    closeSync(fd);
  }
}

/**
 * Layout: MAGIC | u32 format | u32 keyLen | u32 dataLen | u32 crc32(data) | key | data.
 * Returns the V8 data if the file is for `key` and whole.
 */
function decode(file: Uint8Array, key: string, crc: (d: Uint8Array) => number): Buffer | undefined {
  const b = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (b.length < 24 || b.toString('latin1', 0, 8) !== MAGIC || b.readUInt32LE(8) !== FORMAT) return undefined;
  const keyLen = b.readUInt32LE(12);
  const dataLen = b.readUInt32LE(16);
  if (24 + keyLen + dataLen !== b.length) return undefined;
  if (b.toString('utf8', 24, 24 + keyLen) !== key) return undefined;
  const data = b.subarray(24 + keyLen);
  return crc(data) === b.readUInt32LE(20) ? data : undefined;
}

/** Removes the cache files of other builds not modified for 30 days; errors are ignored. */
function prune(dir: string, keep: string): void {
  try {
    const now = Date.now();
    for (const f of readdirSync(dir)) {
      if (f === keep || !OTHER_BUILD.test(f)) continue;
      const p = join(dir, f);
      if (now - lstatSync(p).mtimeMs > PRUNE_AFTER_MS) rmSync(p, { force: true });
    }
  } catch {
    // An unreadable directory: nothing is pruned.
  }
}

function encode(key: string, data: Uint8Array, crc: (d: Uint8Array) => number): Uint8Array[] {
  const k = Buffer.from(key, 'utf8');
  const head = Buffer.alloc(24);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(FORMAT, 8);
  head.writeUInt32LE(k.length, 12);
  head.writeUInt32LE(data.length, 16);
  head.writeUInt32LE(crc(data), 20);
  return [head, k, data];
}

/**
 * Compiles the CommonJS bundle `file` with the code cache in cache directory `dir` (none when undefined);
 * undefined if `file` does not exist.
 *
 * @throws {Error} if `file` exists but cannot be read, or does not compile.
 */
export function compileCached(file: string, dir: string | undefined): CompiledBundle | undefined {
  const bundle = readBundle(file);
  if (!bundle) return undefined;
  const crc = dir === undefined ? undefined : crc32();
  const name = codeCacheFile(bundle.build);
  const raw = crc && readCacheFile(join(dir!, name), 24, MAX_CACHE);
  const cachedData = raw && crc ? decode(raw, bundle.key, crc) : undefined;
  // The wrapper stays on the bundle's first line, so line numbers in stack traces are the file's.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${bundle.source}\n})`, { filename: file, cachedData });
  const cache: CodeCacheState = !crc ? 'off' : !raw ? 'missing' : !cachedData ? 'stale' : script.cachedDataRejected ? 'rejected' : 'used';
  return {
    cache,
    run() {
      const fn = script.runInThisContext() as (...args: unknown[]) => void;
      const mod = { exports: {} as unknown };
      fn.call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
      return mod.exports;
    },
    save() {
      if (cache === 'off' || cache === 'used' || dir === undefined || !crc) return false;
      if (!writeCacheFile(dir, name, encode(bundle.key, script.createCachedData(), crc))) return false;
      prune(dir, name);
      return true;
    },
  };
}

/**
 * Runs the bundle `file` with the code cache, saving the cache when the process exits if it was
 * not used. Returns false (and runs nothing) when `file` does not exist.
 */
export function runCached(file: string): boolean {
  const b = compileCached(file, cacheDir());
  if (!b) return false;
  if (b.cache !== 'off' && b.cache !== 'used') process.once('exit', () => b.save());
  b.run();
  return true;
}
