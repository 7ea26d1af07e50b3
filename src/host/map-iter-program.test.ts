import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endianness } from 'node:os';
import { Spec } from '../btf/index.js';
import type { TypeInit } from '../btf/types.js';
import { bpfMapOffsets, decodeMapRecords, mapIterProgram, MapLayoutError, MAP_RECORD_SIZE, RECORD_HAS_COUNTER } from './map-iter-program.js';

/** A `struct bpf_map` with the scanned members at odd offsets (ids: 1 u32, 2 char, 3 char[16], 4 s64, 5 s64 *, 6 the struct). */
function bpfMapSpec(opts: { dropElemCount?: boolean; idSize?: number } = {}): Spec {
  const member = (name: string, type: number, byte: number) => ({ name, type, bitOffset: byte * 8, bitfieldSize: 0 });
  const members = [
    member('ops', 5, 0),
    member('map_type', 1, 24),
    member('key_size', 1, 28),
    member('value_size', 1, 32),
    member('max_entries', 1, 36),
    member('map_flags', 1, 44),
    member('id', opts.idSize === 8 ? 4 : 1, 56),
    member('name', 3, 96),
    member('elem_count', 5, 128),
  ].filter((m) => !(opts.dropElemCount && m.name === 'elem_count'));
  const types: TypeInit[] = [
    { kind: 'int', name: 'unsigned int', size: 4, encoding: 'unsigned', bits: 32, offset: 0 },
    { kind: 'int', name: 'char', size: 1, encoding: 'char', bits: 8, offset: 0 },
    { kind: 'array', name: '', type: 2, indexType: 1, nelems: 16 },
    { kind: 'int', name: 'long long', size: 8, encoding: 'signed', bits: 64, offset: 0 },
    { kind: 'ptr', name: '', type: 4 },
    { kind: 'struct', name: 'bpf_map', size: 256, members },
  ];
  return Spec.fromTypes(types);
}

test('struct bpf_map offsets come from BTF, and a missing or resized member is refused by name', () => {
  assert.deepEqual(bpfMapOffsets(bpfMapSpec()), { id: 56, mapType: 24, keySize: 28, valueSize: 32, maxEntries: 36, mapFlags: 44, name: 96, elemCount: 128 });
  assert.throws(() => bpfMapOffsets(bpfMapSpec({ dropElemCount: true })), (e: unknown) => e instanceof MapLayoutError && /struct bpf_map has no member elem_count/.test(e.message));
  assert.throws(() => bpfMapOffsets(bpfMapSpec({ idSize: 8 })), /member id is 8 bytes, expected 4/);
  assert.throws(() => bpfMapOffsets(Spec.fromTypes([])), /no struct bpf_map/);
});

test('the scan program reads the BTF offsets, calls the kfunc only behind the elem_count test, and writes one record', () => {
  const o = bpfMapOffsets(bpfMapSpec());
  const insns = mapIterProgram(o);
  const loads = insns.filter((i) => i.opcode === 0x61 && i.src === 7).map((i) => i.offset);
  assert.deepEqual(loads, [o.id, o.mapType, o.keySize, o.valueSize, o.maxEntries, o.mapFlags]);
  const kfunc = insns.findIndex((i) => i.reference === 'bpf_map_sum_elem_count');
  const test = insns.findIndex((i) => i.opcode === 0x79 && i.src === 7 && i.offset === o.elemCount);
  assert.ok(test >= 0 && kfunc > test, 'elem_count is loaded before the kfunc call');
  const movSize = insns.find((i) => i.opcode === 0xb7 && i.dst === 3);
  assert.equal(movSize?.imm, MAP_RECORD_SIZE);
});

test('records decode in host byte order; a partial record is refused', () => {
  const le = endianness() === 'LE';
  const buf = new Uint8Array(2 * MAP_RECORD_SIZE);
  const v = new DataView(buf.buffer);
  const put = (p: number, f: number[], name: string, count: bigint | null, ns: bigint) => {
    f.forEach((x, i) => v.setUint32(p + i * 4, x, le));
    buf.set(new TextEncoder().encode(name), p + 24);
    if (count !== null) {
      v.setBigInt64(p + 40, count, le);
      v.setBigUint64(p + 48, ns, le);
      v.setUint32(p + 56, RECORD_HAS_COUNTER, le);
    }
  };
  put(0, [7, 1, 4, 8, 100, 0], 'exactly16chars!!', 42n, 120n);
  put(MAP_RECORD_SIZE, [9, 11, 8, 8, 50, 1], 'lpm', null, 0n);
  assert.deepEqual(decodeMapRecords(buf), [
    { id: 7, type: 1, keySize: 4, valueSize: 8, maxEntries: 100, flags: 0, name: 'exactly16chars!!', count: 42, countNs: 120 },
    { id: 9, type: 11, keySize: 8, valueSize: 8, maxEntries: 50, flags: 1, name: 'lpm', count: null, countNs: null },
  ]);
  assert.deepEqual(decodeMapRecords(new Uint8Array(0)), []);
  assert.throws(() => decodeMapRecords(buf.subarray(0, 65)), RangeError);
});
