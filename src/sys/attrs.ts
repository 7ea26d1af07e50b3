/**
 * The `union bpf_attr` members and info structs this library uses, from the 6.18 uapi bpf.h.
 * Offsets checked against the kernel's BTF (see attrs.kernel.test.ts).
 */
import { Layout, ptr, s32, str, u32, u64 } from './layout.js';

/** BPF_MAP_CREATE. */
export const MapCreateAttr = new Layout('map_create', 72, {
  map_type: u32(0),
  key_size: u32(4),
  value_size: u32(8),
  max_entries: u32(12),
  map_flags: u32(16),
  inner_map_fd: u32(20),
  numa_node: u32(24),
  map_name: str(28, 16),
  map_ifindex: u32(44),
  btf_fd: u32(48),
  btf_key_type_id: u32(52),
  btf_value_type_id: u32(56),
  btf_vmlinux_value_type_id: u32(60),
  map_extra: u64(64),
});

/** BPF_MAP_LOOKUP_ELEM, UPDATE_ELEM, DELETE_ELEM, GET_NEXT_KEY, LOOKUP_AND_DELETE_ELEM (`value` doubles as `next_key`). */
export const MapElemAttr = new Layout('map_elem', 32, {
  map_fd: u32(0),
  key: ptr(8),
  value: ptr(16),
  flags: u64(24),
});

/** BPF_MAP_*_BATCH. */
export const MapBatchAttr = new Layout('map_batch', 56, {
  in_batch: ptr(0),
  out_batch: ptr(8),
  keys: ptr(16),
  values: ptr(24),
  count: u32(32),
  map_fd: u32(36),
  elem_flags: u64(40),
  flags: u64(48),
});

/** BPF_PROG_LOAD. */
export const ProgLoadAttr = new Layout('prog_load', 148, {
  prog_type: u32(0),
  insn_cnt: u32(4),
  insns: ptr(8, { count: 'insn_cnt', recSize: 8 }),
  license: ptr(16),
  log_level: u32(24),
  log_size: u32(28),
  log_buf: ptr(32, { count: 'log_size' }),
  kern_version: u32(40),
  prog_flags: u32(44),
  prog_name: str(48, 16),
  prog_ifindex: u32(64),
  expected_attach_type: u32(68),
  prog_btf_fd: u32(72),
  func_info_rec_size: u32(76),
  func_info: ptr(80, { count: 'func_info_cnt', recSize: 'func_info_rec_size' }),
  func_info_cnt: u32(88),
  line_info_rec_size: u32(92),
  line_info: ptr(96, { count: 'line_info_cnt', recSize: 'line_info_rec_size' }),
  line_info_cnt: u32(104),
  attach_btf_id: u32(108),
  attach_prog_fd: u32(112),
  core_relo_cnt: u32(116),
  fd_array: ptr(120),
  core_relos: ptr(128),
  core_relo_rec_size: u32(136),
  log_true_size: u32(140),
  prog_token_fd: s32(144),
});

/** BPF_OBJ_PIN and BPF_OBJ_GET. */
export const ObjPinAttr = new Layout('obj_pin', 24, {
  pathname: ptr(0),
  bpf_fd: u32(8),
  file_flags: u32(12),
  path_fd: s32(16),
});

/** BPF_PROG_TEST_RUN. */
export const ProgTestRunAttr = new Layout('test', 80, {
  prog_fd: u32(0),
  retval: u32(4),
  data_size_in: u32(8),
  data_size_out: u32(12),
  data_in: ptr(16, { count: 'data_size_in' }),
  data_out: ptr(24, { count: 'data_size_out' }),
  repeat: u32(32),
  duration: u32(36),
  ctx_size_in: u32(40),
  ctx_size_out: u32(44),
  ctx_in: ptr(48, { count: 'ctx_size_in' }),
  ctx_out: ptr(56, { count: 'ctx_size_out' }),
  flags: u32(64),
  cpu: u32(68),
  batch_size: u32(72),
});

/** BPF_*_GET_NEXT_ID and BPF_*_GET_FD_BY_ID (`start_id`, `prog_id`, `map_id`, `btf_id`, `link_id` share offset 0). */
export const GetIdAttr = new Layout('get_id', 16, {
  id: u32(0),
  next_id: u32(4),
  open_flags: u32(8),
});

/** BPF_OBJ_GET_INFO_BY_FD. */
export const ObjInfoAttr = new Layout('info', 16, {
  bpf_fd: u32(0),
  info_len: u32(4),
  info: ptr(8, { count: 'info_len' }),
});

/** BPF_BTF_LOAD. */
export const BtfLoadAttr = new Layout('btf_load', 32, {
  btf: ptr(0, { count: 'btf_size' }),
  btf_log_buf: ptr(8, { count: 'btf_log_size' }),
  btf_size: u32(16),
  btf_log_size: u32(20),
  btf_log_level: u32(24),
  btf_log_true_size: u32(28),
});

/** BPF_RAW_TRACEPOINT_OPEN. */
export const RawTracepointOpenAttr = new Layout('raw_tracepoint', 24, {
  name: ptr(0),
  prog_fd: u32(8),
  cookie: u64(16),
});

/** BPF_ITER_CREATE. */
export const IterCreateAttr = new Layout('iter_create', 8, {
  link_fd: u32(0),
  flags: u32(4),
});

/** BPF_ENABLE_STATS. */
export const EnableStatsAttr = new Layout('enable_stats', 4, {
  type: u32(0),
});

/** `enum bpf_stats_type`: BPF_STATS_RUN_TIME, the run count and run time in `bpf_prog_info`. */
export const BPF_STATS_RUN_TIME = 0;

/** struct bpf_map_info (BPF_OBJ_GET_INFO_BY_FD on a map). */
export const MapInfo = new Layout('bpf_map_info', 104, {
  type: u32(0),
  id: u32(4),
  key_size: u32(8),
  value_size: u32(12),
  max_entries: u32(16),
  map_flags: u32(20),
  name: str(24, 16),
  ifindex: u32(40),
  btf_vmlinux_value_type_id: u32(44),
  netns_dev: u64(48),
  netns_ino: u64(56),
  btf_id: u32(64),
  btf_key_type_id: u32(68),
  btf_value_type_id: u32(72),
  btf_vmlinux_id: u32(76),
  map_extra: u64(80),
  hash: u64(88),
  hash_size: u32(96),
});

/** struct bpf_prog_info (the fields this library reads). */
export const ProgInfo = new Layout('bpf_prog_info', 232, {
  type: u32(0),
  id: u32(4),
  tag: str(8, 8),
  jited_prog_len: u32(16),
  xlated_prog_len: u32(20),
  load_time: u64(40),
  created_by_uid: u32(48),
  nr_map_ids: u32(52),
  map_ids: ptr(56, { count: 'nr_map_ids', recSize: 4 }),
  name: str(64, 16),
  btf_id: u32(128),
  run_time_ns: u64(192),
  run_cnt: u64(200),
  verified_insns: u32(216),
  attach_btf_obj_id: u32(220),
  attach_btf_id: u32(224),
});

/** struct bpf_btf_info (BPF_OBJ_GET_INFO_BY_FD on a BTF object). */
export const BtfInfo = new Layout('bpf_btf_info', 32, {
  btf: ptr(0, { count: 'btf_size' }),
  btf_size: u32(8),
  id: u32(12),
  name: ptr(16, { count: 'name_len' }),
  name_len: u32(24),
  kernel_btf: u32(28),
});
