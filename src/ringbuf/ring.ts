/**
 * RingView: the consumer side of a BPF ring buffer (BPF_MAP_TYPE_RINGBUF) over its two mappings,
 * with no system calls: the reader maps the memory and waits, this file walks the records.
 *
 * Layout (kernel/bpf/ringbuf.c): page 0 holds `consumer_pos` (mapped read-write, written only by
 * user space); page 1 holds `producer_pos` (read-only), followed by the data pages, which the
 * kernel maps twice in a row so a record never wraps: a record at `pos & mask` can be read
 * straight through even when it crosses the end of the ring. Each record starts with an 8-byte
 * header, `struct bpf_ringbuf_hdr { u32 len; u32 pg_off; }`, where `len` carries
 * BPF_RINGBUF_BUSY_BIT (reserved, not committed yet) and BPF_RINGBUF_DISCARD_BIT (dropped by
 * the program); records are padded to 8 bytes.
 *
 * Memory ordering. The producer writes the header `len | BUSY` before publishing `producer_pos`
 * (smp_store_release), then writes the sample and clears BUSY with smp_store_release on `len`.
 * The consumer reads `producer_pos`, then each header, then the sample, then stores
 * `consumer_pos`; libbpf uses load-acquire / store-release for these. JavaScript has no acquire
 * loads on non-shared memory short of Atomics, so this reader relies on:
 *  - program order of plain loads and stores, which V8 keeps for typed-array and DataView
 *    accesses to memory it cannot prove unaliased, and which x86-64 (TSO) keeps in hardware:
 *    loads are not reordered with older loads, stores not with older loads. On weakly ordered
 *    CPUs (arm64, ...) the header load and the consumer store go through `Atomics.load` /
 *    `Atomics.store` (sequentially consistent, so at least acquire / release) instead.
 *  - the wake-up path: the reader checks the ring after a native poll wake-up or a system call,
 *    and both are full barriers, so everything the kernel published before is visible.
 * Busy-polling (calling `drain` in a loop without any wait or system call in between) works on
 * x86-64 for the reasons above, but V8 gives no formal guarantee that a tight loop re-reads
 * memory it did not write; let the loop yield (await something) between attempts.
 *
 * Positions are 64-bit counters held in JS numbers: exact up to 2^53 bytes (8 PiB) of traffic.
 * `consumer_pos` is written as one 32-bit store except when its upper half changes (once per
 * 4 GiB consumed); a producer that reads it in that instant sees a position far off and fails
 * one reservation (the program sees -EAGAIN), which is the cost of having no 64-bit atomic store.
 */
import { endianness } from 'node:os';
import { CorruptRecordError } from '../events/errors.js';
import { BatchBuffer, type BatchCallback, type RecordBatch, type RecordCallback } from '../events/record.js';
import type { RecordDecoder } from '../events/decode.js';
import type { RecordSource } from '../events/record-source.js';

/** BPF_RINGBUF_BUSY_BIT: the record is reserved but not committed. */
export const RINGBUF_BUSY_BIT = 0x8000_0000;
/** BPF_RINGBUF_DISCARD_BIT: the program discarded the record; skip it. */
export const RINGBUF_DISCARD_BIT = 0x4000_0000;
/** BPF_RINGBUF_HDR_SZ: the size of a record header. */
export const RINGBUF_HEADER_SIZE = 8;

const LE = endianness() === 'LE';
const LO = LE ? 0 : 4;
const HI = LE ? 4 : 0;
const TWO32 = 0x1_0000_0000;
/** Plain loads are enough on TSO machines; elsewhere use Atomics for acquire/release. */
const ORDERED = process.arch === 'x64' || process.arch === 'ia32';

export type { RecordCallback } from '../events/record.js';

/** One ring buffer record, copied out of the ring. */
export interface RingBufRecord {
  /** The sample the program submitted (a copy: it stays valid). */
  sample: Uint8Array;
  /** Bytes still published in the ring after this record when it was read (a lower bound). */
  remaining: number;
}

/** What `bpf_ringbuf_query()` reports in the kernel, read from the mapping. */
export interface RingBufQuery {
  /** BPF_RB_AVAIL_DATA: bytes published and not consumed (producer − consumer position), headers and uncommitted records included. */
  availData: number;
  /** BPF_RB_RING_SIZE: the ring's data size in bytes. */
  ringSize: number;
  /** BPF_RB_CONS_POS: the consumer position (bytes consumed since creation). */
  consumerPos: number;
  /** BPF_RB_PROD_POS: the producer position (bytes reserved since creation). */
  producerPos: number;
}

/** Reads a u64 counter as a number; `hi` is read twice so a carry between the halves is never torn. */
function readPos(words: Uint32Array): number {
  for (;;) {
    const hi = words[HI >> 2];
    const lo = words[LO >> 2];
    if (words[HI >> 2] === hi) return hi * TWO32 + lo;
  }
}

/** Where one walk over the ring stands: positions relative to `start`, in small integers. */
class Walk {
  /** Bytes walked: the consumer position is `start + done` once they are consumed. */
  done = 0;
  /** Bytes already consumed (stored as the consumer position). */
  stored = 0;
  /** Where the sample of the record the walk stands on starts in the data area. */
  at = 0;
  /** How far {@link RingView.next} walks before storing the consumer position (drain walks all of `avail`). */
  until = 0;
  /** A busy record or a corrupt one ended the walk. */
  blocked = false;
  /** The corrupt record that ended the walk, if one did. */
  error: CorruptRecordError | undefined;
  constructor(
    /** The consumer position where the walk began. */
    readonly start: number,
    /** Bytes published past `start` when the walk began (at most the ring size). */
    readonly avail: number,
    /** The ring offset of the next header. */
    public off: number,
  ) {}
}

/**
 * The consumer side of one ring buffer over two memory regions: `consumerPage` (page 0 of the
 * map, read-write) and `producer` (page 1 onwards: the producer page, then the data twice).
 * Pure: tests drive it over plain ArrayBuffers.
 */
export class RingView implements RecordSource<RingBufRecord, [remaining: number], RecordBatch> {
  /** The ring's data size in bytes (a power of two). */
  readonly ringSize: number;
  /** `ringSize - 1`. */
  readonly mask: number;
  /** The data area, mapped twice: `2 * ringSize` bytes, so a record at `pos & mask` never wraps. */
  readonly bytes: Uint8Array;
  /** A DataView over {@link RingView.bytes}. */
  readonly view: DataView;
  readonly #cons: Uint32Array;
  readonly #prod: Uint32Array;
  readonly #hdr: Uint32Array;
  readonly #label: string;
  readonly #batch: BatchBuffer;
  /** The walk {@link RingView.next} goes on with; its consumer position is stored by {@link RingView.settle}. */
  #run: Walk | undefined;
  /** Most bytes one run of {@link RingView.next} holds back from the producer: 64 KiB or a quarter of the ring. */
  readonly #runBytes: number;
  #closed = false;

  /**
   * @param consumerPage page 0 of the map (at least 8 bytes; `consumer_pos` at offset 0).
   * @param producer page 1 onwards: `producer_pos` at offset 0, data from `pageSize` on, `2 * ringSize` bytes.
   * @param label names the reader in errors.
   */
  constructor(consumerPage: ArrayBuffer, producer: ArrayBuffer, pageSize: number, ringSize: number, label = 'ringbuf') {
    if (!Number.isInteger(ringSize) || ringSize < 8 || (ringSize & (ringSize - 1)) !== 0 || ringSize > 0x4000_0000) {
      throw new RangeError(`${label}: ring size ${ringSize} is not a power of two in [8, 2^30]`);
    }
    if (consumerPage.byteLength < 8) throw new RangeError(`${label}: consumer page is ${consumerPage.byteLength} bytes, need 8`);
    if (!Number.isInteger(pageSize) || pageSize < 8 || pageSize % 8 !== 0) throw new RangeError(`${label}: page size ${pageSize} is invalid`);
    if (producer.byteLength < pageSize + 2 * ringSize) {
      throw new RangeError(`${label}: producer mapping is ${producer.byteLength} bytes, need ${pageSize + 2 * ringSize} (page + 2 x ring)`);
    }
    this.ringSize = ringSize;
    this.mask = ringSize - 1;
    this.#label = label;
    this.#cons = new Uint32Array(consumerPage, 0, 2);
    this.#prod = new Uint32Array(producer, 0, 2);
    this.bytes = new Uint8Array(producer, pageSize, 2 * ringSize);
    this.view = new DataView(producer, pageSize, 2 * ringSize);
    this.#hdr = new Uint32Array(producer, pageSize, (2 * ringSize) >>> 2);
    this.#batch = new BatchBuffer(this.bytes, this.view);
    this.#runBytes = Math.min(ringSize >>> 2, 0x1_0000);
  }

  /**
   * Stores what {@link RingView.next} handed out, then marks the memory gone (the reader is
   * about to unmap it): walks stop, nothing more is read or written.
   */
  detach(): void {
    if (this.#closed) return;
    this.settle();
    this.#closed = true;
  }

  /** Whether {@link RingView.detach} was called. */
  get detached(): boolean {
    return this.#closed;
  }

  /** The consumer position as stored in page 0, after storing what {@link RingView.next} handed out. */
  consumerPos(): number {
    this.settle();
    return readPos(this.#cons);
  }

  /** The producer position as published by the kernel. */
  producerPos(): number {
    return readPos(this.#prod);
  }

  /** What bpf_ringbuf_query() would return, read from the mapping. */
  query(): RingBufQuery {
    const consumerPos = this.consumerPos();
    const producerPos = this.producerPos();
    return { availData: producerPos - consumerPos, ringSize: this.ringSize, consumerPos, producerPos };
  }

  /** Whether a committed or discarded record is waiting (the ring may still hold only busy ones when false). */
  hasCommitted(): boolean {
    const cons = this.consumerPos();
    if (this.producerPos() <= cons) return false;
    return (this.#lenAt(cons % this.ringSize) & RINGBUF_BUSY_BIT) === 0;
  }

  #lenAt(off: number): number {
    return ORDERED ? this.#hdr[off >>> 2] : Atomics.load(this.#hdr, off >>> 2);
  }

  #storeCons(oldPos: number, newPos: number): void {
    const lo = newPos % TWO32;
    const hi = (newPos - lo) / TWO32;
    const words = this.#cons;
    if (hi !== Math.floor(oldPos / TWO32)) {
      // Upper half changes (once per 4 GiB): two stores; see the file comment.
      if (ORDERED) {
        words[LO >> 2] = lo;
        words[HI >> 2] = hi;
      } else {
        Atomics.store(words, LO >> 2, lo);
        Atomics.store(words, HI >> 2, hi);
      }
    } else if (ORDERED) {
      words[LO >> 2] = lo;
    } else {
      Atomics.store(words, LO >> 2, lo);
    }
  }

  /**
   * Starts a walk at the consumer position: undefined when nothing is published.
   * @throws {CorruptRecordError} when the producer claims more than the ring holds.
   */
  #begin(): Walk | undefined {
    const start = readPos(this.#cons);
    const published = this.producerPos() - start;
    if (published > this.ringSize) {
      throw new CorruptRecordError(this.#label, start, `producer position is ${published} bytes ahead, more than the ${this.ringSize}-byte ring`);
    }
    if (published <= 0) return undefined;
    return new Walk(start, published | 0, start & this.mask);
  }

  /**
   * The one loop step over record headers: moves walk `w` to the next committed record,
   * stepping over discarded ones, and returns its sample length (the sample starts at `w.at` in
   * {@link RingView.bytes}); -1 when the walk ends instead: `until` bytes walked, a busy record
   * (`w.blocked`), or one that runs past the published data (`w.error`, and `w.blocked`).
   *
   * Everything stays in small integers (avail <= ringSize <= 2^30), so nothing is boxed per
   * record. Each header is checked against what is left of the published data before the record
   * counts: a hostile length cannot reach past it, and the data is mapped twice, so
   * `at + length` stays inside `bytes`.
   */
  #advance(w: Walk, until: number): number {
    const hdr = this.#hdr;
    let off = w.off;
    let done = w.done;
    while (done < until) {
      const len = ORDERED ? hdr[off >>> 2] : Atomics.load(hdr, off >>> 2);
      if ((len & RINGBUF_BUSY_BIT) !== 0) break;
      const size = len & 0x3fff_ffff;
      const step = (size + RINGBUF_HEADER_SIZE + 7) & ~7;
      if (step > w.avail - done) {
        w.error = new CorruptRecordError(this.#label, w.start + done, `length ${size} runs past the published data (${w.avail - done} bytes left)`);
        break;
      }
      done += step;
      const at = off + RINGBUF_HEADER_SIZE;
      off = (off + step) & this.mask;
      if ((len & RINGBUF_DISCARD_BIT) === 0) {
        w.at = at;
        w.off = off;
        w.done = done;
        return size;
      }
    }
    if (done < until) w.blocked = true;
    w.off = off;
    w.done = done;
    return -1;
  }

  /** Stores the consumer position at the end of walk `w`, unless the memory is gone. */
  #consume(w: Walk): void {
    if (w.done > w.stored && !this.#closed) {
      this.#storeCons(w.start + w.stored, w.start + w.done);
      w.stored = w.done;
    }
  }

  /**
   * Hands every committed record (at most `max`) to `cb` in place, skipping discarded ones and
   * stopping at the first busy one, then stores the new consumer position once. Returns the
   * number of records given to `cb`.
   *
   * If `cb` throws, the records up to and including that one count as consumed and the error
   * propagates. If the reader is closed from inside `cb`, the walk stops without touching the
   * memory again.
   * @throws {CorruptRecordError} for a record that runs past the published data.
   */
  drain(cb: RecordCallback, max = Infinity): number {
    if (this.#closed) return 0;
    this.settle();
    const w = this.#begin();
    if (!w) return 0;
    const avail = w.avail;
    const limit = max >= avail ? avail : Math.max(0, Math.floor(max)) | 0;
    const bytes = this.bytes;
    const view = this.view;
    let n = 0;
    try {
      while (n < limit) {
        const size = this.#advance(w, avail);
        if (size < 0) break;
        n++;
        cb(bytes, w.at, size, view, avail - w.done);
        // Closed from inside the callback: the memory is gone.
        if (this.#closed) return n;
      }
    } finally {
      // Also when the callback throws: its record counts as consumed.
      this.#consume(w);
    }
    if (w.error) throw w.error;
    return n;
  }

  /**
   * Hands every committed record (at most `max`) to `cb` in runs of at most
   * 4096 records ({@link RecordBatch}: offsets and lengths into
   * {@link RingView.bytes}), storing the consumer position after each run. Returns the number
   * of records. Discarded records are skipped, a busy one ends the walk; if `cb` throws, its
   * whole run counts as consumed.
   * @throws {CorruptRecordError} for a record that runs past the published data.
   */
  drainBatches(cb: BatchCallback, max = Infinity): number {
    if (this.#closed) return 0;
    this.settle();
    const w = this.#begin();
    if (!w) return 0;
    const avail = w.avail;
    const limit = max >= avail ? avail : Math.max(0, Math.floor(max)) | 0;
    const batch = this.#batch;
    const offsets = batch.offsets;
    const lengths = batch.lengths;
    let n = 0;
    let size = 0;
    try {
      while (size >= 0 && n < limit) {
        const room = Math.min(offsets.length, limit - n);
        let k = 0;
        while (k < room && (size = this.#advance(w, avail)) >= 0) {
          offsets[k] = w.at;
          lengths[k] = size;
          k++;
        }
        if (k > 0) {
          batch.count = k;
          n += k;
          cb(batch);
          if (this.#closed) return n;
          batch.count = 0;
        }
        // Hand the space back after each run, so a long drain does not hold the whole ring.
        this.#consume(w);
      }
    } finally {
      batch.count = 0;
      this.#consume(w);
    }
    if (w.error) throw w.error;
    return n;
  }

  /** Copies at most `max` committed records out of the ring, in order, passing each to `push`. */
  copy(push: (rec: RingBufRecord) => void, max: number): void {
    this.drain((bytes, offset, length, _view, remaining) => push({ sample: bytes.slice(offset, offset + length), remaining }), max);
  }

  /**
   * Takes the next committed record, decoded with `decode` straight from the ring (discarded
   * ones are skipped); undefined when none is committed. If `decode` throws, the record still
   * counts as consumed.
   *
   * The walk goes on from one call to the next, and the consumer position is stored once per
   * run (at most 64 KiB or a quarter of the ring): when the run ends, before returning
   * undefined, and on {@link RingView.settle}, which every other walk, query and `detach` call
   * first. So a record's bytes stay in the ring, unreused by the producer, while it is decoded,
   * and nothing is handed out twice when forms are mixed.
   * @throws {CorruptRecordError} for a record that runs past the published data (after the
   *   records before it).
   */
  next<T>(decode: RecordDecoder<T>): T | undefined {
    for (;;) {
      const w = this.#run;
      if (w !== undefined) {
        const size = this.#advance(w, w.until);
        if (size >= 0) return decode(this.view, w.at, size);
        this.settle();
        if (w.error) throw w.error;
        if (w.blocked) return undefined;
      }
      if (this.#closed) return undefined;
      const nw = this.#begin();
      if (!nw) return undefined;
      nw.until = Math.min(nw.avail, this.#runBytes);
      this.#run = nw;
    }
  }

  /**
   * Stores the consumer position past the records {@link RingView.next} handed out, and ends
   * its run. Cheap when no run is open.
   */
  settle(): void {
    const w = this.#run;
    if (w === undefined) return;
    this.#run = undefined;
    this.#consume(w);
  }

  /** Hands a record copied earlier to `cb` as {@link RingView.drain} would. */
  replay(rec: RingBufRecord, cb: RecordCallback): void {
    const s = rec.sample;
    cb(s, 0, s.length, new DataView(s.buffer, s.byteOffset, s.byteLength), rec.remaining);
  }

  /** Every ring buffer record the reader copies is a sample. */
  isSample(_rec: RingBufRecord): boolean {
    return true;
  }

  /** A one-record {@link RecordBatch} over a record copied earlier. */
  batchOf(rec: RingBufRecord): RecordBatch {
    const s = rec.sample;
    return { count: 1, offsets: Int32Array.of(0), lengths: Int32Array.of(s.length), bytes: s, view: new DataView(s.buffer, s.byteOffset, s.byteLength) };
  }
}
