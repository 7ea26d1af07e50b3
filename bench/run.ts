/**
 * `npm run bench`: every headline benchmark in one table, tsbpf beside C, Go (cilium/ebpf) and
 * bpftool doing the same work on this machine, with each row's target and whether it is met.
 *
 * Usage: npm run bench -- [--runs 3] [--only maps,count,ringbuf,startup]
 * (the same as `node --import tsx bench/run.ts ...` after `npm run build`; run it with another
 * node binary to measure that Node)
 *
 * Runs each script of bench/ (which builds its own C side) RUNS times in turn; each script reports
 * its headline rows as JSON (bench/report.ts) besides printing its own full table. The summary
 * shows, per row, the median over runs of tsbpf's number and of each reference's, and judges the
 * target on the median over runs (for a ratio target, the median of the per-run ratios, which a
 * noisy neighbour disturbs least). Everything measured is written to bench/out/results.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median, type BenchRow } from './report.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..');
const out = join(here, 'out');

/** The scripts in the summary, in order, with the arguments the summary runs them with. */
const SCRIPTS: Record<string, string[]> = {
  maps: [],
  count: ['3'],
  ringbuf: [],
  startup: ['5'],
};

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    only: { type: 'string' },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`bench: --runs ${values.runs}: want a positive integer`);
const only = values.only ? values.only.split(',') : Object.keys(SCRIPTS);
for (const name of only) if (!(name in SCRIPTS)) throw new RangeError(`bench: --only ${name}: no such script (${Object.keys(SCRIPTS).join(', ')})`);
mkdirSync(out, { recursive: true });

/** What the runs measured for one row: the first run's row (for its labels) and every run's numbers. */
interface Collected {
  row: BenchRow;
  ts: number[];
  refs: Record<string, number[]>;
  ratios: number[];
}
const collected = new Map<string, Collected>();
for (let run = 1; run <= runs; run++) {
  for (const name of only) {
    const file = join(out, `${name}.json`);
    rmSync(file, { force: true });
    console.log(`\n=== run ${run}/${runs}: bench/${name}.ts ${SCRIPTS[name].join(' ')}`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, `${name}.ts`), ...SCRIPTS[name]], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, TSBPF_BENCH_JSON: file },
    });
    if (r.status !== 0) throw new Error(`bench/${name}.ts failed (exit ${r.status ?? r.signal})`);
    const { rows } = JSON.parse(readFileSync(file, 'utf8')) as { rows: BenchRow[] };
    for (const row of rows) {
      let c = collected.get(row.id);
      if (!c) collected.set(row.id, (c = { row, ts: [], refs: {}, ratios: [] }));
      c.ts.push(row.ts);
      for (const [ref, v] of Object.entries(row.refs)) (c.refs[ref] ??= []).push(v);
      const t = row.target;
      if (t?.of === 'ratio' && t.ref !== undefined && row.refs[t.ref] !== undefined) c.ratios.push(row.ts / row.refs[t.ref]);
    }
  }
}

const refNames = [...new Set([...collected.values()].flatMap((c) => Object.keys(c.refs)))];
const fmt = (v: number | undefined): string => (v === undefined ? '-' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const summary = [];
for (const [id, c] of collected) {
  const { row } = c;
  const ts = median(c.ts);
  const refs = Object.fromEntries(Object.entries(c.refs).map(([k, v]) => [k, median(v)]));
  const t = row.target;
  const judged = !t ? undefined : t.of === 'ratio' ? (c.ratios.length ? median(c.ratios) : undefined) : ts;
  const targetText = !t ? '' : t.of === 'ratio' ? `${t.op} ${t.bound}x ${t.ref}` : `${t.op} ${t.bound} ${row.unit}`;
  const met = !t || judged === undefined ? undefined : t.op === '<=' ? judged <= t.bound : judged >= t.bound;
  // The ratio column: tsbpf over C when C ran, else over the target's reference.
  const base = refs.C !== undefined ? 'C' : t?.ref;
  const ratio = base && refs[base] !== undefined ? (t?.of === 'ratio' && t.ref === base ? judged : ts / refs[base]) : undefined;
  summary.push({ id, work: row.work, unit: row.unit, ts, refs, ratio, ratioOf: base, target: targetText, met, runs: c.ts.length, note: row.note });
}
writeFileSync(join(out, 'results.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, runs, summary }, null, 1));

const header = ['work', 'unit', 'tsbpf', ...refNames, 'tsbpf/ref', 'target', ''];
const lines = summary.map((s) => [
  s.work,
  s.unit,
  fmt(s.ts),
  ...refNames.map((r) => fmt(s.refs[r])),
  s.ratio === undefined ? '' : `${s.ratio.toFixed(2)}x ${s.ratioOf}`,
  s.target,
  s.met === undefined ? '' : s.met ? 'met' : 'MISSED',
]);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
const line = (cells: string[]): string => cells.map((x, i) => (i === 0 || i >= header.length - 2 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ').trimEnd();
console.log(`\nnpm run bench: ${runs} run(s), medians over runs; node ${process.version}; M ev/s: higher is better, ns/el, us and ms: lower is better`);
console.log(line(header));
for (const l of lines) console.log(line(l));
for (const s of summary) if (s.note) console.log(`  ${s.work}: ${s.note}`);
console.log(`(all numbers: ${join('bench', 'out', 'results.json')})`);
