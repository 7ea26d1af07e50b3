/**
 * The exporter's start-up check: can this process do what every scrape does (create a map, walk
 * the host's map ids, open a map by id)? Probed once, so a process without the capabilities stops
 * with one line instead of answering 500 to every scrape.
 */
import { BpfMap } from '../map/map.js';
import { mapIds } from '../map/info.js';
import { MapType } from '../types.js';

/** What to grant when the probe fails. */
const NEEDS = 'the exporter needs root, or CAP_BPF and CAP_SYS_ADMIN (see docs/troubleshooting.md)';

/** Throws an error with one clear line when the process cannot scan the host's maps. */
export function probeScanPrivileges(): void {
  let probe: BpfMap;
  try {
    probe = BpfMap.create({ name: 'tsbpf_exp_probe', type: MapType.Array, keySize: 4, valueSize: 4, maxEntries: 1 });
  } catch (e) {
    throw new Error(`export: cannot create a BPF map: ${(e as Error).message}; ${NEEDS}`, { cause: e });
  }
  try {
    const id = probe.info().id;
    let listed = false;
    try {
      for (const x of mapIds()) {
        if (x === id) {
          listed = true;
          break;
        }
      }
    } catch (e) {
      throw new Error(`export: cannot list the host's maps: ${(e as Error).message}; ${NEEDS}`, { cause: e });
    }
    if (!listed) throw new Error(`export: the host's map ids do not include map ${id} just created; ${NEEDS}`);
    try {
      BpfMap.fromId(id).close();
    } catch (e) {
      throw new Error(`export: cannot open maps by id: ${(e as Error).message}; ${NEEDS}`, { cause: e });
    }
  } finally {
    probe.close();
  }
}
