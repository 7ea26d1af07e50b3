/**
 * `tsbpf count <id | pinned path | name>`: the element count of one map, as `tsbpf maps` reports
 * it. A map given by id or pinned path is opened and counted alone (no host scan program is
 * loaded); a name needs the scan of every map to find it.
 */
import { BpfMap } from '../map/map.js';
import { HostMaps, type MapSummary } from '../host/host-maps.js';
import type { CountMethod } from '../count/count.js';
import { formatMaps } from './maps.js';

/**
 * Finds and counts the map a user named: a numeric id, a bpffs path, or a map name (which must
 * be unique). A pinned map is held open only while it is counted.
 */
export function countTarget(host: HostMaps, target: string, method?: CountMethod): MapSummary {
  if (/^\d+$/.test(target)) {
    const id = Number(target);
    const [s] = host.scan({ method, ids: [id] });
    if (!s) throw new Error(`count: no map with id ${id} (see tsbpf maps)`);
    return s;
  }
  if (target.startsWith('/')) {
    using m = BpfMap.fromPinned(target);
    const id = m.info().id;
    const [s] = host.scan({ method, ids: [id] });
    if (!s) throw new Error(`count: map ${target} (id ${id}) was not found by its id`);
    return s;
  }
  const matches = host.scan({ method, where: (m) => m.name === target });
  if (matches.length === 0) throw new Error(`count: no map named ${JSON.stringify(target)} (give an id, a pinned path or a name; see tsbpf maps)`);
  if (matches.length > 1) throw new Error(`count: ${matches.length} maps are named ${JSON.stringify(target)} (ids ${matches.map((m) => m.id).join(', ')}); give an id`);
  return matches[0];
}

/** Runs `tsbpf count` and returns its output. */
export function runCount(target: string, opts: { method?: CountMethod; json?: boolean }): string {
  using host = new HostMaps();
  const s = countTarget(host, target, opts.method);
  if (s.error) throw new Error(s.error);
  if (opts.json) return JSON.stringify(s, null, 2);
  if (s.ringbuf) {
    const r = s.ringbuf;
    return `${formatMaps([s])}\nring buffer: ${r.availData} bytes pending of ${r.ringSize} (consumer at ${r.consumerPos}, producer at ${r.producerPos})`;
  }
  return formatMaps([s]);
}
