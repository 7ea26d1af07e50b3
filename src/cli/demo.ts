/**
 * `tsbpf demo`: the element-counting demo on the running kernel. It creates the seed's map (a
 * hash map `my_map`, u32 -> u64), fills it, updates and deletes some keys, counts it by every
 * method with the time each took, then shows the `tsbpf maps` table for the whole host.
 */
import { BpfMap, MapType, u32, u64 } from '../index.js';
import { methodsFor } from '../count/count.js';
import { HostMaps } from '../host-maps.js';
import { formatTable } from './table.js';
import { formatMaps, sortSummaries } from './maps.js';

/** Runs the demo with `entries` elements and returns its text. */
export function runDemo(entries = 100_000): string {
  const out: string[] = [];
  using m = BpfMap.create({ name: 'my_map', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 2 * entries }, { key: u32, value: u64 });
  const t0 = process.hrtime.bigint();
  m.updateBatch(Array.from({ length: entries }, (_, i): [number, bigint] => [i, BigInt(i)]));
  const fillMs = Number(process.hrtime.bigint() - t0) / 1e6;
  for (let i = 0; i < 1000; i++) m.update(i, 7n, 'exist');
  for (let i = 0; i < entries; i += 10) m.delete(i);
  const truth = entries - Math.ceil(entries / 10);
  const info = m.info();
  out.push(`my_map (id ${info.id}, hash, max ${info.maxEntries}): inserted ${entries} in ${fillMs.toFixed(1)} ms (batch), updated 1000, deleted ${entries - truth}: ${truth} remain`);
  out.push('');
  const rows = methodsFor(m.type).map((method) => {
    m.countDetailed({ method }); // warm up: loads the counting program for kernel/foreach once
    const r = m.countDetailed({ method });
    return [method, r.count, r.count === truth ? 'exact' : `WRONG (want ${truth})`, (r.durationNs / 1000).toFixed(1)];
  });
  out.push(formatTable(['method', 'entries', 'check', 'time (us)'], rows));
  out.push('');
  out.push('tsbpf maps:');
  using host = new HostMaps();
  out.push(formatMaps(sortSummaries(host.scan(), 'id')));
  return out.join('\n');
}
