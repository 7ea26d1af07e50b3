import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KeySet, RECENT } from './key-set.js';

for (const keySize of [1, 4, 6, 8, 16]) {
  test(`KeySet of ${keySize}-byte keys behaves like a Set of their hex strings`, () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: keySize, maxLength: keySize }), { maxLength: 3000 }), (keys) => {
        const s = new KeySet(keySize, 4);
        const ref = new Set<string>();
        const order: string[] = [];
        for (const k of keys) {
          const hex = Buffer.from(k).toString('hex');
          const fresh = !ref.has(hex);
          assert.equal(s.has(k), !fresh);
          assert.equal(s.add(k), fresh);
          if (fresh) {
            ref.add(hex);
            order.push(hex);
          }
        }
        assert.equal(s.size, ref.size);
        order.forEach((hex, i) => {
          if (i >= order.length - RECENT) assert.equal(Buffer.from(s.keyAt(i)).toString('hex'), hex);
          else assert.throws(() => s.keyAt(i), RangeError);
        });
      }),
      { numRuns: 50 },
    );
  });
}

test('KeySet reads keys at an offset', () => {
  const s = new KeySet(4);
  const buf = new Uint8Array([0, 0, 1, 2, 3, 4]);
  assert.equal(s.add(buf, 2), true);
  assert.equal(s.has(new Uint8Array([1, 2, 3, 4])), true);
});

for (const keySize of [1, 3, 4, 6, 8]) {
  test(`KeySet.addRun of ${keySize}-byte keys adds a run up to its first known key, as add() one by one would`, () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.uint8Array({ minLength: keySize, maxLength: keySize }), { maxLength: 40 }), { maxLength: 60 }), (runs) => {
        const s = new KeySet(keySize, 4);
        const ref = new KeySet(keySize, 4);
        for (const run of runs) {
          const packed = new Uint8Array(run.length * keySize);
          run.forEach((k, i) => packed.set(k, i * keySize));
          let want = 0;
          while (want < run.length && ref.add(run[want])) want++;
          assert.equal(s.addRun(packed, run.length), want);
          assert.equal(s.size, ref.size);
        }
        for (let i = Math.max(0, ref.size - RECENT); i < ref.size; i++) assert.deepEqual(s.keyAt(i), ref.keyAt(i));
      }),
      { numRuns: 100 },
    );
  });
}

test('KeySet of 4-byte keys: addRun keeps the most recent keys in order across runs longer and shorter than RECENT', () => {
  const s = new KeySet(4, 4);
  const run = (from: number, n: number) => new Uint8Array(Uint32Array.from({ length: n }, (_, i) => from + i * 7).buffer);
  let total = 0;
  for (const n of [3, RECENT + 5, 1, RECENT - 1, 2 * RECENT]) {
    assert.equal(s.addRun(run(total * 7, n), n), n);
    total += n;
  }
  assert.equal(s.size, total);
  for (let i = total - RECENT; i < total; i++) assert.equal(new Uint32Array(s.keyAt(i).slice().buffer)[0], i * 7, String(i));
  assert.throws(() => s.keyAt(total), RangeError);
  assert.throws(() => s.keyAt(total - RECENT - 1), RangeError);
});

test('KeySet of 4-byte keys: neighbours share a table slot, far keys do not collide', () => {
  const s = new KeySet(4, 4);
  const key = (v: number) => new Uint8Array(new Uint32Array([v]).buffer);
  for (let v = 0; v < 5000; v++) assert.equal(s.add(key(v)), true);
  for (const v of [0xffffffff, 0x80000000, 31, 32, 0]) assert.equal(s.has(key(v)), v < 5000, String(v));
  assert.equal(s.add(key(0xffffffff)), true);
  assert.equal(s.add(key(0xffffffff)), false);
  assert.equal(s.size, 5001);
});
