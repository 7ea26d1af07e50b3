import { BtfKind } from './types.js';
import type { StringTable } from './strings.js';
import type {
  Enum64Value,
  EnumValue,
  FuncLinkage,
  FuncParam,
  IntEncoding,
  Member,
  Type,
  VarLinkage,
  VarSecinfo,
} from './types.js';

/** `BTF_KIND_*` numbers used by the raw readers. */
export const K = BtfKind;

/** Highest kind number this parser knows. */
export const MAX_KIND = 19;

/** Size of the fixed `struct btf_type` part. */
export const TYPE_HEADER = 12;

/** Bytes that follow the fixed part for a type of `kind` with `vlen`, or -1 for an unknown kind. */
export function extraSize(kind: number, vlen: number): number {
  switch (kind) {
    case K.Int:
    case K.Var:
    case K.DeclTag:
      return 4;
    case K.Array:
      return 12;
    case K.Struct:
    case K.Union:
    case K.Datasec:
    case K.Enum64:
      return 12 * vlen;
    case K.Enum:
    case K.FuncProto:
      return 8 * vlen;
    case K.Ptr:
    case K.Fwd:
    case K.Typedef:
    case K.Volatile:
    case K.Const:
    case K.Restrict:
    case K.Func:
    case K.Float:
    case K.TypeTag:
      return 0;
    default:
      return -1;
  }
}

/** The int encoding of `BTF_INT_ENCODING` bits, or undefined if the combination is not allowed. */
export function intEncoding(bits: number): IntEncoding | undefined {
  switch (bits) {
    case 0:
      return 'unsigned';
    case 1:
      return 'signed';
    case 2:
      return 'char';
    case 4:
      return 'bool';
    default:
      return undefined;
  }
}

const LINKAGE: readonly (FuncLinkage & VarLinkage)[] = ['static', 'global', 'extern'];

/**
 * Decodes the raw type at byte `off` of `view` into a {@link Type} object.
 *
 * The caller (the parser) has already checked that the record lies inside the type section and
 * that its kind, values, type ids and string offsets are valid, so this never throws.
 */
export function decodeType(view: DataView, off: number, id: number, strings: StringTable): Type {
  const nameOff = view.getUint32(off, true);
  const info = view.getUint32(off + 4, true);
  const st = view.getUint32(off + 8, true);
  const kind = (info >>> 24) & 0x1f;
  const vlen = info & 0xffff;
  const kflag = info >>> 31 === 1;
  const name = nameOff === 0 ? '' : strings.get(nameOff);
  const p = off + TYPE_HEADER;
  switch (kind) {
    case K.Int: {
      const d = view.getUint32(p, true);
      return {
        kind: 'int',
        id,
        name,
        size: st,
        encoding: intEncoding((d >>> 24) & 0xf) ?? 'unsigned',
        offset: (d >>> 16) & 0xff,
        bits: d & 0xff,
      };
    }
    case K.Ptr:
      return { kind: 'ptr', id, name, type: st };
    case K.Array:
      return {
        kind: 'array',
        id,
        name,
        type: view.getUint32(p, true),
        indexType: view.getUint32(p + 4, true),
        nelems: view.getUint32(p + 8, true),
      };
    case K.Struct:
    case K.Union: {
      const members: Member[] = new Array(vlen);
      for (let i = 0, q = p; i < vlen; i++, q += 12) {
        const mn = view.getUint32(q, true);
        const o = view.getUint32(q + 8, true);
        members[i] = {
          name: mn === 0 ? '' : strings.get(mn),
          type: view.getUint32(q + 4, true),
          bitOffset: kflag ? o & 0xffffff : o,
          bitfieldSize: kflag ? o >>> 24 : 0,
        };
      }
      return { kind: kind === K.Struct ? 'struct' : 'union', id, name, size: st, members };
    }
    case K.Enum: {
      const values: EnumValue[] = new Array(vlen);
      for (let i = 0, q = p; i < vlen; i++, q += 8) {
        const vn = view.getUint32(q, true);
        values[i] = {
          name: vn === 0 ? '' : strings.get(vn),
          value: kflag ? view.getInt32(q + 4, true) : view.getUint32(q + 4, true),
        };
      }
      return { kind: 'enum', id, name, size: st, signed: kflag, values };
    }
    case K.Enum64: {
      const values: Enum64Value[] = new Array(vlen);
      for (let i = 0, q = p; i < vlen; i++, q += 12) {
        const vn = view.getUint32(q, true);
        const lo = BigInt(view.getUint32(q + 4, true));
        const hi = BigInt(view.getUint32(q + 8, true));
        const u = (hi << 32n) | lo;
        values[i] = { name: vn === 0 ? '' : strings.get(vn), value: kflag ? BigInt.asIntN(64, u) : u };
      }
      return { kind: 'enum64', id, name, size: st, signed: kflag, values };
    }
    case K.Fwd:
      return { kind: 'fwd', id, name, fwdKind: kflag ? 'union' : 'struct' };
    case K.Typedef:
      return { kind: 'typedef', id, name, type: st };
    case K.Volatile:
      return { kind: 'volatile', id, name, type: st };
    case K.Const:
      return { kind: 'const', id, name, type: st };
    case K.Restrict:
      return { kind: 'restrict', id, name, type: st };
    case K.Func:
      return { kind: 'func', id, name, type: st, linkage: LINKAGE[vlen] ?? 'static' };
    case K.FuncProto: {
      const params: FuncParam[] = [];
      let variadic = false;
      for (let i = 0, q = p; i < vlen; i++, q += 8) {
        const pn = view.getUint32(q, true);
        const pt = view.getUint32(q + 4, true);
        if (i === vlen - 1 && pn === 0 && pt === 0) {
          variadic = true;
          break;
        }
        params.push({ name: pn === 0 ? '' : strings.get(pn), type: pt });
      }
      return { kind: 'func_proto', id, name, returnType: st, params, variadic };
    }
    case K.Var:
      return { kind: 'var', id, name, type: st, linkage: LINKAGE[view.getUint32(p, true)] ?? 'static' };
    case K.Datasec: {
      const vars: VarSecinfo[] = new Array(vlen);
      for (let i = 0, q = p; i < vlen; i++, q += 12) {
        vars[i] = {
          type: view.getUint32(q, true),
          offset: view.getUint32(q + 4, true),
          size: view.getUint32(q + 8, true),
        };
      }
      return { kind: 'datasec', id, name, size: st, vars };
    }
    case K.Float:
      return { kind: 'float', id, name, size: st };
    case K.DeclTag:
      return { kind: 'decl_tag', id, name, type: st, componentIdx: view.getInt32(p, true) };
    case K.TypeTag:
      return { kind: 'type_tag', id, name, type: st };
    default:
      // Unreachable after validation; keep the decoder total anyway.
      return { kind: 'void', id, name };
  }
}
