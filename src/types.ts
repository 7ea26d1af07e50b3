/**
 * Friendly names for the kernel's map, program and attach types.
 *
 * The numbers are the kernel's own (`enum bpf_map_type`, `enum bpf_prog_type`,
 * `enum bpf_attach_type` in uapi bpf.h); the kernel spelling is in each doc comment so a search
 * for `BPF_MAP_TYPE_HASH` finds `MapType.Hash`.
 */
import { AttachTypeId, MapTypeId, MapTypeIdNames, ProgTypeId, ProgTypeIdNames, AttachTypeIdNames } from './sys/enums.gen.js';

/** Map types (`enum bpf_map_type`). */
export const MapType = {
  /** BPF_MAP_TYPE_UNSPEC */ Unspec: MapTypeId.BPF_MAP_TYPE_UNSPEC,
  /** BPF_MAP_TYPE_HASH */ Hash: MapTypeId.BPF_MAP_TYPE_HASH,
  /** BPF_MAP_TYPE_ARRAY */ Array: MapTypeId.BPF_MAP_TYPE_ARRAY,
  /** BPF_MAP_TYPE_PROG_ARRAY */ ProgArray: MapTypeId.BPF_MAP_TYPE_PROG_ARRAY,
  /** BPF_MAP_TYPE_PERF_EVENT_ARRAY */ PerfEventArray: MapTypeId.BPF_MAP_TYPE_PERF_EVENT_ARRAY,
  /** BPF_MAP_TYPE_PERCPU_HASH */ PerCpuHash: MapTypeId.BPF_MAP_TYPE_PERCPU_HASH,
  /** BPF_MAP_TYPE_PERCPU_ARRAY */ PerCpuArray: MapTypeId.BPF_MAP_TYPE_PERCPU_ARRAY,
  /** BPF_MAP_TYPE_STACK_TRACE */ StackTrace: MapTypeId.BPF_MAP_TYPE_STACK_TRACE,
  /** BPF_MAP_TYPE_CGROUP_ARRAY */ CgroupArray: MapTypeId.BPF_MAP_TYPE_CGROUP_ARRAY,
  /** BPF_MAP_TYPE_LRU_HASH */ LruHash: MapTypeId.BPF_MAP_TYPE_LRU_HASH,
  /** BPF_MAP_TYPE_LRU_PERCPU_HASH */ LruPerCpuHash: MapTypeId.BPF_MAP_TYPE_LRU_PERCPU_HASH,
  /** BPF_MAP_TYPE_LPM_TRIE */ LpmTrie: MapTypeId.BPF_MAP_TYPE_LPM_TRIE,
  /** BPF_MAP_TYPE_ARRAY_OF_MAPS */ ArrayOfMaps: MapTypeId.BPF_MAP_TYPE_ARRAY_OF_MAPS,
  /** BPF_MAP_TYPE_HASH_OF_MAPS */ HashOfMaps: MapTypeId.BPF_MAP_TYPE_HASH_OF_MAPS,
  /** BPF_MAP_TYPE_DEVMAP */ DevMap: MapTypeId.BPF_MAP_TYPE_DEVMAP,
  /** BPF_MAP_TYPE_SOCKMAP */ SockMap: MapTypeId.BPF_MAP_TYPE_SOCKMAP,
  /** BPF_MAP_TYPE_CPUMAP */ CpuMap: MapTypeId.BPF_MAP_TYPE_CPUMAP,
  /** BPF_MAP_TYPE_XSKMAP */ XskMap: MapTypeId.BPF_MAP_TYPE_XSKMAP,
  /** BPF_MAP_TYPE_SOCKHASH */ SockHash: MapTypeId.BPF_MAP_TYPE_SOCKHASH,
  /** BPF_MAP_TYPE_CGROUP_STORAGE */ CgroupStorage: MapTypeId.BPF_MAP_TYPE_CGROUP_STORAGE,
  /** BPF_MAP_TYPE_REUSEPORT_SOCKARRAY */ ReuseportSockArray: MapTypeId.BPF_MAP_TYPE_REUSEPORT_SOCKARRAY,
  /** BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE */ PerCpuCgroupStorage: MapTypeId.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE,
  /** BPF_MAP_TYPE_QUEUE */ Queue: MapTypeId.BPF_MAP_TYPE_QUEUE,
  /** BPF_MAP_TYPE_STACK */ Stack: MapTypeId.BPF_MAP_TYPE_STACK,
  /** BPF_MAP_TYPE_SK_STORAGE */ SkStorage: MapTypeId.BPF_MAP_TYPE_SK_STORAGE,
  /** BPF_MAP_TYPE_DEVMAP_HASH */ DevMapHash: MapTypeId.BPF_MAP_TYPE_DEVMAP_HASH,
  /** BPF_MAP_TYPE_STRUCT_OPS */ StructOps: MapTypeId.BPF_MAP_TYPE_STRUCT_OPS,
  /** BPF_MAP_TYPE_RINGBUF */ RingBuf: MapTypeId.BPF_MAP_TYPE_RINGBUF,
  /** BPF_MAP_TYPE_INODE_STORAGE */ InodeStorage: MapTypeId.BPF_MAP_TYPE_INODE_STORAGE,
  /** BPF_MAP_TYPE_TASK_STORAGE */ TaskStorage: MapTypeId.BPF_MAP_TYPE_TASK_STORAGE,
  /** BPF_MAP_TYPE_BLOOM_FILTER */ BloomFilter: MapTypeId.BPF_MAP_TYPE_BLOOM_FILTER,
  /** BPF_MAP_TYPE_USER_RINGBUF */ UserRingBuf: MapTypeId.BPF_MAP_TYPE_USER_RINGBUF,
  /** BPF_MAP_TYPE_CGRP_STORAGE */ CgrpStorage: MapTypeId.BPF_MAP_TYPE_CGRP_STORAGE,
  /** BPF_MAP_TYPE_ARENA */ Arena: MapTypeId.BPF_MAP_TYPE_ARENA,
} as const;
/** A map type number (`enum bpf_map_type`). */
export type MapType = (typeof MapType)[keyof typeof MapType];

/** Program types (`enum bpf_prog_type`). */
export const ProgramType = {
  /** BPF_PROG_TYPE_UNSPEC */ Unspec: ProgTypeId.BPF_PROG_TYPE_UNSPEC,
  /** BPF_PROG_TYPE_SOCKET_FILTER */ SocketFilter: ProgTypeId.BPF_PROG_TYPE_SOCKET_FILTER,
  /** BPF_PROG_TYPE_KPROBE */ Kprobe: ProgTypeId.BPF_PROG_TYPE_KPROBE,
  /** BPF_PROG_TYPE_SCHED_CLS */ SchedCls: ProgTypeId.BPF_PROG_TYPE_SCHED_CLS,
  /** BPF_PROG_TYPE_SCHED_ACT */ SchedAct: ProgTypeId.BPF_PROG_TYPE_SCHED_ACT,
  /** BPF_PROG_TYPE_TRACEPOINT */ TracePoint: ProgTypeId.BPF_PROG_TYPE_TRACEPOINT,
  /** BPF_PROG_TYPE_XDP */ XDP: ProgTypeId.BPF_PROG_TYPE_XDP,
  /** BPF_PROG_TYPE_PERF_EVENT */ PerfEvent: ProgTypeId.BPF_PROG_TYPE_PERF_EVENT,
  /** BPF_PROG_TYPE_CGROUP_SKB */ CgroupSkb: ProgTypeId.BPF_PROG_TYPE_CGROUP_SKB,
  /** BPF_PROG_TYPE_CGROUP_SOCK */ CgroupSock: ProgTypeId.BPF_PROG_TYPE_CGROUP_SOCK,
  /** BPF_PROG_TYPE_LWT_IN */ LwtIn: ProgTypeId.BPF_PROG_TYPE_LWT_IN,
  /** BPF_PROG_TYPE_LWT_OUT */ LwtOut: ProgTypeId.BPF_PROG_TYPE_LWT_OUT,
  /** BPF_PROG_TYPE_LWT_XMIT */ LwtXmit: ProgTypeId.BPF_PROG_TYPE_LWT_XMIT,
  /** BPF_PROG_TYPE_SOCK_OPS */ SockOps: ProgTypeId.BPF_PROG_TYPE_SOCK_OPS,
  /** BPF_PROG_TYPE_SK_SKB */ SkSkb: ProgTypeId.BPF_PROG_TYPE_SK_SKB,
  /** BPF_PROG_TYPE_CGROUP_DEVICE */ CgroupDevice: ProgTypeId.BPF_PROG_TYPE_CGROUP_DEVICE,
  /** BPF_PROG_TYPE_SK_MSG */ SkMsg: ProgTypeId.BPF_PROG_TYPE_SK_MSG,
  /** BPF_PROG_TYPE_RAW_TRACEPOINT */ RawTracePoint: ProgTypeId.BPF_PROG_TYPE_RAW_TRACEPOINT,
  /** BPF_PROG_TYPE_CGROUP_SOCK_ADDR */ CgroupSockAddr: ProgTypeId.BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
  /** BPF_PROG_TYPE_LWT_SEG6LOCAL */ LwtSeg6Local: ProgTypeId.BPF_PROG_TYPE_LWT_SEG6LOCAL,
  /** BPF_PROG_TYPE_LIRC_MODE2 */ LircMode2: ProgTypeId.BPF_PROG_TYPE_LIRC_MODE2,
  /** BPF_PROG_TYPE_SK_REUSEPORT */ SkReuseport: ProgTypeId.BPF_PROG_TYPE_SK_REUSEPORT,
  /** BPF_PROG_TYPE_FLOW_DISSECTOR */ FlowDissector: ProgTypeId.BPF_PROG_TYPE_FLOW_DISSECTOR,
  /** BPF_PROG_TYPE_CGROUP_SYSCTL */ CgroupSysctl: ProgTypeId.BPF_PROG_TYPE_CGROUP_SYSCTL,
  /** BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE */ RawTracePointWritable: ProgTypeId.BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE,
  /** BPF_PROG_TYPE_CGROUP_SOCKOPT */ CgroupSockopt: ProgTypeId.BPF_PROG_TYPE_CGROUP_SOCKOPT,
  /** BPF_PROG_TYPE_TRACING */ Tracing: ProgTypeId.BPF_PROG_TYPE_TRACING,
  /** BPF_PROG_TYPE_STRUCT_OPS */ StructOps: ProgTypeId.BPF_PROG_TYPE_STRUCT_OPS,
  /** BPF_PROG_TYPE_EXT */ Extension: ProgTypeId.BPF_PROG_TYPE_EXT,
  /** BPF_PROG_TYPE_LSM */ LSM: ProgTypeId.BPF_PROG_TYPE_LSM,
  /** BPF_PROG_TYPE_SK_LOOKUP */ SkLookup: ProgTypeId.BPF_PROG_TYPE_SK_LOOKUP,
  /** BPF_PROG_TYPE_SYSCALL */ Syscall: ProgTypeId.BPF_PROG_TYPE_SYSCALL,
  /** BPF_PROG_TYPE_NETFILTER */ Netfilter: ProgTypeId.BPF_PROG_TYPE_NETFILTER,
} as const;
/** A program type number (`enum bpf_prog_type`). */
export type ProgramType = (typeof ProgramType)[keyof typeof ProgramType];

/** Attach types (`enum bpf_attach_type`), keyed by the kernel name without `BPF_`. */
export const AttachType: { readonly [K in keyof typeof AttachTypeId as K extends `BPF_${infer R}` ? R : K]: (typeof AttachTypeId)[K] } =
  Object.fromEntries(Object.entries(AttachTypeId).map(([k, v]) => [k.replace(/^BPF_/, ''), v])) as never;
/** An attach type number (`enum bpf_attach_type`). */
export type AttachType = (typeof AttachTypeId)[keyof typeof AttachTypeId];

/** The kernel name of a map type, e.g. `BPF_MAP_TYPE_HASH`, or `unknown(N)`. */
export function mapTypeName(t: number): string {
  return MapTypeIdNames[t] ?? `unknown(${t})`;
}

/** The short lowercase name of a map type as bpftool prints it, e.g. `hash`, `percpu_array`. */
export function mapTypeShortName(t: number): string {
  const n = MapTypeIdNames[t];
  return n ? n.replace(/^BPF_MAP_TYPE_/, '').toLowerCase() : `unknown(${t})`;
}

/** The kernel name of a program type, e.g. `BPF_PROG_TYPE_XDP`, or `unknown(N)`. */
export function programTypeName(t: number): string {
  return ProgTypeIdNames[t] ?? `unknown(${t})`;
}

/** The short lowercase name of a program type as bpftool prints it, e.g. `socket_filter`, `xdp`. */
export function programTypeShortName(t: number): string {
  const n = ProgTypeIdNames[t];
  return n ? n.replace(/^BPF_PROG_TYPE_/, '').toLowerCase() : `unknown(${t})`;
}

/** The kernel name of an attach type, e.g. `BPF_TRACE_FENTRY`, or `unknown(N)`. */
export function attachTypeName(t: number): string {
  return AttachTypeIdNames[t] ?? `unknown(${t})`;
}

const PER_CPU_TYPES = new Set<number>([MapType.PerCpuHash, MapType.PerCpuArray, MapType.LruPerCpuHash, MapType.PerCpuCgroupStorage]);
const ARRAY_TYPES = new Set<number>([MapType.Array, MapType.PerCpuArray, MapType.ArrayOfMaps, MapType.ProgArray, MapType.PerfEventArray, MapType.CgroupArray]);

/** Whether a map type stores one value per possible CPU. */
export function isPerCpuType(type: number): boolean {
  return PER_CPU_TYPES.has(type);
}

/** Whether a map type always holds `maxEntries` elements (array family). */
export function isArrayType(type: number): boolean {
  return ARRAY_TYPES.has(type);
}
