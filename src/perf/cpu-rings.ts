/**
 * CpuRings: the perf buffers of all CPUs as one record source for the reader core, CPU after
 * CPU, with a rotating start so one busy CPU cannot starve the others. Pure, like PerfRing.
 */
import type { RecordDecoder } from '../events/decode.js';
import type { BatchCallback } from '../events/record.js';
import type { RecordSource } from '../events/record-source.js';
import type { PerfRing, PerfRecordBatch, PerfRecordCallback, PerfRecordExtra } from './ring.js';

/** One record read from a CPU's perf buffer, copied out of it. */
export interface PerfRecord {
  /** The CPU whose buffer held the record. */
  cpu: number;
  /** The raw sample (a copy), with the kernel's padding to 8-byte alignment; empty for a lost-samples record. */
  sample: Uint8Array;
  /** Samples the kernel dropped on this CPU because the buffer was full (PERF_RECORD_LOST); 0 for a sample. */
  lostSamples: number;
  /** Bytes still in this CPU's buffer after the record when it was read. */
  remaining: number;
}

/** The per-CPU rings of one perf reader. */
export class CpuRings implements RecordSource<PerfRecord, PerfRecordExtra, PerfRecordBatch> {
  readonly #rings: readonly PerfRing[];
  #next = 0;
  #closed = false;

  constructor(rings: readonly PerfRing[]) {
    this.#rings = rings;
  }

  /** Hands at most `max` records to `cb` in place, CPU after CPU; returns how many. */
  drain(cb: PerfRecordCallback, max: number): number {
    const rings = this.#rings;
    let n = 0;
    for (let i = 0; i < rings.length && n < max && !this.#closed; i++) n += rings[i].drain(cb, max - n);
    return n;
  }

  /** Hands at most `max` samples to `cb` in runs, CPU after CPU; returns how many. */
  drainBatches(cb: BatchCallback<PerfRecordBatch>, max: number): number {
    const rings = this.#rings;
    let n = 0;
    for (let i = 0; i < rings.length && n < max && !this.#closed; i++) n += rings[i].drainBatches(cb, max - n);
    return n;
  }

  /** Copies at most `max` records out, from the first CPU (in rotation) that has any. */
  copy(push: (rec: PerfRecord) => void, max: number): void {
    const rings = this.#rings;
    const k = rings.length;
    let got = 0;
    const sink: PerfRecordCallback = (bytes, offset, length, _view, cpu, lostSamples, remaining) => {
      got++;
      push({ cpu, sample: bytes.slice(offset, offset + length), lostSamples, remaining });
    };
    for (let i = 0; i < k && got === 0 && !this.#closed; i++) rings[(this.#next + i) % k].drain(sink, max);
    this.#next = (this.#next + 1) % Math.max(1, k);
  }

  /** The next sample decoded in place, from the first CPU (in rotation) that has one. */
  next<T>(decode: RecordDecoder<T>): T | undefined {
    const rings = this.#rings;
    const k = rings.length;
    for (let i = 0; i < k && !this.#closed; i++) {
      const j = (this.#next + i) % k;
      const v = rings[j].next(decode);
      if (v !== undefined) {
        this.#next = (j + 1) % k;
        return v;
      }
    }
    if (k > 0) this.#next = (this.#next + 1) % k;
    return undefined;
  }

  /** Hands a record copied earlier to `cb` as `drain` would. */
  replay(rec: PerfRecord, cb: PerfRecordCallback): void {
    const s = rec.sample;
    cb(s, 0, s.length, new DataView(s.buffer, s.byteOffset, s.byteLength), rec.cpu, rec.lostSamples, rec.remaining);
  }

  /** Whether a record copied earlier is a sample (not a lost-samples record). */
  isSample(rec: PerfRecord): boolean {
    return rec.lostSamples === 0;
  }

  /** A one-record batch over a record copied earlier (a lost-samples record gives an empty run with its count). */
  batchOf(rec: PerfRecord): PerfRecordBatch {
    const s = rec.sample;
    const sample = rec.lostSamples === 0;
    return {
      count: sample ? 1 : 0,
      offsets: Int32Array.of(0),
      lengths: Int32Array.of(s.length),
      bytes: s,
      view: new DataView(s.buffer, s.byteOffset, s.byteLength),
      cpu: rec.cpu,
      lostSamples: rec.lostSamples,
    };
  }

  /** Whether any CPU's buffer holds unread bytes. */
  pending(): boolean {
    for (const r of this.#rings) if (r.pending() > 0) return true;
    return false;
  }

  /**
   * Whether any CPU's buffer has reached the point where the kernel would wake a reader: at least
   * `bytes` unread bytes (watermark mode), or else at least `events` unread records.
   */
  wakeable(wake: { bytes?: number; events: number }): boolean {
    for (const r of this.#rings) {
      if (wake.bytes !== undefined ? r.pending() >= wake.bytes : r.unreadRecords(wake.events) >= wake.events) return true;
    }
    return false;
  }

  /** Nothing to store: `next` stores each ring's `data_tail` as it goes. */
  settle(): void {}

  /** Stops every walk; the rings' memory is going away. */
  detach(): void {
    this.#closed = true;
    for (const r of this.#rings) r.detach();
  }
}
