import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyCoreFixup, applyCoreFixups, CORE_POISON_HELPER } from './core-apply.js';
import { essentialName } from './core-compat.js';
import { computeCoreFixups, type CoreFixup } from './core.js';
import { CoreRelocationError } from './errors.js';
import type { CoreRelo, CoreReloKind } from './ext.js';
import { parseBtfExt } from './ext.js';
import { findMember } from './layout.js';
import { parseBtf } from './parse.js';
import { Spec } from './spec.js';
import { kernelBtf, readFixture } from './test-fixtures.js';
import type { Member, TypeInit } from './types.js';
import { skipIf } from '../testutils/kernel.js';

const m = (name: string, type: number, bitOffset: number, bitfieldSize = 0): Member => ({ name, type, bitOffset, bitfieldSize });
const INT: TypeInit = { kind: 'int', name: 'int', size: 4, encoding: 'signed', bits: 32, offset: 0 };
const UINT: TypeInit = { kind: 'int', name: 'unsigned int', size: 4, encoding: 'unsigned', bits: 32, offset: 0 };
const LONG: TypeInit = { kind: 'int', name: 'long', size: 8, encoding: 'signed', bits: 64, offset: 0 };
const ULONG: TypeInit = { kind: 'int', name: 'long unsigned int', size: 8, encoding: 'unsigned', bits: 64, offset: 0 };

// Local (object) types; ids in comments.
const local = Spec.fromTypes([
  INT, // 1
  UINT, // 2
  LONG, // 3
  { kind: 'array', name: '', type: 1, indexType: 1, nelems: 4 }, // 4
  { kind: 'struct', name: '', size: 4, members: [m('inner', 1, 0)] }, // 5
  { kind: 'struct', name: 'sample', size: 40, members: [m('a', 1, 0), m('b', 3, 64), m('flags', 2, 128, 3), m('lvl', 1, 131, 5), m('arr', 4, 160), m('', 5, 288)] }, // 6
  { kind: 'ptr', name: '', type: 6 }, // 7
  { kind: 'enum', name: 'state', size: 4, signed: false, values: [{ name: 'A', value: 1 }, { name: 'B', value: 2 }] }, // 8
  { kind: 'typedef', name: 'sample_t', type: 6 }, // 9
  { kind: 'struct', name: 'sample___old', size: 4, members: [m('gone', 1, 0)] }, // 10
  { kind: 'struct', name: 'sample___sz', size: 4, members: [m('b', 2, 0)] }, // 11
  { kind: 'struct', name: 'sample___cnt', size: 4, members: [m('cnt', 2, 0)] }, // 12
  { kind: 'struct', name: 'sample___m', size: 16, members: [m('a', 1, 0), m('b', 3, 64)] }, // 13
  { kind: 'struct', name: 'sample___mm', size: 4, members: [m('a', 2, 0)] }, // 14
  { kind: 'enum', name: 'state___new', size: 4, signed: false, values: [{ name: 'D', value: 4 }] }, // 15
  { kind: 'struct', name: '', size: 4, members: [m('x', 1, 0)] }, // 16: anonymous root
  { kind: 'struct', name: 'nowhere', size: 4, members: [m('x', 1, 0)] }, // 17: no target type of that name
  { kind: 'enum', name: 'wide', size: 8, signed: false, values: [{ name: 'W', value: 3 }] }, // 18
]);

// Target (kernel) types: same names, other layout.
const target = Spec.fromTypes([
  INT, // 1
  UINT, // 2
  LONG, // 3
  { kind: 'array', name: '', type: 1, indexType: 1, nelems: 8 }, // 4
  { kind: 'struct', name: '', size: 16, members: [m('pad', 3, 0), m('inner', 1, 64)] }, // 5
  {
    kind: 'struct', // 6
    name: 'sample',
    size: 80,
    members: [m('pad0', 3, 0), m('arr', 4, 64), m('b', 3, 320), m('a', 1, 384), m('flags', 2, 416, 3), m('lvl', 1, 419, 5), m('', 5, 448), m('cnt', 7, 576)],
  },
  ULONG, // 7
  { kind: 'enum', name: 'state', size: 4, signed: false, values: [{ name: 'B', value: 20 }, { name: 'A', value: 10 }, { name: 'C', value: 30 }] }, // 8
  { kind: 'typedef', name: 'sample_t', type: 6 }, // 9
  { kind: 'enum64', name: 'wide', size: 8, signed: false, values: [{ name: 'W', value: 1n << 40n }] }, // 10
]);

function relo(typeId: number, accessStr: string, kind: CoreReloKind, insnByteOffset = 0): CoreRelo {
  return { insnByteOffset, typeId, accessStr, kind };
}

function one(r: CoreRelo, tgt: Spec | Spec[] = target): CoreFixup {
  return computeCoreFixups(local, tgt, [r])[0];
}

function values(f: CoreFixup): [bigint, bigint, boolean] {
  return [f.localValue, f.targetValue, f.poison];
}

test('essential names drop the flavor suffix', () => {
  assert.equal(essentialName('task_struct___local'), 'task_struct');
  assert.equal(essentialName('a___b___c'), 'a___b');
  assert.equal(essentialName('task_struct'), 'task_struct');
  assert.equal(essentialName('___x'), '___x');
  assert.equal(essentialName('x____y'), 'x____y');
  assert.equal(essentialName('x___'), 'x___');
});

test('field relocations: offsets, sizes, existence, through arrays and anonymous members', () => {
  assert.deepEqual(values(one(relo(6, '0:0', 'field_byte_offset'))), [0n, 48n, false]);
  assert.deepEqual(values(one(relo(6, '0:1', 'field_byte_offset'))), [8n, 40n, false]);
  assert.deepEqual(values(one(relo(6, '0:1', 'field_byte_size'))), [8n, 8n, false]);
  assert.deepEqual(values(one(relo(6, '0:0', 'field_exists'))), [1n, 1n, false]);
  assert.deepEqual(values(one(relo(6, '0:4:2', 'field_byte_offset'))), [28n, 16n, false]);
  assert.deepEqual(values(one(relo(6, '0:4', 'field_byte_size'))), [16n, 32n, false]);
  assert.deepEqual(values(one(relo(6, '0:5:0', 'field_byte_offset'))), [36n, 64n, false]);
  assert.deepEqual(values(one(relo(6, '1', 'field_byte_offset'))), [40n, 80n, false]); // &s[1]
  assert.deepEqual(values(one(relo(9, '0:1', 'field_byte_offset'))), [8n, 40n, false]); // typedef root
  const f = one(relo(6, '0:1', 'field_byte_offset'));
  assert.equal(f.validate, true);
  assert.equal(f.targetTypeId, 6);
  assert.equal(f.targetIndex, 0);
  assert.deepEqual([f.localSize, f.targetSize, f.failMemSizeAdjust], [8, 8, false]);
  assert.equal(f.description, 'field_byte_offset struct sample (0:1)');
});

test('bitfield relocations: offset, size, signedness and shifts', () => {
  const kinds: CoreReloKind[] = ['field_byte_offset', 'field_byte_size', 'field_signed', 'field_lshift_u64', 'field_rshift_u64'];
  const got = computeCoreFixups(local, target, kinds.map((k) => relo(6, '0:3', k)));
  assert.deepEqual(got.map(values), [
    [16n, 52n, false],
    [4n, 4n, false],
    [1n, 1n, false],
    [56n, 56n, false],
    [59n, 59n, false],
  ]);
  // Bitfield offsets are not validated (clang may pick another load); signedness and rshift are.
  assert.deepEqual(got.map((f) => f.validate), [false, false, true, false, true]);
  const unsigned = one(relo(6, '0:2', 'field_signed'));
  assert.deepEqual(values(unsigned), [0n, 0n, false]);
});

test('a flavored local type matches the plain target name; a missing field poisons', () => {
  const off = one(relo(10, '0:0', 'field_byte_offset'));
  assert.deepEqual(values(off), [0n, 0n, true]);
  assert.equal(off.targetTypeId, 0);
  assert.equal(off.targetIndex, -1);
  assert.deepEqual(values(one(relo(10, '0:0', 'field_exists'))), [1n, 0n, false]);
  assert.deepEqual(values(one(relo(10, '0:0', 'field_byte_size'))), [4n, 0n, true]);
  // No target type of that name at all: same outcome.
  assert.deepEqual(values(one(relo(17, '0:0', 'field_byte_offset'))), [0n, 0n, true]);
  assert.deepEqual(values(one(relo(17, '0:0', 'field_exists'))), [1n, 0n, false]);
});

test('memory size changes: unsigned ints may be widened, signed ones may not', () => {
  const bad = one(relo(11, '0:0', 'field_byte_offset'));
  assert.deepEqual([bad.localSize, bad.targetSize, bad.failMemSizeAdjust, bad.targetValue], [4, 8, true, 40n]);
  const good = one(relo(12, '0:0', 'field_byte_offset'));
  assert.deepEqual([good.localSize, good.targetSize, good.failMemSizeAdjust, good.targetValue], [4, 8, false, 72n]);
});

test('type relocations: id, existence, size, matches', () => {
  const idLocal = one(relo(9, '0', 'type_id_local'));
  assert.deepEqual([idLocal.localValue, idLocal.targetValue, idLocal.validate], [9n, 9n, false]);
  const idTarget = one(relo(9, '0', 'type_id_target'));
  assert.deepEqual([idTarget.localValue, idTarget.targetValue, idTarget.validate], [9n, 9n, false]);
  assert.deepEqual(values(one(relo(9, '0', 'type_exists'))), [1n, 1n, false]);
  assert.deepEqual(values(one(relo(6, '0', 'type_size'))), [40n, 80n, false]);
  assert.deepEqual(values(one(relo(17, '0', 'type_exists'))), [1n, 0n, false]);
  assert.deepEqual(values(one(relo(17, '0', 'type_size'))), [4n, 0n, false]);
  assert.deepEqual(values(one(relo(13, '0', 'type_matches'))), [1n, 1n, false]);
  assert.deepEqual(values(one(relo(14, '0', 'type_matches'))), [1n, 0n, false]); // a is int in the target, unsigned locally
  assert.deepEqual(values(one(relo(8, '0', 'type_matches'))), [1n, 1n, false]); // enum names are a subset
  assert.deepEqual(values(one(relo(14, '0', 'type_exists'))), [1n, 1n, false]); // exists only needs a compatible kind
});

test('enum value relocations, including enum vs enum64', () => {
  assert.deepEqual(values(one(relo(8, '1', 'enumval_exists'))), [1n, 1n, false]);
  assert.deepEqual(values(one(relo(8, '1', 'enumval_value'))), [2n, 20n, false]);
  assert.deepEqual(values(one(relo(8, '0', 'enumval_value'))), [1n, 10n, false]);
  assert.deepEqual(values(one(relo(15, '0', 'enumval_exists'))), [1n, 0n, false]);
  assert.deepEqual(values(one(relo(15, '0', 'enumval_value'))), [4n, 0n, true]);
  assert.deepEqual(values(one(relo(18, '0', 'enumval_value'))), [3n, 1n << 40n, false]);
});

test('bad relocations throw typed errors', () => {
  const err = (r: CoreRelo, reason: string, pattern: RegExp): void => {
    assert.throws(
      () => computeCoreFixups(local, target, [r], { context: 'prog x' }),
      (e: unknown) => e instanceof CoreRelocationError && e.reason === reason && pattern.test(e.message),
    );
  };
  err(relo(6, '0:9', 'field_byte_offset', 16), 'bad-access-string', /^btf: core: prog x: relocation #0 \(field_byte_offset struct sample \(0:9\), insn 2\): access 0:9: struct sample has no member 9$/);
  err(relo(6, '0:4:4', 'field_byte_offset'), 'bad-access-string', /index 4 out of bounds of array of 4/);
  err(relo(6, '0:0:1', 'field_byte_offset'), 'bad-access-string', /indexes int/);
  err(relo(6, 'x', 'field_byte_offset'), 'bad-access-string', /malformed/);
  err(relo(6, '', 'field_byte_offset'), 'bad-access-string', /malformed/);
  err(relo(6, '1', 'type_size'), 'bad-access-string', /needs access string "0"/);
  err(relo(8, '5', 'enumval_value'), 'bad-access-string', /does not fit enum state/);
  err(relo(16, '0:0', 'field_byte_offset'), 'anonymous-type', /anonymous types are not supported/);
  err(relo(6, '0:4:1', 'field_lshift_u64'), 'bad-access-string', /cannot be applied to an array element/);
});

test('candidates must agree', () => {
  const two = Spec.fromTypes([
    INT,
    { kind: 'struct', name: 'sample', size: 8, members: [m('a', 1, 0)] },
    { kind: 'struct', name: 'sample', size: 8, members: [m('a', 1, 32)] },
    { kind: 'struct', name: 'sample___dup', size: 8, members: [m('a', 1, 0)] },
  ]);
  assert.throws(() => computeCoreFixups(local, two, [relo(6, '0:0', 'field_byte_offset')]), (e: unknown) => e instanceof CoreRelocationError && e.reason === 'ambiguous');
  const same = Spec.fromTypes([INT, { kind: 'struct', name: 'sample', size: 8, members: [m('a', 1, 32)] }, { kind: 'struct', name: 'sample___v2', size: 8, members: [m('a', 1, 32)] }]);
  assert.deepEqual(values(computeCoreFixups(local, same, [relo(6, '0:0', 'field_byte_offset')])[0]), [0n, 4n, false]);
});

test('module specs are searched only when vmlinux has no candidate', () => {
  const vmlinux = Spec.fromTypes([INT]);
  const mod = Spec.fromTypes([{ kind: 'struct', name: 'nowhere', size: 8, members: [m('x', 1, 32)] }], { base: vmlinux });
  const f = one(relo(17, '0:0', 'field_byte_offset'), [vmlinux, mod]);
  assert.deepEqual([f.targetValue, f.targetIndex, f.targetTypeId], [4n, 1, 2]);
});

// ---- applying fixups to raw instructions ----

function insn(code: number, regs: number, off: number, imm: number): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint8(0, code);
  v.setUint8(1, regs);
  v.setInt16(2, off, true);
  v.setInt32(4, imm, true);
  return b;
}
const fields = (b: Uint8Array, at = 0): [number, number, number, number] => {
  const v = new DataView(b.buffer, b.byteOffset);
  return [v.getUint8(at), v.getUint8(at + 1), v.getInt16(at + 2, true), v.getInt32(at + 4, true)];
};

test('applies fixups to ALU, load/store and ld_imm64 instructions', () => {
  const mov = insn(0xb7, 0x01, 0, 8); // r1 = 8
  applyCoreFixup(mov, one(relo(6, '0:1', 'field_byte_offset')));
  assert.deepEqual(fields(mov), [0xb7, 0x01, 0, 40]);

  const ldx = insn(0x79, 0x21, 8, 0); // r1 = *(u64 *)(r2 + 8)
  applyCoreFixup(ldx, one(relo(6, '0:1', 'field_byte_offset')));
  assert.deepEqual(fields(ldx), [0x79, 0x21, 40, 0]);

  const widen = insn(0x61, 0x21, 0, 0); // r1 = *(u32 *)(r2 + 0) becomes a u64 load at 72
  applyCoreFixup(widen, one(relo(12, '0:0', 'field_byte_offset')));
  assert.deepEqual(fields(widen), [0x79, 0x21, 72, 0]);

  const signedLoad = insn(0x61, 0x21, 0, 0);
  applyCoreFixup(signedLoad, one(relo(11, '0:0', 'field_byte_offset')));
  assert.deepEqual(fields(signedLoad), [0x85, 0, 0, CORE_POISON_HELPER]);

  const ld = new Uint8Array([...insn(0x18, 0x01, 0, 2), ...insn(0, 0, 0, 0)]); // r1 = 2 ll
  applyCoreFixup(ld, one(relo(8, '1', 'enumval_value')));
  assert.deepEqual([fields(ld)[3], fields(ld, 8)[3]], [20, 0]);

  const ld64 = new Uint8Array([...insn(0x18, 0x01, 0, 3), ...insn(0, 0, 0, 0)]);
  applyCoreFixup(ld64, one(relo(18, '0', 'enumval_value')));
  assert.deepEqual([fields(ld64)[3], fields(ld64, 8)[3]], [0, 1 << 8]);
});

test('poisons instructions that no candidate satisfies', () => {
  const ldx = insn(0x61, 0x21, 0, 0);
  applyCoreFixup(ldx, one(relo(10, '0:0', 'field_byte_offset')));
  assert.deepEqual(fields(ldx), [0x85, 0, 0, 0xbad2310]);
  const ld = new Uint8Array([...insn(0x18, 0x01, 0, 4), ...insn(0, 0, 0, 0)]);
  applyCoreFixup(ld, one(relo(15, '0', 'enumval_value')));
  assert.deepEqual([fields(ld), fields(ld, 8)], [[0x85, 0, 0, 0xbad2310], [0x85, 0, 0, 0xbad2310]]);
});

test('refuses to patch unexpected instructions', () => {
  const fix = one(relo(6, '0:1', 'field_byte_offset'));
  const err = (b: Uint8Array, f: CoreFixup, reason: string, pattern: RegExp): void => {
    assert.throws(() => applyCoreFixup(b, f), (e: unknown) => e instanceof CoreRelocationError && e.reason === reason && pattern.test(e.message));
  };
  err(insn(0xb7, 0x01, 0, 9), fix, 'unexpected-value', /ALU immediate is 9, expected 8 \(-> 40\)/);
  err(insn(0x79, 0x21, 16, 0), fix, 'unexpected-value', /memory offset is 16, expected 8/);
  err(insn(0xbf, 0x21, 0, 0), fix, 'bad-instruction', /has no immediate/); // r1 = r2
  err(insn(0x05, 0, 8, 0), fix, 'bad-instruction', /cannot be relocated/); // ja
  err(insn(0x18, 0x01, 0, 8), fix, 'bad-instruction', /needs 16 bytes/);
  err(new Uint8Array(4), fix, 'bad-instruction', /need 8 bytes/);
  err(insn(0x79, 0x21, 8, 0), { ...fix, targetValue: 40000n }, 'value-too-big', /offset 40000 does not fit/);
  assert.throws(() => applyCoreFixups(new Uint8Array(8), [{ ...fix, insnByteOffset: 8 }]), (e: unknown) => e instanceof CoreRelocationError && e.reason === 'bad-instruction');
});

test('relocating a clang object against its own BTF reproduces what clang compiled', () => {
  const spec = parseBtf(readFixture('core-kinds.btf'));
  const ext = parseBtfExt(readFixture('core-kinds.btf.ext'), spec);
  for (const [section, file] of [['socket', 'core-kinds.socket.insns'], ['.text', 'core-kinds.text.insns']]) {
    const fixups = computeCoreFixups(spec, spec, ext.coreRelos.get(section)!);
    assert.ok(fixups.every((f) => !f.poison));
    const insns = Uint8Array.from(readFixture(file));
    applyCoreFixups(insns, fixups); // validates every non-bitfield value against the instruction
    const byOff = new Map(fixups.map((f) => [f.insnByteOffset, f]));
    const arr = byOff.get(8);
    if (section === '.text') assert.equal(arr?.targetValue, 32n); // arr[2] at 16 + 2 * 8
  }
});

test('relocates a flavored partial task_struct against the running kernel', (t) => {
  const k = kernelBtf();
  if (!k.bytes) return void skipIf(t, k.reason);
  const kernel = parseBtf(k.bytes);
  const obj = Spec.fromTypes([INT, { kind: 'struct', name: 'task_struct___local', size: 8, members: [m('tgid', 1, 0), m('pid', 1, 32)] }]);
  const fixups = computeCoreFixups(obj, kernel, [
    relo(2, '0:0', 'field_byte_offset', 0),
    relo(2, '0:1', 'field_byte_offset', 8),
    relo(2, '0:1', 'field_exists', 16),
    relo(2, '0', 'type_size', 24),
  ]);
  const task = kernel.anyTypeByName('task_struct', 'struct')!;
  assert.deepEqual(
    fixups.map((f) => [f.localValue, f.targetValue, f.poison]),
    [
      [0n, BigInt(findMember(kernel, task.id, 'tgid')!.byteOffset), false],
      [4n, BigInt(findMember(kernel, task.id, 'pid')!.byteOffset), false],
      [1n, 1n, false],
      [8n, BigInt(task.size), false],
    ],
  );
  assert.equal(fixups[0].targetTypeId, task.id);
});
