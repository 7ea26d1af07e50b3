/**
 * A minimal, byte-preserving view of a `.BTF` blob, for what the ELF reader must do before the
 * BTF is handed to the kernel: fix DATASEC sizes and VAR offsets, rewrite extern linkage, and read
 * BTF-style map definitions.
 *
 * Patches are applied to a copy of the original bytes in place, so every string offset stays
 * valid (line info in `.BTF.ext` points into this string table). New types and strings can only
 * be appended; the blob is laid out as header | types | strings so that appending never moves
 * an existing type record. Full BTF handling (printing, CO-RE) lives in `src/btf`.
 */
import { ElfParseError } from './errors.js';
import { BtfKind } from '../btf/index.js';

/** BTF kinds (`BTF_KIND_*`), from src/btf. */
export const Kind = BtfKind;

/** VAR linkage (`BTF_VAR_*`). */
export const VarLinkage = { Static: 0, GlobalAllocated: 1, GlobalExtern: 2 } as const;
/** FUNC linkage (`BTF_FUNC_*`). */
export const FuncLinkage = { Static: 0, Global: 1, Extern: 2 } as const;

const HEADER_MIN = 24;
const MAX_DEPTH = 32;

/** One type's header, located in the blob. */
export interface RawType {
  /** Type id (1-based; 0 is void). */
  id: number;
  kind: number;
  name: string;
  /** `vlen` (for FUNC: the linkage). */
  vlen: number;
  kindFlag: boolean;
  /** The `size`/`type` union field. */
  sizeOrType: number;
  /** Byte offset of the type record in the blob. */
  offset: number;
}

/** A struct/union member. */
export interface RawMember {
  name: string;
  type: number;
  /** Bit offset (without the bitfield size when kind_flag is set). */
  bitOffset: number;
}

/** A DATASEC entry. */
export interface RawSecInfo {
  type: number;
  offset: number;
  size: number;
  /** Byte offset of this record in the blob (for patching). */
  recordOffset: number;
}

function fail(msg: string): never {
  throw new ElfParseError(`elf: .BTF: ${msg}`, '.BTF');
}

/** Byte-preserving BTF reader with in-place patching. */
export class RawBtf {
  /** The (patched) blob. */
  bytes: Uint8Array;
  private view: DataView;
  private readonly hdrLen: number;
  private typeOff: number;
  private typeLen: number;
  private strOff: number;
  private strLen: number;
  /** Types by id; index 0 is void. */
  readonly types: RawType[] = [];
  private readonly decoder = new TextDecoder();

  /**
   * Indexes the types of `input` (copied, so patches never touch the caller's buffer).
   *
   * @throws {ElfParseError} on a malformed header or type section
   */
  constructor(input: Uint8Array) {
    this.bytes = new Uint8Array(input);
    this.view = new DataView(this.bytes.buffer);
    if (this.bytes.length < HEADER_MIN) fail(`blob truncated (${this.bytes.length} bytes)`);
    const magic = this.view.getUint16(0, true);
    if (magic === 0x9feb) fail('big-endian BTF is not supported');
    if (magic !== 0xeb9f) fail(`bad magic 0x${magic.toString(16)}`);
    this.hdrLen = this.view.getUint32(4, true);
    if (this.hdrLen < HEADER_MIN || this.hdrLen > this.bytes.length) fail(`bad header length ${this.hdrLen}`);
    this.typeOff = this.view.getUint32(8, true);
    this.typeLen = this.view.getUint32(12, true);
    this.strOff = this.view.getUint32(16, true);
    this.strLen = this.view.getUint32(20, true);
    const body = this.bytes.length - this.hdrLen;
    if (this.typeOff > body || this.typeLen > body - this.typeOff) fail('type section past end of blob');
    if (this.strOff > body || this.strLen > body - this.strOff) fail('string section past end of blob');
    this.types.push({ id: 0, kind: Kind.Void, name: '', vlen: 0, kindFlag: false, sizeOrType: 0, offset: -1 });
    let p = this.hdrLen + this.typeOff;
    const end = p + this.typeLen;
    while (p < end) {
      if (end - p < 12) fail(`type ${this.types.length}: truncated`);
      const nameOff = this.view.getUint32(p, true);
      const info = this.view.getUint32(p + 4, true);
      const kind = (info >>> 24) & 0x1f;
      const vlen = info & 0xffff;
      const t: RawType = {
        id: this.types.length,
        kind,
        name: this.str(nameOff),
        vlen,
        kindFlag: info >>> 31 === 1,
        sizeOrType: this.view.getUint32(p + 8, true),
        offset: p,
      };
      const extra = extraSize(kind, vlen);
      if (extra < 0) fail(`type ${t.id}: unknown kind ${kind}`);
      if (end - p - 12 < extra) fail(`type ${t.id}: ${vlen} records run past the type section`);
      this.types.push(t);
      p += 12 + extra;
    }
    // Normalise the layout to header | types | strings, so appending strings or types never
    // moves a type record: offsets taken from this object stay valid across appends.
    if (this.typeOff !== 0 || this.strOff !== this.typeLen || this.hdrLen + this.strOff + this.strLen !== this.bytes.length) {
      this.rebuild(new Uint8Array(0), new Uint8Array(0));
    }
  }

  /** Reads a string at `off` in the string section. */
  str(off: number): string {
    if (off >= this.strLen) {
      if (off === 0) return '';
      fail(`string offset ${off} out of range (${this.strLen} bytes)`);
    }
    const start = this.hdrLen + this.strOff + off;
    const end = this.hdrLen + this.strOff + this.strLen;
    let i = start;
    while (i < end && this.bytes[i] !== 0) i++;
    if (i === end) fail(`unterminated string at offset ${off}`);
    return this.decoder.decode(this.bytes.subarray(start, i));
  }

  /** The type with this id. */
  type(id: number): RawType {
    if (!Number.isInteger(id) || id < 0 || id >= this.types.length) fail(`type id ${id} out of range (${this.types.length - 1} types)`);
    return this.types[id];
  }

  /** Follows typedef/const/volatile/restrict/type_tag to the underlying type. */
  resolve(id: number): RawType {
    let t = this.type(id);
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      if (
        t.kind !== Kind.Typedef &&
        t.kind !== Kind.Const &&
        t.kind !== Kind.Volatile &&
        t.kind !== Kind.Restrict &&
        t.kind !== Kind.TypeTag
      ) {
        return t;
      }
      t = this.type(t.sizeOrType);
    }
    fail(`type ${id}: qualifier chain too long`);
  }

  /** Struct/union members. */
  members(t: RawType): RawMember[] {
    if (t.kind !== Kind.Struct && t.kind !== Kind.Union) fail(`type ${t.id}: not a struct or union`);
    const out: RawMember[] = [];
    for (let i = 0; i < t.vlen; i++) {
      const o = t.offset + 12 + i * 12;
      const off = this.view.getUint32(o + 8, true);
      out.push({
        name: this.str(this.view.getUint32(o, true)),
        type: this.view.getUint32(o + 4, true),
        bitOffset: t.kindFlag ? off & 0xffffff : off,
      });
    }
    return out;
  }

  /** An array's element type and element count. */
  array(t: RawType): { elemType: number; indexType: number; nelems: number } {
    if (t.kind !== Kind.Array) fail(`type ${t.id}: not an array`);
    return {
      elemType: this.view.getUint32(t.offset + 12, true),
      indexType: this.view.getUint32(t.offset + 16, true),
      nelems: this.view.getUint32(t.offset + 20, true),
    };
  }

  /** A DATASEC's entries. */
  secinfos(t: RawType): RawSecInfo[] {
    if (t.kind !== Kind.Datasec) fail(`type ${t.id}: not a datasec`);
    const out: RawSecInfo[] = [];
    for (let i = 0; i < t.vlen; i++) {
      const o = t.offset + 12 + i * 12;
      out.push({
        type: this.view.getUint32(o, true),
        offset: this.view.getUint32(o + 4, true),
        size: this.view.getUint32(o + 8, true),
        recordOffset: o,
      });
    }
    return out;
  }

  /** The values of an ENUM or ENUM64 (as bigint). */
  enumValues(t: RawType): bigint[] {
    const out: bigint[] = [];
    if (t.kind === Kind.Enum) {
      for (let i = 0; i < t.vlen; i++) {
        const v = this.view.getInt32(t.offset + 12 + i * 8 + 4, true);
        out.push(t.kindFlag ? BigInt(v) : BigInt(v >>> 0));
      }
    } else if (t.kind === Kind.Enum64) {
      for (let i = 0; i < t.vlen; i++) {
        const o = t.offset + 12 + i * 12;
        out.push((BigInt(this.view.getUint32(o + 8, true)) << 32n) | BigInt(this.view.getUint32(o + 4, true)));
      }
    } else fail(`type ${t.id}: not an enum`);
    return out;
  }

  /** A VAR's linkage. */
  varLinkage(t: RawType): number {
    if (t.kind !== Kind.Var) fail(`type ${t.id}: not a var`);
    return this.view.getUint32(t.offset + 12, true);
  }

  /** A FUNC_PROTO's parameters (name offset and type), with the record offset for patching. */
  params(t: RawType): Array<{ nameOff: number; type: number; recordOffset: number }> {
    if (t.kind !== Kind.FuncProto) fail(`type ${t.id}: not a func_proto`);
    const out = [];
    for (let i = 0; i < t.vlen; i++) {
      const o = t.offset + 12 + i * 8;
      out.push({ nameOff: this.view.getUint32(o, true), type: this.view.getUint32(o + 4, true), recordOffset: o });
    }
    return out;
  }

  /**
   * The size in bytes of a type, as the compiler laid it out.
   *
   * @throws {ElfParseError} for unsized types (void, func, fwd) or a cycle
   */
  sizeof(id: number): number {
    let mult = 1;
    let t = this.type(id);
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      switch (t.kind) {
        case Kind.Int:
        case Kind.Struct:
        case Kind.Union:
        case Kind.Enum:
        case Kind.Enum64:
        case Kind.Float:
        case Kind.Datasec: {
          const n = mult * t.sizeOrType;
          if (!Number.isSafeInteger(n) || n > 0xffffffff) fail(`type ${id}: size overflows`);
          return n;
        }
        case Kind.Ptr:
          return mult * 8;
        case Kind.Typedef:
        case Kind.Const:
        case Kind.Volatile:
        case Kind.Restrict:
        case Kind.TypeTag:
        case Kind.Var:
          t = this.type(t.sizeOrType);
          continue;
        case Kind.Array: {
          const a = this.array(t);
          mult *= a.nelems;
          if (mult > 0xffffffff) fail(`type ${id}: size overflows`);
          t = this.type(a.elemType);
          continue;
        }
        default:
          fail(`type ${id}: kind ${t.kind} has no size`);
      }
    }
    fail(`type ${id}: type chain too long`);
  }

  /**
   * The natural alignment of a type (as the compiler laid it out for the BPF target).
   *
   * Nested structs are followed at most {@link MAX_DEPTH} levels deep and each type is computed
   * once, so self-referencing or deeply shared types cannot blow up.
   */
  alignof(id: number, depth = 0, memo = new Map<number, number>()): number {
    if (depth > MAX_DEPTH) fail(`type ${id}: nesting too deep`);
    const known = memo.get(id);
    if (known !== undefined) return known;
    let t = this.type(id);
    let result = 0;
    for (let steps = 0; steps < MAX_DEPTH && result === 0; steps++) {
      switch (t.kind) {
        case Kind.Int:
        case Kind.Enum:
        case Kind.Enum64:
        case Kind.Float:
          result = Math.max(1, Math.min(t.sizeOrType, 8));
          break;
        case Kind.Ptr:
          result = 8;
          break;
        case Kind.Array:
          t = this.type(this.array(t).elemType);
          break;
        case Kind.Typedef:
        case Kind.Const:
        case Kind.Volatile:
        case Kind.Restrict:
        case Kind.TypeTag:
        case Kind.Var:
          t = this.type(t.sizeOrType);
          break;
        case Kind.Struct:
        case Kind.Union: {
          let a = 1;
          for (const m of this.members(t)) a = Math.max(a, this.alignof(m.type, depth + 1, memo));
          result = Math.min(a, 8);
          break;
        }
        default:
          fail(`type ${id}: kind ${t.kind} has no alignment`);
      }
    }
    if (result === 0) fail(`type ${id}: type chain too long`);
    memo.set(id, result);
    return result;
  }

  /** Finds the first type of `kind` named `name`. */
  find(kind: number, name: string): RawType | undefined {
    return this.types.find((t) => t.kind === kind && t.name === name);
  }

  /** Overwrites a u32 at an absolute blob offset. */
  setU32(offset: number, value: number): void {
    this.view.setUint32(offset, value >>> 0, true);
  }

  /** Sets a type's `size`/`type` field. */
  setSizeOrType(t: RawType, value: number): void {
    this.setU32(t.offset + 8, value);
    t.sizeOrType = value;
  }

  /** Sets a type's vlen (for FUNC, its linkage). */
  setVlen(t: RawType, vlen: number): void {
    const info = this.view.getUint32(t.offset + 4, true);
    this.setU32(t.offset + 4, (info & 0xffff0000) | (vlen & 0xffff));
    t.vlen = vlen;
  }

  /** Sets a VAR's linkage. */
  setVarLinkage(t: RawType, linkage: number): void {
    if (t.kind !== Kind.Var) fail(`type ${t.id}: not a var`);
    this.setU32(t.offset + 12, linkage);
  }

  /**
   * Appends a type record (12-byte header + `extra`) named `name`; returns its id.
   * All offsets of existing types and strings stay valid.
   */
  append(kind: number, name: string, vlen: number, sizeOrType: number, extra: Uint8Array = new Uint8Array(0)): number {
    const nameOff = name ? this.appendString(name) : 0;
    const rec = new Uint8Array(12 + extra.length);
    const rv = new DataView(rec.buffer);
    rv.setUint32(0, nameOff, true);
    rv.setUint32(4, ((kind & 0x1f) << 24) | (vlen & 0xffff), true);
    rv.setUint32(8, sizeOrType >>> 0, true);
    rec.set(extra, 12);
    const offset = this.hdrLen + this.typeLen;
    this.rebuild(rec, new Uint8Array(0));
    const id = this.types.length;
    this.types.push({ id, kind, name, vlen, kindFlag: false, sizeOrType, offset });
    return id;
  }

  /** Appends a NUL-terminated string to the string section; returns its offset. */
  appendString(s: string): number {
    const enc = new TextEncoder().encode(s);
    const extra = new Uint8Array(enc.length + 1);
    extra.set(enc);
    const off = this.strLen;
    this.rebuild(new Uint8Array(0), extra);
    return off;
  }

  /** Re-lays the blob out as header | types + moreTypes | strings + moreStrings. */
  private rebuild(moreTypes: Uint8Array, moreStrings: Uint8Array): void {
    const typesStart = this.hdrLen + this.typeOff;
    const types = this.bytes.subarray(typesStart, typesStart + this.typeLen);
    const strs = this.bytes.subarray(this.hdrLen + this.strOff, this.hdrLen + this.strOff + this.strLen);
    const typeLen = types.length + moreTypes.length;
    const strLen = strs.length + moreStrings.length;
    const out = new Uint8Array(this.hdrLen + typeLen + strLen);
    out.set(this.bytes.subarray(0, this.hdrLen));
    out.set(types, this.hdrLen);
    out.set(moreTypes, this.hdrLen + types.length);
    out.set(strs, this.hdrLen + typeLen);
    out.set(moreStrings, this.hdrLen + typeLen + strs.length);
    const ov = new DataView(out.buffer);
    ov.setUint32(8, 0, true);
    ov.setUint32(12, typeLen, true);
    ov.setUint32(16, typeLen, true);
    ov.setUint32(20, strLen, true);
    const delta = this.hdrLen - typesStart; // types now start right after the header
    if (delta !== 0) for (const t of this.types) if (t.offset >= 0) t.offset += delta;
    this.bytes = out;
    this.view = ov;
    this.typeOff = 0;
    this.typeLen = typeLen;
    this.strOff = typeLen;
    this.strLen = strLen;
  }
}

/** Bytes following the 12-byte header for a type of `kind` with `vlen` entries, or -1 for unknown kinds. */
function extraSize(kind: number, vlen: number): number {
  switch (kind) {
    case Kind.Int:
    case Kind.Var:
    case Kind.DeclTag:
      return 4;
    case Kind.Array:
      return 12;
    case Kind.Struct:
    case Kind.Union:
    case Kind.Datasec:
    case Kind.Enum64:
      return vlen * 12;
    case Kind.Enum:
    case Kind.FuncProto:
      return vlen * 8;
    case Kind.Ptr:
    case Kind.Fwd:
    case Kind.Typedef:
    case Kind.Volatile:
    case Kind.Const:
    case Kind.Restrict:
    case Kind.Func:
    case Kind.Float:
    case Kind.TypeTag:
      return 0;
    default:
      return -1;
  }
}
