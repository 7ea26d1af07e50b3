// Programs in the kernel: hand-assembled counters, test runs, verifier errors, pinning, BTF.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { kernelTest, openFds, assertNoNewFds } from '../testutils/kernel.js';
import { Assembler, HelperId, R0, R1, R2, R3, R4, R10, type Instruction } from '../asm/index.js';
import { BpfMap, MapType, ProgramType, ClosedError, InvalidArgumentError, KeyNotFoundError, u32, u64 } from '../index.js';
import { Program, UnresolvedReferenceError } from './program.js';
import { BtfObject } from './btf-object.js';
import { synthesizeFuncInfo } from './func-info.js';
import { BtfLoadError, VerifierError } from './verifier-error.js';
import { ensureBpffs } from '../sys/bpffs.js';

const kfuncCounter = (): Instruction[] => new Assembler().ldMapFd(R1, 'counted').callKfunc('bpf_map_sum_elem_count').exit().build();

/** The bpf_for_each_map_elem counter; `ctx` chooses where the callback context points. */
function forEachCounter(opts: { badCtx?: boolean; badRet?: boolean } = {}): Instruction[] {
  const a = new Assembler().label('count_elems').stdw(R10, -8, 0).ldMapFd(R1, 'counted').ldFunc(R2, 'count_cb');
  if (opts.badCtx) a.ldMapValue(R3, 'global_ctx');
  else a.mov64(R3, R10).add64(R3, -8);
  a.mov64(R4, 0).call(HelperId.for_each_map_elem);
  if (opts.badCtx) a.ldMapValue(R1, 'global_ctx').ldxdw(R0, R1, 0);
  else a.ldxdw(R0, R10, -8);
  a.exit().label('count_cb').ldxdw(R1, R4, 0).add64(R1, 1).stxdw(R4, 0, R1);
  if (opts.badRet) a.mov64(R0, R1);
  else a.mov64(R0, 0);
  return a.exit().build();
}

function hashMap(name = 'counted'): BpfMap<number, bigint> {
  return BpfMap.create({ name, type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 4096 }, { key: u32, value: u64 });
}

const ETH = Buffer.alloc(14);

test('kfunc counter: bpf_map_sum_elem_count is exact after inserts, updates and deletes', (t) => {
  if (!kernelTest(t)) return;
  using m = hashMap();
  using prog = Program.load({ name: 'count_kfunc', type: ProgramType.SocketFilter, license: 'GPL', instructions: kfuncCounter() }, { maps: { counted: m } });
  assert.equal(prog.test(ETH).retval, 0);
  for (let i = 0; i < 1000; i++) m.update(i, BigInt(i));
  assert.equal(prog.test(ETH).retval, 1000);
  for (let i = 0; i < 1000; i += 2) m.update(i, 7n, 'exist');
  assert.equal(prog.test(ETH).retval, 1000);
  for (let i = 0; i < 1000; i += 4) m.delete(i);
  assert.equal(prog.test(ETH).retval, 750);
  assert.equal(m.countByIteration(), 750);
  const r = prog.test(ETH, { repeat: 1000 });
  assert.equal(r.retval, 750);
  assert.ok(Number.isSafeInteger(r.durationNs) && r.durationNs >= 0, `duration ${r.durationNs} ns`);
  assert.equal(r.dataOut.length, 14);
});

test('bpf_for_each_map_elem counter built with the Assembler (synthesized BTF + func_info) agrees', (t) => {
  if (!kernelTest(t)) return;
  using m = hashMap();
  using kf = Program.load({ name: 'count_kfunc', type: ProgramType.SocketFilter, license: 'GPL', instructions: kfuncCounter() }, { maps: { counted: m } });
  using fe = Program.load({ name: 'count_foreach', type: ProgramType.SocketFilter, license: 'GPL', instructions: forEachCounter() }, { maps: { counted: m } });
  for (const n of [0, 1, 37, 4096]) {
    for (let i = 0; i < n; i++) m.update(i, 1n);
    assert.equal(fe.test(ETH).retval, n);
    assert.equal(kf.test(ETH).retval, n);
    for (let i = 0; i < n; i++) m.delete(i);
  }
  assert.ok(fe.info().btfId > 0, 'the synthesized BTF is attached');
});

test('without func_info the kernel refuses a callback: VerifierError says why', (t) => {
  if (!kernelTest(t)) return;
  using m = hashMap();
  using btf = BtfObject.load(synthesizeFuncInfo(forEachCounter(), 'x')!.btf, { name: 'synth' });
  // Pass BTF but no func_info: the kernel wants func_info for the callback.
  const err = (() => {
    try {
      Program.load({ name: 'no_func_info', type: ProgramType.SocketFilter, license: 'GPL', instructions: forEachCounter(), btf, funcInfo: [] }, { maps: { counted: m } });
    } catch (e) {
      return e;
    }
    assert.fail('loaded');
  })();
  assert.ok(err instanceof VerifierError);
  assert.match(err.message, /^program no_func_info: load program: EINVAL: .*missing btf func_info/);
});

test('verifier errors: callback context on a map value, callback returning a count', (t) => {
  if (!kernelTest(t)) return;
  using m = hashMap();
  using g = BpfMap.create({ name: 'global_ctx', type: MapType.Array, keySize: 4, valueSize: 8, maxEntries: 1 });
  const maps = { counted: m, global_ctx: g };
  assert.throws(
    () => Program.load({ name: 'refresh_count', type: ProgramType.SocketFilter, license: 'GPL', instructions: forEachCounter({ badCtx: true }) }, { maps }),
    (e: unknown) => {
      assert.ok(e instanceof VerifierError);
      assert.equal(e.programName, 'refresh_count');
      assert.equal(e.code, 'EACCES');
      assert.match(e.summary, /^program refresh_count: load program: EACCES: \d+: \(85\) call bpf_for_each_map_elem#164: R3 type=map_value expected=fp \(\d+ line\(s\) omitted\)$/);
      assert.equal(e.hint?.id, 'callback-context');
      assert.ok(e.log.some((l) => l.startsWith('processed ')));
      assert.match(e.format({ tail: 3 }), /R3 type=map_value expected=fp/);
      return true;
    },
  );
  for (let i = 0; i < 3; i++) m.update(i, 1n);
  assert.throws(
    () => Program.load({ name: 'refresh_count', type: ProgramType.SocketFilter, license: 'GPL', instructions: forEachCounter({ badRet: true }) }, { maps }),
    /refresh_count: load program: EINVAL: .*At callback return the register R0 has .*should have been in \[0, 1\]/,
  );
  // A bad memory access: the instruction and the register complaint.
  assert.throws(
    () => Program.load({ name: 'bad_read', type: ProgramType.SocketFilter, license: 'GPL', instructions: new Assembler().ldxdw(R0, R2, 0).exit().build() }),
    /program bad_read: load program: EACCES: 0: \(79\) r0 = \*\(u64 \*\)\(r2 \+0\): R2 !read_ok \(\d+ line\(s\) omitted\)\n  hint: R2 is read before it is set/,
  );
});

test('verifier log on success with logLevel, grown from a tiny buffer', (t) => {
  if (!kernelTest(t)) return;
  using m = hashMap();
  using p = Program.load({ name: 'logged', type: ProgramType.SocketFilter, license: 'GPL', instructions: forEachCounter() }, { maps: { counted: m }, logLevel: 2, logSize: 128 });
  assert.ok(p.verifierLog.length > 10, `${p.verifierLog.length} lines`);
  assert.match(p.verifierLog.at(-1)!, /^processed \d+ insns/);
  // A failing load whose log cannot fit the largest buffer still reports the real errno.
  assert.throws(
    () => Program.load({ name: 'tiny', type: ProgramType.SocketFilter, license: 'GPL', instructions: forEachCounter({ badRet: true }) }, { maps: { counted: m }, logSize: 128, maxLogSize: 256 }),
    (e: unknown) => e instanceof VerifierError && e.truncated && e.code === 'EINVAL' && /\(log truncated\)$/.test(e.summary),
  );
});

test('references: unknown maps and kfuncs are named before any load; options are checked', (t) => {
  if (!kernelTest(t)) return;
  assert.throws(
    () => Program.load({ name: 'p', type: ProgramType.SocketFilter, license: 'GPL', instructions: kfuncCounter() }, { maps: {} }),
    (e: unknown) => e instanceof UnresolvedReferenceError && e.kind === 'map' && e.reference === 'counted' && /instruction 0: map counted: no fd given/.test(e.message),
  );
  using m = hashMap();
  const insns = new Assembler().ldMapFd(R1, 'counted').callKfunc('bpf_no_such_kfunc').exit().build();
  assert.throws(() => Program.load({ name: 'p', type: ProgramType.SocketFilter, license: 'GPL', instructions: insns }, { maps: { counted: m } }), /kfunc bpf_no_such_kfunc: not found in vmlinux BTF/);
  // A weak kfunc poisoned and unreachable loads fine.
  const guarded = new Assembler().mov64(R0, 0).jne(R0, 0, 'call').exit().label('call').ldMapFd(R1, 'counted').callKfunc('bpf_no_such_kfunc').exit().build();
  using ok = Program.load({ name: 'p', type: ProgramType.SocketFilter, license: 'GPL', instructions: guarded }, { maps: { counted: m }, kfuncs: { bpf_no_such_kfunc: null } });
  assert.equal(ok.test(ETH).retval, 0);
  assert.throws(() => Program.load({ name: 'p', type: ProgramType.SocketFilter, license: 'GPL', instructions: kfuncCounter() }, { map: {} } as never), /unknown option map/);
  assert.throws(() => Program.load({ name: 'p', type: ProgramType.SocketFilter, license: 'GPL', instructions: [] }), TypeError);
  assert.throws(() => Program.load({ name: 'p', type: ProgramType.SocketFilter, license: 'GPL', instructions: kfuncCounter() }, { logLevel: -1 }), RangeError);
});

test('info, pin, fromPinned, fromId, close', (t) => {
  if (!kernelTest(t)) return;
  using m = hashMap();
  const p = Program.load({ name: 'count_kfunc_long_name', type: ProgramType.SocketFilter, license: 'GPL', instructions: kfuncCounter() }, { maps: { counted: m } });
  const info = p.info();
  assert.equal(info.name, 'count_kfunc_lon');
  assert.equal(info.type, ProgramType.SocketFilter);
  assert.match(info.tag, /^[0-9a-f]{16}$/);
  assert.deepEqual(info.mapIds, [m.info().id]);
  assert.ok(info.id > 0 && info.xlatedSize > 0);
  assert.equal(String(p), 'program count_kfunc_long_name (socket_filter)');

  ensureBpffs();
  const dir = mkdtempSync('/sys/fs/bpf/tsbpf-prog-');
  try {
    const path = join(dir, 'count');
    p.pin(path);
    using again = Program.fromPinned(path);
    assert.equal(again.info().id, info.id);
    assert.equal(again.name, 'count_kfunc_lon');
    assert.equal(again.type, ProgramType.SocketFilter);
    assert.throws(() => p.pin(path), /path already exists/);
    p.unpin(path);
    assert.throws(() => Program.fromPinned(path), KeyNotFoundError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  using byId = Program.fromId(info.id);
  m.update(1, 1n);
  assert.equal(byId.test(ETH).retval, 1);
  p.close();
  p.close();
  assert.ok(p.closed);
  assert.throws(() => p.test(ETH), ClosedError);
  assert.throws(() => p.fd, /program count_kfunc_long_name: already closed/);
  assert.throws(() => Program.fromId(0x7fffffff), KeyNotFoundError);
});

test('test runs: packet out, syscall programs with a context, bad input', (t) => {
  if (!kernelTest(t)) return;
  // A socket filter returning the packet's length (skb->len at offset 0 of __sk_buff): the
  // kernel pulls the 14-byte Ethernet header first.
  using len = Program.load({ name: 'len', type: ProgramType.SocketFilter, license: 'GPL', instructions: new Assembler().ldxw(R0, R1, 0).exit().build() });
  const out = len.test(Buffer.alloc(64, 7));
  assert.equal(out.retval, 64 - 14);
  assert.equal(out.dataOut.length, 64);
  assert.deepEqual(out.dataOut.subarray(14), Buffer.alloc(50, 7));
  assert.throws(() => len.test(Buffer.alloc(2)), /program len: test run: EINVAL/);
  // A syscall program reading its context: returns ctx[0] + ctx[1] and writes ctx[2] = 42.
  const sys = new Assembler().ldxw(R0, R1, 0).ldxw(R2, R1, 4).add64(R0, R2).stw(R1, 8, 42).exit().build();
  using p = Program.load({ name: 'sys', type: ProgramType.Syscall, license: 'GPL', instructions: sys, flags: 1 << 4 /* BPF_F_SLEEPABLE */ });
  const ctx = Buffer.alloc(12);
  ctx.writeUInt32LE(5, 0);
  ctx.writeUInt32LE(6, 4);
  const r = p.test(undefined, { ctxIn: ctx });
  assert.equal(r.retval, 11);
  assert.equal(r.ctxOut!.readUInt32LE(8), 42);
  assert.equal(ctx.readUInt32LE(8), 0, 'the caller\'s buffer is not modified');
  assert.throws(() => p.test(ETH), /syscall programs take no data/);
  // Syscall programs run in the calling task: bpf_get_current_pid_tgid is this process.
  const pid = new Assembler().call(HelperId.get_current_pid_tgid).rsh64(R0, 32).exit().build();
  using who = Program.load({ name: 'who', type: ProgramType.Syscall, license: 'GPL', instructions: pid, flags: 1 << 4 });
  assert.equal(who.test().retval, process.pid);
});

test('BTF objects: load, info, and a refused blob names the object', (t) => {
  if (!kernelTest(t)) return;
  const synth = synthesizeFuncInfo(forEachCounter(), 'main')!;
  using btf = BtfObject.load(synth.btf, { name: 'synth' });
  const info = btf.info();
  assert.ok(info.id > 0);
  assert.equal(info.size, synth.btf.length);
  assert.equal(info.kernel, false);
  using again = BtfObject.fromId(info.id);
  assert.equal(again.info().id, info.id);
  const bad = Buffer.from(synth.btf);
  bad.writeUInt32LE(0xffff, 24 + 12 + 16 + 0); // the func_proto's name offset, far out of range
  assert.throws(
    () => BtfObject.load(bad, { name: 'broken.bpf.o' }),
    (e: unknown) => e instanceof BtfLoadError && e.objectName === 'broken.bpf.o' && /^btf broken\.bpf\.o: load: EINVAL: .+/.test(e.message) && e.log.length > 0,
  );
  btf.close();
  btf.close();
  assert.throws(() => btf.fd, ClosedError);
});

test('no fd leaks around failing loads', async (t) => {
  if (!kernelTest(t)) return;
  using m = hashMap();
  const before = await openFds();
  for (let i = 0; i < 200; i++) {
    assert.throws(() => Program.load({ name: 'bad', type: ProgramType.SocketFilter, license: 'GPL', instructions: forEachCounter({ badRet: true }) }, { maps: { counted: m } }), VerifierError);
    assert.throws(() => Program.load({ name: 'bad', type: ProgramType.SocketFilter, license: 'GPL', instructions: forEachCounter() }, { maps: { counted: m }, kfuncs: {}, attachProgFd: 99999 }));
    Program.load({ name: 'ok', type: ProgramType.SocketFilter, license: 'GPL', instructions: forEachCounter() }, { maps: { counted: m } }).close();
  }
  await assertNoNewFds(before);
});

test('a test run refused with EINVAL blames the 14-byte minimum only when the data is shorter', (t) => {
  if (!kernelTest(t)) return;
  const ret0 = new Assembler().mov64(R0, 0).exit().build();
  using sf = Program.load({ name: 'tr_einval', type: ProgramType.SocketFilter, license: 'GPL', instructions: ret0 });
  assert.equal(sf.test(Buffer.alloc(14)).retval, 0);
  assert.throws(
    () => sf.test(Buffer.alloc(10)),
    (e: unknown) => e instanceof InvalidArgumentError && e.message === 'program tr_einval: test run: EINVAL: invalid argument: data is 10 bytes, and BPF_PROG_TYPE_SOCKET_FILTER test runs need at least 14 (an Ethernet header)',
  );
  // Too long for the kernel's linear packet: another cause, and the message must not claim the minimum.
  assert.throws(
    () => sf.test(Buffer.alloc(1 << 16)),
    (e: unknown) => e instanceof InvalidArgumentError && !/at least 14/.test(e.message) && /refused this BPF_PROG_TYPE_SOCKET_FILTER test run \(data 65536 B, ctx 0 B, flags 0x0; packet data longer than a page/.test(e.message),
  );
});
