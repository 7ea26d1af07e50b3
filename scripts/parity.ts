/**
 * The parity table: every object of testdata/parity/corpus.json compiled here with clang and
 * loaded by libbpf (the oracle: the system's libbpf-dev through testdata/parity/libbpf-loader.c)
 * and by tsbpf, compared on load outcome, each program's kernel tag, and refusal reasons.
 *
 * Run (as root): npx tsx scripts/parity.ts [--git SOURCE=GIT_DIR]... [--vendored] [--markdown] [--record]
 *   --git SOURCE=GIT_DIR  read SOURCE's files from a clone of its repository (any clone holding
 *                         the pinned commit: `git clone https://github.com/<repo>`); without it,
 *                         only SOURCE's vendored objects (testdata/parity/<source>/) are run.
 *   --vendored            only the vendored subset (what `npm test` runs).
 *   --markdown            print the table as Markdown (docs/parity.md).
 *   --record              write testdata/parity/expected.json: the vendored objects' libbpf
 *                         outcomes on this kernel, the fallback of the test without libbpf-dev.
 * Exit status 1 when a row differs without an explanation in corpus.json.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeOutcome, gitReader, objectName, parityDir, parityRow, readCorpus, type ParityRow } from '../src/testutils/parity.js';
import { findClang } from '../src/gen/clang.js';

const { values } = parseArgs({
  options: {
    git: { type: 'string', multiple: true, default: [] },
    vendored: { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false },
    record: { type: 'boolean', default: false },
  },
});
const corpus = readCorpus();
const gitDirs: Record<string, string> = {};
for (const g of values.git) {
  const eq = g.indexOf('=');
  const source = g.slice(0, eq);
  if (eq < 1 || !corpus.sources[source]) throw new Error(`parity: --git ${g}: expected SOURCE=GIT_DIR with SOURCE one of ${Object.keys(corpus.sources).join(', ')}`);
  gitDirs[source] = g.slice(eq + 1);
}
const objects = corpus.objects.filter((o) => (values.vendored ? o.vendored : o.vendored || gitDirs[o.source]));
const read = gitReader(corpus, gitDirs);
const rows: ParityRow[] = [];
for (const o of objects) {
  let row: ParityRow;
  try {
    row = parityRow(corpus, o, read);
  } catch (e) {
    // Not compiled here: a row of its own, so the table says so.
    const lines = (e as Error).message.split('\n');
    const msg = (lines.find((l) => /error:/.test(l)) ?? lines[0]).replace(/^.*?(fatal error:|error:)/, '$1');
    const none = { loaded: false, errno: 'compile', verdict: msg.trim() };
    row = { object: objectName(o), libbpf: none, tsbpf: none, status: o.explained ? 'explained' : 'differs', detail: 'does not compile here', explanation: o.explained };
  }
  rows.push(row);
  if (!values.markdown) {
    const mark = row.status === 'equal' ? 'ok ' : row.status === 'explained' ? 'exp' : 'DIF';
    console.log(`${mark} ${row.object.padEnd(38)} libbpf: ${describeOutcome(row.libbpf).slice(0, 60).padEnd(60)} tsbpf: ${describeOutcome(row.tsbpf).slice(0, 60)}`);
    if (row.detail) console.log(`    ${row.detail}${row.explanation ? `\n    explained: ${row.explanation}` : ''}`);
  }
}

const count = (s: ParityRow['status']) => rows.filter((r) => r.status === s).length;
const programs = rows.reduce((n, r) => n + (r.libbpf.loaded && r.tsbpf.loaded ? Object.keys(r.libbpf.tags!).length : 0), 0);
const sameTags = rows.reduce((n, r) => n + (r.libbpf.loaded && r.tsbpf.loaded ? Object.keys(r.libbpf.tags!).filter((p) => r.libbpf.tags![p] === r.tsbpf.tags![p]).length : 0), 0);
const summary = `${rows.length} objects: ${count('equal')} equal, ${count('explained')} explained, ${count('differs')} differ; ${sameTags}/${programs} programs loaded by both with the same tag`;

if (values.markdown) {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  console.log('| object | libbpf | tsbpf | tags | result |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) {
    const tags = r.libbpf.loaded && r.tsbpf.loaded ? `${Object.keys(r.libbpf.tags!).filter((p) => r.libbpf.tags![p] === r.tsbpf.tags![p]).length}/${Object.keys(r.libbpf.tags!).length} equal` : '-';
    const result = r.status === 'equal' ? 'equal' : r.status === 'explained' ? `explained: ${r.explanation}` : `**differs**: ${r.detail}`;
    console.log(`| ${r.object} | ${cell(describeOutcome(r.libbpf))} | ${cell(describeOutcome(r.tsbpf))} | ${tags} | ${cell(result)} |`);
  }
  console.log(`\n${summary}`);
} else {
  console.log(summary);
}

if (values.record) {
  const uname = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
  const clang = execFileSync(findClang(), ['--version'], { encoding: 'utf8' }).split('\n')[0];
  const vendored = rows.filter((r) => corpus.objects.some((o) => o.vendored && objectName(o) === r.object));
  const expected = { kernel: uname, clang, objects: Object.fromEntries(vendored.map((r) => [r.object, r.libbpf])) };
  writeFileSync(join(parityDir, 'expected.json'), `${JSON.stringify(expected, null, 2)}\n`);
  console.error(`parity: recorded ${vendored.length} objects in testdata/parity/expected.json`);
}
process.exitCode = count('differs') > 0 ? 1 : 0;
