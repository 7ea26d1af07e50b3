import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTest } from '../../src/testutils/kernel.js';
import { apply, countAll, main } from './main.js';
import { loadCounting, Op } from './counting.js';

test('example counting: every method agrees after inserts, updates and deletes by the BPF program', (t) => {
  if (!kernelTest(t)) return;
  const expected = [1, 2, 3, 4, 5, 5, 4, 4, 5, 4];
  const steps = main();
  assert.equal(steps.length, expected.length);
  steps.forEach(({ step, counts }, i) => {
    const n = expected[i];
    assert.deepEqual(counts, { counter: BigInt(n), foreach: n, kfunc: n, auto: n, iterate: n, batch: n }, step);
  });
});

test('example counting: the hand-kept counter drifts when a writer bypasses it; the kernel counter does not', (t) => {
  if (!kernelTest(t)) return;
  using obj = loadCounting();
  assert.equal(apply(obj, Op.OP_UPSERT, 7, 1n), 0);
  assert.equal(apply(obj, Op.OP_DELETE, 8), 1, 'deleting a missing key changes nothing');
  obj.maps.flows.update(8, 2n); // user space inserts without touching `counter`
  assert.deepEqual(countAll(obj), { counter: 1n, foreach: 2, kfunc: 2, auto: 2, iterate: 2, batch: 2 });
  assert.equal(obj.maps.flows.lookup(7), 1n);
});
