/**
 * PerfRing: the reading side of one CPU's perf event ring buffer, with no system calls.
 *
 * The mapping is one metadata page (`struct perf_event_mmap_page`) followed by 2^n data pages.
 * The kernel writes records at `data_head` and publishes it after the record (smp_wmb, then the
 * store); user space reads up to `data_head`, then stores `data_tail` to give the space back.
 * Records (`struct perf_event_header { u32 type; u16 misc; u16 size; }` + body) are 8-byte
 * aligned and may wrap around the end of the data area; wrapped ones are copied into a scratch
 * buffer so callers always see one contiguous record.
 *
 * Memory ordering is the same argument as for the BPF ring buffer (see src/ringbuf/ring.ts):
 * program order of plain loads and stores on x86-64, Atomics on weakly ordered CPUs, and a full
 * barrier at every poll wake-up or system call.
 */
import { endianness } from 'node:os';
import { CorruptRecordError } from '../events/errors.js';
import { BatchBuffer, type BatchCallback, type RecordBatch, type RecordCallback } from '../events/record.js';
import type { RecordDecoder } from '../events/decode.js';
import { PerfMmapPage, PerfRecordType } from '../sys/perf-attrs.js';

const LE = endianness() === 'LE';
const TWO32 = 0x1_0000_0000;
const ORDERED = process.arch === 'x64' || process.arch === 'ia32';
const HEADER = 8;
/** A record's size is a u16: no record is longer. */
const MAX_RECORD = 0xffff;

/** What a perf record callback receives after the view: the CPU, the lost-sample count, and the bytes left. */
export type PerfRecordExtra = [cpu: number, lostSamples: number, remaining: number];

/**
 * Receives one perf record in place (a {@link RecordCallback} with the perf extras). For a
 * sample, the raw data is `bytes[offset, offset + length)` and `lostSamples` is 0; for a
 * PERF_RECORD_LOST, `length` is 0 and `lostSamples` says how many samples the kernel dropped on
 * `cpu` because the buffer was full. `view` is a DataView over `bytes`. The views are valid only
 * until the callback returns. `remaining` is the number of bytes still in this CPU's buffer
 * after the record.
 *
 * The raw data includes the padding the kernel adds to keep records 8-byte aligned (the length
 * is `round_up(size + 4, 8) - 4` for a sample of `size` bytes); the padding bytes are zero.
 */
export type PerfRecordCallback = RecordCallback<PerfRecordExtra>;

/**
 * A run of perf samples from one CPU's buffer, in place (see {@link RecordBatch}). Lost-samples
 * records are not among the records: their counts add up in `lostSamples`.
 */
export interface PerfRecordBatch extends RecordBatch {
  /** The CPU whose buffer held the records. */
  readonly cpu: number;
  /** Samples the kernel reported lost (PERF_RECORD_LOST) within this run; usually 0. */
  readonly lostSamples: number;
}

/** The reusable batch of one perf ring. */
class PerfBatchBuffer extends BatchBuffer implements PerfRecordBatch {
  lostSamples = 0;
  constructor(
    bytes: Uint8Array,
    view: DataView,
    readonly cpu: number,
  ) {
    super(bytes, view);
  }
}

/** What {@link PerfRing} found at a position (set by its header check). */
const enum Kind {
  Other = 0,
  Sample = 1,
  Lost = 2,
}

function u64Index(byteOffset: number, high: boolean): number {
  return (byteOffset >>> 2) + ((LE ? high : !high) ? 1 : 0);
}

/**
 * One CPU's perf ring over its mapping (metadata page + data pages). Pure: tests drive it over
 * a plain ArrayBuffer.
 */
export class PerfRing {
  /** The CPU whose buffer this is. */
  readonly cpu: number;
  /** Size of the data area in bytes (a power of two). */
  readonly dataSize: number;
  readonly #meta: Uint32Array;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #label: string;
  #scratch: Uint8Array = new Uint8Array(256);
  #scratchView: DataView = new DataView(this.#scratch.buffer);
  #lost = 0;
  #closed = false;
  // The record #at() last checked.
  #size = 0;
  #kind: Kind = Kind.Other;
  #buf: Uint8Array;
  #dv: DataView;
  #dataOff = 0;
  #dataLen = 0;
  #lostCount = 0;
  readonly #ringBatch: PerfBatchBuffer;
  readonly #scratchBatch: PerfBatchBuffer;

  /**
   * @param mapping the whole mapping: metadata page, then the data area.
   * @param label names the ring in errors (`perf events: cpu 1`).
   */
  constructor(mapping: ArrayBuffer, pageSize: number, cpu: number, label = `perf cpu ${cpu}`) {
    if (mapping.byteLength < 2 * pageSize || pageSize < 2048) {
      throw new RangeError(`${label}: mapping of ${mapping.byteLength} bytes is too small for a metadata page and data (page ${pageSize})`);
    }
    this.cpu = cpu;
    this.#label = label;
    this.#meta = new Uint32Array(mapping, 0, pageSize >>> 2);
    const meta = new DataView(mapping, 0, pageSize);
    // data_offset/data_size exist since Linux 4.1; before, data starts at the second page.
    let offset = Number(meta.getBigUint64(PerfMmapPage.dataOffset, LE));
    let size = Number(meta.getBigUint64(PerfMmapPage.dataSize, LE));
    if (offset === 0 || size === 0) {
      offset = pageSize;
      size = mapping.byteLength - pageSize;
    }
    if (offset + size > mapping.byteLength || (size & (size - 1)) !== 0 || size < 8) {
      throw new RangeError(`${label}: data area at ${offset} of ${size} bytes does not fit a ${mapping.byteLength}-byte mapping as a power of two`);
    }
    this.dataSize = size;
    this.#bytes = new Uint8Array(mapping, offset, size);
    this.#view = new DataView(mapping, offset, size);
    this.#buf = this.#bytes;
    this.#dv = this.#view;
    this.#ringBatch = new PerfBatchBuffer(this.#bytes, this.#view, cpu);
    this.#scratchBatch = new PerfBatchBuffer(this.#scratch, this.#scratchView, cpu);
  }

  /** Samples the kernel reported lost on this CPU since the reader started. */
  get lostSamples(): number {
    return this.#lost;
  }

  /** Marks the memory gone: walks stop, nothing more is read or written. */
  detach(): void {
    this.#closed = true;
  }

  /** `data_head`: the kernel's write position. */
  head(): number {
    const m = this.#meta;
    const hiI = u64Index(PerfMmapPage.dataHead, true);
    const loI = u64Index(PerfMmapPage.dataHead, false);
    for (;;) {
      const hi = m[hiI];
      const lo = ORDERED ? m[loI] : Atomics.load(m, loI);
      if (m[hiI] === hi) return hi * TWO32 + lo;
    }
  }

  /** `data_tail`: the reader's position. */
  tail(): number {
    const m = this.#meta;
    return m[u64Index(PerfMmapPage.dataTail, true)] * TWO32 + m[u64Index(PerfMmapPage.dataTail, false)];
  }

  /** Bytes written and not yet read. */
  pending(): number {
    return this.#closed ? 0 : this.head() - this.tail();
  }

  /**
   * How many records (samples and lost-sample records) are written and not yet read, counting at
   * most `limit`. Reads only record headers and consumes nothing; stops at a header that makes
   * no sense (the next drain reports it).
   */
  unreadRecords(limit: number): number {
    if (this.#closed) return 0;
    const start = this.tail();
    const avail = this.head() - start;
    if (avail <= 0 || avail > this.dataSize) return 0;
    const view = this.#view;
    const mask = this.dataSize - 1;
    let off = start % this.dataSize;
    let done = 0;
    let n = 0;
    while (done < avail && n < limit) {
      const left = avail - done;
      if (left < HEADER || off + HEADER > this.dataSize) break;
      const type = view.getUint32(off, LE);
      const size = view.getUint16(off + 6, LE);
      if (size < HEADER || size > left) break;
      if (type === PerfRecordType.Sample || type === PerfRecordType.Lost) n++;
      done += size;
      off = (off + size) & mask;
    }
    return n;
  }

  #storeTail(oldPos: number, newPos: number): void {
    const m = this.#meta;
    const lo = newPos % TWO32;
    const hi = (newPos - lo) / TWO32;
    const loI = u64Index(PerfMmapPage.dataTail, false);
    if (ORDERED) m[loI] = lo;
    else Atomics.store(m, loI, lo);
    if (hi !== Math.floor(oldPos / TWO32)) m[u64Index(PerfMmapPage.dataTail, true)] = hi;
  }

  #corrupt(pos: number, detail: string): CorruptRecordError {
    return new CorruptRecordError(this.#label, pos, detail);
  }

  /**
   * Checks the record header at `off` (`left` bytes written from there on, ring position `pos`)
   * and sets `#size`, `#kind` and, for a sample, where its data is (`#buf`, `#dv`, `#dataOff`,
   * `#dataLen`: in the ring, or in scratch when the record wraps) or, for a lost record,
   * `#lostCount`. Nothing outside the written data is read.
   * @throws {CorruptRecordError} for a header that makes no sense.
   */
  #at(off: number, left: number, pos: number): void {
    const dataSize = this.dataSize;
    if (left < HEADER || off + HEADER > dataSize) throw this.#corrupt(pos, `a record header does not fit (${left} bytes left, offset ${off})`);
    const view = this.#view;
    const type = view.getUint32(off, LE);
    const size = view.getUint16(off + 6, LE);
    if (size < HEADER || size > left) throw this.#corrupt(pos, `record size ${size} outside [8, ${left}]`);
    this.#size = size;
    if (type !== PerfRecordType.Sample && type !== PerfRecordType.Lost) {
      this.#kind = Kind.Other;
      return;
    }
    let buf = this.#bytes;
    let dv = view;
    let base = off;
    if (off + size > dataSize) {
      // Wrapped: copy both parts into scratch.
      if (this.#scratch.length < size) {
        this.#scratch = new Uint8Array(Math.min(MAX_RECORD + 1, Math.max(size, this.#scratch.length * 2)));
        this.#scratchView = new DataView(this.#scratch.buffer);
      }
      const first = dataSize - off;
      this.#scratch.set(buf.subarray(off, dataSize), 0);
      this.#scratch.set(buf.subarray(0, size - first), first);
      buf = this.#scratch;
      dv = this.#scratchView;
      base = 0;
    }
    this.#buf = buf;
    this.#dv = dv;
    if (type === PerfRecordType.Sample) {
      if (size < HEADER + 4) throw this.#corrupt(pos, `sample record of ${size} bytes has no raw size`);
      const raw = dv.getUint32(base + HEADER, LE);
      if (raw > size - HEADER - 4) throw this.#corrupt(pos, `raw size ${raw} exceeds the ${size}-byte record`);
      this.#kind = Kind.Sample;
      this.#dataOff = base + HEADER + 4;
      this.#dataLen = raw;
    } else {
      if (size < HEADER + 16) throw this.#corrupt(pos, `lost record of ${size} bytes is too short`);
      this.#kind = Kind.Lost;
      this.#dataOff = base + HEADER + 16;
      this.#dataLen = 0;
      this.#lostCount = dv.getUint32(base + 16 + (LE ? 0 : 4), LE) + dv.getUint32(base + 16 + (LE ? 4 : 0), LE) * TWO32;
    }
  }

  /** `data_tail` and the bytes written after it, checked against the buffer size. */
  #span(): [start: number, avail: number] {
    const start = this.tail();
    const avail = this.head() - start;
    if (avail > this.dataSize) throw this.#corrupt(start, `data_head is ${avail} bytes ahead of data_tail, more than the ${this.dataSize}-byte buffer`);
    return [start, avail];
  }

  /**
   * Hands every record written so far (at most `max`) to `cb` in place, then stores the new
   * `data_tail` once. Samples and lost-sample records count; other record types are skipped.
   * Returns the number of records handed over.
   *
   * If `cb` throws, the records up to and including that one count as read and the error
   * propagates. If the reader is closed from inside `cb`, the walk stops without touching the
   * memory again.
   * @throws {CorruptRecordError} for a header that makes no sense; nothing past it is consumed.
   */
  drain(cb: PerfRecordCallback, max = Infinity): number {
    if (this.#closed) return 0;
    const [start, avail] = this.#span();
    if (avail <= 0) return 0;
    const mask = this.dataSize - 1;
    const cpu = this.cpu;
    let off = start % this.dataSize;
    let done = 0;
    let n = 0;
    try {
      while (done < avail && n < max) {
        this.#at(off, avail - done, start + done);
        const size = this.#size;
        done += size;
        const kind = this.#kind;
        if (kind === Kind.Sample) {
          n++;
          cb(this.#buf, this.#dataOff, this.#dataLen, this.#dv, cpu, 0, avail - done);
        } else if (kind === Kind.Lost) {
          const lost = this.#lostCount;
          this.#lost += lost;
          n++;
          cb(this.#buf, this.#dataOff, 0, this.#dv, cpu, lost, avail - done);
        }
        if (this.#closed) return n;
        off = (off + size) & mask;
      }
    } finally {
      if (done > 0 && !this.#closed) this.#storeTail(start, start + done);
    }
    return n;
  }

  /**
   * Hands the samples written so far (at most `max`) to `cb` in runs ({@link PerfRecordBatch}),
   * storing `data_tail` after each run; lost-sample records add to the run's `lostSamples`
   * (and to {@link PerfRing.lostSamples}). A record that wraps around the end of the buffer
   * comes in a run of its own, copied into scratch. Returns the number of samples.
   * @throws {CorruptRecordError} for a header that makes no sense.
   */
  drainBatches(cb: BatchCallback<PerfRecordBatch>, max = Infinity): number {
    if (this.#closed) return 0;
    const [start, avail] = this.#span();
    if (avail <= 0) return 0;
    const mask = this.dataSize - 1;
    const ring = this.#ringBatch;
    const cap = ring.offsets.length;
    let off = start % this.dataSize;
    let done = 0;
    let n = 0;
    let lost = 0;
    let k = 0;
    /** Hands over the run gathered in `ring` (if any), then stores the tail. */
    const flush = (): boolean => {
      if (k > 0 || lost > 0) {
        ring.count = k;
        ring.lostSamples = lost;
        n += k;
        k = 0;
        lost = 0;
        cb(ring);
        ring.count = 0;
        if (this.#closed) return false;
      }
      this.#storeTail(start, start + done);
      return true;
    };
    try {
      while (done < avail && n + k < max) {
        this.#at(off, avail - done, start + done);
        const size = this.#size;
        const kind = this.#kind;
        if (kind === Kind.Lost) {
          this.#lost += this.#lostCount;
          lost += this.#lostCount;
        } else if (kind === Kind.Sample) {
          if (this.#buf === this.#bytes) {
            ring.offsets[k] = this.#dataOff;
            ring.lengths[k] = this.#dataLen;
            k++;
          } else {
            // Wrapped into scratch: the run so far, then this record alone.
            if (!flush()) return n;
            const one = this.#scratchBatch;
            if (one.bytes !== this.#scratch) {
              one.bytes = this.#scratch;
              one.view = this.#scratchView;
            }
            one.offsets[0] = this.#dataOff;
            one.lengths[0] = this.#dataLen;
            one.count = 1;
            done += size;
            n++;
            cb(one);
            one.count = 0;
            if (this.#closed) return n;
            off = (off + size) & mask;
            continue;
          }
        }
        done += size;
        off = (off + size) & mask;
        if (k === cap && !flush()) return n;
      }
      if (!flush()) return n;
    } finally {
      ring.count = 0;
      if (done > 0 && !this.#closed) this.#storeTail(start, start + done);
    }
    return n;
  }

  /**
   * Takes the next sample decoded with `decode` in place (lost-sample records are counted and
   * skipped) and stores `data_tail` past it; undefined when none is written. If `decode`
   * throws, the sample still counts as read.
   * @throws {CorruptRecordError} for a header that makes no sense.
   */
  next<T>(decode: RecordDecoder<T>): T | undefined {
    if (this.#closed) return undefined;
    const [start, avail] = this.#span();
    let off = start % this.dataSize;
    let done = 0;
    try {
      while (done < avail) {
        this.#at(off, avail - done, start + done);
        done += this.#size;
        if (this.#kind === Kind.Sample) return decode(this.#dv, this.#dataOff, this.#dataLen);
        if (this.#kind === Kind.Lost) this.#lost += this.#lostCount;
        off = (off + this.#size) & (this.dataSize - 1);
      }
      return undefined;
    } finally {
      if (done > 0 && !this.#closed) this.#storeTail(start, start + done);
    }
  }
}
