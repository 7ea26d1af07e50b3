// struct_ops variables read from clang objects (testdata/struct_ops*.bpf.c): no kernel needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureBytes } from '../testutils/bpf-objects.js';
import { loadCollectionSpec } from './reader.js';
import { ElfParseError } from './errors.js';
import { ProgramType } from '../types.js';

test('struct_ops variables: section, struct, program slots, data members and bytes', (t) => {
  const bytes = fixtureBytes(t, 'struct_ops');
  if (!bytes) return;
  const spec = loadCollectionSpec(bytes);
  assert.deepEqual(Object.keys(spec.structOps ?? {}), ['tsbpf_upd', 'tsbpf_a', 'tsbpf_b']);
  const upd = spec.structOps!.tsbpf_upd;
  assert.equal(upd.section, '.struct_ops');
  assert.equal(upd.link, false);
  assert.equal(upd.typeName, 'tcp_congestion_ops');
  assert.deepEqual(
    upd.programs.map((p) => [p.member, p.offset, p.program]),
    [
      ['ssthresh', 0, 'so_ssthresh'],
      ['cong_avoid', 8, 'cong_avoid_upd'],
      ['undo_cwnd', 24, 'so_undo_cwnd'],
    ],
  );
  assert.deepEqual(upd.emptyFunctions, ['set_state']);
  assert.deepEqual(
    upd.dataMembers.map((m) => [m.name, m.offset, m.size]),
    [
      ['name', 32, 16],
      ['flags', 48, 4],
    ],
  );
  assert.equal(upd.data.length, 56);
  assert.equal(Buffer.from(upd.data.subarray(32, 48)).toString('latin1').replace(/\0+$/, ''), 'tsbpf_upd');
  const b = spec.structOps!.tsbpf_b;
  assert.equal(b.section, '.struct_ops.link');
  assert.equal(b.link, true);
  assert.equal(b.programs.find((p) => p.member === 'cong_avoid')?.program, 'cong_avoid_b');
  // Callbacks are ordinary programs of the spec; the kernel struct decides their target at load.
  assert.equal(spec.programs.cong_avoid_b.type, ProgramType.StructOps);
  assert.equal(spec.programs.unused_cb.type, ProgramType.StructOps);
  // Not maps of the spec: their size depends on the kernel.
  assert.equal(Object.hasOwn(spec.maps, 'tsbpf_a'), false);
});

test('a struct_ops callback that is not a struct_ops program is refused, naming both', (t) => {
  const bytes = fixtureBytes(t, 'struct_ops_wrong_prog');
  if (!bytes) return;
  assert.throws(
    () => loadCollectionSpec(bytes),
    (e: unknown) =>
      e instanceof ElfParseError &&
      e.section === '.struct_ops' &&
      e.message === 'elf: section .struct_ops: struct_ops wrong: member ssthresh: program not_a_callback is in section socket, not a struct_ops program (use SEC("struct_ops/not_a_callback"))',
  );
});

test('objects without struct_ops have no structOps', (t) => {
  const bytes = fixtureBytes(t, 'count');
  if (!bytes) return;
  assert.equal(loadCollectionSpec(bytes).structOps, undefined);
});
