import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { kernelTest, openFds, assertNoNewFds } from '../testutils/kernel.js';
import { ringbufProducer } from '../testutils/event-programs.js';
import { BpfMap, MapType, ClosedError, type Codec } from '../index.js';
import { RingBufReader, ShortRecordError } from './index.js';

const ringSpec = (name: string, size: number) => ({ name, type: MapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: size });

/** The sequence number of a 16-byte record `{ u64 seq; u64 index }` (below 2^32 in these tests). */
function seqAt(view: DataView, off: number): number {
  assert.equal(view.getUint32(off + 4, true), 0);
  return view.getUint32(off, true);
}

/** The sequence number of a record as a codec (below 2^32 in these tests). */
const Seq: Codec<number> = { size: 16, name: 'seq', encode: () => {}, decode: (d, o) => seqAt(d, o) };

describe('RingBufReader on the running kernel', () => {
  test('1,000,000 records arrive in order, none lost, through drain, readBatch, for await and read', async (t) => {
    if (!kernelTest(t)) return;
    // 4 MiB holds 174,762 records of 24 bytes (8 header + 16): emit 100,000 per round, then read.
    using events = BpfMap.create(ringSpec('t_rb_million', 4 << 20));
    using producer = ringbufProducer(events, { perRun: 10_000 });
    using reader = new RingBufReader(events);
    const ROUNDS = 10;
    const PER_ROUND = 100_000;
    let expected = 0;
    let lengthsOk = true;
    const check = (_b: Uint8Array, off: number, len: number, view: DataView): void => {
      if (len !== 16) lengthsOk = false;
      const s = seqAt(view, off);
      if (s !== expected) assert.fail(`record ${expected}: got sequence ${s}`);
      expected++;
    };
    for (let round = 0; round < ROUNDS; round++) {
      const before = reader.query();
      assert.equal(before.availData, 0);
      assert.equal(before.consumerPos, before.producerPos);
      producer.run(PER_ROUND / 10_000);
      const q = reader.query();
      assert.deepEqual(q, { availData: PER_ROUND * 24, ringSize: 4 << 20, consumerPos: before.consumerPos, producerPos: before.producerPos + PER_ROUND * 24 });
      const target = expected + PER_ROUND;
      if (round < 6) {
        // drain in slices, then the rest
        assert.equal(reader.drain(check, 1234), 1234);
        assert.equal(reader.drain(check), PER_ROUND - 1234);
      } else if (round < 8) {
        assert.equal(await reader.readBatch(check, { timeoutMs: 1000 }), PER_ROUND);
      } else if (round === 8) {
        for await (const rec of reader) {
          check(rec.sample, 0, rec.sample.length, new DataView(rec.sample.buffer, rec.sample.byteOffset, 16));
          if (expected === target) break;
        }
      } else {
        for (let i = 0; i < PER_ROUND; i++) {
          const rec = await reader.read({ timeoutMs: 1000 });
          assert.ok(rec, `record ${expected}: read timed out`);
          check(rec.sample, 0, rec.sample.length, new DataView(rec.sample.buffer, rec.sample.byteOffset, 16));
        }
      }
      assert.equal(expected, target);
      const after = reader.query();
      assert.equal(after.availData, 0);
      assert.equal(after.consumerPos, q.producerPos);
    }
    assert.ok(lengthsOk, 'every record is 16 bytes');
    assert.equal(expected, ROUNDS * PER_ROUND);
    // The producer counted every attempt: a failed bpf_ringbuf_output would leave a gap above.
    assert.equal((producer.counter as BpfMap<number, bigint>).lookup(0), BigInt(ROUNDS * PER_ROUND));
    assert.equal(await reader.read({ timeoutMs: 0 }), undefined);
  });

  test('batches(codec): every record once, in order, across wrap-around, breaks and resumes mixed with the other forms', async (t) => {
    if (!kernelTest(t)) return;
    // 4 KiB holds 170 records of 24 bytes; each round writes 80 records and 80 discarded
    // reservations (3,840 bytes), so 60 rounds go round the ring 56 times.
    using events = BpfMap.create(ringSpec('t_rb_batches', 4096));
    using producer = ringbufProducer(events, { perRun: 80, discardEvery: true });
    using reader = new RingBufReader(events);
    using observer = new RingBufReader(events); // the consumer position as the kernel sees it
    let expected = 0;
    const take = (v: number): void => {
      if (v !== expected) assert.fail(`record ${expected}: got sequence ${v}`);
      expected++;
    };
    const held: Array<[batch: number[], first: number]> = [];
    for (let round = 0; round < 60; round++) {
      const base = observer.query();
      producer.run(1);
      const target = expected + 80;
      const max = 1 + (round % 9);
      // Break in the middle (after a batch), check what was consumed, then resume with a new iterator.
      const stopAt = expected + 10 + (round % 37);
      for await (const batch of reader.batches(Seq, { max })) {
        assert.ok(Array.isArray(batch) && batch.length >= 1 && batch.length <= max, `batch of ${batch.length}, max ${max}`);
        held.push([batch, expected]);
        for (const v of batch) take(v);
        if (expected >= stopAt) break;
      }
      // Consumed: the records handed out and the discarded reservations between them (24 bytes
      // each), and at most the one after the last record.
      const k = expected - (target - 80);
      const moved = observer.query().consumerPos - base.consumerPos;
      assert.ok(moved >= (2 * k - 1) * 24 && moved <= 2 * k * 24, `break stored the position: ${moved} bytes for ${k} records`);
      if (round % 3 === 0) {
        // records() and drain() go on exactly where the batches stopped.
        const it = reader.records(Seq);
        take((await it.next()).value as number);
        await it.return!();
        reader.drain((_b, off, _l, v) => take(seqAt(v, off)), 5);
      }
      for await (const batch of reader.batches(Seq)) {
        for (const v of batch) take(v);
        if (expected === target) break;
      }
      assert.equal(expected, target);
      assert.equal(reader.query().availData, 0, 'everything consumed, discarded records included');
    }
    // Batches are the caller's: later ones did not reuse or change them.
    for (const [batch, first] of held) assert.deepEqual(batch, Array.from({ length: batch.length }, (_, i) => first + i));
    assert.equal(await reader.read({ timeoutMs: 0 }), undefined);
  });

  test('batches(codec): bad arguments and decode errors are typed; an error comes after the records before it', async (t) => {
    if (!kernelTest(t)) return;
    using events = BpfMap.create(ringSpec('t_rb_batch_err', 4096));
    using producer = ringbufProducer(events, { perRun: 6 });
    const reader = new RingBufReader(events);
    assert.throws(() => reader.batches({} as Codec<number>), (e: unknown) => e instanceof TypeError && /^ringbuf t_rb_batch_err: expected a codec/.test(e.message));
    assert.throws(() => reader.batches(null as unknown as Codec<number>), TypeError);
    assert.throws(() => reader.batches(Seq, null as unknown as { max: number }), /^TypeError: ringbuf t_rb_batch_err: batches: options must be an object/);
    for (const max of [0, -1, 1.5, NaN, Infinity, '4' as unknown as number]) {
      assert.throws(() => reader.batches(Seq, { max }), (e: unknown) => e instanceof RangeError && /^ringbuf t_rb_batch_err: batches: max must be a positive integer, got /.test(e.message), String(max));
    }
    // A codec that fails on record 3: records 0-2 come first, then the error; record 3 is consumed.
    class BadRecord extends Error {}
    const Picky: Codec<number> = { size: 16, encode: () => {}, decode: (d, o) => {
      const s = seqAt(d, o);
      if (s === 3) throw new BadRecord('record 3');
      return s;
    } };
    producer.run(1);
    const it = reader.batches(Picky);
    assert.deepEqual(await it.next(), { done: false, value: [0, 1, 2] });
    await assert.rejects(it.next(), BadRecord);
    assert.deepEqual(await it.next(), { done: false, value: [4, 5] });
    // Shorter than the codec: a ShortRecordError from the first step, the record consumed.
    producer.run(1);
    const TooBig: Codec<number> = { size: 17, name: 'too_big', encode: () => {}, decode: () => 0 };
    await assert.rejects(reader.batches(TooBig).next(), (e: unknown) => e instanceof ShortRecordError && e.length === 16 && e.expected === 17);
    assert.deepEqual(await reader.batches(Seq, { max: 2 }).next(), { done: false, value: [7, 8] });
    // A pending batches iteration ends when the reader closes; a closed reader yields nothing.
    assert.equal(reader.drain(() => {}), 3);
    const pending = reader.batches(Seq).next();
    setTimeout(() => reader.close(), 10);
    assert.deepEqual(await pending, { done: true, value: undefined });
    for await (const _ of reader.batches(Seq)) assert.fail('closed reader yields nothing');
  });

  test('records(codec): results of next() calls made before awaiting are distinct; return() stores the position', async (t) => {
    if (!kernelTest(t)) return;
    using events = BpfMap.create(ringSpec('t_rb_rec_next', 4096));
    using producer = ringbufProducer(events, { perRun: 10 });
    using reader = new RingBufReader(events);
    // A second mapping of the ring shows the consumer position the kernel sees (a query on the
    // reader itself would store the position first).
    using observer = new RingBufReader(events);
    const kernelPos = (): number => observer.query().consumerPos;
    producer.run(1);
    const start = kernelPos();
    const it = reader.records(Seq);
    const a = it.next();
    const b = it.next();
    const c = it.next();
    const [ra, rb, rc] = await Promise.all([a, b, c]);
    assert.deepEqual([ra, rb, rc], [{ done: false, value: 0 }, { done: false, value: 1 }, { done: false, value: 2 }]);
    assert.notEqual(ra, rb);
    // Nothing past the three records is consumed once the loop is left.
    assert.deepEqual(await it.return!(), { done: true, value: undefined });
    assert.equal(kernelPos(), start + 3 * 24);
    // An iterator left without return(): the next read (here drain) stores its position first.
    const it2 = reader.records(Seq);
    assert.equal((await it2.next()).value, 3);
    assert.equal((await it2.next()).value, 4);
    const seen: number[] = [];
    reader.drain((_b, off, _l, v) => seen.push(seqAt(v, off)));
    assert.deepEqual(seen, [5, 6, 7, 8, 9]);
    assert.equal(reader.query().availData, 0);
    // for await with break: the same.
    producer.run(1);
    const p0 = kernelPos();
    for await (const v of reader.records(Seq)) if (v === 12) break;
    assert.equal(kernelPos(), p0 + 3 * 24);
  });

  test('a pending read wakes up when the program submits', async (t) => {
    if (!kernelTest(t)) return;
    using events = BpfMap.create(ringSpec('t_rb_wake', 4096));
    using producer = ringbufProducer(events, { perRun: 3 });
    using reader = new RingBufReader(events);
    let produced = false;
    setTimeout(() => {
      producer.run(1);
      produced = true;
    }, 30);
    const rec = await reader.read();
    assert.ok(rec);
    assert.ok(produced, 'it waited for the producer');
    assert.equal(seqAt(new DataView(rec.sample.buffer, rec.sample.byteOffset), 0), 0);
    assert.equal(rec.remaining, 48);
    // The other two are already there: readBatch returns without waiting.
    const seen: number[] = [];
    assert.equal(await reader.readBatch((_b, off, _l, v) => seen.push(seqAt(v, off))), 2);
    assert.deepEqual(seen, [1, 2]);
    // And the async iterator picks up records submitted later.
    setTimeout(() => producer.run(2), 10);
    const got: number[] = [];
    for await (const r of reader) {
      got.push(seqAt(new DataView(r.sample.buffer, r.sample.byteOffset), 0));
      if (got.length === 6) break;
    }
    assert.deepEqual(got, [3, 4, 5, 6, 7, 8]);
  });

  test('copies taken ahead by read() come first in a later drain, in order', async (t) => {
    if (!kernelTest(t)) return;
    using events = BpfMap.create(ringSpec('t_rb_mix', 1 << 16));
    using producer = ringbufProducer(events, { perRun: 10 });
    using reader = new RingBufReader(events);
    producer.run(1);
    const first = reader.tryRead();
    assert.ok(first);
    // The reader copied the other nine out of the ring already: the ring is empty.
    assert.equal(reader.query().availData, 0);
    producer.run(1);
    const seqs: number[] = [seqAt(new DataView(first.sample.buffer, first.sample.byteOffset), 0)];
    assert.equal(reader.drain((_b, off, len, v) => {
      assert.equal(len, 16);
      seqs.push(seqAt(v, off));
    }, 5), 5);
    assert.equal(reader.drain((_b, off, _l, v) => seqs.push(seqAt(v, off))), 14);
    assert.deepEqual(seqs, Array.from({ length: 20 }, (_, i) => i));
  });

  test('discarded records are skipped', async (t) => {
    if (!kernelTest(t)) return;
    using events = BpfMap.create(ringSpec('t_rb_discard', 1 << 16));
    using producer = ringbufProducer(events, { perRun: 50, discardEvery: true });
    using reader = new RingBufReader(events);
    producer.run(2);
    const q = reader.query();
    assert.equal(q.availData, 100 * 24 * 2, 'discarded records take space until consumed');
    const seqs: number[] = [];
    assert.equal(reader.drain((_b, off, _l, v) => seqs.push(seqAt(v, off))), 100);
    assert.deepEqual(seqs, Array.from({ length: 100 }, (_, i) => i));
    assert.equal(reader.query().availData, 0);
  });

  test('timeouts, abort signals and close', async (t) => {
    if (!kernelTest(t)) return;
    using events = BpfMap.create(ringSpec('t_rb_wait', 4096));
    using producer = ringbufProducer(events, { perRun: 1 });
    const reader = new RingBufReader(events);
    // A timer set to expire before the read's timeout has always fired when the read gives up.
    let fired = false;
    const mark = (ms: number): void => {
      fired = false;
      setTimeout(() => (fired = true), ms);
    };
    assert.equal(await reader.read({ timeoutMs: 0 }), undefined);
    mark(30);
    assert.equal(await reader.read({ timeoutMs: 40 }), undefined);
    assert.ok(fired, 'read waited for its timeout');
    mark(20);
    assert.equal(await reader.readBatch(() => assert.fail('nothing to read'), { timeoutMs: 30 }), 0);
    assert.ok(fired, 'readBatch waited for its timeout');

    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('stop waiting')), 20);
    await assert.rejects(reader.read({ signal: ac.signal }), /stop waiting/);
    await assert.rejects(reader.read({ signal: AbortSignal.abort() }), { name: 'AbortError' });
    // The reader still works after an abort.
    producer.run(1);
    assert.ok(await reader.read({ timeoutMs: 1000 }));

    await assert.rejects(reader.read({ timeoutMs: -1 }), RangeError);

    // close() ends a pending read and a pending iteration.
    const pending = reader.read();
    const iter = reader[Symbol.asyncIterator]().next();
    setTimeout(() => reader.close(), 10);
    await assert.rejects(pending, (e: unknown) => e instanceof ClosedError && /^ringbuf t_rb_wait: already closed$/.test(e.message));
    assert.deepEqual(await iter, { done: true, value: undefined });
    reader.close();
    assert.equal(reader.closed, true);
    assert.throws(() => reader.query(), ClosedError);
    assert.throws(() => reader.drain(() => {}), ClosedError);
    await assert.rejects(reader.read(), ClosedError);
    for await (const _ of reader) assert.fail('closed reader yields nothing');
  });

  test('close from inside the drain callback stops the walk', (t) => {
    if (!kernelTest(t)) return;
    using events = BpfMap.create(ringSpec('t_rb_cbclose', 4096));
    using producer = ringbufProducer(events, { perRun: 5 });
    const reader = new RingBufReader(events);
    producer.run(1);
    let n = 0;
    assert.equal(reader.drain(() => {
      n++;
      reader.close();
    }), 1);
    assert.equal(n, 1);
  });

  test('the reader works after the map object is closed, and reads a ring a former reader left half read', async (t) => {
    if (!kernelTest(t)) return;
    const events = BpfMap.create(ringSpec('t_rb_own', 4096));
    using producer = ringbufProducer(events, { perRun: 4 });
    producer.run(1);
    const first = new RingBufReader(events);
    assert.equal(first.drain(() => {}, 1), 1);
    first.close();
    using reader = new RingBufReader(events);
    events.close();
    producer.run(1);
    const seqs: number[] = [];
    reader.drain((_b, off, _l, v) => seqs.push(seqAt(v, off)));
    assert.deepEqual(seqs, [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(reader.name, 't_rb_own');
    assert.equal(String(reader), 'ringbuf t_rb_own (4096 B)');
  });

  test('a map of another type is refused', (t) => {
    if (!kernelTest(t)) return;
    using m = BpfMap.create({ name: 't_rb_hash', type: MapType.Hash, keySize: 4, valueSize: 4, maxEntries: 1 });
    assert.throws(() => new RingBufReader(m), (e: unknown) => e instanceof TypeError && /^ringbuf t_rb_hash: map type is hash, not ringbuf/.test(e.message));
    assert.throws(() => new RingBufReader({ fd: -1 }), TypeError);
  });

  test('an unref()ed reader does not keep the process alive', (t) => {
    if (!kernelTest(t)) return;
    const script = `
      import { BpfMap, MapType } from './src/index.js';
      import { RingBufReader } from './src/ringbuf/index.js';
      const m = BpfMap.create({ name: 'unref', type: MapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: 4096 });
      const r = new RingBufReader(m, { ref: false });
      r.read({ timeoutMs: 60_000 }).then(() => console.log('read settled'));
      r[Symbol.asyncIterator]().next().then(() => console.log('next settled'));
      console.log('waiting');
    `;
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.signal, null, 'the child exited by itself');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'waiting');
  });

  test('1,000 readers created and closed, and failed opens, leave the fd count unchanged', async (t) => {
    if (!kernelTest(t)) return;
    using events = BpfMap.create(ringSpec('t_rb_leak', 1 << 16));
    using hash = BpfMap.create({ name: 't_rb_leak_h', type: MapType.Hash, keySize: 4, valueSize: 4, maxEntries: 1 });
    using producer = ringbufProducer(events, { perRun: 2 });
    const before = await openFds();
    for (let i = 0; i < 1000; i++) {
      const r = new RingBufReader(events);
      // Half of the time, close with a read pending (its poll handle must go too).
      const p = i % 2 === 0 ? r.read() : undefined;
      producer.run(1);
      if (p) assert.ok(await p);
      assert.equal(r.drain(() => {}), i % 2 === 0 ? 1 : 2);
      const pending = r.read();
      r.close();
      await assert.rejects(pending, ClosedError);
    }
    for (let i = 0; i < 100; i++) assert.throws(() => new RingBufReader(hash), TypeError);
    await assertNoNewFds(before);
  });
});
