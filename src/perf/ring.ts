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
import { CorruptRecordError } from '../ringbuf/errors.js';
import { PerfMmapPage, PerfRecordType } from '../sys/perf-attrs.js';

const LE = endianness() === 'LE';
const TWO32 = 0x1_0000_0000;
const ORDERED = process.arch === 'x64' || process.arch === 'ia32';
const HEADER = 8;
/** A record's size is a u16: no record is longer. */
const MAX_RECORD = 0xffff;

/**
 * Receives one record in place. For a sample, the raw data is `bytes[offset, offset + length)`
 * and `lostSamples` is 0; for a PERF_RECORD_LOST, `length` is 0 and `lostSamples` says how many
 * samples the kernel dropped on `cpu` because the buffer was full. `view` is a DataView over
 * `bytes`. The views are valid only until the callback returns. `remaining` is the number of
 * bytes still in this CPU's buffer after the record.
 *
 * The raw data includes the padding the kernel adds to keep records 8-byte aligned (the length
 * is `round_up(size + 4, 8) - 4` for a sample of `size` bytes); the padding bytes are zero.
 */
export type PerfRecordCallback = (
  bytes: Uint8Array,
  offset: number,
  length: number,
  view: DataView,
  cpu: number,
  lostSamples: number,
  remaining: number,
) => void;

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
    const start = this.tail();
    const avail = this.head() - start;
    if (avail <= 0) return 0;
    if (avail > this.dataSize) throw this.#corrupt(start, `data_head is ${avail} bytes ahead of data_tail, more than the ${this.dataSize}-byte buffer`);
    const bytes = this.#bytes;
    const view = this.#view;
    const mask = this.dataSize - 1;
    const cpu = this.cpu;
    let off = start % this.dataSize;
    let done = 0;
    let n = 0;
    try {
      while (done < avail && n < max) {
        if (avail - done < HEADER || off + HEADER > this.dataSize) {
          throw this.#corrupt(start + done, `a record header does not fit (${avail - done} bytes left, offset ${off})`);
        }
        const type = view.getUint32(off, LE);
        const size = view.getUint16(off + 6, LE);
        if (size < HEADER || size > avail - done) {
          throw this.#corrupt(start + done, `record size ${size} outside [8, ${avail - done}]`);
        }
        let buf = bytes;
        let dv = view;
        let base = off;
        if (off + size > this.dataSize) {
          // Wrapped: copy both parts into scratch.
          if (this.#scratch.length < size) {
            this.#scratch = new Uint8Array(Math.min(MAX_RECORD + 1, Math.max(size, this.#scratch.length * 2)));
            this.#scratchView = new DataView(this.#scratch.buffer);
          }
          const first = this.dataSize - off;
          this.#scratch.set(bytes.subarray(off, this.dataSize), 0);
          this.#scratch.set(bytes.subarray(0, size - first), first);
          buf = this.#scratch;
          dv = this.#scratchView;
          base = 0;
        }
        if (type === PerfRecordType.Sample) {
          if (size < HEADER + 4) throw this.#corrupt(start + done, `sample record of ${size} bytes has no raw size`);
          const raw = dv.getUint32(base + HEADER, LE);
          if (raw > size - HEADER - 4) throw this.#corrupt(start + done, `raw size ${raw} exceeds the ${size}-byte record`);
          done += size;
          n++;
          cb(buf, base + HEADER + 4, raw, dv, cpu, 0, avail - done);
        } else if (type === PerfRecordType.Lost) {
          if (size < HEADER + 16) throw this.#corrupt(start + done, `lost record of ${size} bytes is too short`);
          const lost = dv.getUint32(base + 16 + (LE ? 0 : 4), LE) + dv.getUint32(base + 16 + (LE ? 4 : 0), LE) * TWO32;
          this.#lost += lost;
          done += size;
          n++;
          cb(buf, base + HEADER + 16, 0, dv, cpu, lost, avail - done);
        } else {
          done += size;
        }
        if (this.#closed) return n;
        off = (off + size) & mask;
      }
    } finally {
      if (done > 0 && !this.#closed) this.#storeTail(start, start + done);
    }
    return n;
  }
}
