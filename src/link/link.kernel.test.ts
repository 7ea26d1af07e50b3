import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { kernelTest, openFds, assertNoNewFds, skipIf } from '../testutils/kernel.js';
import { linkHelperPath, linkHelperUnavailable } from '../testutils/link-helper.js';
import { counterMap, loadTestProgram, pidCounter } from '../testutils/link-programs.js';
import { AttachType, ProgramType } from '../types.js';
import { ClosedError, KeyNotFoundError, NotSupportedError } from '../sys/errors.js';
import { findMember, loadKernelSpec } from '../btf/index.js';
import { mapIdIterator } from '../testutils/link-programs.js';
import {
  attachCgroup,
  attachIter,
  attachKprobe,
  attachRawTracepoint,
  attachTracepoint,
  attachUprobe,
  haveKprobes,
  Link,
  LinkType,
  MissingFeatureError,
  resolveAttachTarget,
} from './index.js';

const KPROBE_DIR = '/sys/bus/event_source/devices/kprobe';

test('pin, Link.fromPinned, Link.fromId, unpin: a pinned link outlives its first fd', async (t) => {
  if (!kernelTest(t)) return;
  using counts = counterMap();
  using prog = loadTestProgram('rawtp_pin', ProgramType.RawTracePoint, pidCounter(counts.fd));
  const path = `/sys/fs/bpf/tsbpf-link-${process.pid}`;
  rmSync(path, { force: true });
  const link = attachRawTracepoint('sys_enter', prog);
  const id = link.info().id;
  try {
    link.pin(path);
    assert.equal(link.pinnedPath, path);
    assert.ok(existsSync(path));
    link.close();
    using byPath = Link.fromPinned(path);
    assert.equal(byPath.kind, 'raw_tracepoint');
    assert.equal(byPath.isBpfLink, true);
    assert.equal(byPath.pinnedPath, path);
    assert.equal(byPath.info().id, id);
    assert.equal(byPath.info().rawTracepoint?.name, 'sys_enter');
    using byId = Link.fromId(id);
    assert.equal(byId.info().programId, prog.info().id);
    byPath.unpin();
    assert.ok(!existsSync(path));
    byPath.unpin(); // nothing left to remove
  } finally {
    rmSync(path, { force: true });
  }
  // Every fd closed and no pin: the kernel frees the link.
  let gone = false;
  for (let i = 0; i < 50 && !gone; i++) {
    try {
      Link.fromId(id).close();
      await new Promise((r) => setTimeout(r, 10));
    } catch (e) {
      assert.ok(e instanceof KeyNotFoundError, String(e));
      assert.equal((e as Error).message, `link id ${id}: open: ENOENT: no link with this id`);
      gone = true;
    }
  }
  assert.ok(gone, 'link freed');
});

test('Link.fromPinned refuses a pinned map and a missing path', (t) => {
  if (!kernelTest(t)) return;
  using m = counterMap();
  const path = `/sys/fs/bpf/tsbpf-link-map-${process.pid}`;
  rmSync(path, { force: true });
  m.pin(path);
  try {
    assert.throws(() => Link.fromPinned(path), (e: unknown) => e instanceof TypeError && /: open pinned: a map is pinned there, not a link \(open it with BpfMap\.fromPinned\)$/.test((e as Error).message));
  } finally {
    rmSync(path, { force: true });
  }
  assert.throws(() => Link.fromPinned(path), KeyNotFoundError);
});

test('after close: idempotent close, ClosedError from fd, pin, info, update, detach', (t) => {
  if (!kernelTest(t)) return;
  using counts = counterMap();
  using prog = loadTestProgram('rawtp_closed', ProgramType.RawTracePoint, pidCounter(counts.fd));
  const link = attachRawTracepoint('sys_enter', prog);
  assert.throws(() => link.update(prog), (e: unknown) => e instanceof NotSupportedError && /raw tracepoint links cannot be updated/.test((e as Error).message));
  link.close();
  link.close();
  link[Symbol.dispose]();
  assert.equal(link.closed, true);
  for (const f of [() => link.fd, () => link.pin('/sys/fs/bpf/x'), () => link.info(), () => link.update(prog), () => link.detach()]) {
    assert.throws(f, (e: unknown) => e instanceof ClosedError && (e as Error).message === 'link raw_tracepoint sys_enter: already closed');
  }
});

test('kprobe: a typed NotSupportedError when the kernel has no kprobes', (t) => {
  if (!kernelTest(t)) return;
  if (existsSync(KPROBE_DIR)) return void skipIf(t, `this kernel has kprobes (${KPROBE_DIR} exists): the error path cannot be exercised`);
  assert.equal(haveKprobes(), false);
  using counts = counterMap();
  using prog = loadTestProgram('kprobe_none', ProgramType.Kprobe, pidCounter(counts.fd));
  const before = readdirSync('/proc/self/fd').length;
  assert.throws(
    () => attachKprobe('do_unlinkat', prog),
    (e: unknown) => {
      assert.ok(e instanceof MissingFeatureError && e instanceof NotSupportedError);
      assert.equal((e as MissingFeatureError).feature, 'kprobe');
      assert.equal((e as Error).message, 'kprobe: this kernel was built without kprobes (no /sys/bus/event_source/devices/kprobe)');
      return true;
    },
  );
  assert.equal(readdirSync('/proc/self/fd').length, before);
});

test('kprobe on do_unlinkat attaches and reports its info', (t) => {
  if (!kernelTest(t)) return;
  if (!existsSync(KPROBE_DIR)) return void skipIf(t, 'kprobe: this kernel was built without kprobes (no /sys/bus/event_source/devices/kprobe)');
  using counts = counterMap();
  using prog = loadTestProgram('kprobe_unlink', ProgramType.Kprobe, pidCounter(counts.fd));
  using link = attachKprobe('do_unlinkat', prog);
  assert.equal(link.info().perfEvent?.kind, 'kprobe');
  assert.equal(link.info().perfEvent?.name, 'do_unlinkat');
});


test('attach and close, and failed attaches, leave the fd count unchanged', async (t) => {
  if (!kernelTest(t, { reason: linkHelperUnavailable })) return;
  const helper = linkHelperPath();
  using counts = counterMap();
  using tp = loadTestProgram('leak_tp', ProgramType.TracePoint, pidCounter(counts.fd));
  using raw = loadTestProgram('leak_raw', ProgramType.RawTracePoint, pidCounter(counts.fd));
  using up = loadTestProgram('leak_up', ProgramType.Kprobe, pidCounter(counts.fd));
  using sf = loadTestProgram('leak_sf', ProgramType.SocketFilter, pidCounter(counts.fd));
  const spec = loadKernelSpec();
  using iter = loadTestProgram('leak_iter', ProgramType.Tracing, mapIdIterator(findMember(spec, spec.anyTypeByName('bpf_map', 'struct')!.id, 'id')!.byteOffset), {
    expectedAttachType: AttachType.TRACE_ITER,
    attachBtfId: resolveAttachTarget(ProgramType.Tracing, AttachType.TRACE_ITER, 'bpf_map').btfId,
  });
  // A program object that hides its type, so the kernel (not the type check) refuses it after
  // the perf event is open: the perf fd must be closed on the way out.
  const untyped = { fd: sf.fd, name: 'untyped' };
  const before = await openFds();
  let refused = 0;
  for (let i = 0; i < 3; i++) {
    attachTracepoint('syscalls', 'sys_enter_getpid', tp).close();
    attachUprobe(helper, 'tsbpf_uprobe_target', up).close();
    attachRawTracepoint('sys_enter', raw).close();
    const it = attachIter(iter);
    it.open().close();
    it.readAll();
    it.close();
    for (const f of [
      () => attachTracepoint('syscalls', 'sys_enter_getpid', untyped),
      () => attachUprobe(helper, 'tsbpf_uprobe_target', untyped),
      () => attachRawTracepoint('sys_enter', untyped),
      () => attachRawTracepoint('no_such_tracepoint_tsbpf', raw),
      () => attachCgroup('/sys/fs/cgroup', untyped, AttachType.CGROUP_INET_EGRESS),
      () => attachIter(untyped),
    ]) {
      try {
        f().close();
      } catch {
        refused++;
      }
    }
  }
  assert.equal(refused, 18);
  await assertNoNewFds(before);
});
