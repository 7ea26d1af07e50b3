import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PerfRing } from './ring.js';
import { CorruptRecordError } from '../events/errors.js';
import { PerfMmapPage, PerfRecordType } from '../sys/perf-attrs.js';

const PAGE = 4096;

/** A fake perf mapping: metadata page + data pages, and a kernel-like writer that wraps. */
class FakePerf {
  readonly buf: ArrayBuffer;
  readonly meta: DataView;
  readonly data: Uint8Array;
  readonly ring: PerfRing;
  head = 0;

  constructor(readonly size: number, cpu = 3, withOffsets = true, start = 0) {
    this.buf = new ArrayBuffer(PAGE + size);
    this.meta = new DataView(this.buf, 0, PAGE);
    if (withOffsets) {
      this.meta.setBigUint64(PerfMmapPage.dataOffset, BigInt(PAGE), true);
      this.meta.setBigUint64(PerfMmapPage.dataSize, BigInt(size), true);
    }
    this.data = new Uint8Array(this.buf, PAGE, size);
    this.head = start;
    this.meta.setBigUint64(PerfMmapPage.dataHead, BigInt(start), true);
    this.meta.setBigUint64(PerfMmapPage.dataTail, BigInt(start), true);
    this.ring = new PerfRing(this.buf, PAGE, cpu, `perf fake: cpu ${cpu}`);
  }

  tail(): number {
    return Number(this.meta.getBigUint64(PerfMmapPage.dataTail, true));
  }

  write(rec: Uint8Array): void {
    if (this.head + rec.length - this.tail() > this.size) throw new Error('fake perf full');
    for (let i = 0; i < rec.length; i++) this.data[(this.head + i) % this.size] = rec[i];
    this.head += rec.length;
    this.meta.setBigUint64(PerfMmapPage.dataHead, BigInt(this.head), true);
  }

  /** A PERF_RECORD_SAMPLE with PERF_SAMPLE_RAW, padded as the kernel pads it. */
  sample(payload: Uint8Array): number {
    const raw = ((payload.length + 4 + 7) & ~7) - 4;
    const size = 8 + 4 + raw;
    const rec = new Uint8Array(size);
    const d = new DataView(rec.buffer);
    d.setUint32(0, PerfRecordType.Sample, true);
    d.setUint16(6, size, true);
    d.setUint32(8, raw, true);
    rec.set(payload, 12);
    this.write(rec);
    return raw;
  }

  lost(n: number): void {
    const rec = new Uint8Array(24);
    const d = new DataView(rec.buffer);
    d.setUint32(0, PerfRecordType.Lost, true);
    d.setUint16(6, 24, true);
    d.setBigUint64(8, 77n, true);
    d.setBigUint64(16, BigInt(n), true);
    this.write(rec);
  }

  other(size: number): void {
    const rec = new Uint8Array(size);
    const d = new DataView(rec.buffer);
    d.setUint32(0, 3 /* PERF_RECORD_COMM */, true);
    d.setUint16(6, size, true);
    this.write(rec);
  }
}

interface Got {
  cpu: number;
  data: number[];
  lost: number;
  remaining: number;
}

function collect(r: PerfRing, max?: number): Got[] {
  const out: Got[] = [];
  r.drain((b, off, len, _v, cpu, lost, remaining) => out.push({ cpu, data: [...b.subarray(off, off + len)], lost, remaining }), max);
  return out;
}

describe('PerfRing over a fake perf buffer', () => {
  test('samples come with their CPU, raw size and padding; data_tail follows', () => {
    const f = new FakePerf(PAGE);
    assert.equal(f.sample(new Uint8Array([1, 2, 3])), 4);
    assert.equal(f.sample(new Uint8Array(16).fill(9)), 20);
    assert.equal(f.ring.pending(), 16 + 32);
    const got = collect(f.ring);
    assert.deepEqual(got, [
      { cpu: 3, data: [1, 2, 3, 0], lost: 0, remaining: 32 },
      { cpu: 3, data: [...Array(16).fill(9), 0, 0, 0, 0], lost: 0, remaining: 0 },
    ]);
    assert.equal(f.tail(), f.head);
    assert.equal(f.ring.pending(), 0);
    assert.equal(collect(f.ring).length, 0);
  });

  test('lost records surface as records with lostSamples and add to the total; other types are skipped', () => {
    const f = new FakePerf(PAGE);
    f.sample(new Uint8Array([1]));
    f.other(32);
    f.lost(5);
    f.sample(new Uint8Array([2]));
    f.lost(2);
    const got = collect(f.ring);
    assert.deepEqual(
      got.map((g) => [g.data.length ? g.data[0] : -1, g.lost]),
      [
        [1, 0],
        [-1, 5],
        [2, 0],
        [-1, 2],
      ],
    );
    assert.equal(f.ring.lostSamples, 7);
    assert.equal(f.tail(), f.head);
  });

  test('a record that wraps around the end is handed over whole', () => {
    const f = new FakePerf(PAGE);
    let id = 0;
    for (let round = 0; round < 300; round++) {
      const payload = new Uint8Array(52).map((_, i) => (id + i) & 0xff);
      f.sample(payload);
      const got = collect(f.ring);
      assert.equal(got.length, 1);
      assert.deepEqual(got[0].data.slice(0, 52), [...payload], `round ${round}`);
      id++;
    }
    assert.ok(f.head > 2 * PAGE, 'wrapped at least twice');
  });

  test('without data_offset/data_size (Linux < 4.1) the data starts at the second page', () => {
    const f = new FakePerf(PAGE, 0, false);
    assert.equal(f.ring.dataSize, PAGE);
    f.sample(new Uint8Array([7]));
    assert.deepEqual(collect(f.ring)[0].data[0], 7);
  });

  test('max limits records; the rest stays', () => {
    const f = new FakePerf(PAGE);
    for (let i = 0; i < 5; i++) f.sample(new Uint8Array([i]));
    assert.deepEqual(collect(f.ring, 2).map((g) => g.data[0]), [0, 1]);
    assert.deepEqual(collect(f.ring).map((g) => g.data[0]), [2, 3, 4]);
  });

  test('unreadRecords counts unread records up to a limit, consuming nothing (the wake-up recheck)', () => {
    const f = new FakePerf(PAGE);
    assert.equal(f.ring.unreadRecords(5), 0);
    for (let i = 0; i < 5; i++) f.sample(new Uint8Array([i]));
    assert.equal(f.ring.unreadRecords(3), 3);
    assert.equal(f.ring.unreadRecords(10), 5);
    assert.deepEqual(collect(f.ring, 2).map((g) => g.data[0]), [0, 1]);
    assert.equal(f.ring.unreadRecords(10), 3);
    const rec = new Uint8Array(16);
    new DataView(rec.buffer).setUint16(6, 4, true); // a bad header ends the count
    f.write(rec);
    assert.equal(f.ring.unreadRecords(10), 3);
  });

  test('bad headers are reported and nothing past them is consumed', () => {
    const f = new FakePerf(PAGE);
    f.sample(new Uint8Array([1]));
    const bad = f.head;
    const rec = new Uint8Array(16);
    new DataView(rec.buffer).setUint16(6, 4, true); // size 4 < header
    f.write(rec);
    const seen: number[] = [];
    assert.throws(
      () => f.ring.drain((b, off) => seen.push(b[off])),
      (e: unknown) => e instanceof CorruptRecordError && e.position === bad && /perf fake: cpu 3: corrupt record at position 16: record size 4/.test(e.message),
    );
    assert.deepEqual(seen, [1]);
    assert.equal(f.tail(), bad);

    const g = new FakePerf(PAGE);
    const r2 = new Uint8Array(16);
    const d = new DataView(r2.buffer);
    d.setUint32(0, PerfRecordType.Sample, true);
    d.setUint16(6, 16, true);
    d.setUint32(8, 100, true); // raw size past the record
    g.write(r2);
    assert.throws(() => g.ring.drain(() => {}), /raw size 100 exceeds the 16-byte record/);
    // data_head more than a buffer ahead
    g.meta.setBigUint64(PerfMmapPage.dataHead, BigInt(10 * PAGE), true);
    assert.throws(() => g.ring.drain(() => {}), /ahead of data_tail/);
  });

  test('positions beyond 2^32 keep working', () => {
    const start = 2 ** 32 - 16;
    const f = new FakePerf(PAGE, 1, true, start);
    for (let i = 0; i < 3; i++) f.sample(new Uint8Array([i]));
    assert.deepEqual(collect(f.ring).map((g) => g.data[0]), [0, 1, 2]);
    assert.equal(f.tail(), start + 48);
  });

  test('property: any mix of samples and lost records round-trips in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.record({ size: fc.integer({ min: 0, max: 200 }) }), fc.record({ lost: fc.integer({ min: 1, max: 1000 }) })), { maxLength: 150 }),
        (ops) => {
          const f = new FakePerf(1024 * 4);
          const expected: Array<[number, number]> = [];
          const got: Array<[number, number]> = [];
          const sink = (b: Uint8Array, off: number, len: number, _v: DataView, _c: number, lost: number) => got.push([len ? b[off] : -1, lost]);
          let id = 1;
          for (const op of ops) {
            const need = 'size' in op ? ((op.size + 4 + 7) & ~7) + 8 : 24;
            if (f.head + need - f.tail() > f.size) f.ring.drain(sink);
            if ('size' in op) {
              const p = new Uint8Array(op.size).fill(id & 0xff);
              f.sample(p);
              expected.push([op.size ? id & 0xff : 0, 0]);
              id++;
            } else {
              f.lost(op.lost);
              expected.push([-1, op.lost]);
            }
          }
          f.ring.drain(sink);
          assert.deepEqual(got, expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('property: drainBatches and next give the samples drain gives, across wrap-around, with lost counts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.record({ kind: fc.constant('sample' as const), size: fc.integer({ min: 0, max: 60 }) }), fc.record({ kind: fc.constant('lost' as const), size: fc.integer({ min: 1, max: 9 }) })), { maxLength: 40 }),
        fc.integer({ min: 0, max: PAGE - 1 }),
        (ops, start) => {
          const make = (): { f: FakePerf; samples: number[][]; lost: number } => {
            const f = new FakePerf(PAGE, 3, true, start - (start % 8));
            const samples: number[][] = [];
            let lost = 0;
            ops.forEach((op, id) => {
              if (op.kind === 'lost') {
                f.lost(op.size);
                lost += op.size;
              } else {
                const p = new Uint8Array(op.size).fill(id & 0xff);
                const raw = f.sample(p);
                samples.push([...p, ...new Array(raw - p.length).fill(0)]);
              }
            });
            return { f, samples, lost };
          };
          const a = make();
          const got: number[][] = [];
          let lost = 0;
          a.f.ring.drainBatches((b) => {
            assert.equal(b.cpu, 3);
            lost += b.lostSamples;
            for (let i = 0; i < b.count; i++) got.push([...b.bytes.subarray(b.offsets[i], b.offsets[i] + b.lengths[i])]);
          });
          assert.deepEqual(got, a.samples);
          assert.equal(lost, a.lost);
          assert.equal(a.f.ring.lostSamples, a.lost);
          assert.equal(a.f.tail(), a.f.head);
          const b = make();
          const viaNext: number[][] = [];
          const dec = (v: DataView, off: number, len: number): number[] => [...new Uint8Array(v.buffer, v.byteOffset + off, len)];
          for (let v = b.f.ring.next(dec); v; v = b.f.ring.next(dec)) viaNext.push(v);
          assert.deepEqual(viaNext, b.samples);
          assert.equal(b.f.ring.lostSamples, b.lost);
          assert.equal(b.f.tail(), b.f.head);
        },
      ),
      { numRuns: 200 },
    );
  });
});
