/**
 * BTF-style map definitions: each map in the `.maps` section is a VAR whose type is a struct of
 * pointer members written with libbpf's macros:
 *
 * - `__uint(name, val)` is `int (*name)[val]`: a pointer to an array of `val` elements;
 * - `__ulong(name, val)` is an anonymous enum member with the single value `val`;
 * - `__type(name, T)` is `T *name`: a pointer to the key or value type;
 * - `__array(values, T)` is `typeof(T) *values[]`: a zero-length array of pointers to the inner
 *   map definition (map-in-map) or to a function prototype (prog arrays).
 */
import { MapType } from '../types.js';
import type { MapSpec, PinType } from '../spec/map.js';
import { BtfError, resolveType, sizeof, type Spec, type Type } from './btf-adapter.js';
import { ElfParseError } from './errors.js';

/** `LIBBPF_PIN_BY_NAME`. */
const PIN_BY_NAME = 1;

/** A parsed map definition plus where its `values` member sits, for slot initialisation. */
export interface BtfMapDef {
  spec: MapSpec;
  /** Byte offset of the `values` member within the definition struct, if present. */
  valuesOffset?: number;
  /** `values` points at function prototypes: a prog array initialised with programs. */
  valuesArePrograms: boolean;
}

function err(map: string, msg: string, cause?: unknown): ElfParseError {
  return new ElfParseError(`elf: map ${map}: ${msg}`, '.maps', cause === undefined ? undefined : { cause });
}

/** Runs a BTF walk for field `what` of map `map`, reporting its failure as an ELF error. */
function walk<T>(map: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof BtfError) throw err(map, `${what}: ${e.message}`, e);
    throw e;
  }
}

function resolve(btf: Spec, map: string, field: string, id: number): Type {
  return walk(map, `field ${field}`, () => resolveType(btf, id));
}

/** Reads `__uint(name, val)` (pointer to array) or `__ulong(name, val)` (single-value enum). */
function uintField(btf: Spec, map: string, field: string, typeId: number): bigint {
  const t = resolve(btf, map, field, typeId);
  if (t.kind === 'ptr') {
    const arr = resolve(btf, map, field, t.type);
    if (arr.kind !== 'array') throw err(map, `field ${field}: not a pointer to an array (use __uint)`);
    return BigInt(arr.nelems);
  }
  if (t.kind === 'enum' || t.kind === 'enum64') {
    if (t.values.length !== 1) throw err(map, `field ${field}: enum with ${t.values.length} values (use __ulong)`);
    // A 64-bit value is read as unsigned whatever the signedness flag says (map_extra is a u64).
    const v = t.values[0].value;
    return t.kind === 'enum' ? BigInt(v) : BigInt.asUintN(64, BigInt(v));
  }
  throw err(map, `field ${field}: unexpected type kind ${t.kind} (use __uint)`);
}

function u32(map: string, field: string, v: bigint): number {
  if (v < 0n || v > 0xffffffffn) throw err(map, `field ${field}: value ${v} does not fit in 32 bits`);
  return Number(v);
}

/**
 * Parses the map definition struct `typeId` of the map named `name`.
 *
 * @param depth nesting level (an inner map definition may not itself hold inner maps)
 * @throws {ElfParseError} on an unknown field, a malformed field, or conflicting sizes
 */
export function parseMapDef(btf: Spec, name: string, typeId: number, depth = 0): BtfMapDef {
  const st = walk(name, 'definition', () => resolveType(btf, typeId));
  if (st.kind !== 'struct') throw err(name, `definition is not a struct (type ${typeId})`);
  const spec: MapSpec = { name, type: MapType.Unspec, keySize: 0, valueSize: 0, maxEntries: 0 };
  let keySize: number | undefined;
  let valueSize: number | undefined;
  const out: BtfMapDef = { spec, valuesArePrograms: false };
  for (const m of st.members) {
    switch (m.name) {
      case 'type':
        spec.type = u32(name, m.name, uintField(btf, name, m.name, m.type));
        break;
      case 'max_entries':
        spec.maxEntries = u32(name, m.name, uintField(btf, name, m.name, m.type));
        break;
      case 'map_flags':
        spec.flags = u32(name, m.name, uintField(btf, name, m.name, m.type));
        break;
      case 'numa_node':
        spec.numaNode = u32(name, m.name, uintField(btf, name, m.name, m.type));
        break;
      case 'map_extra':
        spec.mapExtra = BigInt.asUintN(64, uintField(btf, name, m.name, m.type));
        break;
      case 'key_size':
        keySize = u32(name, m.name, uintField(btf, name, m.name, m.type));
        break;
      case 'value_size':
        valueSize = u32(name, m.name, uintField(btf, name, m.name, m.type));
        break;
      case 'pinning': {
        const v = uintField(btf, name, m.name, m.type);
        if (v !== 0n && v !== BigInt(PIN_BY_NAME)) throw err(name, `field pinning: unsupported value ${v}`);
        spec.pinning = (v === 0n ? 'none' : 'by-name') satisfies PinType;
        break;
      }
      case 'key':
      case 'value': {
        const p = resolve(btf, name, m.name, m.type);
        if (p.kind !== 'ptr') throw err(name, `field ${m.name}: not a pointer (use __type)`);
        const size = walk(name, `field ${m.name}`, () => sizeof(btf, p.type));
        if (m.name === 'key') {
          spec.keySize = size;
          spec.btfKeyTypeId = p.type;
        } else {
          spec.valueSize = size;
          spec.btfValueTypeId = p.type;
        }
        break;
      }
      case 'values': {
        const arr = resolve(btf, name, m.name, m.type);
        if (arr.kind !== 'array') throw err(name, 'field values: not an array (use __array)');
        if (arr.nelems !== 0) throw err(name, `field values: array has ${arr.nelems} elements, want a flexible array`);
        const p = resolve(btf, name, m.name, arr.type);
        if (p.kind !== 'ptr') throw err(name, 'field values: elements are not pointers');
        const target = resolve(btf, name, m.name, p.type);
        out.valuesOffset = m.bitOffset / 8;
        if (target.kind === 'func_proto') {
          out.valuesArePrograms = true;
        } else if (target.kind === 'struct') {
          if (depth > 0) throw err(name, 'field values: inner map definitions cannot nest');
          spec.innerMap = parseMapDef(btf, `${name}.inner`, target.id, depth + 1).spec;
        } else {
          throw err(name, `field values: pointer to unexpected type kind ${target.kind}`);
        }
        valueSize ??= 4;
        break;
      }
      default:
        throw err(name, `unknown field ${JSON.stringify(m.name)}`);
    }
  }
  if (keySize !== undefined) {
    if (spec.btfKeyTypeId !== undefined && spec.keySize !== keySize) {
      throw err(name, `key_size ${keySize} conflicts with the key type's size ${spec.keySize}`);
    }
    spec.keySize = keySize;
  }
  if (valueSize !== undefined) {
    if (spec.btfValueTypeId !== undefined && spec.valueSize !== valueSize) {
      throw err(name, `value_size ${valueSize} conflicts with the value type's size ${spec.valueSize}`);
    }
    spec.valueSize = valueSize;
  }
  return out;
}
