import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { kernelTest } from '../testutils/kernel.js';
import { native } from '../sys/native.js';
import { MapBatchAttr } from '../sys/attrs.js';
import { Cmd, withPointers } from '../sys/syscall.js';
import { startTsWorker } from '../testutils/workers.js';
import { KeyWalker } from './key-walker.js';
import {
  BpfMap,
  MapType,
  MapFlags,
  u8,
  u32,
  u64,
  i32,
  bytes,
  perCpu,
  possibleCpus,
  KeyExistsError,
  KeyNotFoundError,
  MapFullError,
  InvalidArgumentError,
  ClosedError,
  SizeError,
  ensureBpffs,
} from '../index.js';

const hashSpec = (name: string, maxEntries = 16, type: number = MapType.Hash) => ({ name, type, keySize: 4, valueSize: 8, maxEntries });

describe('BpfMap on the running kernel', () => {
  test('hash: update, lookup, delete, has, info', (t) => {
    if (!kernelTest(t)) return;
    using m = BpfMap.create(hashSpec('t_hash'), { key: u32, value: u64 });
    assert.equal(m.lookup(1), undefined);
    m.update(1, 10n);
    m.update(2, 20n);
    assert.equal(m.lookup(1), 10n);
    assert.equal(m.has(2), true);
    assert.equal(m.delete(2), true);
    assert.equal(m.delete(2), false);
    assert.equal(m.has(2), false);
    const info = m.info();
    assert.equal(info.type, MapType.Hash);
    assert.equal(info.keySize, 4);
    assert.equal(info.valueSize, 8);
    assert.equal(info.maxEntries, 16);
    assert.equal(info.name, 't_hash');
    assert.ok(info.id > 0);
  });

  test('update flags: noexist on an existing key, exist on a missing one', (t) => {
    if (!kernelTest(t)) return;
    using m = BpfMap.create(hashSpec('t_flags'), { key: u32, value: u64 });
    m.update(7, 1n, { flag: 'noexist' });
    assert.throws(() => m.update(7, 2n, { flag: 'noexist' }), (e: unknown) => {
      assert.ok(e instanceof KeyExistsError);
      assert.equal(e.code, 'EEXIST');
      assert.match(e.message, /^map t_flags: update: EEXIST/);
      return true;
    });
    assert.equal(m.lookup(7), 1n);
    m.update(7, 3n, 'exist');
    assert.equal(m.lookup(7), 3n);
    assert.throws(() => m.update(8, 1n, { flag: 'exist' }), (e: unknown) => e instanceof KeyNotFoundError && /map t_flags: update: ENOENT/.test(e.message));
    assert.equal(m.has(8), false);
    m.update(8, 4n, 'any');
    assert.equal(m.lookup(8), 4n);
  });

  test('a full hash map refuses new keys with MapFullError', (t) => {
    if (!kernelTest(t)) return;
    using m = BpfMap.create(hashSpec('t_full', 4), { key: u32, value: u64 });
    for (let i = 0; i < 4; i++) m.update(i, BigInt(i));
    assert.throws(() => m.update(99, 1n), (e: unknown) => e instanceof MapFullError && e.code === 'E2BIG' && /t_full/.test(e.message));
    m.update(0, 100n); // replacing still works
    assert.equal(m.lookup(0), 100n);
  });

  test('array: fixed keys, zero values, delete refused', (t) => {
    if (!kernelTest(t)) return;
    using m = BpfMap.create({ name: 't_array', type: MapType.Array, keySize: 4, valueSize: 4, maxEntries: 8 }, { key: u32, value: i32 });
    assert.equal(m.lookup(3), 0);
    m.update(3, -5);
    assert.equal(m.lookup(3), -5);
    assert.equal(m.lookup(8), undefined);
    assert.throws(() => m.update(8, 1), (e: unknown) => e instanceof MapFullError);
    assert.throws(() => m.delete(3), (e: unknown) => e instanceof InvalidArgumentError && /t_array: delete: EINVAL/.test(e.message));
    assert.deepEqual([...m.keys()], [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.throws(() => m.update(1, 1, 'noexist'), KeyExistsError);
  });

  test('per-CPU hash and array: one value per possible CPU, rounded to 8 bytes', (t) => {
    if (!kernelTest(t)) return;
    const cpus = possibleCpus();
    for (const type of [MapType.PerCpuHash, MapType.PerCpuArray, MapType.LruPerCpuHash]) {
      using m = BpfMap.create({ name: 't_percpu', type, keySize: 4, valueSize: 4, maxEntries: 8 }, { key: u32, value: perCpu(u32) });
      assert.equal(m.valueCodec.size, 8 * cpus);
      const vals = Array.from({ length: cpus }, (_, i) => 1000 + i);
      m.update(2, vals);
      assert.deepEqual(m.lookup(2), vals);
      assert.throws(() => m.update(2, [1]), /one per possible CPU/);
      const all = [...m.entries()].filter(([, v]) => v.some((x) => x !== 0));
      assert.deepEqual(all, [[2, vals]]);
    }
    // A plain codec on a per-CPU map is refused with a hint.
    assert.throws(
      () => BpfMap.create({ name: 't_percpu2', type: MapType.PerCpuHash, keySize: 4, valueSize: 8, maxEntries: 8 }, { key: u32, value: u64 }),
      /perCpu\(\)/,
    );
  });

  test('LRU hash evicts instead of failing when full', (t) => {
    if (!kernelTest(t)) return;
    using m = BpfMap.create({ name: 't_lru', type: MapType.LruHash, keySize: 4, valueSize: 8, maxEntries: 64 }, { key: u32, value: u64 });
    for (let i = 0; i < 1000; i++) m.update(i, BigInt(i));
    const n = m.countByIteration();
    assert.ok(n > 0 && n <= 64, `lru holds ${n}`);
    assert.equal(m.lookup(999), 999n);
  });

  /** Whether the kernel has BPF_MAP_LOOKUP_BATCH for this map, asked directly (ENOENT: the end, reached). */
  function kernelBatchLookup(fd: number, keySize: number, valueSize: number): boolean {
    const attr = MapBatchAttr.encode({ out_batch: new Uint8Array(Math.max(8, keySize)), keys: new Uint8Array(keySize), values: new Uint8Array(valueSize), count: 1, map_fd: fd });
    const r = native().bpfRet(Cmd.BPF_MAP_LOOKUP_BATCH, withPointers(attr));
    return r >= 0 || r === -2;
  }

  test('LPM trie: longest prefix match, iteration, batch operations (or their fallback)', (t) => {
    if (!kernelTest(t)) return;
    // key: u32 prefixlen + 4 bytes of IPv4 address
    const key = (len: number, ip: string) => {
      const b = Buffer.alloc(8);
      b.writeUInt32LE(len, 0);
      ip.split('.').forEach((x, i) => (b[4 + i] = Number(x)));
      return b;
    };
    using m = BpfMap.create({ name: 't_lpm', type: MapType.LpmTrie, keySize: 8, valueSize: 4, maxEntries: 16, flags: MapFlags.NoPrealloc }, { key: bytes(8), value: u32 });
    m.update(key(8, '10.0.0.0'), 8);
    m.update(key(16, '10.1.0.0'), 16);
    m.update(key(24, '10.1.2.0'), 24);
    assert.equal(m.lookup(key(32, '10.1.2.3')), 24);
    assert.equal(m.lookup(key(32, '10.1.9.9')), 16);
    assert.equal(m.lookup(key(32, '10.9.9.9')), 8);
    assert.equal(m.lookup(key(32, '11.0.0.0')), undefined);
    assert.equal([...m.keys()].length, 3);
    const batch = m.lookupBatch({ batchSize: 2 });
    assert.deepEqual(batch.map(([, v]) => v).sort((a, b) => a - b), [8, 16, 24]);
    // Recent kernels give LPM tries batch lookups, older ones do not (the lookups above then fell back).
    assert.equal(m.batchSupported(), kernelBatchLookup(m.fd, 8, 4), 'batchSupported() says what the kernel does');
    assert.equal(m.updateBatch([[key(12, '10.16.0.0'), 12]]), 1);
    assert.equal(m.lookup(key(32, '10.16.1.1')), 12);
    assert.equal(m.deleteBatch([key(12, '10.16.0.0')]), 1);
    assert.equal(m.lookup(key(32, '10.16.1.1')), 8);
  });

  test('batch operations on a hash map give the same results as single ones', (t) => {
    if (!kernelTest(t)) return;
    using m = BpfMap.create(hashSpec('t_batch', 10000), { key: u32, value: u64 });
    const entries: Array<[number, bigint]> = Array.from({ length: 5000 }, (_, i) => [i * 3, BigInt(i) * 7n]);
    assert.equal(m.updateBatch(entries), 5000);
    const got = m.lookupBatch({ batchSize: 333 }).sort((a, b) => a[0] - b[0]);
    assert.deepEqual(got, entries);
    assert.equal(m.batchSupported(), true, 'a hash map has batch lookup (Linux 5.6+)');
    const single = [...m.entries()].sort((a, b) => a[0] - b[0]);
    assert.deepEqual(single, entries);
    assert.equal(m.countByBatch(), 5000);
    assert.equal(m.deleteBatch(entries.slice(0, 1000).map(([k]) => k)), 1000);
    assert.equal(m.countByIteration(), 4000);
    assert.throws(() => m.deleteBatch([3000, 1]), (e: unknown) => e instanceof KeyNotFoundError && /after 0 of 2 keys|after 1 of 2 keys/.test(e.message));
    const drained = m.lookupAndDeleteBatch({ batchSize: 512 });
    assert.ok(drained.length >= 3998 && drained.length <= 4000);
    assert.equal(m.countByIteration(), 0);
    // noexist through batch update
    m.update(1, 1n);
    assert.throws(() => m.updateBatch([[1, 2n]], 'noexist'), KeyExistsError);
  });

  test('batch lookup on an array map', (t) => {
    if (!kernelTest(t)) return;
    using m = BpfMap.create({ name: 't_abatch', type: MapType.Array, keySize: 4, valueSize: 8, maxEntries: 100 }, { key: u32, value: u64 });
    m.updateBatch(Array.from({ length: 100 }, (_, i): [number, bigint] => [i, BigInt(i * i)]));
    const all = m.lookupBatch({ batchSize: 7 });
    assert.equal(all.length, 100);
    assert.deepEqual(all[99], [99, 9801n]);
  });

  test('entriesBatch behaves as a generator: lazy, fresh pairs, closed by return, throw and errors', (t) => {
    if (!kernelTest(t)) return;
    using m = BpfMap.create(hashSpec('t_ebatch', 10000), { key: u32, value: u64 });
    const entries: Array<[number, bigint]> = Array.from({ length: 5000 }, (_, i) => [i * 3, BigInt(i) * 7n]);
    m.updateBatch(entries);
    // Every pair stays as it was after later steps, across batch boundaries; batchSize 1 makes
    // hash buckets overflow the buffers, which then grow between batches.
    for (const batchSize of [1, 7, 4096]) {
      const got = [...m.entriesBatch({ batchSize })];
      assert.equal(new Set(got).size, 5000, 'a fresh pair per entry');
      assert.deepEqual(got.sort((a, b) => a[0] - b[0]), entries, `batchSize ${batchSize}`);
    }
    const it = m.entriesBatch({ batchSize: 10 });
    assert.equal(Object.prototype.toString.call(it), '[object Generator]');
    assert.equal(it[Symbol.iterator](), it);
    const first = it.next();
    assert.equal(first.done, false);
    assert.deepEqual(first.value, entries.find(([k]) => k === first.value![0]));
    assert.deepEqual(it.return(), { value: undefined, done: true });
    assert.deepEqual(it.next(), { value: undefined, done: true }, 'closed by return()');
    const it2 = m.entriesBatch();
    const boom = new Error('boom');
    assert.throws(() => it2.throw(boom), (e) => e === boom);
    assert.deepEqual(it2.next(), { value: undefined, done: true }, 'closed by throw() before it started');
    // Breaking out of a loop closes it too; a new one starts over.
    let seen = 0;
    const it3 = m.entriesBatch({ batchSize: 100 });
    for (const _ of it3) if (++seen === 150) break;
    assert.deepEqual(it3.next(), { value: undefined, done: true });
    assert.equal([...m.entriesBatch({ batchSize: 100 })].length, 5000);
    // Bad options throw at the first next(), as in a generator body, and close it.
    const bad = m.entriesBatch({ batchSize: -1 });
    assert.throws(() => bad.next(), RangeError);
    assert.deepEqual(bad.next(), { value: undefined, done: true });
    // A codec error comes after the entries decoded before it, then the iterator is closed.
    const picky = { size: 8, name: 'picky', encode: u64.encode, decode: (d: DataView, o: number) => (d.getBigUint64(o, true) === 7n * 1234n ? assert.fail('picky') : u64.decode(d, o)) };
    using p = BpfMap.create(hashSpec('t_ebatch_p', 10000), { key: u32, value: picky });
    p.updateBatch(entries);
    const pit = p.entriesBatch({ batchSize: 5000 });
    let before = 0;
    assert.throws(() => {
      for (;;) {
        pit.next();
        before++;
      }
    }, /picky/);
    assert.ok(before < 5000);
    assert.deepEqual(pit.next(), { value: undefined, done: true }, 'closed by a codec error');
    // A closed map throws at the first next(), not at the call.
    const late = m.entriesBatch();
    m.close();
    assert.throws(() => late.next(), ClosedError);
  });

  test('queue and stack: push, pop, peek', (t) => {
    if (!kernelTest(t)) return;
    using q = BpfMap.create({ name: 't_queue', type: MapType.Queue, keySize: 0, valueSize: 4, maxEntries: 3 }, { key: bytes(0), value: u32 });
    q.push(1);
    q.push(2);
    q.push(3);
    assert.throws(() => q.push(4), MapFullError);
    q.push(4, 'exist'); // drops the oldest
    assert.equal(q.peek(), 2);
    assert.equal(q.pop(), 2);
    assert.equal(q.pop(), 3);
    assert.equal(q.pop(), 4);
    assert.equal(q.pop(), undefined);
    using s = BpfMap.create({ name: 't_stack', type: MapType.Stack, keySize: 0, valueSize: 8, maxEntries: 4 }, { key: bytes(0), value: u64 });
    s.push(1n);
    s.push(2n);
    assert.equal(s.peek(), 2n);
    assert.equal(s.pop(), 2n);
    assert.equal(s.pop(), 1n);
    assert.equal(s.peek(), undefined);
  });

  test('bloom filter: no false negatives', (t) => {
    if (!kernelTest(t)) return;
    using b = BpfMap.create({ name: 't_bloom', type: MapType.BloomFilter, keySize: 0, valueSize: 4, maxEntries: 100, mapExtra: 3n }, { key: bytes(0), value: u32 });
    for (let i = 0; i < 50; i++) b.push(i * 11);
    for (let i = 0; i < 50; i++) assert.equal(b.mayContain(i * 11), true);
    let positives = 0;
    for (let i = 0; i < 200; i++) if (b.mayContain(100000 + i)) positives++;
    assert.ok(positives < 100, `too many false positives: ${positives}`);
  });

  test('array and hash of maps hold inner maps by fd and report their ids', (t) => {
    if (!kernelTest(t)) return;
    const inner = { name: 'inner', type: MapType.Hash, keySize: 4, valueSize: 4, maxEntries: 4 };
    for (const type of [MapType.ArrayOfMaps, MapType.HashOfMaps]) {
      using outer = BpfMap.create({ name: 't_outer', type, keySize: 4, valueSize: 4, maxEntries: 4, innerMap: inner }, { key: u32, value: u32 });
      using a = BpfMap.create(inner, { key: u32, value: u32 });
      a.update(1, 42);
      outer.update(0, a.fd);
      const id = outer.lookup(0)!;
      assert.equal(id, a.info().id);
      using again = BpfMap.fromId(id, { key: u32, value: u32 });
      assert.equal(again.lookup(1), 42);
    }
  });

  test('ring buffer and perf event array can be created', (t) => {
    if (!kernelTest(t)) return;
    using rb = BpfMap.create({ name: 't_ringbuf', type: MapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: 4096 * 4 });
    assert.equal(rb.info().type, MapType.RingBuf);
    using pe = BpfMap.create({ name: 't_perf', type: MapType.PerfEventArray, keySize: 4, valueSize: 4, maxEntries: possibleCpus() });
    assert.equal(pe.info().maxEntries, possibleCpus());
  });

  test('lookupAndDelete on a hash map', (t) => {
    if (!kernelTest(t)) return;
    using m = BpfMap.create(hashSpec('t_lad'), { key: u32, value: u64 });
    m.update(5, 55n);
    assert.equal(m.lookupAndDelete(5), 55n);
    assert.equal(m.lookupAndDelete(5), undefined);
  });

  test('wrong key and value sizes are refused before the syscall, naming the map', (t) => {
    if (!kernelTest(t)) return;
    using m = BpfMap.create({ name: 't_sizes', type: MapType.Hash, keySize: 4, valueSize: 2, maxEntries: 4 });
    assert.throws(() => m.update(Buffer.alloc(3), Buffer.alloc(2)), (e: unknown) => e instanceof SizeError && e.message === 'map t_sizes: key is 3 bytes, expected 4');
    assert.throws(() => m.update(Buffer.alloc(4), Buffer.alloc(8)), (e: unknown) => e instanceof SizeError && e.what === 'value' && e.expected === 2);
    assert.throws(() => m.lookup(Buffer.alloc(5)), SizeError);
    assert.throws(() => BpfMap.create({ name: 'x', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 4 }, { key: u8 }), /key codec u8 is 1 bytes/);
    assert.throws(() => BpfMap.create({ name: 'bad', type: MapType.Hash, keySize: -1, valueSize: 8, maxEntries: 4 }), TypeError);
  });

  test('the kernel refusing a spec gives a typed error naming the map', (t) => {
    if (!kernelTest(t)) return;
    assert.throws(
      () => BpfMap.create({ name: 't_badspec', type: MapType.Hash, keySize: 0, valueSize: 8, maxEntries: 4 }),
      (e: unknown) => e instanceof InvalidArgumentError && /^map t_badspec: create: EINVAL/.test(e.message),
    );
  });

  test('use after close throws ClosedError; close is idempotent', (t) => {
    if (!kernelTest(t)) return;
    const m = BpfMap.create(hashSpec('t_closed'), { key: u32, value: u64 });
    m.close();
    m.close();
    assert.throws(() => m.lookup(1), (e: unknown) => e instanceof ClosedError && e.message === 'map t_closed: already closed');
    assert.throws(() => m.update(1, 1n), ClosedError);
    assert.throws(() => [...m.keys()], ClosedError);
    assert.throws(() => m.fd, ClosedError);
  });

  test('pin, open pinned, open by id, unpin, freeze', (t) => {
    if (!kernelTest(t)) return;
    ensureBpffs();
    const dir = mkdtempSync('/sys/fs/bpf/tsbpf-test-');
    const path = join(dir, 'pinned');
    try {
      using m = BpfMap.create(hashSpec('t_pin'), { key: u32, value: u64 });
      m.update(1, 11n);
      m.pin(path);
      using p = BpfMap.fromPinned(path, { key: u32, value: u64 });
      assert.equal(p.lookup(1), 11n);
      assert.equal(p.info().id, m.info().id);
      using byId = BpfMap.fromId(m.info().id, { key: u32, value: u64 });
      assert.equal(byId.name, 't_pin');
      m.unpin(path);
      assert.throws(() => BpfMap.fromPinned(path), KeyNotFoundError);
      m.freeze();
      assert.throws(() => m.update(2, 2n), (e: unknown) => (e as { code?: string }).code === 'EPERM');
      assert.equal(m.lookup(1), 11n);
    } finally {
      rmdirSync(dir);
    }
    assert.throws(() => BpfMap.fromId(0x7ffffff0), (e: unknown) => e instanceof KeyNotFoundError && /map id \d+: open: ENOENT: no map with this id/.test(e.message));
  });

  test('iteration restarts are detected: a deleted cursor key neither repeats nor loses keys', (t) => {
    if (!kernelTest(t)) return;
    using m = BpfMap.create(hashSpec('t_restart', 256), { key: u32, value: u64 });
    // The map's own walker fetches keys ahead in chunks; a walker fetching one key per system call
    // starts every step from the key yielded last, so deleting it makes the kernel restart.
    const cursor = new Uint8Array(4);
    const keys = new Uint8Array(4);
    const oneByOne = new KeyWalker({
      label: 'map t_restart',
      keySize: 4,
      maxEntries: 256,
      cursor,
      keys,
      fetch: (fromStart) => (m.nextKeyRaw(fromStart ? null : cursor, keys) ? 1 : 0),
      cursorExists: () => m.lookupRaw(cursor) !== undefined,
    });
    for (const [name, w] of [['one key per call', oneByOne], ['chunked', m.keyWalker()]] as const) {
      for (let i = 0; i < 200; i++) m.update(i, BigInt(i));
      const seen: number[] = [];
      const view = new DataView(w.key.buffer, w.key.byteOffset, 4);
      while (w.step()) {
        const k = view.getUint32(0, true);
        seen.push(k);
        // Delete every third key right after it is yielded.
        if (k % 3 === 0) m.delete(k);
      }
      if (w === oneByOne) assert.ok(w.restarts > 0, 'the kernel should have restarted at least once');
      assert.equal(new Set(seen).size, seen.length, `${name}: no duplicates`);
      assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i), name);
    }
  });

  test('iteration under concurrent churn ends, has no duplicates, and sees every stable key', async (t) => {
    if (!kernelTest(t)) return;
    using m = BpfMap.create(hashSpec('t_churn', 4096), { key: u32, value: u64 });
    const stable = 1000;
    for (let i = 0; i < 2000; i++) m.update(i, BigInt(i));
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const w = startTsWorker(new URL('../testutils/churn-worker.ts', import.meta.url), { id: m.info().id, from: stable, to: 2000, flag });
    // Listen for 'exit' now: a worker that exits right after its last message has both events
    // emitted in one go, before a listener added after the message could see the exit.
    const exited = once(w, 'exit');
    const [ready] = await once(w, 'message');
    assert.equal(ready, 'ready');
    try {
      for (let round = 0; round < 30; round++) {
        const keys = [...m.keys()];
        assert.equal(new Set(keys).size, keys.length, `round ${round}: duplicates`);
        const set = new Set(keys);
        for (let k = 0; k < stable; k++) assert.ok(set.has(k), `round ${round}: stable key ${k} missing`);
        for (const k of keys) assert.ok(k < 2000);
      }
    } finally {
      Atomics.store(flag, 0, 1);
    }
    const [rounds] = await once(w, 'message');
    assert.ok((rounds as number) > 0, 'the worker churned');
    await exited;
  });

  test('every listed map type can be created', (t) => {
    if (!kernelTest(t)) return;
    const specs = [
      hashSpec('c_hash', 4, MapType.Hash),
      { name: 'c_array', type: MapType.Array, keySize: 4, valueSize: 8, maxEntries: 4 },
      hashSpec('c_phash', 4, MapType.PerCpuHash),
      { name: 'c_parray', type: MapType.PerCpuArray, keySize: 4, valueSize: 8, maxEntries: 4 },
      hashSpec('c_lru', 4, MapType.LruHash),
      hashSpec('c_plru', 4, MapType.LruPerCpuHash),
      { name: 'c_lpm', type: MapType.LpmTrie, keySize: 8, valueSize: 8, maxEntries: 4, flags: MapFlags.NoPrealloc },
      { name: 'c_queue', type: MapType.Queue, keySize: 0, valueSize: 8, maxEntries: 4 },
      { name: 'c_stack', type: MapType.Stack, keySize: 0, valueSize: 8, maxEntries: 4 },
      { name: 'c_bloom', type: MapType.BloomFilter, keySize: 0, valueSize: 8, maxEntries: 4 },
      { name: 'c_ringbuf', type: MapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: 4096 },
      { name: 'c_perf', type: MapType.PerfEventArray, keySize: 4, valueSize: 4, maxEntries: 2 },
      { name: 'c_aom', type: MapType.ArrayOfMaps, keySize: 4, valueSize: 4, maxEntries: 2, innerMap: hashSpec('c_in', 4) },
      { name: 'c_hom', type: MapType.HashOfMaps, keySize: 4, valueSize: 4, maxEntries: 2, innerMap: hashSpec('c_in', 4) },
      hashSpec('c_nopre', 4, MapType.Hash),
    ];
    for (const s of specs) {
      using m = BpfMap.create(s);
      assert.equal(m.info().type, s.type, s.name);
    }
  });
});
