/**
 * MapSpec: the plain-data description of a BPF map, before it exists in the kernel.
 */
import type { MapType } from '../types.js';

/** How a map is pinned when loaded from a collection (`LIBBPF_PIN_BY_NAME` in C). */
export type PinType = 'none' | 'by-name';

/**
 * Everything needed to create a map with BPF_MAP_CREATE; plain, serialisable data.
 *
 * Loading a {@link MapSpec} gives a {@link BpfMap} that owns an fd.
 */
export interface MapSpec {
  /** The map's name; the kernel keeps the first 15 characters (BPF_OBJ_NAME_LEN - 1). */
  name: string;
  /** The map type (`MapType.Hash`, ...). */
  type: MapType | number;
  /** Key size in bytes (0 for queue, stack, bloom filter, ring buffer). */
  keySize: number;
  /** Value size in bytes; for per-CPU maps the size of one CPU's value. */
  valueSize: number;
  /** Maximum number of entries; for ring buffers the size in bytes (a power of two, page multiple). */
  maxEntries: number;
  /** `map_flags`: BPF_F_NO_PREALLOC, BPF_F_RDONLY_PROG, BPF_F_MMAPABLE, ... */
  flags?: number;
  /** Inner map template for array/hash of maps. */
  innerMap?: MapSpec;
  /** Pinning mode (collections only). */
  pinning?: PinType;
  /** NUMA node (with BPF_F_NUMA_NODE). */
  numaNode?: number;
  /** `map_extra`: the bloom filter's hash count, the arena's start address. */
  mapExtra?: bigint;
  /** BTF object fd describing key and value (set by the loader). */
  btfFd?: number;
  /** BTF type id of the key (0 when absent). */
  btfKeyTypeId?: number;
  /** BTF type id of the value (0 when absent). */
  btfValueTypeId?: number;
  /** `btf_vmlinux_value_type_id`: for struct_ops maps, the id in kernel BTF of the value struct (`struct bpf_struct_ops_<name>`). */
  btfVmlinuxValueTypeId?: number;
  /** Initial contents, written right after creation (used for `.data`/`.rodata`). */
  contents?: Array<{ key: Uint8Array; value: Uint8Array }>;
  /** Freeze the map after writing contents (set for `.rodata`). */
  freeze?: boolean;
}
