/**
 * Snippets for docs/api.md: program run statistics, map growth and the exporter's program metrics.
 * Regions are copied into the docs by scripts/docs-snippets.mjs; `npm run typecheck` compiles them.
 */
import { GrowthWindow, HostMaps, RunStats, programRate, runStatsActive, scanPrograms, type ProgramSummary } from '../../src/index.js';
import { MapMetrics } from '../../src/export/index.js';

/** Run counts of every program while statistics are on. */
export function programStats(): ProgramSummary[] {
  // #region run-stats
  using stats = RunStats.enable();   // BPF_ENABLE_STATS: the kernel counts runs until close()
  runStatsActive();                  // true: a probe program's test run was counted
  const progs = scanPrograms();      // [{ id, name, typeName, runCount, runTimeNs, ... }], nothing held
  // #endregion
  stats.close();
  return progs;
}

/** Runs per second between two scans. */
export async function rates(): Promise<void> {
  // #region program-rate
  const before = new Map(scanPrograms().map((p) => [p.id, p]));
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, 1000));
  const elapsedNs = Number(process.hrtime.bigint() - t0);
  for (const p of scanPrograms()) {
    const { runsPerSecond, avgNs, cpuShare } = programRate(before.get(p.id), p, elapsedNs, 2);
    console.log(p.name, runsPerSecond, avgNs, cpuShare);
  }
  // #endregion
}

/** Map growth and time to full over recent scans. */
export function growth(host: HostMaps): void {
  // #region growth-window
  const window = new GrowthWindow({ windowMs: 60_000 });   // rates over the last minute of scans
  for (let i = 0; i < 2; i++) {
    const rows = host.scan({ memlock: false });
    window.record(Date.now(), rows);
    for (const m of rows) {
      const { growthPerSecond, secondsToFull } = window.growth(m.id, m.entries, m.maxEntries);
      console.log(m.name, growthPerSecond, secondsToFull);   // null until two scans
    }
  }
  // #endregion
}

/** The exporter's registry with program metrics. */
export async function metrics(): Promise<string> {
  // #region map-metrics
  using metrics = new MapMetrics({ programStats: true });  // run statistics on until close()
  const text = await metrics.metrics();                    // bpf_map_*, bpf_program_runs_total, ...
  // #endregion
  return text;
}
