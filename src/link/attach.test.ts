import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { setNativeForTesting, type NativeBinding } from '../sys/native.js';
import { Cmd, AttachTypeId } from '../sys/enums.gen.js';
import { ProgramType } from '../types.js';
import { attachProgram, attachTracing, attachIter, attachTcx, attachXdp, attachSocketFilter, attachUprobeMulti } from './index.js';
import { parseUprobeTarget, splitSymbolOffset } from './attach.js';
import { LinkCreate } from './attrs.js';

afterEach(() => setNativeForTesting(undefined));

interface Call {
  cmd: number;
  attr: Uint8Array;
}

/** A fake addon: bpf() records its calls and returns fd 100, 101, …; close() records fds. */
function fake(): { calls: Call[]; closed: number[] } {
  const calls: Call[] = [];
  const closed: number[] = [];
  let next = 100;
  const f = {
    bpf(cmd: number, attr: Uint8Array) {
      calls.push({ cmd, attr: Uint8Array.from(attr) });
      return next++;
    },
    close(fd: number) {
      closed.push(fd);
    },
    addressOf() {
      return 0n;
    },
  };
  setNativeForTesting(f as unknown as NativeBinding);
  return { calls, closed };
}

test('splitSymbolOffset and parseUprobeTarget read libbpf-style targets', () => {
  assert.deepEqual(splitSymbolOffset('do_unlinkat+0x10'), { symbol: 'do_unlinkat', offset: 16 });
  assert.deepEqual(splitSymbolOffset('do_unlinkat'), { symbol: 'do_unlinkat', offset: 0 });
  assert.deepEqual(splitSymbolOffset('a+b'), { symbol: 'a+b', offset: 0 });
  assert.deepEqual(parseUprobeTarget('/usr/bin/bash:readline', 'x'), { binary: '/usr/bin/bash', symbol: 'readline', offset: 0n });
  assert.deepEqual(parseUprobeTarget('libc.so.6:malloc+4', 'x'), { binary: 'libc.so.6', symbol: 'malloc', offset: 4n });
  assert.deepEqual(parseUprobeTarget('/bin/true:0x1234', 'x'), { binary: '/bin/true', offset: 0x1234n });
  assert.throws(() => parseUprobeTarget('/bin/true', 'ctx'), /ctx: uprobe target must be binary:symbol\[\+offset\]/);
  assert.throws(() => parseUprobeTarget('/bin/true:', 'ctx'), TypeError);
});

test('attachProgram dispatches on the section name and encodes BPF_LINK_CREATE', () => {
  const { calls, closed } = fake();
  const xdp = attachProgram({ fd: 7, name: 'x', type: ProgramType.XDP }, { section: 'xdp', iface: 3, xdpMode: 'skb' });
  assert.equal(xdp.kind, 'xdp');
  let c = calls.at(-1)!;
  assert.equal(c.cmd, Cmd.BPF_LINK_CREATE);
  assert.equal(LinkCreate.u32(c.attr, 'prog_fd'), 7);
  assert.equal(LinkCreate.u32(c.attr, 'target_fd'), 3);
  assert.equal(LinkCreate.u32(c.attr, 'attach_type'), AttachTypeId.BPF_XDP);
  assert.equal(LinkCreate.u32(c.attr, 'flags'), 2); // XDP_FLAGS_SKB_MODE
  xdp.close();
  xdp.close();
  assert.deepEqual(closed, [100]);

  // Every fd the fake handed out must be closed while the fake is installed, or a finalizer would
  // later close a real fd with that number.
  using tcx = attachProgram({ fd: 8, type: ProgramType.SchedCls }, { section: 'tcx/egress', iface: 4 });
  c = calls.at(-1)!;
  assert.equal(tcx.kind, 'tcx');
  assert.equal(LinkCreate.u32(c.attr, 'attach_type'), AttachTypeId.BPF_TCX_EGRESS);

  using fexit = attachProgram({ fd: 9, type: ProgramType.Tracing }, { section: 'fexit/do_unlinkat', cookie: 5 });
  c = calls.at(-1)!;
  assert.equal(fexit.kind, 'tracing');
  assert.equal(LinkCreate.u32(c.attr, 'attach_type'), AttachTypeId.BPF_TRACE_FEXIT);
  assert.equal(LinkCreate.u64(c.attr, 'tracing_cookie'), 5n);

  using tpBtf = attachProgram({ fd: 10, type: ProgramType.Tracing, expectedAttachType: AttachTypeId.BPF_TRACE_RAW_TP });
  assert.equal(tpBtf.kind, 'raw_tracepoint');

  using cg = attachProgram({ fd: 11, type: ProgramType.CgroupSkb }, { section: 'cgroup_skb/egress', cgroup: 42 });
  c = calls.at(-1)!;
  assert.equal(cg.kind, 'cgroup');
  assert.equal(LinkCreate.u32(c.attr, 'target_fd'), 42);
  assert.equal(LinkCreate.u32(c.attr, 'attach_type'), AttachTypeId.BPF_CGROUP_INET_EGRESS);

  using raw = attachProgram({ fd: 12, type: ProgramType.RawTracePoint, sectionName: 'raw_tp/sched_switch' });
  assert.equal(raw.kind, 'raw_tracepoint');
  assert.equal(calls.at(-1)!.cmd, Cmd.BPF_RAW_TRACEPOINT_OPEN);

  using it = attachProgram({ fd: 13, type: ProgramType.Tracing }, { section: 'iter/bpf_map_elem', map: 55 });
  c = calls.at(-1)!;
  assert.equal(it.kind, 'iter');
  assert.equal(LinkCreate.u32(c.attr, 'attach_type'), AttachTypeId.BPF_TRACE_ITER);
  assert.equal(LinkCreate.u32(c.attr, 'iter_info_len'), 16);
});

test('attachProgram explains what is missing before any syscall', () => {
  const { calls } = fake();
  const p = { fd: 7, name: 'p', type: ProgramType.XDP };
  assert.throws(() => attachProgram(p, { section: 'nonsense/x' }), /attach program p: unknown section name "nonsense\/x"/);
  assert.throws(() => attachProgram(p, { section: 'xdp' }), /attach program p \(section xdp\): needs opts\.iface/);
  assert.throws(() => attachProgram({ fd: 1, type: ProgramType.TracePoint }, { section: 'tracepoint' }), /needs opts\.target \(group\/name\)/);
  assert.throws(() => attachProgram({ fd: 1, type: ProgramType.TracePoint }, { section: 'tracepoint/nogroup' }), /tracepoint target must be group\/name/);
  assert.throws(() => attachProgram({ fd: 1, type: ProgramType.Kprobe }, { section: 'usdt/x' }), /\(section usdt\/x\): usdt target must be <binary>:<provider>:<name>, got "x"/);
  assert.throws(() => attachProgram({ fd: 1, type: ProgramType.Kprobe }, { section: 'usdt' }), /\(section usdt\): needs opts\.target \(binary:provider:name\)/);
  assert.throws(() => attachProgram({ fd: 1, type: ProgramType.Kprobe }, { section: 'kprobe.multi/x' }), /kprobe programs in kprobe\.multi cannot be attached automatically/);
  assert.throws(() => attachProgram({ fd: 1, type: ProgramType.SocketFilter }, { section: 'socket' }), /needs opts\.socketFd/);
  assert.throws(() => attachProgram({ fd: 1 }), /no section name and no program type/);
  assert.throws(() => attachXdp('eth0', { fd: 1, type: ProgramType.TracePoint }), /link xdp eth0: program fd 1 has type tracepoint, needs xdp/);
  assert.throws(() => attachXdp(0, { fd: 1, type: ProgramType.XDP }), /ifindex must be a positive integer/);
  assert.throws(() => attachXdp('../etc', { fd: 1, type: ProgramType.XDP }), /interface must be a name/);
  assert.throws(() => attachXdp(1, { fd: 1, type: ProgramType.XDP }, { mode: 'turbo' as 'skb' }), /mode must be 'skb', 'driver' or 'hw'/);
  assert.throws(() => attachTcx(1, { fd: 1, type: ProgramType.SchedCls }, { direction: 'ingress', before: { fd: 2 }, after: { fd: 3 } }), /before or after, not both/);
  assert.throws(() => attachTracing({ fd: 1, type: ProgramType.Tracing }), /has no expected attach type/);
  assert.throws(() => attachTracing({ fd: 1, type: ProgramType.Tracing, expectedAttachType: AttachTypeId.BPF_TRACE_ITER }), /is not fentry, fexit, fmod_ret, lsm or tp_btf/);
  assert.throws(() => attachIter({ fd: 1, type: ProgramType.Tracing }, { map: 1, task: { pid: 1 } }), /at most one of map, cgroup, task/);
  assert.throws(() => attachSocketFilter(-1, { fd: 1, type: ProgramType.SocketFilter }), /socketFd must be a file descriptor/);
  assert.throws(() => attachUprobeMulti('/bin/true', [], { fd: 1, type: ProgramType.Kprobe }), /targets must be a non-empty array/);
  assert.equal(calls.length, 0);
});

test('perf events fall back to PERF_EVENT_IOC_SET_BPF when the kernel has no perf links, and close the perf fd on failure', async () => {
  const { Fd } = await import('../sys/fd.js');
  const { attachPerfEvent, PerfEventIoctlAttachment } = await import('./perf-event.js');
  const ioctls: Array<[number, number, unknown]> = [];
  const closed: number[] = [];
  let ioctlFails = false;
  const einval = Object.assign(new Error('bpf: EINVAL'), { errno: 22, code: 'EINVAL' });
  setNativeForTesting({
    bpf(cmd: number) {
      if (cmd === Cmd.BPF_LINK_CREATE) throw einval;
      throw Object.assign(new Error('bpf: ENOSYS'), { errno: 38 }); // program info: unknown
    },
    ioctl(fd: number, req: number, arg: unknown) {
      if (ioctlFails) throw Object.assign(new Error('ioctl: EINVAL'), { errno: 22 });
      ioctls.push([fd, req, arg]);
      return 0;
    },
    close(fd: number) {
      closed.push(fd);
    },
  } as unknown as NativeBinding);
  const a = attachPerfEvent('tracepoint', { fd: 9, type: ProgramType.TracePoint }, Fd.own(50), 'link tracepoint a/b');
  assert.ok(a instanceof PerfEventIoctlAttachment);
  assert.equal(a.isBpfLink, false);
  assert.deepEqual(ioctls, [
    [50, 0x40042408, 9], // PERF_EVENT_IOC_SET_BPF
    [50, 0x2400, 0], // PERF_EVENT_IOC_ENABLE
  ]);
  a.close();
  a.close();
  assert.deepEqual(ioctls.at(-1), [50, 0x2401, 0]); // PERF_EVENT_IOC_DISABLE
  assert.deepEqual(closed, [50]);
  // Both ways refused: the link error is thrown and the perf fd closed.
  ioctlFails = true;
  assert.throws(() => attachPerfEvent('tracepoint', { fd: 9 }, Fd.own(51), 'link tracepoint a/b'), /link tracepoint a\/b: create link: EINVAL/);
  assert.deepEqual(closed, [50, 51]);
  // A cookie needs the perf link: no fallback.
  ioctlFails = false;
  assert.throws(() => attachPerfEvent('tracepoint', { fd: 9 }, Fd.own(52), 'l', { cookie: 1 }), /EINVAL/);
  assert.deepEqual(closed, [50, 51, 52]);
});
