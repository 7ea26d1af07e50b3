import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTest } from '../testutils/kernel.js';
import { BpfMap, MapType, MapFlags, u32, u64, NotSupportedError } from '../index.js';
import { methodsFor } from './count.js';

const types = [
  ['hash', MapType.Hash, 0],
  ['hash no-prealloc', MapType.Hash, MapFlags.NoPrealloc],
  ['lru hash', MapType.LruHash, 0],
  ['percpu hash', MapType.PerCpuHash, 0],
  ['lru percpu hash', MapType.LruPerCpuHash, 0],
] as const;

describe('element counting on the running kernel', () => {
  for (const [label, type, flags] of types) {
    test(`${label}: every method agrees after inserts, updates and deletes`, (t) => {
      if (!kernelTest(t)) return;
      const perCpuType = type === MapType.PerCpuHash || type === MapType.LruPerCpuHash;
      // Default value codecs: a Buffer, or one Buffer per possible CPU for per-CPU maps.
      using m = BpfMap.create<number, unknown>({ name: 'cnt', type, keySize: 4, valueSize: 8, maxEntries: 20000, flags }, { key: u32 });
      const methods = methodsFor(type);
      assert.equal(methods[0], 'kernel');
      assert.deepEqual([...methods].sort(), ['batch', 'foreach', 'iterate', 'kernel']);
      const check = (want: number) => {
        for (const method of methods) assert.equal(m.countDetailed({ method }).count, want, `${label} ${method}`);
        assert.equal(m.count(), want);
      };
      check(0);
      const cpus = m.valueCodec.size / 8;
      const val = (i: number): unknown => (perCpuType ? Array.from({ length: cpus }, () => Buffer.alloc(8, i)) : Buffer.alloc(8, i));
      for (let i = 0; i < 1000; i++) m.update(i, val(i));
      check(1000);
      for (let i = 0; i < 1000; i += 2) m.update(i, val(i + 1)); // updates: count unchanged
      check(1000);
      for (let i = 0; i < 1000; i += 4) m.delete(i);
      check(750);
      const r = m.countDetailed();
      assert.equal(r.method, 'kernel');
      assert.ok(r.durationNs > 0);
    });
  }

  test('LRU evictions are counted', (t) => {
    if (!kernelTest(t)) return;
    using m = BpfMap.create({ name: 'cnt_lru', type: MapType.LruHash, keySize: 4, valueSize: 8, maxEntries: 128 }, { key: u32, value: u64 });
    for (let i = 0; i < 5000; i++) m.update(i, 1n);
    const truth = [...m.keys()].length;
    assert.ok(truth <= 128);
    for (const method of ['kernel', 'foreach', 'batch', 'iterate'] as const) assert.equal(m.count({ method }), truth, method);
  });

  test('array family counts max entries; foreach agrees', (t) => {
    if (!kernelTest(t)) return;
    using a = BpfMap.create({ name: 'cnt_arr', type: MapType.Array, keySize: 4, valueSize: 8, maxEntries: 77 }, { key: u32, value: u64 });
    assert.deepEqual(a.countDetailed().method, 'max-entries');
    assert.equal(a.count(), 77);
    assert.equal(a.count({ method: 'foreach' }), 77);
    assert.equal(a.count({ method: 'batch' }), 77);
    assert.equal(a.count({ method: 'iterate' }), 77);
    assert.throws(() => a.count({ method: 'kernel' }), NotSupportedError);
  });

  test('LPM trie counts by iteration; queues have nothing to count', (t) => {
    if (!kernelTest(t)) return;
    using l = BpfMap.create({ name: 'cnt_lpm', type: MapType.LpmTrie, keySize: 8, valueSize: 4, maxEntries: 64, flags: MapFlags.NoPrealloc });
    for (let i = 0; i < 10; i++) l.update(Buffer.from([32, 0, 0, 0, 10, 0, 0, i]), Buffer.alloc(4));
    const r = l.countDetailed();
    assert.equal(r.count, 10);
    assert.equal(r.method, 'iterate');
    assert.equal(l.count({ method: 'batch' }), 10);
    using q = BpfMap.create({ name: 'cnt_q', type: MapType.Queue, keySize: 0, valueSize: 4, maxEntries: 4 });
    assert.throws(() => q.count(), (e: unknown) => e instanceof NotSupportedError && /map cnt_q: count: EOPNOTSUPP: a queue map has no keys to count/.test(e.message));
  });

  test('the kernel counter is exact at 100,000 entries', (t) => {
    if (!kernelTest(t)) return;
    using m = BpfMap.create({ name: 'cnt_big', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 100000 }, { key: u32, value: u64 });
    m.updateBatch(Array.from({ length: 100000 }, (_, i): [number, bigint] => [i, 0n]));
    assert.equal(m.count(), 100000);
    const r = m.countDetailed();
    assert.equal(r.count, 100000);
    assert.equal(r.method, 'kernel');
  });
});
