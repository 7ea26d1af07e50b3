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
 * - `for await (const rec of reader)` and `read({ timeoutMs, signal })` give copies
 *   ({@link RingBufRecord}).
 * - `drain(cb)` and `readBatch(cb)` hand every available record to a callback in place, with no
 *   allocation per record; the callback's view is valid only until it returns.
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
 * await reader.readBatch((bytes, off, len, view) => console.log(view.getUint32(off, true)));
 *
 * @module
 */
export { RingBufReader } from './reader.js';
export type { RingBufRecord, RingBufReaderOptions, BatchOptions } from './reader.js';
export { RingView, RINGBUF_BUSY_BIT, RINGBUF_DISCARD_BIT, RINGBUF_HEADER_SIZE } from './ring.js';
export type { RecordCallback, RingBufQuery } from './ring.js';
export type { ReadOptions } from './read-options.js';
export type { MapSource } from './map-fd.js';
export { CorruptRecordError } from './errors.js';
