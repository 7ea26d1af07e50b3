import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BtfParseError } from './errors.js';
import { marshalBtf } from './marshal.js';
import { essentialName } from './name-index.js';
import { parseBtf, parseBtfLazily } from './parse.js';
import { Spec } from './spec.js';
import { info, kernelBtf, rawBtf } from './test-fixtures.js';
import { BtfKind } from './types.js';
import { skipIf } from '../testutils/kernel.js';

const FLAVORS = Spec.fromTypes([
  { kind: 'int', name: 'int', size: 4, encoding: 'signed', bits: 32, offset: 0 }, // 1
  { kind: 'struct', name: 'task', size: 4, members: [{ name: 'pid', type: 1, bitOffset: 0, bitfieldSize: 0 }] }, // 2
  { kind: 'struct', name: 'task___v2', size: 4, members: [] }, // 3
  { kind: 'typedef', name: 'task', type: 2 }, // 4
  { kind: 'struct', name: 'task___a___b', size: 4, members: [] }, // 5: essential name task___a
  { kind: 'struct', name: '___task', size: 4, members: [] }, // 6: no flavor (starts with ___)
  { kind: 'struct', name: 'task____x', size: 4, members: [] }, // 7: no flavor (a separator must be exactly ___ between non-underscores)
  { kind: 'struct', name: 'tâsk___é', size: 4, members: [] }, // 8: UTF-8
]);

for (const [what, make] of [
  ['objects', () => FLAVORS],
  ['parsed', () => parseBtf(marshalBtf(FLAVORS))],
  ['parsed lazily', () => parseBtfLazily(marshalBtf(FLAVORS))],
] as const) {
  test(`name index of ${what} specs: exact and essential-name lookups`, () => {
    const spec = make();
    const ids = (ts: { id: number }[]): number[] => ts.map((t) => t.id);
    assert.deepEqual(ids(spec.typesByName('task')), [2, 4]);
    assert.deepEqual(ids(spec.typesByName('task___v2')), [3]);
    assert.deepEqual(ids(spec.typesByEssentialName('task')), [2, 3, 4]);
    assert.deepEqual(ids(spec.typesByEssentialName('task___a')), [5]);
    assert.deepEqual(ids(spec.typesByName('___task')), [6]);
    assert.deepEqual(ids(spec.typesByEssentialName('___task')), [6]);
    assert.deepEqual(ids(spec.typesByEssentialName('task_')), []);
    assert.deepEqual(ids(spec.typesByEssentialName('task____x')), [7]);
    assert.deepEqual(ids(spec.typesByEssentialName('tâsk')), [8]);
    assert.deepEqual(ids(spec.typesByName('tâsk___é')), [8]);
    assert.deepEqual(spec.typesByName(''), []);
    assert.deepEqual(spec.typesByName('ta'), []);
    assert.deepEqual(spec.typesByName('task\0'), []);
    assert.equal(essentialName('task___a___b'), 'task___a');
    assert.deepEqual([...spec.names()].sort(), ['___task', 'int', 'task', 'task____x', 'task___a___b', 'task___v2', 'tâsk___é']);
  });
}

test('a lazily parsed spec reports a bad reference when the type is first used', () => {
  // 1: int; 2: ptr to type 99, which does not exist.
  const bytes = rawBtf({ types: [1, info(BtfKind.Int), 4, 0x01000020, 0, info(BtfKind.Ptr), 99], strings: '\0int\0' });
  assert.throws(() => parseBtf(bytes), (e) => e instanceof BtfParseError && e.reason === 'bad-type-id');
  const lazy = parseBtfLazily(bytes);
  assert.equal(lazy.typeById(1).name, 'int');
  assert.deepEqual(lazy.typesByName('int').map((t) => t.id), [1]);
  assert.throws(() => lazy.typeById(2), (e) => e instanceof BtfParseError && e.reason === 'bad-type-id' && e.typeId === 2);
});

test('kernel BTF: the index finds what a full scan finds', (t) => {
  const k = kernelBtf();
  if (!k.bytes) return void skipIf(t, k.reason);
  const lazy = parseBtfLazily(k.bytes);
  const full = parseBtf(k.bytes);
  for (const name of ['task_struct', 'bpf_map', 'sk_buff', 'pt_regs', 'u32', 'bpf_map_type']) {
    const scan = full.types.filter((x) => x.name === name).map((x) => x.id);
    assert.ok(scan.length > 0, name);
    assert.deepEqual(lazy.typesByName(name).map((x) => x.id), scan, name);
    const flavored = full.types.filter((x) => x.name !== '' && essentialName(x.name) === name).map((x) => x.id);
    assert.deepEqual(lazy.typesByEssentialName(name).map((x) => x.id), flavored, name);
  }
});
