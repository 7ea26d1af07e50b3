// Collections from clang objects in the kernel: the seed counter and its broken variants,
// globals, padding, CO-RE, kfuncs, map-in-map, pinning, replacements, and cleanup on failure.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { kernelTest, openFds, assertNoNewFds } from '../testutils/kernel.js';
import { compileObject, findClang } from '../testutils/bpf-objects.js';
import { loadCollectionSpec } from '../elf/index.js';
import type { CollectionSpec } from '../spec/index.js';
import { loadCollection } from './load.js';
import { Collection } from './collection.js';
import { BtfLoadError, VerifierError } from '../prog/verifier-error.js';
import { InvalidArgumentError, PermissionError, SyscallError } from '../sys/errors.js';
import { Program } from '../prog/program.js';
import { DataSection, Variable } from './variable.js';
import { BpfMap, MapFlags, MapType, ClosedError, i64, u32, u64 } from '../index.js';
import { ensureBpffs } from '../sys/bpffs.js';

/** Skips without clang (fixtures are compiled from testdata/*.bpf.c). */
function fixture(t: TestContext, name: string): string | undefined {
  if (!kernelTest(t, { reason: () => (findClang() ? null : 'needs clang to build testdata fixtures') })) return undefined;
  return compileObject(name);
}

/** How many BPF map memory mappings this process has (lines of /proc/self/maps). */
function mappedMaps(): number {
  return readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.includes('bpf-map')).length;
}

function tempPinDir(): string {
  ensureBpffs();
  return mkdtempSync('/sys/fs/bpf/tsbpf-coll-');
}

test('seed: refresh_count counts 0, 1 and 100,000 entries of my_map', (t) => {
  const obj = fixture(t, 'count');
  if (!obj) return;
  using coll = loadCollection(obj);
  const m = coll.maps.my_map as BpfMap<number, bigint>;
  assert.equal(m.keyCodec.name, 'u32', 'codecs come from BTF');
  assert.equal(m.valueCodec.name, 'u64');
  const count = coll.programs.refresh_count;
  assert.equal(count.test(Buffer.alloc(14)).retval, 0);
  m.update(1, 10n, { flag: 'noexist' });
  assert.equal(count.test(Buffer.alloc(14)).retval, 1);
  const entries: Array<[number, bigint]> = [];
  for (let i = 0; i < 100_000; i++) entries.push([i, BigInt(i)]);
  m.updateBatch(entries);
  assert.equal(count.test(Buffer.alloc(14)).retval, 100_000);
  assert.ok(count.info().btfId > 0, 'the object BTF is attached');
  assert.ok(m.info().btfValueTypeId > 0, 'the map has its value BTF');
  assert.deepEqual(coll.notes, []);
});

test('seed: the two broken variants are refused with the verifier line', (t) => {
  const badCtx = fixture(t, 'count_bad_ctx');
  if (!badCtx) return;
  assert.throws(
    () => loadCollection(badCtx),
    (e: unknown) =>
      e instanceof VerifierError &&
      e.programName === 'refresh_count' &&
      /^program refresh_count: load program: EACCES: count_bad_ctx\.bpf\.c:\d+: R3 type=map_value expected=fp \(\d+ line\(s\) omitted\)$/.test(e.summary),
  );
  assert.throws(
    () => loadCollection(compileObject('count_bad_ret')),
    (e: unknown) => e instanceof VerifierError && e.programName === 'refresh_count' && /^program refresh_count: load program: \w+: .*should have been in \[0, 1\]/.test(e.message),
  );
});

test('a failing load closes everything it opened (fd count, pins)', async (t) => {
  const obj = fixture(t, 'count_bad_ctx');
  if (!obj) return;
  const spec = loadCollectionSpec(obj);
  const dir = tempPinDir();
  try {
    // Pin my_map by name: a failed load must also remove the pin it made.
    const pinned = { ...spec, maps: { ...spec.maps, my_map: { ...spec.maps.my_map, pinning: 'by-name' as const } } };
    const before = await openFds();
    for (let i = 0; i < 50; i++) {
      assert.throws(() => loadCollection(pinned, { pinPath: dir }), VerifierError);
      assert.equal(existsSync(join(dir, 'my_map')), false);
    }
    await assertNoNewFds(before);
    // Refused before any syscall: nothing to close either.
    assert.throws(() => loadCollection(spec, { constants: { nope: 1 } }), /unknown constant nope \(constants: none\)/);
    await assertNoNewFds(before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failure in any stage closes what the earlier stages opened and removes their pins', async (t) => {
  const mapInMap = fixture(t, 'map_in_map');
  if (!mapInMap) return;
  const dir = tempPinDir();
  /** Runs a failing load a few times (after one to warm caches up): same fds and map mappings after, no pin left. */
  const failsCleanly = async (load: () => unknown, want: RegExp | ((e: unknown) => boolean), pin?: string): Promise<void> => {
    assert.throws(load, want);
    const before = await openFds();
    const mappedBefore = mappedMaps();
    for (let i = 0; i < 3; i++) {
      assert.throws(load, want);
      if (pin) assert.equal(existsSync(pin), false, `no pin left at ${pin}`);
    }
    await assertNoNewFds(before);
    assert.equal(mappedMaps(), mappedBefore, 'data sections mapped by the failed loads are unmapped');
  };
  try {
    const mim = loadCollectionSpec(mapInMap);
    // inner_a, the first map, pinned by name: later stages' failures must unpin it.
    const pinFirst: CollectionSpec = { ...mim, maps: { ...mim.maps, inner_a: { ...mim.maps.inner_a, pinning: 'by-name' as const } } };
    const pin = join(dir, 'inner_a');

    // Map specs: a kconfig value the kernel config lacks (not __weak) fails before any syscall.
    const kfunc = loadCollectionSpec(compileObject('kfunc'));
    const strict = { ...kfunc, externs: { ...kfunc.externs, CONFIG_MISSING_OPTION: { ...kfunc.externs.CONFIG_MISSING_OPTION, weak: false } } };
    await failsCleanly(() => loadCollection(strict, { programs: ['count_elems'] }), /kconfig CONFIG_MISSING_OPTION: not set in the kernel config/);

    // Object BTF: the kernel refuses a corrupted blob (BPF_BTF_LOAD).
    const badBtf = Uint8Array.from(mim.btfBytes!);
    badBtf.fill(0xff, 24, 48); // type and string section offsets
    await failsCleanly(() => loadCollection({ ...mim, btfBytes: badBtf }), (e) => e instanceof BtfLoadError);

    // Maps: the kernel refuses outer_hash (max_entries 0) after inner_a was created and pinned.
    const badMap = { ...pinFirst, maps: { ...pinFirst.maps, outer_hash: { ...pinFirst.maps.outer_hash, maxEntries: 0 } } };
    await failsCleanly(() => loadCollection(badMap, { pinPath: dir }), (e) => e instanceof InvalidArgumentError && /map outer_hash: create/.test(e.message), pin);

    // Programs: the verifier refuses one (the other tests load count_bad_ctx the same way).
    const badProg = { ...pinFirst, programs: { ...pinFirst.programs, tail_target: { ...pinFirst.programs.tail_target, instructions: pinFirst.programs.tail_target.instructions.slice(0, -1) } } };
    await failsCleanly(() => loadCollection(badProg, { pinPath: dir }), (e) => e instanceof VerifierError && e.programName === 'tail_target', pin);

    // Slots: jump_table has 2 slots; the kernel refuses slot 5 after both programs are loaded.
    const badSlot = { ...pinFirst, mapSlots: { ...pinFirst.mapSlots, jump_table: [{ index: 5, target: 'tail_target' }] } };
    await failsCleanly(() => loadCollection(badSlot, { pinPath: dir }), (e) => e instanceof SyscallError && e.code === 'E2BIG' && /map jump_table/.test(e.message), pin);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // Variables: a frozen replacement for .data cannot be mapped writable (EPERM), after .rodata was mapped.
  const globals = loadCollectionSpec(compileObject('globals'));
  using frozen = BpfMap.create({ ...globals.maps['.data'], name: 'frozen_data', btfKeyTypeId: 0, btfValueTypeId: 0, freeze: true });
  await failsCleanly(
    () => loadCollection(globals, { mapReplacements: { '.data': frozen } }),
    (e) => e instanceof PermissionError && e.message === 'map frozen_data: mmap: EPERM: the map is frozen: it can only be mapped read-only',
  );
  assert.equal(frozen.lookupRaw(new Uint8Array(4))!.length, 12, 'the replacement stays open');
});

test('globals: constants before load, .data/.bss read and written from TS and seen by the program', (t) => {
  const obj = fixture(t, 'globals');
  if (!obj) return;
  assert.throws(() => loadCollection(obj, { constants: { filter_pidd: 1 } }), /unknown constant filter_pidd \(constants: filter_pid, greeting\)/);
  assert.throws(() => loadCollection(obj, { constants: { hits: 1 } }), /hits is a variable in \.data, not a constant/);
  assert.throws(() => loadCollection(obj, { constants: { filter_pid: 2 ** 32 } }), /does not fit in 4 byte/);

  // filter_pid set to another pid: the program returns early and changes nothing.
  using other = loadCollection(obj, { constants: { filter_pid: process.pid + 1 } });
  assert.equal(other.variables.filter_pid.get(), process.pid + 1);
  assert.equal(other.programs.use_globals.test().retval, 0);
  assert.equal(other.variables.hits.get(), 1n);

  using coll = loadCollection(obj, { constants: { filter_pid: process.pid, greeting: Buffer.from('HELLO\0\0\0') } });
  const v = coll.variables;
  for (const name of ['hits', 'misses', 'packets', 'counter_a', 'filter_pid']) assert.ok(v[name].mmapped, `${name} is mmapped`);
  assert.equal(v.greeting.get().toString(), Buffer.from('HELLO\0\0\0').toString());
  assert.equal(v.hits.get(), 1n);
  assert.equal(v.counter_a.get(), 7n);
  assert.equal(v.hidden_state.get(), 3);
  v.hits.set(41n);
  v.misses.set(100);
  v.counter_b.set(1000n);
  const r = coll.programs.use_globals.test();
  assert.equal(r.retval, 'H'.charCodeAt(0) + 2); // greeting[0] + (hidden_state ^ 1)
  assert.equal(v.hits.get(), 42n);
  assert.equal(v.misses.get(), 102);
  assert.equal(v.counter_a.get(), 1007n);
  assert.equal(v.packets.getBytes().readBigUInt64LE(8), 1n);
  assert.equal(v.hidden_state.get(), 2);
  // The same bytes through the maps.
  assert.equal(Buffer.from(coll.maps['.data'].lookupRaw(new Uint8Array(4))!).readBigUInt64LE(0), 42n);
  // Typed views and raw bytes.
  assert.equal(v.hits.as(i64).get(), 42n);
  assert.throws(() => v.packets.as(u64), /codec u64 is 8 bytes, the variable is 32/);
  v.packets.setBytes(Buffer.alloc(32, 1));
  assert.equal(v.packets.getBytes().readUInt8(31), 1);
  assert.throws(() => v.packets.setBytes(Buffer.alloc(3)), /got 3 bytes, the variable is 32/);
  // Constants are frozen at load.
  assert.throws(() => v.filter_pid.set(1), /variable filter_pid: is a constant in \.rodata, frozen at load: set it before loading/);
  assert.throws(() => coll.maps['.rodata'].updateRaw(new Uint8Array(4), new Uint8Array(22)), /EPERM/);
  coll.close();
  coll.close();
  assert.throws(() => v.hits.get(), ClosedError);
  assert.throws(() => coll.programs.use_globals.test(), ClosedError);
});

test('globals without mmap go through lookup and update', (t) => {
  const obj = fixture(t, 'globals');
  if (!obj) return;
  const spec = loadCollectionSpec(obj);
  const noMmap = { ...spec, maps: Object.fromEntries(Object.entries(spec.maps).map(([k, m]) => [k, { ...m, flags: (m.flags ?? 0) & ~MapFlags.Mmapable }])) };
  using coll = loadCollection(noMmap, { constants: { filter_pid: process.pid } });
  assert.equal(coll.variables.hits.mmapped, false);
  coll.variables.hits.set(9n);
  coll.variables.misses.set(1);
  coll.programs.use_globals.test();
  assert.equal(coll.variables.hits.get(), 10n);
  assert.equal(coll.variables.misses.get(), 3);
  assert.equal(coll.variables.filter_pid.get(), process.pid);
  assert.throws(() => coll.variables.greeting.set(Buffer.alloc(8)), /is a constant/);
  // A Variable over a section made by hand.
  using m = BpfMap.create({ name: 'sec', type: MapType.Array, keySize: 4, valueSize: 8, maxEntries: 1 });
  const section = new DataSection(m, { mmap: false, readOnly: false });
  const x = new Variable({ name: 'x', mapName: 'sec', offset: 4, size: 4, typeId: 0, constant: false, isStatic: false }, section, u32);
  x.set(0xdeadbeef);
  assert.equal(x.get(), 0xdeadbeef);
  assert.equal(Buffer.from(m.lookupRaw(new Uint8Array(4))!).readUInt32LE(4), 0xdeadbeef);
  section.close();
  assert.throws(() => x.get(), ClosedError);
});

test('padding: a struct value with holes round-trips; ring buffer and bloom filter are created', (t) => {
  const obj = fixture(t, 'padding');
  if (!obj) return;
  using coll = loadCollection(obj);
  const m = coll.maps.padded_map as BpfMap<number, Buffer>;
  assert.equal(m.valueSize, 24);
  assert.equal(coll.programs.fill.test().retval, 0);
  const v = m.lookup(1)!;
  assert.equal(v.readUInt8(0), 1);
  assert.equal(v.readBigUInt64LE(8), 2n);
  assert.equal(v.readUInt16LE(16), 3);
  const mine = Buffer.alloc(24);
  mine.writeUInt8(0xaa, 0);
  mine.writeBigUInt64LE(0x1122334455667788n, 8);
  mine.writeUInt16LE(0xbeef, 16);
  m.update(2, mine);
  assert.deepEqual(m.lookup(2), mine);
  assert.equal(coll.maps.events.type, MapType.RingBuf);
  assert.equal(coll.maps.bloom.info().mapExtra, 3n);
});

test('CO-RE: a syscall program reads this process\'s pid and tgid through task_struct___local', (t) => {
  const obj = fixture(t, 'core_ids');
  if (!obj) return;
  using coll = loadCollection(obj);
  const r = coll.programs.read_ids.test(undefined, { ctxIn: Buffer.alloc(16) });
  const out = r.ctxOut!;
  assert.equal(out.readUInt32LE(0), process.pid, 'pid (the main thread)');
  assert.equal(out.readUInt32LE(4), process.pid, 'tgid');
  assert.equal(out.readUInt32LE(8), 0, 'the missing field does not exist');
  assert.equal(r.retval, 1);
  // The same ProgramSpec through Program.load needs the object's BTF.
  const spec = loadCollectionSpec(obj);
  assert.throws(() => Program.load(spec.programs.read_ids), /has \d+ CO-RE relocation\(s\): pass the object's BTF as localBtf/);
  using p = Program.load(spec.programs.read_ids, { localBtf: spec.btf });
  assert.equal(p.test(undefined, { ctxIn: Buffer.alloc(16) }).ctxOut!.readUInt32LE(4), process.pid);
  // The seed's CO-RE object: a tp_btf program (attach target resolved) and a socket filter.
  using core = loadCollection(compileObject('core'));
  assert.equal(core.programs.read_ids_direct.test().retval, process.pid);
  assert.ok(core.programs.read_ids.info().id > 0);
});

test('kfuncs from C: bpf_map_sum_elem_count in a syscall program', (t) => {
  const obj = fixture(t, 'kfunc');
  if (!obj) return;
  // use_ksym needs bpf_prog_active in kallsyms (CONFIG_KALLSYMS_ALL), which this kernel may lack.
  using coll = loadCollection(obj, { programs: ['count_elems'] });
  assert.deepEqual(Object.keys(coll.programs), ['count_elems']);
  const m = coll.maps.counted as BpfMap<number, bigint>;
  for (let i = 0; i < 77; i++) m.update(i, 1n);
  m.delete(3);
  assert.equal(coll.programs.count_elems.test().retval, 76);
  assert.ok((coll.variables.CONFIG_HZ.get() as number) > 0, 'CONFIG_HZ from the kernel config');
  assert.equal(coll.variables.CONFIG_MISSING_OPTION.get(), 0);
  assert.throws(() => loadCollection(obj, { programs: ['nope'] }), /no program nope \(programs: count_elems, use_ksym\)/);
});

test('subprograms from .text in several programs', (t) => {
  const obj = fixture(t, 'multi');
  if (!obj) return;
  using coll = loadCollection(obj, { programs: ['first', 'second', 'third', 'xdp_pass'] });
  assert.equal(coll.programs.first.test().retval, 4); // stats[0] += 2 * 2
  assert.equal(coll.programs.first.test().retval, 8);
  assert.equal(coll.programs.second.test(Buffer.alloc(20)).retval, 9 + 20 - 14 + 1); // stats[1] += 9; skb->len + 1
  assert.equal(coll.programs.xdp_pass.test().retval, 2); // XDP_PASS
  assert.throws(() => coll.program('missing'), /no program missing \(programs: first, second, third, xdp_pass\)/);
});

test('map-in-map slots, pinning by name, replacements', (t) => {
  const obj = fixture(t, 'map_in_map');
  if (!obj) return;
  const dir = tempPinDir();
  try {
    const a = loadCollection(obj, { pinPath: dir, programs: ['lookup_inner'] });
    const inner = a.maps.inner_a as BpfMap<number, number>;
    inner.update(1, 77);
    assert.equal(a.programs.lookup_inner.test().retval, 77);
    assert.ok(existsSync(join(dir, 'outer_hash')));
    const id = a.maps.outer_hash.info().id;
    a.close();
    // Reused from the pin.
    using b = loadCollection(obj, { pinPath: dir, programs: [] });
    assert.equal(b.maps.outer_hash.info().id, id);
    // An incompatible pinned map is an error, and nothing stays open.
    const spec = loadCollectionSpec(obj);
    const bigger = { ...spec, maps: { ...spec.maps, outer_hash: { ...spec.maps.outer_hash, maxEntries: 16 } } };
    assert.throws(() => loadCollection(bigger, { pinPath: dir }), /map outer_hash: pinned map at .* is incompatible: max entries 8, want 16/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const count = compileObject('count');
  using mine = BpfMap.create({ name: 'mine', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 102400 }, { key: u32, value: u64 });
  for (let i = 0; i < 5; i++) mine.update(i, 0n);
  using c = loadCollection(count, { mapReplacements: { my_map: mine } });
  assert.equal(c.programs.refresh_count.test().retval, 5);
  assert.equal(c.maps.my_map.info().id, mine.info().id);
  c.close();
  assert.equal(mine.lookup(0), 0n, 'the replacement stays open');
  using small = BpfMap.create({ name: 'small', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 10 });
  assert.throws(() => loadCollection(count, { mapReplacements: { my_map: small } }), /replacement small is incompatible: max entries 10, want 102400/);
  assert.throws(() => loadCollection(count, { mapReplacements: { nope: small } }), /mapReplacements: no map nope/);
  assert.ok(c instanceof Collection);
});
