/**
 * RingBufReader: reads the records a BPF program submits to a BPF_MAP_TYPE_RINGBUF map.
 */
import { Fd } from '../sys/fd.js';
import { pageSize } from '../sys/page-size.js';
import { MAP_SHARED, PROT_READ, PROT_WRITE, mapMemory, unmap } from '../sys/mmap.js';
import { Poller } from '../sys/poller.js';
import { ClosedError } from '../sys/errors.js';
import { MapType, mapTypeShortName } from '../types.js';
import { RingView, type RecordCallback, type RingBufQuery } from './ring.js';
import { openReaderMap, type MapSource } from './map-fd.js';
import { RecordQueue } from './record-queue.js';
import { recordIterator, waitFor, type ReadOptions, type WaitSource } from './read-options.js';

/** One ring buffer record, copied out of the ring. */
export interface RingBufRecord {
  /** The sample the program submitted (a copy: it stays valid). */
  sample: Uint8Array;
  /** Bytes still published in the ring after this record when it was read (a lower bound). */
  remaining: number;
}

/** Options of {@link RingBufReader}. */
export interface RingBufReaderOptions {
  /** Whether a pending read keeps the process alive (default true); see {@link RingBufReader.unref}. */
  ref?: boolean;
}

/** Options of {@link RingBufReader.readBatch}. */
export interface BatchOptions extends ReadOptions {
  /** Hand over at most this many records in this call (default: all available). */
  max?: number;
}

/** How many records one refill of the copy queue takes out of the ring at most. */
const QUEUE_FILL = 1024;

/**
 * Reads a BPF ring buffer (BPF_MAP_TYPE_RINGBUF, Linux 5.8+) through its memory mapping.
 *
 * Three ways to read, which may be mixed (records keep their order):
 * - `for await (const rec of reader)`: records as copies, until the reader is closed;
 * - `read({ timeoutMs, signal })`: one record, or undefined after the timeout;
 * - `readBatch(cb)` / `drain(cb)`: every available record handed to `cb` in place, with no
 *   allocation per record. The view passed to `cb` is valid only until it returns.
 *
 * Waiting uses the map fd's readiness (epoll-readable while data is published) through a libuv
 * poll handle that exists only while a read waits. The kernel wakes readers only when the
 * consumer has caught up: a program submitting with BPF_RB_NO_WAKEUP leaves records unnoticed
 * until the next wake-up or timeout (a timed-out read checks the ring once more).
 *
 * The reader owns a duplicate fd of the map (when the process may make one) and two mappings
 * (the consumer page read-write, the producer page and data read-only); `close()` or `using`
 * releases them. A single reader per ring: two consumers would race on the consumer position.
 *
 * @example
 * using reader = new RingBufReader(events);
 * for await (const { sample } of reader) console.log(sample);
 * @throws {TypeError} when the map is not a ring buffer.
 * @throws {SyscallError} when mmap fails.
 * @remarks Requires Linux 5.8 (BPF_MAP_TYPE_RINGBUF).
 */
export class RingBufReader implements AsyncIterable<RingBufRecord>, Disposable {
  /** The map's name (as the kernel keeps it, or as the map object gives it). */
  readonly name: string;
  /** The ring's data size in bytes. */
  readonly ringSize: number;
  readonly #label: string;
  readonly #fd: Fd | undefined;
  #consumerMap: ArrayBuffer | undefined;
  #producerMap: ArrayBuffer | undefined;
  readonly #ring: RingView;
  readonly #poller: Poller;
  /** What the shared waiting loops need from this reader. */
  readonly #waiter: WaitSource = ((r) => ({
    get label() {
      return r.#label;
    },
    closed: () => r.#closed,
    wait: (timeoutMs?: number, signal?: AbortSignal) => r.#poller.wait(timeoutMs, signal),
  }))(this);
  #closed = false;
  readonly #queue = new RecordQueue<RingBufRecord>();
  readonly #push = (bytes: Uint8Array, offset: number, length: number, _view: DataView, remaining: number): void => {
    this.#queue.push({ sample: bytes.slice(offset, offset + length), remaining });
  };

  /**
   * Maps the ring of `map` (a {@link BpfMap} of type `MapType.RingBuf`, or `{ fd }`).
   * @throws {TypeError} when the map is not a ring buffer.
   * @throws {SyscallError} when reading the map's info or mapping it fails.
   */
  constructor(map: MapSource, opts: RingBufReaderOptions = {}) {
    const givenName = typeof map === 'object' && map !== null && typeof map.name === 'string' ? map.name : undefined;
    const rm = openReaderMap(map, `ringbuf ${givenName ?? '?'}`);
    this.name = givenName ?? rm.info.name;
    this.#label = `ringbuf ${this.name}`;
    this.#fd = rm.owned;
    try {
      if (rm.info.type !== MapType.RingBuf) {
        throw new TypeError(`${this.#label}: map type is ${mapTypeShortName(rm.info.type)}, not ringbuf (BPF_MAP_TYPE_RINGBUF)`);
      }
      const page = pageSize();
      this.ringSize = rm.info.maxEntries;
      this.#consumerMap = mapMemory(rm.fd, page, PROT_READ | PROT_WRITE, MAP_SHARED, 0, `${this.#label}: map consumer page`);
      this.#producerMap = mapMemory(rm.fd, page + 2 * this.ringSize, PROT_READ, MAP_SHARED, page, `${this.#label}: map producer page and data`);
      this.#ring = new RingView(this.#consumerMap, this.#producerMap, page, this.ringSize, this.#label);
      this.#poller = new Poller([rm.fd], this.#label, opts.ref ?? true);
    } catch (e) {
      unmap(this.#producerMap);
      unmap(this.#consumerMap);
      this.#fd?.close();
      throw e;
    }
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * What `bpf_ringbuf_query()` returns in the kernel: available data (producer − consumer
   * position, in bytes), ring size, consumer and producer positions.
   */
  query(): RingBufQuery {
    this.#check();
    return this.#ring.query();
  }

  /** Bytes published and not yet consumed (BPF_RB_AVAIL_DATA). */
  availableBytes(): number {
    this.#check();
    return this.#ring.producerPos() - this.#ring.consumerPos();
  }

  /**
   * Hands every record available now (at most `max`) to `cb` in place and returns how many;
   * never waits. `cb` receives `(bytes, offset, length, view)`: the sample is
   * `bytes[offset, offset + length)` and `view` is a DataView over `bytes`. These are views into
   * the mapping, valid only until `cb` returns (copy with `bytes.slice(offset, offset + length)`).
   * Discarded records are skipped; a record still being written (busy) ends the batch.
   * @throws {ClosedError} after close.
   * @throws {CorruptRecordError} for a record that runs past the published data.
   */
  drain(cb: RecordCallback, max = Infinity): number {
    this.#check();
    let n = 0;
    if (!this.#queue.empty) {
      n = this.#queue.drain(({ sample, remaining }) => cb(sample, 0, sample.length, new DataView(sample.buffer, sample.byteOffset, sample.byteLength), remaining), max, () => this.#closed);
      if (n >= max || this.#closed) return n;
    }
    return n + this.#ring.drain(cb, max - n);
  }

  /**
   * Waits until at least one record is available (or the timeout passes, or `signal` aborts),
   * then hands every available record to `cb` in place, like {@link RingBufReader.drain}.
   * Resolves with the number of records handed over: 0 only after a timeout.
   * @throws {ClosedError} when the reader is (or gets) closed.
   * @throws the signal's reason when it aborts.
   */
  async readBatch(cb: RecordCallback, opts: BatchOptions = {}): Promise<number> {
    this.#check();
    const max = opts.max ?? Infinity;
    return (await waitFor(this.#waiter, opts, () => {
      const n = this.drain(cb, max);
      return n > 0 ? n : undefined;
    })) ?? 0;
  }

  /**
   * Reads one record (a copy). Waits for one unless the timeout passes first, then resolves
   * with undefined; `timeoutMs: 0` never waits. Without a timeout it waits until a record comes,
   * the signal aborts, or the reader is closed.
   * @throws {ClosedError} when the reader is (or gets) closed.
   * @throws the signal's reason when it aborts.
   */
  async read(opts: ReadOptions = {}): Promise<RingBufRecord | undefined> {
    this.#check();
    return waitFor(this.#waiter, opts, () => this.#take());
  }

  /** Reads one record if one is available now (a copy), without waiting. */
  tryRead(): RingBufRecord | undefined {
    this.#check();
    return this.#take();
  }

  /**
   * Iterates records (copies) as they come; the iteration ends when the reader is closed.
   * Leaving the loop early does not close the reader.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<RingBufRecord> {
    return recordIterator(this.#waiter, () => this.#take());
  }

  /** Lets pending reads keep the process alive (the default). */
  ref(): this {
    this.#poller.setRef(true);
    return this;
  }

  /** Lets the process exit while a read is pending (the read then never settles). */
  unref(): this {
    this.#poller.setRef(false);
    return this;
  }

  /**
   * Stops polling, unmaps the ring and closes the reader's fd; pending reads reject with
   * {@link ClosedError} and iterations end. Idempotent. Safe to call from inside a callback.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ring.detach();
    this.#queue.clear();
    this.#poller.close();
    unmap(this.#producerMap);
    unmap(this.#consumerMap);
    this.#producerMap = undefined;
    this.#consumerMap = undefined;
    this.#fd?.close();
  }

  /** Same as {@link RingBufReader.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** A short description: `ringbuf events (4096 B)`. */
  toString(): string {
    return `${this.#label} (${this.ringSize} B${this.#closed ? ', closed' : ''})`;
  }

  #check(): void {
    if (this.#closed) throw new ClosedError(this.#label);
  }

  #take(): RingBufRecord | undefined {
    return this.#queue.take(() => this.#ring.drain(this.#push, QUEUE_FILL));
  }
}
