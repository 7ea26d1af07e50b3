/**
 * Attach loaded programs to kernel hooks, as cilium/ebpf's `link` package does.
 *
 * Each attach function is named after its hook and takes the program, with options last:
 *
 * | hook | function | kernel mechanism |
 * |---|---|---|
 * | tracepoint `<group>/<name>` | {@link attachTracepoint} | perf_event_open(PERF_TYPE_TRACEPOINT) + perf link |
 * | raw tracepoint | {@link attachRawTracepoint} | BPF_RAW_TRACEPOINT_OPEN |
 * | fentry, fexit, fmod_ret, tp_btf, lsm | {@link attachTracing}, {@link attachLsm} | BPF_LINK_CREATE (target fixed at load: {@link resolveAttachTarget}) |
 * | kprobe, kretprobe | {@link attachKprobe}, {@link attachKretprobe} | kprobe PMU + perf link |
 * | uprobe, uretprobe | {@link attachUprobe}, {@link attachUretprobe}, {@link attachUprobeMulti} | uprobe PMU + perf link; uprobe_multi link |
 * | USDT probe (`<sys/sdt.h>`) | {@link attachUsdt}, {@link listUsdtProbes} | uprobes with `ref_ctr_offset` + usdt.bpf.h spec maps |
 * | socket | {@link attachSocketFilter} | setsockopt(SO_ATTACH_BPF) |
 * | XDP | {@link attachXdp} | XDP link |
 * | tc | {@link attachTcx} | tcx link (Linux 6.6) |
 * | cgroup | {@link attachCgroup} | cgroup link |
 * | iterator | {@link attachIter} → {@link IterLink.open} | iter link + BPF_ITER_CREATE |
 * | struct_ops map (`.struct_ops.link`) | {@link attachStructOps} | struct_ops link; {@link StructOpsLink.update} swaps the map |
 * | from the section name | {@link attachProgram} | any of the above |
 *
 * Every attach function returns a {@link Link}. **Lifetime**: the link owns its fds; `close()`
 * (or a `using` declaration) detaches the program, and so does garbage collection of a forgotten
 * link, so keep a reference for as long as the program should stay attached. A link
 * {@link Link.pin | pinned} on bpffs stays attached after the process exits, until the pin is
 * removed; {@link Link.fromPinned} opens it again. `close()` is idempotent; other methods throw
 * `ClosedError` afterwards. When an attach fails, every fd it opened is closed before the error
 * is thrown.
 *
 * Socket filters and perf events attached by ioctl (kernels before 5.15) are not kernel links:
 * their `isBpfLink` is false and they cannot be pinned or updated.
 *
 * Errors: `SyscallError` subclasses from the kernel (`PermissionError`, `InvalidArgumentError`,
 * `NotSupportedError`…), {@link MissingFeatureError} (a `NotSupportedError`) when the kernel lacks
 * the mechanism (e.g. built without kprobes), {@link AttachTargetNotFoundError} when the
 * tracepoint, binary, interface or cgroup does not exist, {@link ElfSymbolError} for a uprobe
 * symbol that cannot be found.
 *
 * Kernel documentation: https://docs.kernel.org/bpf/ (program types and their attach points),
 * https://docs.kernel.org/trace/tracepoints.html, https://docs.kernel.org/trace/uprobetracer.html.
 *
 * @example
 * import { attachTracepoint } from 'tsbpf/link';
 * using link = attachTracepoint('syscalls', 'sys_enter_openat', prog);
 * console.log(link.info()); // { id, type: LinkType.PerfEvent, typeName: 'perf_event', programId, perfEvent: { kind: 'tracepoint', name: 'sys_enter_openat', ... } }
 *
 * @module
 */
export { Link, FdLink, type LinkKind, type LinkUpdateOptions } from './link.js';
export type { LinkInfo } from './info.js';
export { LinkType, linkTypeName, type PerfEventKind } from './link-type.js';
export type { ProgramLike } from './program.js';
export { MissingFeatureError, AttachTargetNotFoundError, ElfSymbolError } from './errors.js';
export { attachTracepoint, type TracepointOptions } from './tracepoint.js';
export { attachRawTracepoint, RawTracepointLink, type RawTracepointOptions } from './raw-tracepoint.js';
export { attachTracing, attachLsm, TracingLink, type TracingOptions } from './tracing.js';
export { resolveAttachTarget, attachTargetBtfName, type AttachTarget, type ResolveAttachTargetOptions } from './attach-target.js';
export { attachKprobe, attachKretprobe, haveKprobes, type KprobeOptions } from './kprobe.js';
export { attachUprobe, attachUretprobe, type UprobeOptions } from './uprobe.js';
export { attachUsdt, UsdtLink, kernelHasBpfCookie, parseUsdtTarget, type UsdtOptions } from './usdt.js';
export { listUsdtProbes, type UsdtProbe } from './usdt-probes.js';
export { parseUsdtArgs, ptRegsOffsets, UsdtArgError, type UsdtArg, type UsdtArgLocation } from './usdt-args.js';
export { encodeUsdtSpec, USDT_SPEC_SIZE, UsdtArgType } from './usdt-spec.js';
export { USDT_SPECS_MAP, USDT_IP_MAP, type UsdtMapOptions, type UsdtMapSource } from './usdt-maps.js';
export { attachUprobeMulti, UprobeMultiLink, type UprobeMultiOptions } from './uprobe-multi.js';
export { PerfEventLink, PerfEventIoctlAttachment, type PerfAttachOptions } from './perf-event.js';
export { attachSocketFilter, SocketFilterAttachment } from './socket-filter.js';
export { attachXdp, XdpLink, type XdpMode, type XdpOptions } from './xdp.js';
export { attachTcx, TcxLink, type TcxOptions } from './tcx.js';
export { attachCgroup, CgroupLink } from './cgroup.js';
export { attachStructOps, StructOpsLink, StructOpsRegistration, type StructOpsMapLike } from './struct-ops.js';
export { attachIter, IterLink, BpfIter, type IterOptions, type CgroupIterOrder } from './iter.js';
export { attachProgram, type AttachProgramOptions } from './attach.js';
export { ElfSymbolFile, symbolFileOffset, withElfFile, bufferSource, type ElfSymbol, type ByteSource } from './elf-symbols.js';
export { tracefsRoot, tracepointId } from './tracefs.js';
