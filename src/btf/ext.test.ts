import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BtfParseError } from './errors.js';
import { CORE_RELO_KINDS, parseBtfExt } from './ext.js';
import { parseBtf } from './parse.js';
import { readFixture } from './test-fixtures.js';

const spec = parseBtf(readFixture('core-kinds.btf'));
const extBytes = readFixture('core-kinds.btf.ext');

test('parses func_info, line_info and core_relo of a clang object, grouped by section', () => {
  const ext = parseBtfExt(extBytes, spec);
  assert.deepEqual([...ext.funcInfos.keys()].sort(), ['.text', 'socket', 'xdp']);
  const fi = ext.funcInfos.get('socket')!;
  assert.equal(fi.length, 1);
  assert.equal(fi[0].insnByteOffset, 0);
  assert.equal(spec.typeById(fi[0].typeId).name, 'core_kinds');
  assert.equal(spec.typeById(ext.funcInfos.get('.text')![0].typeId).name, 'helper');

  const li = ext.lineInfos.get('socket')!;
  assert.ok(li.length > 5);
  assert.ok(li.every((l) => l.fileName.endsWith('core-kinds.bpf.c')));
  assert.ok(li.some((l) => l.line.includes('bpf_core_field_offset(struct sample, b)')));
  const first = li[0];
  assert.equal(first.insnByteOffset, 0);
  assert.ok(first.lineNumber > 20 && first.column >= 0);
  for (let i = 1; i < li.length; i++) assert.ok(li[i].insnByteOffset >= li[i - 1].insnByteOffset);
  assert.equal(spec.strings.get(first.fileNameOffset), first.fileName);

  const relos = ext.coreRelos.get('socket')!;
  const kinds = new Set(relos.map((r) => r.kind));
  for (const k of ['field_byte_offset', 'field_byte_size', 'field_exists', 'field_signed', 'field_lshift_u64', 'field_rshift_u64', 'type_id_local', 'type_id_target', 'type_exists', 'type_size', 'enumval_exists', 'enumval_value']) {
    assert.ok(kinds.has(k as never), k);
  }
  assert.deepEqual(relos[0], { insnByteOffset: 16, typeId: spec.anyTypeByName('sample', 'struct')!.id, accessStr: '0:1', kind: 'field_byte_offset' });
  assert.deepEqual(ext.coreRelos.get('.text')!.map((r) => r.accessStr), ['0:5:2']);
  assert.equal(ext.coreRelos.has('xdp'), false);
});

// ---- a tiny writer for synthetic .BTF.ext blobs ----

interface Block {
  sec: number; // string offset of the section name
  records: number[][]; // u32 words per record
}

function extBlob(opts: { recSizes?: [number, number, number]; func?: Block[]; line?: Block[]; core?: Block[]; hdrLen?: number; magic?: number }): Uint8Array {
  const rs = opts.recSizes ?? [8, 16, 16];
  const sect = (blocks: Block[] | undefined, recSize: number): number[] => {
    if (!blocks) return [];
    const w = [recSize];
    for (const b of blocks) {
      w.push(b.sec, b.records.length);
      for (const r of b.records) {
        const padded = [...r];
        while (padded.length * 4 < recSize) padded.push(0xdeadbeef);
        w.push(...padded);
      }
    }
    return w;
  };
  const f = sect(opts.func, rs[0]);
  const l = sect(opts.line, rs[1]);
  const c = sect(opts.core, rs[2]);
  const hdrLen = opts.hdrLen ?? 32;
  const words = [...f, ...l, ...c];
  const out = new Uint8Array(hdrLen + words.length * 4);
  const v = new DataView(out.buffer);
  v.setUint16(0, opts.magic ?? 0xeb9f, true);
  v.setUint8(2, 1);
  v.setUint32(4, hdrLen, true);
  v.setUint32(8, 0, true);
  v.setUint32(12, f.length * 4, true);
  v.setUint32(16, f.length * 4, true);
  v.setUint32(20, l.length * 4, true);
  if (hdrLen >= 32) {
    v.setUint32(24, (f.length + l.length) * 4, true);
    v.setUint32(28, c.length * 4, true);
  }
  words.forEach((x, i) => v.setUint32(hdrLen + i * 4, x >>> 0, true));
  return out;
}

const SOCKET = findString('socket');
const FILE = findString('core-kinds.bpf.c', true);
const ACCESS = findString('0:1');

function findString(s: string, suffix = false): number {
  for (const [off, str] of spec.strings.entries()) if (suffix ? str.endsWith(s) : str === s) return off;
  throw new Error(`no string ${s}`);
}

const blocks = {
  func: [{ sec: SOCKET, records: [[0, 18], [64, 18]] }],
  line: [{ sec: SOCKET, records: [[8, FILE, FILE, (42 << 10) | 7]] }],
  core: [{ sec: SOCKET, records: [[16, 19, ACCESS, 0], [24, 19, ACCESS, 12]] }],
};

test('respects record sizes larger than known', () => {
  const normal = parseBtfExt(extBlob(blocks), spec);
  const bigger = parseBtfExt(extBlob({ ...blocks, recSizes: [12, 24, 20] }), spec);
  assert.deepEqual(bigger, normal);
  assert.deepEqual(normal.funcInfos.get('socket'), [{ insnByteOffset: 0, typeId: 18 }, { insnByteOffset: 64, typeId: 18 }]);
  const line = normal.lineInfos.get('socket')![0];
  assert.deepEqual([line.lineNumber, line.column, line.insnByteOffset], [42, 7, 8]);
  assert.deepEqual(normal.coreRelos.get('socket')!.map((r) => r.kind), ['field_byte_offset', 'type_matches']);
});

test('reads headers without the core_relo fields', () => {
  const ext = parseBtfExt(extBlob({ func: blocks.func, line: blocks.line, hdrLen: 24 }), spec);
  assert.equal(ext.coreRelos.size, 0);
  assert.equal(ext.funcInfos.get('socket')!.length, 2);
});

function rejects(bytes: Uint8Array, reason: string, pattern: RegExp): void {
  assert.throws(
    () => parseBtfExt(bytes, spec),
    (e: unknown) => {
      assert.ok(e instanceof BtfParseError, String(e));
      assert.equal(e.reason, reason, e.message);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

test('rejects malformed .BTF.ext blobs with typed errors', () => {
  rejects(new Uint8Array(4), 'truncated', /^btf ext: header: data too short/);
  rejects(extBlob({ ...blocks, magic: 0x4242 }), 'bad-magic', /^btf ext: header: bad magic/);
  rejects(extBlob({ ...blocks, magic: 0x9feb }), 'big-endian', /big-endian/);
  rejects(extBlob({ ...blocks, hdrLen: 16 }), 'bad-header', /header length 16 is less than 24/);
  const good = extBlob(blocks);
  rejects(good.subarray(0, good.length - 4), 'truncated', /core_relo section .* exceeds data/);
  rejects(extBlob({ ...blocks, recSizes: [4, 16, 16] }), 'bad-value', /func_info: record size 4 is invalid/);
  rejects(extBlob({ ...blocks, recSizes: [8, 18, 16] }), 'bad-value', /line_info: record size 18 is invalid/);
  rejects(extBlob({ ...blocks, func: [{ sec: 99999, records: [[0, 18]] }] }), 'bad-string-offset', /func_info: section name: string offset 99999 out of range/);
  rejects(extBlob({ ...blocks, line: [{ sec: SOCKET, records: [[0, 99999, FILE, 0]] }] }), 'bad-string-offset', /line_info: section socket: record 0: file name: string offset 99999/);
  rejects(extBlob({ ...blocks, core: [{ sec: SOCKET, records: [[0, 4444, ACCESS, 0]] }] }), 'bad-type-id', /core_relo: section socket: record 0: type id 4444 out of range/);
  rejects(extBlob({ ...blocks, core: [{ sec: SOCKET, records: [[0, 19, ACCESS, 13]] }] }), 'unknown-relocation-kind', /unknown relocation kind 13/);
  // num_info larger than the records that follow.
  const b = extBlob(blocks);
  new DataView(b.buffer).setUint32(32 + 8, 1000, true);
  rejects(b, 'truncated', /func_info: section socket: 1000 records of 8 bytes run past the section/);
});

test('relocation kinds are numbered like the kernel', () => {
  assert.equal(CORE_RELO_KINDS.length, 13);
  assert.equal(CORE_RELO_KINDS[0], 'field_byte_offset');
  assert.equal(CORE_RELO_KINDS[6], 'type_id_local');
  assert.equal(CORE_RELO_KINDS[12], 'type_matches');
});
