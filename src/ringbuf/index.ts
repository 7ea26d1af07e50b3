/**
 * Reading BPF ring buffers (BPF_MAP_TYPE_RINGBUF, Linux 5.8+) from TypeScript.
 *
 * A ring buffer is one buffer shared by all CPUs: programs reserve and submit records
 * (`bpf_ringbuf_output`, or `bpf_ringbuf_reserve` + `bpf_ringbuf_submit`/`_discard`), and
 * {@link RingBufReader} reads them in submission order straight from the kernel's memory, which
 * it maps into the process: no system call per record, and none at all while records keep
 * coming. Waiting for more uses the map fd's readiness through libuv, so it never blocks the
 * event loop.
 *
 * - `for await (const ev of reader.records(Event))` gives samples decoded with a codec (a
 *   struct codec from `tsbpf gen`, or any {@link Codec}), straight from the ring;
 *   `for await (const batch of reader.batches(Event))` gives them in arrays, one settled promise
 *   per batch instead of per record (the fast form: `for (const ev of batch) ...`).
 * - `for await (const rec of reader)` and `read({ timeoutMs, signal })` give copies
 *   ({@link RingBufRecord}); {@link decodeRecord} decodes one.
 * - `drain(cb)` and `readBatch(cb)` hand every available record to a callback in place, and
 *   `drainBatches(cb)` / `readBatches(cb)` hand runs of them as offset and length columns
 *   ({@link RecordBatch}), with no allocation per record; the views are valid only until the
 *   callback returns.
 * - `query()` reports what `bpf_ringbuf_query()` does in the kernel: available data, ring size,
 *   consumer and producer positions.
 *
 * Lifetimes: a reader owns a duplicate fd of the map and two mappings; `close()` (or `using`)
 * releases them and ends pending reads. The map itself lives on while a program or fd uses it.
 * One reader per ring: the consumer position is shared state.
 *
 * Kernel documentation: https://docs.kernel.org/bpf/ringbuf.html
 *
 * @example
 * import { RingBufReader } from 'tsbpf/ringbuf';
 * using reader = new RingBufReader(coll.maps.events);
 * for await (const ev of reader.records(Event)) console.log(ev.pid, ev.comm);
 *
 * @module
 */
export { RingBufReader } from './reader.js';
export type { RingBufReaderOptions } from './reader.js';
export { RingView, RINGBUF_BUSY_BIT, RINGBUF_DISCARD_BIT, RINGBUF_HEADER_SIZE } from './ring.js';
export type { RingBufQuery, RingBufRecord } from './ring.js';
export { EventReader } from '../events/event-reader.js';
export type { RecordCallback, RecordBatch, BatchCallback } from '../events/record.js';
export type { ReadOptions, BatchOptions, BatchesOptions } from '../events/read-options.js';
export type { MapSource } from '../events/map-fd.js';
export { CorruptRecordError, ShortRecordError } from '../events/errors.js';
export { decodeRecord } from '../events/decode.js';
