import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Spec, type TypeInit } from '../btf/index.js';
import { codecForBtfType } from './variable.js';
import { encodeConstant } from './constants.js';
import type { VariableSpec } from '../spec/index.js';

// ids: 1 u32, 2 s16, 3 u64, 4 bool, 5 const volatile u32, 6 struct, 7 signed enum, 8 ptr
const btf = Spec.fromTypes([
  { kind: 'int', name: 'unsigned int', size: 4, encoding: 'unsigned', bits: 32, offset: 0 },
  { kind: 'int', name: 'short', size: 2, encoding: 'signed', bits: 16, offset: 0 },
  { kind: 'int', name: 'unsigned long long', size: 8, encoding: 'unsigned', bits: 64, offset: 0 },
  { kind: 'int', name: '_Bool', size: 1, encoding: 'bool', bits: 8, offset: 0 },
  { kind: 'volatile', name: '', type: 1 },
  { kind: 'struct', name: 's', size: 8, members: [] },
  { kind: 'enum', name: 'e', size: 4, signed: true, values: [] },
  { kind: 'ptr', name: '', type: 0 },
] as TypeInit[]);

function roundTrip<T>(c: { size: number; encode(v: T, d: DataView, o: number): void; decode(d: DataView, o: number): T }, v: T): T {
  const d = new DataView(new ArrayBuffer(c.size + 3));
  c.encode(v, d, 3);
  return c.decode(d, 3);
}

test('codecs from BTF: numbers, bigint, boolean, bytes', () => {
  assert.equal(codecForBtfType(btf, 1, 4).name, 'u32');
  assert.equal(roundTrip(codecForBtfType(btf, 2, 2), -3), -3);
  assert.equal(roundTrip(codecForBtfType(btf, 3, 8), 2n ** 63n), 2n ** 63n);
  assert.equal(roundTrip(codecForBtfType(btf, 3, 8), 5), 5n, 'numbers are accepted for 64-bit values');
  assert.equal(roundTrip(codecForBtfType(btf, 4, 1), true), true);
  assert.equal(codecForBtfType(btf, 5, 4).name, 'u32', 'qualifiers are skipped');
  assert.equal(codecForBtfType(btf, 6, 8).name, 'bytes(8)');
  assert.equal(roundTrip(codecForBtfType(btf, 7, 4), -1), -1);
  assert.equal(codecForBtfType(btf, 8, 8).name, 'u64');
  assert.equal(codecForBtfType(btf, 1, 8).name, 'bytes(8)', 'size mismatch falls back to bytes');
  assert.equal(codecForBtfType(undefined, 1, 4).name, 'bytes(4)');
  assert.equal(codecForBtfType(btf, 999, 4).name, 'bytes(4)', 'bad ids fall back to bytes');
});

const v = (size: number): VariableSpec => ({ name: 'c', mapName: '.rodata', offset: 0, size, typeId: 0, constant: true, isStatic: false });

test('encodeConstant: integers, booleans, bytes, with range checks', () => {
  assert.deepEqual([...encodeConstant(v(4), 0x01020304, 'c')], [4, 3, 2, 1]);
  assert.deepEqual([...encodeConstant(v(2), -1, 'c')], [0xff, 0xff]);
  assert.deepEqual([...encodeConstant(v(8), 1n << 63n, 'c')], [0, 0, 0, 0, 0, 0, 0, 0x80]);
  assert.deepEqual([...encodeConstant(v(1), true, 'c')], [1]);
  assert.deepEqual([...encodeConstant(v(3), Buffer.from('abc'), 'c')], [97, 98, 99]);
  assert.throws(() => encodeConstant(v(1), 256, 'constant c'), /constant c: 256 does not fit in 1 byte/);
  assert.throws(() => encodeConstant(v(4), 1.5, 'c'), /not a safe integer/);
  assert.throws(() => encodeConstant(v(3), 1, 'c'), /pass a Uint8Array/);
  assert.throws(() => encodeConstant(v(3), Buffer.alloc(2), 'c'), /got 2 bytes, the constant is 3/);
  assert.throws(() => encodeConstant(v(4), 'x' as never, 'c'), TypeError);
});
