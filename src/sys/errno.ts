/**
 * errno numbers and names.
 */
import { constants } from 'node:os';

const names: Record<number, string> = {};
for (const [name, value] of Object.entries(constants.errno)) names[value] ??= name;
// Kernel-internal codes that leak to user space through bpf().
names[524] = 'ENOTSUPP';
// Prefer the names the kernel's own headers and bpf docs use for aliased values.
names[11] = 'EAGAIN';
names[95] = 'EOPNOTSUPP';

/** errno values used by the library, by name. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EINVAL: 22,
  ENOSPC: 28,
  E2BIG: 7,
  ERANGE: 34,
  ENOSYS: 38,
  ELOOP: 40,
  EOPNOTSUPP: 95,
  ENOTSUPP: 524,
} as const;

/** The name of an errno value, e.g. `ENOENT`, or `errno N` when unknown. */
export function errnoName(errno: number): string {
  return names[errno] ?? `errno ${errno}`;
}

/** The errno carried by an error thrown by the native addon, or 0 when there is none. */
export function errnoOf(e: unknown): number {
  const n = (e as { errno?: unknown } | null)?.errno;
  return typeof n === 'number' ? Math.abs(n) : 0;
}
