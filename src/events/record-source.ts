/**
 * RecordSource: what an event reader's rings offer the shared reader core: walks over the
 * records in place, copies, and one record decoded at a time. The ring buffer's `RingView` and
 * the perf reader's set of per-CPU rings implement it; both are pure (no system calls).
 */
import type { RecordBatch, BatchCallback, RecordCallback } from './record.js';
import type { RecordDecoder } from './decode.js';

/** A copied record as the readers queue it: the sample and the bytes left after it. */
export interface CopiedRecord {
  /** The sample (a copy). */
  sample: Uint8Array;
  /** Bytes still published after this record when it was read (a lower bound). */
  remaining: number;
}

/**
 * The records of one reader. Every walk reads only published data, checks each header against
 * the mapping before touching the record, and stores the consumer position once at the end (and
 * when a callback throws, up to and including that record).
 */
export interface RecordSource<Rec extends CopiedRecord, Extra extends unknown[], Batch extends RecordBatch> {
  /** Hands at most `max` records to `cb` in place; returns how many. */
  drain(cb: RecordCallback<Extra>, max: number): number;
  /** Hands at most `max` records to `cb` in runs; returns how many records. */
  drainBatches(cb: BatchCallback<Batch>, max: number): number;
  /** Copies at most `max` records out and passes each to `push`. */
  copy(push: (rec: Rec) => void, max: number): void;
  /** Takes the next sample decoded with `decode` (skipping what is not a sample), or undefined when none is there. */
  next<T>(decode: RecordDecoder<T>): T | undefined;
  /** Hands a copy taken earlier to a record callback, as `drain` would have. */
  replay(rec: Rec, cb: RecordCallback<Extra>): void;
  /** Whether a copy taken earlier is a sample (perf lost-samples records are not). */
  isSample(rec: Rec): boolean;
  /** A one-record batch over a copy taken earlier, as `drainBatches` would have made it. */
  batchOf(rec: Rec): Batch;
  /**
   * Stores the consumer position past what `next` handed out, when the source walks ahead of it
   * (the ring buffer does, in runs); the iterators call it when the loop is left.
   */
  settle(): void;
  /** Marks the memory gone (after settling): nothing is read or written any more. */
  detach(): void;
}
