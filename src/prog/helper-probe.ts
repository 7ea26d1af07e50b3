/**
 * Which program types may call a helper, asked of the running kernel (as `bpftool feature probe`
 * does): load `r1..r5 = 0; call helper; r0 = 0; exit` as each program type and read the verdict.
 * "unknown func" or "cannot use helper" means the type may not call it; any other verdict (even a
 * refusal of the zero arguments) means it may. Results are cached per process.
 */
import { Assembler, R0, R1, R2, R3, R4, R5, encodeInstructions } from '../asm/index.js';
import { ProgramType } from '../types.js';
import { AttachTypeId, Cmd } from '../sys/enums.gen.js';
import { ProgLoadAttr } from '../sys/attrs.js';
import { native } from '../sys/native.js';
import { splitLog } from './verifier-log.js';

/**
 * Program types probed, with the expected attach type the kernel requires for each. Types that
 * need a BTF attach target (tracing, lsm, ext, struct_ops) cannot be probed this simply and are
 * left out; {@link HelperAvailability.unprobed} names them.
 */
const PROBED: ReadonlyArray<readonly [string, number, number]> = [
  ['socket_filter', ProgramType.SocketFilter, 0],
  ['kprobe', ProgramType.Kprobe, 0],
  ['sched_cls', ProgramType.SchedCls, 0],
  ['sched_act', ProgramType.SchedAct, 0],
  ['tracepoint', ProgramType.TracePoint, 0],
  ['xdp', ProgramType.XDP, 0],
  ['perf_event', ProgramType.PerfEvent, 0],
  ['cgroup_skb', ProgramType.CgroupSkb, AttachTypeId.BPF_CGROUP_INET_INGRESS],
  ['cgroup_sock', ProgramType.CgroupSock, AttachTypeId.BPF_CGROUP_INET_SOCK_CREATE],
  ['lwt_in', ProgramType.LwtIn, 0],
  ['lwt_out', ProgramType.LwtOut, 0],
  ['lwt_xmit', ProgramType.LwtXmit, 0],
  ['sock_ops', ProgramType.SockOps, 0],
  ['sk_skb', ProgramType.SkSkb, 0],
  ['cgroup_device', ProgramType.CgroupDevice, 0],
  ['sk_msg', ProgramType.SkMsg, 0],
  ['raw_tracepoint', ProgramType.RawTracePoint, 0],
  ['cgroup_sock_addr', ProgramType.CgroupSockAddr, AttachTypeId.BPF_CGROUP_INET4_BIND],
  ['lwt_seg6local', ProgramType.LwtSeg6Local, 0],
  ['lirc_mode2', ProgramType.LircMode2, 0],
  ['sk_reuseport', ProgramType.SkReuseport, 0],
  ['flow_dissector', ProgramType.FlowDissector, 0],
  ['cgroup_sysctl', ProgramType.CgroupSysctl, AttachTypeId.BPF_CGROUP_SYSCTL],
  ['raw_tracepoint_writable', ProgramType.RawTracePointWritable, 0],
  ['cgroup_sockopt', ProgramType.CgroupSockopt, AttachTypeId.BPF_CGROUP_GETSOCKOPT],
  ['sk_lookup', ProgramType.SkLookup, AttachTypeId.BPF_SK_LOOKUP],
  ['syscall', ProgramType.Syscall, 0],
  ['netfilter', ProgramType.Netfilter, AttachTypeId.BPF_NETFILTER],
];

/** Program types whose probe needs a BTF attach target, so they are not probed. */
const UNPROBED = ['tracing (fentry/fexit/tp_btf/iter)', 'lsm', 'ext', 'struct_ops'];

/** Which program types may call a helper on this kernel. */
export interface HelperAvailability {
  /** Types that may call it (short names, e.g. `sched_cls`). */
  readonly allowed: readonly string[];
  /** Types the probe could not decide (the load failed before the verifier ran). */
  readonly unknown: readonly string[];
  /** Types not probed because loading them needs a BTF attach target. */
  readonly unprobed: readonly string[];
}

const cache = new Map<number, HelperAvailability>();
const GPL = Buffer.from('GPL\0');

/** One probe: true (allowed), false (refused), undefined (undecided). */
function probe(type: number, expected: number, helper: number): boolean | undefined {
  const code = encodeInstructions(
    new Assembler().mov64(R1, 0).mov64(R2, 0).mov64(R3, 0).mov64(R4, 0).mov64(R5, 0).call(helper).mov64(R0, 0).exit().build(),
  );
  const log = new Uint8Array(4096);
  const { bytes, ptrs } = ProgLoadAttr.encode({
    prog_type: type,
    insn_cnt: code.length / 8,
    insns: code,
    license: GPL,
    log_level: 1,
    log_size: log.length,
    log_buf: log,
    expected_attach_type: expected,
  });
  try {
    native().close(native().bpf(Cmd.BPF_PROG_LOAD, bytes, ptrs));
    return true;
  } catch {
    // Refused: the log says whether the helper was the reason.
  }
  const text = splitLog(log).join('\n');
  if (/unknown func|cannot use helper|program of this type cannot use/.test(text)) return false;
  return text.trim() === '' ? undefined : true;
}

/**
 * Probes which program types may call helper `id` on the running kernel (about 30 tiny loads,
 * once per helper per process). Never throws: an unusable `bpf()` gives every type as unknown.
 */
export function helperAvailability(id: number): HelperAvailability {
  const hit = cache.get(id);
  if (hit) return hit;
  const allowed: string[] = [];
  const unknown: string[] = [];
  for (const [name, type, expected] of PROBED) {
    let r: boolean | undefined;
    try {
      r = probe(type, expected, id);
    } catch {
      r = undefined;
    }
    if (r === true) allowed.push(name);
    else if (r === undefined) unknown.push(name);
  }
  const out: HelperAvailability = { allowed, unknown, unprobed: UNPROBED };
  cache.set(id, out);
  return out;
}
