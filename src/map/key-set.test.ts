import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KeySet } from './key-set.js';

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
        order.forEach((hex, i) => assert.equal(Buffer.from(s.keyAt(i)).toString('hex'), hex));
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
