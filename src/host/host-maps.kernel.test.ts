import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { kernelTest, openFds, assertNoNewFds, skipIf } from '../testutils/kernel.js';
import { BpfMap, MapType, u32, u64 } from '../index.js';
import { possibleCpus } from '../codec/codec.js';
import { native } from '../sys/native.js';
import { Cmd } from '../sys/enums.gen.js';
import { GetIdAttr } from '../sys/attrs.js';
import { Errno } from '../sys/errno.js';
import { MapMetrics } from '../export/metrics.js';
import { HostMaps, type MapSummary } from './host-maps.js';

const cli = new URL('../cli/main.ts', import.meta.url).pathname;
const owner = new URL('../testutils/map-owner.ts', import.meta.url).pathname;
const tag = String(process.pid % 100000);

/** Whether map `id` still exists: BPF_MAP_GET_FD_BY_ID, the fd closed at once. */
function mapExists(id: number): boolean {
  const a = native();
  const fd = a.bpfRet(Cmd.BPF_MAP_GET_FD_BY_ID, GetIdAttr.encode({ id }).bytes);
  if (fd === -Errno.ENOENT) return false;
  if (fd < 0) throw new Error(`map id ${id}: open: errno ${-fd}`);
  a.close(fd);
  return true;
}

/** The processes holding an fd of map `id` (from /proc/PID/fdinfo), for a failure message. */
function holders(id: number): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
        if (new RegExp(`^map_id:\\s*${id}$`, 'm').test(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))) {
          out.push(`pid ${pid} (${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 100)})`);
          break;
        }
      }
    } catch {
      // The process exited meanwhile.
    }
  }
  return out;
}

/**
 * Polls until the maps `ids` are freed. The kernel drops the last reference of an exited
 * process's files asynchronously, so this waits up to `ms` (a bound, not a timing assertion).
 * Fails when this process holds one of them through a map fd. Returns the maps still alive at the
 * deadline with the processes holding a map fd of each (an agent of another build scanning this
 * host keeps every map it saw, and its counting programs hold them too); an empty map once every
 * one is freed.
 */
async function waitFreed(ids: Iterable<number>, ms = 10_000): Promise<Map<number, string[]>> {
  const deadline = Date.now() + ms;
  let left = [...ids];
  for (;;) {
    left = left.filter(mapExists);
    if (left.length === 0) return new Map();
    if (Date.now() > deadline) break;
    await delay(20);
  }
  const out = new Map<number, string[]>();
  for (const id of left) {
    const who = holders(id);
    assert.ok(!who.some((h) => h.startsWith(`pid ${process.pid} `)), `map ${id} is still held by this process`);
    out.set(id, who);
  }
  return out;
}

/** What the tests read of a map of any key and value type. */
type AnyMap = { info(): { id: number }; readonly name: string; readonly maxEntries: number; readonly keySize: number };

const cliMapIds = (): number[] => (JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', cli, 'maps', '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 })) as MapSummary[]).map((m) => m.id);

test('one scan counts every kind of map from the iterator record, opens only what needs it, holds nothing, and agrees with the fallback', async (t) => {
  if (!kernelTest(t)) return;
  using hash = BpfMap.create({ name: `hs_hash_${tag}`, type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 100 }, { key: u32, value: u64 });
  using lru = BpfMap.create({ name: `hs_lru_${tag}`, type: MapType.LruHash, keySize: 4, valueSize: 8, maxEntries: 100 }, { key: u32, value: u64 });
  using pcpu = BpfMap.create({ name: `hs_pcpu_${tag}`, type: MapType.PerCpuHash, keySize: 4, valueSize: 8, maxEntries: 100, flags: 1 }, { key: u32 });
  using arr = BpfMap.create({ name: `hs_arr_${tag}`, type: MapType.Array, keySize: 4, valueSize: 8, maxEntries: 7 });
  using lpm = BpfMap.create({ name: `hs_lpm_${tag}`, type: MapType.LpmTrie, keySize: 8, valueSize: 8, maxEntries: 100, flags: 1 });
  using queue = BpfMap.create({ name: `hs_q_${tag}`, type: MapType.Queue, keySize: 0, valueSize: 8, maxEntries: 10 });
  using rb = BpfMap.create({ name: `hs_rb_${tag}`, type: MapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: 1 << 14 });
  for (let i = 0; i < 37; i++) hash.update(i, 1n);
  for (let i = 0; i < 20; i++) lru.update(i, 1n);
  for (let i = 0; i < 5; i++) pcpu.update(i, Array.from({ length: possibleCpus() }, () => Buffer.alloc(8)) as never); // one value per possible CPU
  for (let i = 0; i < 3; i++) {
    const key = Buffer.alloc(8);
    key.writeUInt32LE(32, 0);
    key.writeUInt32BE(0x0a000000 + i, 4);
    lpm.update(key, Buffer.alloc(8));
  }
  const ours = new Map(([hash, lru, pcpu, arr, lpm, queue, rb] as AnyMap[]).map((m) => [m.info().id, m]));
  const id = (m: AnyMap) => m.info().id;

  using host = new HostMaps();
  const first = host.scan({ where: (m) => ours.has(m.id) });
  assert.equal(host.source, 'iterator', `the scan program loads here (${host.fallbackReason ?? ''})`);
  const fdsBetween = await openFds();
  const rows = host.scan({ where: (m) => ours.has(m.id) });
  await assertNoNewFds(fdsBetween, 'a scan leaves no fd open');
  assert.deepEqual(rows.map((r) => r.id).sort(), [...ours.keys()].sort());
  assert.deepEqual(first.map((r) => r.entries), rows.map((r) => r.entries));
  const by = (m: AnyMap): MapSummary => rows.find((r) => r.id === id(m))!;
  const expect: Array<[AnyMap, number, string]> = [
    [hash, 37, 'kernel'],
    [lru, 20, 'kernel'],
    [pcpu, 5, 'kernel'],
    [arr, 7, 'max-entries'],
    [lpm, 3, 'iterate'],
  ];
  for (const [m, n, method] of expect) {
    const r = by(m);
    assert.equal(r.entries, n, r.name);
    assert.equal(r.method, method, r.name);
    assert.equal(r.name, m.name);
    assert.equal(r.maxEntries, m.maxEntries);
    assert.equal(r.keySize, m.keySize);
    assert.equal(r.fillRatio, n / m.maxEntries);
    assert.ok(r.memlock > 0, `${r.name}: memlock read`);
    assert.ok(typeof r.countNs === 'number' && r.countNs >= 0);
    assert.equal(r.error, undefined);
  }
  assert.equal(by(pcpu).flags, 1);
  assert.match(by(queue).error ?? '', /hs_q_\d+: count: EOPNOTSUPP: a queue map has no keys to count/);
  assert.deepEqual(by(rb).ringbuf, { availData: 0, ringSize: 1 << 14, consumerPos: 0, producerPos: 0 });
  assert.equal(host.scan({ method: 'kernel', where: (m) => m.id === id(arr) })[0].error?.includes('no element counter for array maps'), true);
  assert.equal(host.scan({ method: 'max-entries', where: (m) => m.id === id(hash) })[0].error?.includes('max-entries counts array maps only'), true);
  assert.equal(host.scan({ method: 'iterate', where: (m) => m.id === id(hash) })[0].entries, 37);
  assert.equal(host.scan({ memlock: false, where: (m) => m.id === id(hash) })[0].memlock, 0);
  assert.throws(() => host.scan({ method: 'fast' as never }), /unknown method "fast"/);

  // The fallback (open each map by id, count it, close it) sees the same.
  using open = new HostMaps({ source: 'open' });
  const fallback = open.scan({ where: (m) => ours.has(m.id) });
  assert.equal(open.source, 'open');
  for (const r of rows) {
    const f = fallback.find((x) => x.id === r.id)!;
    assert.deepEqual({ ...f, countNs: 0, method: f.method === 'foreach' ? 'iterate' : f.method, error: f.error && 'e' }, { ...r, countNs: 0, method: r.method, error: r.error && 'e' }, r.name);
  }
  // By id (what `tsbpf count ID` uses): the same summaries, with no scan program loaded.
  using byId = new HostMaps();
  for (const method of ['auto', 'kernel', 'max-entries', 'iterate', 'batch'] as const) {
    const scanned = host.scan({ method, where: (m) => ours.has(m.id) });
    const direct = byId.scan({ method, ids: [...ours.keys()] });
    const norm = (rs: MapSummary[]) => rs.map((r) => ({ ...r, countNs: 0 })).sort((a, b) => a.id - b.id);
    assert.deepEqual(norm(direct), norm(scanned), `method ${method}`);
  }
  assert.equal(byId.source, undefined, 'no scan program was loaded for scans by id');
  assert.deepEqual(byId.scan({ ids: [0xffffffff, 2 ** 40] }), [], 'ids with no map are left out');
  assert.deepEqual(byId.scan({ ids: [id(hash), id(arr)], where: (m) => m.id === id(arr) }).map((r) => r.id), [id(arr)]);
  assert.deepEqual(open.scan({ ids: [id(hash)] }).map((r) => [r.entries, r.memlock > 0]), [[37, true]], 'the open source scans by id too');
  assert.throws(() => byId.scan({ ids: [-1] }), /ids must be an array of map ids/);
  assert.throws(() => new HostMaps({ source: 'fast' as never }), /source must be auto, iterator or open/);
  host.close();
  assert.throws(() => host.scan(), /closed/);
});

test('a map whose owner exits is freed while the agent scans: gone from the kernel, the scan, maps --json and the metrics', async (t) => {
  if (!kernelTest(t)) return;
  using host = new HostMaps();
  using metrics = new MapMetrics();
  host.scan();
  await metrics.metrics();
  const fds = await openFds();
  const child = spawn(process.execPath, ['--import', 'tsx', owner, `own_${tag}`, '5'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let id: number;
  try {
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const m = /^ready (\d+)/.exec(line.toString());
    assert.ok(m, `child said ${line}`);
    id = Number(m[1]);
    // The agent sees the map while its owner lives.
    assert.equal(host.scan().find((r) => r.id === id)?.entries, 5);
    assert.match(await metrics.metrics(), new RegExp(`bpf_map_entries\\{id="${id}",name="own_${tag}",type="hash"\\} 5`));
    assert.ok(cliMapIds().includes(id), `map ${id} listed by tsbpf maps --json while its owner lives`);
  } finally {
    child.stdin.end();
    await once(child, 'exit');
  }
  // The agent keeps scanning; the map must not outlive its owner because of it.
  host.scan();
  await metrics.metrics();
  const others = (await waitFreed([id])).get(id);
  if (others) {
    await assertNoNewFds(fds, 'the agent holds no more fds than before');
    // Not this agent: another process on this shared host holds the map, so it cannot be freed.
    skipIf(t, `map ${id} is held by another process, so its freeing cannot be shown here: ${others.join('; ')}`);
    return;
  }
  assert.equal(mapExists(id), false, 'BPF_MAP_GET_FD_BY_ID fails with ENOENT');
  assert.equal(host.scan().find((r) => r.id === id), undefined, 'gone from the next scan');
  assert.doesNotMatch(await metrics.metrics(), new RegExp(`id="${id}"`), 'gone from the metrics');
  assert.ok(!cliMapIds().includes(id), 'gone from tsbpf maps --json');
  await assertNoNewFds(fds, 'the agent holds no more fds than before');
});

test("the agent's fd count is flat over 1,000 scans with maps coming and going", async (t) => {
  if (!kernelTest(t)) return;
  using host = new HostMaps();
  using metrics = new MapMetrics();
  const live: Array<AnyMap & { close(): void }> = [];
  const closed: number[] = [];
  const ids = new Set<number>();
  const KEEP = 6;
  const make = (i: number): AnyMap & { close(): void } => {
    const name = `hsf_${tag}_${i % 1000}`;
    switch (i % 4) {
      case 0: {
        const m = BpfMap.create({ name, type: MapType.LpmTrie, keySize: 8, valueSize: 8, maxEntries: 16, flags: 1 });
        const key = Buffer.alloc(8);
        key.writeUInt32LE(32, 0);
        m.update(key, Buffer.alloc(8));
        return m;
      }
      case 1:
        return BpfMap.create({ name, type: MapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: 4096 });
      default: {
        const m = BpfMap.create({ name, type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 16 }, { key: u32, value: u64 });
        for (let k = 0; k < i % 7; k++) m.update(k, 0n);
        return m;
      }
    }
  };
  const expected = (i: number): number | null => (i % 4 === 0 ? 1 : i % 4 === 1 ? null : i % 7);
  const made = new Map<number, number>(); // id -> i
  await metrics.metrics(); // loads its scan program before the fd baseline
  let baseline = -1; // this test opens and closes maps itself: the count must stay flat
  try {
    const t0 = Date.now();
    for (let i = 0; i < 1000; i++) {
      const m = make(i);
      live.push(m);
      const mid = m.info().id;
      made.set(mid, i);
      ids.add(mid);
      if (live.length > KEEP) {
        const old = live.shift()!;
        closed.push(old.info().id);
        old.close();
      }
      const rows = i % 100 === 99 ? (await metrics.metrics(), metrics.last.filter((r) => ids.has(r.id))) : host.scan({ where: (r) => ids.has(r.id) });
      for (const lm of live) {
        const lid = lm.info().id;
        const r = rows.find((x) => x.id === lid);
        assert.ok(r, `scan ${i}: live map ${lid} listed`);
        assert.equal(r.entries, expected(made.get(lid)!), `scan ${i}: map ${r.name}`);
      }
      if (i === KEEP) baseline = (await openFds()).size;
      if (i > KEEP) assert.equal((await openFds()).size, baseline, `scan ${i}: fds`);
    }
    t.diagnostic(`1000 scans in ${Date.now() - t0} ms`);
  } finally {
    for (const m of live) m.close();
  }
  assert.equal(closed.length, 1000 - KEEP);
  const heldElsewhere = await waitFreed(ids);
  if (heldElsewhere.size) t.diagnostic(`${heldElsewhere.size} maps still alive, held elsewhere: ${[...new Set([...heldElsewhere.values()].flat())].join('; ') || 'by programs'}`);
  const rest = host.scan({ where: (r) => ids.has(r.id) && !heldElsewhere.has(r.id) });
  assert.deepEqual(rest, [], 'every map of the test that no other process holds is gone from the scan');
});
