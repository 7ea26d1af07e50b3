import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BtfParseError, BtfResolveError } from './errors.js';
import { marshalBtf } from './marshal.js';
import { parseBtf } from './parse.js';
import { Spec } from './spec.js';
import { allKindsSpec, info, kernelBtf, rawBtf, readFixture } from './test-fixtures.js';
import { enumEntries } from './types.js';
import { skipIf } from '../testutils/kernel.js';

test('parses the .BTF of a clang object', () => {
  const spec = parseBtf(readFixture('core-kinds.btf'));
  assert.equal(spec.typeCount, 44);
  const sample = spec.anyTypeByName('sample', 'struct');
  assert.ok(sample);
  assert.equal(sample.size, 56);
  assert.deepEqual(
    sample.members.map((m) => [m.name, m.bitOffset, m.bitfieldSize]),
    [['a', 0, 0], ['b', 32, 0], ['flags', 48, 3], ['level', 51, 5], ['', 64, 0], ['arr', 128, 0], ['name', 384, 0]],
  );
  const state = spec.anyTypeByName('sample_state', 'enum');
  assert.deepEqual(state?.values, [{ name: 'STATE_A', value: 1 }, { name: 'STATE_B', value: 7 }]);
  assert.equal(spec.anyTypeByName('helper', 'func')?.linkage, 'static');
  assert.equal(spec.anyTypeByName('core_kinds', 'func')?.linkage, 'global');
  const bss = spec.anyTypeByName('.bss', 'datasec');
  assert.deepEqual(bss?.vars, [{ type: spec.anyTypeByName('out', 'var')!.id, offset: 0, size: 128 }]);
  assert.equal(spec.anyTypeByName('bpf_sock', 'fwd')?.fwdKind, 'struct');
  assert.equal(spec.typeById(0).kind, 'void');
  assert.equal(spec.anyTypeByName('nope'), undefined);
  assert.deepEqual(spec.typesByName('nope'), []);
});

test('iteration, types and typeById agree', () => {
  const spec = parseBtf(readFixture('core-kinds.btf'));
  const viaIter = [...spec];
  assert.equal(viaIter.length, spec.typeCount);
  assert.equal(spec.types.length, spec.typeCount);
  viaIter.forEach((t, id) => {
    assert.equal(t.id, id);
    assert.equal(spec.typeById(id), t); // cached: same object
    assert.equal(spec.types[id], t);
  });
  assert.throws(() => spec.typeById(spec.typeCount), (e) => e instanceof BtfResolveError && e.reason === 'bad-type-id');
  assert.throws(() => spec.typeById(-1), BtfResolveError);
});

test('decodes every kind', () => {
  const spec = parseBtf(marshalBtf(allKindsSpec()));
  const kinds = [...spec].map((t) => t.kind);
  for (const k of ['int', 'ptr', 'array', 'struct', 'union', 'enum', 'fwd', 'typedef', 'volatile', 'const', 'restrict', 'func_proto', 'func', 'var', 'datasec', 'float', 'decl_tag', 'type_tag', 'enum64']) {
    assert.ok(kinds.includes(k as never), k);
  }
  assert.deepEqual(spec.typeById(15), { kind: 'func_proto', id: 15, name: '', returnType: 1, params: [{ name: 'x', type: 1 }, { name: 'p', type: 5 }], variadic: true });
  assert.deepEqual(spec.typeById(9), { kind: 'enum', id: 9, name: 'e', size: 4, signed: true, values: [{ name: 'E_NEG', value: -1 }, { name: 'E_ONE', value: 1 }] });
  assert.deepEqual(spec.typeById(24), { kind: 'enum', id: 24, name: 'ue', size: 4, signed: false, values: [{ name: 'UE_MAX', value: 0xffffffff }] });
  const big = spec.typeById(22);
  assert.equal(big.kind, 'enum64');
  assert.deepEqual(enumEntries(big as never), [{ name: 'BIG', value: 0xffff_ffff_ffffn }, { name: 'MAX', value: 0xffff_ffff_ffff_ffffn }]);
  assert.deepEqual(spec.typeById(23), { kind: 'enum64', id: 23, name: 'sbig', size: 8, signed: true, values: [{ name: 'SMIN', value: -(1n << 63n) }] });
  assert.deepEqual(spec.typeById(20), { kind: 'decl_tag', id: 20, name: 'tag', type: 7, componentIdx: 1 });
  assert.deepEqual(spec.typeById(10), { kind: 'fwd', id: 10, name: 'later', fwdKind: 'union' });
  assert.deepEqual(spec.typeById(3), { kind: 'int', id: 3, name: '_Bool', size: 1, encoding: 'bool', bits: 8, offset: 0 });
});

test('split BTF continues type ids and string offsets of its base', () => {
  const base = parseBtf(marshalBtf(allKindsSpec()));
  const split = Spec.fromTypes(
    [
      { kind: 'struct', name: 'mod_thing', size: 8, members: [{ name: 'p', type: 7, bitOffset: 0, bitfieldSize: 0 }, { name: 'int', type: 1, bitOffset: 32, bitfieldSize: 0 }] },
      { kind: 'ptr', name: '', type: 25 },
      { kind: 'typedef', name: 'pair_t', type: 7 },
    ],
    { base },
  );
  const bytes = marshalBtf(split);
  const spec = parseBtf(bytes, { base });
  assert.equal(spec.firstTypeId, base.typeCount);
  assert.equal(spec.typeCount, base.typeCount + 3);
  assert.equal(spec.ownTypeCount, 3);
  const t = spec.typeById(25);
  assert.equal(t.kind, 'struct');
  assert.equal(t.name, 'mod_thing');
  assert.deepEqual(spec.typeById(26), { kind: 'ptr', id: 26, name: '', type: 25 });
  assert.equal(spec.typeById(7), base.typeById(7)); // base ids resolve through the base
  assert.equal(spec.typeById(0), base.typeById(0));
  assert.deepEqual(spec.typesByName('pair_t').map((x) => x.id), [11, 27]);
  assert.equal(spec.strings.get(0), '');
  assert.ok(spec.strings.length > base.strings.length);
  assert.equal([...spec].length, spec.typeCount);
  assert.deepEqual([...spec.ownTypes()].map((x) => x.id), [25, 26, 27]);
  // Without the base, the ids it references do not exist.
  assert.throws(() => parseBtf(bytes), (e) => e instanceof BtfParseError);
});

test('parses the running kernel BTF and finds well-known types', (t) => {
  const k = kernelBtf();
  if (!k.bytes) return void skipIf(t, k.reason);
  const spec = parseBtf(k.bytes);
  assert.ok(spec.typeCount > 10000);
  const task = spec.anyTypeByName('task_struct', 'struct');
  assert.ok(task && task.size > 1000);
  assert.ok(task.members.some((m) => m.name === 'pid'));
  const mapType = spec.anyTypeByName('bpf_map_type', 'enum');
  assert.ok(mapType);
  const values = new Map(enumEntries(mapType).map((v) => [v.name, v.value]));
  assert.equal(values.get('BPF_MAP_TYPE_HASH'), 1n);
  assert.equal(values.get('BPF_MAP_TYPE_RINGBUF'), 27n);
  const fn = spec.anyTypeByName('bpf_map_sum_elem_count', 'func');
  assert.ok(fn, 'kfunc bpf_map_sum_elem_count');
  assert.equal(spec.typeById(fn.type).kind, 'func_proto');
  assert.equal(spec.anyTypeByName('int', 'int')?.encoding, 'signed');
});

// ---- malformed input ----

function rejects(bytes: Uint8Array, reason: string, pattern: RegExp, base?: Spec): void {
  assert.throws(
    () => parseBtf(bytes, { base }),
    (e: unknown) => {
      assert.ok(e instanceof BtfParseError, `want BtfParseError, got ${String(e)}`);
      assert.equal(e.reason, reason, e.message);
      assert.match(e.message, pattern);
      assert.equal(e.name, 'BtfParseError');
      return true;
    },
  );
}

const INT = info(1);
const intType = [1, INT, 4, (1 << 24) | 32]; // "int" at string offset 1

test('rejects truncated data and bad headers', () => {
  rejects(new Uint8Array(0), 'truncated', /^btf: header: data too short \(0 bytes\)$/);
  rejects(rawBtf({}).subarray(0, 20), 'truncated', /header length 24 exceeds data/);
  rejects(rawBtf({ header: { magic: 0x1234 } }), 'bad-magic', /bad magic 0x1234/);
  rejects(rawBtf({ header: { magic: 0x9feb } }), 'big-endian', /big-endian BTF is not supported/);
  rejects(rawBtf({ header: { version: 2 } }), 'bad-version', /unsupported version 2/);
  rejects(rawBtf({ header: { hdrLen: 12 } }), 'bad-header', /header length 12 is less than 24/);
  rejects(rawBtf({ header: { hdrLen: 4096 } }), 'truncated', /header length 4096 exceeds data/);
  rejects(rawBtf({ types: intType, strings: '\0int\0', header: { typeLen: 1000 } }), 'truncated', /type section \(offset 0, length 1000\) exceeds data/);
  rejects(rawBtf({ types: intType, strings: '\0int\0', header: { strOff: 100 } }), 'truncated', /string section/);
  rejects(rawBtf({ types: intType, strings: '\0int\0', header: { typeOff: 2 } }), 'bad-header', /not 4-byte aligned/);
  rejects(rawBtf({ types: intType, strings: '\0int\0', header: { strOff: 0 } }), 'bad-header', /overlap/);
});

test('rejects bad string tables and string offsets', () => {
  rejects(rawBtf({ types: intType, strings: 'xint\0' }), 'bad-string-table', /does not start with a NUL/);
  rejects(rawBtf({ types: intType, strings: '' }), 'bad-string-table', /does not start with a NUL/);
  // A string table size that cuts the last string: not NUL-terminated.
  rejects(rawBtf({ types: intType, strings: '\0int\0', header: { strLen: 3 } }), 'bad-string-table', /not NUL-terminated/);
  rejects(rawBtf({ types: [99, INT, 4, 32], strings: '\0int\0' }), 'bad-string-offset', /^btf: type 1: name: string offset 99 out of range \(string table is 5 bytes\)$/);
  const struct = [1, info(4, 1), 4, 77, 1, 0];
  rejects(rawBtf({ types: [...intType, ...struct], strings: '\0int\0' }), 'bad-string-offset', /^btf: type 2: member 0: name: string offset 77/);
});

test('rejects type ids out of range, unknown kinds and vlen overruns', () => {
  const strings = '\0int\0';
  rejects(rawBtf({ types: [...intType, 0, info(2), 5], strings }), 'bad-type-id', /^btf: type 2: type id 5 out of range \(have 3 types\)$/);
  rejects(rawBtf({ types: [...intType, 1, info(4, 1), 4, 1, 999, 0], strings }), 'bad-type-id', /^btf: type 2: member 0: type id 999 out of range/);
  rejects(rawBtf({ types: [...intType, 0, info(3), 0, 1, 42, 4], strings }), 'bad-type-id', /index type id 42/);
  rejects(rawBtf({ types: [...intType, 0, info(13, 1), 1, 0, 7], strings }), 'bad-type-id', /param 0: type id 7/);
  rejects(rawBtf({ types: [...intType, 0, info(15, 1), 0, 9, 0, 4], strings }), 'bad-type-id', /var 0: type id 9/);
  rejects(rawBtf({ types: [...intType, 0, info(25), 0], strings }), 'unknown-kind', /^btf: type 2: unknown kind 25$/);
  rejects(rawBtf({ types: [0, info(0), 0], strings }), 'unknown-kind', /unknown kind 0/);
  rejects(rawBtf({ types: [...intType, 1, info(4, 500), 4, 1, 1, 0], strings }), 'bad-vlen', /^btf: type 2: struct vlen 500 runs past the type section$/);
  rejects(rawBtf({ types: [...intType, 1, info(6, 0xffff), 4], strings }), 'bad-vlen', /enum vlen 65535/);
  rejects(rawBtf({ types: [1, INT, 4], strings }), 'truncated', /int record runs past/);
  rejects(rawBtf({ types: [1, INT], strings }), 'truncated', /^btf: type 1: record at offset 0 runs past the type section \(8 bytes\)$/);
});

test('rejects values the format does not allow', () => {
  const strings = '\0int\0';
  rejects(rawBtf({ types: [1, INT, 4, (3 << 24) | 32], strings }), 'bad-value', /int: unsupported encoding 0x3/);
  rejects(rawBtf({ types: [...intType, 1, info(13, 0), 1, 1, info(12, 3), 2], strings }), 'bad-value', /func: unknown linkage 3/);
  rejects(rawBtf({ types: [...intType, 1, info(14), 1, 7], strings }), 'bad-value', /var: unknown linkage 7/);
});

test('cyclic references parse (walks detect them later)', () => {
  // ptr -> itself and typedef a -> typedef b -> typedef a are valid encodings.
  const spec = parseBtf(rawBtf({ types: [0, info(2), 1, 1, info(8), 3, 1, info(8), 2], strings: '\0t\0' }));
  assert.equal(spec.typeCount, 4);
  assert.deepEqual(spec.typeById(1), { kind: 'ptr', id: 1, name: '', type: 1 });
});
