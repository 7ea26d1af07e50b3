/**
 * `tsbpf demo`: the element-counting demo on the running kernel. It loads the seed's example
 * (examples/seed/seed.bpf.o: the hash map `my_map` and the `bpf_for_each_map_elem` program
 * `refresh_count`), fills my_map, updates and deletes some keys, counts it by every method with
 * the time each took, then shows the `tsbpf maps` table for the whole host.
 */
import { fileURLToPath } from 'node:url';
import { loadCollection } from '../collection/load.js';
import { methodsFor } from '../count/count.js';
import { HostMaps } from '../host/host-maps.js';
import { u32, u64 } from '../codec/codec.js';
import { formatTable } from './table.js';
import { formatMaps, sortSummaries } from './maps.js';

/** The seed example's object, shipped with the package. */
export const SEED_OBJECT = fileURLToPath(new URL('../../examples/seed/seed.bpf.o', import.meta.url));

/** Runs the demo with `entries` elements (at most 102,400, my_map's size) and returns its text. */
export function runDemo(entries = 100_000): string {
  const out: string[] = [];
  using coll = loadCollection(SEED_OBJECT, { codecs: { my_map: { key: u32, value: u64 } } });
  const m = coll.maps.my_map;
  const t0 = process.hrtime.bigint();
  m.updateBatch(Array.from({ length: entries }, (_, i): [number, bigint] => [i, BigInt(i)]));
  const fillMs = Number(process.hrtime.bigint() - t0) / 1e6;
  for (let i = 0; i < 1000; i++) m.update(i, 7n, 'exist');
  for (let i = 0; i < entries; i += 10) m.delete(i);
  const truth = entries - Math.ceil(entries / 10);
  const info = m.info();
  out.push(`loaded the seed's example (examples/seed/seed.bpf.o): my_map (id ${info.id}, hash, max ${info.maxEntries}) and refresh_count`);
  out.push(`inserted ${entries} keys in ${fillMs.toFixed(1)} ms (batch), updated 1000 (count unchanged), deleted ${entries - truth}: ${truth} remain`);
  out.push('');
  const check = (n: number) => (n === truth ? 'exact' : `WRONG (want ${truth})`);
  const rows: Array<Array<string | number>> = [];
  // The seed's own way: its C program walks the map with bpf_for_each_map_elem.
  const seed = coll.programs.refresh_count;
  seed.test(Buffer.alloc(14));
  const s0 = process.hrtime.bigint();
  const seedCount = seed.test(Buffer.alloc(14)).retval;
  rows.push(['seed: refresh_count (C, for_each)', seedCount, check(seedCount), (Number(process.hrtime.bigint() - s0) / 1000).toFixed(1)]);
  const how: Record<string, string> = {
    kernel: 'kernel (bpf_map_sum_elem_count)',
    foreach: 'foreach (tsbpf-assembled)',
    batch: 'batch (BPF_MAP_LOOKUP_BATCH)',
    iterate: 'iterate (BPF_MAP_GET_NEXT_KEY)',
  };
  for (const method of methodsFor(m.type)) {
    m.countDetailed({ method }); // the first call loads the counting program (kernel, foreach)
    const r = m.countDetailed({ method });
    rows.push([how[method] ?? method, r.count, check(r.count), (r.durationNs / 1000).toFixed(1)]);
  }
  out.push(formatTable(['method', 'entries', 'check', 'time (us)'], rows));
  out.push('');
  out.push('tsbpf maps:');
  using host = new HostMaps();
  out.push(formatMaps(sortSummaries(host.scan(), 'id')));
  return out.join('\n');
}
