/**
 * `struct perf_event_attr` and the perf constants this library uses, from uapi
 * linux/perf_event.h. The bit fields (`disabled`, `inherit`, ... `watermark`, ...) share the u64
 * at offset 40; {@link PerfAttrFlag} names their bits.
 */
import { Layout, ptr, u32, u64 } from './layout.js';

/** PERF_ATTR_SIZE_VER8: the struct up to `config3` (Linux 6.3). Older kernels accept it when the bytes they do not know are zero. */
export const PERF_ATTR_SIZE = 136;

/** struct perf_event_attr (unions under their first name: `sample_period`/`sample_freq`, `wakeup_events`/`wakeup_watermark`, `config1`/`bp_addr`/`kprobe_func`/`uprobe_path`, `config2`/`bp_len`/`kprobe_addr`/`probe_offset`). */
export const PerfEventAttr = new Layout('perf_event_attr', PERF_ATTR_SIZE, {
  type: u32(0),
  size: u32(4),
  config: u64(8),
  sample_period: u64(16),
  sample_type: u64(24),
  read_format: u64(32),
  flags: u64(40),
  wakeup_events: u32(48),
  bp_type: u32(52),
  config1: u64(56),
  /** `config1` holding a pointer (`uprobe_path`, `kprobe_func`): a buffer whose address is written. */
  config1_ptr: ptr(56),
  config2: u64(64),
  branch_sample_type: u64(72),
  sample_regs_user: u64(80),
  sample_stack_user: u32(88),
  clockid: u32(92),
  sample_regs_intr: u64(96),
  aux_watermark: u32(104),
  aux_sample_size: u32(112),
  sig_data: u64(120),
  config3: u64(128),
});

/** Bits of the `flags` word (offset 40) of perf_event_attr. */
export const PerfAttrFlag = {
  Disabled: 1n << 0n,
  Inherit: 1n << 1n,
  Pinned: 1n << 2n,
  Exclusive: 1n << 3n,
  ExcludeUser: 1n << 4n,
  ExcludeKernel: 1n << 5n,
  ExcludeHv: 1n << 6n,
  ExcludeIdle: 1n << 7n,
  Mmap: 1n << 8n,
  Comm: 1n << 9n,
  Freq: 1n << 10n,
  InheritStat: 1n << 11n,
  EnableOnExec: 1n << 12n,
  Task: 1n << 13n,
  /** `wakeup_watermark` (bytes) instead of `wakeup_events` decides when to wake readers. */
  Watermark: 1n << 14n,
  SampleIdAll: 1n << 18n,
  WriteBackward: 1n << 27n,
} as const;

/** PERF_TYPE_* (`perf_event_attr.type`). */
export const PerfType = {
  Hardware: 0,
  Software: 1,
  Tracepoint: 2,
  HwCache: 3,
  Raw: 4,
  Breakpoint: 5,
} as const;

/** PERF_COUNT_SW_BPF_OUTPUT: the software event bpf_perf_event_output() writes to. */
export const PERF_COUNT_SW_BPF_OUTPUT = 10;
/** PERF_SAMPLE_RAW. */
export const PERF_SAMPLE_RAW = 1n << 10n;
/** PERF_FLAG_FD_CLOEXEC (perf_event_open flags). */
export const PERF_FLAG_FD_CLOEXEC = 8;
/** PERF_EVENT_IOC_ENABLE = _IO('$', 0). */
export const PERF_EVENT_IOC_ENABLE = 0x2400;
/** PERF_EVENT_IOC_DISABLE = _IO('$', 1). */
export const PERF_EVENT_IOC_DISABLE = 0x2401;

/** PERF_RECORD_* (`perf_event_header.type`). */
export const PerfRecordType = {
  Lost: 2,
  Sample: 9,
} as const;

/** Offsets in `struct perf_event_mmap_page`, the first page of a perf mapping. */
export const PerfMmapPage = {
  /** u64 data_head: where the kernel will write next (read with acquire ordering). */
  dataHead: 1024,
  /** u64 data_tail: how far user space has read (written with release ordering). */
  dataTail: 1032,
  /** u64 data_offset: where the data area starts in the mapping (Linux 4.1+; 0 before). */
  dataOffset: 1040,
  /** u64 data_size: the data area's size (Linux 4.1+; 0 before). */
  dataSize: 1048,
} as const;
