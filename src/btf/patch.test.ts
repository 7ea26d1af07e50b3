import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BtfParseError, BtfResolveError } from './errors.js';
import { parseBtfExt } from './ext.js';
import { parseBtf } from './parse.js';
import { BtfPatch } from './patch.js';
import { rawBtf, readFixture } from './test-fixtures.js';

test('BtfPatch edits records in place and appends, keeping every string offset', () => {
  const input = readFixture('core-kinds.btf');
  const before = Uint8Array.from(input);
  const patch = new BtfPatch(input);
  const orig = patch.spec;
  const bss = orig.anyTypeByName('.bss', 'datasec')!;
  const out = orig.anyTypeByName('out', 'var')!;
  const fn = orig.anyTypeByName('core_kinds', 'func')!;
  patch.setSizeOrType(bss.id, 4096);
  patch.setEntryWord(bss.id, 'datasec', 0, 1, 64);
  patch.setVarLinkage(out.id, 'static');
  patch.setFuncLinkage(fn.id, 'extern');
  const off = patch.addString('dummy_ksym');
  assert.equal(patch.addString('dummy_ksym'), off, 'added once');
  const extra = new Uint8Array(4);
  new DataView(extra.buffer).setUint32(0, 1, true);
  const id = patch.addType('var', 'dummy_ksym', 0, 1, extra);
  assert.equal(id, orig.typeCount);
  patch.setSizeOrType(bss.id, 8192); // edits still land after appends

  const spec = parseBtf(patch.bytes());
  assert.deepEqual(Uint8Array.from(input), before, 'the input is not modified');
  assert.equal(spec.typeCount, orig.typeCount + 1);
  const nb = spec.typeById(bss.id);
  assert.ok(nb.kind === 'datasec' && nb.size === 8192 && nb.vars[0].offset === 64);
  assert.equal(spec.anyTypeByName('out', 'var')?.linkage, 'static');
  assert.equal(spec.anyTypeByName('core_kinds', 'func')?.linkage, 'extern');
  assert.deepEqual(spec.typeById(id), { kind: 'var', id, name: 'dummy_ksym', type: 1, linkage: 'global' });
  for (const [o, s] of orig.strings.entries()) assert.equal(spec.strings.get(o), s);
  // .BTF.ext line info points into the same string table: it still reads.
  const ext = parseBtfExt(readFixture('core-kinds.btf.ext'), spec);
  assert.ok([...ext.lineInfos.values()].flat().every((l) => l.fileName.endsWith('core-kinds.bpf.c')));
});

test('BtfPatch rejects malformed blobs and bad edits with typed errors', () => {
  assert.throws(() => new BtfPatch(new Uint8Array(10)), BtfParseError);
  const patch = new BtfPatch(rawBtf({ types: [1, 0x01000000, 4, 0x01000020], strings: '\0int\0' }));
  assert.throws(() => patch.setSizeOrType(2, 1), (e) => e instanceof BtfResolveError && e.reason === 'bad-type-id');
  assert.throws(() => patch.setSizeOrType(0, 1), BtfResolveError);
  assert.throws(() => patch.setVarLinkage(1, 'static'), (e) => e instanceof BtfResolveError && e.reason === 'bad-kind');
  assert.throws(() => patch.setEntryWord(1, 'struct', 0, 0, 0), (e) => e instanceof BtfResolveError && e.reason === 'bad-kind');
  assert.throws(() => patch.addType('int', 'x', 0, 4), RangeError);
});
