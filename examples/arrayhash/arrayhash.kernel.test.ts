import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTest } from '../../src/testutils/kernel.js';
import { main } from './main.js';

test('example arrayhash: array slots always exist, hash keys only once inserted', (t) => {
  if (!kernelTest(t)) return;
  const r = main();
  assert.deepEqual(r.histogram, [
    [5, 2n], // 40, 40
    [6, 2n], // 64, 100
    [9, 1n], // 576
    [10, 3n], // 1400, 1500, 1500
  ]);
  assert.deepEqual(r.sizes, [
    [40, 2n],
    [64, 1n],
    [100, 1n],
    [576, 1n],
    [1400, 1n],
    [1500, 2n],
  ]);
  assert.deepEqual(r.counts, { histogram: 16, sizes: 6 });
  assert.equal(r.untouchedSlot, 0n);
  assert.match(r.deleteArray, /map histogram: delete: EINVAL/);
  assert.equal(r.deleteHash, true);
});
