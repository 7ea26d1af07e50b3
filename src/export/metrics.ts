/**
 * Prometheus metrics of every BPF map on the host: element counts, capacity, fill ratio, growth
 * per second over the last scans and the time each count took, from one host scan per scrape.
 * The gauges are rebuilt from each scan, so a map freed since the last scrape is gone from the
 * next one; between scrapes nothing holds a map (only the scan program).
 *
 * With `programStats`, also every program's run count and run time as counters (one program
 * scan per scrape, holding no program), with the kernel's run statistics turned on for as long
 * as the metrics are open.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { HostMaps, type MapSummary } from '../host/host-maps.js';
import { scanPrograms, type ProgramSummary } from '../host/host-programs.js';
import { GrowthWindow } from '../host/rates.js';
import { RunStats, runStatsActive } from '../prog/run-stats.js';

/** Options of {@link MapMetrics}. */
export interface MapMetricsOptions {
  /**
   * Export per-program run counts and run time (`bpf_program_runs_total`,
   * `bpf_program_run_time_seconds_total`), turning the kernel's run statistics on
   * (BPF_ENABLE_STATS, needs CAP_SYS_ADMIN) until {@link MapMetrics.close}. Default false.
   */
  programStats?: boolean;
  /** How far back the map growth rate looks, in ms (see {@link GrowthWindow}). Default 300000. */
  growthWindowMs?: number;
}

/** A registry whose gauges are filled from one fresh scan of the host's maps at every scrape. */
export class MapMetrics implements Disposable {
  /** The prom-client registry to serve (`await metrics.registry.metrics()`). */
  readonly registry = new Registry();
  #host = new HostMaps();
  #stats?: RunStats;
  #growth: GrowthWindow;
  /** The summaries of the last scan, for callers that want the figures behind the text. */
  last: MapSummary[] = [];
  /** The programs of the last scan (empty without `programStats`). */
  lastPrograms: ProgramSummary[] = [];

  /**
   * @throws {PermissionError} with `programStats` and no CAP_SYS_ADMIN (nothing is left open).
   */
  constructor(opts: MapMetricsOptions = {}) {
    this.#growth = new GrowthWindow({ windowMs: opts.growthWindowMs });
    if (opts.programStats) {
      try {
        this.#stats = RunStats.enable();
      } catch (e) {
        this.#host.close();
        throw e;
      }
    }
    const labelNames = ['id', 'name', 'type'] as const;
    const entries: Gauge<'id' | 'name' | 'type'> = new Gauge({
      name: 'bpf_map_entries',
      help: 'Elements in the BPF map, counted exactly.',
      labelNames,
      registers: [],
      // Collected first (registered first): the scan runs here and fills every gauge.
      collect: () => this.#collect(),
    });
    const max = new Gauge({ name: 'bpf_map_max_entries', help: 'Maximum number of elements of the BPF map.', labelNames, registers: [] });
    const fill = new Gauge({ name: 'bpf_map_fill_ratio', help: 'Elements divided by maximum elements, 0 to 1.', labelNames, registers: [] });
    const countTime = new Gauge({ name: 'bpf_map_count_duration_seconds', help: 'Time taken to count the map, by counting method.', labelNames: [...labelNames, 'method'], registers: [] });
    const memlock = new Gauge({ name: 'bpf_map_memlock_bytes', help: 'Kernel memory charged to the BPF map.', labelNames, registers: [] });
    const rbPending = new Gauge({ name: 'bpf_ringbuf_pending_bytes', help: 'Bytes written to the ring buffer and not yet consumed (bpf_ringbuf_query BPF_RB_AVAIL_DATA).', labelNames, registers: [] });
    const rbSize = new Gauge({ name: 'bpf_ringbuf_size_bytes', help: 'Size of the ring buffer data area.', labelNames, registers: [] });
    const errors = new Gauge({ name: 'bpf_map_count_errors', help: 'Maps that could not be opened or counted in the last scrape.', registers: [] });
    const scan = new Gauge({ name: 'bpf_maps_scan_duration_seconds', help: 'Time taken to list and count every map.', registers: [] });
    const growth = new Gauge({ name: 'bpf_map_growth_entries_per_second', help: 'Change of the element count per second over the last scans (up to the growth window).', labelNames, registers: [] });
    const gauges = [entries, max, fill, countTime, memlock, rbPending, rbSize, errors, scan, growth];
    for (const g of gauges) this.registry.registerMetric(g);
    const runs = new Counter({ name: 'bpf_program_runs_total', help: 'Runs of the BPF program counted while kernel run statistics were on (bpf_prog_info run_cnt).', labelNames, registers: [] });
    const runTime = new Counter({ name: 'bpf_program_run_time_seconds_total', help: 'Time the BPF program ran while kernel run statistics were on (bpf_prog_info run_time_ns).', labelNames, registers: [] });
    const statsOn = new Gauge({ name: 'bpf_stats_enabled', help: 'Whether the kernel counts program runs (a test-run probe program was counted), 1 or 0.', registers: [] });
    const progScan = new Gauge({ name: 'bpf_programs_scan_duration_seconds', help: 'Time taken to list every program and read its statistics.', registers: [] });
    if (opts.programStats) for (const m of [runs, runTime, statsOn, progScan]) this.registry.registerMetric(m);
    this.#collect = () => {
      const t0 = process.hrtime.bigint();
      this.last = this.#host.scan();
      scan.set(Number(process.hrtime.bigint() - t0) / 1e9);
      this.#growth.record(Date.now(), this.last);
      for (const g of [entries, max, fill, countTime, memlock, rbPending, rbSize, growth]) g.reset();
      let failed = 0;
      for (const m of this.last) {
        if (m.typeName === '?') {
          failed++;
          continue;
        }
        const labels = { id: String(m.id), name: m.name, type: m.typeName };
        max.set(labels, m.maxEntries);
        memlock.set(labels, m.memlock);
        if (m.ringbuf) {
          rbPending.set(labels, m.ringbuf.availData);
          rbSize.set(labels, m.ringbuf.ringSize);
          if (m.fillRatio !== null) fill.set(labels, m.fillRatio);
          continue;
        }
        if (m.entries === null) {
          failed++;
          continue;
        }
        entries.set(labels, m.entries);
        const rate = this.#growth.growthPerSecond(m.id);
        if (rate !== null) growth.set(labels, rate);
        if (m.fillRatio !== null) fill.set(labels, m.fillRatio);
        if (m.countNs !== null && m.method) countTime.set({ ...labels, method: m.method }, m.countNs / 1e9);
      }
      errors.set(failed);
      if (!opts.programStats) return;
      const t1 = process.hrtime.bigint();
      this.lastPrograms = scanPrograms();
      progScan.set(Number(process.hrtime.bigint() - t1) / 1e9);
      statsOn.set(runStatsActive() ? 1 : 0);
      runs.reset();
      runTime.reset();
      for (const p of this.lastPrograms) {
        if (p.error) continue;
        const labels = { id: String(p.id), name: p.name, type: p.typeName };
        // Counters set to the kernel's totals: reset, then one increment by the total.
        runs.inc(labels, Number(p.runCount));
        runTime.inc(labels, Number(p.runTimeNs) / 1e9);
      }
    };
  }

  #collect: () => void = () => {};

  /** The metrics in Prometheus text format (scans the host). */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** Whether this turned the kernel's run statistics on (`programStats`) and has not closed yet. */
  get programStats(): boolean {
    return this.#stats !== undefined && !this.#stats.closed;
  }

  /** Unloads the scanner's scan program and withdraws the run statistics request. Later calls do nothing. */
  close(): void {
    this.#host.close();
    this.#stats?.close();
  }

  /** Same as {@link MapMetrics.close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}
