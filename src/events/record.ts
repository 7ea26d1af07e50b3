/**
 * How the event readers hand records over in place: one by one to a {@link RecordCallback}, or
 * in runs as a {@link RecordBatch} of offsets and lengths for the caller to loop over.
 */

/**
 * Receives one record in place: the sample is `bytes[offset, offset + length)`, and `view` is a
 * DataView over the same memory as `bytes`. Both are views into the kernel's mapping, valid only
 * until the callback returns: the space is handed back to the producer right after. Copy what
 * must outlive the call (`bytes.slice(offset, offset + length)`), or decode it
 * (`Event.decode(view, offset)`).
 *
 * `Extra` is what the reader adds after the view: `[remaining]` for ring buffers (bytes still
 * published after this record, a lower bound), `[cpu, lostSamples, remaining]` for perf
 * buffers.
 */
export type RecordCallback<Extra extends unknown[] = [remaining: number]> = (bytes: Uint8Array, offset: number, length: number, view: DataView, ...extra: Extra) => void;

/**
 * A run of records in place, as columns: record `i` (for `i < count`) is
 * `bytes[offsets[i], offsets[i] + lengths[i])`, and `view` is a DataView over `bytes`.
 * Everything in it is valid only until the batch callback returns: the arrays are reused for
 * the next run and the memory is handed back to the producer. Only the first `count` entries
 * of `offsets` and `lengths` belong to this run.
 *
 * @example
 * reader.drainBatches((b) => {
 *   for (let i = 0; i < b.count; i++) total += b.view.getUint32(b.offsets[i], true);
 * });
 */
export interface RecordBatch {
  /** Number of records in this run. */
  readonly count: number;
  /** Where each record starts in `bytes`. */
  readonly offsets: Int32Array;
  /** Each record's length in bytes. */
  readonly lengths: Int32Array;
  /** The memory the records are in. */
  readonly bytes: Uint8Array;
  /** A DataView over `bytes` (same memory, same offsets). */
  readonly view: DataView;
}

/** Receives one {@link RecordBatch}; see there for how long it is valid. */
export type BatchCallback<B extends RecordBatch = RecordBatch> = (batch: B) => void;

/** Most records in one {@link RecordBatch}: the consumer position advances after each run. */
export const BATCH_CAPACITY = 4096;

/**
 * A reusable {@link RecordBatch} the rings fill: its arrays hold {@link BATCH_CAPACITY} records.
 * Internal to the readers.
 */
export class BatchBuffer implements RecordBatch {
  count = 0;
  readonly offsets = new Int32Array(BATCH_CAPACITY);
  readonly lengths = new Int32Array(BATCH_CAPACITY);
  bytes: Uint8Array;
  view: DataView;

  constructor(bytes: Uint8Array, view: DataView) {
    this.bytes = bytes;
    this.view = view;
  }
}
