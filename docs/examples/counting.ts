/**
 * Snippets for docs/api.md: element counting and the host's maps.
 * Regions are copied into the docs by scripts/docs-snippets.mjs; `npm run typecheck` compiles them.
 */
import { BpfMap, HostMaps, MapType, methodsFor, summarize, type CountResult } from '../../src/index.js';

/** count and countDetailed. */
export function count(m: BpfMap<number, bigint>): CountResult {
  // #region map-count
  m.count();                                  // exact, with the fastest method for this map and kernel
  m.countDetailed({ method: 'iterate' });     // { count, method: 'iterate', durationNs }
  // #endregion
  return m.countDetailed();
}

/** Which methods can count a map type. */
export function methods(): string[] {
  // #region methods-for
  methodsFor(MapType.Hash);  // ['kernel', 'foreach', 'batch', 'iterate'] (the first is what auto picks)
  methodsFor(MapType.Array); // ['max-entries', 'foreach', 'batch', 'iterate']
  // #endregion
  return methodsFor(MapType.Hash);
}

/** Every map of the host. */
export function hostMaps(): void {
  // #region host-maps
  using host = new HostMaps(); // keep it to scan again: it holds the scan program, never a map
  for (const s of host.scan()) console.log(s.id, s.name, s.entries ?? s.error, s.fillRatio);
  // #endregion
}

/** One map's summary. */
export function summary(id: number): void {
  // #region summarize
  using m = BpfMap.fromId(id);
  const { entries, fillRatio, method, countNs, memlock } = summarize(m);
  // #endregion
  console.log(entries, fillRatio, method, countNs, memlock);
}
