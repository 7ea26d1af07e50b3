// A struct codec whose size no longer matches the map (bindings from an older build of the
// object) says to rerun `tsbpf gen`; a plain codec mismatch does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BpfMap, MapType, bytes, u32, type Codec } from '../index.js';
import { kernelTest } from '../testutils/kernel.js';

test('a struct codec of the wrong size points at stale bindings', (t) => {
  if (!kernelTest(t)) return;
  const stale: Codec<Uint8Array> = { ...bytes(24), name: 'struct stats' };
  using m = BpfMap.create({ name: 'stats', type: MapType.Hash, keySize: 4, valueSize: 32, maxEntries: 4 });
  assert.throws(() => BpfMap.fromId(m.info().id, { key: u32, value: stale }), /map stats: value codec struct stats is 24 bytes, the map's value is 32: .*rerun `tsbpf gen`/);
  assert.throws(
    () => BpfMap.fromId(m.info().id, { key: u32, value: bytes(24) }),
    (e: unknown) => e instanceof TypeError && /is 24 bytes, the map's value is 32$/.test(e.message),
  );
});
