/**
 * tracefs: where the kernel lists tracepoints (`events/<group>/<name>/id`). Found at
 * /sys/kernel/tracing or /sys/kernel/debug/tracing, and mounted at /sys/kernel/tracing when
 * neither is there.
 */
import type * as ChildProcess from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AttachTargetNotFoundError, MissingFeatureError } from './errors.js';

/** Where tracefs is mounted by default. */
export const TRACEFS = '/sys/kernel/tracing';
const DEBUGFS_TRACING = '/sys/kernel/debug/tracing';

let root: string | undefined;

function mountedTracefs(): string | undefined {
  try {
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const f = line.split(' ');
      if (f[2] === 'tracefs' && f[1] && existsSync(join(f[1], 'events'))) return f[1];
    }
  } catch {
    // no /proc: fall through
  }
  return undefined;
}

/**
 * The tracefs mount point, mounting tracefs at /sys/kernel/tracing when it is not mounted.
 * @throws {MissingFeatureError} when tracefs is not mounted and mounting it fails (not root, no tracefs).
 */
export function tracefsRoot(): string {
  if (root !== undefined && existsSync(join(root, 'events'))) return root;
  for (const dir of [TRACEFS, DEBUGFS_TRACING]) {
    if (existsSync(join(dir, 'events'))) return (root = dir);
  }
  const other = mountedTracefs();
  if (other) return (root = other);
  try {
    // Loaded here, not at import: node:child_process costs milliseconds every process would pay.
    const { execFileSync } = createRequire(import.meta.url)('node:child_process') as typeof ChildProcess;
    execFileSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? '').trim();
    throw new MissingFeatureError(
      'tracefs',
      `tracefs: not mounted at ${TRACEFS} or ${DEBUGFS_TRACING}, and mounting it failed: ${stderr || (e as Error).message} (run as root, or: mount -t tracefs nodev ${TRACEFS})`,
      { cause: e },
    );
  }
  if (!existsSync(join(TRACEFS, 'events'))) {
    throw new MissingFeatureError('tracefs', `tracefs: mounted at ${TRACEFS} but it has no events directory (kernel built without CONFIG_FTRACE?)`);
  }
  return (root = TRACEFS);
}

const NAME = /^[A-Za-z0-9_.-]+$/;

/** Throws a TypeError unless `s` is a tracepoint group or event name (no `/`, no `..`). */
export function checkTraceName(what: string, s: string, context: string): void {
  if (typeof s !== 'string' || !NAME.test(s) || s === '.' || s === '..') {
    throw new TypeError(`${context}: ${what} must be a tracefs name ([A-Za-z0-9_.-]+), got ${JSON.stringify(s)}`);
  }
}

/**
 * The id of tracepoint `<group>/<name>` from tracefs `events/<group>/<name>/id`.
 * @throws {AttachTargetNotFoundError} when the kernel has no such tracepoint.
 */
export function tracepointId(group: string, name: string): number {
  const context = `tracepoint ${group}/${name}`;
  checkTraceName('group', group, context);
  checkTraceName('name', name, context);
  const dir = tracefsRoot();
  const path = join(dir, 'events', group, name, 'id');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const hint = existsSync(join(dir, 'events', group)) ? '' : ` (no group ${group})`;
      throw new AttachTargetNotFoundError(`tracepoint ${group}/${name}`, `${context}: not found in ${join(dir, 'events')}${hint}`, { cause: e });
    }
    throw new Error(`${context}: read ${path}: ${(e as Error).message}`, { cause: e });
  }
  const id = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(id) || id < 0) throw new Error(`${context}: ${path} holds ${JSON.stringify(text.trim())}, not an id`);
  return id;
}
