import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RingView, RINGBUF_BUSY_BIT, RINGBUF_DISCARD_BIT, RINGBUF_HEADER_SIZE } from './ring.js';
import { CorruptRecordError } from '../events/errors.js';

const PAGE = 4096;
const TWO32 = 2 ** 32;

/**
 * A fake ring buffer map: the kernel's layout over plain ArrayBuffers, with the data area kept
 * twice (as the double mapping shows it) and a producer that reserves, commits and discards.
 */
class FakeRing {
  readonly consumer = new ArrayBuffer(PAGE);
  readonly producer: ArrayBuffer;
  readonly data: Uint8Array;
  readonly dv: DataView;
  readonly view: RingView;
  prod: number;

  constructor(readonly size: number, start = 0) {
    this.producer = new ArrayBuffer(PAGE + 2 * size);
    this.data = new Uint8Array(this.producer, PAGE, 2 * size);
    this.dv = new DataView(this.producer);
    this.prod = start;
    this.#setPos(this.consumer, start);
    this.#setPos(this.producer, start);
    this.view = new RingView(this.consumer, this.producer, PAGE, size, 'ringbuf fake');
  }

  #setPos(buf: ArrayBuffer, pos: number): void {
    const d = new DataView(buf);
    d.setUint32(0, pos % TWO32, true);
    d.setUint32(4, Math.floor(pos / TWO32), true);
  }

  /** Writes bytes at a ring position into both copies of the data. */
  put(pos: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const j = (pos + i) % this.size;
      this.data[j] = bytes[i];
      this.data[j + this.size] = bytes[i];
    }
  }

  putU32(pos: number, v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    this.put(pos, b);
  }

  /** Reserves a record (header with BUSY), publishes producer_pos; returns its position. */
  reserve(sample: Uint8Array): number {
    const pos = this.prod;
    const step = (sample.length + RINGBUF_HEADER_SIZE + 7) & ~7;
    const cons = this.view.consumerPos();
    if (pos + step - cons > this.size) throw new Error('fake ring full');
    this.putU32(pos, sample.length | RINGBUF_BUSY_BIT);
    this.putU32(pos + 4, 0);
    this.put(pos + RINGBUF_HEADER_SIZE, sample);
    this.prod = pos + step;
    this.#setPos(this.producer, this.prod);
    return pos;
  }

  commit(pos: number, discard = false): void {
    const len = new DataView(new Uint8Array([...this.data.subarray(pos % this.size, (pos % this.size) + 4)]).buffer).getUint32(0, true);
    this.putU32(pos, (len & ~RINGBUF_BUSY_BIT & 0x7fffffff) | (discard ? RINGBUF_DISCARD_BIT : 0));
  }

  submit(sample: Uint8Array, discard = false): number {
    const pos = this.reserve(sample);
    this.commit(pos, discard);
    return pos;
  }
}

function sample(n: number, fill: number): Uint8Array {
  return new Uint8Array(n).fill(fill & 0xff);
}

function collect(r: RingView, max?: number): Array<{ data: number[]; remaining: number }> {
  const out: Array<{ data: number[]; remaining: number }> = [];
  r.drain((b, off, len, _v, remaining) => out.push({ data: [...b.subarray(off, off + len)], remaining }), max);
  return out;
}

describe('RingView over a fake ring buffer', () => {
  test('an empty ring gives nothing and query reports zeros', () => {
    const f = new FakeRing(256);
    assert.equal(f.view.drain(() => assert.fail('no records')), 0);
    assert.deepEqual(f.view.query(), { availData: 0, ringSize: 256, consumerPos: 0, producerPos: 0 });
    assert.equal(f.view.hasCommitted(), false);
  });

  test('records come in order with exact lengths; the consumer position moves to the producer', () => {
    const f = new FakeRing(256);
    f.submit(sample(1, 1));
    f.submit(sample(8, 2));
    f.submit(sample(13, 3));
    assert.deepEqual(f.view.query(), { availData: 16 + 16 + 24, ringSize: 256, consumerPos: 0, producerPos: 56 });
    const got = collect(f.view);
    assert.deepEqual(got.map((g) => g.data), [[1], Array(8).fill(2), Array(13).fill(3)]);
    assert.deepEqual(got.map((g) => g.remaining), [40, 24, 0]);
    assert.deepEqual(f.view.query(), { availData: 0, ringSize: 256, consumerPos: 56, producerPos: 56 });
  });

  test('a busy record stops the walk; it resumes once committed', () => {
    const f = new FakeRing(256);
    f.submit(sample(4, 1));
    const busy = f.reserve(sample(4, 2));
    f.submit(sample(4, 3));
    assert.deepEqual(collect(f.view).map((g) => g.data), [[1, 1, 1, 1]]);
    assert.equal(f.view.consumerPos(), busy);
    assert.equal(f.view.hasCommitted(), false);
    assert.equal(collect(f.view).length, 0);
    f.commit(busy);
    assert.equal(f.view.hasCommitted(), true);
    assert.deepEqual(collect(f.view).map((g) => g.data[0]), [2, 3]);
  });

  test('discarded records are skipped but consumed', () => {
    const f = new FakeRing(256);
    f.submit(sample(4, 1));
    f.submit(sample(4, 2), true);
    f.submit(sample(4, 3));
    assert.deepEqual(collect(f.view).map((g) => g.data[0]), [1, 3]);
    assert.equal(f.view.consumerPos(), f.prod);
    // Only discarded records: nothing handed over, space still given back.
    f.submit(sample(4, 4), true);
    assert.equal(f.view.drain(() => assert.fail('discarded')), 0);
    assert.equal(f.view.consumerPos(), f.prod);
  });

  test('records crossing the end of the ring read straight through the second mapping', () => {
    const f = new FakeRing(64);
    for (let round = 0; round < 50; round++) {
      const a = f.submit(sample(20, round));
      const got = collect(f.view);
      assert.equal(got.length, 1);
      assert.deepEqual(got[0].data, Array(20).fill(round & 0xff), `round ${round} at ${a}`);
    }
  });

  test('max limits the records handed over; the rest stays', () => {
    const f = new FakeRing(256);
    for (let i = 0; i < 5; i++) f.submit(sample(4, i));
    assert.deepEqual(collect(f.view, 2).map((g) => g.data[0]), [0, 1]);
    assert.deepEqual(collect(f.view, 2).map((g) => g.data[0]), [2, 3]);
    assert.deepEqual(collect(f.view).map((g) => g.data[0]), [4]);
  });

  test('a throwing callback consumes up to and including its record', () => {
    const f = new FakeRing(256);
    for (let i = 0; i < 3; i++) f.submit(sample(4, i));
    let seen = 0;
    assert.throws(
      () =>
        f.view.drain(() => {
          if (++seen === 2) throw new Error('boom');
        }),
      /boom/,
    );
    assert.deepEqual(collect(f.view).map((g) => g.data[0]), [2]);
  });

  test('detaching from inside the callback stops without writing', () => {
    const f = new FakeRing(256);
    for (let i = 0; i < 3; i++) f.submit(sample(4, i));
    const n = f.view.drain(() => f.view.detach());
    assert.equal(n, 1);
    assert.equal(new DataView(f.consumer).getUint32(0, true), 0);
    assert.equal(f.view.drain(() => assert.fail('detached')), 0);
  });

  test('a record running past the published data is reported, not read', () => {
    const f = new FakeRing(256);
    f.submit(sample(4, 1));
    const pos = f.submit(sample(4, 2));
    f.putU32(pos, 200); // claims 200 bytes, 16 published
    const seen: number[] = [];
    assert.throws(
      () => f.view.drain((b, off) => seen.push(b[off])),
      (e: unknown) => e instanceof CorruptRecordError && e.position === pos && /ringbuf fake: corrupt record at position 16: length 200 runs past/.test(e.message),
    );
    assert.deepEqual(seen, [1]);
    assert.equal(f.view.consumerPos(), pos);
  });

  test('positions across 2^32 are read and written with both halves', () => {
    const start = TWO32 - 24;
    const f = new FakeRing(256, start);
    for (let i = 0; i < 4; i++) f.submit(sample(8, i));
    assert.equal(f.view.producerPos(), start + 64);
    assert.deepEqual(collect(f.view).map((g) => g.data[0]), [0, 1, 2, 3]);
    assert.equal(f.view.consumerPos(), start + 64);
    const d = new DataView(f.consumer);
    assert.equal(d.getUint32(4, true), 1);
    assert.equal(d.getUint32(0, true), 40);
  });

  test('the constructor refuses sizes that are not the kernel layout', () => {
    assert.throws(() => new RingView(new ArrayBuffer(PAGE), new ArrayBuffer(PAGE + 2 * 100), PAGE, 100), RangeError);
    assert.throws(() => new RingView(new ArrayBuffer(PAGE), new ArrayBuffer(PAGE + 256), PAGE, 256), /need 4608/);
    assert.throws(() => new RingView(new ArrayBuffer(4), new ArrayBuffer(PAGE + 512), PAGE, 256), /consumer page/);
  });

  test('property: any mix of sizes, discards and drain limits yields the committed records in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ size: fc.integer({ min: 0, max: 40 }), discard: fc.boolean(), drainMax: fc.integer({ min: 0, max: 4 }) }), { maxLength: 200 }),
        fc.integer({ min: 0, max: 2 ** 33 }),
        (ops, start) => {
          const f = new FakeRing(128, start - (start % 8));
          const expected: number[][] = [];
          const got: number[][] = [];
          let id = 0;
          for (const op of ops) {
            const s = sample(op.size, id++);
            const step = (op.size + 8 + 7) & ~7;
            while (f.prod + step - f.view.consumerPos() > f.size) {
              f.view.drain((b, off, len) => got.push([...b.subarray(off, off + len)]));
            }
            f.submit(s, op.discard);
            if (!op.discard) expected.push([...s]);
            if (op.drainMax > 0) f.view.drain((b, off, len) => got.push([...b.subarray(off, off + len)]), op.drainMax);
          }
          f.view.drain((b, off, len) => got.push([...b.subarray(off, off + len)]));
          assert.deepEqual(got, expected);
          assert.equal(f.view.consumerPos(), f.prod);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('property: drainBatches and next give what drain gives, in the same order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ size: fc.integer({ min: 0, max: 40 }), discard: fc.boolean() }), { maxLength: 60 }),
        fc.integer({ min: 0, max: 2 ** 33 }),
        fc.integer({ min: 1, max: 5 }),
        (ops, start, maxPerCall) => {
          const make = (): { f: FakeRing; expected: number[][] } => {
            const f = new FakeRing(4096, start - (start % 8));
            const expected: number[][] = [];
            ops.forEach((op, id) => {
              const s = sample(op.size, id);
              f.submit(s, op.discard);
              if (!op.discard) expected.push([...s]);
            });
            return { f, expected };
          };
          const a = make();
          const viaBatches: number[][] = [];
          while (a.f.view.drainBatches((b) => {
            assert.ok(b.count > 0 && b.count <= maxPerCall);
            for (let i = 0; i < b.count; i++) viaBatches.push([...b.bytes.subarray(b.offsets[i], b.offsets[i] + b.lengths[i])]);
          }, maxPerCall) > 0);
          assert.deepEqual(viaBatches, a.expected);
          assert.equal(a.f.view.consumerPos(), a.f.prod);
          const b = make();
          const viaNext: number[][] = [];
          for (let v = b.f.view.next((view, off, len) => [...new Uint8Array(view.buffer, view.byteOffset + off, len)]); v; v = b.f.view.next((view, off, len) => [...new Uint8Array(view.buffer, view.byteOffset + off, len)])) viaNext.push(v);
          assert.deepEqual(viaNext, b.expected);
          assert.equal(b.f.view.consumerPos(), b.f.prod);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('drainBatches and next stop at a busy record and refuse a length past the published data', () => {
    const f = new FakeRing(256);
    f.submit(sample(4, 1));
    const busy = f.reserve(sample(4, 2));
    let got = 0;
    assert.equal(f.view.drainBatches((b) => (got += b.count)), 1);
    assert.equal(got, 1);
    assert.equal(f.view.next(() => 1), undefined);
    assert.equal(f.view.consumerPos(), busy);
    f.commit(busy);
    f.putU32(busy, 300); // claims 300 bytes, 16 published
    assert.throws(() => f.view.drainBatches(() => assert.fail('nothing to hand over')), (e: unknown) => e instanceof CorruptRecordError && e.position === busy);
    assert.throws(() => f.view.next(() => assert.fail('not decoded')), (e: unknown) => e instanceof CorruptRecordError && e.position === busy);
    assert.equal(f.view.consumerPos(), busy, 'nothing past the bad record is consumed');
  });

  test('next() walks on without storing each record; settle, the other walks, queries and detach store what it handed out', () => {
    const f = new FakeRing(256);
    const stored = (): number => new DataView(f.consumer).getUint32(0, true); // what the kernel sees
    for (let i = 1; i <= 6; i++) f.submit(sample(4, i));
    const byte = (v: DataView, off: number): number => v.getUint8(off);
    assert.equal(f.view.next(byte), 1);
    assert.equal(f.view.next(byte), 2);
    assert.equal(stored(), 0, 'not stored per record');
    f.view.settle();
    assert.equal(stored(), 32, 'two 16-byte records');
    assert.equal(f.view.next(byte), 3);
    const rest: number[] = [];
    f.view.drain((_b, off, _l, v) => rest.push(v.getUint8(off)), 2);
    assert.deepEqual(rest, [4, 5], 'drain goes on after the last record next() handed out');
    assert.equal(f.view.next(byte), 6);
    assert.equal(f.view.next(byte), undefined);
    assert.equal(stored(), 96, 'stored before reporting an empty ring');
    f.submit(sample(4, 7));
    f.submit(sample(4, 8));
    assert.equal(f.view.next(byte), 7);
    assert.equal(f.view.query().consumerPos, 112);
    assert.equal(f.view.next(byte), 8);
    f.view.detach();
    assert.equal(stored(), 128, 'detach stores first');
    assert.equal(f.view.next(byte), undefined);
  });

  test('a decoder that throws in next() consumes its record', () => {
    const f = new FakeRing(256);
    f.submit(sample(4, 1));
    f.submit(sample(4, 2));
    assert.throws(() => f.view.next(() => {
      throw new Error('bad');
    }), /bad/);
    assert.deepEqual(f.view.next((v, off) => v.getUint8(off)), 2);
  });
});
