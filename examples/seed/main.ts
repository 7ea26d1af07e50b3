// The seed's question, answered: how many elements does my_map hold? The seed's own
// bpf_for_each_map_elem program (refresh_count), run on demand, beside tsbpf's map.count().
//
// Run: npx tsx examples/seed/main.ts [entries] (as root).
import { pathToFileURL } from 'node:url';
import { loadSeed } from './seed.js';

/** Fills my_map with `n` entries and returns what refresh_count and map.count() say. */
export function main(n = 1000): { refreshCount: number; count: number; method: string } {
  using obj = loadSeed();
  const m = obj.maps.my_map;
  m.updateBatch(Array.from({ length: n }, (_, i): [number, bigint] => [i, BigInt(i)]));
  const refreshCount = obj.programs.refresh_count.test(Buffer.alloc(14)).retval;
  const { count, method } = m.countDetailed();
  return { refreshCount, count, method };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = main(Number(process.argv[2] ?? 1000));
  console.log(`refresh_count (bpf_for_each_map_elem): ${r.refreshCount}`);
  console.log(`my_map.count() (${r.method}): ${r.count}`);
}
