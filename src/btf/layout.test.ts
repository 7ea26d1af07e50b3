import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BtfResolveError } from './errors.js';
import { alignof, arrayElementSize, findMember, isPacked, memberLayout, resolveType, sizeof, skipQualifiers } from './layout.js';
import { parseBtf } from './parse.js';
import { Spec } from './spec.js';
import { allKindsSpec, kernelBtf, readFixture } from './test-fixtures.js';
import type { TypeInit } from './types.js';
import { skipIf } from '../testutils/kernel.js';

const INT: TypeInit = { kind: 'int', name: 'int', size: 4, encoding: 'signed', bits: 32, offset: 0 };
const CHAR: TypeInit = { kind: 'int', name: 'char', size: 1, encoding: 'signed', bits: 8, offset: 0 };
const LONG: TypeInit = { kind: 'int', name: 'long', size: 8, encoding: 'signed', bits: 64, offset: 0 };
const I128: TypeInit = { kind: 'int', name: '__int128', size: 16, encoding: 'signed', bits: 128, offset: 0 };

function isCycle(e: unknown): boolean {
  return e instanceof BtfResolveError && e.reason === 'cycle';
}

test('sizeof and alignof of basic kinds', () => {
  const spec = allKindsSpec();
  assert.equal(sizeof(spec, 1), 4);
  assert.equal(sizeof(spec, 5), 8); // void *
  assert.equal(sizeof(spec, 6), 16); // int[4]
  assert.equal(sizeof(spec, 7), 16);
  assert.equal(sizeof(spec, 11), 16); // typedef
  assert.equal(sizeof(spec, 13), 4); // const volatile int
  assert.equal(sizeof(spec, 17), 4); // var
  assert.equal(sizeof(spec, 18), 8); // datasec
  assert.equal(sizeof(spec, 21), 4); // type_tag
  assert.equal(sizeof(spec, 22), 8); // enum64
  assert.equal(alignof(spec, 6), 4);
  assert.equal(alignof(spec, 7), 8);
  assert.equal(alignof(spec, 8), 8);
  assert.equal(alignof(spec, 19), 8);
  for (const id of [0, 10, 15, 16]) {
    assert.throws(() => sizeof(spec, id), (e) => e instanceof BtfResolveError && e.reason === 'unsized', `sizeof ${id}`);
  }
  assert.throws(() => alignof(spec, 15), BtfResolveError);
  assert.throws(() => alignof(spec, 18), (e) => e instanceof BtfResolveError && e.reason === 'bad-kind');
  assert.throws(() => sizeof(spec, 999), (e) => e instanceof BtfResolveError && e.reason === 'bad-type-id');
  const s2 = Spec.fromTypes([I128, { kind: 'float', name: 'long double', size: 16 }]);
  assert.equal(alignof(s2, 1), 16);
  assert.equal(alignof(s2, 2), 16);
});

test('skipQualifiers follows typedef, const, volatile, restrict and type_tag', () => {
  const spec = allKindsSpec();
  assert.equal(skipQualifiers(spec, 13), 1);
  assert.equal(skipQualifiers(spec, 11), 7);
  assert.equal(skipQualifiers(spec, 14), 5);
  assert.equal(skipQualifiers(spec, 21), 1);
  assert.equal(skipQualifiers(spec, 5), 5);
  assert.equal(resolveType(spec, 11).name, 'pair');
});

test('walks detect cycles instead of hanging', () => {
  const spec = Spec.fromTypes([
    { kind: 'ptr', name: '', type: 1 }, // 1: ptr to itself
    { kind: 'typedef', name: 'a', type: 3 }, // 2
    { kind: 'typedef', name: 'b', type: 2 }, // 3
    { kind: 'array', name: '', type: 4, indexType: 0, nelems: 2 }, // 4: array of itself
    { kind: 'const', name: '', type: 5 }, // 5
    { kind: 'struct', name: 's', size: 8, members: [{ name: '', type: 7, bitOffset: 0, bitfieldSize: 0 }] }, // 6
    { kind: 'typedef', name: 'st', type: 6 }, // 7: struct containing itself by value
  ]);
  assert.equal(sizeof(spec, 1), 8); // a pointer has a size whatever it points to
  assert.equal(alignof(spec, 1), 8);
  for (const id of [2, 3, 5]) {
    assert.throws(() => skipQualifiers(spec, id), isCycle);
    assert.throws(() => sizeof(spec, id), isCycle);
    assert.throws(() => alignof(spec, id), isCycle);
  }
  assert.throws(() => sizeof(spec, 4), (e) => isCycle(e) || (e instanceof BtfResolveError && e.reason === 'overflow'));
  assert.throws(() => alignof(spec, 4), isCycle);
  assert.equal(sizeof(spec, 6), 8);
  assert.throws(() => alignof(spec, 6), isCycle);
  assert.throws(() => findMember(spec, 6, 'nope'), isCycle);
});

test('member layout: plain members, kind_flag bitfields and old-style int bitfields', () => {
  const spec = parseBtf(readFixture('core-kinds.btf'));
  const sample = spec.anyTypeByName('sample', 'struct')!;
  const b = memberLayout(spec, sample.id, 1);
  assert.deepEqual([b.bitOffset, b.byteOffset, b.isBitfield, b.bitfieldSize], [32, 4, false, 0]);
  const level = memberLayout(spec, sample.id, 3);
  assert.deepEqual([level.bitOffset, level.byteOffset, level.isBitfield, level.bitfieldSize], [51, 6, true, 5]);
  assert.throws(() => memberLayout(spec, sample.id, 9), (e) => e instanceof BtfResolveError && e.reason === 'bad-index');
  assert.throws(() => memberLayout(spec, 4, 0), (e) => e instanceof BtfResolveError && e.reason === 'bad-kind');
  assert.equal(sizeof(spec, sample.id), 56);
  assert.equal(alignof(spec, sample.id), 8);
  const inner = findMember(spec, sample.id, 'inner')!;
  assert.deepEqual([inner.byteOffset, inner.path], [8, [4, 0]]);
  assert.equal(findMember(spec, sample.id, 'missing'), undefined);
  const arr = findMember(spec, sample.id, 'arr')!;
  assert.equal(arrayElementSize(spec, arr.member.type), 8);
  assert.throws(() => arrayElementSize(spec, sample.id), BtfResolveError);

  // Old style: kind_flag clear, the member's INT carries bits and offset.
  const old = Spec.fromTypes([
    INT,
    { kind: 'int', name: 'int', size: 4, encoding: 'signed', bits: 3, offset: 2 },
    { kind: 'struct', name: 'o', size: 4, members: [{ name: 'x', type: 2, bitOffset: 8, bitfieldSize: 0 }] },
  ]);
  const x = memberLayout(old, 3, 0);
  assert.deepEqual([x.bitOffset, x.bitfieldSize, x.isBitfield, x.byteOffset], [10, 3, true, 1]);
});

test('alignof infers packed structs like clang lays them out', () => {
  const spec = Spec.fromTypes([
    INT, // 1
    CHAR, // 2
    LONG, // 3
    // struct __attribute__((packed)) { char c; int i; } — i at offset 1, size 5
    { kind: 'struct', name: 'p1', size: 5, members: [{ name: 'c', type: 2, bitOffset: 0, bitfieldSize: 0 }, { name: 'i', type: 1, bitOffset: 8, bitfieldSize: 0 }] }, // 4
    // struct __attribute__((packed)) { long l; char c; } — offsets natural but size 9
    { kind: 'struct', name: 'p2', size: 9, members: [{ name: 'l', type: 3, bitOffset: 0, bitfieldSize: 0 }, { name: 'c', type: 2, bitOffset: 64, bitfieldSize: 0 }] }, // 5
    // struct __attribute__((packed)) { int a: 30; int b: 4; } — b straddles its int unit
    { kind: 'struct', name: 'p3', size: 5, members: [{ name: 'a', type: 1, bitOffset: 0, bitfieldSize: 30 }, { name: 'b', type: 1, bitOffset: 30, bitfieldSize: 4 }] }, // 6
    // struct { char c; long l; } natural
    { kind: 'struct', name: 'n1', size: 16, members: [{ name: 'c', type: 2, bitOffset: 0, bitfieldSize: 0 }, { name: 'l', type: 3, bitOffset: 64, bitfieldSize: 0 }] }, // 7
    // struct { char c[3]; } natural, align 1
    { kind: 'array', name: '', type: 2, indexType: 1, nelems: 3 }, // 8
    { kind: 'struct', name: 'n2', size: 3, members: [{ name: 'c', type: 8, bitOffset: 0, bitfieldSize: 0 }] }, // 9
  ]);
  assert.deepEqual([4, 5, 6, 7, 9].map((id) => alignof(spec, id)), [1, 1, 1, 8, 1]);
  assert.deepEqual([4, 5, 6, 7, 9].map((id) => isPacked(spec, id)), [true, true, true, false, false]);
});

test('kernel struct layouts are consistent', (t) => {
  const k = kernelBtf();
  if (!k.bytes) return void skipIf(t, k.reason);
  const spec = parseBtf(k.bytes);
  const task = spec.anyTypeByName('task_struct', 'struct')!;
  assert.equal(sizeof(spec, task.id), task.size);
  const pid = findMember(spec, task.id, 'pid')!;
  const tgid = findMember(spec, task.id, 'tgid')!;
  assert.equal(tgid.byteOffset, pid.byteOffset + 4);
  assert.equal(sizeof(spec, pid.member.type), 4);
  let structs = 0;
  for (const x of spec) {
    if (x.kind !== 'struct' && x.kind !== 'union') continue;
    structs++;
    const a = alignof(spec, x.id);
    assert.ok([1, 2, 4, 8, 16].includes(a), `${x.name}: align ${a}`);
    assert.equal(x.size % a, 0);
  }
  assert.ok(structs > 1000);
});
