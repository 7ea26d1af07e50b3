import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTest } from '../../src/testutils/kernel.js';
import { main } from './main.js';
import { Padded } from './alignment.js';

test('example alignment: b is at offset 8 and the struct is 24 bytes, as clang laid it out', (t) => {
  assert.equal(Padded.size, 24);
  const bytes = new Uint8Array(24).fill(0xff);
  Padded.encode({ a: 1, b: 2n, c: 3 }, new DataView(bytes.buffer), 0);
  assert.deepEqual([...bytes], [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]);
  if (!kernelTest(t)) return;
  const r = main();
  assert.equal(r.check, 0, 'the BPF program read back what TypeScript wrote');
  assert.deepEqual(r.decoded, { a: 0x11, b: 0x2222222222222222n, c: 0x3333 });
  assert.equal(r.raw.length, 24);
  assert.equal(r.raw.readBigUInt64LE(8), 0x2222222222222222n);
  assert.deepEqual([...r.raw.subarray(1, 8)], [0, 0, 0, 0, 0, 0, 0]);
  assert.notEqual(r.naiveB, 0x2222222222222222n);
});
