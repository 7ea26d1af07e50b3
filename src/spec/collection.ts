/**
 * CollectionSpec, ProgramSpec and VariableSpec: the plain-data description of a BPF object file
 * (its programs, maps, global variables and BTF), before anything exists in the kernel.
 *
 * `loadCollectionSpec()` in `src/elf` produces one from a clang `-target bpf` object; loading it
 * gives a `Collection` of live objects. Everything here is data: no fds, no kernel state.
 */
import type { Spec } from '../btf/index.js';
import type { MapSpec } from './map.js';
import type { ProgramSpec } from './program.js';
import type { StructOpsSpec } from './struct-ops.js';

/** A global variable: a range of bytes in the value of a data section map. */
export interface VariableSpec {
  /** The C identifier. */
  name: string;
  /** The map holding it: `.data`, `.bss`, `.rodata`, `.data.foo`, `.kconfig`... */
  mapName: string;
  /** Byte offset in the map value. */
  offset: number;
  /** Size in bytes. */
  size: number;
  /** BTF id of the variable's type (0 without BTF). */
  typeId: number;
  /** The variable is read-only for programs (`.rodata*`, `.kconfig`): set it before loading. */
  constant: boolean;
  /** Declared `static` in C (hidden from skeletons by libbpf). */
  isStatic: boolean;
}

/** A kernel symbol an object refers to but does not define (`__ksym`, `__kconfig`, kfuncs). */
export interface ExternSpec {
  /** The symbol name. */
  name: string;
  /**
   * `kfunc`: a kernel function called with BPF_PSEUDO_KFUNC_CALL, resolved by name in vmlinux BTF.
   * `ksym`: a kernel variable loaded with BPF_PSEUDO_BTF_ID, resolved by name in vmlinux BTF.
   * `kconfig`: a kernel config value placed in the `.kconfig` map at {@link offset}.
   */
  kind: 'kfunc' | 'ksym' | 'kconfig';
  /** Declared `__weak`: the program loads even if the kernel lacks it. */
  weak: boolean;
  /** For `kconfig`: byte offset in the `.kconfig` map value. */
  offset?: number;
  /** For `kconfig`: size in bytes. */
  size?: number;
  /** BTF id of the declaration's type (FUNC for kfuncs, VAR's type otherwise), 0 if unknown. */
  typeId: number;
}

/** Static initialisation of an outer map (map-in-map or prog array) slot from `.rel.maps`. */
export interface MapSlotInit {
  /** Index (key) of the slot. */
  index: number;
  /** The map (for map-in-map) or program (for prog arrays) to store there. */
  target: string;
}

/** Everything in one BPF object file, as plain data. */
export interface CollectionSpec {
  /** Maps by name: the C identifier of each `.maps` variable, and `.data`, `.rodata`, `.bss`... for globals. */
  maps: Record<string, MapSpec>;
  /** Programs by C function name. */
  programs: Record<string, ProgramSpec>;
  /** Global variables by C identifier. */
  variables: Record<string, VariableSpec>;
  /** External kernel symbols by name. */
  externs: Record<string, ExternSpec>;
  /** Statically initialised slots of outer maps, by outer map name. */
  mapSlots: Record<string, MapSlotInit[]>;
  /** struct_ops maps (`.struct_ops` and `.struct_ops.link` variables) by variable name; absent or empty when there are none. */
  structOps?: Record<string, StructOpsSpec>;
  /** The object's BTF, fixed up so BPF_BTF_LOAD accepts it (DATASEC sizes, VAR offsets, externs). */
  btf?: Spec;
  /** The same fixed-up BTF as raw bytes, ready for BPF_BTF_LOAD. */
  btfBytes?: Uint8Array;
  /** The raw `.BTF.ext` section. */
  btfExt?: Uint8Array;
  /** The object's license (`license` section), '' when absent. */
  license: string;
  /** The object's `version` section, 0 when absent. */
  kernelVersion: number;
}
