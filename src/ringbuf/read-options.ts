/**
 * ReadOptions: the timeout and abort signal shared by the event readers' waiting calls.
 */

/** Options of the readers' waiting calls. */
export interface ReadOptions {
  /** Give up after this many milliseconds (resolve with nothing); 0 checks once without waiting. Default: wait forever. */
  timeoutMs?: number;
  /** Abort the wait: the call rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** The absolute deadline (performance.now() ms) of `opts`, Infinity for none. */
export function deadlineOf(opts: ReadOptions, label: string): number {
  if (!opts || typeof opts !== 'object') throw new TypeError(`${label}: options must be an object`);
  if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal)) throw new TypeError(`${label}: signal must be an AbortSignal`);
  const t = opts.timeoutMs;
  if (t === undefined || t === Infinity) return Infinity;
  if (typeof t !== 'number' || Number.isNaN(t) || t < 0) throw new RangeError(`${label}: timeoutMs must be a non-negative number, got ${String(t)}`);
  return performance.now() + t;
}

/** Milliseconds left until `deadline` (Infinity for none, <= 0 when passed). */
export function remainingMs(deadline: number): number {
  return deadline === Infinity ? Infinity : deadline - performance.now();
}
