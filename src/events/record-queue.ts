/**
 * RecordQueue: the copies a reader has taken out of its rings but not yet handed over (filled in
 * bursts by `read()`/iteration, emptied one by one or by `drain`).
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

  /** Takes the next waiting record without refilling, or undefined when none is waiting. */
  shift(): R | undefined {
    if (this.empty) return undefined;
    const rec = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    return rec;
  }

  /** Drops every waiting record. */
  clear(): void {
    this.#items.length = 0;
    this.#head = 0;
  }
}
