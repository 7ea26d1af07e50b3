/**
 * `tsbpf maps`: every BPF map on the host with its element count, as a table, JSON, or a live view.
 */
import { HostMaps, type MapSummary, type ScanOptions } from '../host/host-maps.js';
import type { CountMethod } from '../count/count.js';
import { formatTable } from './table.js';

/** Options of the maps command. */
export interface MapsOptions {
  json?: boolean;
  sort?: string;
  method?: CountMethod;
  /** Only the maps this keeps (see {@link ScanOptions.where}); default every map. */
  where?: ScanOptions['where'];
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
export function sortSummaries(rows: MapSummary[], by = 'id'): MapSummary[] {
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

/** Formats summaries as the maps table; `rates` (entries per second by id) adds a RATE column. */
export function formatMaps(rows: MapSummary[], rates?: Map<number, number>): string {
  const header = ['ID', 'NAME', 'TYPE', 'KEY/VAL', 'MAX', 'ENTRIES', 'FILL', 'METHOD', 'TIME', 'MEMLOCK'];
  if (rates) header.push('RATE/s');
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
    if (rates) r.push((rates.get(m.id) ?? 0).toFixed(0));
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

/**
 * Runs the live view until `signal` aborts: refreshed every `seconds`, the maps filling fastest
 * on top. Each refresh is one host scan; between refreshes it holds no map (only the scan
 * program), and waiting adds no listener that outlives the wait.
 */
export async function watchMaps(seconds: number, opts: MapsOptions, signal?: AbortSignal, out: FrameSink = process.stdout): Promise<void> {
  if (!(typeof seconds === 'number' && seconds > 0 && Number.isFinite(seconds))) throw new RangeError(`maps --watch: seconds must be a positive number, got ${String(seconds)}`);
  using host = new HostMaps();
  let last = new Map<number, { entries: number; at: number }>();
  while (!signal?.aborted) {
    const now = Date.now();
    const rows = host.scan({ method: opts.method, where: opts.where });
    const rates = new Map<number, number>();
    const next = new Map<number, { entries: number; at: number }>();
    for (const r of rows) {
      if (r.entries === null) continue;
      const prev = last.get(r.id);
      if (prev && now > prev.at) rates.set(r.id, ((r.entries - prev.entries) * 1000) / (now - prev.at));
      next.set(r.id, { entries: r.entries, at: now });
    }
    last = next;
    rows.sort((a, b) => (rates.get(b.id) ?? 0) - (rates.get(a.id) ?? 0) || (b.fillRatio ?? -1) - (a.fillRatio ?? -1) || a.id - b.id);
    out.write(`\x1b[H\x1b[2J${new Date().toISOString()}  ${rows.length} maps, refresh ${seconds}s (Ctrl-C to quit)\n\n${formatMaps(rows, rates)}\n`);
    await sleep(seconds * 1000, signal);
  }
}

/** Waits `ms`, or less when `signal` aborts; the abort listener is removed when the wait ends. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
