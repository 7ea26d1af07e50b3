/**
 * ReadOptions and BatchOptions: the timeout, abort signal and record limit of the event readers'
 * calls, and their checks.
 */

/** Options of the readers' waiting calls. */
export interface ReadOptions {
  /** Give up after this many milliseconds (resolve with nothing); 0 checks once without waiting. Default: wait forever. */
  timeoutMs?: number;
  /** Abort the wait: the call rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** Options of `readBatch` and `readBatches`. */
export interface BatchOptions extends ReadOptions {
  /** Hand over at most this many records in this call (default: all available). */
  max?: number;
}

/** Options of `batches(codec)`. */
export interface BatchesOptions {
  /** Most records in one batch: a positive integer (default 128). */
  max?: number;
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

/**
 * Checks a record limit (`max` of drain and readBatch): a non-negative integer or Infinity.
 * @throws {RangeError} otherwise, naming the reader.
 */
export function checkMax(max: number, label: string): number {
  if (max === Infinity) return max;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 0) throw new RangeError(`${label}: max must be a non-negative integer or Infinity, got ${String(max)}`);
  return max;
}
