/**
 * Pinning: BPF objects (maps, programs, links) as files on bpffs, shared by all three.
 */
import { unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { Cmd } from './enums.gen.js';
import { ObjPinAttr } from './attrs.js';
import { bpf } from './syscall.js';
import { Errno } from './errno.js';
import { DEFAULT_BPFFS, ensureBpffs, notOnBpffs } from './bpffs.js';
import { native } from './native.js';
import { checkObjectKind, type ObjectKind } from './object-kind.js';

/** Checks a bpffs path argument: a non-empty string without NUL bytes (the kernel would cut it there). */
function checkPath(path: unknown, context: string): string {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${context}: path must be a non-empty string, got ${typeof path === 'string' ? 'an empty string' : typeof path}`);
  if (path.includes('\0')) throw new TypeError(`${context}: path must not contain NUL bytes`);
  return path;
}

/**
 * Pins a bpf object fd at `path` (BPF_OBJ_PIN), mounting the default bpffs when the path is under
 * it; errors start with `label` (`map counts`).
 */
export function pinFd(raw: number, path: string, label: string): void {
  checkPath(path, `${label}: pin`);
  if (path.startsWith(`${DEFAULT_BPFFS}/`)) ensureBpffs();
  // Outside bpffs the kernel says EPERM, which would otherwise read as a missing capability.
  bpf(Cmd.BPF_OBJ_PIN, ObjPinAttr.encode({ pathname: Buffer.from(`${path}\0`), bpf_fd: raw }), `${label}: pin ${path}`, (e) =>
    e === Errno.ENOENT ? `directory ${dirname(path)} missing` : e === Errno.EEXIST ? 'path already exists' : e === Errno.EPERM ? notOnBpffs(dirname(path)) : undefined,
  );
}

/**
 * Opens the object pinned at `path` (BPF_OBJ_GET) and returns its raw fd, which the caller owns.
 * With `kind`, an object of another kind is refused (its fd closed): a TypeError saying what is
 * pinned there.
 * @throws {KeyNotFoundError} when nothing is pinned there; {@link TypeError} for a bad path or the wrong kind.
 */
export function openPinned(path: string, label: string, kind?: ObjectKind): number {
  checkPath(path, `${label}: open pinned`);
  // A file outside bpffs gives EACCES (EPERM on some kernels), not a capability problem.
  const fd = bpf(Cmd.BPF_OBJ_GET, ObjPinAttr.encode({ pathname: Buffer.from(`${path}\0`) }), `${label}: open pinned`, (e) =>
    e === Errno.ENOENT ? 'no such pinned object' : e === Errno.EACCES || e === Errno.EPERM ? notOnBpffs(path) : undefined,
  );
  if (kind !== undefined) {
    try {
      checkObjectKind(fd, kind, `${label}: open pinned`, 'pinned there');
    } catch (e) {
      native().close(fd);
      throw e;
    }
  }
  return fd;
}

/** Removes a pin file; with `missingOk`, a file already gone is not an error. */
export function unpinPath(path: string, label: string, missingOk = false): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if (missingOk && (e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new Error(`${label}: unpin ${path}: ${(e as Error).message}`, { cause: e });
  }
}
