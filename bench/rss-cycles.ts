/**
 * Memory over many cycles: RSS, JS heap and fd count sampled every STEP cycles, to see whether
 * they level off.
 *
 * Run: node --expose-gc --import tsx bench/rss-cycles.ts [load|watch] [CYCLES] [STEP]
 * - `load` (default 20,000 cycles): create a hash map, load a program that uses it (the kfunc
 *   counter, built with src/asm), test-run it, close both.
 * - `watch` (default 10,000 refreshes): `tsbpf maps --watch` refreshing every millisecond into a
 *   sink that drops the frames (one host scan and one formatted table per refresh). With
 *   OWN=N (environment) it makes N maps (hash, array, LPM trie, ring buffer in turn, filling as it
 *   goes) and watches only those, so a busy host does not set the pace.
 * With --expose-gc a full GC runs before each sample, so the heap column is what stays live.
 */
import { readdirSync } from 'node:fs';
import { BpfMap, MapType, Program, ProgramType } from '../src/index.js';
import { Assembler, R1 } from '../src/asm/index.js';
import { watchMaps } from '../src/cli/maps.js';

const mode = process.argv[2] ?? 'load';
const CYCLES = Number(process.argv[3] ?? (mode === 'watch' ? 10_000 : 20_000));
const STEP = Number(process.argv[4] ?? CYCLES / 20);
const gc = (globalThis as { gc?: () => void }).gc;
const mb = (n: number) => (n / 2 ** 20).toFixed(1).padStart(7);
const t0 = Date.now();
const rows: string[] = [];
function sample(i: number): void {
  gc?.();
  const m = process.memoryUsage();
  rows.push(`${String(i).padStart(7)} ${mb(m.rss)} ${mb(m.heapUsed)} ${mb(m.external + m.arrayBuffers)} ${String(readdirSync('/proc/self/fd').length).padStart(5)} ${((Date.now() - t0) / 1000).toFixed(1).padStart(7)}`);
  console.log(rows[rows.length - 1]);
}
console.log(`${mode}: ${CYCLES} cycles, a sample every ${STEP}${gc ? ', after a full GC' : ' (run with --expose-gc for the live heap)'}`);
console.log(' cycles  rss MB heap MB  ext MB   fds  time s');
sample(0);
if (mode === 'load') {
  const insns = new Assembler().ldMapFd(R1, 'counted').callKfunc('bpf_map_sum_elem_count').exit().build();
  for (let i = 1; i <= CYCLES; i++) {
    using m = BpfMap.create({ name: 'rss_cycle', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 16 });
    using p = Program.load({ name: 'rss_cycle', type: ProgramType.SocketFilter, license: 'GPL', instructions: insns }, { maps: { counted: m } });
    p.test(new Uint8Array(14));
    if (i % STEP === 0) sample(i);
  }
} else if (mode === 'watch') {
  const own = Number(process.env.OWN ?? 0);
  const maps: BpfMap[] = [];
  const types = [MapType.Hash, MapType.Array, MapType.LpmTrie, MapType.RingBuf];
  for (let i = 0; i < own; i++) {
    const type = types[i % types.length];
    const ring = type === MapType.RingBuf;
    maps.push(BpfMap.create({ name: `rss_watch_${i}`, type, keySize: ring ? 0 : type === MapType.LpmTrie ? 8 : 4, valueSize: ring ? 0 : 8, maxEntries: ring ? 4096 : 1024, flags: type === MapType.LpmTrie ? 1 : 0 }));
  }
  const ids = new Set(maps.map((m) => m.info().id));
  const ac = new AbortController();
  let frames = 0;
  const key = Buffer.alloc(4);
  try {
    await watchMaps(0.001, own ? { where: (m) => ids.has(m.id) } : {}, ac.signal, {
      write: () => {
        key.writeUInt32LE(frames % 1024);
        maps[0]?.update(key, Buffer.alloc(8)); // the hash map fills, so rates move
        if (++frames % STEP === 0) sample(frames);
        if (frames === CYCLES) ac.abort();
      },
    });
  } finally {
    for (const m of maps) m.close();
  }
} else {
  throw new Error(`rss-cycles: unknown mode ${JSON.stringify(mode)} (load, watch)`);
}
