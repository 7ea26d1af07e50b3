import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTest, openFds, assertNoNewFds } from '../testutils/kernel.js';
import { perfProducer } from '../testutils/event-programs.js';
import { BpfMap, MapType, ClosedError, MapFullError, possibleCpus } from '../index.js';
import { PerfReader, type PerfRecord } from './index.js';

const arraySpec = (name: string, maxEntries = possibleCpus()) => ({ name, type: MapType.PerfEventArray, keySize: 4, valueSize: 4, maxEntries });

/** `{ u64 seq; u64 cpu }` as the producer writes it (both below 2^32 here). */
function decode(view: DataView, off: number): { seq: number; cpu: number } {
  return { seq: view.getUint32(off, true), cpu: view.getUint32(off + 8, true) };
}

function onlineCpus(): number[] {
  // The reader skips offline CPUs; the tests run on the ones it opened.
  using m = BpfMap.create(arraySpec('t_pf_probe'));
  using r = new PerfReader(m, { perCpuBufferSize: 4096 });
  return r.cpus;
}

describe('PerfReader on the running kernel', () => {
  test('records from every CPU arrive in per-CPU order with their CPU', async (t) => {
    if (!kernelTest(t)) return;
    const cpus = onlineCpus();
    if (cpus.length < 2) t.diagnostic(`only ${cpus.length} CPU online: the cross-CPU part is thin`);
    using events = BpfMap.create(arraySpec('t_pf_cpus'));
    using producer = perfProducer(events, { perRun: 100 });
    using reader = new PerfReader(events, { perCpuBufferSize: 1 << 16 });
    assert.deepEqual(reader.cpus, cpus);
    const next = new Map<number, number>(cpus.map((c) => [c, 0]));
    const check = (cpu: number, lost: number, view: DataView, off: number, len: number): void => {
      assert.equal(lost, 0);
      assert.equal(len, 20, 'a 16-byte sample comes padded to 20 bytes');
      const d = decode(view, off);
      assert.equal(d.cpu, cpu, 'the record comes from the buffer of the CPU that wrote it');
      assert.equal(d.seq, next.get(cpu), `cpu ${cpu}: sequence`);
      next.set(cpu, d.seq + 1);
    };
    // Interleave the CPUs, then read everything with drain.
    for (let i = 0; i < 5; i++) for (const cpu of cpus) producer.run(2, cpu);
    let n = reader.drain((_b, off, len, view, cpu, lost) => check(cpu, lost, view, off, len));
    assert.equal(n, 1000 * cpus.length);
    // Again, read with readBatch and then for await.
    for (const cpu of cpus) producer.run(1, cpu);
    n = await reader.readBatch((_b, off, len, view, cpu, lost) => check(cpu, lost, view, off, len), { timeoutMs: 1000 });
    assert.equal(n, 100 * cpus.length);
    setTimeout(() => {
      for (const cpu of cpus) producer.run(1, cpu);
    }, 10);
    let got = 0;
    for await (const rec of reader) {
      check(rec.cpu, rec.lostSamples, new DataView(rec.sample.buffer, rec.sample.byteOffset), 0, rec.sample.length);
      if (++got === 100 * cpus.length) break;
    }
    for (const cpu of cpus) assert.equal(next.get(cpu), 1200);
    assert.equal(reader.lostSamples, 0);
    assert.equal(reader.pendingBytes(), 0);
  });

  test('a full buffer drops samples and reports how many as lost-sample records', async (t) => {
    if (!kernelTest(t)) return;
    using events = BpfMap.create(arraySpec('t_pf_lost'));
    using producer = perfProducer(events, { perRun: 100 });
    // One page: 4096 / 32 bytes per record = 128 records at most.
    using reader = new PerfReader(events, { perCpuBufferSize: 4096 });
    const cpu = reader.cpus[0];
    producer.run(10, cpu); // 1,000 records into room for 128
    const samples: number[] = [];
    let lost = 0;
    const sink = (_b: Uint8Array, off: number, len: number, view: DataView, c: number, l: number): void => {
      assert.equal(c, cpu);
      if (l > 0) {
        assert.equal(len, 0);
        lost += l;
      } else {
        samples.push(decode(view, off).seq);
      }
    };
    reader.drain(sink);
    // The kernel writes the PERF_RECORD_LOST once there is room again: emit once more.
    producer.run(1, cpu);
    reader.drain(sink);
    assert.ok(lost > 0, 'some samples were lost');
    assert.equal(samples.length + lost, 1100, `${samples.length} read + ${lost} lost`);
    assert.equal(reader.lostSamples, lost);
    // Sequence numbers only ever go up, with gaps where samples were lost.
    for (let i = 1; i < samples.length; i++) assert.ok(samples[i] > samples[i - 1]);
    // Lost records come through read() as records too.
    producer.run(10, cpu);
    reader.drain(() => {});
    producer.run(1, cpu);
    const recs: PerfRecord[] = [];
    for (let r = await reader.read({ timeoutMs: 0 }); r; r = await reader.read({ timeoutMs: 0 })) recs.push(r);
    const lostRec = recs.find((r) => r.lostSamples > 0);
    assert.ok(lostRec, 'a lost-samples record');
    assert.equal(lostRec.sample.length, 0);
    assert.equal(lostRec.cpu, cpu);
  });

  test('wakeup by watermark: below it a read waits for its timeout, then finds the data', async (t) => {
    if (!kernelTest(t)) return;
    using events = BpfMap.create(arraySpec('t_pf_wm'));
    using producer = perfProducer(events, { perRun: 10 });
    using reader = new PerfReader(events, { perCpuBufferSize: 1 << 16, watermark: 8192 });
    const cpu = reader.cpus[0];
    const pending = reader.read({ timeoutMs: 150 });
    setTimeout(() => producer.run(1, cpu), 10); // 320 bytes: below the watermark, no wake-up
    // Timers fire in order of expiry: if the read ends after this one, nothing woke it at 10 ms.
    let late = false;
    setTimeout(() => (late = true), 100);
    const rec = await pending;
    assert.ok(late, 'no wake-up below the watermark: the read ended at its timeout');
    assert.ok(rec, 'the timed-out read checked the buffers');
    assert.equal(decode(new DataView(rec.sample.buffer, rec.sample.byteOffset), 0).seq, 0);
    assert.equal(reader.drain(() => {}), 9);
    // Above the watermark it wakes: with no timeout, only a wake-up ends the wait (the signal
    // only keeps a broken wake-up from hanging the suite).
    setTimeout(() => producer.run(30, cpu), 10); // 9,600 bytes
    const n = await reader.readBatch(() => {}, { signal: AbortSignal.timeout(60_000) });
    assert.ok(n > 0);
  });

  test('wakeupEvents: a read wakes after that many samples', async (t) => {
    if (!kernelTest(t)) return;
    using events = BpfMap.create(arraySpec('t_pf_we'));
    using producer = perfProducer(events, { perRun: 1 });
    using reader = new PerfReader(events, { wakeupEvents: 5 });
    const cpu = reader.cpus[0];
    let runs = 0;
    const timer = setInterval(() => {
      producer.run(1, cpu);
      runs++;
    }, 5);
    try {
      const n = await reader.readBatch(() => {}, { timeoutMs: 5000 });
      assert.ok(runs >= 5, `woken after ${runs} samples`);
      assert.ok(n >= 5);
    } finally {
      clearInterval(timer);
    }
  });

  test('options are checked before any system call', (t) => {
    if (!kernelTest(t)) return;
    using events = BpfMap.create(arraySpec('t_pf_opts'));
    assert.throws(() => new PerfReader(events, { perCpuBufferSize: 0 }), RangeError);
    assert.throws(() => new PerfReader(events, { wakeupEvents: 2, watermark: 10 }), TypeError);
    assert.throws(() => new PerfReader(events, { watermark: 1 << 20, perCpuBufferSize: 4096 }), /watermark must be an integer in \[1, 4096\)/);
    assert.throws(() => new PerfReader(events, { bufferSize: 4096 } as never), /unknown option bufferSize/);
    using hash = BpfMap.create({ name: 't_pf_hash', type: MapType.Hash, keySize: 4, valueSize: 4, maxEntries: 1 });
    assert.throws(() => new PerfReader(hash), /^TypeError: perf t_pf_hash: map type is hash, not perf_event_array/);
  });

  test('close ends pending reads, removes the map entries and is idempotent', async (t) => {
    if (!kernelTest(t)) return;
    using events = BpfMap.create(arraySpec('t_pf_close'));
    using producer = perfProducer(events, { perRun: 1 });
    const reader = new PerfReader(events, { perCpuBufferSize: 4096 });
    const cpu = reader.cpus[0];
    const pending = reader.read();
    const iter = reader[Symbol.asyncIterator]().next();
    setTimeout(() => reader.close(), 10);
    await assert.rejects(pending, ClosedError);
    assert.deepEqual(await iter, { done: true, value: undefined });
    reader.close();
    assert.throws(() => reader.drain(() => {}), ClosedError);
    // With the entry gone, the helper finds no event on the CPU: the program runs, nothing is read.
    producer.run(1, cpu);
    using again = new PerfReader(events, { perCpuBufferSize: 4096 });
    assert.equal(again.drain(() => {}), 0);
    producer.run(1, cpu);
    assert.equal(again.drain(() => {}), 1);
  });

  test('1,000 readers created and closed, and opens failing half way, leave the fd count unchanged', async (t) => {
    if (!kernelTest(t)) return;
    using events = BpfMap.create(arraySpec('t_pf_leak'));
    using producer = perfProducer(events, { perRun: 1 });
    const cpus = onlineCpus();
    const before = await openFds();
    for (let i = 0; i < 1000; i++) {
      const r = new PerfReader(events, { perCpuBufferSize: 4096 });
      producer.run(1, cpus[i % cpus.length]);
      if (i % 2 === 0) {
        assert.ok(await r.read({ timeoutMs: 1000 }));
        const pending = r.read();
        r.close();
        await assert.rejects(pending, ClosedError);
      } else {
        assert.equal(r.drain(() => {}), 1);
        r.close();
      }
    }
    // A map with one entry: CPU 0 succeeds, CPU 1 fails at the map update (E2BIG).
    if (possibleCpus() > 1) {
      using small = BpfMap.create(arraySpec('t_pf_small', 1));
      for (let i = 0; i < 200; i++) {
        assert.throws(
          () => new PerfReader(small, { perCpuBufferSize: 4096 }),
          (e: unknown) => e instanceof MapFullError && /^perf t_pf_small: cpu 1: put event fd into the map: E2BIG: the map has 1 entries; it needs one per possible CPU/.test(e.message),
        );
      }
    }
    await assertNoNewFds(before);
  });
});
