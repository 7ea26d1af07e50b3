// The vendored parity corpus (testdata/parity/): real programs from libbpf-bootstrap and
// cilium/ebpf, compiled here and loaded by tsbpf and by libbpf (the system's libbpf-dev, built
// into a tiny oracle), compared on load outcome, each program's kernel tag and refusal reasons.
// Without libbpf-dev, tsbpf is compared with the outcomes recorded in testdata/parity/expected.json
// (tags only when this kernel and clang are the recording's). scripts/parity.ts runs the full corpus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelTest } from '../testutils/kernel.js';
import { findClang } from '../testutils/bpf-objects.js';
import {
  compileParityObject,
  describeOutcome,
  libbpfUnavailableReason,
  loadWithLibbpf,
  loadWithTsbpf,
  objectName,
  parityDir,
  readCorpus,
  rowOf,
  type LoadOutcome,
} from '../testutils/parity.js';

interface Expected {
  kernel: string;
  clang: string;
  objects: Record<string, LoadOutcome>;
}

const corpus = readCorpus();
const vendored = corpus.objects.filter((o) => o.vendored);

test('parity: the vendored corpus loads in tsbpf as in libbpf, with the same program tags', async (t) => {
  if (!kernelTest(t, { reason: () => (findClang() ? null : 'needs clang to build the corpus') })) return;
  const noLibbpf = libbpfUnavailableReason();
  let expected: Expected | undefined;
  let sameHost = false;
  if (noLibbpf) {
    expected = JSON.parse(readFileSync(join(parityDir, 'expected.json'), 'utf8')) as Expected;
    const kernel = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
    const clang = execFileSync(findClang()!, ['--version'], { encoding: 'utf8' }).split('\n')[0];
    sameHost = kernel === expected.kernel && clang === expected.clang;
    t.diagnostic(`${noLibbpf}: comparing with testdata/parity/expected.json (${sameHost ? 'tags too' : `load outcomes only: recorded on ${expected.kernel} with ${expected.clang}`})`);
  }
  assert.ok(vendored.length >= 20, `${vendored.length} vendored objects`);
  for (const o of vendored) {
    await t.test(objectName(o), () => {
      const object = compileParityObject(corpus, o);
      const tsbpf = loadWithTsbpf(object);
      let libbpf: LoadOutcome;
      if (expected) {
        const rec = expected.objects[objectName(o)];
        assert.ok(rec, `${objectName(o)} is not recorded in expected.json: run scripts/parity.ts --record`);
        // Another kernel or clang makes other instructions: only the outcome can be compared.
        libbpf = sameHost || !rec.loaded || !tsbpf.loaded ? rec : { ...rec, tags: tsbpf.tags };
      } else {
        libbpf = loadWithLibbpf(object);
      }
      const row = rowOf(o, libbpf, tsbpf);
      assert.notEqual(row.status, 'differs', `${row.object}: ${row.detail}\n  libbpf: ${describeOutcome(libbpf)}\n  tsbpf:  ${describeOutcome(tsbpf)}`);
      if (row.status === 'equal' && libbpf.loaded) assert.deepEqual(tsbpf.tags, libbpf.tags);
      if (row.status === 'equal' && o.explained) t.diagnostic(`${row.object}: now equal; drop its explanation from testdata/parity/corpus.json`);
    });
  }
});
