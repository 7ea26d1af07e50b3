/**
 * The kernel structs only the link module uses: the full `link_create` member of `union
 * bpf_attr`, `link_update`, `struct perf_event_attr`, `struct bpf_link_info` and
 * `union bpf_iter_link_info`. Offsets are the 6.18 uapi's, checked against vmlinux BTF in
 * attrs.kernel.test.ts.
 */
import { Layout, ptr, s32, u32, u64 } from '../sys/layout.js';

/** BPF_LINK_CREATE with every target-specific tail this module encodes. */
export const LinkCreate = new Layout('link_create', 64, {
  prog_fd: u32(0),
  target_fd: u32(4),
  attach_type: u32(8),
  flags: u32(12),
  // union at 16
  target_btf_id: u32(16),
  iter_info: ptr(16, { count: 'iter_info_len' }),
  iter_info_len: u32(24),
  perf_event_bpf_cookie: u64(16),
  tracing_target_btf_id: u32(16),
  tracing_cookie: u64(24),
  tcx_relative_fd: u32(16),
  tcx_expected_revision: u64(24),
  cgroup_relative_fd: u32(16),
  cgroup_expected_revision: u64(24),
  uprobe_multi_path: ptr(16),
  uprobe_multi_offsets: ptr(24, { count: 'uprobe_multi_cnt', recSize: 8 }),
  uprobe_multi_ref_ctr_offsets: ptr(32, { count: 'uprobe_multi_cnt', recSize: 8 }),
  uprobe_multi_cookies: ptr(40, { count: 'uprobe_multi_cnt', recSize: 8 }),
  uprobe_multi_cnt: u32(48),
  uprobe_multi_flags: u32(52),
  uprobe_multi_pid: u32(56),
});

/** BPF_LINK_UPDATE. */
export const LinkUpdate = new Layout('link_update', 16, {
  link_fd: u32(0),
  new_prog_fd: u32(4),
  // struct_ops links swap maps: the same union slots
  new_map_fd: u32(4),
  flags: u32(8),
  old_prog_fd: u32(12),
  old_map_fd: u32(12),
});

/** BPF_LINK_DETACH. */
export const LinkDetach = new Layout('link_detach', 4, {
  link_fd: u32(0),
});

/** `union bpf_iter_link_info` (16 bytes). */
export const IterLinkInfo = new Layout('bpf_iter_link_info', 16, {
  map_fd: u32(0),
  cgroup_order: u32(0),
  cgroup_fd: u32(4),
  cgroup_id: u64(8),
  task_tid: u32(0),
  task_pid: u32(4),
  task_pid_fd: u32(8),
});

/** `struct bpf_link_info` (64 bytes): the common head and the union members this module reads. */
export const LinkInfoLayout = new Layout('bpf_link_info', 64, {
  type: u32(0),
  id: u32(4),
  prog_id: u32(8),
  // raw_tracepoint
  raw_tp_name: ptr(16, { count: 'raw_tp_name_len' }),
  raw_tp_name_len: u32(24),
  raw_tp_cookie: u64(32),
  // tracing
  tracing_attach_type: u32(16),
  tracing_target_obj_id: u32(20),
  tracing_target_btf_id: u32(24),
  tracing_cookie: u64(32),
  // cgroup
  cgroup_id: u64(16),
  cgroup_attach_type: u32(24),
  // iter
  iter_target_name: ptr(16, { count: 'iter_target_name_len' }),
  iter_target_name_len: u32(24),
  iter_map_id: u32(28),
  iter_cgroup_id: u64(32),
  iter_cgroup_order: u32(40),
  iter_task_tid: u32(32),
  iter_task_pid: u32(36),
  // netns
  netns_ino: u32(16),
  netns_attach_type: u32(20),
  // xdp
  xdp_ifindex: u32(16),
  // struct_ops
  struct_ops_map_id: u32(16),
  // netfilter
  netfilter_pf: u32(16),
  netfilter_hooknum: u32(20),
  netfilter_priority: s32(24),
  netfilter_flags: u32(28),
  // kprobe_multi
  kprobe_multi_count: u32(24),
  kprobe_multi_flags: u32(28),
  kprobe_multi_missed: u64(32),
  // uprobe_multi
  uprobe_multi_path: ptr(16, { count: 'uprobe_multi_path_size' }),
  uprobe_multi_path_size: u32(48),
  uprobe_multi_count: u32(52),
  uprobe_multi_flags: u32(56),
  uprobe_multi_pid: u32(60),
  // perf_event
  perf_event_type: u32(16),
  perf_name: ptr(24, { count: 'perf_name_len' }),
  perf_name_len: u32(32),
  perf_offset: u32(36),
  perf_uprobe_cookie: u64(40),
  perf_uprobe_ref_ctr_offset: u64(48),
  perf_kprobe_addr: u64(40),
  perf_kprobe_missed: u64(48),
  perf_kprobe_cookie: u64(56),
  perf_tp_cookie: u64(40),
  perf_event_config: u64(24),
  perf_event_event_type: u32(32),
  perf_event_cookie: u64(40),
  // tcx, netkit, sockmap
  tcx_ifindex: u32(16),
  tcx_attach_type: u32(20),
  sockmap_map_id: u32(16),
  sockmap_attach_type: u32(20),
});
