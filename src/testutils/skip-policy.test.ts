// The suite's skip policy: a test skips only through skipIf (src/testutils/kernel.ts), with a
// reason, so scripts/run-tests.mjs sees every skip and can compare them with .ci/expected-skips.txt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const HELPER = 'src/testutils/kernel.ts';
/** t.skip(...), test.skip(...), describe.skip, it.todo, and { skip: ... } or { todo: ... } options. */
const FORBIDDEN = /\b(?:t|test|it|describe|suite|ctx|context)\.(?:skip|todo)\s*\(|[{,]\s*(?:skip|todo)\s*:/;

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(ts|mts|mjs)$/.test(name)) out.push(relative(root, p));
  }
  return out;
}

test('no test skips or marks itself todo except through skipIf', () => {
  const offenders: string[] = [];
  for (const file of [...sources(join(root, 'src')), ...sources(join(root, 'examples'))]) {
    if (file === HELPER || file === relative(root, fileURLToPath(import.meta.url))) continue;
    const text = readFileSync(join(root, file), 'utf8');
    text.split('\n').forEach((line, i) => {
      if (FORBIDDEN.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offenders, [], `skip through skipIf from ${HELPER}`);
});

test('the policy check sees each form of skip', () => {
  for (const line of ["t.skip('x')", "test.skip('x', () => {})", "describe.skip('x')", "test('x', { skip: 'y' }, () => {})", "it.todo('x')"]) {
    assert.match(line, FORBIDDEN, line);
  }
  assert.doesNotMatch("if (skipIf(t, why)) return;", FORBIDDEN);
});
