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
  }

  /** Marks the memory gone (the reader unmapped it): walks stop, nothing more is read or written. */
  detach(): void {
    this.#closed = true;
  }

  /** Whether {@link RingView.detach} was called. */
  get detached(): boolean {
    return this.#closed;
  }

  /** The consumer position as stored in page 0. */
  consumerPos(): number {
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
   * The published bytes from the consumer position on, checked against the ring size.
   * @throws {CorruptRecordError} when the producer claims more than the ring holds.
   */
  #published(start: number): number {
    const published = this.producerPos() - start;
    if (published > this.ringSize) {
      throw new CorruptRecordError(this.#label, start, `producer position is ${published} bytes ahead, more than the ${this.ringSize}-byte ring`);
    }
    return published;
  }

  #runsPast(pos: number, size: number, left: number): CorruptRecordError {
    return new CorruptRecordError(this.#label, pos, `length ${size} runs past the published data (${left} bytes left)`);
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
    const start = this.consumerPos();
    const published = this.#published(start);
    if (published <= 0) return 0;
    // Everything in the loop stays in small integers (avail <= ringSize <= 2^30), so nothing
    // is boxed per record. Each header is checked against what is left of the published data
    // before the record is touched: a hostile length cannot reach past it, and the data is
    // mapped twice, so offset + length stays inside `bytes`.
    const avail = published | 0;
    const limit = max >= avail ? avail : Math.max(0, Math.floor(max)) | 0;
    const hdr = this.#hdr;
    const bytes = this.bytes;
    const view = this.view;
    const mask = this.mask;
    let off = (start % this.ringSize) | 0;
    let done = 0;
    let n = 0;
    let error: CorruptRecordError | undefined;
    try {
      while (done < avail && n < limit) {
        const len = ORDERED ? hdr[off >>> 2] : Atomics.load(hdr, off >>> 2);
        if ((len & RINGBUF_BUSY_BIT) !== 0) break;
        const size = len & 0x3fff_ffff;
        const step = (size + RINGBUF_HEADER_SIZE + 7) & ~7;
        if (step > avail - done) {
          error = this.#runsPast(start + done, size, avail - done);
          break;
        }
        done += step;
        if ((len & RINGBUF_DISCARD_BIT) === 0) {
          n++;
          cb(bytes, off + RINGBUF_HEADER_SIZE, size, view, avail - done);
          // Closed from inside the callback: the memory is gone.
          if (this.#closed) return n;
        }
        off = (off + step) & mask;
      }
    } finally {
      // Also when the callback throws: its record counts as consumed.
      if (done > 0 && !this.#closed) this.#storeCons(start, start + done);
    }
    if (error) throw error;
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
    const start = this.consumerPos();
    const published = this.#published(start);
    if (published <= 0) return 0;
    const avail = published | 0;
    const limit = max >= avail ? avail : Math.max(0, Math.floor(max)) | 0;
    const hdr = this.#hdr;
    const mask = this.mask;
    const batch = this.#batch;
    const offsets = batch.offsets;
    const lengths = batch.lengths;
    const cap = offsets.length;
    let off = (start % this.ringSize) | 0;
    let done = 0;
    let n = 0;
    let error: CorruptRecordError | undefined;
    let more = true;
    try {
      while (more && done < avail && n < limit) {
        let k = 0;
        const room = Math.min(cap, limit - n);
        while (k < room && done < avail) {
          const len = ORDERED ? hdr[off >>> 2] : Atomics.load(hdr, off >>> 2);
          if ((len & RINGBUF_BUSY_BIT) !== 0) {
            more = false;
            break;
          }
          const size = len & 0x3fff_ffff;
          const step = (size + RINGBUF_HEADER_SIZE + 7) & ~7;
          if (step > avail - done) {
            error = this.#runsPast(start + done, size, avail - done);
            more = false;
            break;
          }
          done += step;
          if ((len & RINGBUF_DISCARD_BIT) === 0) {
            offsets[k] = off + RINGBUF_HEADER_SIZE;
            lengths[k] = size;
            k++;
          }
          off = (off + step) & mask;
        }
        if (k > 0) {
          batch.count = k;
          n += k;
          cb(batch);
          if (this.#closed) return n;
          batch.count = 0;
        }
        // Hand the space back after each run, so a long drain does not hold the whole ring.
        this.#storeCons(start, start + done);
      }
    } finally {
      batch.count = 0;
      if (done > 0 && !this.#closed) this.#storeCons(start, start + done);
    }
    if (error) throw error;
    return n;
  }

  /** Copies at most `max` committed records out of the ring, in order, passing each to `push`. */
  copy(push: (rec: RingBufRecord) => void, max: number): void {
    this.drain((bytes, offset, length, _view, remaining) => push({ sample: bytes.slice(offset, offset + length), remaining }), max);
  }

  /**
   * Takes the next committed record, decoded with `decode` straight from the ring (discarded
   * ones are skipped), and stores the consumer position past it; undefined when none is
   * committed. If `decode` throws, the record still counts as consumed.
   * @throws {CorruptRecordError} for a record that runs past the published data.
   */
  next<T>(decode: RecordDecoder<T>): T | undefined {
    if (this.#closed) return undefined;
    const start = this.consumerPos();
    const published = this.#published(start);
    const hdr = this.#hdr;
    let done = 0;
    let off = start % this.ringSize;
    try {
      while (done < published) {
        const len = ORDERED ? hdr[off >>> 2] : Atomics.load(hdr, off >>> 2);
        if ((len & RINGBUF_BUSY_BIT) !== 0) return undefined;
        const size = len & 0x3fff_ffff;
        const step = (size + RINGBUF_HEADER_SIZE + 7) & ~7;
        if (step > published - done) throw this.#runsPast(start + done, size, published - done);
        done += step;
        if ((len & RINGBUF_DISCARD_BIT) === 0) return decode(this.view, off + RINGBUF_HEADER_SIZE, size);
        off = (off + step) & this.mask;
      }
      return undefined;
    } finally {
      if (done > 0 && !this.#closed) this.#storeCons(start, start + done);
    }
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
