import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTest } from '../../src/testutils/kernel.js';
import { main } from './main.js';
import { loadGlobals } from './globals.js';

test('example globals: a constant set before load changes what the program does', (t) => {
  if (!kernelTest(t)) return;
  assert.deepEqual(main(3, 10), { seen: 10n, sampled: 3n, sampleEvery: 3, label: 'every 3' });
  assert.deepEqual(main(1, 4), { seen: 4n, sampled: 4n, sampleEvery: 1, label: 'every 1' });
});

test('example globals: initial values, writes seen by the program, constants frozen', (t) => {
  if (!kernelTest(t)) return;
  using obj = loadGlobals();
  const v = obj.variables;
  assert.equal(v.label.get(), 'default');
  assert.equal(v.sample_every.get(), 1);
  assert.equal(v.seen.get(), 0n);
  v.seen.set(100n);
  obj.programs.sample.test(Buffer.alloc(14));
  assert.equal(v.seen.get(), 101n, 'the program incremented the value set from TypeScript');
  assert.throws(() => v.sample_every.set(2), /constant/);
});
