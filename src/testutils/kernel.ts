/**
 * Kernel test helpers: decide once whether this process can use bpf(), and skip with the reason
 * otherwise. Under TSBPF_REQUIRE_PRIVILEGES=1 (CI) a test that would skip for lack of privileges
 * fails instead.
 *
 * Every skip of the suite goes through {@link skipIf}, with its reason: scripts/run-tests.mjs
 * records the skipped tests and, under TSBPF_REQUIRE_PRIVILEGES=1, fails when they differ from
 * .ci/expected-skips.txt (src/testutils/skip-policy.test.ts keeps other skips out).
 */
import type { TestContext } from 'node:test';
import { native } from '../sys/native.js';
import { MapCreateAttr } from '../sys/attrs.js';
import { Cmd } from '../sys/enums.gen.js';

let probed: string | null | undefined;

/** Why kernel tests cannot run here, or null when they can. */
export function kernelUnavailableReason(): string | null {
  if (probed !== undefined) return probed;
  if (process.platform !== 'linux') return (probed = `needs Linux (running ${process.platform})`);
  try {
    const a = native();
    const { bytes } = MapCreateAttr.encode({ map_type: 2, key_size: 4, value_size: 4, max_entries: 1, map_name: 'tsbpf_probe' });
    const fd = a.bpfRet(Cmd.BPF_MAP_CREATE, bytes);
    if (fd < 0) {
      probed = `needs root or CAP_BPF: bpf(BPF_MAP_CREATE) returned errno ${-fd}`;
    } else {
      a.close(fd);
      probed = null;
    }
  } catch (e) {
    probed = `bpf() unavailable: ${(e as Error).message}`;
  }
  return probed;
}

/**
 * Returns true when the test may use the kernel; otherwise skips it with the reason and returns
 * false, or throws under TSBPF_REQUIRE_PRIVILEGES=1.
 */
export function kernelTest(t: TestContext, extra?: { reason?: () => string | null }): boolean {
  const why = kernelUnavailableReason() ?? extra?.reason?.() ?? null;
  if (why === null) return true;
  if (process.env.TSBPF_REQUIRE_PRIVILEGES === '1') throw new Error(`kernel test cannot run: ${why} (TSBPF_REQUIRE_PRIVILEGES=1)`);
  skipIf(t, why);
  return false;
}

/**
 * Skips test `t` when `reason` is a string, saying why, and returns true; returns false (the test
 * goes on) when `reason` is null or undefined. The one way a test of this suite skips.
 */
export function skipIf(t: TestContext, reason: string | null | undefined): boolean {
  if (reason === null || reason === undefined) return false;
  if (reason.trim() === '') throw new Error('skipIf: a skip needs a reason');
  t.skip(reason);
  return true;
}

/** The open file descriptors of this process: fd number -> what it refers to (its /proc/self/fd link). */
export type FdSnapshot = ReadonlyMap<number, string>;

/** Takes a {@link FdSnapshot} of this process's open fds. */
export async function openFds(): Promise<FdSnapshot> {
  const { readdirSync, readlinkSync } = await import('node:fs');
  const fds = new Map<number, string>();
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      fds.set(Number(name), readlinkSync(`/proc/self/fd/${name}`));
    } catch {
      // closed while listing (the directory's own fd)
    }
  }
  return fds;
}

/**
 * Fails when an fd is open now that was not open (to the same thing) in `before`: what the code
 * under test opened and did not close. Fds closed meanwhile are not counted against it: the
 * garbage collector may close an unrelated fd some earlier test left to tsbpf's finalizer.
 */
export async function assertNoNewFds(before: FdSnapshot, message = 'no fd left open'): Promise<void> {
  const now = await openFds();
  const added = [...now].filter(([fd, target]) => before.get(fd) !== target);
  if (added.length > 0) {
    throw new Error(`${message}: ${added.length} fd(s) opened and still open: ${added.map(([fd, target]) => `${fd} -> ${target}`).join(', ')}`);
  }
}
