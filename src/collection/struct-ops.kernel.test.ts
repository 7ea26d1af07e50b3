// struct_ops maps on the kernel: TCP congestion controls registered by a map update and by
// links, used by real TCP transfers over 127.0.0.1 (testdata/struct_ops.bpf.c), a link update
// swapping two of them, and the failures: unknown member, size mismatch, unknown struct, a
// missing program, a name taken; none leaks an fd.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { kernelTest, openFds, assertNoNewFds } from '../testutils/kernel.js';
import { compileObject, findClang } from '../testutils/bpf-objects.js';
import { tcpTransfer, tcpTransferUnavailable } from '../testutils/tcp-transfer.js';
import { loadCollectionSpec } from '../elf/index.js';
import type { CollectionSpec } from '../spec/index.js';
import { loadCollection } from './load.js';
import { StructOpsError } from './struct-ops-error.js';
import { Link } from '../link/link.js';
import { StructOpsLink } from '../link/struct-ops.js';
import { LinkType } from '../link/link-type.js';
import { MapFlags, MapType } from '../index.js';
import { SyscallError } from '../sys/errors.js';

/** Skips without clang or a C compiler; kernel privileges are required (CI fails without them). */
function fixture(t: TestContext, name: string): string | undefined {
  if (!kernelTest(t, { reason: () => (findClang() ? null : 'needs clang to build testdata fixtures') ?? tcpTransferUnavailable() })) return undefined;
  return compileObject(name);
}

/** The congestion controls the kernel offers now. */
function available(): string[] {
  return readFileSync('/proc/sys/net/ipv4/tcp_available_congestion_control', 'utf8').trim().split(/\s+/);
}

const MB = 1 << 20;

test('a .struct_ops map registers by update: a transfer runs on it, and closing the attachment unregisters it', (t) => {
  const obj = fixture(t, 'struct_ops');
  if (!obj) return;
  using coll = loadCollection(obj);
  const so = coll.structOp('tsbpf_upd');
  assert.equal(so.typeName, 'tcp_congestion_ops');
  assert.equal(so.usesLink, false);
  assert.equal(so.map.type, MapType.StructOps);
  assert.equal(coll.maps.tsbpf_upd, so.map, 'the map is among the maps too');
  assert.deepEqual(Object.keys(so.programs), ['ssthresh', 'cong_avoid', 'undo_cwnd']);
  assert.equal(so.programs.cong_avoid, coll.programs.cong_avoid_upd);
  assert.equal(available().includes('tsbpf_upd'), false, 'loading registers nothing');
  assert.throws(() => tcpTransfer('tsbpf_upd', MB), /No such file or directory/);

  const reg = so.attach();
  assert.equal(reg.kind, 'struct_ops');
  assert.equal(reg.isBpfLink, false);
  assert.ok(available().includes('tsbpf_upd'));
  assert.throws(() => so.attach(), (e: unknown) => e instanceof StructOpsError && /registered already/.test(e.message));
  const r = tcpTransfer('tsbpf_upd', 4 * MB);
  assert.equal(r.congestion, 'tsbpf_upd');
  assert.equal(r.received, 4 * MB);
  assert.ok((coll.variables.calls_upd.get() as bigint) > 0n, 'cong_avoid_upd ran');
  assert.equal(coll.variables.calls_a.get(), 0n);

  reg.close();
  reg.close(); // idempotent
  assert.equal(available().includes('tsbpf_upd'), false);
  assert.throws(() => so.attach(), (e: unknown) => e instanceof StructOpsError && e.structOps === 'tsbpf_upd' && /does not take the same map twice/.test(e.message));
});

test('closing the collection unregisters a map registered by update', (t) => {
  const obj = fixture(t, 'struct_ops');
  if (!obj) return;
  const coll = loadCollection(obj);
  const reg = coll.structOp('tsbpf_upd').attach();
  assert.ok(available().includes('tsbpf_upd'));
  coll.close();
  assert.equal(available().includes('tsbpf_upd'), false);
  assert.equal(reg.closed, true);
  reg.close();
});

test('a .struct_ops.link map registers by link, attaches again after close, and a link update swaps to another map', (t) => {
  const obj = fixture(t, 'struct_ops');
  if (!obj) return;
  using coll = loadCollection(obj);
  // Both register as "tsbpf_swap" (tcp_congestion_ops swaps only for the same name).
  const a = coll.structOp('tsbpf_a');
  const b = coll.structOp('tsbpf_b');
  assert.equal(a.usesLink, true);
  assert.equal(a.map.flags & MapFlags.Link, MapFlags.Link);
  assert.equal(available().includes('tsbpf_swap'), false);

  // Attach, close, attach again: a link map can be registered many times.
  a.attach().close();
  assert.equal(available().includes('tsbpf_swap'), false);
  using link = a.attach();
  assert.ok(link instanceof StructOpsLink);
  assert.equal(link.kind, 'struct_ops');
  const info = link.info();
  assert.equal(info.type, LinkType.StructOps);
  assert.equal(info.structOps?.mapId, a.map.info().id);
  assert.ok(available().includes('tsbpf_swap'));

  const ra = tcpTransfer('tsbpf_swap', 4 * MB);
  assert.equal(ra.congestion, 'tsbpf_swap');
  const callsA = coll.variables.calls_a.get() as bigint;
  assert.ok(callsA > 0n, 'cong_avoid_a ran');
  assert.equal(coll.variables.calls_b.get(), 0n);

  // Replace only if b is registered: it is not (EPERM), nothing changes.
  assert.throws(() => link.update(b, { replace: b }), (e: unknown) => e instanceof SyscallError && e.code === 'EPERM' && /the registered map is not struct_ops tsbpf_b/.test(e.message));
  assert.equal(link.info().structOps?.mapId, a.map.info().id);
  // A map registered by update does not fit a link.
  assert.throws(() => link.update(coll.structOp('tsbpf_upd')), (e: unknown) => e instanceof SyscallError && e.code === 'EINVAL');

  link.update(b, { replace: a });
  assert.equal(link.info().structOps?.mapId, b.map.info().id);
  assert.ok(available().includes('tsbpf_swap'));
  const rb = tcpTransfer('tsbpf_swap', 4 * MB);
  assert.equal(rb.congestion, 'tsbpf_swap');
  assert.ok((coll.variables.calls_b.get() as bigint) > 0n, 'cong_avoid_b ran');
  assert.equal(coll.variables.calls_a.get(), callsA, 'cong_avoid_a no longer runs');

  // Opened again by id, the link is a StructOpsLink too, and swaps back.
  using again = Link.fromId(link.info().id);
  assert.ok(again instanceof StructOpsLink);
  again.update(a);
  assert.equal(link.info().structOps?.mapId, a.map.info().id);

  link.close();
  assert.ok(available().includes('tsbpf_swap'), 'still registered while the other fd of the link is open');
  again.close();
  assert.equal(available().includes('tsbpf_swap'), false);
});

test('programs no struct_ops variable uses are left out with a note', (t) => {
  const obj = fixture(t, 'struct_ops');
  if (!obj) return;
  using coll = loadCollection(obj);
  assert.equal(Object.hasOwn(coll.programs, 'unused_cb'), false);
  assert.ok(coll.notes.some((n) => /program unused_cb: a struct_ops program no struct_ops variable uses: not loaded/.test(n)), coll.notes.join('\n'));
});

test('a struct_ops map whose programs the programs option leaves out is not created, with a note', (t) => {
  const obj = fixture(t, 'struct_ops');
  if (!obj) return;
  // One callback alone loads (tsbpf check does this): it has its target from the struct.
  using one = loadCollection(obj, { programs: ['cong_avoid_b'] });
  assert.deepEqual(Object.keys(one.programs), ['cong_avoid_b']);
  assert.deepEqual(Object.keys(one.structOps), []);
  assert.ok(one.notes.includes('struct_ops tsbpf_b: not created: the programs option left out so_ssthresh, so_undo_cwnd'), one.notes.join('\n'));
  using some = loadCollection(obj, { programs: ['so_ssthresh', 'so_undo_cwnd', 'cong_avoid_a'] });
  assert.deepEqual(Object.keys(some.structOps), ['tsbpf_a']);
  assert.equal(Object.hasOwn(some.maps, 'tsbpf_b'), false);
});

test('a name taken: the second registration fails with EEXIST and leaks nothing', async (t) => {
  const obj = fixture(t, 'struct_ops');
  if (!obj) return;
  using first = loadCollection(obj);
  using _link = first.structOp('tsbpf_a').attach();
  // Warm up (kernel BTF, helper), then count fds around repeated failures.
  const attempt = () => {
    using coll = loadCollection(obj);
    coll.structOp('tsbpf_a').attach();
  };
  assert.throws(attempt, (e: unknown) => e instanceof SyscallError && e.code === 'EEXIST' && /link struct_ops tsbpf_a: create link: EEXIST/.test(e.message));
  const before = await openFds();
  for (let i = 0; i < 3; i++) assert.throws(attempt, (e: unknown) => e instanceof SyscallError && e.code === 'EEXIST');
  await assertNoNewFds(before);
});

test('struct_ops failures name the variable, struct, member and cause, and leak no fd', async (t) => {
  const obj = fixture(t, 'struct_ops');
  if (!obj) return;
  const spec = loadCollectionSpec(obj);
  const bad = loadCollectionSpec(compileObject('struct_ops_bad'));
  const withStructOps = (name: string, change: (s: NonNullable<CollectionSpec['structOps']>[string]) => object): CollectionSpec => ({
    ...spec,
    structOps: { ...spec.structOps, [name]: { ...spec.structOps![name], ...change(spec.structOps![name]) } },
  });
  const cases: Array<[string, () => unknown, (e: StructOpsError) => boolean]> = [
    [
      'a member the kernel lacks, set in the object',
      () => loadCollection(bad),
      (e) => e.structOps === 'tsbpf_bad' && e.typeName === 'tcp_congestion_ops' && e.member === 'no_such_member' && /not in the kernel's struct tcp_congestion_ops/.test(e.message),
    ],
    [
      'a data member whose size differs',
      () => loadCollection(withStructOps('tsbpf_a', (s) => ({ dataMembers: s.dataMembers.map((m) => (m.name === 'name' ? { ...m, size: 8 } : m)) }))),
      (e) => e.member === 'name' && e.message === 'struct_ops tsbpf_a: struct tcp_congestion_ops: member name: size 8 in the object, 16 in the kernel',
    ],
    [
      'a struct the kernel does not have',
      () => loadCollection(withStructOps('tsbpf_b', () => ({ typeName: 'tsbpf_no_such_ops' }))),
      (e) => e.structOps === 'tsbpf_b' && e.member === undefined && /the kernel has no struct tsbpf_no_such_ops/.test(e.message),
    ],
    [
      'a program the object does not have',
      () => loadCollection(withStructOps('tsbpf_b', (s) => ({ programs: s.programs.map((p) => (p.member === 'cong_avoid' ? { ...p, program: 'no_such_prog' } : p)) }))),
      (e) => e.structOps === 'tsbpf_b' && e.member === 'cong_avoid' && e.message === 'struct_ops tsbpf_b: struct tcp_congestion_ops: member cong_avoid: no program no_such_prog in the object',
    ],
    [
      'a program in a member the kernel lacks',
      () => loadCollection(withStructOps('tsbpf_a', (s) => ({ programs: s.programs.map((p) => (p.member === 'cong_avoid' ? { ...p, member: 'no_such_cb' } : p)) }))),
      (e) => e.member === 'no_such_cb' && /program cong_avoid_a cannot be used on this kernel/.test(e.message),
    ],
    [
      'a program in two different members',
      () => loadCollection(withStructOps('tsbpf_a', (s) => ({ programs: s.programs.map((p) => (p.member === 'undo_cwnd' ? { ...p, program: 'so_ssthresh' } : p)) }))),
      (e) => e.member === 'undo_cwnd' && /program so_ssthresh is also used by tsbpf_upd\.ssthresh/.test(e.message),
    ],
  ];
  for (const [what, load, ok] of cases) {
    const check = (e: unknown) => e instanceof StructOpsError && ok(e);
    assert.throws(load, check, what);
    const before = await openFds();
    assert.throws(load, check, what);
    await assertNoNewFds(before, `${what}: no fd left open`);
  }
  // The kernel's own check (tcp_congestion_ops needs ssthresh and undo_cwnd), when a link map's value is set at load.
  const noSsthresh = withStructOps('tsbpf_a', (s) => ({ programs: s.programs.filter((p) => p.member !== 'ssthresh'), emptyFunctions: [...s.emptyFunctions, 'ssthresh'] }));
  const refused = (e: unknown) => e instanceof StructOpsError && e.structOps === 'tsbpf_a' && /set value: the kernel refused the value/.test(e.message) && e.cause instanceof SyscallError;
  assert.throws(() => loadCollection(noSsthresh), refused);
  const before = await openFds();
  assert.throws(() => loadCollection(noSsthresh), refused);
  await assertNoNewFds(before);
});
