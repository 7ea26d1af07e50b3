/**
 * MapInfo: what the kernel reports about a map (BPF_OBJ_GET_INFO_BY_FD).
 */
import { Cmd } from './sys/enums.gen.js';
import { MapInfo as MapInfoLayout, ObjInfoAttr } from './sys/attrs.js';
import { bpf } from './sys/syscall.js';
import type { MapType } from './types.js';

/** A map's kernel-side description. */
export interface MapInfo {
  /** Map type number (`MapType.Hash`, ...). */
  type: MapType | number;
  /** Kernel-wide id. */
  id: number;
  /** Key size in bytes. */
  keySize: number;
  /** Value size in bytes (one CPU's share for per-CPU maps). */
  valueSize: number;
  /** Maximum number of entries. */
  maxEntries: number;
  /** `map_flags`. */
  flags: number;
  /** The name the kernel keeps (at most 15 characters). */
  name: string;
  /** BTF object id, 0 without BTF. */
  btfId: number;
  /** BTF type id of the key, 0 without BTF. */
  btfKeyTypeId: number;
  /** BTF type id of the value, 0 without BTF. */
  btfValueTypeId: number;
  /** `map_extra` (bloom filter hash count, arena address). */
  mapExtra: bigint;
}

/** Reads the info of the map behind a raw fd; `context` starts error messages. */
export function readMapInfo(fd: number, context: string): MapInfo {
  const buf = new Uint8Array(MapInfoLayout.size);
  bpf(Cmd.BPF_OBJ_GET_INFO_BY_FD, ObjInfoAttr.encode({ bpf_fd: fd, info_len: buf.length, info: buf }), `${context}: info`);
  return {
    type: MapInfoLayout.u32(buf, 'type'),
    id: MapInfoLayout.u32(buf, 'id'),
    keySize: MapInfoLayout.u32(buf, 'key_size'),
    valueSize: MapInfoLayout.u32(buf, 'value_size'),
    maxEntries: MapInfoLayout.u32(buf, 'max_entries'),
    flags: MapInfoLayout.u32(buf, 'map_flags'),
    name: MapInfoLayout.string(buf, 'name'),
    btfId: MapInfoLayout.u32(buf, 'btf_id'),
    btfKeyTypeId: MapInfoLayout.u32(buf, 'btf_key_type_id'),
    btfValueTypeId: MapInfoLayout.u32(buf, 'btf_value_type_id'),
    mapExtra: MapInfoLayout.u64(buf, 'map_extra'),
  };
}

