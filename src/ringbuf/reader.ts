/**
 * RingBufReader: reads the records a BPF program submits to a BPF_MAP_TYPE_RINGBUF map.
 */
import { Fd } from '../sys/fd.js';
import { pageSize } from '../sys/page-size.js';
import { MAP_SHARED, PROT_READ, PROT_WRITE, mapMemory, unmap } from '../sys/mmap.js';
import { ClosedError } from '../sys/errors.js';
import { MapType, mapTypeShortName } from '../types.js';
import { EventReader } from '../events/event-reader.js';
import { openReaderMap, type MapSource } from '../events/map-fd.js';
import type { RecordBatch } from '../events/record.js';
import { RingView, type RingBufQuery, type RingBufRecord } from './ring.js';

export type { RingBufRecord } from './ring.js';
export type { BatchOptions } from '../events/read-options.js';

/** Options of {@link RingBufReader}. */
export interface RingBufReaderOptions {
  /** Whether a pending read keeps the process alive (default true); see {@link RingBufReader.unref}. */
  ref?: boolean;
}

/**
 * Reads a BPF ring buffer (BPF_MAP_TYPE_RINGBUF, Linux 5.8+) through its memory mapping.
 *
 * Five ways to read, which may be mixed (records keep their order); see {@link EventReader}:
 * - `for await (const rec of reader)`, `read({ timeoutMs, signal })`, `tryRead()`: copies;
 * - `for await (const ev of reader.records(Event))`: samples decoded with a codec, and
 *   `for await (const batch of reader.batches(Event))` the same in arrays (faster);
 * - `readBatch(cb)` / `drain(cb)`: every available record handed to `cb` in place;
 * - `readBatches(cb)` / `drainBatches(cb)`: runs of records as offsets and lengths.
 * The in-place forms allocate nothing per record; their views are valid only until `cb` returns.
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
 * for await (const ev of reader.records(Event)) console.log(ev.pid);
 * @throws {TypeError} when the map is not a ring buffer.
 * @throws {SyscallError} when mmap fails.
 * @remarks Requires Linux 5.8 (BPF_MAP_TYPE_RINGBUF).
 */
export class RingBufReader extends EventReader<RingBufRecord, [remaining: number], RecordBatch> {
  /** The map's name (as the kernel keeps it, or as the map object gives it). */
  readonly name: string;
  /** The ring's data size in bytes. */
  readonly ringSize: number;
  readonly #fd: Fd | undefined;
  #consumerMap: ArrayBuffer | undefined;
  #producerMap: ArrayBuffer | undefined;
  readonly #ring: RingView;

  /**
   * Maps the ring of `map` (a {@link BpfMap} of type `MapType.RingBuf`, or `{ fd }`).
   * @throws {TypeError} when the map is not a ring buffer.
   * @throws {SyscallError} when reading the map's info or mapping it fails.
   */
  constructor(map: MapSource, opts: RingBufReaderOptions = {}) {
    const givenName = typeof map === 'object' && map !== null && typeof map.name === 'string' ? map.name : undefined;
    const rm = openReaderMap(map, `ringbuf ${givenName ?? '?'}`);
    const name = givenName ?? rm.info.name;
    super(`ringbuf ${name}`);
    this.name = name;
    this.#fd = rm.owned;
    try {
      if (rm.info.type !== MapType.RingBuf) {
        throw new TypeError(`${this.label}: map type is ${mapTypeShortName(rm.info.type)}, not ringbuf (BPF_MAP_TYPE_RINGBUF)`);
      }
      const page = pageSize();
      this.ringSize = rm.info.maxEntries;
      this.#consumerMap = mapMemory(rm.fd, page, PROT_READ | PROT_WRITE, MAP_SHARED, 0, `${this.label}: map consumer page`);
      this.#producerMap = mapMemory(rm.fd, page + 2 * this.ringSize, PROT_READ, MAP_SHARED, page, `${this.label}: map producer page and data`);
      this.#ring = new RingView(this.#consumerMap, this.#producerMap, page, this.ringSize, this.label);
      this.start(this.#ring, [rm.fd], opts.ref ?? true);
    } catch (e) {
      this.release();
      throw e;
    }
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

  /** A short description: `ringbuf events (4096 B)`. */
  override toString(): string {
    return `${this.label} (${this.ringSize} B${this.closed ? ', closed' : ''})`;
  }

  /** Unmaps the ring and closes the reader's fd. */
  protected override release(): void {
    unmap(this.#producerMap);
    unmap(this.#consumerMap);
    this.#producerMap = undefined;
    this.#consumerMap = undefined;
    this.#fd?.close();
  }

  #check(): void {
    if (this.closed) throw new ClosedError(this.label);
  }
}
