/**
 * `tsbpf maps`: every BPF map on the host with its element count, as a table, JSON, or a live view.
 */
import { HostMaps, type MapSummary, type ScanOptions } from '../host/host-maps.js';
import type { CountMethod } from '../count/count.js';
import { formatTable } from './table.js';
import { GrowthWindow } from '../host/rates.js';
import { formatDuration } from './duration.js';
import { sleep } from './sleep.js';

/** Options of the maps command. */
export interface MapsOptions {
  json?: boolean;
  sort?: string;
  method?: CountMethod;
  /** Only the maps this keeps (see {@link ScanOptions.where}); default every map. */
  where?: ScanOptions['where'];
  /** With --watch: how far back the fill rate looks, in seconds. Default 60. */
  windowSeconds?: number;
}

/** A map in `tsbpf maps --watch --json`: its summary plus its fill rate over the watch window. */
export interface WatchedMap extends MapSummary {
  /** Entries per second over the window (from the oldest to the newest refresh in it), null at the first refresh. */
  growthPerSecond: number | null;
  /** Seconds until full at that rate: 0 when full, null when not growing or not yet known. */
  secondsToFull: number | null;
}

const SORT_KEYS: Record<string, (m: MapSummary) => number | string> = {
  id: (m) => m.id,
  name: (m) => m.name,
  type: (m) => m.typeName,
  entries: (m) => -(m.entries ?? -1),
  fill: (m) => -(m.fillRatio ?? -1),
  max: (m) => -m.maxEntries,
  memlock: (m) => -m.memlock,
};

/** Sorts summaries by a column name (`id`, `name`, `type`, `entries`, `fill`, `max`, `memlock`); numbers largest first. */
export function sortSummaries<T extends MapSummary>(rows: T[], by = 'id'): T[] {
  const key = SORT_KEYS[by];
  if (!key) throw new Error(`maps: unknown sort key ${JSON.stringify(by)} (${Object.keys(SORT_KEYS).join(', ')})`);
  return [...rows].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : a.id - b.id;
  });
}

function human(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(1)}G`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)}M`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(0)}K`;
  return `${bytes}`;
}

/**
 * Formats summaries as the maps table; `rates` (entries per second by id) adds a RATE/s column,
 * and `toFull` (seconds until full by id) a TO FULL column.
 */
export function formatMaps(rows: MapSummary[], rates?: Map<number, number>, toFull?: Map<number, number | null>): string {
  const header = ['ID', 'NAME', 'TYPE', 'KEY/VAL', 'MAX', 'ENTRIES', 'FILL', 'METHOD', 'TIME', 'MEMLOCK'];
  if (rates) header.push('RATE/s');
  if (toFull) header.push('TO FULL');
  const body = rows.map((m) => {
    const r = [
      String(m.id),
      m.name,
      m.typeName,
      `${m.keySize}/${m.valueSize}`,
      String(m.maxEntries),
      m.entries === null ? (m.ringbuf ? `${m.ringbuf.availData} B` : '-') : String(m.entries),
      m.fillRatio === null ? '-' : `${(m.fillRatio * 100).toFixed(1)}%`,
      m.method ?? (m.ringbuf ? 'ringbuf query' : m.error ? `(${m.error})` : '-'),
      m.countNs === null ? '-' : m.countNs < 1e6 ? `${(m.countNs / 1e3).toFixed(0)}us` : `${(m.countNs / 1e6).toFixed(1)}ms`,
      human(m.memlock),
    ];
    if (rates) r.push(formatRate(rates.get(m.id) ?? 0));
    if (toFull) r.push(formatDuration(toFull.get(m.id) ?? null));
    return r;
  });
  return formatTable(header, body);
}

/** Runs `tsbpf maps` once and returns its output. */
export function runMaps(opts: MapsOptions): string {
  using host = new HostMaps();
  const rows = sortSummaries(host.scan({ method: opts.method, where: opts.where }), opts.sort ?? 'id');
  if (opts.json) return JSON.stringify(rows, null, 2);
  return rows.length ? formatMaps(rows) : 'no BPF maps on this host';
}

/** Where the live view draws its frames: `process.stdout` by default. */
export interface FrameSink {
  write(frame: string): unknown;
}

/** Entries per second for the RATE/s column: whole numbers, or two significant digits below 10. */
function formatRate(r: number): string {
  if (r === 0) return '0';
  return Math.abs(r) >= 10 ? r.toFixed(0) : r.toPrecision(2);
}

/**
 * Runs the live view until `signal` aborts: refreshed every `seconds`, the maps filling fastest
 * on top, with each map's fill rate over the last `windowSeconds` of the watch (RATE/s) and the
 * time until it is full at that rate (TO FULL). With `json`, each refresh writes one line of JSON
 * instead: `{ at, windowSeconds, maps: WatchedMap[] }`. Each refresh is one host scan; between
 * refreshes it holds no map (only the scan program), and waiting adds no listener that outlives
 * the wait.
 */
export async function watchMaps(seconds: number, opts: MapsOptions, signal?: AbortSignal, out: FrameSink = process.stdout): Promise<void> {
  if (!(typeof seconds === 'number' && seconds > 0 && Number.isFinite(seconds))) throw new RangeError(`maps --watch: seconds must be a positive number, got ${String(seconds)}`);
  const windowSeconds = opts.windowSeconds ?? 60;
  if (!(typeof windowSeconds === 'number' && windowSeconds > 0 && Number.isFinite(windowSeconds))) {
    throw new RangeError(`maps --watch: window must be a positive number of seconds, got ${String(windowSeconds)}`);
  }
  const window = new GrowthWindow({ windowMs: windowSeconds * 1000 });
  using host = new HostMaps();
  while (!signal?.aborted) {
    const now = Date.now();
    const rows = host.scan({ method: opts.method, where: opts.where });
    window.record(now, rows);
    const rates = new Map<number, number>();
    const toFull = new Map<number, number | null>();
    const watched: WatchedMap[] = rows.map((r) => {
      const g = window.growth(r.id, r.entries, r.maxEntries);
      if (g.growthPerSecond !== null) rates.set(r.id, g.growthPerSecond);
      toFull.set(r.id, g.secondsToFull);
      return { ...r, ...g };
    });
    if (opts.json) {
      out.write(`${JSON.stringify({ at: new Date(now).toISOString(), windowSeconds, maps: sortSummaries(watched, opts.sort ?? 'id') })}\n`);
    } else {
      rows.sort((a, b) => (rates.get(b.id) ?? 0) - (rates.get(a.id) ?? 0) || (b.fillRatio ?? -1) - (a.fillRatio ?? -1) || a.id - b.id);
      out.write(`\x1b[H\x1b[2J${new Date(now).toISOString()}  ${rows.length} maps, refresh ${seconds}s, rates over ${windowSeconds}s (Ctrl-C to quit)\n\n${formatMaps(rows, rates, toFull)}\n`);
    }
    await sleep(seconds * 1000, signal);
  }
}
