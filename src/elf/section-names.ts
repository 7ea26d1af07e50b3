/**
 * libbpf's `SEC()` naming conventions: from an ELF section name to the program type, the
 * expected attach type, the attach target and the load flags.
 *
 * The table follows libbpf's section definitions (see the kernel's
 * Documentation/bpf/libbpf/program_types.rst). Matching rules, as in libbpf:
 * - `name` matches exactly;
 * - `name+` matches `name` or `name/<extras>` (the extras are the attach target);
 * - `name/` matches only `name/<extras>`.
 * The first matching entry wins, so more specific entries come first.
 */
import { ProgramType } from '../types.js';
import { AttachTypeId } from '../sys/enums.gen.js';

/** BPF_F_SLEEPABLE: the program may sleep (`.s` sections, `syscall`). */
export const BPF_F_SLEEPABLE = 1 << 4;
/** BPF_F_XDP_HAS_FRAGS: the XDP program handles multi-buffer packets (`xdp.frags`). */
export const BPF_F_XDP_HAS_FRAGS = 1 << 5;

/** What a section name says about the programs in it. */
export interface SectionInfo {
  /** Program type (`enum bpf_prog_type`). */
  type: ProgramType;
  /** Expected attach type (`enum bpf_attach_type`), when the section implies one. */
  expectedAttachType?: number;
  /** Attach target: the text after the matched prefix and its `/` (e.g. `syscalls/sys_enter_openat`). */
  attachTo?: string;
  /** Program load flags: {@link BPF_F_SLEEPABLE}, {@link BPF_F_XDP_HAS_FRAGS}. */
  flags: number;
  /** The attach target is a BTF id (fentry, fexit, tp_btf, lsm, iter, freplace). */
  attachBtf: boolean;
}

interface SectionDef {
  pattern: string;
  type: ProgramType;
  attach?: number;
  sleepable?: boolean;
  frags?: boolean;
  btf?: boolean;
}

const A = AttachTypeId;
const P = ProgramType;

const DEFS: readonly SectionDef[] = [
  { pattern: 'socket', type: P.SocketFilter },
  { pattern: 'sk_reuseport/migrate', type: P.SkReuseport, attach: A.BPF_SK_REUSEPORT_SELECT_OR_MIGRATE },
  { pattern: 'sk_reuseport', type: P.SkReuseport, attach: A.BPF_SK_REUSEPORT_SELECT },
  { pattern: 'kprobe+', type: P.Kprobe },
  { pattern: 'uprobe+', type: P.Kprobe },
  { pattern: 'uprobe.s+', type: P.Kprobe, sleepable: true },
  { pattern: 'kretprobe+', type: P.Kprobe },
  { pattern: 'uretprobe+', type: P.Kprobe },
  { pattern: 'uretprobe.s+', type: P.Kprobe, sleepable: true },
  { pattern: 'kprobe.multi+', type: P.Kprobe, attach: A.BPF_TRACE_KPROBE_MULTI },
  { pattern: 'kretprobe.multi+', type: P.Kprobe, attach: A.BPF_TRACE_KPROBE_MULTI },
  { pattern: 'kprobe.session+', type: P.Kprobe, attach: A.BPF_TRACE_KPROBE_SESSION },
  { pattern: 'uprobe.multi+', type: P.Kprobe, attach: A.BPF_TRACE_UPROBE_MULTI },
  { pattern: 'uretprobe.multi+', type: P.Kprobe, attach: A.BPF_TRACE_UPROBE_MULTI },
  { pattern: 'uprobe.multi.s+', type: P.Kprobe, attach: A.BPF_TRACE_UPROBE_MULTI, sleepable: true },
  { pattern: 'uretprobe.multi.s+', type: P.Kprobe, attach: A.BPF_TRACE_UPROBE_MULTI, sleepable: true },
  { pattern: 'ksyscall+', type: P.Kprobe },
  { pattern: 'kretsyscall+', type: P.Kprobe },
  { pattern: 'usdt+', type: P.Kprobe },
  { pattern: 'usdt.s+', type: P.Kprobe, sleepable: true },
  { pattern: 'tc/ingress', type: P.SchedCls, attach: A.BPF_TCX_INGRESS },
  { pattern: 'tc/egress', type: P.SchedCls, attach: A.BPF_TCX_EGRESS },
  { pattern: 'tcx/ingress', type: P.SchedCls, attach: A.BPF_TCX_INGRESS },
  { pattern: 'tcx/egress', type: P.SchedCls, attach: A.BPF_TCX_EGRESS },
  { pattern: 'tc', type: P.SchedCls },
  { pattern: 'classifier', type: P.SchedCls },
  { pattern: 'action', type: P.SchedAct },
  { pattern: 'netkit/primary', type: P.SchedCls, attach: A.BPF_NETKIT_PRIMARY },
  { pattern: 'netkit/peer', type: P.SchedCls, attach: A.BPF_NETKIT_PEER },
  { pattern: 'tracepoint+', type: P.TracePoint },
  { pattern: 'tp+', type: P.TracePoint },
  { pattern: 'raw_tracepoint+', type: P.RawTracePoint },
  { pattern: 'raw_tp+', type: P.RawTracePoint },
  { pattern: 'raw_tracepoint.w+', type: P.RawTracePointWritable },
  { pattern: 'raw_tp.w+', type: P.RawTracePointWritable },
  { pattern: 'tp_btf+', type: P.Tracing, attach: A.BPF_TRACE_RAW_TP, btf: true },
  { pattern: 'fentry+', type: P.Tracing, attach: A.BPF_TRACE_FENTRY, btf: true },
  { pattern: 'fmod_ret+', type: P.Tracing, attach: A.BPF_MODIFY_RETURN, btf: true },
  { pattern: 'fexit+', type: P.Tracing, attach: A.BPF_TRACE_FEXIT, btf: true },
  { pattern: 'fentry.s+', type: P.Tracing, attach: A.BPF_TRACE_FENTRY, btf: true, sleepable: true },
  { pattern: 'fmod_ret.s+', type: P.Tracing, attach: A.BPF_MODIFY_RETURN, btf: true, sleepable: true },
  { pattern: 'fexit.s+', type: P.Tracing, attach: A.BPF_TRACE_FEXIT, btf: true, sleepable: true },
  { pattern: 'freplace+', type: P.Extension, btf: true },
  { pattern: 'lsm+', type: P.LSM, attach: A.BPF_LSM_MAC, btf: true },
  { pattern: 'lsm.s+', type: P.LSM, attach: A.BPF_LSM_MAC, btf: true, sleepable: true },
  { pattern: 'lsm_cgroup+', type: P.LSM, attach: A.BPF_LSM_CGROUP, btf: true },
  { pattern: 'iter+', type: P.Tracing, attach: A.BPF_TRACE_ITER, btf: true },
  { pattern: 'iter.s+', type: P.Tracing, attach: A.BPF_TRACE_ITER, btf: true, sleepable: true },
  { pattern: 'syscall', type: P.Syscall, sleepable: true },
  { pattern: 'xdp.frags/devmap', type: P.XDP, attach: A.BPF_XDP_DEVMAP, frags: true },
  { pattern: 'xdp/devmap', type: P.XDP, attach: A.BPF_XDP_DEVMAP },
  { pattern: 'xdp.frags/cpumap', type: P.XDP, attach: A.BPF_XDP_CPUMAP, frags: true },
  { pattern: 'xdp/cpumap', type: P.XDP, attach: A.BPF_XDP_CPUMAP },
  { pattern: 'xdp.frags', type: P.XDP, attach: A.BPF_XDP, frags: true },
  { pattern: 'xdp', type: P.XDP, attach: A.BPF_XDP },
  { pattern: 'perf_event', type: P.PerfEvent },
  { pattern: 'lwt_in', type: P.LwtIn },
  { pattern: 'lwt_out', type: P.LwtOut },
  { pattern: 'lwt_xmit', type: P.LwtXmit },
  { pattern: 'lwt_seg6local', type: P.LwtSeg6Local },
  { pattern: 'sockops', type: P.SockOps, attach: A.BPF_CGROUP_SOCK_OPS },
  { pattern: 'sk_skb/stream_parser', type: P.SkSkb, attach: A.BPF_SK_SKB_STREAM_PARSER },
  { pattern: 'sk_skb/stream_verdict', type: P.SkSkb, attach: A.BPF_SK_SKB_STREAM_VERDICT },
  { pattern: 'sk_skb', type: P.SkSkb },
  { pattern: 'sk_msg', type: P.SkMsg, attach: A.BPF_SK_MSG_VERDICT },
  { pattern: 'lirc_mode2', type: P.LircMode2, attach: A.BPF_LIRC_MODE2 },
  { pattern: 'flow_dissector', type: P.FlowDissector, attach: A.BPF_FLOW_DISSECTOR },
  { pattern: 'cgroup_skb/ingress', type: P.CgroupSkb, attach: A.BPF_CGROUP_INET_INGRESS },
  { pattern: 'cgroup_skb/egress', type: P.CgroupSkb, attach: A.BPF_CGROUP_INET_EGRESS },
  { pattern: 'cgroup/skb', type: P.CgroupSkb },
  { pattern: 'cgroup/sock_create', type: P.CgroupSock, attach: A.BPF_CGROUP_INET_SOCK_CREATE },
  { pattern: 'cgroup/sock_release', type: P.CgroupSock, attach: A.BPF_CGROUP_INET_SOCK_RELEASE },
  { pattern: 'cgroup/sock', type: P.CgroupSock, attach: A.BPF_CGROUP_INET_SOCK_CREATE },
  { pattern: 'cgroup/post_bind4', type: P.CgroupSock, attach: A.BPF_CGROUP_INET4_POST_BIND },
  { pattern: 'cgroup/post_bind6', type: P.CgroupSock, attach: A.BPF_CGROUP_INET6_POST_BIND },
  { pattern: 'cgroup/bind4', type: P.CgroupSockAddr, attach: A.BPF_CGROUP_INET4_BIND },
  { pattern: 'cgroup/bind6', type: P.CgroupSockAddr, attach: A.BPF_CGROUP_INET6_BIND },
  { pattern: 'cgroup/connect4', type: P.CgroupSockAddr, attach: A.BPF_CGROUP_INET4_CONNECT },
  { pattern: 'cgroup/connect6', type: P.CgroupSockAddr, attach: A.BPF_CGROUP_INET6_CONNECT },
  { pattern: 'cgroup/connect_unix', type: P.CgroupSockAddr, attach: A.BPF_CGROUP_UNIX_CONNECT },
  { pattern: 'cgroup/sendmsg4', type: P.CgroupSockAddr, attach: A.BPF_CGROUP_UDP4_SENDMSG },
  { pattern: 'cgroup/sendmsg6', type: P.CgroupSockAddr, attach: A.BPF_CGROUP_UDP6_SENDMSG },
  { pattern: 'cgroup/sendmsg_unix', type: P.CgroupSockAddr, attach: A.BPF_CGROUP_UNIX_SENDMSG },
  { pattern: 'cgroup/recvmsg4', type: P.CgroupSockAddr, attach: A.BPF_CGROUP_UDP4_RECVMSG },
  { pattern: 'cgroup/recvmsg6', type: P.CgroupSockAddr, attach: A.BPF_CGROUP_UDP6_RECVMSG },
  { pattern: 'cgroup/recvmsg_unix', type: P.CgroupSockAddr, attach: A.BPF_CGROUP_UNIX_RECVMSG },
  { pattern: 'cgroup/getpeername4', type: P.CgroupSockAddr, attach: A.BPF_CGROUP_INET4_GETPEERNAME },
  { pattern: 'cgroup/getpeername6', type: P.CgroupSockAddr, attach: A.BPF_CGROUP_INET6_GETPEERNAME },
  { pattern: 'cgroup/getpeername_unix', type: P.CgroupSockAddr, attach: A.BPF_CGROUP_UNIX_GETPEERNAME },
  { pattern: 'cgroup/getsockname4', type: P.CgroupSockAddr, attach: A.BPF_CGROUP_INET4_GETSOCKNAME },
  { pattern: 'cgroup/getsockname6', type: P.CgroupSockAddr, attach: A.BPF_CGROUP_INET6_GETSOCKNAME },
  { pattern: 'cgroup/getsockname_unix', type: P.CgroupSockAddr, attach: A.BPF_CGROUP_UNIX_GETSOCKNAME },
  { pattern: 'cgroup/sysctl', type: P.CgroupSysctl, attach: A.BPF_CGROUP_SYSCTL },
  { pattern: 'cgroup/getsockopt', type: P.CgroupSockopt, attach: A.BPF_CGROUP_GETSOCKOPT },
  { pattern: 'cgroup/setsockopt', type: P.CgroupSockopt, attach: A.BPF_CGROUP_SETSOCKOPT },
  { pattern: 'cgroup/dev', type: P.CgroupDevice, attach: A.BPF_CGROUP_DEVICE },
  { pattern: 'struct_ops+', type: P.StructOps },
  { pattern: 'struct_ops.s+', type: P.StructOps, sleepable: true },
  { pattern: 'sk_lookup', type: P.SkLookup, attach: A.BPF_SK_LOOKUP },
  { pattern: 'netfilter', type: P.Netfilter, attach: A.BPF_NETFILTER },
];

/** Returns the attach target (text after `prefix/`) when `name` matches `def`, '' for an exact match, undefined otherwise. */
function match(def: string, name: string): string | undefined {
  if (def.endsWith('+')) {
    const base = def.slice(0, -1);
    if (name === base) return '';
    if (name.startsWith(base + '/')) return name.slice(base.length + 1);
    return undefined;
  }
  if (def.endsWith('/')) return name.startsWith(def) ? name.slice(def.length) : undefined;
  return name === def ? '' : undefined;
}

/**
 * Interprets an ELF section name with libbpf's `SEC()` conventions.
 *
 * @example
 * parseSectionName('tracepoint/syscalls/sys_enter_openat')
 * // { type: ProgramType.TracePoint, attachTo: 'syscalls/sys_enter_openat', flags: 0, attachBtf: false }
 * @returns undefined when no convention matches
 */
export function parseSectionName(name: string): SectionInfo | undefined {
  for (const def of DEFS) {
    const target = match(def.pattern, name);
    if (target === undefined) continue;
    const info: SectionInfo = {
      type: def.type,
      flags: (def.sleepable ? BPF_F_SLEEPABLE : 0) | (def.frags ? BPF_F_XDP_HAS_FRAGS : 0),
      attachBtf: def.btf === true,
    };
    if (def.attach !== undefined) info.expectedAttachType = def.attach;
    if (target !== '') info.attachTo = target;
    return info;
  }
  return undefined;
}

/** The section name patterns understood by {@link parseSectionName}, in matching order. */
export function knownSectionPatterns(): string[] {
  return DEFS.map((d) => d.pattern);
}
