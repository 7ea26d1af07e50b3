/**
 * Counting benchmark: time to count a hash map of N u32 -> u64 entries by every method, N from
 * 1,000 to 1,000,000, beside C counting the same map shape with BPF_MAP_GET_NEXT_KEY in the same run.
 *
 * Run: npx tsx bench/count.ts [ROUNDS=5]
 * Reported: the median of the rounds per method and size (walking methods get fewer rounds on big
 * maps), and the key walk's ratio to C's median at each size.
 * Targets: `kernel` flat in N and under 50 us; `auto` at least 1,000x faster than key iteration at
 * 1,000,000; the key walk (`iterate`, which also de-duplicates keys so it stays exact under churn;
 * the C loop does not) at most 1.2x C at every size.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BpfMap, MapType, u32, u64, type CountMethod } from '../src/index.js';
import { median, reportRows, type BenchRow } from './report.js';

const ROUNDS = Number(process.argv[2] ?? 5);
const here = fileURLToPath(new URL('.', import.meta.url));
const out = join(here, 'out');
mkdirSync(out, { recursive: true });
const cbin = join(out, 'count-c');
execFileSync(process.env.CC ?? 'cc', ['-O2', '-o', cbin, join(here, 'c', 'count.c')], { stdio: 'inherit' });

const methods: CountMethod[] = ['auto', 'kernel', 'foreach', 'batch', 'iterate'];
const sizes = [1_000, 10_000, 100_000, 1_000_000];
const fmt = (ns: number) => (ns < 1e3 ? `${ns.toFixed(0)} ns` : ns < 1e6 ? `${(ns / 1e3).toFixed(1)} us` : `${(ns / 1e6).toFixed(1)} ms`);
const rows: string[][] = [];
let autoAt1M = 0;
let iterAt1M = 0;
let kernelWorst = 0;
const report: BenchRow[] = [];
for (const n of sizes) {
  using m = BpfMap.create({ name: 'bench_count', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: n }, { key: u32, value: u64 });
  const keys = new Uint8Array(n * 4);
  const dv = new DataView(keys.buffer);
  for (let i = 0; i < n; i++) dv.setUint32(i * 4, i, true);
  m.updateBatchRaw(keys, new Uint8Array(n * 8), n);
  const row = [n.toLocaleString('en-US')];
  let iterNs = 0;
  for (const method of methods) {
    m.countDetailed({ method }); // load the counting program once
    const samples: number[] = [];
    // Walking methods get fewer rounds on big maps; small maps get enough for the JIT to warm up.
    const rounds = method === 'iterate' || method === 'batch' || method === 'foreach' ? (n <= 10_000 ? ROUNDS * 10 : Math.min(ROUNDS, 3)) : ROUNDS * 20;
    for (let r = 0; r < rounds; r++) {
      const res = m.countDetailed({ method });
      if (res.count !== n) throw new Error(`${method}: counted ${res.count}, want ${n}`);
      samples.push(res.durationNs);
    }
    const mid = median(samples);
    row.push(fmt(mid));
    if (method === 'kernel') kernelWorst = Math.max(kernelWorst, mid);
    if (n === 1_000_000 && method === 'auto') autoAt1M = mid;
    if (n === 1_000_000 && method === 'iterate') iterAt1M = mid;
    if (method === 'iterate') iterNs = mid;
  }
  const cRounds = n <= 10_000 ? ROUNDS * 10 : Math.min(ROUNDS, 3);
  const c = median(execFileSync(cbin, [String(n), String(cRounds)], { encoding: 'utf8' }).trim().split(' ').slice(1).map((s) => Number(s) * 1e9));
  row.push(fmt(c));
  row.push(`${(iterNs / c).toFixed(2)}x`);
  rows.push(row);
  report.push({
    id: `count.iterate.${n}`,
    work: `count by key walk, ${n.toLocaleString('en-US')} entries`,
    unit: 'ns/el',
    higherIsBetter: false,
    ts: iterNs / n,
    refs: { C: c / n },
    target: { of: 'ratio', ref: 'C', op: '<=', bound: 1.2 },
  });
}
const header = ['N', ...methods, 'C iterate', 'iterate/C'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
console.log('time to count a hash map (median of rounds)');
console.log(header.map((h, i) => h.padStart(widths[i])).join('  '));
for (const r of rows) console.log(r.map((c, i) => c.padStart(widths[i])).join('  '));
console.log(`kernel: worst ${fmt(kernelWorst)} over N (target < 50 us, flat): ${kernelWorst < 50_000 ? 'ok' : 'MISSED'}`);
console.log(`auto vs iterate at 1,000,000: ${(iterAt1M / autoAt1M).toFixed(0)}x faster (target >= 1000x): ${iterAt1M / autoAt1M >= 1000 ? 'ok' : 'MISSED'}`);
report.push({
  id: 'count.kernel',
  work: 'count by kernel counter, worst over N = 1,000 .. 1,000,000',
  unit: 'us',
  higherIsBetter: false,
  ts: kernelWorst / 1e3,
  refs: {},
  target: { of: 'value', op: '<=', bound: 50 },
});
reportRows('count', report);
