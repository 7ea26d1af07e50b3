// CO-RE at load time on hand-made BTF: offsets patched, missing fields poisoned, metadata kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Assembler, R0, R1, R2, SlotMap, isHelperCall } from '../asm/index.js';
import { CORE_POISON_HELPER, Spec, type TypeInit } from '../btf/index.js';
import { applyCoreRelocations } from './core.js';
import type { CoreRelocation } from '../spec/index.js';

const int: TypeInit = { kind: 'int', name: 'int', size: 4, encoding: 'signed', bits: 32, offset: 0 };
const long: TypeInit = { kind: 'int', name: 'long', size: 8, encoding: 'signed', bits: 64, offset: 0 };
// struct task_struct___local { int tgid; int pid; long gone; }  (ids: 1 int, 2 long, 3 struct)
const local = Spec.fromTypes([
  int,
  long,
  { kind: 'struct', name: 'task_struct___local', size: 16, members: [
    { name: 'tgid', type: 1, bitOffset: 0, bitfieldSize: 0 },
    { name: 'pid', type: 1, bitOffset: 32, bitfieldSize: 0 },
    { name: 'gone', type: 2, bitOffset: 64, bitfieldSize: 0 },
  ] },
]);
// The "kernel": struct task_struct { long state; int pid; int tgid; }
const kernel = Spec.fromTypes([
  int,
  long,
  { kind: 'struct', name: 'task_struct', size: 16, members: [
    { name: 'state', type: 2, bitOffset: 0, bitfieldSize: 0 },
    { name: 'pid', type: 1, bitOffset: 64, bitfieldSize: 0 },
    { name: 'tgid', type: 1, bitOffset: 96, bitfieldSize: 0 },
  ] },
]);

function relo(insns: ReturnType<Assembler['build']>, index: number, accessStr: string, kind: CoreRelocation['kind']): CoreRelocation {
  return { insnOff: new SlotMap(insns).byteOffsetOf(index), insnIndex: index, typeId: 3, accessStr, kind };
}

test('field offsets move to the kernel layout; field_exists and missing fields', () => {
  const insns = new Assembler()
    .label('main')
    .ldxw(R0, R1, 4) // pid
    .ldxw(R2, R1, 0) // tgid
    .ldImm64(R2, 8n) // a 64-bit constant carrying the offset of `gone` (poisoned: two slots)
    .mov64(R2, 1) // field_exists(gone)
    .exit()
    .build();
  const relos = [relo(insns, 0, '0:1', 'field_byte_offset'), relo(insns, 1, '0:0', 'field_byte_offset'), relo(insns, 2, '0:2', 'field_byte_offset'), relo(insns, 3, '0:2', 'field_exists')];
  const out = applyCoreRelocations('p', insns, relos, local, kernel);
  assert.equal(out[0].offset, 8);
  assert.equal(out[0].symbol, 'main', 'metadata is kept');
  assert.equal(out[1].offset, 12);
  // The ld_imm64 became two poisoned calls: same slot count, so jumps stay valid.
  assert.ok(isHelperCall(out[2]) && out[2].imm === CORE_POISON_HELPER);
  assert.ok(isHelperCall(out[3]) && out[3].imm === CORE_POISON_HELPER);
  assert.equal(out[4].imm, 0, 'gone does not exist');
  assert.equal(new SlotMap(out).slotCount, new SlotMap(insns).slotCount);
  assert.equal(insns[0].offset, 4, 'the input is not modified');
});

test('no relocations: a copy; a bad offset is a RangeError naming the program', () => {
  const insns = new Assembler().mov64(R0, 0).exit().build();
  assert.deepEqual(applyCoreRelocations('p', insns, [], local, kernel), insns);
  assert.throws(() => applyCoreRelocations('prog_x', insns, [{ insnOff: 800, insnIndex: 100, typeId: 3, accessStr: '0:1', kind: 'field_byte_offset' }], local, kernel), /program prog_x: CO-RE relocation #0: no instruction starts at byte 800/);
});
