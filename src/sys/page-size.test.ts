import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageSize, pageSizeFromAuxv } from './page-size.js';

function auxv(pairs: Array<[number, number]>, word: 4 | 8 = 8): Uint8Array {
  const b = new Uint8Array(pairs.length * 2 * word);
  const d = new DataView(b.buffer);
  pairs.forEach(([k, v], i) => {
    if (word === 8) {
      d.setBigUint64(i * 16, BigInt(k), true);
      d.setBigUint64(i * 16 + 8, BigInt(v), true);
    } else {
      d.setUint32(i * 8, k, true);
      d.setUint32(i * 8 + 4, v, true);
    }
  });
  return b;
}

test('AT_PAGESZ is found in 64- and 32-bit auxiliary vectors; junk gives undefined', () => {
  assert.equal(pageSizeFromAuxv(auxv([[33, 1234], [6, 16384], [0, 0]])), 16384);
  assert.equal(pageSizeFromAuxv(auxv([[6, 4096], [0, 0]], 4), 4), 4096);
  assert.equal(pageSizeFromAuxv(auxv([[33, 1], [0, 0], [6, 4096]])), undefined, 'stops at AT_NULL');
  assert.equal(pageSizeFromAuxv(auxv([[6, 3000]])), undefined, 'not a power of two');
  assert.equal(pageSizeFromAuxv(new Uint8Array(13)), undefined);
  assert.equal(pageSizeFromAuxv(new Uint8Array(0)), undefined);
});

test('pageSize() is a power of two of at least 4 KiB', () => {
  const p = pageSize();
  assert.ok(p >= 4096 && (p & (p - 1)) === 0);
});
