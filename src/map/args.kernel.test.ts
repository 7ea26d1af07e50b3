// Bad arguments to maps, programs and links on the running kernel: each refused with a typed error
// naming the object and the argument, before any system call, and nothing in the kernel changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { kernelTest, openFds, assertNoNewFds } from '../testutils/kernel.js';
import { Assembler, R0 } from '../asm/index.js';
import { attachRawTracepoint, Link } from '../link/index.js';
import { openPinned } from '../sys/pin.js';
import { BpfMap, BtfObject, MapType, Program, ProgramType, SizeError, bytes, ensureBpffs, u32, u64 } from '../index.js';

const hash = (name: string) => BpfMap.create({ name, type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 64 }, { key: u32, value: u64 });
const err = (cls: new (...a: never[]) => Error, message: RegExp | string) => (e: unknown) => {
  assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
  if (typeof message === 'string') assert.equal(e.message, message);
  else assert.match(e.message, message);
  return true;
};

test('raw batch and walker calls check counts and buffer lengths before the kernel sees an address', (t) => {
  if (!kernelTest(t)) return;
  using m = hash('counts');
  const keys = new Uint8Array(16);
  const values = new Uint8Array(32);
  for (const count of [-1, 1.5, NaN, 2 ** 32]) {
    assert.throws(() => m.updateBatchRaw(keys, values, count), err(RangeError, `map counts: update batch: count must be an integer in [0, 4294967295], got ${count}`));
  }
  assert.throws(() => m.updateBatchRaw(keys, values, 5), err(RangeError, 'map counts: update batch: keys holds 4 keys of 4 B, fewer than count 5'));
  assert.throws(() => m.updateBatchRaw(keys, new Uint8Array(31), 4), /values holds 3 values of 8 B, fewer than count 4/);
  assert.throws(() => m.updateBatchRaw('abcd' as unknown as Uint8Array, values, 1), err(TypeError, 'map counts: update batch: keys must be a Uint8Array, got string "abcd"'));
  assert.equal(m.countByIteration(), 0, 'nothing reached the map');
  assert.throws(() => m.nextKeyRaw(null, new Uint8Array(3)), err(RangeError, 'map counts: next key: out is 3 bytes, shorter than the key (4)'));
  assert.throws(() => m.nextKeyRaw(new Uint8Array(2), new Uint8Array(4)), /prev is 2 bytes/);
  assert.throws(() => m.nextKeyRaw(null, [0, 0, 0, 0] as unknown as Uint8Array), TypeError);
  assert.throws(() => m.lookupRaw('abcd' as unknown as Uint8Array), TypeError);
  assert.throws(() => m.updateRaw(new Uint8Array(4), new Uint8Array(9)), SizeError);
  // A cursor from another map would let the kernel write a longer token into a short buffer.
  using big = BpfMap.create({ name: 'big_keys', type: MapType.Hash, keySize: 64, valueSize: 8, maxEntries: 4 });
  const foreign = m.batchCursor();
  assert.throws(() => big.lookupBatchInto(foreign, new Uint8Array(64), new Uint8Array(8)), err(TypeError, /^map big_keys: lookup batch: cursor must come from this map's batchCursor\(\)/));
  assert.throws(() => m.lookupBatchInto({ done: false }, keys, values), TypeError);
  assert.throws(() => m.lookupBatchInto(m.batchCursor(), new Uint8Array(3), values), /buffers hold no element/);
});

test('batchSize: negative, fractional, NaN or non-numbers refused; huge ones cut to max entries', (t) => {
  if (!kernelTest(t)) return;
  using m = hash('counts');
  m.updateBatch([[1, 10n], [2, 20n]]);
  for (const bad of [-1, 0, 1.5, NaN, Infinity, 2 ** 32]) {
    assert.throws(() => m.lookupBatch({ batchSize: bad }), err(RangeError, `map counts: lookup batch: batchSize must be an integer in [1, 4294967295], got ${bad}`));
    assert.throws(() => m.countByBatch(bad), RangeError);
    assert.throws(() => [...m.entriesBatch({ batchSize: bad })], RangeError);
  }
  assert.throws(() => m.forEachBatch(() => {}, { batchSize: '8' as unknown as number }), TypeError);
  assert.throws(() => m.lookupBatch({ batchsize: 8 } as never), err(TypeError, 'map counts: lookup batch: unknown option "batchsize" (known: batchSize)'));
  assert.throws(() => m.lookupAndDeleteBatch({ delete: false } as never), /unknown option "delete"/);
  // 2^32 - 1 elements would be 48 GiB of buffers; the map holds 64, so that is what is allocated.
  assert.deepEqual(m.lookupBatch({ batchSize: 2 ** 32 - 1 }).sort((a, b) => a[0] - b[0]), [[1, 10n], [2, 20n]]);
  assert.equal(m.countByBatch(2 ** 32 - 1), 2);
});

test('codecs refuse what they cannot represent, and the error names the map, the operation and the argument', (t) => {
  if (!kernelTest(t)) return;
  using m = hash('counts');
  assert.throws(() => m.update(1.5, 1n), err(RangeError, 'map counts: update: key: u32 wants an integer in [0, 4294967295], got 1.5'));
  assert.throws(() => m.update(2 ** 32, 1n), RangeError);
  assert.throws(() => m.update(-1, 1n), RangeError);
  for (const bad of ['abc', null, {}, undefined]) assert.throws(() => m.update(bad as unknown as number, 1n), err(TypeError, /^map counts: update: key: u32 wants an integer/));
  assert.throws(() => m.update(1, -1n), err(RangeError, /^map counts: update: value: u64 wants a bigint/));
  assert.throws(() => m.update(1, '5' as unknown as bigint), TypeError);
  assert.throws(() => m.lookup('1' as unknown as number), err(TypeError, /^map counts: lookup: key: /));
  assert.throws(() => m.updateBatch([[1, 1n], [2.5, 2n]]), err(RangeError, /^map counts: update batch: entries\[1\]: key: u32 wants/));
  assert.throws(() => m.updateBatch([[1, 1n], 7] as never), err(TypeError, 'map counts: update batch: entries[1] must be a [key, value] pair, got 7'));
  assert.throws(() => m.updateBatch(5 as never), /entries must be an iterable/);
  assert.throws(() => m.deleteBatch([1, NaN]), err(RangeError, /^map counts: delete batch: keys\[1\]: u32 wants/));
  m.update(3, Number.MAX_SAFE_INTEGER as unknown as bigint); // a safe integer is exact: accepted for 64-bit codecs
  assert.equal(m.lookup(3), BigInt(Number.MAX_SAFE_INTEGER));
  assert.deepEqual([...m.keys()], [3], 'only the accepted update reached the map');
  using raw = BpfMap.create({ name: 'raw', type: MapType.Hash, keySize: 4, valueSize: 4, maxEntries: 4 });
  assert.throws(() => raw.update('abcd' as unknown as Buffer, Buffer.alloc(4)), err(TypeError, 'map raw: update: key: bytes(4) wants a Uint8Array of 4 bytes, got string "abcd"'));
  assert.throws(() => raw.update([1, 2, 3, 4] as unknown as Buffer, Buffer.alloc(4)), TypeError);
  assert.throws(() => raw.update(Buffer.alloc(3), Buffer.alloc(4)), SizeError);
  assert.equal(raw.countByIteration(), 0);
});

test('flags and options are honoured or refused: numbers, misspellings and unknown names', (t) => {
  if (!kernelTest(t)) return;
  using m = hash('counts');
  m.update(1, 10n);
  assert.throws(() => m.update(1, 11n, 1 as never), err(TypeError, 'map counts: update: options must be an object, got 1'));
  assert.throws(() => m.update(1, 11n, { flag: 1 } as never), err(TypeError, 'map counts: update: unknown flag 1 (give the flag by name: any, noexist, exist)'));
  assert.throws(() => m.update(1, 11n, { flg: 'noexist' } as never), err(TypeError, 'map counts: update: unknown option "flg" (known: flag, lock)'));
  assert.throws(() => m.update(1, 11n, { lock: 1 } as never), /lock must be a boolean/);
  assert.throws(() => m.updateBatch([[1, 12n]], 'noexsit' as never), err(TypeError, 'map counts: update batch: unknown flag "noexsit" (any, noexist, exist)'));
  assert.throws(() => m.updateRaw(new Uint8Array(4), new Uint8Array(8), 2 as never), TypeError);
  assert.throws(() => m.lookup(1, { lokc: true } as never), /unknown option "lokc" \(known: lock\)/);
  assert.throws(() => m.update(1, 11n, null as never), TypeError);
  assert.equal(m.lookup(1), 10n, 'no refused update reached the map');
  using q = BpfMap.create({ name: 'jobs', type: MapType.Queue, keySize: 0, valueSize: 4, maxEntries: 2 }, { value: u32 });
  assert.throws(() => q.push(1, 'noexist' as never), err(TypeError, 'map jobs: push: unknown flag "noexist" (any, exist)'));
  using bloom = BpfMap.create({ name: 'seen', type: MapType.BloomFilter, keySize: 0, valueSize: 4, maxEntries: 8 }, { value: u32 });
  assert.throws(() => bloom.push(1, 'exist'), /unknown flag "exist" \(any\)/);
});

test('operations match the map kind: pop, peek, push and mayContain only where they exist', (t) => {
  if (!kernelTest(t)) return;
  using m = hash('counts');
  m.update(7, 70n);
  m.lookup(7);
  assert.throws(() => m.pop(), err(TypeError, 'map counts: pop: hash maps have no pop (queue and stack only)'));
  assert.throws(() => m.peek(), TypeError);
  assert.throws(() => m.push(1n), err(TypeError, 'map counts: push: hash maps have no push (queue, stack and bloom filter only)'));
  assert.throws(() => m.mayContain(1n), TypeError);
  assert.equal(m.lookup(7), 70n, 'pop on a hash deleted nothing');
  using q = BpfMap.create({ name: 'jobs', type: MapType.Queue, keySize: 0, valueSize: 4, maxEntries: 2 }, { value: u32 });
  assert.throws(() => q.mayContain(1), /queue maps have no mayContain \(bloom filter only\)/);
  using bloom = BpfMap.create({ name: 'seen', type: MapType.BloomFilter, keySize: 0, valueSize: 4, maxEntries: 8 }, { value: u32 });
  assert.throws(() => bloom.pop(), TypeError);
});

test('ids are u32: 2^32 + id does not open object id', (t) => {
  if (!kernelTest(t)) return;
  using m = hash('counts');
  const id = m.info().id;
  assert.throws(() => BpfMap.fromId(2 ** 32 + id), err(RangeError, `map id ${2 ** 32 + id}: open: id must be an integer in [1, 4294967295], got ${2 ** 32 + id}`));
  for (const bad of [0, -1, 1.5, NaN]) assert.throws(() => BpfMap.fromId(bad), RangeError);
  assert.throws(() => BpfMap.fromId(String(id) as never), TypeError);
  using prog = Program.load({ name: 'p', type: ProgramType.SocketFilter, license: 'GPL', instructions: new Assembler().mov64(R0, 0).exit().build() });
  assert.throws(() => Program.fromId(2 ** 32 + prog.info().id), /program id \d+: open: id must be an integer/);
  assert.throws(() => Link.fromId(2 ** 32 + 1), /link id \d+: open: id must be an integer/);
  assert.throws(() => BtfObject.fromId(2 ** 32 + 1), /btf id \d+: open: id must be an integer/);
});

test('a pin opened as the wrong kind is refused with a TypeError saying what is pinned there, and its fd closed', async (t) => {
  if (!kernelTest(t)) return;
  ensureBpffs();
  const dir = mkdtempSync('/sys/fs/bpf/tsbpf-kind-');
  try {
    using m = hash('counts');
    using prog = Program.load({ name: 'rtp', type: ProgramType.RawTracePoint, license: 'GPL', instructions: new Assembler().mov64(R0, 0).exit().build() });
    using link = attachRawTracepoint('sys_enter', prog);
    m.pin(join(dir, 'map'));
    prog.pin(join(dir, 'prog'));
    link.pin(join(dir, 'link'));
    const before = await openFds();
    for (let i = 0; i < 3; i++) {
      assert.throws(() => BpfMap.fromPinned(join(dir, 'prog')), err(TypeError, `map ${join(dir, 'prog')}: open pinned: a program is pinned there, not a map (open it with Program.fromPinned)`));
      assert.throws(() => BpfMap.fromPinned(join(dir, 'link')), /a link is pinned there, not a map \(open it with Link\.fromPinned\)/);
      assert.throws(() => Program.fromPinned(join(dir, 'map')), err(TypeError, `program ${join(dir, 'map')}: open pinned: a map is pinned there, not a program (open it with BpfMap.fromPinned)`));
      assert.throws(() => Program.fromPinned(join(dir, 'link')), /a link is pinned there, not a program/);
      assert.throws(() => Link.fromPinned(join(dir, 'prog')), /a program is pinned there, not a link/);
      // fromFd takes ownership of the raw fd and closes it when refusing it.
      assert.throws(() => BpfMap.fromFd(openPinned(join(dir, 'prog'), 'test')), err(TypeError, /^map fd \d+: a program is behind fd \d+, not a map \(open it with Program\.fromFd\)$/));
    }
    assert.throws(() => BpfMap.fromPinned(`${dir}/x\0y`), /path must not contain NUL bytes/);
    await assertNoNewFds(before, 'every fd opened for a refused pin was closed');
    using again = BpfMap.fromPinned(join(dir, 'map'), { key: u32, value: u64 });
    using againProg = Program.fromPinned(join(dir, 'prog'));
    using againLink = Link.fromPinned(join(dir, 'link'));
    assert.equal(again.info().id, m.info().id);
    assert.equal(againProg.info().id, prog.info().id);
    assert.equal(againLink.info().id, link.info().id);
    againLink.unpin();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Program.test checks sizes, buffers and option names before the run', (t) => {
  if (!kernelTest(t)) return;
  using prog = Program.load({ name: 'keep', type: ProgramType.SocketFilter, license: 'GPL', instructions: new Assembler().mov64(R0, 1).exit().build() });
  const eth = Buffer.alloc(14);
  for (const bad of [-1, 1.5, NaN, 2 ** 40]) {
    assert.throws(() => prog.test(eth, { dataOutSize: bad }), err(RangeError, `program keep: test: dataOutSize must be an integer in [0, 16777216], got ${bad}`));
    assert.throws(() => prog.test(eth, { ctxOutSize: bad }), RangeError);
  }
  assert.throws(() => prog.test(eth, { repeat: 0 }), /repeat must be an integer in \[1, 4294967295\], got 0/);
  assert.throws(() => prog.test(eth, { cpu: -1 }), RangeError);
  assert.throws(() => prog.test(eth, { flags: 2 ** 32 }), RangeError);
  assert.throws(() => prog.test(eth, { ctxIn: 'abc' as never }), err(TypeError, 'program keep: test: ctxIn must be a Uint8Array, got string "abc"'));
  assert.throws(() => prog.test('abc' as never), /dataIn must be a Uint8Array/);
  assert.throws(() => prog.test(eth, { dataOutsize: 10 } as never), err(TypeError, /^program keep: test: unknown option "dataOutsize" \(known: repeat, ctxIn, ctxOutSize, dataOutSize, flags, cpu\)$/));
  assert.throws(() => prog.test(eth, 5 as never), /options must be an object/);
  assert.equal(prog.test(eth, { dataOutSize: 14 }).retval, 1);
});

test('raw maps keep accepting Buffers of the right size', (t) => {
  if (!kernelTest(t)) return;
  using raw = BpfMap.create({ name: 'raw', type: MapType.Hash, keySize: 4, valueSize: 4, maxEntries: 4 }, { key: bytes(4), value: bytes(4) });
  raw.update(Buffer.from([1, 2, 3, 4]), new Uint8Array([5, 6, 7, 8]) as Buffer);
  assert.deepEqual([...raw.lookup(Buffer.from([1, 2, 3, 4]))!], [5, 6, 7, 8]);
});
