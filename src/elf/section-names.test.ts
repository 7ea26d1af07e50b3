import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BPF_F_SLEEPABLE, BPF_F_XDP_HAS_FRAGS, parseSectionName } from './section-names.js';
import { AttachType, ProgramType } from '../types.js';

const S = BPF_F_SLEEPABLE;

// [section, type, expectedAttachType, attachTo, flags]
const cases: Array<[string, number, number | undefined, string | undefined, number]> = [
  ['socket', ProgramType.SocketFilter, undefined, undefined, 0],
  ['kprobe/do_unlinkat', ProgramType.Kprobe, undefined, 'do_unlinkat', 0],
  ['kretprobe/do_unlinkat', ProgramType.Kprobe, undefined, 'do_unlinkat', 0],
  ['kprobe', ProgramType.Kprobe, undefined, undefined, 0],
  ['uprobe//bin/bash:readline', ProgramType.Kprobe, undefined, '/bin/bash:readline', 0],
  ['uretprobe.s//bin/bash:readline', ProgramType.Kprobe, undefined, '/bin/bash:readline', S],
  ['uprobe.s', ProgramType.Kprobe, undefined, undefined, S],
  ['kprobe.multi/vfs_*', ProgramType.Kprobe, AttachType.TRACE_KPROBE_MULTI, 'vfs_*', 0],
  ['tracepoint/syscalls/sys_enter_openat', ProgramType.TracePoint, undefined, 'syscalls/sys_enter_openat', 0],
  ['tp/syscalls/sys_enter_openat', ProgramType.TracePoint, undefined, 'syscalls/sys_enter_openat', 0],
  ['raw_tracepoint/sched_switch', ProgramType.RawTracePoint, undefined, 'sched_switch', 0],
  ['raw_tp/sched_switch', ProgramType.RawTracePoint, undefined, 'sched_switch', 0],
  ['raw_tp.w/bpf_test', ProgramType.RawTracePointWritable, undefined, 'bpf_test', 0],
  ['tp_btf/sched_switch', ProgramType.Tracing, AttachType.TRACE_RAW_TP, 'sched_switch', 0],
  ['fentry/do_unlinkat', ProgramType.Tracing, AttachType.TRACE_FENTRY, 'do_unlinkat', 0],
  ['fexit/do_unlinkat', ProgramType.Tracing, AttachType.TRACE_FEXIT, 'do_unlinkat', 0],
  ['fmod_ret/security_x', ProgramType.Tracing, AttachType.MODIFY_RETURN, 'security_x', 0],
  ['fentry.s/do_unlinkat', ProgramType.Tracing, AttachType.TRACE_FENTRY, 'do_unlinkat', S],
  ['fexit.s/do_unlinkat', ProgramType.Tracing, AttachType.TRACE_FEXIT, 'do_unlinkat', S],
  ['fmod_ret.s/x', ProgramType.Tracing, AttachType.MODIFY_RETURN, 'x', S],
  ['lsm/file_open', ProgramType.LSM, AttachType.LSM_MAC, 'file_open', 0],
  ['lsm.s/file_open', ProgramType.LSM, AttachType.LSM_MAC, 'file_open', S],
  ['iter/bpf_map', ProgramType.Tracing, AttachType.TRACE_ITER, 'bpf_map', 0],
  ['iter.s/task', ProgramType.Tracing, AttachType.TRACE_ITER, 'task', S],
  ['xdp', ProgramType.XDP, AttachType.XDP, undefined, 0],
  ['xdp.frags', ProgramType.XDP, AttachType.XDP, undefined, BPF_F_XDP_HAS_FRAGS],
  ['xdp/devmap', ProgramType.XDP, AttachType.XDP_DEVMAP, undefined, 0],
  ['xdp.frags/cpumap', ProgramType.XDP, AttachType.XDP_CPUMAP, undefined, BPF_F_XDP_HAS_FRAGS],
  ['tc', ProgramType.SchedCls, undefined, undefined, 0],
  ['tcx/ingress', ProgramType.SchedCls, AttachType.TCX_INGRESS, undefined, 0],
  ['tcx/egress', ProgramType.SchedCls, AttachType.TCX_EGRESS, undefined, 0],
  ['tc/ingress', ProgramType.SchedCls, AttachType.TCX_INGRESS, undefined, 0],
  ['classifier', ProgramType.SchedCls, undefined, undefined, 0],
  ['action', ProgramType.SchedAct, undefined, undefined, 0],
  ['cgroup_skb/ingress', ProgramType.CgroupSkb, AttachType.CGROUP_INET_INGRESS, undefined, 0],
  ['cgroup_skb/egress', ProgramType.CgroupSkb, AttachType.CGROUP_INET_EGRESS, undefined, 0],
  ['cgroup/sock_create', ProgramType.CgroupSock, AttachType.CGROUP_INET_SOCK_CREATE, undefined, 0],
  ['cgroup/sock', ProgramType.CgroupSock, AttachType.CGROUP_INET_SOCK_CREATE, undefined, 0],
  ['cgroup/bind4', ProgramType.CgroupSockAddr, AttachType.CGROUP_INET4_BIND, undefined, 0],
  ['cgroup/bind6', ProgramType.CgroupSockAddr, AttachType.CGROUP_INET6_BIND, undefined, 0],
  ['cgroup/connect4', ProgramType.CgroupSockAddr, AttachType.CGROUP_INET4_CONNECT, undefined, 0],
  ['cgroup/connect6', ProgramType.CgroupSockAddr, AttachType.CGROUP_INET6_CONNECT, undefined, 0],
  ['cgroup/sendmsg4', ProgramType.CgroupSockAddr, AttachType.CGROUP_UDP4_SENDMSG, undefined, 0],
  ['cgroup/recvmsg6', ProgramType.CgroupSockAddr, AttachType.CGROUP_UDP6_RECVMSG, undefined, 0],
  ['cgroup/getsockopt', ProgramType.CgroupSockopt, AttachType.CGROUP_GETSOCKOPT, undefined, 0],
  ['cgroup/setsockopt', ProgramType.CgroupSockopt, AttachType.CGROUP_SETSOCKOPT, undefined, 0],
  ['cgroup/sysctl', ProgramType.CgroupSysctl, AttachType.CGROUP_SYSCTL, undefined, 0],
  ['cgroup/dev', ProgramType.CgroupDevice, AttachType.CGROUP_DEVICE, undefined, 0],
  ['syscall', ProgramType.Syscall, undefined, undefined, S],
  ['perf_event', ProgramType.PerfEvent, undefined, undefined, 0],
  ['sk_lookup', ProgramType.SkLookup, AttachType.SK_LOOKUP, undefined, 0],
  ['struct_ops/tcp_init', ProgramType.StructOps, undefined, 'tcp_init', 0],
  ['struct_ops.s/x', ProgramType.StructOps, undefined, 'x', S],
  ['netfilter', ProgramType.Netfilter, AttachType.NETFILTER, undefined, 0],
  ['sk_msg', ProgramType.SkMsg, AttachType.SK_MSG_VERDICT, undefined, 0],
  ['sockops', ProgramType.SockOps, AttachType.CGROUP_SOCK_OPS, undefined, 0],
];

for (const [name, type, attach, attachTo, flags] of cases) {
  test(`section ${name}`, () => {
    const info = parseSectionName(name);
    assert.ok(info, `${name} should be known`);
    assert.equal(info.type, type);
    assert.equal(info.expectedAttachType, attach);
    assert.equal(info.attachTo, attachTo);
    assert.equal(info.flags, flags);
  });
}

test('fentry, fexit, tp_btf, lsm and iter attach through BTF; tracepoints do not', () => {
  for (const n of ['fentry/x', 'fexit/x', 'tp_btf/x', 'lsm/x', 'iter/x', 'freplace/x']) assert.equal(parseSectionName(n)?.attachBtf, true, n);
  for (const n of ['tracepoint/a/b', 'raw_tp/x', 'socket', 'xdp']) assert.equal(parseSectionName(n)?.attachBtf, false, n);
});

test('names that only share a prefix do not match', () => {
  for (const n of ['sockets', 'kprobex/foo', 'xdpfoo', 'tracepointx/a', 'cgroup/unknown', 'my_section', '.text', '']) {
    assert.equal(parseSectionName(n), undefined, n);
  }
});
