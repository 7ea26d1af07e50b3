#!/usr/bin/env node
// Runs the test suites with node's test runner over the TypeScript sources (through tsx).
// Usage: node scripts/run-tests.mjs [--unit] [--expected-skips FILE] [path-substring ...]
//   --unit                  only *.test.ts that need no kernel (skips *.kernel.test.ts)
//   --expected-skips FILE   fail when the skipped tests differ from FILE's lines (of the files run);
//                           the default under TSBPF_REQUIRE_PRIVILEGES=1 is .ci/expected-skips.txt,
//                           TSBPF_EXPECTED_SKIPS=FILE sets it too
//   substrings keep only test files whose path contains one of them
// Skipped tests are listed at the end of every run, one `file: test: reason` a line.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
let expectedSkips = process.env.TSBPF_EXPECTED_SKIPS || (process.env.TSBPF_REQUIRE_PRIVILEGES === '1' ? '.ci/expected-skips.txt' : undefined);
const filters = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--expected-skips') expectedSkips = args[++i];
  else if (!args[i].startsWith('--')) filters.push(args[i]);
}

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

let files = [...walk(join(root, 'src'), []), ...walk(join(root, 'scripts'), []), ...walk(join(root, 'examples'), [])].sort();
if (unitOnly) files = files.filter((f) => !f.endsWith('.kernel.test.ts'));
if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
const tmp = mkdtempSync(join(tmpdir(), 'tsbpf-skips-'));
const skipsFile = join(tmp, 'skips.txt');
const r = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=./scripts/skip-reporter.mjs',
    `--test-reporter-destination=${skipsFile}`,
    ...files,
  ],
  { cwd: root, stdio: 'inherit' },
);
const skipped = existsSync(skipsFile) ? lines(readFileSync(skipsFile, 'utf8')) : [];
rmSync(tmp, { recursive: true, force: true });
let status = r.status ?? 1;

console.log(`\nrun-tests: ${skipped.length} skipped${skipped.length ? ':' : ''}`);
for (const s of skipped) console.log(`  ${s}`);

if (expectedSkips) {
  const ran = new Set(files);
  const expected = lines(readFileSync(resolve(root, expectedSkips), 'utf8')).filter((l) => ran.has(l.slice(0, l.indexOf(': '))));
  const unexpected = skipped.filter((s) => !expected.includes(s));
  const missing = expected.filter((s) => !skipped.includes(s));
  if (unexpected.length || missing.length) {
    console.error(`\nrun-tests: the skipped tests differ from ${expectedSkips}:`);
    for (const s of unexpected) console.error(`  + ${s}    (skipped, not expected)`);
    for (const s of missing) console.error(`  - ${s}    (expected to skip, did not)`);
    console.error(`Fix the cause, or, if this host really lacks the feature, update ${expectedSkips}.`);
    if (status === 0) status = 1;
  } else {
    console.log(`run-tests: skips match ${expectedSkips}`);
  }
}
process.exit(status);

/** The non-empty, non-comment lines of a text, sorted. */
function lines(text) {
  return [...new Set(text.split('\n').map((l) => l.trimEnd()).filter((l) => l && !l.startsWith('#')))].sort();
}
