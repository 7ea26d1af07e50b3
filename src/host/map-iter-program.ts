/**
 * The host scan's `iter/bpf_map` program, written with tsbpf's own assembler: for every map in
 * the kernel it writes one fixed-size record (id, type, sizes, flags, name, and the kernel's
 * element counter summed by the kfunc `bpf_map_sum_elem_count`) with `bpf_seq_write`. Field
 * offsets of `struct bpf_map` come from the running kernel's BTF, never from constants here.
 */
import { endianness } from 'node:os';
import { Assembler, R0, R1, R2, R3, R6, R7, R8, R9, R10, type Instruction } from '../asm/index.js';
import { findMember, sizeof, type Spec } from '../btf/index.js';

/** Where the fields the scan reads live in `struct bpf_map`, in bytes, from kernel BTF. */
export interface BpfMapOffsets {
  id: number;
  mapType: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  mapFlags: number;
  name: number;
  /** `s64 __percpu *elem_count`: non-null when the map keeps the kernel's element counter (6.6+). */
  elemCount: number;
}

/** Why the kernel's BTF cannot drive the scan program (a missing or resized member). */
export class MapLayoutError extends Error {}
MapLayoutError.prototype.name = 'MapLayoutError';

const MEMBERS: Array<[keyof BpfMapOffsets, string, number]> = [
  ['id', 'id', 4],
  ['mapType', 'map_type', 4],
  ['keySize', 'key_size', 4],
  ['valueSize', 'value_size', 4],
  ['maxEntries', 'max_entries', 4],
  ['mapFlags', 'map_flags', 4],
  ['name', 'name', 16],
  ['elemCount', 'elem_count', 8],
];

/**
 * Reads the offsets of the scanned members of `struct bpf_map` from kernel BTF, checking each
 * member's size.
 * @throws {MapLayoutError} when a member is missing (e.g. `elem_count` before Linux 6.6) or has another size.
 */
export function bpfMapOffsets(spec: Spec): BpfMapOffsets {
  const struct = spec.anyTypeByName('bpf_map', 'struct');
  if (!struct) throw new MapLayoutError('map scan: kernel BTF has no struct bpf_map');
  const out = {} as BpfMapOffsets;
  for (const [key, member, size] of MEMBERS) {
    const m = findMember(spec, struct.id, member);
    if (!m) throw new MapLayoutError(`map scan: struct bpf_map has no member ${member} in kernel BTF`);
    const got = sizeof(spec, m.member.type);
    if (got !== size || m.isBitfield) throw new MapLayoutError(`map scan: struct bpf_map member ${member} is ${got} bytes, expected ${size}`);
    out[key] = m.byteOffset;
  }
  return out;
}

/** Size in bytes of one record the program writes. */
export const MAP_RECORD_SIZE = 64;

/** Record flag: the map keeps the kernel's element counter, and `count` is its sum. */
export const RECORD_HAS_COUNTER = 1;

/** One map as the iterator saw it. */
export interface MapRecord {
  /** Kernel-wide id. */
  id: number;
  /** Map type number. */
  type: number;
  /** Key size in bytes. */
  keySize: number;
  /** Value size in bytes. */
  valueSize: number;
  /** `max_entries`. */
  maxEntries: number;
  /** `map_flags`. */
  flags: number;
  /** The name the kernel keeps. */
  name: string;
  /** The kernel's element counter summed over CPUs, or null when the map keeps none. */
  count: number | null;
  /** Time the kfunc took in the kernel, in ns, or null when not counted. */
  countNs: number | null;
}

// Record layout, as offsets from the record's start (the program builds it at fp-64).
const OFF = { id: 0, type: 4, keySize: 8, valueSize: 12, maxEntries: 16, flags: 20, name: 24, count: 40, ns: 48, rflags: 56 } as const;

/**
 * The program: `if (!ctx->map) return 0;` then one {@link MAP_RECORD_SIZE}-byte record built on
 * the stack and written with `bpf_seq_write(ctx->meta->seq, rec, 64)`. The count is
 * `bpf_map_sum_elem_count(map)` (a trusted-pointer kfunc), called only when `map->elem_count` is
 * set, and timed with `bpf_ktime_get_ns`.
 */
export function mapIterProgram(o: BpfMapOffsets): Instruction[] {
  const rec = -MAP_RECORD_SIZE;
  const at = (field: keyof typeof OFF): number => rec + OFF[field];
  const a = new Assembler()
    .ldxdw(R6, R1, 0) // ctx->meta
    .ldxdw(R7, R1, 8) // ctx->map (trusted, may be NULL at the end of the walk)
    .jeq(R7, 0, 'out');
  for (const [field, off] of [
    ['id', o.id],
    ['type', o.mapType],
    ['keySize', o.keySize],
    ['valueSize', o.valueSize],
    ['maxEntries', o.maxEntries],
    ['flags', o.mapFlags],
  ] as const) {
    a.ldxw(R1, R7, off).stxw(R10, at(field), R1);
  }
  a.ldxdw(R1, R7, o.name).stxdw(R10, at('name'), R1);
  a.ldxdw(R1, R7, o.name + 8).stxdw(R10, at('name') + 8, R1);
  a.stdw(R10, at('count'), 0).stdw(R10, at('ns'), 0).stdw(R10, at('rflags'), 0);
  a.ldxdw(R8, R7, o.elemCount).jeq(R8, 0, 'write');
  a.call('ktime_get_ns').mov64(R9, R0);
  a.mov64(R1, R7).callKfunc('bpf_map_sum_elem_count').stxdw(R10, at('count'), R0);
  a.call('ktime_get_ns').sub64(R0, R9).stxdw(R10, at('ns'), R0);
  a.stdw(R10, at('rflags'), RECORD_HAS_COUNTER);
  a.label('write')
    .ldxdw(R1, R6, 0) // meta->seq
    .mov64(R2, R10)
    .add64(R2, rec)
    .mov64(R3, MAP_RECORD_SIZE)
    .call('seq_write');
  return a.label('out').mov64(R0, 0).exit().build();
}

const decoder = new TextDecoder();
/** The program writes in the kernel's (this host's) byte order. */
const LE = endianness() === 'LE';

/**
 * Decodes the records of one pass of the iterator (in this host's byte order).
 * @throws {RangeError} when `bytes` is not a whole number of records.
 */
export function decodeMapRecords(bytes: Uint8Array): MapRecord[] {
  if (bytes.length % MAP_RECORD_SIZE !== 0) throw new RangeError(`map scan: iterator output of ${bytes.length} bytes is not a whole number of ${MAP_RECORD_SIZE}-byte records`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: MapRecord[] = [];
  for (let p = 0; p < bytes.length; p += MAP_RECORD_SIZE) {
    const name = bytes.subarray(p + OFF.name, p + OFF.name + 16);
    const end = name.indexOf(0);
    const has = (v.getUint32(p + OFF.rflags, LE) & RECORD_HAS_COUNTER) !== 0;
    out.push({
      id: v.getUint32(p + OFF.id, LE),
      type: v.getUint32(p + OFF.type, LE),
      keySize: v.getUint32(p + OFF.keySize, LE),
      valueSize: v.getUint32(p + OFF.valueSize, LE),
      maxEntries: v.getUint32(p + OFF.maxEntries, LE),
      flags: v.getUint32(p + OFF.flags, LE),
      name: decoder.decode(end < 0 ? name : name.subarray(0, end)),
      count: has ? Number(v.getBigInt64(p + OFF.count, LE)) : null,
      countNs: has ? Number(v.getBigUint64(p + OFF.ns, LE)) : null,
    });
  }
  return out;
}
