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
export { BpfMap, MapFlags, isPerCpuType, isArrayType, sanitizeName, mustLookup } from './map.js';
export type { UpdateFlag, UpdateOptions, LookupOptions, MapCodecs, BatchCursor } from './map.js';
export type { MapSpec, PinType } from './map-spec.js';
export type { MapInfo } from './map-info.js';
export { MapType, ProgramType, AttachType, mapTypeName, mapTypeShortName, programTypeName, attachTypeName } from './types.js';
export { u8, u16, u32, i32, u64, i64, u32be, bytes, perCpu, possibleCpus, isPerCpuCodec } from './codec.js';
export type { Codec, CodecType, PerCpuCodec } from './codec.js';
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
} from './errors.js';
export { ensureBpffs, isBpffs } from './bpffs.js';
export { Program, UnresolvedReferenceError, resolveReferences } from './program.js';
export type { ProgramLoadSpec, ProgramLoadOptions, ProgramInfo, TestRunOptions, TestRunResult, MapFdSource } from './program.js';
export { VerifierError, BtfLoadError } from './verifier-error.js';
export type { FormatLogOptions } from './verifier-error.js';
export { BtfObject } from './btf-object.js';
export type { BtfObjectInfo, BtfLoadOptions } from './btf-object.js';
export { synthesiseFuncInfo } from './func-info-btf.js';
export { countMap, methodsFor, autoMethod } from './count/count.js';
export type { CountMethod, CountOptions, CountResult } from './count/count.js';
export { kernelCounterProgram, forEachCounterProgram, COUNTED_MAP } from './count/programs.js';
export { HostMaps, summarise } from './host-maps.js';
export type { MapSummary } from './host-maps.js';
export { mapIds, readFdInfo } from './map-info.js';
export { loadCollection, Collection, encodeConstant } from './collection.js';
export type { CollectionOptions, ConstantValue } from './collection.js';
export { loadCollectionSpec } from './elf/index.js';
export type { CollectionSpec, ProgramSpec, VariableSpec, ExternSpec } from './collection-spec.js';
export { Variable } from './variable.js';
export type { VariableValue } from './variable.js';
export { defaultTestData } from './program.js';
export * as codecHelpers from './codec-helpers.js';
