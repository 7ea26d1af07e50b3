/**
 * The rows of `tsbpf top` and their sort keys: a module of its own, with no imports, so the
 * command line can list the keys without loading the scanners.
 */

/** A program in a `tsbpf top` snapshot. */
export interface TopProgram {
  /** Kernel-wide id. */
  id: number;
  /** Program name. */
  name: string;
  /** Short type name (`socket_filter`, `xdp`, ...). */
  type: string;
  /** Runs since the previous refresh. */
  runs: number;
  /** Runs per second since the previous refresh. */
  runsPerSecond: number;
  /** Average ns per run since the previous refresh, null when it did not run. */
  avgNs: number | null;
  /** Run time divided by the wall time of all CPUs since the previous refresh (0 to 1). */
  cpuShare: number;
  /** Runs counted since the program was loaded (while statistics were on). */
  runCount: number;
  /** Run time in ns since the program was loaded (while statistics were on). */
  runTimeNs: number;
}

/** A map in a `tsbpf top` snapshot. */
export interface TopMap {
  /** Kernel-wide id. */
  id: number;
  /** Map name. */
  name: string;
  /** Short type name (`hash`, `array`, ...). */
  type: string;
  /** Elements now, null when it could not be counted. */
  entries: number | null;
  /** Maximum elements. */
  maxEntries: number;
  /** entries / maxEntries (bytes pending / size for ring buffers), or null. */
  fillRatio: number | null;
  /** Entries per second over the growth window, null before two refreshes. */
  growthPerSecond: number | null;
  /** Seconds until full at that pace: 0 when full, null when not growing or not yet known. */
  secondsToFull: number | null;
}

/** Orders two rows. */
export type Sorter<T> = (a: T, b: T) => number;
const desc = <T>(f: (x: T) => number): Sorter<T> => (a, b) => f(b) - f(a);

/** Program sort keys of `tsbpf top --sort`: numbers largest first, names in order. */
export const PROGRAM_SORT_KEYS: Record<string, Sorter<TopProgram>> = {
  cpu: desc((p) => p.cpuShare),
  runs: desc((p) => p.runsPerSecond),
  avg: desc((p) => p.avgNs ?? -1),
  total: desc((p) => p.runCount),
  id: (a, b) => a.id - b.id,
  name: (a, b) => a.name.localeCompare(b.name),
  type: (a, b) => a.type.localeCompare(b.type),
};

/** Map sort keys of `tsbpf top --map-sort`: `ttf` soonest full first, other numbers largest first. */
export const MAP_SORT_KEYS: Record<string, Sorter<TopMap>> = {
  growth: desc((m) => m.growthPerSecond ?? -Infinity),
  ttf: (a, b) => (a.secondsToFull ?? Infinity) - (b.secondsToFull ?? Infinity),
  fill: desc((m) => m.fillRatio ?? -1),
  entries: desc((m) => m.entries ?? -1),
  id: (a, b) => a.id - b.id,
  name: (a, b) => a.name.localeCompare(b.name),
  type: (a, b) => a.type.localeCompare(b.type),
};

