import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTest } from '../../src/testutils/kernel.js';
import { main } from './main.js';

test('the seed program counts my_map, and agrees with map.count()', (t) => {
  if (!kernelTest(t)) return;
  for (const n of [0, 1, 100_000]) {
    const r = main(n);
    assert.equal(r.refreshCount, n);
    assert.equal(r.count, n);
    assert.equal(r.method, 'kernel');
  }
});
