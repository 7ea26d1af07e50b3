#!/usr/bin/env node
// Checks that the committed output of `tsbpf gen` is up to date: regenerates every
// examples/*/*.bpf.c and src/gen/testdata/*.bpf.c into a temporary directory and byte-compares
// the .ts and the .bpf.o with the committed ones. Options recorded in the committed .ts
// (`// tsbpf gen options: --type X --import-from Y --target T --embed`) are used again.
//
// Usage: node scripts/check-generated.mjs [--update] [path-substring ...]
//   --update   write the regenerated files in place instead of failing
//
// Without clang it says so and exits 0 (nothing can be regenerated). Objects are reproducible for
// a given clang (paths are mapped away with -ffile-prefix-map), but another clang version emits
// other bytes: then a differing .bpf.o is reported as a warning naming both versions, and only the
// .ts (which depends on the BTF types, not on instruction selection) must match.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { register } from 'tsx/esm/api';

register();
const root = join(fileURLToPath(import.meta.url), '..', '..');
const args = process.argv.slice(2);
const update = args.includes('--update');
const filters = args.filter((a) => !a.startsWith('--'));
const gen = await import('../src/gen/index.ts');

let clang;
try {
  clang = gen.findClang();
} catch (e) {
  console.log(`check-generated: skipped: ${e.message}`);
  process.exit(0);
}

/** Sources to check: examples/<name>/*.bpf.c and src/gen/testdata/*.bpf.c. */
function sources() {
  const out = [];
  const ex = join(root, 'examples');
  if (existsSync(ex)) {
    for (const d of readdirSync(ex, { withFileTypes: true })) {
      if (!d.isDirectory()) continue;
      for (const f of readdirSync(join(ex, d.name))) if (f.endsWith('.bpf.c')) out.push(join(ex, d.name, f));
    }
  }
  const td = join(root, 'src', 'gen', 'testdata');
  if (existsSync(td)) for (const f of readdirSync(td)) if (f.endsWith('.bpf.c')) out.push(join(td, f));
  return out.sort().filter((p) => filters.length === 0 || filters.some((s) => relative(root, p).includes(s)));
}

/** Splits the recorded options line like a shell would ('single quotes' only). */
function splitWords(s) {
  const out = [];
  const re = /'((?:[^']|'\\'')*)'|(\S+)/g;
  let m;
  while ((m = re.exec(s))) out.push(m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]);
  return out;
}

/** --type, --import-from, --target and --embed as recorded in a committed .ts. */
function recordedOptions(tsPath) {
  const opts = { types: [], importFrom: undefined, target: undefined, embed: false };
  if (!existsSync(tsPath)) return opts;
  const line = readFileSync(tsPath, 'utf8').split('\n', 3).find((l) => l.startsWith('// tsbpf gen options: '));
  if (!line) return opts;
  const words = splitWords(line.slice('// tsbpf gen options: '.length));
  for (let i = 0; i < words.length; i++) {
    if (words[i] === '--type') opts.types.push(words[++i]);
    else if (words[i] === '--import-from') opts.importFrom = words[++i];
    else if (words[i] === '--target') opts.target = words[++i];
    else if (words[i] === '--embed') opts.embed = true;
  }
  return opts;
}

/** The clang that built an object, from its DWARF producer string. */
function producer(bytes) {
  const m = /[\w ]*clang version [^\0]*/.exec(bytes.toString('latin1'));
  return m ? m[0].trim() : 'unknown clang';
}

const local = spawnSync(clang, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0].trim();
let failures = 0;
let warnings = 0;
const tmp = mkdtempSync(join(tmpdir(), 'tsbpf-check-'));
try {
  for (const src of sources()) {
    const dir = join(src, '..');
    const stem = gen.stemOf(src);
    const committedTs = join(dir, `${stem}.ts`);
    const committedObj = join(dir, `${stem}.bpf.o`);
    const out = join(tmp, relative(root, dir));
    const opts = recordedOptions(committedTs);
    const r = gen.generate(src, { outDir: out, types: opts.types, importFrom: opts.importFrom, target: opts.target, embed: opts.embed });
    const name = relative(root, src);
    if (update) {
      copyFileSync(r.object, committedObj);
      copyFileSync(r.bindings, committedTs);
      console.log(`check-generated: updated ${relative(root, committedObj)} and ${relative(root, committedTs)}`);
      continue;
    }
    const problems = [];
    const newTs = readFileSync(r.bindings);
    if (!existsSync(committedTs) || !readFileSync(committedTs).equals(newTs)) problems.push(`${relative(root, committedTs)} differs`);
    const newObj = readFileSync(r.object);
    if (!existsSync(committedObj)) problems.push(`${relative(root, committedObj)} is missing`);
    else {
      const old = readFileSync(committedObj);
      if (!old.equals(newObj)) {
        const was = producer(old);
        if (was !== producer(newObj)) {
          warnings++;
          console.log(`check-generated: warning: ${relative(root, committedObj)} was built by ${was}, this machine has ${local}; objects differ, bindings compared only`);
        } else problems.push(`${relative(root, committedObj)} differs`);
      }
    }
    if (problems.length) {
      failures++;
      console.error(`check-generated: ${name}: ${problems.join('; ')}`);
    } else console.log(`check-generated: ${name}: up to date`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (failures) {
  console.error(`check-generated: ${failures} source(s) out of date: run node scripts/check-generated.mjs --update and commit the result`);
  process.exit(1);
}
if (warnings) console.log(`check-generated: ${warnings} object(s) built by another clang`);
