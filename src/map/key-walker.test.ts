import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KeyWalker, type KeySource } from './key-walker.js';

/**
 * A model of the kernel's hash map walk: keys in buckets, each bucket a list with new and updated
 * keys at its head; GET_NEXT_KEY goes to the next key of the bucket, then of the next buckets,
 * and restarts at the map's first key when the key it starts from is gone.
 */
class ModelHash {
  readonly buckets: number[][];
  constructor(nBuckets: number) {
    this.buckets = Array.from({ length: nBuckets }, () => []);
  }
  #bucket(k: number): number[] {
    return this.buckets[Math.imul(k, 0x9e3779b1) >>> 0 >>> 16 & (this.buckets.length - 1)];
  }
  has(k: number): boolean {
    return this.#bucket(k).includes(k);
  }
  /** Inserts, or (an update) moves the key to the head of its bucket. */
  put(k: number): void {
    const b = this.#bucket(k);
    const i = b.indexOf(k);
    if (i >= 0) b.splice(i, 1);
    b.unshift(k);
  }
  delete(k: number): void {
    const b = this.#bucket(k);
    const i = b.indexOf(k);
    if (i >= 0) b.splice(i, 1);
  }
  #firstFrom(bucket: number): number | undefined {
    for (let i = bucket; i < this.buckets.length; i++) if (this.buckets[i].length > 0) return this.buckets[i][0];
    return undefined;
  }
  nextKey(k: number | null): number | undefined {
    if (k === null) return this.#firstFrom(0);
    const b = this.#bucket(k);
    const i = b.indexOf(k);
    if (i < 0) return this.#firstFrom(0); // the kernel's restart
    if (i + 1 < b.length) return b[i + 1];
    return this.#firstFrom(this.buckets.indexOf(b) + 1);
  }
}

/** A KeySource over the model, running `between()` before every GET_NEXT_KEY step. */
function source(m: ModelHash, chunk: number, maxEntries: number, between: () => void): KeySource {
  const cursor = new Uint8Array(4);
  const keys = new Uint8Array(4 * chunk);
  const cv = new DataView(cursor.buffer);
  const kv = new DataView(keys.buffer);
  return {
    label: 'map model',
    keySize: 4,
    maxEntries,
    cursor,
    keys,
    fetch(fromStart, max) {
      assert.ok(Number.isInteger(max) && max >= 1 && max <= chunk, `max ${max}`);
      let from: number | null = fromStart ? null : cv.getUint32(0, true);
      let n = 0;
      for (; n < max; n++) {
        between();
        const k = m.nextKey(from);
        if (k === undefined) break;
        kv.setUint32(4 * n, k, true);
        from = k;
      }
      return n;
    },
    cursorExists: () => m.has(cv.getUint32(0, true)),
  };
}

function walk(w: KeyWalker): number[] {
  const out: number[] = [];
  const v = new DataView(w.key.buffer, w.key.byteOffset, 4);
  while (w.step()) out.push(v.getUint32(0, true));
  return out;
}

test('KeyWalker under modelled churn ends, yields no key twice and every key present throughout once', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 64 }), // chunk capacity
      fc.integer({ min: 0, max: 300 }), // stable keys
      fc.integer({ min: 1, max: 100 }), // churn keys
      fc.array(fc.tuple(fc.constantFrom('delete', 'put', 'none', 'none'), fc.nat()), { maxLength: 2000 }),
      (chunk, stable, churn, ops) => {
        const m = new ModelHash(64);
        for (let k = 0; k < stable + churn; k++) m.put(k);
        const ever = new Set(Array.from({ length: stable + churn }, (_, k) => k));
        let op = 0;
        // Between kernel steps, churn keys come and go, and move to the head of their bucket.
        const between = () => {
          if (op >= ops.length) return;
          const [kind, n] = ops[op++];
          const k = stable + (n % churn);
          if (kind === 'delete') m.delete(k);
          else if (kind === 'put') m.put(k);
        };
        const seen = walk(new KeyWalker(source(m, chunk, stable + churn, between)));
        assert.equal(new Set(seen).size, seen.length, 'no key twice');
        for (let k = 0; k < stable; k++) assert.ok(seen.includes(k), `stable key ${k} yielded`);
        for (const k of seen) assert.ok(ever.has(k), `key ${k} was in the map`);
      },
    ),
    { numRuns: 300 },
  );
});

test('KeyWalker: a cursor key updated (moved to the head of its bucket) does not make the walk loop', () => {
  // One bucket [1, 2, 3]; once 2 is yielded it moves to the head: GET_NEXT_KEY(2) then returns 1,
  // which was yielded already, and resuming from 2 (still there) returns 1 again.
  const m = new ModelHash(1);
  for (const k of [3, 2, 1]) m.put(k);
  let steps = 0;
  const w = new KeyWalker(source(m, 1, 3, () => {
    if (++steps === 3) m.put(2);
  }));
  assert.deepEqual(walk(w), [1, 2, 3]);
  assert.ok(w.restarts >= 1);
});

test('KeyWalker: deleting every third key as it is yielded restarts the kernel walk without repeating or losing keys', () => {
  for (const chunk of [1, 7, 256]) {
    const m = new ModelHash(16);
    for (let k = 0; k < 200; k++) m.put(k);
    const w = new KeyWalker(source(m, chunk, 200, () => {}));
    const v = new DataView(w.key.buffer, w.key.byteOffset, 4);
    const seen: number[] = [];
    while (w.step()) {
      const k = v.getUint32(0, true);
      seen.push(k);
      if (k % 3 === 0) m.delete(k);
    }
    assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i), `chunk ${chunk}`);
    // One key per fetch: each deleted key is the next step's start, and the kernel restarts.
    if (chunk === 1) assert.ok(w.restarts > 30, `restarts ${w.restarts}`);
  }
});

test('KeyWalker: skipRun counts the keys it passes, step() and skipRun() mix', () => {
  const m = new ModelHash(8);
  for (let k = 0; k < 1000; k++) m.put(k);
  const w = new KeyWalker(source(m, 32, 1000, () => {}));
  let n = 0;
  assert.equal(w.step(), true);
  n++;
  for (let run = w.skipRun(); run > 0; run = w.skipRun()) n += run;
  assert.equal(n, 1000);
  assert.equal(w.step(), false);
  assert.equal(w.skipRun(), 0);
});

test('KeyWalker: a map that keeps handing back seen keys aborts at the step budget', () => {
  // However the walk resumes, the kernel answers with the same key 7, already yielded.
  const keys = new Uint8Array(4 * 8);
  const w = new KeyWalker({
    label: 'map model',
    keySize: 4,
    maxEntries: 10,
    cursor: new Uint8Array(4),
    keys,
    fetch(_fromStart, max) {
      for (let i = 0; i < max; i++) keys[4 * i] = 7;
      return max;
    },
    cursorExists: () => true,
  });
  assert.equal(w.step(), true);
  assert.throws(
    () => w.step(),
    (e: unknown) => e instanceof Error && e.name === 'IterationAbortedError' && /^map model: iterate: aborted after \d+ steps/.test(e.message) && (e as unknown as { steps: number }).steps === 16 * (10 + 1) + 1024,
  );
});

test('KeyWalker refuses buffers that cannot hold a key', () => {
  const base = { label: 'map m', maxEntries: 1, fetch: () => 0, cursorExists: () => false };
  assert.throws(() => new KeyWalker({ ...base, keySize: 8, cursor: new Uint8Array(4), keys: new Uint8Array(8) }), /map m: key walker: buffers shorter than one 8-byte key/);
  assert.throws(() => new KeyWalker({ ...base, keySize: 8, cursor: new Uint8Array(8), keys: new Uint8Array(7) }), RangeError);
  assert.throws(() => new KeyWalker({ ...base, keySize: 0, cursor: new Uint8Array(8), keys: new Uint8Array(8) }), RangeError);
});
