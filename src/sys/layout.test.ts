import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Layout, u32, u64, ptr, str, s32, writePointers } from './layout.js';
import { MapCreateAttr, MapElemAttr, MapBatchAttr, ProgLoadAttr, ProgTestRunAttr, ProgInfo, BtfInfo, ObjInfoAttr } from './attrs.js';
import { objInfo } from './syscall.js';
import { setNativeForTesting, type NativeBinding } from './native.js';
import { Cmd } from './enums.gen.js';

test('Layout encodes integers, names and pointers at their offsets', () => {
  const L = new Layout('t', 32, { a: u32(0), b: u64(8), p: ptr(16), n: str(24, 8) });
  const data = new Uint8Array(3);
  const { bytes, ptrs } = L.encode({ a: 7, b: 2n ** 40n, p: data, n: 'abcdefghij' });
  assert.equal(L.u32(bytes, 'a'), 7);
  assert.equal(L.u64(bytes, 'b'), 2n ** 40n);
  assert.deepEqual(ptrs, [16, data]);
  assert.equal(L.string(bytes, 'n'), 'abcdefg', 'names keep size-1 bytes and a NUL');
  const reused = new Uint8Array(32).fill(0xff);
  L.encode({ a: 1 }, reused);
  assert.equal(L.u64(reused, 'b'), 0n, 'reused buffers are zeroed');
});

test('Layout refuses fields past the end and unknown fields', () => {
  assert.throws(() => new Layout('bad', 4, { a: u64(0) }), /past the end/);
  const L = new Layout('t', 8, { a: s32(0) });
  assert.throws(() => L.encode({ b: 1 } as never), /no field b/);
});

test('bpf_attr layouts match the kernel uapi offsets', () => {
  // From the 6.18 uapi bpf.h (and checked against vmlinux BTF when generating).
  assert.equal(MapCreateAttr.fields.map_name.offset, 28);
  assert.equal(MapCreateAttr.fields.map_extra.offset, 64);
  assert.equal(MapElemAttr.fields.flags.offset, 24);
  assert.equal(MapBatchAttr.fields.map_fd.offset, 36);
  assert.equal(MapBatchAttr.fields.elem_flags.offset, 40);
  assert.equal(ProgLoadAttr.fields.prog_name.offset, 48);
  assert.equal(ProgLoadAttr.fields.log_true_size.offset, 140);
  assert.equal(ProgTestRunAttr.fields.duration.offset, 36);
});

test('writePointers writes the address of each pointer field into the struct, 0 for null', () => {
  const L = new Layout('t', 24, { a: ptr(0), b: ptr(8), n: u32(16) });
  const x = new Uint8Array(4);
  const enc = L.encode({ a: x, b: null, n: 5 });
  const addresses = new Map<Uint8Array, bigint>([[x, 0x1122334455667788n]]);
  assert.equal(writePointers(enc, (buf) => addresses.get(buf)!), enc.bytes);
  const v = new DataView(enc.bytes.buffer);
  assert.equal(v.getBigUint64(0, true), 0x1122334455667788n);
  assert.equal(v.getBigUint64(8, true), 0n);
  assert.equal(L.u32(enc.bytes, 'n'), 5, 'other fields stay as encoded');
});

test('bounded pointer fields: count x record size must fit in the buffer given', () => {
  const L = new Layout('arr', 32, {
    n: u32(0),
    rec: u32(4),
    items: ptr(8, { count: 'n', recSize: 'rec' }),
    ids: ptr(16, { count: 'n', recSize: 4 }),
    name: ptr(24, { count: 'n' }),
  });
  // Exactly enough, or more, is fine; so is a null pointer (the kernel sees NULL).
  L.encode({ n: 3, rec: 8, items: new Uint8Array(24), ids: new Uint8Array(16), name: null });
  assert.throws(() => L.encode({ n: 3, rec: 8, items: new Uint8Array(23) }), /layout arr: field items: n 3 x rec 8 is 24 bytes, but the buffer has 23/);
  assert.throws(() => L.encode({ n: 3, ids: new Uint8Array(8) }), /layout arr: field ids: n 3 x 4 is 12 bytes, but the buffer has 8/);
  assert.throws(() => L.encode({ n: 65, name: new Uint8Array(64) }), /layout arr: field name: n 65 is 65 bytes, but the buffer has 64/);
  // A subarray counts only its own bytes, not the rest of its ArrayBuffer.
  assert.throws(() => L.encode({ n: 4, name: new Uint8Array(64).subarray(0, 2) }), /n 4 is 4 bytes, but the buffer has 2/);
  // Length fields must be integer fields of the layout, and only pointers have lengths.
  assert.throws(() => new Layout('bad', 16, { p: ptr(0, { count: 'nope' }) }), /field p: length field nope is not an integer field/);
  assert.throws(() => new Layout('bad', 16, { p: ptr(0, { count: 's' }), s: str(8, 8) }), /length field s is not an integer field/);
});

test('info structs and their attrs bound every pointer by its count', () => {
  const ids = new Uint32Array(2);
  assert.throws(() => ProgInfo.encode({ nr_map_ids: 3, map_ids: new Uint8Array(ids.buffer) }), /bpf_prog_info: field map_ids: nr_map_ids 3 x 4 is 12 bytes, but the buffer has 8/);
  assert.throws(() => BtfInfo.encode({ name_len: 65, name: new Uint8Array(64) }), /bpf_btf_info: field name: name_len 65/);
  assert.throws(() => ObjInfoAttr.encode({ bpf_fd: 3, info_len: ProgInfo.size + 1, info: new Uint8Array(ProgInfo.size) }), /info: field info: info_len 233 is 233 bytes, but the buffer has 232/);
  assert.throws(() => ProgLoadAttr.encode({ insn_cnt: 3, insns: new Uint8Array(16) }), /prog_load: field insns: insn_cnt 3 x 8 is 24 bytes/);
  assert.throws(
    () => ProgLoadAttr.encode({ func_info_cnt: 2, func_info_rec_size: 8, func_info: new Uint8Array(8) }),
    /field func_info: func_info_cnt 2 x func_info_rec_size 8 is 16 bytes, but the buffer has 8/,
  );
  assert.throws(() => ProgTestRunAttr.encode({ data_size_out: 300, data_out: new Uint8Array(256) }), /field data_out: data_size_out 300 is 300 bytes/);
});

test('objInfo hands the kernel the whole info struct, with the addresses of its own pointer fields', (t) => {
  const names = new Uint8Array(64);
  let seen: { cmd: number; infoLen: number; infoAddr: unknown; nameAddr: bigint; nameLen: number } | undefined;
  setNativeForTesting({
    addressOf: (buf: Uint8Array) => (buf === names ? 0xabc000n : 0xdead0000n),
    bpf(cmd: number, attr: Uint8Array, ptrs?: Array<number | Uint8Array | null>) {
      const info = ptrs![1] as Uint8Array;
      const v = new DataView(info.buffer, info.byteOffset, info.byteLength);
      seen = {
        cmd,
        infoLen: ObjInfoAttr.u32(attr, 'info_len'),
        infoAddr: ptrs![0],
        nameAddr: v.getBigUint64(BtfInfo.fields.name.offset, true),
        nameLen: BtfInfo.u32(info, 'name_len'),
      };
      v.setUint32(BtfInfo.fields.id.offset, 42, true); // the kernel fills it in
      return 0;
    },
  } as unknown as NativeBinding);
  t.after(() => setNativeForTesting(undefined));
  const info = objInfo(7, BtfInfo.encode({ name_len: names.length, name: names }), 'btf x');
  assert.deepEqual(seen, { cmd: Cmd.BPF_OBJ_GET_INFO_BY_FD, infoLen: BtfInfo.size, infoAddr: ObjInfoAttr.fields.info.offset, nameAddr: 0xabc000n, nameLen: 64 });
  assert.equal(BtfInfo.u32(info, 'id'), 42);
});
