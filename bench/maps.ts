/**
 * Map benchmark: tsbpf beside a C program doing the same work with raw bpf() syscalls, in one run.
 *
 * Run: npx tsx bench/maps.ts [N=1000000] [BATCH=8192] [ROUNDS=3]
 * Prints, per task, the median time of ROUNDS for each side (C and TypeScript alternate round by
 * round), ns per element, and the ratio TS / C.
 *
 * Tasks: fill_single (update per key), fill_batch (BPF_MAP_UPDATE_BATCH), count_iterate
 * (GET_NEXT_KEY walk; tsbpf's walk also de-duplicates keys so it stays exact under churn, which the
 * C loop does not), read_iterate (walk + lookup, decoding bigint values), read_batch
 * (BPF_MAP_LOOKUP_BATCH through forEachBatch), read_batch_gen (the same through the entriesBatch
 * generator, a [key, value] array per entry).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BpfMap, MapType, u32, u64 } from '../src/index.js';
import { median, reportRows, type BenchRow } from './report.js';

const N = Number(process.argv[2] ?? 1_000_000);
const BATCH = Number(process.argv[3] ?? 8192);
const ROUNDS = Number(process.argv[4] ?? 3);
const here = fileURLToPath(new URL('.', import.meta.url));
const out = join(here, 'out');
mkdirSync(out, { recursive: true });
const cbin = join(out, 'maps-c');
execFileSync(process.env.CC ?? 'cc', ['-O2', '-o', cbin, join(here, 'c', 'maps.c')], { stdio: 'inherit' });

type Times = Record<string, number>;

function runC(): Times {
  const text = execFileSync(cbin, [String(N), String(BATCH)], { encoding: 'utf8' });
  const t: Times = {};
  for (const line of text.trim().split('\n')) {
    const [k, v] = line.split(' ');
    t[k] = Number(v);
  }
  return t;
}

function time(fn: () => unknown): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const spec = { name: 'bench_ts', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: N };

function runTs(): Times {
  const t: Times = {};
  {
    using m = BpfMap.create(spec, { key: u32, value: u64 });
    t.fill_single = time(() => {
      for (let i = 0; i < N; i++) m.update(i, BigInt(i));
    });
  }
  using m = BpfMap.create(spec, { key: u32, value: u64 });
  t.fill_batch = time(() => {
    const entries: Array<[number, bigint]> = new Array(BATCH);
    for (let off = 0; off < N; off += BATCH) {
      const cnt = Math.min(BATCH, N - off);
      entries.length = cnt;
      for (let i = 0; i < cnt; i++) entries[i] = [off + i, BigInt(off + i)];
      m.updateBatch(entries);
    }
  });
  let c = 0;
  t.count_iterate = time(() => (c = m.countByIteration()));
  if (c !== N) throw new Error(`count ${c} != ${N}`);
  let s1 = 0n;
  t.read_iterate = time(() => {
    for (const [, v] of m.entries()) s1 += v;
  });
  let s2 = 0n;
  t.read_batch = time(() => m.forEachBatch((_, v) => (s2 += v), { batchSize: BATCH }));
  if (s1 !== s2) throw new Error('sums differ');
  let s3 = 0n;
  t.read_batch_gen = time(() => {
    for (const [, v] of m.entriesBatch({ batchSize: BATCH })) s3 += v;
  });
  if (s3 !== s1) throw new Error('sums differ');
  return t;
}

const cRounds: Times[] = [];
const tsRounds: Times[] = [];
for (let r = 0; r < ROUNDS; r++) {
  cRounds.push(runC());
  tsRounds.push(runTs());
}
const mid = (rounds: Times[]): Times => Object.fromEntries(Object.keys(rounds[0]).map((k) => [k, median(rounds.map((t) => t[k]))]));
const c = mid(cRounds);
const ts = mid(tsRounds);

const targets: Record<string, number> = { fill_single: 1.5, fill_batch: 1.2, count_iterate: 1.5, read_iterate: 1.5, read_batch: 1.2, read_batch_gen: 1.2 };
// The C program has no generator form: entriesBatch() is compared with the same C batch loop.
c.read_batch_gen = c.read_batch;
console.log(`hash map u32 -> u64, ${N.toLocaleString('en-US')} entries, batch ${BATCH}, median of ${ROUNDS}`);
console.log('task            C ns/elem   TS ns/elem   TS/C   target');
for (const k of Object.keys(targets)) {
  const cn = (c[k] / N) * 1e9;
  const tn = (ts[k] / N) * 1e9;
  const ratio = ts[k] / c[k];
  console.log(`${k.padEnd(15)} ${cn.toFixed(0).padStart(9)} ${tn.toFixed(0).padStart(12)} ${ratio.toFixed(2).padStart(6)}   <= ${targets[k]} ${ratio <= targets[k] ? 'ok' : 'MISSED'}`);
}
const works: Record<string, string> = {
  fill_single: 'fill, one update per key',
  fill_batch: 'fill, BPF_MAP_UPDATE_BATCH',
  read_iterate: 'read all by key walk + lookup',
  read_batch: 'read all, BPF_MAP_LOOKUP_BATCH (forEachBatch)',
};
reportRows(
  'maps',
  Object.entries(works).map(([k, work]): BenchRow => ({
    id: `maps.${k}`,
    work: `${work}, ${N.toLocaleString('en-US')} u32 -> u64`,
    unit: 'ns/el',
    higherIsBetter: false,
    ts: (ts[k] / N) * 1e9,
    refs: { C: (c[k] / N) * 1e9 },
    target: { of: 'ratio', ref: 'C', op: '<=', bound: targets[k] },
  })),
);
