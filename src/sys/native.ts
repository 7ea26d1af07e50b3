/**
 * The only module that finds and loads the native addon; tests may inject a fake binding.
 *
 * The addon is looked up as node-gyp-build does: a local build (`build/Release`, made by node-gyp
 * from native/bpf.c) first, then a prebuilt one shipped in the package (`prebuilds/linux-x64/` and
 * `prebuilds/linux-arm64/`, made by prebuildify in `npm pack`). A local build is opened directly
 * with `process.dlopen` (about 2 ms less on a cold start than loading node-gyp-build and going
 * through `require`); anything else goes through node-gyp-build.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A poller made by the addon's pollStart: an opaque, type-tagged handle the addon alone can read. */
export type PollHandle = { readonly __brand: 'tsbpf.PollHandle' };

/**
 * The functions of the native addon (native/bpf.c). Lengths, offsets and fds are checked in
 * TypeScript before each call; the addon also refuses a handle of the wrong kind (a TypeError with
 * code `ERR_TSBPF_HANDLE`) and a second release of one (code `ERR_TSBPF_RELEASED`).
 */
export interface NativeBinding {
  /** bpf(cmd, attr): result; throws an Error with `errno` and `code` on failure. `ptrs` = [offset, buffer, ...] pointer fields. */
  bpf(cmd: number, attr: Uint8Array, ptrs?: Array<number | Uint8Array | null>): number;
  /** bpf(cmd, attr): result, or -errno; never throws for a kernel error. */
  bpfRet(cmd: number, attr: Uint8Array): number;
  /**
   * Up to `max` bpf(cmd) calls (BPF_MAP_GET_NEXT_KEY) chaining keys: call i writes the address of
   * `keys[i * keySize]` at `nextKeyOffset` of `attr` and, after the first (which uses `attr` as
   * given), the previous key's address at `keyOffset`. Returns how many keys were written (fewer
   * than `max` when a call failed, e.g. ENOENT at the end), or -errno when the first call failed.
   * Throws a RangeError (code `ERR_TSBPF_RANGE`) unless both offsets leave 8 bytes in `attr`,
   * keySize > 0, and `keys` holds `max` keys; `keySize` must be the map's key size.
   */
  bpfNextKeys(cmd: number, attr: Uint8Array, keyOffset: number, nextKeyOffset: number, keys: Uint8Array, keySize: number, max: number): number;
  /** The address of a buffer's memory, which stays put while the buffer is alive. */
  addressOf(buf: Uint8Array): bigint;
  /** close(fd). */
  close(fd: number): void;
  /** perf_event_open(attr, pid, cpu, groupFd, flags) with optional pointer fields. */
  perfEventOpen(attr: Uint8Array, pid: number, cpu: number, groupFd: number, flags: number, ptrs?: Array<number | Uint8Array | null>): number;
  /** ioctl(fd, request, arg) with a numeric arg. */
  ioctl(fd: number, request: number, arg?: number): number;
  /** socket(domain, type, protocol). */
  socket(domain: number, type: number, protocol: number): number;
  /** setsockopt(fd, level, name, value). */
  setsockopt(fd: number, level: number, name: number, value: Uint8Array): void;
  /** mmap(fd, length, prot, flags, offset): an ArrayBuffer over the mapping. */
  mmap(fd: number, length: number, prot: number, flags: number, offset: number): ArrayBuffer;
  /** munmap(buffer): unmaps a buffer made by mmap and detaches it; throws on any other value or a second call. */
  munmap(buf: ArrayBuffer): void;
  /** Calls `cb` each time fd is readable, until pollStop. */
  pollStart(fd: number, cb: (status: number, events: number) => void): PollHandle;
  /** Stops a poller made by pollStart; throws on any other value or a second call. A collected handle stops itself. */
  pollStop(handle: PollHandle): void;
  /** Whether a poller keeps the event loop alive; throws once stopped. */
  pollRef(handle: PollHandle, on: boolean): void;
}

let binding: NativeBinding | undefined;
/** The real addon once loaded (kept while a test's fake stands in, so it is opened once). */
let real: NativeBinding | undefined;

/** node-gyp-build's finder: `build/Release`, `build/Debug`, then `prebuilds/<platform>-<arch>/`. */
type FindAddon = { path(dir: string): string };

/** How to get an addon built where no prebuilt one serves. */
const BUILD_HINT =
  'allow its install script (`npm pkg set allowScripts.tsbpf=true --json`) and run `npm rebuild tsbpf` ' +
  '(needs python3, make and a C compiler); in a tsbpf checkout, `npm run build:native`';

/**
 * The package root: two levels above this module in src/ and dist/ (and dist/chunks/), one level
 * above a bundled entry point such as dist/index.js; the first of those holding binding.gyp,
 * which ships with the package.
 */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  const looked: string[] = [];
  for (let up = 0; up < 3; up++, dir = dirname(dir)) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    looked.push(dir);
  }
  throw new Error(`tsbpf: native addon: no package root (binding.gyp) in ${looked.join(', ')}`);
}

/**
 * node-gyp-build's first choice, found without it: the first `.node` file in `build/Release`,
 * unless its environment variables (`TSBPF_PREBUILD`, `PREBUILDS_ONLY`) change where it looks.
 */
function localBuild(root: string): string | undefined {
  if (process.env.TSBPF_PREBUILD || process.env.PREBUILDS_ONLY) return undefined;
  const dir = join(root, 'build', 'Release');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined; // no local build: node-gyp-build looks further
  }
  const name = names.find((n) => n.endsWith('.node'));
  return name === undefined ? undefined : join(dir, name);
}

/** Opens the addon at an absolute `path` as `require` would, without its module lookup. */
function dlopen(path: string): NativeBinding {
  const module = { exports: {} };
  process.dlopen(module, path);
  return module.exports as NativeBinding;
}

function load(): NativeBinding {
  // TSBPF_ADDON names another build instead (scripts/asan.sh loads one built with AddressSanitizer).
  const override = process.env.TSBPF_ADDON;
  if (override) return createRequire(import.meta.url)(override) as NativeBinding;
  const root = packageRoot();
  let path = localBuild(root);
  if (path !== undefined) return open(path, dlopen);
  const require = createRequire(import.meta.url);
  try {
    path = (require('node-gyp-build') as FindAddon).path(root);
  } catch (e) {
    const cause = (e as Error).message.trim().replace(/\s*\n\s*/g, '; ');
    throw new Error(`tsbpf: native addon: no prebuilt addon matches this machine and none was built (${cause}): ${BUILD_HINT}`, { cause: e });
  }
  return open(path, (p) => require(p) as NativeBinding);
}

/** Opens the addon at `path` with `how`; an addon that does not load here gives an error saying how to build one. */
function open(path: string, how: (path: string) => NativeBinding): NativeBinding {
  try {
    return how(path);
  } catch (e) {
    // e.g. a prebuilt addon on a glibc older than 2.32 (`version GLIBC_2.32 not found`)
    throw new Error(`tsbpf: native addon: ${path} does not load here (${(e as Error).message.trim()}): ${BUILD_HINT}`, { cause: e });
  }
}

/** The native binding, loaded on first use. */
export function native(): NativeBinding {
  return (binding ??= real ??= load());
}

/** Replaces the native binding (tests use a fake); pass undefined to restore the real one. */
export function setNativeForTesting(fake: NativeBinding | undefined): void {
  binding = fake;
}
