/**
 * tsbpf: the eBPF toolkit for TypeScript on Node.js.
 *
 * - {@link loadCollection} loads a clang-compiled BPF object: maps, programs and global variables.
 * - {@link BpfMap} is a live map with typed keys and values; {@link BpfMap.count} says exactly how
 *   many elements it holds, and {@link HostMaps} does so for every map on the host.
 * - {@link Program} loads (from ELF or from `tsbpf/asm`), test-runs and attaches programs
 *   (`tsbpf/link`); events are read with `tsbpf/ringbuf` and `tsbpf/perf`.
 *
 * Lifetimes: every map, program, link and reader owns its fds; close it, or declare it with
 * `using`. Closing a {@link Collection} closes everything in it. Map and program operations are
 * synchronous system calls; waiting for events is asynchronous.
 *
 * Kernel documentation: https://docs.kernel.org/bpf/
 */
export { BpfMap, MapFlags, mustLookup } from './map/map.js';
export type { UpdateFlag, UpdateOptions, LookupOptions, MapCodecs, BatchCursor } from './map/map.js';
export type { MapSpec, PinType } from './spec/map.js';
export type { MapInfo } from './map/info.js';
export { MapType, ProgramType, AttachType, mapTypeName, mapTypeShortName, programTypeName, programTypeShortName, attachTypeName, isPerCpuType, isArrayType } from './types.js';
export { u8, u16, u32, i32, u64, i64, u32be, bytes, perCpu, possibleCpus, isPerCpuCodec } from './codec/codec.js';
export type { Codec, CodecType, PerCpuCodec } from './codec/codec.js';
export {
  SyscallError,
  PermissionError,
  KeyExistsError,
  KeyNotFoundError,
  MapFullError,
  InvalidArgumentError,
  NotSupportedError,
  ClosedError,
  SizeError,
  IterationAbortedError,
} from './sys/errors.js';
export { ensureBpffs, isBpffs } from './sys/bpffs.js';
export { Program, UnresolvedReferenceError } from './prog/program.js';
export type { ProgramLoadSpec, ProgramLoadOptions, ProgramInfo, TestRunOptions, TestRunResult, MapFdSource } from './prog/program.js';
export { VerifierError, BtfLoadError } from './prog/verifier-error.js';
export type { FormatLogOptions } from './prog/verifier-error.js';
export { BtfObject } from './prog/btf-object.js';
export type { BtfObjectInfo, BtfLoadOptions } from './prog/btf-object.js';
export { countMap, methodsFor, autoMethod } from './count/count.js';
export type { CountMethod, CountOptions, CountResult } from './count/count.js';
export { HostMaps, summarize, summarise } from './host/host-maps.js';
export type { MapSummary, HostMapsOptions, ScanOptions, ScanSource } from './host/host-maps.js';
export { mapIds } from './map/info.js';
export { loadCollection } from './collection/load.js';
export type { CollectionOptions } from './collection/load.js';
export { Collection } from './collection/collection.js';
export { encodeConstant } from './collection/constants.js';
export type { ConstantValue } from './collection/constants.js';
export { scanPrograms, programIds } from './host/host-programs.js';
export type { ProgramSummary, ProgramScanOptions } from './host/host-programs.js';
export { GrowthWindow, secondsToFull, programRate } from './host/rates.js';
export type { GrowthWindowOptions, MapGrowth, RunCounters, ProgramRate } from './host/rates.js';
export { RunStats, enableRunStats, runStatsActive, runStatsSysctl, RUN_STATS_SYSCTL } from './prog/run-stats.js';
export { loadCollectionSpec } from './elf/index.js';
export type { CollectionSpec, ProgramSpec, VariableSpec, ExternSpec } from './spec/index.js';
export { Variable } from './collection/variable.js';
export { StructOps } from './collection/struct-ops.js';
export { StructOpsError } from './collection/struct-ops-error.js';
export type { StructOpsSpec, StructOpsProgramSlot, StructOpsDataMember } from './spec/index.js';
export type { VariableValue } from './collection/variable.js';
export { defaultTestData } from './prog/program.js';
export * as codecHelpers from './codec/helpers.js';
export { findObjectFile, ObjectFileNotFoundError } from './gen/object-file.js';
