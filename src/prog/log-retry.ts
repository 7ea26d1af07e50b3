/**
 * The load-with-log loop shared by BPF_PROG_LOAD and BPF_BTF_LOAD: try fast without a log, and
 * on failure retry with a log buffer that grows on ENOSPC; retry EAGAIN a few times.
 */
import { native } from '../sys/native.js';
import { Errno, errnoOf } from '../sys/errno.js';
import { splitLog } from './verifier-log.js';

/** Default first log buffer: 64 KiB. */
export const DEFAULT_LOG_SIZE = 64 * 1024;
/** Largest log buffer tried: 16 MiB. */
export const MAX_LOG_SIZE = 16 * 1024 * 1024;
/** The kernel refuses log buffers smaller than this. */
const MIN_LOG_SIZE = 128;
/** How often an EAGAIN from the kernel is retried. */
const EAGAIN_RETRIES = 5;

/** Options of the log retry loop. */
export interface LogOptions {
  /**
   * 0: no log unless the load fails (then level 1); 1 or 2 (and flag bits like 4, stats): always.
   * 4 alone (statistics only) is cheap on success; a failure is retried at 5 for the trace.
   */
  logLevel?: number;
  /** First log buffer size in bytes (default 64 KiB). */
  logSize?: number;
  /** Largest log buffer size (default 16 MiB). */
  maxLogSize?: number;
}

/** Encodes the attr for one attempt: log level, and the log buffer (null for none). */
export type EncodeAttempt = (logLevel: number, logBuf: Uint8Array | null) => { bytes: Uint8Array; ptrs: Array<number | Uint8Array | null>; trueSize: () => number };

/** The outcome of {@link loadWithLog}. */
export type LoadOutcome =
  | { ok: true; fd: number; log: string[] }
  | { ok: false; errno: number; log: string[]; truncated: boolean; cause: unknown };

/** Checks log options before any syscall. */
export function checkLogOptions(opts: LogOptions, what: string): void {
  const { logLevel, logSize, maxLogSize } = opts;
  if (logLevel !== undefined && (!Number.isInteger(logLevel) || logLevel < 0 || logLevel > 0xffff)) {
    throw new RangeError(`${what}: logLevel must be a small non-negative integer (0, 1, 2; 4 adds statistics), got ${String(logLevel)}`);
  }
  for (const [k, v] of Object.entries({ logSize, maxLogSize })) {
    if (v !== undefined && (!Number.isInteger(v) || v < MIN_LOG_SIZE || v > 0x3fffffff)) {
      throw new RangeError(`${what}: ${k} must be an integer between ${MIN_LOG_SIZE} and 2^30 - 1, got ${String(v)}`);
    }
  }
}

function attempt(cmd: number, encode: EncodeAttempt, level: number, buf: Uint8Array | null): { fd: number } | { errno: number; trueSize: number; cause: unknown } {
  for (let tries = 0; ; tries++) {
    const a = encode(level, buf);
    try {
      return { fd: native().bpf(cmd, a.bytes, a.ptrs) };
    } catch (e) {
      const errno = errnoOf(e);
      if (!errno) throw e;
      if (errno === Errno.EAGAIN && tries < EAGAIN_RETRIES) continue;
      return { errno, trueSize: a.trueSize(), cause: e };
    }
  }
}

/**
 * Runs a load command, first without a log (unless `logLevel` asks for one), then on failure
 * with a log at level 1 or more, growing the buffer on ENOSPC (to `log_true_size` when the kernel
 * reports it, else four times) up to `maxLogSize`.
 *
 * Never throws for a kernel error: the caller turns a failed outcome into its typed error. When
 * the log still did not fit, `truncated` is set and `errno` is the one of the log-less attempt.
 */
export function loadWithLog(cmd: number, encode: EncodeAttempt, opts: LogOptions = {}): LoadOutcome {
  const userLevel = opts.logLevel ?? 0;
  const max = Math.max(opts.maxLogSize ?? MAX_LOG_SIZE, MIN_LOG_SIZE);
  let firstErrno = 0;
  let firstCause: unknown;
  if (userLevel === 0) {
    const r = attempt(cmd, encode, 0, null);
    if ('fd' in r) return { ok: true, fd: r.fd, log: [] };
    firstErrno = r.errno;
    firstCause = r.cause;
  } else if ((userLevel & 3) === 0) {
    // Statistics only (BPF_LOG_STATS): cheap on success; a failure is retried with a trace.
    const buf = new Uint8Array(Math.min(Math.max(opts.logSize ?? DEFAULT_LOG_SIZE, MIN_LOG_SIZE), max));
    const r = attempt(cmd, encode, userLevel, buf);
    if ('fd' in r) return { ok: true, fd: r.fd, log: splitLog(buf) };
    firstErrno = r.errno;
    firstCause = r.cause;
  }
  const level = (userLevel & 3) === 0 ? userLevel | 1 : userLevel;
  let size = Math.min(Math.max(opts.logSize ?? DEFAULT_LOG_SIZE, MIN_LOG_SIZE), max);
  for (;;) {
    const buf = new Uint8Array(size);
    const r = attempt(cmd, encode, level, buf);
    if ('fd' in r) return { ok: true, fd: r.fd, log: userLevel > 0 ? splitLog(buf) : [] };
    if (r.errno === Errno.ENOSPC && size < max) {
      size = r.trueSize > size ? Math.min(r.trueSize, max) : Math.min(size * 4, max);
      continue;
    }
    const truncated = r.errno === Errno.ENOSPC;
    const errno = truncated && firstErrno ? firstErrno : r.errno;
    return { ok: false, errno, log: splitLog(buf), truncated, cause: truncated && firstCause ? firstCause : r.cause };
  }
}
