/**
 * ReadOptions: the timeout and abort signal shared by the event readers' waiting calls, and the
 * waiting loops themselves (one copy for the ring buffer and perf readers).
 */
import { ClosedError } from '../sys/errors.js';

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

/** What a reader gives the shared waiting loops: a way to wait, whether it is closed, and its name. */
export interface WaitSource {
  /** The reader's name for errors (`ringbuf events`). */
  readonly label: string;
  /** Whether the reader was closed. */
  closed(): boolean;
  /** Waits for readiness: 'ready', 'timeout' or 'closed'. */
  wait(timeoutMs?: number, signal?: AbortSignal): Promise<'ready' | 'timeout' | 'closed'>;
}

/**
 * Tries `attempt` until it gives a result, waiting for readiness between tries; resolves with
 * undefined once the timeout of `opts` passes (after one last try).
 * @throws {ClosedError} when the reader is (or gets) closed; the signal's reason when it aborts.
 */
export async function waitFor<T>(src: WaitSource, opts: ReadOptions, attempt: () => T | undefined): Promise<T | undefined> {
  if (src.closed()) throw new ClosedError(src.label);
  const deadline = deadlineOf(opts, src.label);
  for (;;) {
    opts.signal?.throwIfAborted();
    const got = attempt();
    if (got !== undefined) return got;
    const left = remainingMs(deadline);
    if (left <= 0) return undefined;
    const r = await src.wait(left, opts.signal);
    if (r === 'closed' || src.closed()) throw new ClosedError(src.label);
    if (r === 'timeout') return attempt();
  }
}

/**
 * An async iterator over records taken with `take`, waiting for readiness when none is there;
 * it ends when the reader is closed. A record already available costs no extra await; leaving
 * the loop early does not close the reader.
 */
export function recordIterator<T>(src: WaitSource, take: () => T | undefined): AsyncIterableIterator<T> {
  const slow = async (): Promise<IteratorResult<T>> => {
    for (;;) {
      if (src.closed()) return { done: true, value: undefined };
      const rec = take();
      if (rec !== undefined) return { done: false, value: rec };
      if ((await src.wait()) === 'closed') return { done: true, value: undefined };
    }
  };
  const it: AsyncIterableIterator<T> = {
    next: () => {
      if (!src.closed()) {
        const rec = take();
        if (rec !== undefined) return Promise.resolve({ done: false, value: rec });
      }
      return slow();
    },
    return: () => Promise.resolve({ done: true, value: undefined }),
    [Symbol.asyncIterator]: () => it,
  };
  return it;
}
