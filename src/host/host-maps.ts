/**
 * HostMaps: every BPF map on the host, with its element count and fill level.
 *
 * A scan reads the kernel's map iterator once (an `iter/bpf_map` program built with src/asm, see
 * map-iter-program.ts): one record per map with its id, type, sizes, flags, name and, for maps
 * that keep the kernel's element counter (the hash family, Linux 6.6+), that counter summed by
 * `bpf_map_sum_elem_count`. Array-family maps hold `max_entries` elements. Only the maps that need
 * it are opened by id, each closed again before the scan returns: types without a counter (LPM
 * trie, ...) to walk their keys, ring buffers to query them, and every map for a moment to read
 * its `memlock` from fdinfo (`memlock: false` skips that). The scanner keeps the iterator
 * program and link between scans, and never a map: a map whose owner exits is freed by the
 * kernel and is gone from the next scan.
 *
 * Where the iterator cannot be loaded (no BTF, Linux before 6.6, ...) each scan falls back to
 * opening every map by id, counting it and closing it.
 */
import { BpfMap } from '../map/map.js';
import { closeSync, openSync, readSync } from 'node:fs';
import { mapIds } from '../map/info.js';
import { MapType, isArrayType, mapTypeShortName } from '../types.js';
import { RingBufReader } from '../ringbuf/index.js';
import { countMap, methodsFor, type CountMethod } from '../count/count.js';
import { Cmd } from '../sys/enums.gen.js';
import { GetIdAttr } from '../sys/attrs.js';
import { native } from '../sys/native.js';
import { Errno, errnoOf } from '../sys/errno.js';
import { NotSupportedError } from '../sys/errors.js';
import { MapIterator, type MapIteratorOptions } from './map-iterator.js';
import type { MapRecord } from './map-iter-program.js';

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
  /** Time the count took in ns, or null. For the kernel counter read by the scan iterator: the kfunc's time in the kernel. */
  countNs: number | null;
  /** Kernel memory charged to the map in bytes, 0 when not read (`memlock: false`) or unreadable. */
  memlock: number;
  /** For ring buffers: what `bpf_ringbuf_query()` reports (bytes pending, ring size, positions). */
  ringbuf?: { availData: number; ringSize: number; consumerPos: number; producerPos: number };
  /** Why the map could not be opened or counted, when it could not. */
  error?: string;
}

/** How a {@link HostMaps} lists and counts maps. */
export type ScanSource = 'iterator' | 'open';

/** Options of the {@link HostMaps} constructor. */
export interface HostMapsOptions extends MapIteratorOptions {
  /**
   * `auto` (default): the `iter/bpf_map` scan program when the kernel takes it, else opening each
   * map by id. `iterator`: the program or an error. `open`: always open each map by id, count it
   * and close it (the fallback; it loads a counting program per hash map on each scan).
   */
  source?: 'auto' | ScanSource;
}

/** Options of {@link HostMaps.scan}. */
export interface ScanOptions {
  /** Force a counting method where it applies (maps it cannot count report the error). Default `auto`. */
  method?: CountMethod;
  /** Read each map's `memlock` (opens each map by id for a moment). Default true. */
  memlock?: boolean;
  /**
   * Keep only the maps this returns true for, decided before any map is opened (from the
   * iterator's record; in the fallback, after opening). Default: every map.
   */
  where?: (map: { id: number; name: string; type: number }) => boolean;
  /**
   * Only the maps with these ids (ids with no map are left out). Each is opened by id and
   * counted as a scan would, without loading the scan program or looking at any other map: what
   * counting one known map needs. Default: every map.
   */
  ids?: readonly number[];
}

const METHODS = new Set(['auto', 'kernel', 'foreach', 'batch', 'iterate', 'max-entries']);
/** Map types without keys to walk (as countMap says). */
const UNCOUNTABLE = new Set<number>([MapType.Queue, MapType.Stack, MapType.BloomFilter, MapType.UserRingBuf]);

/**
 * Scans the host's maps; keep one to scan repeatedly. It holds the scan program and its iterator
 * link (no map) between scans; `close()` releases them.
 */
export class HostMaps implements Disposable {
  #want: 'auto' | ScanSource;
  #iterOpts: MapIteratorOptions;
  #iter?: MapIterator;
  #source?: ScanSource;
  #fallbackReason?: string;
  #closed = false;

  constructor(opts: HostMapsOptions = {}) {
    const src = opts.source ?? 'auto';
    if (src !== 'auto' && src !== 'iterator' && src !== 'open') throw new TypeError(`host maps: source must be auto, iterator or open, got ${JSON.stringify(src)}`);
    this.#want = src;
    this.#iterOpts = { kernelBtf: opts.kernelBtf };
  }

  /** How scans list and count maps; undefined before the first scan. */
  get source(): ScanSource | undefined {
    return this.#source;
  }

  /** Why `auto` fell back to opening each map (the iterator's load error), if it did. */
  get fallbackReason(): string | undefined {
    return this.#fallbackReason;
  }

  /**
   * Lists every map on the host with its count. Every map opened during the scan is closed
   * before it returns.
   * @throws {NotSupportedError} with `source: 'iterator'` when the kernel refuses the scan program.
   * @throws {TypeError} for an unknown `method`.
   */
  scan(opts: ScanOptions = {}): MapSummary[] {
    if (this.#closed) throw new Error('host maps: scan: closed');
    const method = opts.method ?? 'auto';
    if (!METHODS.has(method)) throw new TypeError(`host maps: scan: unknown method ${JSON.stringify(method)} (${[...METHODS].join(', ')})`);
    const where = opts.where;
    if (where !== undefined && typeof where !== 'function') throw new TypeError('host maps: scan: where must be a function');
    const memlock = opts.memlock ?? true;
    const ids = opts.ids;
    if (ids !== undefined) {
      if (!Array.isArray(ids) || !ids.every((id) => Number.isSafeInteger(id) && id >= 0)) {
        throw new TypeError('host maps: scan: ids must be an array of map ids (integers >= 0)');
      }
      if (this.#want !== 'open') return this.#scanIds(ids, method, memlock, where);
      return scanByOpening(method, memlock, where, ids.filter((id) => id <= 0xffffffff));
    }
    const iter = this.#iterator();
    if (!iter) return scanByOpening(method, memlock, where);
    const out: MapSummary[] = [];
    for (const rec of iter.read()) {
      if (where && !where(rec)) continue;
      const s = summarizeRecord(rec, method, memlock);
      if (s) out.push(s);
    }
    return out;
  }

  /**
   * The maps `ids` as a scan would report them, opening only those. The scan program's record
   * is made from the map's info, with the kernel's element counter read by the counting program
   * (`countMap` method `kernel`) where the scan program would read it. A hash of maps (which
   * keeps that counter but which `countMap` does not count that way) is left to the scan program.
   */
  #scanIds(ids: readonly number[], method: CountMethod, memlock: boolean, where: ScanOptions['where']): MapSummary[] {
    const out: MapSummary[] = [];
    for (const id of ids) {
      if (id > 0xffffffff) continue; // map ids are u32: no such map
      let m: BpfMap;
      try {
        m = BpfMap.fromId(id);
      } catch (e) {
        if (errnoOf(e) === Errno.ENOENT) continue;
        if (where && !where({ id, name: '', type: 0 })) continue;
        out.push(unopened(id, (e as Error).message));
        continue;
      }
      try {
        if (where && !where({ id, name: m.name, type: m.type })) continue;
        if (m.type === MapType.HashOfMaps) {
          out.push(...this.scan({ method, memlock, where: (x) => x.id === id && (!where || where(x)) }));
          continue;
        }
        const info = m.info();
        const rec: MapRecord = { id, name: info.name, type: info.type, keySize: info.keySize, valueSize: info.valueSize, maxEntries: info.maxEntries, flags: info.flags, count: null, countNs: null };
        if ((method === 'auto' || method === 'kernel') && methodsFor(info.type).includes('kernel')) {
          try {
            const r = countMap(m, { method: 'kernel' });
            rec.count = r.count;
            rec.countNs = r.durationNs;
          } catch {
            // No kernel counter to read: the scan program could not load either, and a scan
            // falls back to opening every map.
            const s = summarize(m, method);
            if (!memlock) s.memlock = 0;
            out.push(s);
            continue;
          }
        }
        const s = summarizeRecord(rec, method, memlock, m);
        if (s) out.push(s);
      } finally {
        m.close();
      }
    }
    return out;
  }

  #iterator(): MapIterator | undefined {
    if (this.#source === 'open') return undefined;
    if (this.#iter) return this.#iter;
    if (this.#want === 'open') {
      this.#source = 'open';
      return undefined;
    }
    try {
      this.#iter = MapIterator.load(this.#iterOpts);
      this.#source = 'iterator';
      return this.#iter;
    } catch (e) {
      if (this.#want === 'iterator') throw e;
      this.#source = 'open';
      this.#fallbackReason = (e as Error).message;
      return undefined;
    }
  }

  /** Unloads the scan program. Later scans are refused; later calls do nothing. */
  close(): void {
    this.#closed = true;
    this.#iter?.close();
    this.#iter = undefined;
  }

  /** Same as {@link HostMaps.close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** The fallback scan: open each map by id, summarize it, close it. */
function scanByOpening(method: CountMethod, memlock: boolean, where: ScanOptions['where'], ids: Iterable<number> = mapIds()): MapSummary[] {
  const out: MapSummary[] = [];
  for (const id of ids) {
    let m: BpfMap;
    try {
      m = BpfMap.fromId(id);
    } catch (e) {
      if (errnoOf(e) === Errno.ENOENT) continue; // freed since the id walk saw it
      if (where && !where({ id, name: '', type: 0 })) continue;
      out.push(unopened(id, (e as Error).message));
      continue;
    }
    try {
      if (where && !where({ id, name: m.name, type: m.type })) continue;
      const s = summarize(m, method);
      if (!memlock) s.memlock = 0;
      out.push(s);
    } finally {
      m.close();
    }
  }
  return out;
}

/** Opens a map by id for the rest of a summary; undefined when it has been freed since the iterator saw it. */
function openById(rec: MapRecord): BpfMap | undefined {
  try {
    return BpfMap.fromId(rec.id);
  } catch (e) {
    if (errnoOf(e) === Errno.ENOENT) return undefined;
    throw e;
  }
}

const fdinfoBuf = Buffer.alloc(1024);
const MEMLOCK = Buffer.from('\nmemlock:');

/**
 * `memlock` of an open map fd from /proc/self/fdinfo, read into one reused buffer (this runs for
 * every map of every scan); 0 when unreadable.
 */
function readMemlock(fd: number): number {
  let f: number;
  try {
    f = openSync(`/proc/self/fdinfo/${fd}`, 'r');
  } catch {
    return 0;
  }
  try {
    const n = readSync(f, fdinfoBuf, 0, fdinfoBuf.length, 0);
    const at = fdinfoBuf.subarray(0, n).indexOf(MEMLOCK);
    if (at < 0) return 0;
    let v = 0;
    for (let i = at + MEMLOCK.length; i < n; i++) {
      const c = fdinfoBuf[i];
      if (c === 0x20 || c === 0x09) continue;
      if (c < 0x30 || c > 0x39) break;
      v = v * 10 + (c - 0x30);
    }
    return v;
  } catch {
    return 0;
  } finally {
    closeSync(f);
  }
}

/** Reads `memlock` of map `id` through a short-lived fd; null when the map is gone, 0 when unreadable. */
function memlockById(id: number): number | null {
  const a = native();
  const fd = a.bpfRet(Cmd.BPF_MAP_GET_FD_BY_ID, GetIdAttr.encode({ id }).bytes);
  if (fd === -Errno.ENOENT) return null;
  if (fd < 0) return 0;
  try {
    return readMemlock(fd);
  } finally {
    a.close(fd);
  }
}

function notSupported(rec: MapRecord, why: string): string {
  return new NotSupportedError('bpf', 'count', Errno.EOPNOTSUPP, `map ${rec.name}: count`, why).message;
}

/**
 * One summary from an iterator record: counted from the record where it can be, else by opening
 * the map (or using `open`, the map already open), which is closed before returning. Undefined
 * when the map was freed meanwhile.
 */
function summarizeRecord(rec: MapRecord, method: CountMethod, memlock: boolean, open?: BpfMap): MapSummary | undefined {
  const s: MapSummary = {
    id: rec.id,
    name: rec.name,
    type: rec.type,
    typeName: mapTypeShortName(rec.type),
    keySize: rec.keySize,
    valueSize: rec.valueSize,
    maxEntries: rec.maxEntries,
    flags: rec.flags,
    entries: null,
    fillRatio: null,
    method: null,
    countNs: null,
    memlock: 0,
  };
  const set = (count: number, how: Exclude<CountMethod, 'auto'>, ns: number): void => {
    s.entries = count;
    s.fillRatio = rec.maxEntries > 0 ? count / rec.maxEntries : null;
    s.method = how;
    s.countNs = ns;
  };
  const typeName = s.typeName;
  const array = isArrayType(rec.type);
  // What the record alone answers: no map is opened for these.
  let walk = false;
  if (rec.type === MapType.RingBuf) walk = true;
  else if (UNCOUNTABLE.has(rec.type)) s.error = notSupported(rec, `a ${typeName} map has no keys to count`);
  else if (method === 'max-entries' || (method === 'auto' && array)) {
    if (array) set(rec.maxEntries, 'max-entries', 0);
    else s.error = notSupported(rec, `max-entries counts array maps only, not ${typeName}`);
  } else if (method === 'kernel' || (method === 'auto' && rec.count !== null)) {
    if (rec.count !== null) set(rec.count, 'kernel', rec.countNs ?? 0);
    else s.error = notSupported(rec, `the kernel keeps no element counter for ${typeName} maps`);
  } else walk = true;
  if (!walk) {
    if (memlock && open) s.memlock = readMemlock(open.fd);
    else if (memlock) {
      const ml = memlockById(rec.id);
      if (ml === null) return undefined;
      s.memlock = ml;
    }
    return s;
  }
  // Walk, query or count on demand: open by id, close before returning.
  let m: BpfMap | undefined = open;
  try {
    m ??= openById(rec);
  } catch (e) {
    s.error = (e as Error).message;
    return s;
  }
  if (!m) return undefined;
  try {
    if (memlock) s.memlock = readMemlock(m.fd);
    if (rec.type === MapType.RingBuf) {
      const q = ringbufSummary(m);
      if ('error' in q) s.error = q.error;
      else {
        s.ringbuf = q;
        s.fillRatio = q.ringSize > 0 ? q.availData / q.ringSize : null;
      }
      return s;
    }
    // `auto` walks keys (no counting program per map): iterate for LPM tries, a batch lookup
    // elsewhere, iterate where the type has no batch lookup.
    const walk = method === 'auto' ? (rec.type === MapType.LpmTrie ? 'iterate' : 'batch') : method;
    try {
      const r = countMap(m, { method: walk });
      set(r.count, r.method, r.durationNs);
    } catch (e) {
      if (method !== 'auto' || walk !== 'batch') throw e;
      const r = countMap(m, { method: 'iterate' });
      set(r.count, r.method, r.durationNs);
    }
  } catch (e) {
    s.error = (e as Error).message;
  } finally {
    if (m !== open) m.close();
  }
  return s;
}

function ringbufSummary(m: BpfMap): NonNullable<MapSummary['ringbuf']> | { error: string } {
  try {
    using reader = new RingBufReader(m, { ref: false });
    const q = reader.query();
    return { availData: Number(q.availData), ringSize: Number(q.ringSize), consumerPos: Number(q.consumerPos), producerPos: Number(q.producerPos) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Summarizes one open map, counting it (by `method`, default the fastest exact one for its type). */
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
    const q = ringbufSummary(m);
    if ('error' in q) base.error = q.error;
    else {
      base.ringbuf = q;
      base.fillRatio = q.ringSize > 0 ? q.availData / q.ringSize : null;
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
