import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BtfMarshalError } from './errors.js';
import { marshalBtf } from './marshal.js';
import { parseBtf } from './parse.js';
import { Spec } from './spec.js';
import { ALL_KINDS, allKindsSpec, kernelBtf, readFixture } from './test-fixtures.js';
import { skipIf } from '../testutils/kernel.js';

function assertSameTypes(a: Spec, b: Spec, ids?: Iterable<number>): void {
  assert.equal(b.typeCount, a.typeCount);
  for (const id of ids ?? a.types.keys()) assert.deepEqual(b.typeById(id), a.typeById(id), `type ${id}`);
}

test('round-trips a hand-built spec of every kind', () => {
  const spec = allKindsSpec();
  const back = parseBtf(marshalBtf(spec));
  assertSameTypes(spec, back);
  // And again: marshal output is deterministic.
  assert.deepEqual(marshalBtf(back), marshalBtf(spec));
});

test('round-trips the .BTF of a clang object', () => {
  const spec = parseBtf(readFixture('core-kinds.btf'));
  assertSameTypes(spec, parseBtf(marshalBtf(spec)));
});

test('round-trips the running kernel BTF', (t) => {
  const k = kernelBtf();
  if (!k.bytes) return void skipIf(t, k.reason);
  const spec = parseBtf(k.bytes);
  const back = parseBtf(marshalBtf(spec));
  assert.equal(back.typeCount, spec.typeCount);
  const sample: number[] = [];
  for (let id = 0; id < spec.typeCount; id += 37) sample.push(id);
  for (const name of ['task_struct', 'bpf_map_type', 'sk_buff', 'bpf_map_sum_elem_count', 'page']) {
    for (const x of spec.typesByName(name)) sample.push(x.id);
  }
  sample.push(spec.typeCount - 1);
  assertSameTypes(spec, back, sample);
  const kinds = (s: Spec): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const x of s) out[x.kind] = (out[x.kind] ?? 0) + 1;
    return out;
  };
  assert.deepEqual(kinds(back), kinds(spec));
});

test('encodes changes a loader makes, leaving the original spec alone', () => {
  const spec = parseBtf(readFixture('core-kinds.btf'));
  const copy = spec.copy();
  const bss = copy.anyTypeByName('.bss', 'datasec')!;
  bss.size = 128;
  bss.vars[0].offset = 0;
  const license = copy.anyTypeByName('license', 'datasec')!;
  license.size = 4;
  const helper = copy.anyTypeByName('helper', 'func')!;
  helper.linkage = 'global';
  const back = parseBtf(marshalBtf(copy));
  assert.equal(back.anyTypeByName('.bss', 'datasec')!.size, 128);
  assert.equal(back.anyTypeByName('license', 'datasec')!.size, 4);
  assert.equal(back.anyTypeByName('helper', 'func')!.linkage, 'global');
  assert.equal(spec.anyTypeByName('.bss', 'datasec')!.size, 0);
  assert.equal(spec.anyTypeByName('helper', 'func')!.linkage, 'static');
});

test('sets kind_flag only for structs with bitfields', () => {
  const bytes = marshalBtf(allKindsSpec());
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  // Walk to type 7 (struct pair with a bitfield) and 8 (union without).
  const spec = parseBtf(bytes);
  const words = (id: number): number => {
    let off = 24;
    for (let i = 1; i < id; i++) off += recordLen(v, off);
    return v.getUint32(off + 4, true);
  };
  assert.equal(words(7) >>> 31, 1);
  assert.equal(words(8) >>> 31, 0);
  assert.equal(spec.typeById(7).kind, 'struct');
});

function recordLen(v: DataView, off: number): number {
  const inf = v.getUint32(off + 4, true);
  const kind = (inf >>> 24) & 0x1f;
  const vlen = inf & 0xffff;
  const extra: Record<number, number> = { 1: 4, 3: 12, 4: 12 * vlen, 5: 12 * vlen, 6: 8 * vlen, 13: 8 * vlen, 14: 4, 15: 12 * vlen, 17: 4, 19: 12 * vlen };
  return 12 + (extra[kind] ?? 0);
}

test('rejects values that do not fit', () => {
  const bad = (types: typeof ALL_KINDS, pattern: RegExp): void => {
    assert.throws(() => marshalBtf(Spec.fromTypes(types)), (e) => e instanceof BtfMarshalError && pattern.test(e.message));
  };
  bad([{ kind: 'ptr', name: '', type: 9 }], /^btf: marshal: type 1: type id 9 out of range \(have 2 types\)$/);
  bad(
    [
      { kind: 'int', name: 'int', size: 4, encoding: 'signed', bits: 32, offset: 0 },
      { kind: 'struct', name: 's', size: 4, members: [{ name: 'a', type: 1, bitOffset: 1 << 24, bitfieldSize: 3 }] },
    ],
    /member 0: bit offset 16777216 \/ bitfield size 3 out of range/,
  );
  bad(
    [{ kind: 'enum', name: 'e', size: 4, signed: false, values: new Array(70000).fill({ name: 'X', value: 1 }) }],
    /vlen 70000 exceeds 65535/,
  );
  bad([{ kind: 'enum', name: 'e', size: 4, signed: false, values: [{ name: 'X', value: 2 ** 33 }] }], /does not fit in 32 bits/);
  bad([{ kind: 'int', name: 'i', size: -1, encoding: 'signed', bits: 32, offset: 0 }], /size -1 does not fit/);
});

test('round-trips split BTF over its base', () => {
  const base = allKindsSpec();
  const split = Spec.fromTypes([{ kind: 'typedef', name: 'split_t', type: 7 }, { kind: 'ptr', name: '', type: 25 }], { base });
  const back = parseBtf(marshalBtf(split), { base });
  assert.deepEqual([...back.ownTypes()], [...split.ownTypes()]);
});

test('round-trips non-ASCII names', () => {
  const spec = Spec.fromTypes([
    { kind: 'int', name: 'int', size: 4, encoding: 'signed', bits: 32, offset: 0 },
    { kind: 'struct', name: 'naïve_ünïcode', size: 4, members: [{ name: 'größe', type: 1, bitOffset: 0, bitfieldSize: 0 }] },
    { kind: 'typedef', name: '名前', type: 2 },
  ]);
  const back = parseBtf(marshalBtf(spec));
  assert.deepEqual([...back], [...spec]);
  assert.equal(back.anyTypeByName('名前', 'typedef')?.type, 2);
});
