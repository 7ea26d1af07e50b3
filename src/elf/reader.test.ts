import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CALL, LD_IMM64, PseudoCall, PseudoLd, SlotMap, type Instruction } from '../asm/index.js';
import type { ProgramSpec } from '../spec/index.js';
import { AttachType, MapType, ProgramType } from '../types.js';
import { fixtureBytes } from '../testutils/bpf-objects.js';
import { ElfFile } from './elf-file.js';
import { ElfParseError, UnknownSectionError } from './errors.js';
import { BPF_F_MMAPABLE, BPF_F_RDONLY_PROG, loadCollectionSpec } from './reader.js';
import { BPF_F_SLEEPABLE } from './section-names.js';

function load(t: import('node:test').TestContext, name: string) {
  const bytes = fixtureBytes(t, name);
  return bytes && loadCollectionSpec(bytes);
}

/** Function names in a program's instruction list, in order (from `symbol` marks). */
function functions(p: ProgramSpec): string[] {
  return p.instructions.filter((i) => i.symbol).map((i) => i.symbol!);
}

/**
 * Checks every bpf-to-bpf call and function reference: its imm must land on the first
 * instruction of the function it names.
 */
function checkCallTargets(p: ProgramSpec): number {
  const m = new SlotMap(p.instructions);
  let n = 0;
  p.instructions.forEach((ins, i) => {
    const call = ins.opcode === CALL && ins.src === PseudoCall.Call;
    const ref = ins.opcode === LD_IMM64 && ins.src === PseudoLd.Func;
    if (!call && !ref) return;
    const target = m.indexAtSlot(m.slotOf(i) + ins.imm + 1);
    assert.ok(target >= 0, `${p.name}: instruction ${i}: target slot lands inside an instruction`);
    assert.equal(p.instructions[target].symbol, ins.reference, `${p.name}: instruction ${i} targets ${ins.reference}`);
    n++;
  });
  return n;
}

function refs(p: ProgramSpec, pred: (i: Instruction) => boolean): Instruction[] {
  return p.instructions.filter((i) => i.reference !== undefined && pred(i));
}

test('seed: the hash map and the counting program with its callback', (t) => {
  const spec = load(t, 'count');
  if (!spec) return;
  assert.deepEqual(Object.keys(spec.maps), ['my_map']);
  const m = spec.maps.my_map;
  assert.equal(m.name, 'my_map');
  assert.equal(m.type, MapType.Hash);
  assert.equal(m.keySize, 4);
  assert.equal(m.valueSize, 8);
  assert.ok(m.maxEntries >= 100_000);
  assert.ok(m.btfKeyTypeId! > 0 && m.btfValueTypeId! > 0);
  assert.equal(spec.license, 'GPL');

  const p = spec.programs.refresh_count;
  assert.equal(p.sectionName, 'socket');
  assert.equal(p.type, ProgramType.SocketFilter);
  assert.equal(p.expectedAttachType, undefined);
  assert.equal(p.license, 'GPL');
  assert.deepEqual(functions(p), ['refresh_count', 'count_elem']);
  const [mapLoad] = refs(p, (i) => i.src === PseudoLd.MapFd);
  assert.equal(mapLoad.reference, 'my_map');
  assert.equal(mapLoad.opcode, LD_IMM64);
  const [cb] = refs(p, (i) => i.opcode === LD_IMM64 && i.src === PseudoLd.Func);
  assert.equal(cb.reference, 'count_elem');
  assert.equal(checkCallTargets(p), 1);
  // One func_info per function; the callback's starts where it was appended.
  const m2 = new SlotMap(p.instructions);
  const cbStart = p.instructions.findIndex((i) => i.symbol === 'count_elem');
  assert.deepEqual(
    p.funcInfo!.map((f) => f.insnOff),
    [0, m2.slotOf(cbStart)],
  );
  assert.ok(p.funcInfo!.every((f) => f.typeId > 0));
  assert.ok(p.lineInfo!.length > 0);
  assert.ok(p.lineInfo!.every((l, i) => l.insnOff < m2.slotCount && (i === 0 || p.lineInfo![i - 1].insnOff <= l.insnOff)));
  // count.bpf.c includes the seed example's source, so line info names seed.bpf.c.
  assert.ok(p.instructions.some((i) => i.source?.file?.endsWith('seed.bpf.c') && i.source.text?.includes('bpf_for_each_map_elem')));
  assert.ok(spec.btf && spec.btfBytes && spec.btfExt);
});

test('seed variants parse: context in .bss, callback returning the count', (t) => {
  const bad = load(t, 'count_bad_ctx');
  if (!bad) return;
  const p = bad.programs.refresh_count;
  const glob = refs(p, (i) => i.src === PseudoLd.MapValue);
  assert.ok(glob.length > 0 && glob.every((i) => i.reference === '.bss' && i.immHi === 0));
  assert.equal(bad.variables.global_ctx.mapName, '.bss');
  assert.equal(bad.maps['.bss'].contents, undefined, 'the kernel zero-fills .bss');
  const ret = load(t, 'count_bad_ret')!;
  assert.deepEqual(functions(ret.programs.refresh_count), ['refresh_count', 'count_elem']);
  checkCallTargets(ret.programs.refresh_count);
});

test('several programs per section, subprograms appended once each, transitively', (t) => {
  const spec = load(t, 'multi');
  if (!spec) return;
  assert.deepEqual(Object.keys(spec.programs).sort(), ['BPF_PROG_fentry', 'first', 'handle_openat', 'handle_switch', 'second', 'third', 'xdp_pass']);
  assert.deepEqual(functions(spec.programs.first), ['first', 'bump', 'square']);
  assert.deepEqual(functions(spec.programs.second), ['second', 'bump', 'global_helper', 'square']);
  assert.deepEqual(functions(spec.programs.third), ['third']);
  assert.deepEqual(functions(spec.programs.xdp_pass), ['xdp_pass', 'global_helper']);
  assert.deepEqual(functions(spec.programs.handle_openat), ['handle_openat', 'bump', 'square']);
  for (const p of Object.values(spec.programs)) {
    checkCallTargets(p);
    assert.equal(p.funcInfo!.length, functions(p).length, `${p.name}: one func_info per function`);
    assert.ok(p.instructions.every((i) => i.reference !== 'stats' || i.src === PseudoLd.MapFd));
  }
  assert.equal(checkCallTargets(spec.programs.second), 3);
  for (const n of ['first', 'second', 'third']) assert.equal(spec.programs[n].sectionName, 'socket');

  const xdp = spec.programs.xdp_pass;
  assert.equal(xdp.type, ProgramType.XDP);
  assert.equal(xdp.expectedAttachType, AttachType.XDP);
  const tp = spec.programs.handle_openat;
  assert.equal(tp.type, ProgramType.TracePoint);
  assert.equal(tp.attachTo, 'syscalls/sys_enter_openat');
  const raw = spec.programs.handle_switch;
  assert.equal(raw.type, ProgramType.RawTracePoint);
  assert.equal(raw.attachTo, 'sched_switch');
  const fentry = spec.programs.BPF_PROG_fentry;
  assert.equal(fentry.type, ProgramType.Tracing);
  assert.equal(fentry.expectedAttachType, AttachType.TRACE_FENTRY);
  assert.equal(fentry.attachTo, 'do_unlinkat');
  assert.equal(fentry.flags, BPF_F_SLEEPABLE);
  assert.equal(fentry.attachBtf, true);
});

test('globals: data sections become array maps, variables point into them', (t) => {
  const spec = load(t, 'globals');
  if (!spec) return;
  assert.deepEqual(Object.keys(spec.maps).sort(), ['.bss', '.data', '.data.counters', '.rodata', '.rodata.str1.1']);
  for (const m of Object.values(spec.maps)) {
    assert.equal(m.type, MapType.Array);
    assert.equal(m.keySize, 4);
    assert.equal(m.maxEntries, 1);
    if (m.name !== '.rodata.str1.1') assert.ok(m.btfValueTypeId! > 0);
  }
  // String literals: read-only, frozen, no BTF variables so not mmapable (as libbpf decides).
  const strs = spec.maps['.rodata.str1.1'];
  assert.equal(strs.flags, BPF_F_RDONLY_PROG);
  assert.equal(strs.freeze, true);
  assert.equal(strs.btfValueTypeId, 0);
  const text = new TextDecoder().decode(strs.contents![0].value);
  assert.ok(text.includes('long packet\0') && text.includes('short\0'));
  const lits = refs(spec.programs.use_strings, (i) => i.reference === '.rodata.str1.1').map((i) => i.immHi);
  assert.deepEqual(lits.map((o) => text.slice(o, text.indexOf('\0', o))).sort(), ['long packet', 'short']);
  const ro = spec.maps['.rodata'];
  assert.equal(ro.flags, BPF_F_RDONLY_PROG | BPF_F_MMAPABLE);
  assert.equal(ro.freeze, true);
  assert.equal(spec.maps['.data'].flags, BPF_F_MMAPABLE);
  assert.equal(spec.maps['.data'].freeze, undefined);
  assert.equal(spec.maps['.bss'].valueSize, 40);
  assert.equal(spec.maps['.bss'].contents, undefined);

  const v = spec.variables;
  assert.deepEqual(
    { ...v.filter_pid, typeId: 0 },
    { name: 'filter_pid', mapName: '.rodata', offset: 0, size: 4, typeId: 0, constant: true, isStatic: false },
  );
  assert.equal(v.greeting.offset, 4);
  assert.equal(v.greeting.size, 8);
  assert.equal(v.hits.mapName, '.data');
  assert.equal(v.hidden_state.isStatic, true);
  assert.equal(v.misses.mapName, '.bss');
  assert.equal(v.packets.offset, 8);
  assert.equal(v.packets.size, 32);
  assert.deepEqual([v.counter_a.mapName, v.counter_a.offset, v.counter_b.offset], ['.data.counters', 0, 8]);
  // Initial contents come from the ELF section.
  const data = spec.maps['.data'].contents![0].value;
  assert.equal(new DataView(data.buffer, data.byteOffset).getBigUint64(0, true), 1n); // hits = 1
  const counters = spec.maps['.data.counters'].contents![0].value;
  assert.equal(new DataView(counters.buffer, counters.byteOffset).getBigUint64(8, true), 9n);
  const rodata = spec.maps['.rodata'].contents![0].value;
  assert.equal(new TextDecoder().decode(rodata.subarray(4, 9)), 'hello');

  const p = spec.programs.use_globals;
  const loads = refs(p, (i) => i.src === PseudoLd.MapValue).map((i) => `${i.reference}+${i.immHi}`);
  assert.ok(loads.includes('.rodata+0'), 'filter_pid');
  assert.ok(loads.includes('.bss+8'), 'packets');
  assert.ok(loads.includes('.data.counters+8'), 'counter_b');
  assert.ok(loads.includes('.data+8'), 'hidden_state via a section symbol');
  assert.equal(spec.license, 'Dual BSD/GPL');
  assert.equal(spec.kernelVersion, 0x060c00);
  assert.equal(p.kernelVersion, 0x060c00);
});

test('BTF is fixed up: DATASEC sizes from the sections, VAR offsets from the symbols', (t) => {
  const bytes = fixtureBytes(t, 'globals');
  if (!bytes) return;
  const spec = loadCollectionSpec(bytes);
  const elf = new ElfFile(bytes);
  for (const name of ['.data', '.bss', '.rodata', '.data.counters']) {
    const ds = spec.btf!.anyTypeByName(name, 'datasec');
    assert.ok(ds && ds.kind === 'datasec', name);
    assert.equal(ds.size, elf.section(name)!.size, `${name} size`);
    let last = -1;
    for (const vs of ds.vars) {
      const v = spec.btf!.typeById(vs.type);
      assert.equal(v.kind, 'var');
      const sym = elf.symbols().find((s) => s.name === v.name && elf.sections[s.sectionIndex]?.name === name);
      if (sym) assert.equal(vs.offset, sym.value, `${name}: ${v.name}`);
      assert.ok(vs.offset >= last, `${name}: sorted by offset`);
      last = vs.offset;
    }
  }
});

test('CO-RE relocations are rebased onto the program and point at instructions', (t) => {
  const spec = load(t, 'core');
  if (!spec) return;
  const p = spec.programs.read_ids;
  assert.equal(p.type, ProgramType.Tracing);
  assert.equal(p.expectedAttachType, AttachType.TRACE_RAW_TP);
  assert.equal(p.attachTo, 'sched_switch');
  assert.ok(p.coreRelos!.length >= 4);
  const m = new SlotMap(p.instructions);
  const local = spec.btf!.typeById(p.coreRelos![0].typeId);
  assert.equal(local.name, 'task_struct___local');
  for (const r of p.coreRelos!) {
    assert.equal(m.byteOffsetOf(r.insnIndex), r.insnOff);
    assert.match(r.accessStr, /^\d+(:\d+)*$/);
  }
  assert.deepEqual(
    p.coreRelos!.map((r) => `${r.kind} ${r.accessStr}`),
    ['field_byte_offset 0:1', 'field_byte_offset 0:0', 'field_byte_offset 0:2', 'field_exists 0:0'],
  );
  const direct = spec.programs.read_ids_direct;
  assert.equal(direct.coreRelos!.length, 1);
  assert.equal(direct.coreRelos![0].accessStr, '0:1'); // task->pid
});

test('map-in-map: inner map templates, pinning, and statically initialised slots', (t) => {
  const spec = load(t, 'map_in_map');
  if (!spec) return;
  const outer = spec.maps.outer_array;
  assert.equal(outer.type, MapType.ArrayOfMaps);
  assert.equal(outer.keySize, 4);
  assert.equal(outer.valueSize, 4);
  assert.equal(outer.maxEntries, 4);
  assert.deepEqual(
    { ...outer.innerMap, btfKeyTypeId: 0, btfValueTypeId: 0 },
    { name: 'outer_array.inner', type: MapType.Hash, keySize: 4, valueSize: 4, maxEntries: 16, btfKeyTypeId: 0, btfValueTypeId: 0 },
  );
  const hash = spec.maps.outer_hash;
  assert.equal(hash.type, MapType.HashOfMaps);
  assert.equal(hash.pinning, 'by-name');
  assert.equal(hash.innerMap?.type, MapType.Array);
  assert.equal(hash.innerMap?.valueSize, 8);
  assert.deepEqual(spec.mapSlots, {
    outer_array: [{ index: 1, target: 'inner_a' }],
    jump_table: [{ index: 0, target: 'tail_target' }],
  });
  const jt = spec.maps.jump_table;
  assert.deepEqual([jt.type, jt.keySize, jt.valueSize, jt.maxEntries, jt.innerMap], [MapType.ProgArray, 4, 4, 2, undefined]);
  assert.equal(spec.maps.inner_a.type, MapType.Hash);
});

test('map options: padded struct values, ring buffer, bloom filter', (t) => {
  const spec = load(t, 'padding');
  if (!spec) return;
  const m = spec.maps.padded_map;
  assert.equal(m.valueSize, 24, '1 + 7 padding + 8 + 2 + 6 padding');
  assert.equal(m.flags, 1); // BPF_F_NO_PREALLOC
  assert.equal(spec.btf!.typeById(m.btfValueTypeId!).name, 'padded');
  const rb = spec.maps.events;
  assert.deepEqual([rb.type, rb.keySize, rb.valueSize, rb.maxEntries], [MapType.RingBuf, 0, 0, 16384]);
  const bloom = spec.maps.bloom;
  assert.deepEqual([bloom.type, bloom.keySize, bloom.valueSize, bloom.mapExtra], [MapType.BloomFilter, 0, 8, 3n]);
});

test('externs: kfunc calls, ksym variables and kconfig values', (t) => {
  const spec = load(t, 'kfunc');
  if (!spec) return;
  const p = spec.programs.count_elems;
  assert.equal(p.type, ProgramType.Syscall);
  assert.equal(p.flags, BPF_F_SLEEPABLE);
  const [call] = refs(p, (i) => i.opcode === CALL);
  assert.equal(call.src, PseudoCall.KfuncCall);
  assert.equal(call.reference, 'bpf_map_sum_elem_count');
  assert.equal(spec.externs.bpf_map_sum_elem_count.kind, 'kfunc');
  assert.equal(spec.btf!.typeById(spec.externs.bpf_map_sum_elem_count.typeId).kind, 'func');

  const u = spec.programs.use_ksym;
  const [ksym] = refs(u, (i) => i.src === PseudoLd.BtfId);
  assert.equal(ksym.reference, 'bpf_prog_active');
  assert.equal(spec.externs.bpf_prog_active.kind, 'ksym');
  const kc = refs(u, (i) => i.reference === '.kconfig');
  assert.deepEqual(
    kc.map((i) => [i.src, i.immHi]),
    [
      [PseudoLd.MapValue, spec.externs.CONFIG_HZ.offset],
      [PseudoLd.MapValue, spec.externs.CONFIG_MISSING_OPTION.offset],
    ],
  );
  assert.equal(spec.externs.CONFIG_MISSING_OPTION.weak, true);
  assert.equal(spec.externs.CONFIG_HZ.weak, false);
  assert.equal(spec.maps['.kconfig'].valueSize, 8);
  assert.equal(spec.variables.CONFIG_HZ.mapName, '.kconfig');
  // The kernel accepts neither extern VARs nor FUNCs with unnamed arguments: they were rewritten.
  for (const ty of spec.btf!.types) {
    if (ty.kind === 'var') assert.notEqual(ty.linkage, 'extern', ty.name);
    if (ty.kind === 'func') assert.notEqual(ty.linkage, 'extern', ty.name);
  }
});

/** Overwrites the name of section `from` in place with `to` (at most as long, NUL-padded). */
function renameSection(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const elf = new ElfFile(bytes);
  const out = new Uint8Array(bytes);
  const v = new DataView(out.buffer);
  const sec = elf.section(from);
  if (!sec || to.length > from.length) throw new Error(`cannot rename ${from}`);
  const shoff = Number(v.getBigUint64(40, true));
  const nameOff = v.getUint32(shoff + sec.index * 64, true);
  const strtab = elf.sections[v.getUint16(62, true)];
  const at = strtab.offset + nameOff;
  out.fill(0, at, at + from.length);
  out.set(new TextEncoder().encode(to), at);
  return out;
}

test('an unknown program section is a clear error naming it', (t) => {
  const bytes = fixtureBytes(t, 'count');
  if (!bytes) return;
  const bad = renameSection(bytes, 'socket', 'sockez');
  assert.throws(
    () => loadCollectionSpec(bad),
    (e: unknown) => {
      assert.ok(e instanceof UnknownSectionError);
      assert.equal(e.sectionName, 'sockez');
      assert.equal(e.functionName, 'refresh_count');
      assert.match(e.message, /^elf: section "sockez": unknown program section name \(function refresh_count\)/);
      return true;
    },
  );
});

test('legacy map sections and garbage are refused with ElfParseError', (t) => {
  const bytes = fixtureBytes(t, 'count');
  if (!bytes) return;
  assert.throws(() => loadCollectionSpec(renameSection(bytes, '.maps', 'maps')), (e: unknown) => {
    assert.ok(e instanceof ElfParseError);
    assert.match(e.message, /legacy map definitions/);
    return true;
  });
  assert.throws(() => loadCollectionSpec(new Uint8Array(100)), ElfParseError);
});

test('loads from a path as well as from bytes', async (t) => {
  const bytes = fixtureBytes(t, 'count');
  if (!bytes) return;
  const { compileObject } = await import('../testutils/bpf-objects.js');
  const fromPath = loadCollectionSpec(compileObject('count'));
  const fromBytes = loadCollectionSpec(bytes);
  assert.deepEqual(Object.keys(fromPath.programs), Object.keys(fromBytes.programs));
  assert.deepEqual(fromPath.programs.refresh_count.instructions, fromBytes.programs.refresh_count.instructions);
});
