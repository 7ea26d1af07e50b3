/**
 * RecordQueue: the copies a reader has taken out of its ring but not yet handed over (filled in
 * bursts by `read()`/iteration, emptied one by one or by `drain`). Shared by the ring buffer and
 * perf readers.
 */

/** A FIFO of records that reuses its array between fills. */
export class RecordQueue<R> {
  #items: Array<R | undefined> = [];
  #head = 0;

  /** Whether no record is waiting. */
  get empty(): boolean {
    return this.#head >= this.#items.length;
  }

  /** Appends a record (the readers' fill callbacks call this). */
  push(rec: R): void {
    this.#items.push(rec);
  }

  /** Takes the next record; when none is waiting, calls `refill` (which pushes) first. */
  take(refill: () => void): R | undefined {
    if (this.empty) {
      this.clear();
      refill();
      if (this.empty) return undefined;
    }
    const rec = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    return rec;
  }

  /** Hands waiting records to `fn`, at most `max`, stopping early once `stop()` says so; returns how many. */
  drain(fn: (rec: R) => void, max: number, stop: () => boolean): number {
    let n = 0;
    while (!this.empty && n < max) {
      const rec = this.#items[this.#head] as R;
      this.#items[this.#head++] = undefined;
      n++;
      fn(rec);
      if (stop()) break;
    }
    return n;
  }

  /** Drops every waiting record. */
  clear(): void {
    this.#items.length = 0;
    this.#head = 0;
  }
}
