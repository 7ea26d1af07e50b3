// tsbpf as a dependency of a new TypeScript project: scripts/consumer-check.mjs packs this
// checkout, installs the tarball with no C compiler on PATH, generates bindings for a program with
// structs, compiles with tsc --init's defaults, runs it against the kernel, then does the same from
// a git URL. About a minute and a half; needs clang, the npm registry (or cache) and the kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { kernelTest } from '../testutils/kernel.js';

const script = fileURLToPath(new URL('../../scripts/consumer-check.mjs', import.meta.url));

test('a new project installs the packed tarball and a git URL, generates, compiles strictly and runs', (t) => {
  if (!kernelTest(t)) return;
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', maxBuffer: 64 << 20 });
  t.diagnostic(r.stdout.trim());
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /^consumer-check: npm install of the tarball with no compiler on PATH \(prebuilt addon\)/m);
  assert.match(r.stdout, /^consumer-check: run: \{"retval":0,"packets":"15","last_len":50,"flags":3\}/m);
  assert.match(r.stdout, /^consumer-check: npm install git\+file:.*run: \{"retval":0,"packets":"15"/m);
});
