/**
 * LinkInfo: what the kernel reports about a link (BPF_OBJ_GET_INFO_BY_FD on a link fd).
 */
import { objInfo } from '../sys/syscall.js';
import { LinkInfoLayout as L } from './attrs.js';
import { LinkType, linkTypeName, perfEventKind, type PerfEventKind } from './link-type.js';

/** A link's kernel-side description; the kind-specific part is set for the link's type only. */
export interface LinkInfo {
  /** Kernel-wide link id. */
  id: number;
  /** Link type number ({@link LinkType}). */
  type: LinkType | number;
  /** Short type name as bpftool prints it: `perf_event`, `tracing`, `xdp`… */
  typeName: string;
  /** Id of the attached program. */
  programId: number;
  /** Raw tracepoint (raw_tp, tp_btf) links. */
  rawTracepoint?: { name: string; cookie: bigint };
  /** Tracing (fentry, fexit, fmod_ret, lsm) links: attach type, and the BTF object and type id of the target. */
  tracing?: { attachType: number; targetObjectId: number; targetBtfId: number; cookie: bigint };
  /** Cgroup links. */
  cgroup?: { cgroupId: bigint; attachType: number };
  /** Iterator links: the target (`bpf_map`, `task`…) and its parameters. */
  iter?: { target: string; mapId: number; cgroupId: bigint; tid: number; pid: number };
  /** Network namespace links. */
  netns?: { inode: number; attachType: number };
  /** XDP links. */
  xdp?: { ifindex: number };
  /** TCX (and netkit) links. */
  tcx?: { ifindex: number; attachType: number };
  /** Perf event links (tracepoint, kprobe, uprobe through perf_event_open). */
  perfEvent?: {
    kind: PerfEventKind;
    /** Tracepoint name, kprobe function, or uprobe binary path. */
    name: string;
    /** Probe offset (kprobe: within the function; uprobe: in the file). */
    offset: number;
    /** kprobe: the resolved address (0 without CAP_SYSLOG-like rights). */
    address: bigint;
    /** kprobe: missed runs. */
    missed: bigint;
    /** The bpf_cookie given at attach. */
    cookie: bigint;
    /** perf event (`event` kind): type and config. */
    eventType: number;
    config: bigint;
  };
  /** uprobe_multi links. */
  uprobeMulti?: { path: string; count: number; flags: number; pid: number };
  /** kprobe_multi links. */
  kprobeMulti?: { count: number; flags: number; missed: bigint };
  /** struct_ops links: the struct_ops map registered (its id). */
  structOps?: { mapId: number };
}

const NAME_MAX = 4096;

function text(buf: Uint8Array, len: number): string {
  const n = Math.min(len, buf.length);
  const end = buf.subarray(0, n).indexOf(0);
  return Buffer.from(buf.subarray(0, end < 0 ? n : end)).toString('utf8');
}

/**
 * Reads the info of the link behind a raw fd (two calls when the link has a name to fetch).
 * @param context starts error messages, e.g. `link tracepoint syscalls/sys_enter_getpid`.
 */
export function readLinkInfo(fd: number, context: string): LinkInfo {
  const buf = objInfo(fd, L.encode({}), context);
  const type = L.u32(buf, 'type');
  const info: LinkInfo = { id: L.u32(buf, 'id'), type, typeName: linkTypeName(type), programId: L.u32(buf, 'prog_id') };
  // Second call for the name strings, when the type has one.
  const fetchName = (ptrField: keyof typeof L.fields, lenField: keyof typeof L.fields): string => {
    const want = Math.min(L.u32(buf, lenField) || NAME_MAX, NAME_MAX);
    const name = new Uint8Array(want);
    buf.set(objInfo(fd, L.encode({ [lenField]: want, [ptrField]: name } as never), context));
    return text(name, want);
  };
  switch (type) {
    case LinkType.RawTracepoint: {
      const name = fetchName('raw_tp_name', 'raw_tp_name_len');
      info.rawTracepoint = { name, cookie: L.u64(buf, 'raw_tp_cookie') };
      break;
    }
    case LinkType.Tracing:
      info.tracing = {
        attachType: L.u32(buf, 'tracing_attach_type'),
        targetObjectId: L.u32(buf, 'tracing_target_obj_id'),
        targetBtfId: L.u32(buf, 'tracing_target_btf_id'),
        cookie: L.u64(buf, 'tracing_cookie'),
      };
      break;
    case LinkType.Cgroup:
      info.cgroup = { cgroupId: L.u64(buf, 'cgroup_id'), attachType: L.u32(buf, 'cgroup_attach_type') };
      break;
    case LinkType.Iter: {
      const target = fetchName('iter_target_name', 'iter_target_name_len');
      info.iter = {
        target,
        mapId: L.u32(buf, 'iter_map_id'),
        cgroupId: target === 'cgroup' ? L.u64(buf, 'iter_cgroup_id') : 0n,
        tid: target === 'task' || target === 'task_file' || target === 'task_vma' ? L.u32(buf, 'iter_task_tid') : 0,
        pid: target === 'task' || target === 'task_file' || target === 'task_vma' ? L.u32(buf, 'iter_task_pid') : 0,
      };
      break;
    }
    case LinkType.Netns:
      info.netns = { inode: L.u32(buf, 'netns_ino'), attachType: L.u32(buf, 'netns_attach_type') };
      break;
    case LinkType.XDP:
      info.xdp = { ifindex: L.u32(buf, 'xdp_ifindex') };
      break;
    case LinkType.TCX:
    case LinkType.Netkit:
      info.tcx = { ifindex: L.u32(buf, 'tcx_ifindex'), attachType: L.u32(buf, 'tcx_attach_type') };
      break;
    case LinkType.PerfEvent: {
      const kindNo = L.u32(buf, 'perf_event_type');
      const kind = perfEventKind(kindNo);
      const name = kind === 'event' || kind === 'unspec' ? '' : fetchName('perf_name', 'perf_name_len');
      // The second call rewrote buf with the same facts; read the union by kind.
      const isK = kind === 'kprobe' || kind === 'kretprobe';
      const isU = kind === 'uprobe' || kind === 'uretprobe';
      info.perfEvent = {
        kind,
        name,
        offset: isK || isU ? L.u32(buf, 'perf_offset') : 0,
        address: isK ? L.u64(buf, 'perf_kprobe_addr') : 0n,
        missed: isK ? L.u64(buf, 'perf_kprobe_missed') : 0n,
        cookie: isK ? L.u64(buf, 'perf_kprobe_cookie') : isU ? L.u64(buf, 'perf_uprobe_cookie') : kind === 'event' ? L.u64(buf, 'perf_event_cookie') : L.u64(buf, 'perf_tp_cookie'),
        eventType: kind === 'event' ? L.u32(buf, 'perf_event_event_type') : 0,
        config: kind === 'event' ? L.u64(buf, 'perf_event_config') : 0n,
      };
      break;
    }
    case LinkType.UprobeMulti: {
      const path = fetchName('uprobe_multi_path', 'uprobe_multi_path_size');
      info.uprobeMulti = {
        path,
        count: L.u32(buf, 'uprobe_multi_count'),
        flags: L.u32(buf, 'uprobe_multi_flags'),
        pid: L.u32(buf, 'uprobe_multi_pid'),
      };
      break;
    }
    case LinkType.StructOps:
      info.structOps = { mapId: L.u32(buf, 'struct_ops_map_id') };
      break;
    case LinkType.KprobeMulti:
      info.kprobeMulti = { count: L.u32(buf, 'kprobe_multi_count'), flags: L.u32(buf, 'kprobe_multi_flags'), missed: L.u64(buf, 'kprobe_multi_missed') };
      break;
  }
  return info;
}
