/**
 * Network interface names to indices, from /sys/class/net/<name>/ifindex.
 */
import { readFileSync } from 'node:fs';
import { AttachTargetNotFoundError } from './errors.js';

/**
 * The ifindex of `iface`: a number is returned as is; a name is read from
 * /sys/class/net/<name>/ifindex (in this process's network namespace).
 * @throws {AttachTargetNotFoundError} when there is no such interface.
 */
export function ifindexOf(iface: string | number, context: string): number {
  if (typeof iface === 'number') {
    if (!Number.isInteger(iface) || iface <= 0 || iface > 0x7fffffff) throw new RangeError(`${context}: ifindex must be a positive integer, got ${iface}`);
    return iface;
  }
  if (typeof iface !== 'string' || !/^[^/\0\s]{1,15}$/.test(iface) || iface === '.' || iface === '..') {
    throw new TypeError(`${context}: interface must be a name (at most 15 characters, no '/') or an ifindex, got ${JSON.stringify(iface)}`);
  }
  let text: string;
  try {
    text = readFileSync(`/sys/class/net/${iface}/ifindex`, 'utf8');
  } catch (e) {
    throw new AttachTargetNotFoundError(`interface ${iface}`, `${context}: no network interface ${iface} (in this network namespace)`, { cause: e });
  }
  const n = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${context}: /sys/class/net/${iface}/ifindex holds ${JSON.stringify(text.trim())}`);
  return n;
}
