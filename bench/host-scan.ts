/**
 * Host scan benchmark: the time of one `HostMaps.scan()` on a host holding MAPS extra maps, by
 * what the scan does: the `iter/bpf_map` read alone, the default scan (the read plus each map's
 * memlock from fdinfo), without memlock, and the fallback that opens and counts every map.
 *
 * Run: npx tsx bench/host-scan.ts [MAPS=1000] [LPM=0] [RINGBUF=0] [ROUNDS=20]
 * MAPS maps are made: 3 hash maps (with 0..99 entries) for each array; LPM and RINGBUF add that
 * many LPM tries (3 entries each, walked on demand) and ring buffers (queried on demand).
 * The iterator always reads every map of the host; the `where` row opens only the maps made here,
 * so it shows the cost of MAPS maps on a host that also holds others.
 * Prints the median and best of ROUNDS per mode, in ms, and the fd count before and after the rounds.
 */
import { readdirSync } from 'node:fs';
import { BpfMap, MapType, u32, u64 } from '../src/index.js';
import { HostMaps, type ScanOptions } from '../src/host/host-maps.js';

const MAPS = Number(process.argv[2] ?? 1000);
const LPM = Number(process.argv[3] ?? 0);
const RINGBUF = Number(process.argv[4] ?? 0);
const ROUNDS = Number(process.argv[5] ?? 20);
const fds = () => readdirSync('/proc/self/fd').length;

const maps: Array<{ close(): void; info(): { id: number } }> = [];
try {
  for (let i = 0; i < MAPS; i++) {
    if (i % 4 === 3) {
      maps.push(BpfMap.create({ name: `bench_arr_${i}`, type: MapType.Array, keySize: 4, valueSize: 8, maxEntries: 64 }));
      continue;
    }
    const m = BpfMap.create({ name: `bench_hash_${i}`, type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 128 }, { key: u32, value: u64 });
    for (let k = 0; k < i % 100; k++) m.update(k, 1n);
    maps.push(m);
  }
  for (let i = 0; i < LPM; i++) {
    const m = BpfMap.create({ name: `bench_lpm_${i}`, type: MapType.LpmTrie, keySize: 8, valueSize: 8, maxEntries: 16, flags: 1 });
    for (let k = 0; k < 3; k++) m.update(Buffer.from([32, 0, 0, 0, 10, 0, 0, k]), Buffer.alloc(8));
    maps.push(m);
  }
  for (let i = 0; i < RINGBUF; i++) maps.push(BpfMap.create({ name: `bench_rb_${i}`, type: MapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: 4096 }));

  const time = (host: HostMaps, opts: ScanOptions): { median: number; best: number; maps: number; fds: string } => {
    let n = host.scan(opts).length; // warm: loads the scan program once
    const f0 = fds();
    const t: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = process.hrtime.bigint();
      n = host.scan(opts).length;
      t.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    t.sort((a, b) => a - b);
    return { median: t[Math.floor(t.length / 2)], best: t[0], maps: n, fds: `${f0}->${fds()}` };
  };
  using host = new HostMaps();
  const ours = new Set(maps.map((m) => m.info().id));
  const mine = ({ id }: { id: number }): boolean => ours.has(id);
  const all = host.scan({ memlock: false }).length;
  const rows: Array<[string, ReturnType<typeof time>]> = [
    ['iterator read alone (no map listed)', time(host, { where: () => false })],
    ['scan, memlock: false', time(host, { memlock: false })],
    ['scan (default: + memlock per map)', time(host, {})],
    ['default scan of the maps made here (where)', time(host, { where: mine })],
  ];
  if (process.env.FALLBACK !== '0') {
    using open = new HostMaps({ source: 'open' });
    rows.push(['fallback: open, count, close each map', time(open, {})]);
  }
  console.log(`host scan: ${all} maps on the host (${maps.length} made here: ${MAPS} hash/array, ${LPM} LPM, ${RINGBUF} ringbuf); scan source ${host.source}; ${ROUNDS} rounds`);
  for (const [what, r] of rows) console.log(`${what.padEnd(42)} median ${r.median.toFixed(2).padStart(8)} ms   best ${r.best.toFixed(2).padStart(8)} ms   (${r.maps} maps listed; fds ${r.fds})`);
} finally {
  for (const m of maps) m.close();
}
