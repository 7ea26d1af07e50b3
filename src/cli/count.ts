/**
 * `tsbpf count <id | pinned path | name>`: the element count of one map.
 */
import { BpfMap } from '../map/map.js';
import { mapIds } from '../map/info.js';
import { summarize } from '../host/host-maps.js';
import type { CountMethod } from '../count/count.js';
import { formatMaps } from './maps.js';

/** Opens the map a user named: a numeric id, a bpffs path, or a map name (which must be unique). */
export function openTarget(target: string): BpfMap {
  if (/^\d+$/.test(target)) return BpfMap.fromId(Number(target));
  if (target.startsWith('/')) return BpfMap.fromPinned(target);
  const matches: number[] = [];
  for (const id of mapIds()) {
    try {
      using m = BpfMap.fromId(id);
      if (m.name === target) matches.push(id);
    } catch {
      // A map we may not open cannot be the one asked for by name.
    }
  }
  if (matches.length === 0) throw new Error(`count: no map named ${JSON.stringify(target)} (give an id, a pinned path or a name; see tsbpf maps)`);
  if (matches.length > 1) throw new Error(`count: ${matches.length} maps are named ${JSON.stringify(target)} (ids ${matches.join(', ')}); give an id`);
  return BpfMap.fromId(matches[0]);
}

/** Runs `tsbpf count` and returns its output. */
export function runCount(target: string, opts: { method?: CountMethod; json?: boolean }): string {
  using m = openTarget(target);
  const s = summarize(m, opts.method);
  if (s.error) throw new Error(s.error);
  if (opts.json) return JSON.stringify(s, null, 2);
  if (s.ringbuf) {
    const r = s.ringbuf;
    return `${formatMaps([s])}\nring buffer: ${r.availData} bytes pending of ${r.ringSize} (consumer at ${r.consumerPos}, producer at ${r.producerPos})`;
  }
  return formatMaps([s]);
}
