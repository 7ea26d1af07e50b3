import { BTF_HEADER_SIZE, BTF_MAGIC } from './header.js';
import { BtfMarshalError } from './errors.js';
import type { Spec } from './spec.js';
import { KIND_NUMBER, type Type } from './types.js';

const encoder = new TextEncoder();

/** Builds a fresh, deduplicated string table. */
class StringBuilder {
  readonly #offsets = new Map<string, number>();
  #buf = new Uint8Array(4096);
  #length = 0;

  /** `start` is the global offset of the first byte (the base table's length for split BTF). */
  constructor(
    readonly start: number,
    leadingNul: boolean,
  ) {
    this.#offsets.set('', 0);
    if (leadingNul) this.#length = 1;
  }

  add(s: string): number {
    let off = this.#offsets.get(s);
    if (off !== undefined) return off;
    off = this.start + this.#length;
    // Worst case 3 bytes per UTF-16 unit, plus the NUL.
    this.#reserve(s.length * 3 + 1);
    let n = this.#length;
    const buf = this.#buf;
    let ascii = true;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      buf[n++] = c;
    }
    if (!ascii) n = this.#length + encoder.encodeInto(s, buf.subarray(this.#length)).written;
    buf[n++] = 0;
    this.#length = n;
    this.#offsets.set(s, off);
    return off;
  }

  #reserve(extra: number): void {
    if (this.#length + extra <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#length));
    this.#buf = next;
  }

  get length(): number {
    return this.#length;
  }

  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#length);
  }
}

function recordSize(t: Type): number {
  switch (t.kind) {
    case 'int':
    case 'var':
    case 'decl_tag':
      return 16;
    case 'array':
      return 24;
    case 'struct':
    case 'union':
      return 12 + 12 * t.members.length;
    case 'enum':
      return 12 + 8 * t.values.length;
    case 'enum64':
      return 12 + 12 * t.values.length;
    case 'func_proto':
      return 12 + 8 * (t.params.length + (t.variadic ? 1 : 0));
    case 'datasec':
      return 12 + 12 * t.vars.length;
    default:
      return 12;
  }
}

const INT_ENCODING = { unsigned: 0, signed: 1, char: 2, bool: 4 } as const;
const LINKAGE = { static: 0, global: 1, extern: 2 } as const;

/**
 * Encodes the types of `spec` as a `.BTF` blob with a fresh, deduplicated string table, ready
 * for `BPF_BTF_LOAD` or for {@link parseBtf}.
 *
 * Use it after changing a spec the way loaders must before loading it (DATASEC sizes and VAR
 * offsets filled in, FUNC linkage changed, unsupported kinds replaced). For split BTF only the
 * spec's own types are written; their ids and string offsets continue the base's.
 * A struct or union gets `kind_flag` set when one of its members is a bitfield.
 *
 * @throws {BtfMarshalError} if a value does not fit its field (a vlen above 65535, a bitfield
 * offset above 2^24, a type id out of range…).
 */
export function marshalBtf(spec: Spec): Uint8Array {
  const types = [...spec.ownTypes()];
  const strings = new StringBuilder(spec.base ? spec.base.strings.length : 0, !spec.base);
  let typeLen = 0;
  for (const t of types) typeLen += recordSize(t);
  const total = spec.typeCount;
  const typeBytes = new Uint8Array(typeLen);
  const tv = new DataView(typeBytes.buffer);
  let off = 0;
  // Names are added in type order, so the string table is deterministic.
  for (const t of types) off = writeType(tv, off, t, strings, total);
  const str = strings.bytes();
  const out = new Uint8Array(BTF_HEADER_SIZE + typeLen + str.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, BTF_MAGIC, true);
  v.setUint8(2, 1);
  v.setUint8(3, 0);
  v.setUint32(4, BTF_HEADER_SIZE, true);
  v.setUint32(8, 0, true);
  v.setUint32(12, typeLen, true);
  v.setUint32(16, typeLen, true);
  v.setUint32(20, str.length, true);
  out.set(typeBytes, BTF_HEADER_SIZE);
  out.set(str, BTF_HEADER_SIZE + typeLen);
  return out;
}

function writeType(v: DataView, off: number, t: Type, strings: StringBuilder, total: number): number {
  const fail = (what: string): BtfMarshalError => new BtfMarshalError(t.id, `btf: marshal: type ${t.id}: ${what}`);
  const u32 = (x: number, what: string): number => {
    if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw fail(`${what} ${x} does not fit in 32 bits`);
    return x;
  };
  const ref = (x: number, what: string): number => {
    if (!Number.isInteger(x) || x < 0 || x >= total) throw fail(`${what}type id ${x} out of range (have ${total} types)`);
    return x;
  };
  const head = (vlen: number, kflag: boolean, sizeOrType: number): void => {
    if (vlen > 0xffff) throw fail(`vlen ${vlen} exceeds 65535`);
    const kind = KIND_NUMBER[t.kind];
    v.setUint32(off, strings.add(t.name), true);
    v.setUint32(off + 4, ((kflag ? 0x80000000 : 0) | (kind << 24) | vlen) >>> 0, true);
    v.setUint32(off + 8, sizeOrType, true);
  };
  const p = off + 12;
  switch (t.kind) {
    case 'void':
      throw fail('void cannot be encoded (id 0 is implicit)');
    case 'int': {
      head(0, false, u32(t.size, 'size'));
      const enc = INT_ENCODING[t.encoding];
      if (enc === undefined) throw fail(`unknown int encoding ${String(t.encoding)}`);
      if (!(t.bits >= 0 && t.bits <= 255 && t.offset >= 0 && t.offset <= 255)) throw fail('int bits/offset out of range');
      v.setUint32(p, ((enc << 24) | (t.offset << 16) | t.bits) >>> 0, true);
      return p + 4;
    }
    case 'ptr':
    case 'typedef':
    case 'volatile':
    case 'const':
    case 'restrict':
    case 'type_tag':
      head(0, false, ref(t.type, ''));
      return p;
    case 'array':
      head(0, false, 0);
      v.setUint32(p, ref(t.type, 'element '), true);
      v.setUint32(p + 4, ref(t.indexType, 'index '), true);
      v.setUint32(p + 8, u32(t.nelems, 'nelems'), true);
      return p + 12;
    case 'struct':
    case 'union': {
      const kflag = t.members.some((m) => m.bitfieldSize > 0);
      head(t.members.length, kflag, u32(t.size, 'size'));
      let q = p;
      t.members.forEach((m, i) => {
        v.setUint32(q, strings.add(m.name), true);
        v.setUint32(q + 4, ref(m.type, `member ${i}: `), true);
        if (kflag) {
          if (!(m.bitOffset >= 0 && m.bitOffset < 0x1000000) || !(m.bitfieldSize >= 0 && m.bitfieldSize < 256)) {
            throw fail(`member ${i}: bit offset ${m.bitOffset} / bitfield size ${m.bitfieldSize} out of range`);
          }
          v.setUint32(q + 8, ((m.bitfieldSize << 24) | m.bitOffset) >>> 0, true);
        } else {
          v.setUint32(q + 8, u32(m.bitOffset, `member ${i}: bit offset`), true);
        }
        q += 12;
      });
      return q;
    }
    case 'enum': {
      head(t.values.length, t.signed, u32(t.size, 'size'));
      let q = p;
      t.values.forEach((x, i) => {
        if (!Number.isInteger(x.value) || x.value < -0x80000000 || x.value > 0xffffffff) {
          throw fail(`value ${i}: ${x.value} does not fit in 32 bits`);
        }
        v.setUint32(q, strings.add(x.name), true);
        v.setUint32(q + 4, x.value >>> 0, true);
        q += 8;
      });
      return q;
    }
    case 'enum64': {
      head(t.values.length, t.signed, u32(t.size, 'size'));
      let q = p;
      t.values.forEach((x, i) => {
        if (x.value < -(1n << 63n) || x.value >= 1n << 64n) throw fail(`value ${i}: ${x.value} does not fit in 64 bits`);
        const u = BigInt.asUintN(64, x.value);
        v.setUint32(q, strings.add(x.name), true);
        v.setUint32(q + 4, Number(u & 0xffffffffn), true);
        v.setUint32(q + 8, Number(u >> 32n), true);
        q += 12;
      });
      return q;
    }
    case 'fwd':
      head(0, t.fwdKind === 'union', 0);
      return p;
    case 'func': {
      const linkage = LINKAGE[t.linkage];
      if (linkage === undefined) throw fail(`unknown linkage ${String(t.linkage)}`);
      head(linkage, false, ref(t.type, ''));
      return p;
    }
    case 'func_proto': {
      head(t.params.length + (t.variadic ? 1 : 0), false, ref(t.returnType, 'return '));
      let q = p;
      t.params.forEach((x, i) => {
        v.setUint32(q, strings.add(x.name), true);
        v.setUint32(q + 4, ref(x.type, `param ${i}: `), true);
        q += 8;
      });
      if (t.variadic) {
        v.setUint32(q, 0, true);
        v.setUint32(q + 4, 0, true);
        q += 8;
      }
      return q;
    }
    case 'var': {
      const linkage = LINKAGE[t.linkage];
      if (linkage === undefined) throw fail(`unknown linkage ${String(t.linkage)}`);
      head(0, false, ref(t.type, ''));
      v.setUint32(p, linkage, true);
      return p + 4;
    }
    case 'datasec': {
      head(t.vars.length, false, u32(t.size, 'size'));
      let q = p;
      t.vars.forEach((x, i) => {
        v.setUint32(q, ref(x.type, `var ${i}: `), true);
        v.setUint32(q + 4, u32(x.offset, `var ${i}: offset`), true);
        v.setUint32(q + 8, u32(x.size, `var ${i}: size`), true);
        q += 12;
      });
      return q;
    }
    case 'float':
      head(0, false, u32(t.size, 'size'));
      return p;
    case 'decl_tag':
      head(0, false, ref(t.type, ''));
      if (!Number.isInteger(t.componentIdx) || t.componentIdx < -1 || t.componentIdx > 0x7fffffff) {
        throw fail(`component index ${t.componentIdx} out of range`);
      }
      v.setInt32(p, t.componentIdx, true);
      return p + 4;
  }
}
