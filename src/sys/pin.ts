/**
 * Pinning: BPF objects (maps, programs, links) as files on bpffs, shared by all three.
 */
import { unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { Cmd } from './enums.gen.js';
import { ObjPinAttr } from './attrs.js';
import { bpf } from './syscall.js';
import { Errno } from './errno.js';
import { DEFAULT_BPFFS, ensureBpffs } from './bpffs.js';

/**
 * Pins a bpf object fd at `path` (BPF_OBJ_PIN), mounting the default bpffs when the path is under
 * it; errors start with `label` (`map counts`).
 */
export function pinFd(raw: number, path: string, label: string): void {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${label}: pin: path must be a non-empty string`);
  if (path.startsWith(`${DEFAULT_BPFFS}/`)) ensureBpffs();
  bpf(Cmd.BPF_OBJ_PIN, ObjPinAttr.encode({ pathname: Buffer.from(`${path}\0`), bpf_fd: raw }), `${label}: pin ${path}`, (e) =>
    e === Errno.ENOENT ? `directory ${dirname(path)} missing or not on bpffs` : e === Errno.EEXIST ? 'path already exists' : undefined,
  );
}

/**
 * Opens the object pinned at `path` (BPF_OBJ_GET) and returns its raw fd, which the caller owns.
 * @throws {KeyNotFoundError} when nothing is pinned there.
 */
export function openPinned(path: string, label: string): number {
  return bpf(Cmd.BPF_OBJ_GET, ObjPinAttr.encode({ pathname: Buffer.from(`${path}\0`) }), `${label}: open pinned`, (e) =>
    e === Errno.ENOENT ? 'no such pinned object' : undefined,
  );
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
