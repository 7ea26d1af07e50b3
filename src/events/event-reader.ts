/**
 * EventReader: the reader core shared by RingBufReader and PerfReader. It owns the queue of
 * copies taken ahead, the waiting loop (fd readiness through the Poller), the async iterators
 * (raw copies and decoded records), `ref`/`unref` and the one-time `close`; the subclasses
 * bring the rings (a {@link RecordSource}) and release their own fds and mappings.
 */
import { Poller } from '../sys/poller.js';
import { ClosedError } from '../sys/errors.js';
import type { Codec } from '../codec/codec.js';
import { RecordQueue } from './record-queue.js';
import { checkMax, deadlineOf, remainingMs, type BatchOptions, type BatchesOptions, type ReadOptions } from './read-options.js';
import { recordDecoder, type RecordDecoder } from './decode.js';
import type { BatchCallback, RecordBatch, RecordCallback } from './record.js';
import type { CopiedRecord, RecordSource } from './record-source.js';

/** How many records one refill of the copy queue takes out of the rings at most. */
const QUEUE_FILL = 1024;

const DONE: IteratorResult<never> = Object.freeze({ done: true, value: undefined });

/**
 * Records in one batch of {@link EventReader.batches} unless told otherwise: small enough that
 * a batch's values are still in the CPU cache when the loop over it reads them (measured with
 * bench/ringbuf.ts: 64 to 128 records per batch were fastest, 4096 about a quarter slower).
 */
const BATCHES_MAX = 128;

/**
 * The reading API of both event readers. Records can be read in five ways, which may be mixed
 * (records keep their order):
 * - `for await (const rec of reader)`, `read()`, `tryRead()`: records as copies;
 * - `for await (const ev of reader.records(codec))`: samples decoded with a codec, straight
 *   from the ring (no copy of the bytes); `reader.batches(codec)` yields them in arrays;
 * - `drain(cb)` / `readBatch(cb)`: every available record handed to `cb` in place;
 * - `drainBatches(cb)` / `readBatches(cb)`: runs of records in place as offset and length
 *   columns, for a loop in the caller;
 * The in-place forms allocate nothing per record; their views are valid only until the callback
 * returns.
 *
 * Waiting uses the fds' readiness through a libuv poll handle that exists only while a read
 * waits; `unref()` lets the process exit while one does. `close()` (or `using`) ends pending
 * reads with {@link ClosedError}, ends iterations and releases everything, once.
 */
export abstract class EventReader<Rec extends CopiedRecord, Extra extends unknown[], Batch extends RecordBatch>
  implements AsyncIterable<Rec>, Disposable
{
  readonly #label: string;
  #source: RecordSource<Rec, Extra, Batch> | undefined;
  #poller: Poller | undefined;
  #closed = false;
  readonly #queue = new RecordQueue<Rec>();
  readonly #push = (rec: Rec): void => this.#queue.push(rec);
  readonly #take = (): Rec | undefined => this.#queue.take(this.#fill);
  readonly #fill = (): void => this.#source!.copy(this.#push, QUEUE_FILL);

  /** @param label names the reader in errors (`ringbuf events`). */
  protected constructor(label: string) {
    this.#label = label;
  }

  /**
   * Starts reading `source`, waiting on `fds` (borrowed: close the reader before them). Called
   * once by the subclass constructor when its rings are mapped. `recheck` is for fds whose
   * readiness is a one-shot flag (perf events): whether data is there; see {@link Poller}.
   */
  protected start(source: RecordSource<Rec, Extra, Batch>, fds: readonly number[], ref: boolean, recheck?: () => boolean): void {
    this.#source = source;
    this.#poller = new Poller(fds, this.#label, ref, recheck);
  }

  /** Releases the subclass's fds and mappings; called once, by {@link EventReader.close}. */
  protected abstract release(): void;

  /** The reader's name in errors: `ringbuf events`, `perf events`. */
  protected get label(): string {
    return this.#label;
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Hands every record available now (at most `max`) to `cb` in place and returns how many;
   * never waits. Copies taken ahead by `read()` or an iteration come first. See
   * {@link RecordCallback} for what `cb` receives and how long it is valid.
   * @throws {ClosedError} after close.
   * @throws {RangeError} when `max` is not a non-negative integer or Infinity.
   * @throws {CorruptRecordError} for a record header that makes no sense.
   */
  drain(cb: RecordCallback<Extra>, max = Infinity): number {
    const src = this.#open();
    checkMax(max, this.#label);
    if (typeof cb !== 'function') throw new TypeError(`${this.#label}: drain: expected a callback, got ${String(cb)}`);
    let n = 0;
    const q = this.#queue;
    while (!q.empty && n < max) {
      n++;
      src.replay(q.shift()!, cb);
      if (this.#closed) return n;
    }
    return n >= max ? n : n + src.drain(cb, max - n);
  }

  /**
   * Waits until at least one record is available (or the timeout passes, or `signal` aborts),
   * then hands every available record (at most `max`) to `cb` in place, like
   * {@link EventReader.drain}. Resolves with the number handed over: 0 only after a timeout.
   * @throws {ClosedError} when the reader is (or gets) closed.
   * @throws the signal's reason when it aborts.
   */
  async readBatch(cb: RecordCallback<Extra>, opts: BatchOptions = {}): Promise<number> {
    this.#open();
    const max = checkMax(opts?.max ?? Infinity, this.#label);
    return (await this.#waitFor(opts, () => {
      const n = this.drain(cb, max);
      return n > 0 ? n : undefined;
    })) ?? 0;
  }

  /**
   * Hands every record available now (at most `max`) to `cb` in runs, each a {@link RecordBatch}
   * of offsets and lengths into the ring's memory, and returns the number of records; never
   * waits. The consumer position advances after each run, so a run is valid only until `cb`
   * returns. This is the fastest form: the loop over records is the caller's own.
   * @throws as {@link EventReader.drain}.
   */
  drainBatches(cb: BatchCallback<Batch>, max = Infinity): number {
    const src = this.#open();
    checkMax(max, this.#label);
    if (typeof cb !== 'function') throw new TypeError(`${this.#label}: drainBatches: expected a callback, got ${String(cb)}`);
    let n = 0;
    const q = this.#queue;
    while (!q.empty && n < max) {
      const b = src.batchOf(q.shift()!);
      n += b.count;
      cb(b);
      if (this.#closed) return n;
    }
    return n >= max ? n : n + src.drainBatches(cb, max - n);
  }

  /**
   * {@link EventReader.drainBatches} after waiting, as {@link EventReader.readBatch} is
   * {@link EventReader.drain} after waiting. Resolves with the number of records.
   * @throws as {@link EventReader.readBatch}.
   */
  async readBatches(cb: BatchCallback<Batch>, opts: BatchOptions = {}): Promise<number> {
    this.#open();
    const max = checkMax(opts?.max ?? Infinity, this.#label);
    return (await this.#waitFor(opts, () => {
      const n = this.drainBatches(cb, max);
      return n > 0 ? n : undefined;
    })) ?? 0;
  }

  /**
   * Hands every sample available now (at most `max`) to `cb`, decoded with `codec` straight
   * from the ring, and returns how many; never waits. `cb` also gets the run the sample came
   * from (for perf its `cpu`). Perf lost-samples records are skipped (they count in
   * `lostSamples`).
   * @throws {ShortRecordError} for a sample shorter than `codec.size`; its run counts as consumed.
   * @throws as {@link EventReader.drain}.
   */
  drainRecords<T>(codec: Codec<T>, cb: (value: T, run: Batch) => void, max = Infinity): number {
    const decode = recordDecoder(codec, this.#label);
    if (typeof cb !== 'function') throw new TypeError(`${this.#label}: drainRecords: expected a callback, got ${String(cb)}`);
    return this.drainBatches((b) => {
      const view = b.view;
      for (let i = 0; i < b.count; i++) {
        cb(decode(view, b.offsets[i], b.lengths[i]), b);
        if (this.#closed) return;
      }
    }, max);
  }

  /**
   * Reads one record (a copy). Waits for one unless the timeout passes first, then resolves
   * with undefined; `timeoutMs: 0` never waits. Without a timeout it waits until a record comes,
   * the signal aborts, or the reader is closed.
   * @throws {ClosedError} when the reader is (or gets) closed.
   * @throws the signal's reason when it aborts.
   */
  async read(opts: ReadOptions = {}): Promise<Rec | undefined> {
    this.#open();
    return this.#waitFor(opts, this.#take);
  }

  /** Reads one record if one is available now (a copy), without waiting. */
  tryRead(): Rec | undefined {
    this.#open();
    return this.#take();
  }

  /**
   * Iterates records (copies) as they come; the iteration ends when the reader is closed.
   * Leaving the loop early does not close the reader.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Rec> {
    return this.#iterate(this.#take);
  }

  /**
   * Iterates the samples decoded with `codec` (a generated struct codec, or any {@link Codec})
   * as they come, until the reader is closed: `for await (const ev of reader.records(Event))`.
   * Each is decoded straight from the ring, with no copy of its bytes (the value does not alias
   * the ring), and counts as consumed once yielded, so leaving the loop leaves the rest in the
   * ring. A ring buffer stores its consumer position once per run of records (at most 64 KiB or
   * a quarter of the ring) rather than per record: when the run is used up, when the ring has
   * nothing more, when the loop is left (`return()`), and before any other read, query or
   * `close()`. Each step costs one settled promise (one microtask); for more records per second
   * use {@link EventReader.batches}. A sample longer than the codec is
   * fine (perf samples carry padding); perf lost-samples records are skipped (they still count
   * in `lostSamples`).
   * @throws {TypeError} when `codec` is not a codec.
   * @throws {ShortRecordError} (from the iteration) for a sample shorter than `codec.size`; that
   *   record is consumed, so iterating again goes on with the next one.
   */
  records<T>(codec: Codec<T>): AsyncIterableIterator<T> {
    const decode = recordDecoder(codec, this.#label);
    return this.#iterate(() => this.#nextDecoded(decode));
  }

  /**
   * Iterates the samples decoded with `codec` in batches, as they come, until the reader is
   * closed: `for await (const batch of reader.batches(Event)) for (const ev of batch) ...`.
   * Each batch is a plain array of decoded values (one per record, in order, never empty) that
   * belongs to the caller: it is not reused, and the values do not alias the ring (a codec's
   * `decode` must not alias its view). A batch holds the records available when it is taken, at
   * most `max` (default 128: small batches keep the values in the CPU cache while the loop
   * reads them); waiting happens only between batches, so this costs one settled promise per
   * batch instead of one per record: the fast idiomatic form.
   *
   * Records are consumed as their batch is taken; leaving the loop leaves the rest in the ring.
   * Copies taken ahead by `read()` come first. Perf lost-samples records are skipped (they count
   * in `lostSamples`).
   * @throws {TypeError} when `codec` is not a codec.
   * @throws {RangeError} when `max` is not a positive integer.
   * @throws {ShortRecordError} (from the iteration) for a sample shorter than `codec.size`: the
   *   records before it come as a batch first, the next step throws, and that record is
   *   consumed, so iterating again goes on with the one after it.
   */
  batches<T>(codec: Codec<T>, opts: BatchesOptions = {}): AsyncIterableIterator<T[]> {
    const decode = recordDecoder(codec, this.#label);
    if (!opts || typeof opts !== 'object') throw new TypeError(`${this.#label}: batches: options must be an object, got ${String(opts)}`);
    const max = opts.max ?? BATCHES_MAX;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
      throw new RangeError(`${this.#label}: batches: max must be a positive integer, got ${String(max)}`);
    }
    // An error met after some records of a batch: thrown by the next step, after the batch.
    let failed: { error: unknown } | undefined;
    const take = (): T[] | undefined => {
      if (failed) {
        const { error } = failed;
        failed = undefined;
        throw error;
      }
      const out: T[] = [];
      try {
        while (out.length < max) {
          const v = this.#nextDecoded(decode);
          if (v === undefined) break;
          out.push(v);
        }
      } catch (error) {
        if (out.length === 0) throw error;
        failed = { error };
      }
      return out.length > 0 ? out : undefined;
    };
    return this.#iterate(take);
  }

  /** Lets pending reads keep the process alive (the default). */
  ref(): this {
    this.#poller?.setRef(true);
    return this;
  }

  /** Lets the process exit while a read is pending (the read then never settles). */
  unref(): this {
    this.#poller?.setRef(false);
    return this;
  }

  /**
   * Stops polling and releases the reader's fds and mappings; pending reads reject with
   * {@link ClosedError} and iterations end. Idempotent. Safe to call from inside a callback.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#source?.detach();
    this.#queue.clear();
    this.#poller?.close();
    this.release();
  }

  /** Same as {@link EventReader.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  #open(): RecordSource<Rec, Extra, Batch> {
    if (this.#closed) throw new ClosedError(this.#label);
    return this.#source!;
  }

  #nextDecoded<T>(decode: RecordDecoder<T>): T | undefined {
    const q = this.#queue;
    const src = this.#source!;
    while (!q.empty) {
      const rec = q.shift()!;
      if (!src.isSample(rec)) continue;
      const s = rec.sample;
      return decode(new DataView(s.buffer, s.byteOffset, s.byteLength), 0, s.length);
    }
    return src.next(decode);
  }

  /** Waits for readiness: 'ready', 'timeout' or 'closed'. */
  #wait(timeoutMs?: number, signal?: AbortSignal): Promise<'ready' | 'timeout' | 'closed'> {
    return this.#poller!.wait(timeoutMs, signal);
  }

  /**
   * Tries `attempt` until it gives a result, waiting for readiness between tries; resolves with
   * undefined once the timeout of `opts` passes (after one last try).
   * @throws {ClosedError} when the reader is (or gets) closed; the signal's reason when it aborts.
   */
  async #waitFor<T>(opts: ReadOptions, attempt: () => T | undefined): Promise<T | undefined> {
    if (this.#closed) throw new ClosedError(this.#label);
    const deadline = deadlineOf(opts, this.#label);
    for (;;) {
      opts.signal?.throwIfAborted();
      const got = attempt();
      if (got !== undefined) return got;
      const left = remainingMs(deadline);
      if (left <= 0) return undefined;
      const r = await this.#wait(left, opts.signal);
      if (r === 'closed' || this.#closed) throw new ClosedError(this.#label);
      if (r === 'timeout') return attempt();
    }
  }

  /**
   * An async iterator over what `take` gives, waiting for readiness when it gives nothing; it
   * ends when the reader is closed. A record already available costs no extra await (one
   * settled promise per record); leaving the loop early does not close the reader.
   */
  #iterate<T>(take: () => T | undefined): AsyncIterableIterator<T> {
    const slow = async (): Promise<IteratorResult<T>> => {
      for (;;) {
        if (this.#closed) return DONE;
        const rec = take();
        if (rec !== undefined) return { done: false, value: rec };
        if ((await this.#wait()) === 'closed') return DONE;
      }
    };
    const it: AsyncIterableIterator<T> = {
      next: () => {
        if (this.#closed) return Promise.resolve(DONE);
        let rec: T | undefined;
        try {
          rec = take();
        } catch (e) {
          return Promise.reject(e);
        }
        return rec !== undefined ? Promise.resolve({ done: false, value: rec }) : slow();
      },
      return: () => {
        // Leaving the loop: store the consumer position past what was handed out.
        if (!this.#closed) this.#source!.settle();
        return Promise.resolve(DONE);
      },
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }
}
