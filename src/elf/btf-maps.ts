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
import { ElfParseError } from './errors.js';
import { Kind, type RawBtf, type RawType } from './btf-raw.js';

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

function err(map: string, msg: string): ElfParseError {
  return new ElfParseError(`elf: map ${map}: ${msg}`, '.maps');
}

/** Reads `__uint(name, val)` (pointer to array) or `__ulong(name, val)` (single-value enum). */
function uintField(btf: RawBtf, map: string, field: string, typeId: number): bigint {
  const t = btf.resolve(typeId);
  if (t.kind === Kind.Ptr) {
    const arr = btf.resolve(t.sizeOrType);
    if (arr.kind !== Kind.Array) throw err(map, `field ${field}: not a pointer to an array (use __uint)`);
    return BigInt(btf.array(arr).nelems);
  }
  if (t.kind === Kind.Enum || t.kind === Kind.Enum64) {
    const values = btf.enumValues(t);
    if (values.length !== 1) throw err(map, `field ${field}: enum with ${values.length} values (use __ulong)`);
    return values[0];
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
export function parseMapDef(btf: RawBtf, name: string, typeId: number, depth = 0): BtfMapDef {
  const st: RawType = btf.resolve(typeId);
  if (st.kind !== Kind.Struct) throw err(name, `definition is not a struct (type ${typeId})`);
  const spec: MapSpec = { name, type: MapType.Unspec, keySize: 0, valueSize: 0, maxEntries: 0 };
  let keySize: number | undefined;
  let valueSize: number | undefined;
  const out: BtfMapDef = { spec, valuesArePrograms: false };
  for (const m of btf.members(st)) {
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
        const p = btf.resolve(m.type);
        if (p.kind !== Kind.Ptr) throw err(name, `field ${m.name}: not a pointer (use __type)`);
        const size = btf.sizeof(p.sizeOrType);
        if (m.name === 'key') {
          spec.keySize = size;
          spec.btfKeyTypeId = p.sizeOrType;
        } else {
          spec.valueSize = size;
          spec.btfValueTypeId = p.sizeOrType;
        }
        break;
      }
      case 'values': {
        const arr = btf.resolve(m.type);
        if (arr.kind !== Kind.Array) throw err(name, 'field values: not an array (use __array)');
        const { elemType, nelems } = btf.array(arr);
        if (nelems !== 0) throw err(name, `field values: array has ${nelems} elements, want a flexible array`);
        const p = btf.resolve(elemType);
        if (p.kind !== Kind.Ptr) throw err(name, 'field values: elements are not pointers');
        const target = btf.resolve(p.sizeOrType);
        out.valuesOffset = m.bitOffset / 8;
        if (target.kind === Kind.FuncProto) {
          out.valuesArePrograms = true;
        } else if (target.kind === Kind.Struct) {
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
