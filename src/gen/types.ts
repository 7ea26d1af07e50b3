/**
 * BTF types to TypeScript: an interface and a `Codec` object per struct and union, an `as const`
 * object plus a literal union type per enum, and codecs for scalars and arrays.
 *
 * Representation (see the README section `tsbpf gen` for the user-facing version):
 * - integers up to 32 bits and floats: `number`; 64- and 128-bit integers and pointers: `bigint`;
 *   `_Bool`: `boolean`.
 * - `char[N]`: `string`. Decoding stops at the first NUL (all N bytes when there is none) and
 *   reads UTF-8 (invalid bytes become U+FFFD); encoding writes the UTF-8 bytes and zero-fills the
 *   rest, and throws a RangeError when they are longer than N.
 * - other arrays of unsigned bytes (`__u8[N]`, `unsigned char[N]`): `Uint8Array` of exactly N
 *   bytes; any other `T[N]`: an array of exactly N elements (nested for multi-dimensional arrays).
 * - structs: interfaces whose members keep their C names; anonymous struct and union members are
 *   flattened into their parent, as C lets you access them. Encoding zeroes every padding byte.
 * - unions: every member is optional. Decoding fills in all members (each reads the same bytes);
 *   encoding zeroes the union and writes the first member, in declaration order, that is not
 *   `undefined`.
 * - bitfields: read and written with shifts; their type follows the declared type.
 * - typedefs of structs, unions and enums keep their name (`export type FooT = Foo`).
 *
 * Everything is emitted in a fixed order (depth first, dependencies before dependents) so that
 * the same BTF always gives the same text.
 */
import { formatCDecl, formatCType, memberLayout, resolveType, sizeof, type Spec } from '../btf/index.js';
import type { AnyEnumType, CompositeType, Type, TypedefType } from '../btf/index.js';
import { UnsupportedTypeError } from './errors.js';
import { NameTable, isIdentifier, pascalCase, propertyKey, quote } from './names.js';

/** Deepest nesting of arrays and structs the generator follows. */
const MAX_DEPTH = 64;

/** How a scalar is stored. */
type Scalar =
  | { kind: 'int'; size: number; signed: boolean }
  | { kind: 'bool'; size: number }
  | { kind: 'float'; size: number }
  | { kind: 'ptr' }
  | { kind: 'enum'; ref: string; size: number; signed: boolean };

/** How a value of some C type is represented. */
type Shape =
  | Scalar
  | { kind: 'string'; length: number }
  | { kind: 'bytes'; length: number }
  | { kind: 'array'; length: number; stride: number; elem: Shape }
  | { kind: 'ref'; ref: string; size: number };

/** One member of a struct (after flattening anonymous members), or an anonymous union. */
type Item =
  | { kind: 'field'; name: string; offset: number; shape: Shape; cdecl: string; optional: boolean; what: string }
  | { kind: 'bits'; name: string; bitOffset: number; bits: number; base: Scalar; cdecl: string; optional: boolean }
  | { kind: 'union'; offset: number; size: number; alternatives: Item[][] };

/** Helpers a generated file may need; each is emitted once, only when used. */
export type HelperName =
  | 'zero'
  | 'cString'
  | 'putCString'
  | 'copyBytes'
  | 'putBytes'
  | 'arrayOf'
  | 'checkLength'
  | 'getBits'
  | 'putBits'
  | 'getBitsBig'
  | 'putBitsBig'
  | 'getInt128'
  | 'putInt128'
  | 'encodeWith'
  | 'i8Codec'
  | 'i16Codec'
  | 'u128Codec'
  | 'i128Codec'
  | 'boolCodec'
  | 'f32Codec'
  | 'f64Codec'
  | 'ptrCodec';

/** A codec reference for a top-level use (map key or value, variable, `--type`). */
export interface CodecRef {
  /** The TypeScript type of values, e.g. `number`, `Event`, `number[]`. */
  ts: string;
  /** An expression for the codec, e.g. `tsbpf.u32`, `Event`, `CountsValueCodec`. */
  codec: string;
}

const LIBRARY_INTS: Record<string, string> = {
  'u1': 'tsbpf.u8',
  'u2': 'tsbpf.u16',
  'u4': 'tsbpf.u32',
  's4': 'tsbpf.i32',
  'u8': 'tsbpf.u64',
  's8': 'tsbpf.i64',
};

/** Adds `add` bytes to an offset expression. */
function at(base: string, add: number): string {
  return add === 0 ? base : `${base} + ${add}`;
}

function shapeSize(s: Shape): number {
  switch (s.kind) {
    case 'ptr':
      return 8;
    case 'string':
    case 'bytes':
      return s.length;
    case 'array':
      return s.length * s.stride;
    default:
      return s.size;
  }
}

function tsTypeOf(s: Shape): string {
  switch (s.kind) {
    case 'int':
      return s.size <= 4 ? 'number' : 'bigint';
    case 'bool':
      return 'boolean';
    case 'float':
      return 'number';
    case 'ptr':
      return 'bigint';
    case 'enum':
    case 'ref':
      return s.ref;
    case 'string':
      return 'string';
    case 'bytes':
      return 'Uint8Array';
    case 'array':
      return `${tsTypeOf(s.elem)}[]`;
  }
}

/** Turns BTF types into TypeScript declarations; one instance per generated file. */
export class TypeEmitter {
  readonly #spec: Spec;
  readonly #names: NameTable;
  /** Declarations in emission order. */
  readonly #decls: string[] = [];
  /** Type id (struct, union, enum, typedef) → its TypeScript name. */
  readonly #named = new Map<number, string>();
  /** Ids being declared right now (to report impossible by-value cycles). */
  readonly #building = new Set<number>();
  /** Top-level codec consts by shape signature. */
  readonly #codecs = new Map<string, string>();
  readonly #helpers = new Set<HelperName>();

  /** Makes an emitter for the types of `spec`; names are taken from `names`. */
  constructor(spec: Spec, names: NameTable) {
    this.#spec = spec;
    this.#names = names;
  }

  /** The declarations emitted so far, in order. */
  get declarations(): readonly string[] {
    return this.#decls;
  }

  /** The helpers the declarations use. */
  get helpers(): ReadonlySet<HelperName> {
    return this.#helpers;
  }

  /** Marks a helper as used. */
  use(h: HelperName): void {
    this.#helpers.add(h);
    if (h === 'putInt128') this.#helpers.add('getInt128');
  }

  /**
   * Returns the TypeScript type and a codec expression for values of type `id`, declaring
   * whatever types it needs. `hint` names anonymous types (e.g. `EventsValue`); `path` says where
   * the type was reached from, for errors.
   *
   * @throws {UnsupportedTypeError} naming the type when it has no representation.
   */
  codecFor(id: number, hint: string, path: string): CodecRef {
    const shape = this.#shape(id, hint, path, 0);
    const ts = tsTypeOf(shape);
    if (shape.kind === 'ref') return { ts, codec: shape.ref };
    return { ts, codec: this.#scalarOrArrayCodec(shape, hint, ts, formatCType(this.#spec, id)) };
  }

  /**
   * Declares a type named on the command line (`--type`): structs, unions and enums under their
   * own name, typedefs under the typedef's name. Returns the TypeScript name.
   */
  declareNamed(id: number, path: string): string {
    const t = this.#spec.typeById(id);
    switch (t.kind) {
      case 'struct':
      case 'union':
        return this.#compositeRef(t, pascalCase(t.name), path);
      case 'enum':
      case 'enum64':
        return this.#enumRef(t, pascalCase(t.name));
      case 'typedef': {
        const target = resolveType(this.#spec, t.type);
        if (target.kind === 'struct' || target.kind === 'union' || target.kind === 'enum' || target.kind === 'enum64') {
          return this.#typedefRef(t, target, path);
        }
        const cached = this.#named.get(t.id);
        if (cached) return cached;
        const name = this.#names.take(pascalCase(t.name), `${pascalCase(t.name)}Type`);
        this.#named.set(t.id, name);
        const shape = this.#shape(t.type, name, path, 0);
        const ts = tsTypeOf(shape);
        const cdef = formatCDefinition1(this.#spec, t);
        this.#decls.push(`/** C \`${cdef}\`. */\nexport type ${name} = ${ts};`);
        const codec = this.#scalarOrArrayCodec(shape, name, name, t.name);
        if (codec !== `${name}Codec`) {
          const alias = this.#names.take(`${name}Codec`);
          this.#decls.push(`/** Codec of {@link ${name}}. */\nexport const ${alias}: tsbpf.Codec<${name}> = ${codec};`);
        }
        return name;
      }
      default:
        throw new UnsupportedTypeError(describe(this.#spec, t), id, path, `a ${t.kind} is not a data type`);
    }
  }

  // ---- shapes ----

  #unsupported(t: Type, path: string, reason: string): UnsupportedTypeError {
    return new UnsupportedTypeError(describe(this.#spec, t), t.id, path, reason);
  }

  #shape(id: number, hint: string, path: string, depth: number): Shape {
    if (depth > MAX_DEPTH) throw new UnsupportedTypeError(`type ${id}`, id, path, 'nested too deeply (a reference cycle?)');
    const t = this.#spec.typeById(id);
    switch (t.kind) {
      case 'typedef': {
        const target = resolveType(this.#spec, t.type);
        if (target.kind === 'struct' || target.kind === 'union' || target.kind === 'enum' || target.kind === 'enum64') {
          const ref = this.#typedefRef(t, target, path);
          if (target.kind === 'enum' || target.kind === 'enum64') return { kind: 'enum', ref, size: target.size, signed: target.signed };
          return { kind: 'ref', ref, size: target.size };
        }
        return this.#shape(t.type, hint, path, depth + 1);
      }
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
        return this.#shape(t.type, hint, path, depth + 1);
      case 'int':
      case 'float':
      case 'ptr':
        return this.#scalar(t, path);
      case 'enum':
      case 'enum64':
        return { kind: 'enum', ref: this.#enumRef(t, hint), size: t.size, signed: t.signed };
      case 'array': {
        const elem = resolveType(this.#spec, t.type);
        if (elem.kind === 'int' && elem.size === 1 && elem.encoding !== 'bool') {
          if (elem.name === 'char' || elem.encoding === 'char') return { kind: 'string', length: t.nelems };
          if (elem.encoding === 'unsigned') return { kind: 'bytes', length: t.nelems };
        }
        const inner = this.#shape(t.type, hint, path, depth + 1);
        return { kind: 'array', length: t.nelems, stride: sizeof(this.#spec, t.type), elem: inner };
      }
      case 'struct':
      case 'union':
        return { kind: 'ref', ref: this.#compositeRef(t, hint, path), size: t.size };
      case 'fwd':
        throw this.#unsupported(t, path, "a forward declaration: the object's BTF has no definition, so its layout is unknown");
      case 'void':
        throw this.#unsupported(t, path, 'void has no size');
      default:
        throw this.#unsupported(t, path, `a ${t.kind} is not a data type`);
    }
  }

  #scalar(t: Type, path: string): Scalar {
    if (t.kind === 'ptr') return { kind: 'ptr' };
    if (t.kind === 'float') {
      if (t.size !== 4 && t.size !== 8) throw this.#unsupported(t, path, `no JavaScript number holds a ${t.size}-byte float`);
      return { kind: 'float', size: t.size };
    }
    if (t.kind === 'int') {
      if (![1, 2, 4, 8, 16].includes(t.size)) throw this.#unsupported(t, path, `a ${t.size}-byte integer`);
      if (t.encoding === 'bool') return { kind: 'bool', size: t.size };
      return { kind: 'int', size: t.size, signed: t.encoding === 'signed' };
    }
    throw this.#unsupported(t, path, 'not a scalar');
  }

  /** The scalar a bitfield member is declared with (int, bool or enum), through typedefs. */
  #bitfieldBase(typeId: number, hint: string, path: string): Scalar {
    const shape = this.#shape(typeId, hint, path, 0);
    if (shape.kind === 'int' || shape.kind === 'bool' || shape.kind === 'enum') return shape;
    throw new UnsupportedTypeError(formatCType(this.#spec, typeId), typeId, path, 'a bitfield of a type that is not an integer or enum');
  }

  // ---- named declarations ----

  #typedefRef(td: TypedefType, target: CompositeType | AnyEnumType, path: string): string {
    const cached = this.#named.get(td.id);
    if (cached) return cached;
    const own = pascalCase(td.name);
    if (!target.name) {
      // typedef struct { ... } foo_t: the struct takes the typedef's name.
      const ref = target.kind === 'enum' || target.kind === 'enum64' ? this.#enumRef(target, own) : this.#compositeRef(target, own, path);
      this.#named.set(td.id, ref);
      return ref;
    }
    const ref = target.kind === 'enum' || target.kind === 'enum64' ? this.#enumRef(target, own) : this.#compositeRef(target, own, path);
    if (ref === own) {
      this.#named.set(td.id, ref);
      return ref;
    }
    const name = this.#names.take(own, `${own}Type`);
    this.#named.set(td.id, name);
    this.#decls.push(
      `/** C \`typedef ${describe(this.#spec, target)} ${td.name}\`. */\nexport type ${name} = ${ref};\n` +
        `/** C \`typedef ${describe(this.#spec, target)} ${td.name}\`. */\nexport const ${name} = ${ref};`,
    );
    return name;
  }

  #enumRef(t: AnyEnumType, hint: string): string {
    const cached = this.#named.get(t.id);
    if (cached) return cached;
    const base = t.name ? pascalCase(t.name) : hint;
    const name = this.#names.take(base, `${base}Enum`);
    this.#named.set(t.id, name);
    const big = t.size > 4;
    const lines: string[] = [];
    const cname = t.name ? `enum ${t.name}` : 'an anonymous enum';
    lines.push(`/** The values of ${cname} (${t.size} byte(s), ${t.signed ? 'signed' : 'unsigned'}). */`);
    if (t.values.length === 0) {
      lines.push(`export const ${name} = {} as const;`);
      lines.push(`/** ${cname}: it has no enumerators. */`);
      lines.push(`export type ${name} = ${big ? 'bigint' : 'number'};`);
    } else {
      lines.push(`export const ${name} = {`);
      for (const v of t.values) {
        const value = typeof v.value === 'bigint' ? v.value : BigInt(v.value);
        lines.push(`  ${propertyKey(v.name)}: ${big ? `${value}n` : String(value)},`);
      }
      lines.push('} as const;');
      lines.push(`/** ${cname}. Decoding passes other values through unchanged, so a value may be none of these. */`);
      lines.push(`export type ${name} = (typeof ${name})[keyof typeof ${name}];`);
    }
    this.#decls.push(lines.join('\n'));
    return name;
  }

  #compositeRef(t: CompositeType, hint: string, path: string): string {
    const cached = this.#named.get(t.id);
    if (cached) return cached;
    if (this.#building.has(t.id)) throw this.#unsupported(t, path, 'contains itself');
    const base = t.name ? pascalCase(t.name) : hint;
    const name = this.#names.take(base, `${base}${t.kind === 'union' ? 'Union' : 'Struct'}`);
    this.#named.set(t.id, name);
    this.#building.add(t.id);
    const cname = describe(this.#spec, t);
    const where = `${path ? `${path}: ` : ''}${cname}`;
    const items =
      t.kind === 'struct'
        ? this.#structItems(t, 0, name, cname, where, false)
        : [{ kind: 'union' as const, offset: 0, size: t.size, alternatives: t.members.map((_, i) => this.#memberItems(t, i, 0, name, cname, where, true)) }];
    this.#building.delete(t.id);
    this.#decls.push(this.#composite(t, name, cname, items));
    return name;
  }

  #structItems(t: CompositeType, baseBit: number, hint: string, cname: string, path: string, optional: boolean): Item[] {
    const out: Item[] = [];
    for (let i = 0; i < t.members.length; i++) out.push(...this.#memberItems(t, i, baseBit, hint, cname, path, optional));
    return out;
  }

  #memberItems(t: CompositeType, index: number, baseBit: number, hint: string, cname: string, path: string, optional: boolean): Item[] {
    const lay = memberLayout(this.#spec, t.id, index);
    const m = lay.member;
    const bit = baseBit + lay.bitOffset;
    const mpath = `${path}: member ${m.name || index}`;
    if (lay.isBitfield) {
      if (m.name === '') return []; // unnamed bitfield: padding
      const base = this.#bitfieldBase(m.type, hint + pascalCase(m.name), mpath);
      return [{ kind: 'bits', name: m.name, bitOffset: bit, bits: lay.bitfieldSize, base, cdecl: `${cdeclShort(this.#spec, m.type, m.name)}: ${lay.bitfieldSize}`, optional }];
    }
    if (bit % 8 !== 0) throw new UnsupportedTypeError(cname, t.id, mpath, `member at bit offset ${bit}, not on a byte boundary`);
    if (m.name === '') {
      const inner = resolveType(this.#spec, m.type);
      if (inner.kind === 'struct') return this.#structItems(inner, bit, hint, cname, mpath, optional);
      if (inner.kind === 'union') {
        const alternatives = inner.members.map((_, i) => this.#memberItems(inner, i, bit, hint, cname, mpath, true));
        return [{ kind: 'union', offset: bit / 8, size: inner.size, alternatives }];
      }
      return []; // an unnamed member of another kind carries no name to read it by
    }
    const shape = this.#shape(m.type, hint + pascalCase(m.name), mpath, 0);
    return [{ kind: 'field', name: m.name, offset: bit / 8, shape, cdecl: cdeclShort(this.#spec, m.type, m.name), optional, what: `${cname}.${m.name}` }];
  }

  // ---- code ----

  #composite(t: CompositeType, name: string, cname: string, items: Item[]): string {
    const lines: string[] = [];
    lines.push(`/** C \`${cname}\`: ${t.size} bytes. */`);
    lines.push(`export interface ${name} {`);
    this.#interfaceFields(items, lines);
    lines.push('}');
    lines.push('');
    const note = t.kind === 'union' ? 'encode zeroes the union and writes the first member that is set' : 'encode zeroes every padding byte';
    lines.push(`/** Codec of {@link ${name}}: ${t.size} bytes as clang lays out \`${cname}\`; ${note}. */`);
    lines.push(`export const ${name}: tsbpf.Codec<${name}> = {`);
    lines.push(`  size: ${t.size},`);
    lines.push(`  name: ${quote(cname)},`);
    const enc = this.#encodeBody(items, t.size);
    const used = enc.some((l) => /\bv\b/.test(l));
    lines.push(`  encode(${used ? 'v' : '_v'}, d, o) {`);
    for (const l of enc) lines.push(`    ${l}`);
    lines.push('  },');
    const fields: string[] = [];
    this.#decodeFields(items, fields);
    if (fields.length === 0) {
      lines.push('  decode() {');
      lines.push('    return {};');
    } else {
      lines.push('  decode(d, o) {');
      lines.push('    return {');
      for (const f of fields) lines.push(`      ${f}`);
      lines.push('    };');
    }
    lines.push('  },');
    lines.push('};');
    return lines.join('\n');
  }

  #interfaceFields(items: Item[], lines: string[]): void {
    for (const it of items) {
      if (it.kind === 'union') {
        for (const alt of it.alternatives) this.#interfaceFields(alt, lines);
        continue;
      }
      const where =
        it.kind === 'field'
          ? `offset ${it.offset}, ${shapeSize(it.shape)} byte(s)`
          : `bits ${it.bitOffset}..${it.bitOffset + it.bits - 1}`;
      const ts = it.kind === 'field' ? tsTypeOf(it.shape) : tsTypeOf(it.base);
      const extra = it.optional ? '; a union member' : '';
      lines.push(`  /** \`${it.cdecl.replace(/`/g, "'")}\`: ${where}${extra}. */`);
      lines.push(`  ${propertyKey(it.name)}${it.optional ? '?' : ''}: ${ts};`);
    }
  }

  #decodeFields(items: Item[], out: string[]): void {
    for (const it of items) {
      if (it.kind === 'union') {
        for (const alt of it.alternatives) this.#decodeFields(alt, out);
      } else if (it.kind === 'field') {
        out.push(`${propertyKey(it.name)}: ${this.#decodeExpr(it.shape, at('o', it.offset), 0)},`);
      } else {
        out.push(`${propertyKey(it.name)}: ${this.#decodeBits(it)},`);
      }
    }
  }

  /** Statements that encode `v` at `o`: zero padding and bitfield bytes, then write each member. */
  #encodeBody(items: Item[], size: number): string[] {
    const covered = new Uint8Array(size);
    for (const it of items) {
      if (it.kind === 'field') covered.fill(1, it.offset, Math.min(size, it.offset + shapeSize(it.shape)));
    }
    const out: string[] = [];
    for (let i = 0; i < size; ) {
      if (covered[i]) {
        i++;
        continue;
      }
      let j = i;
      while (j < size && !covered[j]) j++;
      out.push(...this.#zero(i, j - i));
      i = j;
    }
    this.#encodeItems(items, out);
    return out;
  }

  #zero(offset: number, n: number): string[] {
    if (n > 16) {
      this.use('zero');
      return [`zero(d, ${at('o', offset)}, ${n});`];
    }
    const out: string[] = [];
    let off = offset;
    let left = n;
    for (const [w, set] of [
      [8, 'setBigUint64'],
      [4, 'setUint32'],
      [2, 'setUint16'],
      [1, 'setUint8'],
    ] as const) {
      while (left >= w) {
        out.push(`d.${set}(${at('o', off)}, ${w === 8 ? '0n' : '0'});`);
        off += w;
        left -= w;
      }
    }
    return out;
  }

  #encodeItems(items: Item[], out: string[]): void {
    for (const it of items) {
      if (it.kind === 'field') {
        out.push(...this.#encodeStmts(it.shape, prop('v', it.name), at('o', it.offset), it.what, 0));
      } else if (it.kind === 'bits') {
        out.push(this.#encodeBits(it));
      } else {
        it.alternatives.forEach((alt, i) => {
          const names = altNames(alt);
          if (names.length === 0) return;
          const cond = names.map((n) => `${prop('v', n)} !== undefined`).join(' || ');
          out.push(`${i === 0 ? 'if' : '} else if'} (${cond}) {`);
          const inner: string[] = [];
          this.#encodeItems(alt, inner);
          for (const l of inner) out.push(`  ${l}`);
        });
        if (it.alternatives.some((a) => altNames(a).length > 0)) out.push('}');
      }
    }
  }

  #decodeBits(it: Extract<Item, { kind: 'bits' }>): string {
    const byte = Math.floor(it.bitOffset / 8);
    const shift = it.bitOffset % 8;
    const b = it.base;
    const big = (b.kind === 'int' || b.kind === 'enum') && b.size > 4;
    const signed = (b.kind === 'int' || b.kind === 'enum') && b.signed;
    // Fields that fit in a double's 53 bits are read with numbers, even for 64-bit types.
    const viaNumber = shift + it.bits <= 53;
    this.use(viaNumber ? 'getBits' : 'getBitsBig');
    const read = `${viaNumber ? 'getBits' : 'getBitsBig'}(d, ${at('o', byte)}, ${shift}, ${it.bits}, ${signed})`;
    if (b.kind === 'bool') return `${read} !== 0`;
    const value = big && viaNumber ? `BigInt(${read})` : read;
    if (b.kind === 'enum') return `${value} as ${b.ref}`;
    return value;
  }

  #encodeBits(it: Extract<Item, { kind: 'bits' }>): string {
    const byte = Math.floor(it.bitOffset / 8);
    const shift = it.bitOffset % 8;
    const b = it.base;
    const big = (b.kind === 'int' || b.kind === 'enum') && b.size > 4;
    const value = prop('v', it.name);
    const viaNumber = shift + it.bits <= 53;
    this.use(viaNumber ? 'putBits' : 'putBitsBig');
    const where = `d, ${at('o', byte)}, ${shift}, ${it.bits}`;
    if (b.kind === 'bool') return `putBits(${where}, ${value} ? 1 : 0);`;
    if (big && viaNumber) return `putBits(${where}, Number(BigInt.asUintN(${it.bits}, ${value})));`;
    return `${viaNumber ? 'putBits' : 'putBitsBig'}(${where}, ${value});`;
  }

  #decodeExpr(s: Shape, off: string, depth: number): string {
    switch (s.kind) {
      case 'int':
        return this.#readInt(s.size, s.signed, off);
      case 'bool':
        return `${this.#readInt(s.size, false, off)} !== ${s.size > 4 ? '0n' : '0'}`;
      case 'float':
        return `d.getFloat${s.size * 8}(${off}, true)`;
      case 'ptr':
        return `d.getBigUint64(${off}, true)`;
      case 'enum':
        return `${this.#readInt(s.size, s.signed, off)} as ${s.ref}`;
      case 'string':
        this.use('cString');
        return `cString(d, ${off}, ${s.length})`;
      case 'bytes':
        this.use('copyBytes');
        return `copyBytes(d, ${off}, ${s.length})`;
      case 'array': {
        this.use('arrayOf');
        const i = `i${depth}`;
        return `arrayOf(${s.length}, (${i}) => ${this.#decodeExpr(s.elem, `${off} + ${i} * ${s.stride}`, depth + 1)})`;
      }
      case 'ref':
        return `${s.ref}.decode(d, ${off})`;
    }
  }

  #readInt(size: number, signed: boolean, off: string): string {
    switch (size) {
      case 1:
        return signed ? `d.getInt8(${off})` : `d.getUint8(${off})`;
      case 2:
      case 4:
        return `d.get${signed ? 'Int' : 'Uint'}${size * 8}(${off}, true)`;
      case 8:
        return `d.getBig${signed ? 'Int' : 'Uint'}64(${off}, true)`;
      default:
        this.use('getInt128');
        return `getInt128(d, ${off}, ${signed})`;
    }
  }

  #writeInt(size: number, signed: boolean, off: string, value: string): string {
    switch (size) {
      case 1:
        return `d.set${signed ? 'Int' : 'Uint'}8(${off}, ${value});`;
      case 2:
      case 4:
        return `d.set${signed ? 'Int' : 'Uint'}${size * 8}(${off}, ${value}, true);`;
      case 8:
        return `d.setBig${signed ? 'Int' : 'Uint'}64(${off}, ${value}, true);`;
      default:
        this.use('putInt128');
        return `putInt128(d, ${off}, ${value});`;
    }
  }

  #encodeStmts(s: Shape, value: string, off: string, what: string, depth: number): string[] {
    switch (s.kind) {
      case 'int':
      case 'enum':
        return [this.#writeInt(s.size, s.signed, off, value)];
      case 'bool':
        return [this.#writeInt(s.size, false, off, s.size > 4 ? `${value} ? 1n : 0n` : `${value} ? 1 : 0`)];
      case 'float':
        return [`d.setFloat${s.size * 8}(${off}, ${value}, true);`];
      case 'ptr':
        return [`d.setBigUint64(${off}, ${value}, true);`];
      case 'string':
        this.use('putCString');
        return [`putCString(d, ${off}, ${s.length}, ${value}, ${quote(what)});`];
      case 'bytes':
        this.use('putBytes');
        return [`putBytes(d, ${off}, ${s.length}, ${value}, ${quote(what)});`];
      case 'array': {
        this.use('checkLength');
        const i = `i${depth}`;
        // `!`: checkLength has just made sure every index below the length is there, which
        // noUncheckedIndexedAccess (on in `tsc --init` projects) cannot see.
        const inner = this.#encodeStmts(s.elem, `${value}[${i}]!`, `${off} + ${i} * ${s.stride}`, `${what}[]`, depth + 1);
        return [
          `checkLength(${value}, ${s.length}, ${quote(what)});`,
          `for (let ${i} = 0; ${i} < ${s.length}; ${i}++) {`,
          ...inner.map((l) => `  ${l}`),
          '}',
        ];
      }
      case 'ref':
        return [`${s.ref}.encode(${value}, d, ${off});`];
    }
  }

  /** A codec expression for a shape that is not a named struct or union. */
  #scalarOrArrayCodec(s: Shape, hint: string, ts: string, cname: string): string {
    switch (s.kind) {
      case 'int': {
        const lib = LIBRARY_INTS[`${s.signed ? 's' : 'u'}${s.size}`];
        if (lib) return lib;
        const h: HelperName = s.size === 16 ? (s.signed ? 'i128Codec' : 'u128Codec') : s.size === 2 ? 'i16Codec' : 'i8Codec';
        this.use(h);
        if (s.size === 16) this.use('putInt128');
        return h;
      }
      case 'bool':
        if (s.size === 1) {
          this.use('boolCodec');
          return 'boolCodec';
        }
        break;
      case 'float':
        this.use(s.size === 4 ? 'f32Codec' : 'f64Codec');
        return s.size === 4 ? 'f32Codec' : 'f64Codec';
      case 'ptr':
        this.use('ptrCodec');
        return 'ptrCodec';
      case 'ref':
        return s.ref;
      default:
        break;
    }
    const key = JSON.stringify(s);
    const have = this.#codecs.get(key);
    if (have) return have;
    const name = this.#names.take(`${s.kind === 'enum' ? s.ref : hint}Codec`);
    this.#codecs.set(key, name);
    const size = shapeSize(s);
    const enc = this.#encodeStmts(s, 'v', 'o', cname, 0);
    const lines = [
      `/** Codec of C \`${cname}\`: ${size} bytes. */`,
      `export const ${name}: tsbpf.Codec<${ts}> = {`,
      `  size: ${size},`,
      `  name: ${quote(cname)},`,
      '  encode(v, d, o) {',
      ...enc.map((l) => `    ${l}`),
      '  },',
      '  decode(d, o) {',
      `    return ${this.#decodeExpr(s, 'o', 0)};`,
      '  },',
      '};',
    ];
    this.#decls.push(lines.join('\n'));
    return name;
  }
}

/** Names set by the members of a union alternative (for its "is it set?" test). */
function altNames(items: Item[]): string[] {
  const out: string[] = [];
  for (const it of items) {
    if (it.kind === 'union') for (const a of it.alternatives) out.push(...altNames(a));
    else out.push(it.name);
  }
  return out;
}

/** `value.name`, or `value['name']` when the name is not an identifier. */
function prop(value: string, name: string): string {
  return isIdentifier(name) ? `${value}.${name}` : `${value}[${quote(name)}]`;
}

/** A C declaration on one line for doc comments; long inline definitions are summarized. */
function cdeclShort(spec: Spec, typeId: number, name: string): string {
  let d: string;
  try {
    d = formatCDecl(spec, typeId, name).replace(/\s+/g, ' ');
  } catch {
    d = name;
  }
  if (d.length <= 100) return d;
  return `${describe(spec, resolveType(spec, typeId))} ${name}`;
}

/** `struct foo`, `union bar`, `enum baz`, or the C type for anything else. */
function describe(spec: Spec, t: Type): string {
  switch (t.kind) {
    case 'struct':
    case 'union':
      return t.name ? `${t.kind} ${t.name}` : `anonymous ${t.kind}`;
    case 'enum':
    case 'enum64':
      return t.name ? `enum ${t.name}` : 'anonymous enum';
    case 'fwd':
      return `${t.fwdKind} ${t.name}`;
    case 'int':
    case 'float':
    case 'typedef':
      return t.name;
    default:
      try {
        return formatCType(spec, t.id);
      } catch {
        return t.kind;
      }
  }
}

/** `typedef <type> name` for a typedef of a scalar or array. */
function formatCDefinition1(spec: Spec, t: TypedefType): string {
  return `typedef ${formatCDecl(spec, t.type, t.name)}`;
}
