/**
 * Friendly names for the kernel's link types (`enum bpf_link_type`) and perf event link kinds
 * (`enum bpf_perf_event_type`).
 */
import { LinkTypeId, LinkTypeIdNames } from '../sys/enums.gen.js';

/** Link types (`enum bpf_link_type` in uapi bpf.h). */
export const LinkType = {
  /** BPF_LINK_TYPE_UNSPEC */ Unspec: LinkTypeId.BPF_LINK_TYPE_UNSPEC,
  /** BPF_LINK_TYPE_RAW_TRACEPOINT (raw_tp, tp_btf) */ RawTracepoint: LinkTypeId.BPF_LINK_TYPE_RAW_TRACEPOINT,
  /** BPF_LINK_TYPE_TRACING (fentry, fexit, fmod_ret, lsm, freplace) */ Tracing: LinkTypeId.BPF_LINK_TYPE_TRACING,
  /** BPF_LINK_TYPE_CGROUP */ Cgroup: LinkTypeId.BPF_LINK_TYPE_CGROUP,
  /** BPF_LINK_TYPE_ITER */ Iter: LinkTypeId.BPF_LINK_TYPE_ITER,
  /** BPF_LINK_TYPE_NETNS */ Netns: LinkTypeId.BPF_LINK_TYPE_NETNS,
  /** BPF_LINK_TYPE_XDP */ XDP: LinkTypeId.BPF_LINK_TYPE_XDP,
  /** BPF_LINK_TYPE_PERF_EVENT (tracepoint, kprobe, uprobe through perf_event_open) */ PerfEvent: LinkTypeId.BPF_LINK_TYPE_PERF_EVENT,
  /** BPF_LINK_TYPE_KPROBE_MULTI */ KprobeMulti: LinkTypeId.BPF_LINK_TYPE_KPROBE_MULTI,
  /** BPF_LINK_TYPE_STRUCT_OPS */ StructOps: LinkTypeId.BPF_LINK_TYPE_STRUCT_OPS,
  /** BPF_LINK_TYPE_NETFILTER */ Netfilter: LinkTypeId.BPF_LINK_TYPE_NETFILTER,
  /** BPF_LINK_TYPE_TCX */ TCX: LinkTypeId.BPF_LINK_TYPE_TCX,
  /** BPF_LINK_TYPE_UPROBE_MULTI */ UprobeMulti: LinkTypeId.BPF_LINK_TYPE_UPROBE_MULTI,
  /** BPF_LINK_TYPE_NETKIT */ Netkit: LinkTypeId.BPF_LINK_TYPE_NETKIT,
  /** BPF_LINK_TYPE_SOCKMAP */ Sockmap: LinkTypeId.BPF_LINK_TYPE_SOCKMAP,
} as const;
/** A link type number (`enum bpf_link_type`). */
export type LinkType = (typeof LinkType)[keyof typeof LinkType];

/** The short lowercase name of a link type as bpftool prints it, e.g. `perf_event`, or `unknown(N)`. */
export function linkTypeName(t: number): string {
  const n = LinkTypeIdNames[t];
  return n ? n.replace(/^BPF_LINK_TYPE_/, '').toLowerCase() : `unknown(${t})`;
}

/** What a perf event link is attached to (`enum bpf_perf_event_type`). */
export type PerfEventKind = 'unspec' | 'uprobe' | 'uretprobe' | 'kprobe' | 'kretprobe' | 'tracepoint' | 'event';

const PERF_KINDS: readonly PerfEventKind[] = ['unspec', 'uprobe', 'uretprobe', 'kprobe', 'kretprobe', 'tracepoint', 'event'];

/** The {@link PerfEventKind} of a `bpf_perf_event_type` number. */
export function perfEventKind(n: number): PerfEventKind {
  return PERF_KINDS[n] ?? 'unspec';
}
