import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { get } from 'node:http';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { kernelTest, skipIf } from '../testutils/kernel.js';
import { dashboardQueries, deployDir } from '../testutils/deploy.js';
import { Assembler, R0 } from '../asm/index.js';
import { BpfMap, MapType, Program, ProgramType, u32, u64 } from '../index.js';
import { runStatsActive } from '../prog/run-stats.js';
import { startExporter } from './server.js';

/** Skips (fails under CI, whose setup installs it) when Debian's prometheus is missing. */
function prometheusBinary(t: TestContext): boolean {
  if (spawnSync('prometheus', ['--version']).status === 0) return true;
  const why = 'prometheus not installed (Debian package prometheus; bash scripts/setup.sh installs it)';
  if (process.env.CI || process.env.TSBPF_REQUIRE_PRIVILEGES === '1') throw new Error(`${why}; CI must have it`);
  skipIf(t, why);
  return false;
}

/** A loopback port nothing listens on right now. */
async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  await once(s, 'close');
  return port;
}

/** The status of one scrape through node:http (no client timeout: a first scan of a busy host may be long). */
function scrapeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      res.resume().on('end', () => resolve(res.statusCode ?? 0)).on('error', reject);
    }).on('error', reject);
  });
}

type Vector = Array<{ metric: Record<string, string>; value: [number, string] }>;

/** A Prometheus server run by this test: its own config, storage in a temp dir, ended by pid. */
class PrometheusServer implements AsyncDisposable {
  readonly url: string;
  #child: ChildProcess;
  #dir: string;
  #log = '';

  constructor(dir: string, port: number, config: object) {
    this.#dir = dir;
    this.url = `http://127.0.0.1:${port}`;
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    this.#child = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer): void => void (this.#log = (this.#log + d.toString()).slice(-4000));
    this.#child.stdout!.on('data', keep);
    this.#child.stderr!.on('data', keep);
  }

  /** Calls `probe` until it returns a value (not undefined), failing after `ms` with the server's log. */
  async until<T>(what: string | (() => string), probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
    const name = (): string => (typeof what === 'string' ? what : what());
    const deadline = Date.now() + ms;
    let last: unknown;
    for (;;) {
      if (this.#child.exitCode !== null) throw new Error(`prometheus exited with ${this.#child.exitCode} while waiting for ${name()}: ${this.#log}`);
      try {
        const v = await probe();
        if (v !== undefined) return v;
      } catch (e) {
        last = e;
      }
      if (Date.now() > deadline) throw new Error(`prometheus: no ${name()} within ${ms} ms (last error: ${String(last)}); log: ${this.#log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** An instant PromQL query through the HTTP API. */
  async query(q: string): Promise<Vector> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: Vector } };
    if (body.status !== 'success') throw new Error(`query ${q}: ${body.error}`);
    return body.data.result;
  }

  /** The single value of a query, once it has one equal to `want` (fails with what it had after 20 s). */
  async expect(q: string, want: number): Promise<void> {
    let had: string | undefined;
    await this.until(() => `${q} == ${want} (had ${had})`, async () => {
      const r = await this.query(q);
      had = JSON.stringify(r.map((x) => x.value[1]));
      return r.length === 1 && Number(r[0].value[1]) === want ? true : undefined;
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const child = this.#child;
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid!, 'SIGTERM');
      await once(child, 'exit');
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

test('a real Prometheus scrapes tsbpf export: PromQL returns the exact counts of the maps and runs this test made, the rules load, the dashboard queries run', async (t) => {
  if (!kernelTest(t) || !prometheusBinary(t)) return;
  const statsBefore = runStatsActive();
  const prefix = `pq${randomBytes(3).toString('hex')}`; // map names: prefix + _a (<= 15 chars)
  using a = BpfMap.create({ name: `${prefix}_a`, type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 100 }, { key: u32, value: u64 });
  using b = BpfMap.create({ name: `${prefix}_b`, type: MapType.LruHash, keySize: 4, valueSize: 8, maxEntries: 50 }, { key: u32, value: u64 });
  using c = BpfMap.create({ name: `${prefix}_c`, type: MapType.Array, keySize: 4, valueSize: 8, maxEntries: 5 });
  using prog = Program.load({ name: `${prefix}_p`, type: ProgramType.SocketFilter, license: 'GPL', instructions: new Assembler().mov64(R0, 0).exit().build() });
  for (let i = 0; i < 42; i++) a.update(i, 1n);
  for (let i = 0; i < 7; i++) b.update(i, 1n);
  const [idA, idB, idC, idP] = [a.info().id, b.info().id, c.info().id, prog.info().id];

  {
    await using ex = await startExporter({ listen: '127.0.0.1:0', programStats: true });
    assert.equal(runStatsActive(), true, 'program stats on while the exporter runs');
    const N = 250;
    prog.test(undefined, { repeat: N });

    // One scrape by hand first: its time sets the scrape interval (1 s unless the host has so
    // many maps that a scrape takes longer; Prometheus needs timeout <= interval).
    const t0 = performance.now();
    assert.equal(await scrapeStatus(ex.url), 200);
    const scrapeMs = performance.now() - t0;
    const interval = Math.max(1, Math.ceil((scrapeMs * 3) / 1000));
    if (interval > 1) t.diagnostic(`a scrape took ${scrapeMs.toFixed(0)} ms (${ex.metrics!.last.length} maps on the host): scrape interval ${interval}s`);

    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-prom-'));
    const target = new URL(ex.url).host;
    await using prom = new PrometheusServer(dir, await freePort(), {
      global: { scrape_interval: `${interval}s`, scrape_timeout: `${interval}s`, evaluation_interval: '1s' },
      rule_files: [join(deployDir, 'prometheus/tsbpf.rules.yml')],
      scrape_configs: [{ job_name: 'tsbpf', static_configs: [{ targets: [target] }] }],
    });
    await prom.until('readiness', async () => ((await fetch(`${prom.url}/-/ready`)).ok ? true : undefined));
    await prom.expect(`up{job="tsbpf",instance="${target}"}`, 1);

    // Exact figures, selected by the exporter's labels.
    await prom.expect(`bpf_map_entries{id="${idA}"}`, 42);
    await prom.expect(`bpf_map_entries{id="${idB}",name="${prefix}_b",type="lru_hash"}`, 7);
    await prom.expect(`bpf_map_entries{id="${idC}",type="array"}`, 5);
    await prom.expect(`count(bpf_map_entries{name=~"${prefix}_.*"})`, 3);
    await prom.expect(`sum(bpf_map_entries{name=~"${prefix}_.*"})`, 54);
    await prom.expect(`sum(bpf_map_max_entries{name=~"${prefix}_.*"})`, 155);
    await prom.expect(`bpf_map_fill_ratio{id="${idA}"}`, 0.42);
    await prom.expect(`bpf_program_runs_total{id="${idP}",name="${prefix}_p",type="socket_filter"}`, N);
    await prom.expect('bpf_stats_enabled', 1);
    const runTime = await prom.query(`bpf_program_run_time_seconds_total{id="${idP}"}`);
    assert.ok(Number(runTime[0].value[1]) > 0, 'run time counted');

    // Growth: 30 more entries; the exporter's rate over its last scans turns positive and
    // Prometheus sees the new count.
    for (let i = 42; i < 72; i++) a.update(i, 1n);
    await prom.expect(`bpf_map_entries{id="${idA}"}`, 72);
    await prom.until('a positive growth rate', async () => {
      const r = await prom.query(`bpf_map_growth_entries_per_second{id="${idA}"} > 0`);
      return r.length === 1 ? true : undefined;
    });
    await prom.expect(`bpf_map_growth_entries_per_second{id="${idB}"}`, 0);

    // The shipped rules load and evaluate against these series.
    const groups = await prom.until('rules evaluated', async () => {
      const res = (await (await fetch(`${prom.url}/api/v1/rules`)).json()) as { data: { groups: Array<{ name: string; rules: Array<{ name: string; health: string; lastError?: string }> }> } };
      const g = res.data.groups;
      return g.length === 1 && g[0].rules.every((r) => r.health === 'ok') ? g : undefined;
    });
    assert.deepEqual(groups[0].rules.map((r) => r.name), ['BpfMapNearlyFull', 'BpfMapFillingUp', 'TsbpfExporterDown', 'TsbpfExporterAbsent', 'TsbpfExporterSlowScrape']);

    // Every query of the Grafana dashboard is valid PromQL here; those about maps return data.
    for (const q of dashboardQueries()) {
      const r = await prom.query(q);
      if (/bpf_map_entries|bpf_program_runs_total/.test(q) && !/deriv|rate\(/.test(q)) assert.ok(r.length > 0, `${q}: no data`);
    }
  }
  assert.equal(runStatsActive(), statsBefore, 'run statistics back to what they were once the exporter closed');
});

test('the exporter without --program-stats leaves run statistics alone and serves no program metrics', async (t) => {
  if (!kernelTest(t)) return;
  const before = runStatsActive();
  await using ex = await startExporter({ listen: '127.0.0.1:0' });
  assert.equal(ex.metrics!.programStats, false);
  const text = await new Promise<string>((resolve, reject) => {
    get(ex.url, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve(body)).on('error', reject);
    }).on('error', reject);
  });
  assert.doesNotMatch(text, /bpf_program_runs_total/);
  assert.match(text, /# TYPE bpf_map_growth_entries_per_second gauge/);
  assert.equal(runStatsActive(), before);
});
