/**
 * Reads the ELF objects clang writes for `-target bpf` into a {@link CollectionSpec}: plain data
 * describing every program, map, global variable and extern, plus the object's BTF. Pure
 * TypeScript: no syscalls, no native addon, and the same bytes give the same spec on every
 * machine. Loading the spec into the kernel is the job of `loadCollection`.
 *
 * What the reader does, following libbpf's conventions:
 *
 * - **Programs** are the global functions of every executable section except `.text`, several
 *   per section allowed. The section name says the program type, expected attach type, attach
 *   target and flags (`SEC("tracepoint/syscalls/sys_enter_openat")`, `SEC("fentry.s/f")`...;
 *   see {@link parseSectionName}). An unknown name throws {@link UnknownSectionError}.
 * - **Subprograms** (functions in `.text`, static or global) are appended to each program that
 *   calls them or takes their address (callbacks), transitively and once each; call and
 *   function-reference immediates are fixed to the final layout.
 * - **References** stay symbolic: each instruction the loader must patch carries `reference`
 *   (a map name, a data section map with the offset in `immHi`, a kfunc or ksym name) and the
 *   right pseudo `src` value (`PseudoLd.MapFd`, `PseudoLd.MapValue`, `PseudoCall.KfuncCall`,
 *   `PseudoLd.BtfId`).
 * - **Maps** come from BTF-style definitions in `.maps` (`__uint`, `__type`, `__array`,
 *   map-in-map inner templates, pinning) and from the data sections: `.data`, `.rodata`,
 *   `.bss` and their `.name` variants each become a one-element array map named after the
 *   section, with initial contents, `.rodata` read-only for programs and frozen.
 * - **BTF** is fixed up as libbpf does before BPF_BTF_LOAD: DATASEC sizes and VAR offsets from
 *   the ELF, extern linkage rewritten, `.kconfig` laid out.
 * - **func_info, line_info and CO-RE relocations** from `.BTF.ext` are rebased onto each
 *   program's final instruction list, ready for BPF_PROG_LOAD and the CO-RE pass.
 *
 * Not supported yet: legacy `maps` sections (`struct bpf_map_def`), struct_ops maps
 * (`.struct_ops`), arena maps' special relocations, and linking several objects. The values of
 * `.kconfig` externs come from the running kernel and are filled in by the loader.
 *
 * Errors: every problem with the input is an {@link ElfParseError} (or a `BtfParseError` /
 * `AsmError` from the BTF and instruction decoders), never a crash: offsets, sizes and counts
 * are checked before use. `scripts/fuzz-elf.ts` checks that on mutated objects.
 *
 * Underneath is a generic ELF reader, {@link ElfImage}: header, section headers, string and
 * symbol tables and program headers of any ELF file (ELF32 or ELF64, either byte order, any
 * machine), read through a {@link ByteSource} (bytes in memory, or positioned reads from an fd
 * with {@link fileSource}, so a large binary is not read whole). {@link ElfFile} is that reader
 * restricted to BPF objects; the link module's uprobe symbol lookup uses it on host binaries.
 *
 * Format references: the ELF-64 object file format; the kernel's Documentation/bpf/btf.rst
 * (`.BTF`, `.BTF.ext`) and Documentation/bpf/libbpf/program_types.rst (section names).
 *
 * @example
 * import { loadCollectionSpec } from 'tsbpf/elf';
 * const spec = loadCollectionSpec('count.bpf.o');
 * spec.programs.refresh_count.type;   // ProgramType.SocketFilter
 * spec.maps.my_map.maxEntries;        // 102400
 * spec.variables.filter_pid;          // { mapName: '.rodata', offset: 0, size: 4, constant: true, ... }
 *
 * @module
 */

export { loadCollectionSpec, BPF_F_MMAPABLE, BPF_F_RDONLY_PROG } from './reader.js';
export { ElfParseError, UnknownSectionError } from './errors.js';
export { parseSectionName, knownSectionPatterns, BPF_F_SLEEPABLE, BPF_F_XDP_HAS_FRAGS, type SectionInfo } from './section-names.js';
export {
  ElfFile,
  EM_BPF,
  SectionFlag,
  SectionIndex,
  SectionType,
  SymbolBinding,
  SymbolType,
  type ElfRelocation,
  type ElfSection,
  type ElfSymbol,
} from './elf-file.js';
export {
  ElfImage,
  SegmentType,
  type ElfHeader,
  type ElfImageOptions,
  type ElfSegment,
  type ElfSymbolEntry,
} from './elf-image.js';
export { bufferSource, fileSource, type ByteSource } from './byte-source.js';
export { parseSdtNotes, readSdtNotes, NT_STAPSDT, STAPSDT_OWNER, MAX_SDT_NOTES_BYTES, type SdtNote, type SdtNoteLayout } from './sdt-notes.js';
export {
  encodeFuncInfo,
  encodeLineInfo,
  FUNC_INFO_SIZE,
  LINE_INFO_SIZE,
  type CollectionSpec,
  type CoreRelocation,
  type ExternSpec,
  type FuncInfo,
  type LineInfo,
  type MapSlotInit,
  type ProgramSpec,
  type VariableSpec,
} from '../spec/index.js';
