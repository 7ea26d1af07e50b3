/**
 * MapInfo: what the kernel reports about a map (BPF_OBJ_GET_INFO_BY_FD).
 */
import { readFileSync } from 'node:fs';
import { Cmd } from '../sys/enums.gen.js';
import { MapInfo as MapInfoLayout, GetIdAttr } from '../sys/attrs.js';
import { objInfo, retError } from '../sys/syscall.js';
import { native } from '../sys/native.js';
import { Errno } from '../sys/errno.js';
import type { MapType } from '../types.js';

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
  /** Kernel memory charged to the map in bytes (`memlock` in /proc/self/fdinfo), 0 when unknown. */
  memlock: number;
  /** Whether the map was frozen (BPF_MAP_FREEZE), from fdinfo. */
  frozen: boolean;
}

/** Reads `memlock` and `frozen` of a BPF object fd from /proc/self/fdinfo. */
export function readFdInfo(fd: number): { memlock: number; frozen: boolean } {
  try {
    const text = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    const memlock = /^memlock:\s*(\d+)/m.exec(text);
    const frozen = /^frozen:\s*(\d+)/m.exec(text);
    return { memlock: memlock ? Number(memlock[1]) : 0, frozen: frozen ? frozen[1] !== '0' : false };
  } catch {
    return { memlock: 0, frozen: false };
  }
}

/** Reads the info of the map behind a raw fd; `context` starts error messages. */
export function readMapInfo(fd: number, context: string): MapInfo {
  const buf = objInfo(fd, MapInfoLayout.encode({}), context);
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
    ...readFdInfo(fd),
  };
}


/**
 * The ids of every BPF map on the host, in increasing order (BPF_MAP_GET_NEXT_ID).
 * Maps created or freed during the walk may or may not appear.
 */
export function* mapIds(): Generator<number, void, undefined> {
  let id = 0;
  const attr = new Uint8Array(GetIdAttr.size);
  const view = new DataView(attr.buffer);
  for (;;) {
    view.setUint32(0, id, true);
    view.setUint32(4, 0, true);
    const r = native().bpfRet(Cmd.BPF_MAP_GET_NEXT_ID, attr);
    if (r === -Errno.ENOENT) return;
    if (r < 0) throw retError(Cmd.BPF_MAP_GET_NEXT_ID, r, 'maps: list ids');
    id = view.getUint32(4, true);
    yield id;
  }
}
