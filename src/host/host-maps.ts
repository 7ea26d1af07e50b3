/**
 * HostMaps: every BPF map on the host, with its element count and fill level.
 *
 * A scanner walks map ids (BPF_MAP_GET_NEXT_ID), opens each map (BPF_MAP_GET_FD_BY_ID), reads its
 * info and counts it with the fastest exact method. It keeps maps open between scans, so repeated
 * scans (watch mode, an exporter) pay for the counting programs once; `close()` releases them.
 * Maps it may not open or count are reported with the reason, not dropped.
 */
import { BpfMap } from '../map/map.js';
import { mapIds } from '../map/info.js';
import { MapType, mapTypeShortName } from '../types.js';
import { RingBufReader } from '../ringbuf/index.js';
import type { CountMethod } from '../count/count.js';

/** One map as a scan saw it. */
export interface MapSummary {
  /** Kernel-wide id. */
  id: number;
  /** The name the kernel keeps. */
  name: string;
  /** Map type number. */
  type: number;
  /** Short type name (`hash`, `percpu_array`, ...). */
  typeName: string;
  /** Key size in bytes. */
  keySize: number;
  /** Value size in bytes. */
  valueSize: number;
  /** Maximum number of entries. */
  maxEntries: number;
  /** `map_flags`. */
  flags: number;
  /** Element count, or null when it could not be counted (see `error`). */
  entries: number | null;
  /** entries / maxEntries, or null. */
  fillRatio: number | null;
  /** The counting method used, or null. */
  method: Exclude<CountMethod, 'auto'> | null;
  /** Time the count took in ns, or null. */
  countNs: number | null;
  /** Kernel memory charged to the map in bytes. */
  memlock: number;
  /** For ring buffers: what `bpf_ringbuf_query()` reports (bytes pending, ring size, positions). */
  ringbuf?: { availData: number; ringSize: number; consumerPos: number; producerPos: number };
  /** Why the map could not be opened or counted, when it could not. */
  error?: string;
}

/** Scans the host's maps; keep one to scan repeatedly. */
export class HostMaps implements Disposable {
  #open = new Map<number, BpfMap>();

  /**
   * Lists every map on the host with its count. `method` forces a counting method where it
   * applies (maps it cannot count report the error).
   */
  scan(opts: { method?: CountMethod } = {}): MapSummary[] {
    const out: MapSummary[] = [];
    const seen = new Set<number>();
    for (const id of mapIds()) {
      seen.add(id);
      let m = this.#open.get(id);
      if (!m) {
        try {
          m = BpfMap.fromId(id);
          this.#open.set(id, m);
        } catch (e) {
          out.push(unopened(id, (e as Error).message));
          continue;
        }
      }
      out.push(summarize(m, opts.method));
    }
    for (const [id, m] of this.#open) {
      if (!seen.has(id)) {
        m.close();
        this.#open.delete(id);
      }
    }
    return out;
  }

  /** Closes every map (and counting program) the scanner holds. */
  close(): void {
    for (const m of this.#open.values()) m.close();
    this.#open.clear();
  }

  /** Same as {@link HostMaps.close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** Summarises one open map, counting it. */
export function summarize(m: BpfMap, method?: CountMethod): MapSummary {
  const info = m.info();
  const base: MapSummary = {
    id: info.id,
    name: info.name,
    type: info.type,
    typeName: mapTypeShortName(info.type),
    keySize: info.keySize,
    valueSize: info.valueSize,
    maxEntries: info.maxEntries,
    flags: info.flags,
    entries: null,
    fillRatio: null,
    method: null,
    countNs: null,
    memlock: info.memlock,
  };
  if (info.type === MapType.RingBuf) {
    // A ring buffer holds bytes, not elements: report what bpf_ringbuf_query() would.
    try {
      using reader = new RingBufReader(m, { ref: false });
      const q = reader.query();
      base.ringbuf = { availData: Number(q.availData), ringSize: Number(q.ringSize), consumerPos: Number(q.consumerPos), producerPos: Number(q.producerPos) };
      base.fillRatio = base.ringbuf.ringSize > 0 ? base.ringbuf.availData / base.ringbuf.ringSize : null;
    } catch (e) {
      base.error = (e as Error).message;
    }
    return base;
  }
  try {
    const r = m.countDetailed({ method });
    base.entries = r.count;
    base.fillRatio = info.maxEntries > 0 ? r.count / info.maxEntries : null;
    base.method = r.method;
    base.countNs = r.durationNs;
  } catch (e) {
    base.error = (e as Error).message;
  }
  return base;
}

function unopened(id: number, why: string): MapSummary {
  return { id, name: '', type: 0, typeName: '?', keySize: 0, valueSize: 0, maxEntries: 0, flags: 0, entries: null, fillRatio: null, method: null, countNs: null, memlock: 0, error: why };
}

/**
 * The old spelling of {@link summarize}.
 * @deprecated Use {@link summarize}; this alias goes in the next release.
 */
export const summarise = summarize;
