// Global variables: set the `.rodata` constant `sample_every` before loading, run the program,
// then read the `.bss` counters it keeps. Variables are typed: `seen` is a bigint (__u64),
// `label` a string (char[16]).
//
// Run: npx tsx examples/globals/main.ts [sample_every] (as root).
import { pathToFileURL } from 'node:url';
import { loadGlobals } from './globals.js';

/** What one run observed. */
export interface GlobalsResult {
  seen: bigint;
  sampled: bigint;
  sampleEvery: number;
  label: string;
}

/** Loads with `sample_every = every`, runs the program `runs` times and reads the globals. */
export function main(every = 3, runs = 10): GlobalsResult {
  using obj = loadGlobals({ constants: { sample_every: every } });
  const { seen, sampled, sample_every, label } = obj.variables;
  label.set(`every ${every}`);
  for (let i = 0; i < runs; i++) obj.programs.sample.test(Buffer.alloc(14));
  return { seen: seen.get(), sampled: sampled.get(), sampleEvery: sample_every.get(), label: label.get() };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = main(Number(process.argv[2] ?? 3));
  console.log(`sample_every=${r.sampleEvery} (.rodata, set before load), label=${JSON.stringify(r.label)} (.data)`);
  console.log(`seen=${r.seen} sampled=${r.sampled} (.bss, written by the program)`);
}
