/**
 * The only module that finds and loads the native addon; tests may inject a fake binding.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

function load(): NativeBinding {
  // The package root is two levels above this module in src/ and dist/, one level above a
  // bundled entry point: look in each for build/{Release,Debug}/tsbpf.node. TSBPF_ADDON names
  // another build instead (scripts/asan.sh loads one built with AddressSanitizer).
  const candidates: string[] = [];
  const override = process.env.TSBPF_ADDON;
  if (override) candidates.push(override);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; !override && up < 3; up++, dir = dirname(dir)) {
    candidates.push(join(dir, 'build', 'Release', 'tsbpf.node'), join(dir, 'build', 'Debug', 'tsbpf.node'));
  }
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    throw new Error(`tsbpf: native addon not built (looked for ${candidates.join(', ')}); run \`npm install\` (needs python3, make and a C compiler)`);
  }
  return createRequire(import.meta.url)(path) as NativeBinding;
}

/** The native binding, loaded on first use. */
export function native(): NativeBinding {
  return (binding ??= load());
}

/** Replaces the native binding (tests use a fake); pass undefined to restore the real one. */
export function setNativeForTesting(fake: NativeBinding | undefined): void {
  binding = fake;
}
