/**
 * What a fresh process pays for the kernel's BTF from the warm on-disk cache: `loadKernelSpec()`
 * and then one name lookup (the kfunc `tsbpf count` needs, decoded with its prototype), and a
 * CO-RE-sized set of lookups (`task_struct`, `sk_buff` and the types each references directly).
 * Each sample is a new node process importing the built dist/btf/index.js; the timing is taken
 * inside it (performance.now() around the calls, import excluded). Medians of RUNS processes.
 *
 * Run: npm run build && npx tsx bench/kernel-btf-load.ts [RUNS=21] [ROOT]
 * (ROOT: another built checkout whose dist/ to measure.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './report.js';

const RUNS = Number(process.argv[2] ?? 21);
const root = process.argv[3] ? resolve(process.argv[3]) : fileURLToPath(new URL('..', import.meta.url));
const entry = join(root, 'dist', 'btf', 'index.js');
if (!existsSync(entry)) {
  console.error(`bench/kernel-btf-load: ${entry} is missing: run \`npm run build\` first`);
  process.exit(1);
}

const script = `const { loadKernelSpec } = await import(${JSON.stringify(new URL(`file://${entry}`).href)});
const t0 = performance.now();
const spec = loadKernelSpec();
const t1 = performance.now();
const fn = spec.anyTypeByName('bpf_map_sum_elem_count', 'func');
if (!fn) throw new Error('bpf_map_sum_elem_count not found');
spec.typeById(fn.type);
const t2 = performance.now();
for (const name of ['task_struct', 'sk_buff']) {
  for (const t of spec.typesByEssentialName(name)) {
    if (t.kind === 'struct') for (const m of t.members) spec.typeById(m.type);
  }
}
const t3 = performance.now();
process.stdout.write(JSON.stringify([t1 - t0, t2 - t1, t3 - t2]));`;

const samples: number[][] = [];
for (let i = 0; i <= RUNS; i++) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench/kernel-btf-load: child exited ${r.status}: ${r.stderr}`);
  if (i > 0) samples.push(JSON.parse(r.stdout) as number[]); // the first run warms the cache
}
const col = (k: number): string => `${median(samples.map((s) => s[k])).toFixed(2)} ms`;
console.log(`kernel BTF in a fresh process (cache warm), medians of ${RUNS} processes:`);
console.log(`loadKernelSpec():                          ${col(0)}`);
console.log(`+ bpf_map_sum_elem_count and its prototype: ${col(1)}`);
console.log(`+ task_struct, sk_buff, their member types: ${col(2)}`);
