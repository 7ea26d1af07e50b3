import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTest } from '../testutils/kernel.js';
import { perfProducer, ringbufProducer } from '../testutils/event-programs.js';
import { BpfMap, MapType, possibleCpus, type Codec } from '../index.js';
import { RingBufReader, ShortRecordError, decodeRecord, type RecordBatch } from '../ringbuf/index.js';
import { PerfReader, type PerfRecordBatch } from '../perf/index.js';

/** The producers' record `{ u64 seq; u64 extra }` as a struct codec, the way `tsbpf gen` writes one. */
interface Rec {
  seq: bigint;
  extra: bigint;
}
const Rec: Codec<Rec> = {
  size: 16,
  name: 'struct rec',
  encode(v, d, o) {
    d.setBigUint64(o, v.seq, true);
    d.setBigUint64(o + 8, v.extra, true);
  },
  decode: (d, o) => ({ seq: d.getBigUint64(o, true), extra: d.getBigUint64(o + 8, true) }),
};
/** A codec one byte longer than the records. */
const TooBig: Codec<number> = { size: 17, name: 'struct too_big', encode: () => {}, decode: (d, o) => d.getUint8(o) };

const ringSpec = (name: string, size: number) => ({ name, type: MapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: size });
const perfSpec = (name: string) => ({ name, type: MapType.PerfEventArray, keySize: 4, valueSize: 4, maxEntries: possibleCpus() });

describe('typed records and batches on the running kernel', () => {
  test('ringbuf: records(codec) yields decoded samples in order, consumes only what it yields, and mixes with the other forms', async (t) => {
    if (!kernelTest(t)) return;
    using events = BpfMap.create(ringSpec('t_ev_typed', 1 << 16));
    using producer = ringbufProducer(events, { perRun: 10, discardEvery: true });
    using reader = new RingBufReader(events);
    producer.run(1);
    // One copy taken ahead by read() comes first, decoded, in the typed iteration.
    const first = await reader.read({ timeoutMs: 1000 });
    assert.ok(first);
    assert.deepEqual(decodeRecord(Rec, first.sample), { seq: 0n, extra: 0n });
    const got: Rec[] = [];
    for await (const r of reader.records(Rec)) {
      got.push(r);
      if (got.length === 4) break;
    }
    assert.deepEqual(got.map((r) => r.seq), [1n, 2n, 3n, 4n]);
    assert.deepEqual(got.map((r) => r.extra), [1n, 2n, 3n, 4n], 'extra is the bpf_loop index');
    // The copies read() took ahead (9 of them) went first; what follows comes from the ring.
    producer.run(1);
    const rest: bigint[] = [];
    reader.drain((_b, off, len, view) => {
      assert.equal(len, 16);
      rest.push(Rec.decode(view, off).seq);
    });
    assert.deepEqual(rest, Array.from({ length: 15 }, (_, i) => BigInt(i + 5)));
    // Iterating again picks up new records; a waiting typed iteration wakes on submit.
    setTimeout(() => producer.run(1), 20);
    const late: bigint[] = [];
    for await (const r of reader.records(Rec)) {
      late.push(r.seq);
      if (late.length === 10) break;
    }
    assert.deepEqual(late, Array.from({ length: 10 }, (_, i) => BigInt(i + 20)));
    // records(codec) takes from the ring one by one: leaving the loop leaves the rest there.
    producer.run(1);
    for await (const r of reader.records(Rec)) {
      assert.equal(r.seq, 30n);
      break;
    }
    assert.equal(reader.query().availData, 9 * 24 + 10 * 24, 'nine records left, plus the ten discarded ones behind them');
    assert.equal(reader.drain(() => {}), 9);
  });

  test('ringbuf: a record shorter than the codec is a ShortRecordError naming the reader, and is consumed', async (t) => {
    if (!kernelTest(t)) return;
    using events = BpfMap.create(ringSpec('t_ev_short', 4096));
    using producer = ringbufProducer(events, { perRun: 2 });
    using reader = new RingBufReader(events);
    producer.run(1);
    const it = reader.records(TooBig);
    await assert.rejects(it.next(), (e: unknown) => {
      assert.ok(e instanceof ShortRecordError);
      assert.equal(e.message, 'ringbuf t_ev_short: decode struct too_big: record of 16 bytes is shorter than the 17-byte codec');
      assert.equal(e.readerName, 'ringbuf t_ev_short');
      assert.equal(e.length, 16);
      assert.equal(e.expected, 17);
      return true;
    });
    // The bad record is gone; the next one decodes with the right codec.
    const next = await reader.records(Rec).next();
    assert.deepEqual(next, { done: false, value: { seq: 1n, extra: 1n } });
    assert.throws(() => reader.records({} as Codec<number>), /^TypeError: ringbuf t_ev_short: expected a codec/);
    assert.throws(() => decodeRecord(Rec, new Uint8Array(15)), (e: unknown) => e instanceof ShortRecordError && /^decodeRecord: decode struct rec: record of 15 bytes/.test(e.message));
    assert.throws(() => decodeRecord(Rec, new Uint8Array(16), 1), ShortRecordError);
    assert.throws(() => decodeRecord(Rec, new Uint8Array(16), 17), RangeError);
    assert.deepEqual(decodeRecord(Rec, new Uint8Array(20), 4), { seq: 0n, extra: 0n });
  });

  test('ringbuf: drainBatches hands runs of offsets and lengths, readBatches waits first', async (t) => {
    if (!kernelTest(t)) return;
    // 10,000 records: more than one run of 4096.
    using events = BpfMap.create(ringSpec('t_ev_batch', 1 << 20));
    using producer = ringbufProducer(events, { perRun: 5000, discardEvery: true });
    using reader = new RingBufReader(events);
    producer.run(2);
    const seqs: number[] = [];
    const counts: number[] = [];
    const sink = (b: RecordBatch): void => {
      counts.push(b.count);
      for (let i = 0; i < b.count; i++) {
        assert.equal(b.lengths[i], 16);
        assert.ok(b.offsets[i] >= 0 && b.offsets[i] + 16 <= b.bytes.length);
        seqs.push(b.view.getUint32(b.offsets[i], true));
      }
    };
    assert.equal(reader.drainBatches(sink, 100), 100);
    assert.equal(reader.drainBatches(sink), 9900);
    assert.deepEqual(counts, [100, 4096, 4096, 1708]);
    assert.deepEqual(seqs, Array.from({ length: 10_000 }, (_, i) => i));
    assert.equal(reader.query().availData, 0);
    setTimeout(() => producer.run(1), 20);
    assert.equal(await reader.readBatches(sink, { timeoutMs: 5000 }), 5000);
    assert.equal(seqs.at(-1), 14_999);
    assert.equal(await reader.readBatches(sink, { timeoutMs: 0 }), 0);
    assert.throws(() => reader.drainBatches(sink, -1), /^RangeError: ringbuf t_ev_batch: max must be a non-negative integer/);
    // Closing from inside the batch callback stops the walk.
    producer.run(1);
    let runs = 0;
    assert.equal(reader.drainBatches(() => {
      runs++;
      reader.close();
    }), 4096);
    assert.equal(runs, 1);
  });

  test('perf: records(codec), decodeRecord on copies and drainBatches carry every CPU\'s samples', async (t) => {
    if (!kernelTest(t)) return;
    using events = BpfMap.create(perfSpec('t_ev_perf'));
    using producer = perfProducer(events, { perRun: 50 });
    using reader = new PerfReader(events, { perCpuBufferSize: 1 << 16 });
    const cpus = reader.cpus;
    for (const cpu of cpus) producer.run(1, cpu);
    // Typed: the perf samples are 20 bytes (padding), the codec reads its 16.
    const bySeq = new Map<number, bigint[]>(cpus.map((c) => [c, []]));
    let n = 0;
    for await (const r of reader.records(Rec)) {
      bySeq.get(Number(r.extra))!.push(r.seq);
      if (++n === 50 * cpus.length) break;
    }
    for (const cpu of cpus) assert.deepEqual(bySeq.get(cpu), Array.from({ length: 50 }, (_, i) => BigInt(i)), `cpu ${cpu}`);
    // Copies decode with decodeRecord.
    for (const cpu of cpus) producer.run(1, cpu);
    const rec = await reader.read({ timeoutMs: 1000 });
    assert.ok(rec);
    assert.equal(rec.sample.length, 20);
    assert.deepEqual(decodeRecord(Rec, rec.sample), { seq: 50n, extra: BigInt(rec.cpu) });
    reader.drain(() => {});
    // Batches: per CPU, offsets and lengths into that CPU's buffer.
    for (const cpu of cpus) producer.run(2, cpu);
    const seen = new Map<number, number[]>(cpus.map((c) => [c, []]));
    const total = reader.drainBatches((b: PerfRecordBatch) => {
      assert.equal(b.lostSamples, 0);
      for (let i = 0; i < b.count; i++) {
        assert.equal(b.lengths[i], 20);
        assert.equal(b.view.getUint32(b.offsets[i] + 8, true), b.cpu);
        seen.get(b.cpu)!.push(b.view.getUint32(b.offsets[i], true));
      }
    });
    assert.equal(total, 100 * cpus.length);
    for (const cpu of cpus) assert.deepEqual(seen.get(cpu), Array.from({ length: 100 }, (_, i) => 100 + i));
    // A short codec on perf names the perf reader.
    producer.run(1, cpus[0]);
    const TooBigForPerf: Codec<number> = { ...TooBig, size: 21 };
    await assert.rejects(reader.records(TooBigForPerf).next(), (e: unknown) => e instanceof ShortRecordError && e.message === 'perf t_ev_perf: decode struct too_big: record of 20 bytes is shorter than the 21-byte codec');
  });
});
