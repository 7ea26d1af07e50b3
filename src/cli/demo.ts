/**
 * `tsbpf demo`: creates a real hash map in the kernel, fills it, and shows what tsbpf sees.
 */
import { BpfMap, MapType, u32, u64, mapTypeShortName } from '../index.js';
import { formatTable } from './table.js';

/** Runs the demo and returns its text. */
export function runDemo(entries = 1000): string {
  const out: string[] = [];
  using m = BpfMap.create({ name: 'tsbpf_demo', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 4096 }, { key: u32, value: u64 });
  const t0 = process.hrtime.bigint();
  for (let pid = 1; pid <= entries; pid++) m.update(pid, BigInt(pid) * 1000n);
  const fillUs = Number(process.hrtime.bigint() - t0) / 1000;
  m.delete(13);
  m.update(1, 42n, { flag: 'exist' });
  const info = m.info();
  out.push(`created ${mapTypeShortName(info.type)} map "${info.name}" (id ${info.id}): key ${info.keySize} B, value ${info.valueSize} B, max ${info.maxEntries} entries`);
  out.push(`filled ${entries} entries with single updates in ${fillUs.toFixed(0)} us, deleted key 13, set key 1 to 42`);
  const t1 = process.hrtime.bigint();
  const n = m.countByIteration();
  const iterUs = Number(process.hrtime.bigint() - t1) / 1000;
  const t2 = process.hrtime.bigint();
  const nb = m.countByBatch();
  const batchUs = Number(process.hrtime.bigint() - t2) / 1000;
  out.push('');
  out.push(formatTable(['method', 'entries', 'fill %', 'time (us)'], [
    ['iterate (GET_NEXT_KEY)', n, Number(((100 * n) / info.maxEntries).toFixed(1)), Number(iterUs.toFixed(0))],
    ['batch (LOOKUP_BATCH)', nb, Number(((100 * nb) / info.maxEntries).toFixed(1)), Number(batchUs.toFixed(0))],
  ]));
  out.push('');
  out.push('first entries, in kernel order:');
  const rows: Array<Array<string | number>> = [];
  for (const [k, v] of m.entries()) {
    rows.push([k, v.toString()]);
    if (rows.length === 8) break;
  }
  out.push(formatTable(['key', 'value'], rows));
  return out.join('\n');
}
