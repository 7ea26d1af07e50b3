/**
 * Reading perf event arrays (BPF_MAP_TYPE_PERF_EVENT_ARRAY) from TypeScript: what BPF programs
 * write with `bpf_perf_event_output()`.
 *
 * A perf event array holds one perf ring buffer per CPU; a program writes to the buffer of the
 * CPU it runs on. {@link PerfReader} opens a PERF_COUNT_SW_BPF_OUTPUT event per CPU, maps each
 * buffer, puts the event fds into the map and reads the buffers in place. Records keep their
 * order per CPU only. When a CPU's buffer is full the kernel drops samples and reports how many
 * in a PERF_RECORD_LOST once space frees up: it arrives as a record with `lostSamples` set
 * (like cilium's `perf.Record.LostSamples`), and {@link PerfReader.lostSamples} keeps the total.
 * For new code prefer the BPF ring buffer (`tsbpf/ringbuf`, Linux 5.8+): one buffer, global
 * order, no padding in samples.
 *
 * Reading API, as for ring buffers: `for await (const ev of reader.records(Event))` gives
 * samples decoded with a codec; `for await` and `read({ timeoutMs, signal })` give copies
 * ({@link PerfRecord}), which {@link decodeRecord} decodes; `drain(cb)` and `readBatch(cb)` hand
 * records to a callback in place, `drainBatches(cb)` and `readBatches(cb)` runs of them.
 *
 * Lifetimes: a reader owns its event fds, their mappings and a duplicate fd of the map;
 * `close()` (or `using`) takes the events out of the map and releases everything.
 *
 * Kernel documentation: perf_event_open(2), and `bpf_perf_event_output` in bpf-helpers(7).
 *
 * @example
 * import { PerfReader } from 'tsbpf/perf';
 * using reader = new PerfReader(coll.maps.events, { perCpuBufferSize: 64 * 1024 });
 * for await (const ev of reader.records(Event)) console.log(ev.pid, ev.comm);
 * console.log(`lost: ${reader.lostSamples}`);
 *
 * @module
 */
export { PerfReader } from './reader.js';
export type { PerfReaderOptions, PerfBatchOptions } from './reader.js';
export type { PerfRecord } from './cpu-rings.js';
export { PerfRing } from './ring.js';
export type { PerfRecordCallback, PerfRecordBatch, PerfRecordExtra } from './ring.js';
export { EventReader } from '../events/event-reader.js';
export type { RecordCallback, RecordBatch, BatchCallback } from '../events/record.js';
export type { ReadOptions, BatchOptions, BatchesOptions } from '../events/read-options.js';
export type { MapSource } from '../events/map-fd.js';
export { CorruptRecordError, ShortRecordError } from '../events/errors.js';
export { decodeRecord } from '../events/decode.js';
