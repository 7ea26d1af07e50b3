import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTest, openFds, assertNoNewFds } from '../testutils/kernel.js';
import { BpfMap, MapType, InvalidArgumentError, u32, u64 } from '../index.js';

test('10,000 maps created and closed, and 10,000 failed creations, leave the fd count unchanged', async (t) => {
  if (!kernelTest(t)) return;
  const before = await openFds();
  for (let i = 0; i < 10_000; i++) {
    const m = BpfMap.create({ name: 'leak', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 4 }, { key: u32, value: u64 });
    m.update(i, 1n);
    m.close();
  }
  let refused = 0;
  for (let i = 0; i < 10_000; i++) {
    try {
      // key size 0 is invalid for a hash map: the kernel refuses it.
      BpfMap.create({ name: 'leak_bad', type: MapType.Hash, keySize: 0, valueSize: 8, maxEntries: 4 });
    } catch (e) {
      if (e instanceof InvalidArgumentError) refused++;
      else throw e;
    }
  }
  assert.equal(refused, 10_000);
  // Codec mismatch after the kernel made the fd: the fd must be closed before the error escapes.
  for (let i = 0; i < 1000; i++) {
    assert.throws(() => BpfMap.create({ name: 'leak_codec', type: MapType.PerCpuHash, keySize: 4, valueSize: 8, maxEntries: 4 }, { key: u32, value: u64 }), TypeError);
  }
  await assertNoNewFds(before);
});
