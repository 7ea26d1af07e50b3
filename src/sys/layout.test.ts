import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Layout, u32, u64, ptr, str, s32 } from './layout.js';
import { MapCreateAttr, MapElemAttr, MapBatchAttr, ProgLoadAttr, ProgTestRunAttr } from './attrs.js';

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
