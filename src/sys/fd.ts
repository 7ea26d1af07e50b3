/**
 * Fd: an owned file descriptor, closed exactly once.
 */
import { native } from './native.js';
import { ClosedError } from './errors.js';

const registry = new FinalizationRegistry<number>((raw) => {
  try {
    native().close(raw);
  } catch {
    // Nothing to report from a finalizer.
  }
});

const live = new Set<Fd>();
let tracking = false;

/**
 * An owned file descriptor. `close()` is idempotent; a forgotten Fd is closed when garbage collected.
 * Under {@link trackFds} every open Fd remembers where it was created.
 */
export class Fd {
  #raw: number;
  /** Where this fd was created, when tracking is on. */
  readonly stack: string | undefined;

  private constructor(raw: number) {
    this.#raw = raw;
    registry.register(this, raw, this);
    if (tracking) {
      this.stack = new Error().stack;
      live.add(this);
    }
  }

  /** Takes ownership of a raw fd. */
  static own(raw: number): Fd {
    if (!Number.isInteger(raw) || raw < 0) throw new RangeError(`fd: invalid file descriptor ${raw}`);
    return new Fd(raw);
  }

  /** The raw fd number; throws {@link ClosedError} naming `what` after close. */
  raw(what = 'fd'): number {
    if (this.#raw < 0) throw new ClosedError(what);
    return this.#raw;
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#raw < 0;
  }

  /** Closes the fd; later calls do nothing. */
  close(): void {
    const raw = this.#raw;
    if (raw < 0) return;
    this.#raw = -1;
    registry.unregister(this);
    live.delete(this);
    native().close(raw);
  }
}

/** Starts recording where each new Fd is created (for leak reports in tests). */
export function trackFds(on = true): void {
  tracking = on;
}

/** The Fds created under tracking and still open. */
export function liveFds(): readonly Fd[] {
  return [...live];
}
