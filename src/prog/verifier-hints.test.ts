// Catalog entries whose refusals cannot be produced from C on this kernel, checked on log lines
// as the kernel prints them (kernel/bpf/verifier.c), and the catalog's order and safety.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hintFor, HINTS } from './verifier-hints.js';
import { ProgramType } from '../types.js';

const CASES: ReadonlyArray<readonly [string, string | undefined, string, RegExp]> = [
  ['infinite loop detected at insn 5', undefined, 'infinite-loop', /bound the verifier can see/],
  ['calling kernel function bpf_task_acquire is not allowed', undefined, 'kfunc-prog-type', /bpf_task_acquire is not registered for xdp programs/],
  ['R2 !read_ok', '3: (85) call bpf_map_lookup_elem#1', 'register-unset', /clobber R1-R5/],
  ['dereference of modified ctx ptr R1 off=4 disallowed', undefined, 'modified-ctx', /ctx->field/],
  ['R1 type=scalar expected=map_ptr', '3: (85) call bpf_map_lookup_elem#1', 'helper-argument', /argument 1 of bpf_map_lookup_elem must be map_ptr, but it is a scalar/],
  ['unreachable insn 1', undefined, 'unreachable', /no path reaches/],
];

for (const [reason, instruction, id, text] of CASES) {
  test(`hint ${id}: ${reason}`, () => {
    const h = hintFor([instruction ?? '', reason], reason, instruction, { programType: ProgramType.XDP });
    assert.equal(h?.id, id);
    assert.match(h!.text, text);
  });
}

test('a callback-context refusal on a non-callback helper gets the generic argument hint', () => {
  const h = hintFor([], 'R2 type=map_value expected=fp', '3: (85) call bpf_map_lookup_elem#1');
  assert.equal(h?.id, 'helper-argument');
  assert.match(h!.text, /argument 2 of bpf_map_lookup_elem must be fp/);
});

test('gpl-only names a missing license, and says nothing of the license when it is unknown', () => {
  const r = 'cannot call GPL-restricted function from non-GPL compatible program';
  assert.match(hintFor([], r, undefined, { license: '' })!.text, /^the object declares no license/);
  assert.match(hintFor([], r, undefined, {})!.text, /^GPL-only helpers need/);
});

test('unknown failures get no hint; no reason, no hint', () => {
  assert.equal(hintFor([], 'something the catalog has never seen', undefined), undefined);
  assert.equal(hintFor([], undefined, undefined), undefined);
});

test('every entry describes what it recognises', () => {
  for (const h of HINTS) assert.ok(h.recognises.length > 10 && /^[a-z0-9-]+$/.test(h.id), h.id);
});

test('docs/troubleshooting.md lists every catalog entry', async () => {
  const { readFileSync } = await import('node:fs');
  const doc = readFileSync(new URL('../../docs/troubleshooting.md', import.meta.url), 'utf8');
  assert.deepEqual(HINTS.map((h) => h.id).filter((id) => !doc.includes(`| \`${id}\` |`)), []);
});
