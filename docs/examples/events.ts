/**
 * Snippets for docs/api.md: reading ring buffers (tsbpf/ringbuf) and perf event arrays
 * (tsbpf/perf). Regions are copied into the docs by scripts/docs-snippets.mjs;
 * `npm run typecheck` compiles them.
 */
import type { BpfMap, Codec } from '../../src/index.js';
import { RingBufReader, decodeRecord } from '../../src/ringbuf/index.js';
import { PerfReader } from '../../src/perf/index.js';

/** A generated struct codec stands here (`tsbpf gen --type event` writes one). */
declare const Event: Codec<{ pid: number; comm: string }>;

/** Iterating a ring buffer. */
export async function ringbufIterate(events: BpfMap): Promise<void> {
  // #region ringbuf-iterate
  using reader = new RingBufReader(events); // a BpfMap of type MapType.RingBuf, or { fd }
  for await (const { sample } of reader) console.log(sample.length); // ends when the reader is closed
  // #endregion
}

/** Decoded records. */
export async function ringbufRecords(events: BpfMap): Promise<void> {
  // #region ringbuf-records
  using reader = new RingBufReader(events);
  for await (const ev of reader.records(Event)) console.log(ev.pid, ev.comm); // decoded in the ring, no copy
  reader.drainRecords(Event, (ev) => console.log(ev.pid));                    // never waits
  const rec = await reader.read();
  if (rec) console.log(decodeRecord(Event, rec.sample).comm);                  // a copy's bytes, length-checked
  // #endregion
}

/** Decoded records in batches. */
export async function ringbufBatchesOf(events: BpfMap): Promise<void> {
  // #region ringbuf-batches-of
  using reader = new RingBufReader(events);
  for await (const batch of reader.batches(Event)) {  // a plain array of decoded values, yours to keep
    for (const ev of batch) console.log(ev.pid, ev.comm);
  }
  const big = reader.batches(Event, { max: 4096 });   // at most 4096 per batch (default 128)
  // #endregion
  void big;
}

/** One record with a timeout or a signal. */
export async function ringbufRead(reader: RingBufReader): Promise<number> {
  // #region ringbuf-read
  const rec = await reader.read({ timeoutMs: 1000 });            // undefined after a second without records
  const next = await reader.read({ signal: AbortSignal.timeout(5000) }); // rejects with the signal's reason
  // #endregion
  return (rec?.sample.length ?? 0) + (next?.sample.length ?? 0);
}

/** Records in place, no allocation per record. */
export async function ringbufBatch(reader: RingBufReader): Promise<number> {
  let sum = 0;
  // #region ringbuf-batch
  await reader.readBatch((bytes, off, len, view) => { sum += view.getUint32(off, true); }); // waits for records
  reader.drain((bytes, off, len) => console.log(bytes.slice(off, off + len)));             // never waits
  // #endregion
  return sum;
}

/** Runs of records as offset and length columns. */
export function ringbufBatches(reader: RingBufReader): number {
  let sum = 0;
  // #region ringbuf-batches
  reader.drainBatches(({ count, offsets, view }) => {
    for (let i = 0; i < count; i++) sum += view.getUint32(offsets[i], true); // the loop is yours
  });
  // #endregion
  return sum;
}

/** bpf_ringbuf_query from user space. */
export function ringbufQuery(reader: RingBufReader): number {
  // #region ringbuf-query
  const { availData, ringSize, consumerPos, producerPos } = reader.query();
  console.log(`${availData} of ${ringSize} bytes pending`); // availData === producerPos - consumerPos
  // #endregion
  return consumerPos + producerPos;
}

/** Reading a perf event array. */
export async function perfIterate(events: BpfMap): Promise<void> {
  // #region perf-iterate
  using reader = new PerfReader(events, { perCpuBufferSize: 256 * 1024 });
  for await (const ev of reader.records(Event)) console.log(ev.pid);          // samples decoded; lost ones counted in reader.lostSamples
  for await (const rec of reader) if (rec.lostSamples) console.warn(`cpu ${rec.cpu}: lost ${rec.lostSamples}`); else console.log(rec.cpu, rec.sample);
  // #endregion
}

/** Perf records in place. */
export async function perfBatch(reader: PerfReader): Promise<number> {
  // #region perf-batch
  await reader.readBatch((bytes, off, len, view, cpu, lost) => { if (!lost) console.log(cpu, view.getUint32(off, true)); });
  reader.drainRecords(Event, (ev, { cpu }) => console.log(cpu, ev.pid));   // runs carry their CPU
  console.log(reader.lostSamples, reader.cpus, reader.pendingBytes()); // 0 [ 0, 1 ] 0
  // #endregion
  return reader.lostSamples;
}
