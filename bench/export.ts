/**
 * Exporter benchmark: a host with MAPS hash maps of ENTRIES entries each; time a scrape of the
 * Prometheus exporter (the first, which also loads the scan program, and the steady state).
 *
 * Run: npx tsx bench/export.ts [MAPS=1000] [ENTRIES=10000]
 * Target: a scrape in under one second.
 */
import { BpfMap, MapType } from '../src/index.js';
import { startExporter } from '../src/export/server.js';

const MAPS = Number(process.argv[2] ?? 1000);
const ENTRIES = Number(process.argv[3] ?? 10000);
const maps: BpfMap[] = [];
const keys = new Uint8Array(ENTRIES * 4);
const dv = new DataView(keys.buffer);
for (let i = 0; i < ENTRIES; i++) dv.setUint32(i * 4, i, true);
const values = new Uint8Array(ENTRIES * 8);
try {
  for (let i = 0; i < MAPS; i++) {
    const m = BpfMap.create({ name: `bench_exp_${i}`, type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: ENTRIES });
    maps.push(m);
    m.updateBatchRaw(keys, values, ENTRIES);
  }
  await using ex = await startExporter({ listen: '127.0.0.1:0' });
  const times: number[] = [];
  let samples = 0;
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    const text = await (await fetch(ex.url)).text();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    samples = text.split('\n').filter((l) => l.startsWith('bpf_map_entries{')).length;
    const wrong = ex.metrics!.last.filter((m) => m.name.startsWith('bench_exp_') && m.entries !== ENTRIES);
    if (wrong.length) throw new Error(`${wrong.length} maps counted wrong`);
  }
  const steady = Math.min(...times.slice(1));
  console.log(`${MAPS} maps x ${ENTRIES} entries: ${samples} bpf_map_entries samples per scrape`);
  console.log(`first scrape ${times[0].toFixed(0)} ms (loads the scan program), steady ${steady.toFixed(0)} ms (best of ${times.length - 1})`);
  console.log(`target < 1000 ms: first ${times[0] < 1000 ? 'ok' : 'MISSED'}, steady ${steady < 1000 ? 'ok' : 'MISSED'}`);
} finally {
  for (const m of maps) m.close();
}
