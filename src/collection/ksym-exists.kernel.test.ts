// bpf_ksym_exists() on __weak kfuncs, from C: an ld_imm64 of a kfunc loads its BTF id (the kernel
// then gives a non-null pointer), a missing one loads 0 and the call it guards is dead code.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTest } from '../testutils/kernel.js';
import { compileObject, findClang } from '../testutils/bpf-objects.js';
import { loadCollectionSpec } from '../elf/index.js';
import { isKfuncCall, isKsymLoad } from '../asm/index.js';
import { loadCollection } from './load.js';

function fixture(t: TestContext): string | undefined {
  if (!kernelTest(t, { reason: () => (findClang() ? null : 'needs clang to build testdata fixtures') })) return undefined;
  return compileObject('ksym_exists');
}

test('ksym_exists: a kfunc whose address is taken is a kfunc extern, loaded by BTF id', (t) => {
  const obj = fixture(t);
  if (!obj) return;
  const spec = loadCollectionSpec(obj);
  assert.equal(spec.externs.bpf_task_from_pid.kind, 'kfunc', 'the kind comes from BTF (FUNC), not the instruction');
  assert.equal(spec.externs.tsbpf_no_such_kfunc.kind, 'kfunc');
  assert.equal(spec.externs.tsbpf_no_such_kfunc.weak, true);
  const insns = spec.programs.present_no_call.instructions;
  assert.ok(insns.some((i) => isKsymLoad(i) && i.reference === 'bpf_task_from_pid'));
  assert.ok(!insns.some((i) => isKfuncCall(i)), 'no call in present_no_call');
});

test('ksym_exists: (a) the check alone sees a kfunc the kernel has', (t) => {
  const obj = fixture(t);
  if (!obj) return;
  using coll = loadCollection(obj, { programs: ['present_no_call'] });
  assert.equal(coll.variables.seen_present.get(), 99n);
  assert.equal(coll.programs.present_no_call.test().retval, 1);
  assert.equal(coll.variables.seen_present.get(), 1n);
});

test('ksym_exists: (b) a missing __weak kfunc reads 0 and its guarded call is dead code', (t) => {
  const obj = fixture(t);
  if (!obj) return;
  using coll = loadCollection(obj, { programs: ['missing_guarded'] });
  assert.ok(coll.notes.some((n) => n.includes('tsbpf_no_such_kfunc')), coll.notes.join('; '));
  assert.equal(coll.programs.missing_guarded.test().retval, 7);
  assert.equal(coll.variables.seen_missing.get(), 0n);
});

test('ksym_exists: (c) the check, then the kfunc call it guards', (t) => {
  const obj = fixture(t);
  if (!obj) return;
  using coll = loadCollection(obj, { programs: ['present_then_call'] });
  assert.equal(coll.programs.present_then_call.test().retval, 4, 'bpf_task_from_pid found the calling task');
});

test('ksym_exists: all three programs in one collection', (t) => {
  const obj = fixture(t);
  if (!obj) return;
  using coll = loadCollection(obj);
  assert.deepEqual(Object.keys(coll.programs).sort(), ['missing_guarded', 'present_no_call', 'present_then_call']);
  assert.equal(coll.programs.present_no_call.test().retval, 1);
  assert.equal(coll.programs.missing_guarded.test().retval, 7);
  assert.equal(coll.programs.present_then_call.test().retval, 4);
});
