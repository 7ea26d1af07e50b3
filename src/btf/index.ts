/**
 * BTF (BPF Type Format) for tsbpf, in pure TypeScript: no libbpf, no syscalls.
 *
 * - {@link parseBtf} reads a `.BTF` blob (a clang object's section, `/sys/kernel/btf/vmlinux`,
 *   or a module's split BTF with `{ base }`) into a {@link Spec}. Parsing validates everything up
 *   front and decodes types lazily.
 * - {@link loadKernelSpec} / {@link loadModuleSpec} read the running kernel's BTF once per process,
 *   checking each type when it is first used; vmlinux and its name index are cached on disk
 *   (`$XDG_CACHE_HOME/tsbpf`, `$TSBPF_CACHE_DIR`), so a new process reads one file.
 * - Names: {@link Spec.typesByName} and, for CO-RE candidates, {@link Spec.typesByEssentialName}
 *   use a hash index built in one pass over the records, without decoding them.
 * - {@link parseBtfExt} reads `.BTF.ext`: func_info, line_info and CO-RE relocations per section.
 * - layout: {@link sizeof}, {@link alignof}, {@link skipQualifiers}, {@link memberLayout},
 *   {@link findMember}, matching clang on x86-64 and BPF.
 * - {@link marshalBtf} encodes a (possibly modified) spec back to bytes for `BPF_BTF_LOAD`.
 * - C output: {@link formatCDecl}, {@link formatCDefinition}, {@link formatVmlinuxHeader}.
 * - CO-RE: {@link computeCoreFixups} resolves an object's relocations against kernel BTF and
 *   {@link applyCoreFixup} patches the instructions.
 *
 * Types are plain objects referring to each other by id (see types.ts). Specs and their type
 * objects live as long as you keep them; nothing here holds a file descriptor. Errors are all
 * {@link BtfError} subclasses with typed fields.
 *
 * Kernel documentation: https://docs.kernel.org/bpf/btf.html and
 * https://docs.kernel.org/bpf/llvm_reloc.html (CO-RE relocations).
 */
export * from './errors.js';
export * from './types.js';
export { Spec } from './spec.js';
export type { SpecInit, RawTypes } from './spec.js';
export { StringTable } from './strings.js';
export { parseBtf } from './parse.js';
export type { ParseBtfOptions } from './parse.js';
export { BTF_MAGIC } from './header.js';
export { marshalBtf } from './marshal.js';
export {
  alignof,
  arrayElementSize,
  findMember,
  isPacked,
  memberLayout,
  resolveType,
  sizeof,
  skipQualifiers,
  MAX_RESOLVE_DEPTH,
  POINTER_SIZE,
} from './layout.js';
export type { FoundMember, MemberLayout } from './layout.js';
export { CORE_RELO_KINDS, parseBtfExt } from './ext.js';
export type { BtfExt, CoreRelo, CoreReloKind, FuncInfo, LineInfo } from './ext.js';
export { KERNEL_BTF_DIR, loadKernelSpec, loadModuleSpec, loadSpecFile } from './vmlinux.js';
export { formatCDecl, formatCDefinition, formatCType, formatVmlinuxHeader } from './c-printer.js';
export type { CPrinterOptions, VmlinuxHeaderOptions } from './c-printer.js';
export { computeCoreFixups } from './core.js';
export type { CoreFixup, CoreOptions } from './core.js';
export { applyCoreFixup, applyCoreFixups, CORE_POISON_HELPER } from './core-apply.js';
export { essentialName, typesAreCompat, typesMatch } from './core-compat.js';
