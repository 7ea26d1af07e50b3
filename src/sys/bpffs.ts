/**
 * bpffs: the BPF file system where maps, programs and links are pinned.
 */
import type * as ChildProcess from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync, statfsSync } from 'node:fs';

/** The magic number of bpffs in statfs(2). */
export const BPF_FS_MAGIC = 0xcafe4a11;

/** The usual bpffs mount point. */
export const DEFAULT_BPFFS = '/sys/fs/bpf';

/** Whether `path` lies on a mounted bpffs. */
export function isBpffs(path: string): boolean {
  try {
    return statfsSync(path).type === BPF_FS_MAGIC;
  } catch {
    return false;
  }
}

/**
 * Why `path` (which exists) cannot hold pins: it is not on bpffs. Returns the explanation, naming
 * the file system type statfs(2) reports and where bpffs is mounted, or undefined when `path` is on
 * bpffs or cannot be examined.
 */
export function notOnBpffs(path: string): string | undefined {
  let type: number;
  try {
    type = statfsSync(path).type;
  } catch {
    return undefined;
  }
  if (type === BPF_FS_MAGIC) return undefined;
  const mounts = bpffsMounts();
  const where = mounts.length > 0 ? `bpffs is mounted at ${mounts.join(', ')}` : `no bpffs is mounted (mount -t bpf bpf ${DEFAULT_BPFFS})`;
  return `${path} is not on bpffs (statfs type 0x${type.toString(16)}, bpffs is 0x${BPF_FS_MAGIC.toString(16)}): only bpffs holds pins; ${where}`;
}

/**
 * Makes sure bpffs is mounted at `mountPoint` (default /sys/fs/bpf), mounting it when missing.
 * @throws {Error} saying why it could not mount (not root, no mount(8), ...).
 */
export function ensureBpffs(mountPoint = DEFAULT_BPFFS): void {
  if (isBpffs(mountPoint)) return;
  try {
    // Loaded here, not at import: node:child_process costs milliseconds every process would pay.
    const { execFileSync } = createRequire(import.meta.url)('node:child_process') as typeof ChildProcess;
    execFileSync('mount', ['-t', 'bpf', 'bpf', mountPoint], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? '').trim();
    throw new Error(`bpffs: not mounted at ${mountPoint} and mounting it failed: ${stderr || (e as Error).message} (run as root, or mount it: mount -t bpf bpf ${mountPoint})`, { cause: e });
  }
  if (!isBpffs(mountPoint)) throw new Error(`bpffs: mount at ${mountPoint} did not take effect`);
}

/** The mount points of bpffs listed in /proc/mounts. */
export function bpffsMounts(): string[] {
  try {
    return readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => f[2] === 'bpf')
      .map((f) => f[1]);
  } catch {
    return [];
  }
}
