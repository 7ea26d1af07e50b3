/**
 * `tsbpf top`: a live view of the host's BPF programs and maps, in the spirit of Netflix's bpftop.
 *
 * Programs show runs per second, average ns per run and their share of the CPUs between two
 * refreshes, from the kernel's run statistics (`run_cnt`, `run_time_ns`), which `top` turns on
 * (BPF_ENABLE_STATS) only while it runs. Maps show entries, fill, growth per second over a window
 * of recent refreshes, and the time until full at that pace. Each refresh is one program scan and
 * one map scan, holding no program or map in between.
 *
 * On a terminal it redraws in the alternate screen with plain ANSI sequences and reads keys with
 * node:readline (no terminal UI library: one full-screen table redrawn once a second needs
 * nothing more, and the libraries that do more bring a renderer and dozens of dependencies).
 * Elsewhere (a pipe, a file, `--once`, `--json`) it prints snapshots.
 */
import { emitKeypressEvents } from 'node:readline';
import type { Readable } from 'node:stream';
import { availableParallelism } from 'node:os';
import { HostMaps } from '../host/host-maps.js';
import { scanPrograms, type ProgramSummary } from '../host/host-programs.js';
import { GrowthWindow, programRate } from '../host/rates.js';
import { RunStats, runStatsActive } from '../prog/run-stats.js';
import { formatTable } from './table.js';
import { formatDuration } from './duration.js';
import { sleep } from './sleep.js';
import { MAP_SORT_KEYS, PROGRAM_SORT_KEYS, type Sorter, type TopMap, type TopProgram } from './top-rows.js';

export { MAP_SORT_KEYS, PROGRAM_SORT_KEYS, type TopMap, type TopProgram };

/** One refresh of `tsbpf top`. */
export interface TopSnapshot {
  /** When it was taken (ISO 8601). */
  at: string;
  /** Seconds since the previous refresh (the span the rates cover). */
  elapsedSeconds: number;
  /** Whether the kernel counts program runs (a probe program's test run was counted, see runStatsActive). */
  statsEnabled: boolean;
  /** CPUs the CPU share divides by. */
  cpus: number;
  /** Programs, sorted and filtered. */
  programs: TopProgram[];
  /** Maps, sorted and filtered (empty with `maps: false`). */
  maps: TopMap[];
}

/** Options of {@link TopSampler} and {@link runTop}. */
export interface TopOptions {
  /** Seconds between refreshes. Default 1. */
  intervalSeconds?: number;
  /** Program sort key, see {@link PROGRAM_SORT_KEYS}. Default `cpu`. */
  sort?: string;
  /** Map sort key, see {@link MAP_SORT_KEYS}. Default `growth`. */
  mapSort?: string;
  /** Keep only programs and maps whose name or type contains this (case-insensitive). */
  filter?: string;
  /** Turn the kernel's run statistics on while running (BPF_ENABLE_STATS). Default true. */
  stats?: boolean;
  /** Show maps. Default true. */
  maps?: boolean;
  /** How far back map growth looks, in seconds. Default 60. */
  windowSeconds?: number;
  /** At most this many rows per table in snapshots (default all; on a terminal, what fits). */
  limit?: number;
}

/** One sample before filtering and sorting. */
interface Sample {
  at: string;
  elapsedSeconds: number;
  statsEnabled: boolean;
  programs: TopProgram[];
  maps: TopMap[];
}

function sorter<T extends { id: number }>(keys: Record<string, Sorter<T>>, key: string, what: string): Sorter<T> {
  const s = keys[key];
  if (!s) throw new Error(`top: unknown ${what} ${JSON.stringify(key)} (${Object.keys(keys).join(', ')})`);
  // Ties (and NaN from Infinity - Infinity) fall back to the id.
  return (a, b) => s(a, b) || a.id - b.id;
}

function positive(name: string, v: number | undefined, dflt: number): number {
  const n = v ?? dflt;
  if (!(typeof n === 'number' && n > 0 && Number.isFinite(n))) throw new RangeError(`top: ${name} must be a positive number, got ${String(v)}`);
  return n;
}

/**
 * Takes the snapshots of `tsbpf top`: keeps the previous program counters and a window of map
 * counts between refreshes (numbers only; no program or map stays open), and the run statistics
 * request, withdrawn by {@link TopSampler.close}.
 */
export class TopSampler implements Disposable {
  readonly #opts: TopOptions;
  #programSort: string;
  #mapSort: string;
  #filter: string;
  readonly #host: HostMaps | undefined;
  readonly #stats: RunStats | undefined;
  readonly #growth: GrowthWindow;
  readonly #cpus = availableParallelism();
  #prev = new Map<number, ProgramSummary>();
  #prevAt: bigint;
  #last?: Sample;
  #closed = false;

  /**
   * Checks the options, turns run statistics on (unless `stats: false`) and takes the baseline
   * the first snapshot's rates start from.
   * @throws {PermissionError} without CAP_SYS_ADMIN (nothing is left open).
   */
  constructor(opts: TopOptions = {}) {
    this.#opts = opts;
    this.#programSort = opts.sort ?? 'cpu';
    this.#mapSort = opts.mapSort ?? 'growth';
    sorter(PROGRAM_SORT_KEYS, this.#programSort, 'sort key');
    sorter(MAP_SORT_KEYS, this.#mapSort, 'map sort key');
    if (opts.filter !== undefined && typeof opts.filter !== 'string') throw new TypeError('top: filter must be a string');
    this.#filter = opts.filter ?? '';
    this.#growth = new GrowthWindow({ windowMs: positive('window', opts.windowSeconds, 60) * 1000 });
    if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit > 0)) throw new RangeError(`top: limit must be a positive integer, got ${String(opts.limit)}`);
    this.#stats = opts.stats === false ? undefined : RunStats.enable();
    try {
      this.#host = opts.maps === false ? undefined : new HostMaps();
      this.#prevAt = process.hrtime.bigint();
      for (const p of scanPrograms()) this.#prev.set(p.id, p);
      if (this.#host) this.#growth.record(Date.now(), this.#host.scan({ memlock: false }));
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** The program sort key in use. */
  get sort(): string {
    return this.#programSort;
  }

  set sort(key: string) {
    sorter(PROGRAM_SORT_KEYS, key, 'sort key');
    this.#programSort = key;
  }

  /** The map sort key in use. */
  get mapSort(): string {
    return this.#mapSort;
  }

  set mapSort(key: string) {
    sorter(MAP_SORT_KEYS, key, 'map sort key');
    this.#mapSort = key;
  }

  /** The filter in use ('' keeps everything). */
  get filter(): string {
    return this.#filter;
  }

  set filter(f: string) {
    this.#filter = f;
  }

  /** Whether snapshots include maps (`maps` option). */
  get mapsShown(): boolean {
    return this.#host !== undefined;
  }

  /**
   * Scans programs and maps and returns the rates since the previous sample (or the baseline),
   * filtered and sorted.
   */
  sample(): TopSnapshot {
    if (this.#closed) throw new Error('top: sample: closed');
    const progs = scanPrograms();
    const now = process.hrtime.bigint();
    const elapsedNs = Math.max(1, Number(now - this.#prevAt));
    const next = new Map<number, ProgramSummary>();
    const programs: TopProgram[] = [];
    for (const p of progs) {
      next.set(p.id, p);
      if (p.error) continue;
      const r = programRate(this.#prev.get(p.id), p, elapsedNs, this.#cpus);
      programs.push({ id: p.id, name: p.name, type: p.typeName, ...r, runCount: Number(p.runCount), runTimeNs: Number(p.runTimeNs) });
    }
    this.#prev = next;
    this.#prevAt = now;
    const maps: TopMap[] = [];
    if (this.#host) {
      const rows = this.#host.scan({ memlock: false });
      this.#growth.record(Date.now(), rows);
      for (const m of rows) {
        if (m.typeName === '?') continue;
        maps.push({ id: m.id, name: m.name, type: m.typeName, entries: m.entries, maxEntries: m.maxEntries, fillRatio: m.fillRatio, ...this.#growth.growth(m.id, m.entries, m.maxEntries) });
      }
    }
    const last = { at: new Date().toISOString(), elapsedSeconds: elapsedNs / 1e9, statsEnabled: runStatsActive(), programs, maps };
    this.#last = last;
    return this.#view(last);
  }

  /**
   * The last sample again with the sort keys and filter in use now (no new scan); undefined
   * before the first sample.
   */
  view(): TopSnapshot | undefined {
    return this.#last && this.#view(this.#last);
  }

  #view(l: Sample): TopSnapshot {
    const keep = this.#matcher();
    return {
      at: l.at,
      elapsedSeconds: l.elapsedSeconds,
      statsEnabled: l.statsEnabled,
      cpus: this.#cpus,
      programs: l.programs.filter(keep).sort(sorter(PROGRAM_SORT_KEYS, this.#programSort, 'sort key')),
      maps: l.maps.filter(keep).sort(sorter(MAP_SORT_KEYS, this.#mapSort, 'map sort key')),
    };
  }

  #matcher(): (x: { name: string; type: string }) => boolean {
    const f = this.#filter.toLowerCase();
    return f === '' ? () => true : (x) => x.name.toLowerCase().includes(f) || x.type.toLowerCase().includes(f);
  }

  /** Withdraws the run statistics request and unloads the map scan program. Later calls do nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stats?.close();
    this.#host?.close();
  }

  /** Same as {@link TopSampler.close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}

const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`);
const num = (x: number): string => (x >= 100 || x === 0 ? x.toFixed(0) : x.toPrecision(3));
const signed = (x: number | null): string => (x === null ? '-' : x > 0 ? `+${num(x)}` : x < 0 ? `-${num(-x)}` : '0');

/** The programs table of a snapshot (at most `limit` rows). */
export function formatPrograms(s: TopSnapshot, limit = Infinity): string {
  const rows = s.programs.slice(0, limit).map((p) => [String(p.id), p.name, p.type, num(p.runsPerSecond), p.avgNs === null ? '-' : num(p.avgNs), pct(p.cpuShare), String(p.runs), String(p.runCount)]);
  return formatTable(['ID', 'NAME', 'TYPE', 'RUNS/s', 'AVG ns', 'CPU', 'RUNS', 'TOTAL RUNS'], rows);
}

/** The maps table of a snapshot (at most `limit` rows). */
export function formatTopMaps(s: TopSnapshot, limit = Infinity): string {
  const rows = s.maps.slice(0, limit).map((m) => [String(m.id), m.name, m.type, m.entries === null ? '-' : String(m.entries), String(m.maxEntries), pct(m.fillRatio), signed(m.growthPerSecond), formatDuration(m.secondsToFull)]);
  return formatTable(['ID', 'NAME', 'TYPE', 'ENTRIES', 'MAX', 'FILL', 'GROWTH/s', 'TO FULL'], rows);
}

function headline(s: TopSnapshot, sampler: TopSampler): string {
  const stats = s.statsEnabled ? 'run statistics on' : 'run statistics OFF (runs not counted)';
  const filter = sampler.filter ? `, filter "${sampler.filter}"` : '';
  return `${s.at}  ${s.programs.length} programs, ${s.maps.length} maps, over ${s.elapsedSeconds.toFixed(2)}s on ${s.cpus} CPUs, ${stats}; sort ${sampler.sort}/${sampler.mapSort}${filter}`;
}

/** A snapshot as plain text: a headline, the programs table and the maps table. */
export function formatSnapshot(s: TopSnapshot, sampler: TopSampler, limit = Infinity): string {
  const parts = [headline(s, sampler), '', 'PROGRAMS', s.programs.length ? formatPrograms(s, limit) : '(none)'];
  if (sampler.mapsShown) parts.push('', 'MAPS', s.maps.length ? formatTopMaps(s, limit) : '(none)');
  return parts.join('\n');
}

/** Where `top` writes: `process.stdout` by default. */
export interface TopOutput {
  write(chunk: string): unknown;
  /** Whether it is a terminal (then `top` redraws the screen). */
  isTTY?: boolean;
  /** Terminal rows, when a terminal. */
  rows?: number;
  /** Terminal columns, when a terminal. */
  columns?: number;
}

/** The input `top` reads keys from on a terminal: `process.stdin` by default. */
export type TopInput = Readable & {
  /** Whether it is a terminal. */
  isTTY?: boolean;
  /** Raw mode (keys without Enter), on terminals. */
  setRawMode?(mode: boolean): unknown;
};

/** How {@link runTop} runs. */
export interface RunTopOptions extends TopOptions {
  /** One snapshot (after one interval) and exit. */
  once?: boolean;
  /** Print snapshots as JSON, one object per line. */
  json?: boolean;
  /** Stop after this many snapshots (default: until `signal`). */
  count?: number;
}

/**
 * Runs `tsbpf top` until `signal` aborts (or after `once`/`count` snapshots). On a terminal
 * (`out.isTTY`, and neither `once` nor `json`) it draws in the alternate screen and takes keys
 * from `input`: `q` or Ctrl-C quits, `s`/`m` cycle the program/map sort key, `/` edits the filter
 * (typed anew; Enter keeps it, Esc clears it). Otherwise each snapshot is written as text or a JSON line.
 * Run statistics are on from the start until it returns, whatever way it ends.
 */
export async function runTop(opts: RunTopOptions, signal?: AbortSignal, out: TopOutput = process.stdout, input: TopInput = process.stdin): Promise<void> {
  const interval = positive('interval', opts.intervalSeconds, 1);
  if (opts.count !== undefined && !(Number.isInteger(opts.count) && opts.count > 0)) throw new RangeError(`top: count must be a positive integer, got ${String(opts.count)}`);
  using sampler = new TopSampler(opts);
  if (out.isTTY && !opts.once && !opts.json) return await interactive(sampler, interval, signal, out, input);
  const count = opts.once ? 1 : (opts.count ?? Infinity);
  for (let n = 0; n < count && !signal?.aborted; n++) {
    await sleep(interval * 1000, signal);
    if (signal?.aborted) break;
    const s = sampler.sample();
    out.write(opts.json ? `${JSON.stringify(s)}\n` : `${formatSnapshot(s, sampler, opts.limit)}\n\n`);
  }
}

const ALT_SCREEN_ON = '\x1b[?1049h\x1b[?25l';
const ALT_SCREEN_OFF = '\x1b[?25h\x1b[?1049l';

async function interactive(sampler: TopSampler, interval: number, signal: AbortSignal | undefined, out: TopOutput, input: TopInput): Promise<void> {
  const programKeys = Object.keys(PROGRAM_SORT_KEYS);
  const mapKeys = Object.keys(MAP_SORT_KEYS);
  let editing: string | null = null;
  let last: TopSnapshot | undefined;
  const quit = new AbortController();
  const stop = (): void => quit.abort();
  signal?.addEventListener('abort', stop, { once: true });
  const draw = (): void => {
    last = sampler.view();
    if (!last) return;
    const rows = Math.max(10, out.rows || 24);
    const cols = Math.max(40, out.columns || 80);
    const room = rows - 9;
    const progRows = sampler.mapsShown ? Math.max(1, Math.ceil(room / 2)) : room;
    const mapRows = Math.max(1, room - progRows);
    const progs = formatPrograms(last, progRows).split('\n');
    const maps = formatTopMaps(last, mapRows).split('\n');
    const body = [headline(last, sampler), keysLine(editing), 'PROGRAMS', ...(last.programs.length ? progs : ['(none)'])];
    if (sampler.mapsShown) body.push('', 'MAPS', ...(last.maps.length ? maps : ['(none)']));
    out.write(`\x1b[H${body.map((l) => `${l.slice(0, cols)}\x1b[K`).join('\n')}\n\x1b[J`);
  };
  const refresh = (): void => {
    sampler.sample();
    draw();
  };
  const onKey = (str: string | undefined, key: { name?: string; ctrl?: boolean; sequence?: string } = {}): void => {
    if (key.ctrl && key.name === 'c') return stop();
    if (editing !== null) {
      if (key.name === 'return' || key.name === 'enter') {
        sampler.filter = editing;
        editing = null;
      } else if (key.name === 'escape') {
        sampler.filter = '';
        editing = null;
      } else if (key.name === 'backspace') editing = editing.slice(0, -1);
      else if (str && str.length === 1 && str >= ' ') editing += str;
      return draw();
    }
    if (key.name === 'q') return stop();
    if (key.name === 's') sampler.sort = programKeys[(programKeys.indexOf(sampler.sort) + 1) % programKeys.length];
    else if (key.name === 'm') sampler.mapSort = mapKeys[(mapKeys.indexOf(sampler.mapSort) + 1) % mapKeys.length];
    else if (str === '/') editing = '';
    else if (key.name === 'escape') sampler.filter = '';
    else return;
    draw();
  };
  emitKeypressEvents(input);
  const wasRaw = (input as { isRaw?: boolean }).isRaw ?? false;
  input.setRawMode?.(true);
  input.on('keypress', onKey);
  input.resume();
  out.write(ALT_SCREEN_ON);
  try {
    out.write(`\x1b[H\x1b[2Jtsbpf top: first refresh in ${interval}s (q quits)\n`);
    while (!quit.signal.aborted) {
      await sleep(interval * 1000, quit.signal);
      if (quit.signal.aborted) break;
      refresh();
    }
  } finally {
    input.off('keypress', onKey);
    input.setRawMode?.(wasRaw);
    input.pause();
    out.write(ALT_SCREEN_OFF);
    signal?.removeEventListener('abort', stop);
  }
}

function keysLine(editing: string | null): string {
  return editing !== null ? `filter: ${editing}_   (Enter keeps, Esc clears)` : 'q quit  s program sort  m map sort  / filter  Esc clear filter';
}
