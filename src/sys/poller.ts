/**
 * Poller: waits until one of a few fds is readable, through the addon's libuv `uv_poll` handles,
 * with a timeout, an AbortSignal and a close that wakes every waiter.
 */
import { native, type PollHandle } from './native.js';
import { syscallError } from './errors.js';

/** How a wait ended: an fd became readable, the timeout passed, or the poller was closed. */
export type WaitResult = 'ready' | 'timeout' | 'closed';

interface Waiter {
  resolve(r: WaitResult): void;
  reject(e: unknown): void;
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Waits for readability of a fixed set of fds. The uv_poll handles exist only while someone
 * waits: libuv polls level-triggered, so a handle left running over a readable fd would call back
 * on every loop iteration. Each wait therefore registers the fds afresh, and the kernel's poll
 * callback runs at registration: data that arrived between the caller's last check and the wait
 * is never missed.
 *
 * That holds for fds whose readiness is a level (a BPF ring buffer's poll checks for published
 * data). A perf event's readiness is a one-shot flag instead: perf_poll() clears it, and epoll
 * polls a new registration twice (on insert, then again before reporting it), so a flag set
 * before the registration reaches epoll is consumed and dropped, and data written just before a
 * wait would go unnoticed until the next write. For such fds pass `recheck`: once each newly
 * started registration has surely reached epoll (after one full event loop turn), the poller
 * calls it and, when it says data is there, resolves the waits with `ready`.
 *
 * Not safe to share between threads (nothing in Node is). The fds are borrowed: close the poller
 * before closing them.
 */
export class Poller {
  readonly #fds: readonly number[];
  readonly #label: string;
  #handles: PollHandle[] | null = null;
  readonly #waiters = new Set<Waiter>();
  #ref: boolean;
  #closed = false;
  readonly #recheck: (() => boolean) | undefined;
  /** Bumped at each registration, so a late recheck of an earlier one does nothing. */
  #generation = 0;

  /**
   * @param fds the fds to watch (borrowed).
   * @param label starts error messages (`ringbuf events`).
   * @param ref whether a pending wait keeps the process alive (default true).
   * @param recheck for one-shot readiness (perf events): whether data is there, asked once per registration after it reached epoll.
   */
  constructor(fds: readonly number[], label: string, ref = true, recheck?: () => boolean) {
    for (const fd of fds) {
      if (!Number.isSafeInteger(fd) || fd < 0 || fd > 2 ** 31 - 1) throw new RangeError(`${label}: poll: invalid fd ${String(fd)}`);
    }
    if (new Set(fds).size !== fds.length) throw new RangeError(`${label}: poll: fd listed twice`);
    this.#fds = fds.slice();
    this.#label = label;
    this.#ref = ref;
    this.#recheck = recheck;
  }

  /** Number of pending waits. */
  get waiting(): number {
    return this.#waiters.size;
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Resolves when any fd is readable (`ready`), after `timeoutMs` (`timeout`; none when undefined
   * or Infinity), or on close (`closed`). Rejects with `signal.reason` when the signal aborts,
   * and with a {@link SyscallError} when libuv reports an error on an fd.
   */
  wait(timeoutMs?: number, signal?: AbortSignal): Promise<WaitResult> {
    if (this.#closed) return Promise.resolve('closed');
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<WaitResult>((resolve, reject) => {
      const w: Waiter = { resolve, reject, timer: undefined, signal, onAbort: undefined };
      this.#waiters.add(w);
      try {
        this.#start();
      } catch (e) {
        this.#settle(w);
        reject(e);
        return;
      }
      if (timeoutMs !== undefined && timeoutMs !== Infinity) {
        w.timer = setTimeout(() => {
          this.#settle(w);
          resolve('timeout');
        }, Math.max(0, timeoutMs));
        if (!this.#ref) w.timer.unref();
      }
      if (signal) {
        w.onAbort = () => {
          this.#settle(w);
          reject(signal.reason);
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
    });
  }

  /** Whether pending waits keep the event loop (and so the process) alive. */
  setRef(on: boolean): void {
    this.#ref = on;
    if (this.#handles) for (const h of this.#handles) native().pollRef(h, on);
    for (const w of this.#waiters) {
      if (w.timer) {
        if (on) w.timer.ref();
        else w.timer.unref();
      }
    }
  }

  /** Stops watching and resolves every pending wait with `closed`; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const ws = [...this.#waiters];
    for (const w of ws) this.#settle(w);
    this.#stop();
    for (const w of ws) w.resolve('closed');
  }

  #start(): void {
    if (this.#handles) return;
    const a = native();
    const handles: PollHandle[] = [];
    const cb = (status: number): void => this.#onReadable(status);
    try {
      for (const fd of this.#fds) {
        const h = a.pollStart(fd, cb);
        handles.push(h);
        if (!this.#ref) a.pollRef(h, false);
      }
    } catch (e) {
      for (const h of handles) a.pollStop(h);
      const errno = (e as { errno?: number }).errno;
      throw typeof errno === 'number' ? syscallError('poll', 'uv_poll_start', Math.abs(errno), `${this.#label}: poll`, undefined, e) : e;
    }
    this.#handles = handles;
    if (this.#recheck) this.#scheduleRecheck(++this.#generation);
  }

  /**
   * Asks `recheck` once the registration made now has reached epoll: libuv adds new handles to
   * epoll at the start of its next poll phase, and a timer followed by an immediate runs after
   * that phase whichever phase this is called in.
   */
  #scheduleRecheck(generation: number): void {
    const check = (): void => {
      if (generation !== this.#generation || !this.#handles || this.#closed) return;
      let ready: boolean;
      try {
        ready = this.#recheck!();
      } catch {
        ready = true; // let the reader's own attempt report it
      }
      if (ready) this.#onReadable(0);
    };
    const timer = setTimeout(() => {
      const imm = setImmediate(check);
      if (!this.#ref) imm.unref();
    }, 0);
    if (!this.#ref) timer.unref();
  }

  #stop(): void {
    const hs = this.#handles;
    if (!hs) return;
    this.#handles = null;
    this.#generation++;
    const a = native();
    for (const h of hs) a.pollStop(h);
  }

  #settle(w: Waiter): void {
    if (!this.#waiters.delete(w)) return;
    if (w.timer) clearTimeout(w.timer);
    if (w.onAbort) w.signal!.removeEventListener('abort', w.onAbort);
    if (this.#waiters.size === 0) this.#stop();
  }

  #onReadable(status: number): void {
    const ws = [...this.#waiters];
    for (const w of ws) this.#settle(w);
    this.#stop();
    if (status < 0) {
      const err = syscallError('poll', 'uv_poll', -status, `${this.#label}: poll`);
      for (const w of ws) w.reject(err);
    } else {
      for (const w of ws) w.resolve('ready');
    }
  }
}
