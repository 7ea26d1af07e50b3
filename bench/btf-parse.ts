// Measures parsing the running kernel's BTF with src/btf: median of several parses, the first
// name lookup (which builds the name index), decoding every type, and marshalling.
// Run: npx tsx bench/btf-parse.ts [runs]
import { readFileSync } from 'node:fs';
import { marshalBtf } from '../src/btf/marshal.js';
import { parseBtf } from '../src/btf/parse.js';
import { median } from './report.js';

const runs = Number(process.argv[2] ?? 15);
const path = '/sys/kernel/btf/vmlinux';
const bytes = readFileSync(path);

const parse: number[] = [];
const lookup: number[] = [];
let typeCount = 0;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const spec = parseBtf(bytes);
  const t1 = performance.now();
  const hit = spec.anyTypeByName('task_struct', 'struct');
  const t2 = performance.now();
  if (!hit) throw new Error('task_struct not found');
  parse.push(t1 - t0);
  lookup.push(t2 - t1);
  typeCount = spec.typeCount;
}
const spec = parseBtf(bytes);
let t0 = performance.now();
void spec.types;
const decodeAll = performance.now() - t0;
t0 = performance.now();
const out = marshalBtf(spec);
const marshal = performance.now() - t0;

const fmt = (x: number): string => `${x.toFixed(1)} ms`;
console.log(`${path}: ${(bytes.length / 1e6).toFixed(2)} MB, ${typeCount} types, ${runs} runs`);
console.log(`parse (median):             ${fmt(median(parse))}  (min ${fmt(Math.min(...parse))}, first ${fmt(parse[0])})`);
console.log(`first name lookup (median): ${fmt(median(lookup))}  (builds the name index)`);
console.log(`decode all types:           ${fmt(decodeAll)}`);
console.log(`marshal all types:          ${fmt(marshal)}  (${(out.length / 1e6).toFixed(2)} MB)`);
