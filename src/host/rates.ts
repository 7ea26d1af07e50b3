/**
 * Rates between host scans: how fast each map fills (entries per second over a window of recent
 * scans, and the time left until it is full at that pace) and how busy each program is (runs per
 * second, average run time, share of the CPUs) between two program scans. Pure arithmetic over
 * scan results; no system calls.
 */

/** Options of {@link GrowthWindow}. */
export interface GrowthWindowOptions {
  /** How far back samples count, in ms. Default 300000 (5 minutes). */
  windowMs?: number;
  /** At most this many samples per map (the oldest are dropped). Default 64. */
  maxSamples?: number;
}

/** A map's growth as a {@link GrowthWindow} estimates it. */
export interface MapGrowth {
  /** Entries per second from the oldest to the newest sample in the window; null with fewer than two samples. */
  growthPerSecond: number | null;
  /**
   * Seconds until `entries` reaches `maxEntries` at that pace: 0 when full, null when the map
   * is not growing, has no count, or there is no estimate yet.
   */
  secondsToFull: number | null;
}

/**
 * Entry counts of maps over recent scans, by map id. Feed it each scan with
 * {@link GrowthWindow.record}; a map missing from a scan is forgotten (its id will not come back).
 */
export class GrowthWindow {
  #windowMs: number;
  #maxSamples: number;
  #samples = new Map<number, Array<{ at: number; entries: number }>>();
  #lastAt = -Infinity;

  constructor(opts: GrowthWindowOptions = {}) {
    const windowMs = opts.windowMs ?? 300_000;
    const maxSamples = opts.maxSamples ?? 64;
    if (!(typeof windowMs === 'number' && windowMs > 0 && Number.isFinite(windowMs))) throw new RangeError(`growth window: windowMs must be a positive number, got ${String(windowMs)}`);
    if (!(Number.isInteger(maxSamples) && maxSamples >= 2)) throw new RangeError(`growth window: maxSamples must be an integer >= 2, got ${String(maxSamples)}`);
    this.#windowMs = windowMs;
    this.#maxSamples = maxSamples;
  }

  /**
   * Records one scan taken at `at` (ms, e.g. `Date.now()`); maps with a null count keep no
   * sample, maps absent from the scan are forgotten.
   * @throws {RangeError} when `at` is earlier than the previous scan's time.
   */
  record(at: number, maps: Iterable<{ id: number; entries: number | null }>): void {
    if (!Number.isFinite(at)) throw new RangeError(`growth window: time must be a finite number, got ${String(at)}`);
    if (at < this.#lastAt) throw new RangeError(`growth window: time went backwards (${at} < ${this.#lastAt})`);
    this.#lastAt = at;
    const seen = new Set<number>();
    for (const m of maps) {
      seen.add(m.id);
      if (m.entries === null) continue;
      let s = this.#samples.get(m.id);
      if (!s) this.#samples.set(m.id, (s = []));
      s.push({ at, entries: m.entries });
      while (s.length > this.#maxSamples || (s.length > 2 && at - s[0].at > this.#windowMs)) s.shift();
    }
    for (const id of this.#samples.keys()) if (!seen.has(id)) this.#samples.delete(id);
  }

  /** Entries per second of map `id` over the window, or null with fewer than two samples. */
  growthPerSecond(id: number): number | null {
    const s = this.#samples.get(id);
    if (!s || s.length < 2) return null;
    const first = s[0];
    const last = s[s.length - 1];
    if (last.at <= first.at) return null;
    return ((last.entries - first.entries) * 1000) / (last.at - first.at);
  }

  /** Growth and time to full of map `id`, which holds `entries` of `maxEntries` now. */
  growth(id: number, entries: number | null, maxEntries: number): MapGrowth {
    const rate = this.growthPerSecond(id);
    return { growthPerSecond: rate, secondsToFull: secondsToFull(entries, maxEntries, rate) };
  }
}

/** Seconds until `entries` reaches `maxEntries` at `perSecond`: 0 when full, null when not growing or unknown. */
export function secondsToFull(entries: number | null, maxEntries: number, perSecond: number | null): number | null {
  if (entries === null || maxEntries <= 0) return null;
  if (entries >= maxEntries) return 0;
  if (perSecond === null || !(perSecond > 0)) return null;
  return (maxEntries - entries) / perSecond;
}

/** A program's run counters at one scan. */
export interface RunCounters {
  /** Total runs (`run_cnt`). */
  runCount: bigint;
  /** Total run time in ns (`run_time_ns`). */
  runTimeNs: bigint;
}

/** How busy a program was between two scans. */
export interface ProgramRate {
  /** Runs between the scans. */
  runs: number;
  /** Runs per second. */
  runsPerSecond: number;
  /** Average ns per run over those runs, null when it did not run. */
  avgNs: number | null;
  /** Run time divided by the wall time of all CPUs (0 to 1): 0.5 on 2 CPUs means one CPU busy. */
  cpuShare: number;
}

/**
 * The rate of one program between a previous scan (`prev`; undefined when the program was loaded
 * since, so it counts from 0) and this one, `elapsedNs` apart, on a host with `cpus` CPUs.
 * @throws {RangeError} for a non-positive `elapsedNs` or `cpus`.
 */
export function programRate(prev: RunCounters | undefined, cur: RunCounters, elapsedNs: number, cpus: number): ProgramRate {
  if (!(elapsedNs > 0 && Number.isFinite(elapsedNs))) throw new RangeError(`program rate: elapsedNs must be a positive number, got ${String(elapsedNs)}`);
  if (!(Number.isInteger(cpus) && cpus > 0)) throw new RangeError(`program rate: cpus must be a positive integer, got ${String(cpus)}`);
  // Counters only grow for a given program id; a smaller value would mean a different program.
  const base = prev && prev.runCount <= cur.runCount && prev.runTimeNs <= cur.runTimeNs ? prev : { runCount: 0n, runTimeNs: 0n };
  const runs = Number(cur.runCount - base.runCount);
  const ns = Number(cur.runTimeNs - base.runTimeNs);
  return {
    runs,
    runsPerSecond: (runs * 1e9) / elapsedNs,
    avgNs: runs > 0 ? ns / runs : null,
    cpuShare: ns / (elapsedNs * cpus),
  };
}
