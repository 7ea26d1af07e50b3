// `tsbpf check`: every example's programs load (ok, with verifier statistics); the seed's two
// broken variants are reported with their source lines and hints, and the exit status is 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { kernelTest } from '../testutils/kernel.js';
import { compileObject, repoRoot } from '../testutils/bpf-objects.js';

const cli = new URL('./main.ts', import.meta.url).pathname;

function check(...args: string[]): { status: number; stdout: string } {
  try {
    return { status: 0, stdout: execFileSync(process.execPath, ['--import', 'tsx', cli, 'check', ...args], { encoding: 'utf8', stdio: 'pipe' }) };
  } catch (e) {
    const err = e as { status: number; stdout: string };
    return { status: err.status, stdout: err.stdout };
  }
}

/**
 * The examples' committed objects, except fentry: this host refuses fentry/fexit loads with
 * EPERM before the verifier runs (see README), which `check` rightly reports as a failure.
 */
function exampleObjects(): string[] {
  const dir = join(repoRoot, 'examples');
  return readdirSync(dir)
    .filter((d) => d !== 'fentry')
    .flatMap((d) => readdirSync(join(dir, d)).filter((f) => f.endsWith('.bpf.o')).map((f) => join(dir, d, f)));
}

test('tsbpf check: every example program loads', (t) => {
  if (!kernelTest(t)) return;
  const objs = exampleObjects();
  assert.ok(objs.length >= 9, `${objs.length} objects`);
  const r = check('--json', ...objs);
  const out = JSON.parse(r.stdout) as { ok: boolean; objects: Array<{ path: string; programs: Array<{ program: string; ok: boolean; insnsProcessed?: number; error?: { summary: string } }> }> };
  const failed = out.objects.flatMap((o) => o.programs.filter((p) => !p.ok).map((p) => `${o.path} ${p.program}: ${p.error?.summary}`));
  assert.deepEqual(failed, []);
  assert.equal(r.status, 0);
  assert.equal(out.ok, true);
  for (const o of out.objects) {
    assert.ok(o.programs.length > 0, o.path);
    for (const p of o.programs) assert.ok((p.insnsProcessed ?? 0) > 0, `${o.path} ${p.program}: no statistics`);
  }
});

test("tsbpf check: the seed's two broken variants are reported with their lines, exit status 1", (t) => {
  if (!kernelTest(t)) return;
  const r = check(compileObject('count_bad_ctx'), compileObject('count_bad_ret'));
  assert.equal(r.status, 1);
  assert.match(r.stdout, /FAIL {2}refresh_count \(socket\): EACCES: count_bad_ctx\.bpf\.c:29: R3 type=map_value expected=fp/);
  assert.match(r.stdout, /29 \| bpf_for_each_map_elem\(&my_map, count_elem, &global_ctx, 0\);/);
  assert.match(r.stdout, /hint: the callback context \(argument 3 of bpf_for_each_map_elem\) must point to the stack/);
  assert.match(r.stdout, /FAIL {2}refresh_count \(socket\): EINVAL: count_bad_ret\.bpf\.c:17: At callback return the register R0/);
  assert.match(r.stdout, /hint: a bpf_for_each_map_elem\/bpf_loop callback returns 0 to continue or 1 to stop/);
  assert.match(r.stdout, /2 program\(s\) in 2 object\(s\): 0 ok, 2 failed$/m);
  // Not a BPF object: reported, not a crash.
  const junk = check(cli);
  assert.equal(junk.status, 1);
  assert.match(junk.stdout, /FAIL {2}/);
});

test('tsbpf prog run --log: the annotated log with the failing line marked', (t) => {
  if (!kernelTest(t)) return;
  const bad = compileObject('verifier/null_check');
  assert.throws(() => execFileSync(process.execPath, ['--import', 'tsx', cli, 'prog', 'run', '--log', bad, 'missing_null_check'], { encoding: 'utf8', stdio: 'pipe' }), (e: unknown) => {
    const err = e as { status: number; stderr: string };
    assert.equal(err.status, 1);
    assert.match(err.stderr, /null_check\.bpf\.c:9: R0 invalid mem access 'map_value_or_null'/);
    assert.match(err.stderr, /verifier log:/);
    assert.match(err.stderr, /^>\t; return \*v; @ null_check\.bpf\.c:9$/m);
    return true;
  });
  const ok = execFileSync(process.execPath, ['--import', 'tsx', cli, 'prog', 'run', '--log', compileObject('count'), 'refresh_count'], { encoding: 'utf8' });
  assert.match(ok, /^verifier log:\n(\t.*\n)*\tprocessed \d+ insns/);
});
