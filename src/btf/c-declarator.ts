/** The C declarator printer: types to C text, struct bodies with exact padding, enum bodies. */
import { BtfResolveError } from './errors.js';
import {
  alignUp,
  C_BASE_TYPES,
  cycleError,
  enumLiteral,
  enumSizeAttribute,
  intFallback,
  isBuiltinTypedef,
  join,
  MAX_PADDING_BITS,
  MAX_PADDING_LINES,
  MAX_PRINT_CHARS,
  MAX_PRINT_DEPTH,
  MAX_PRINT_STEPS,
  paddingFields,
  tooLarge,
  unionPadding,
} from './c-format.js';
import type { Names } from './c-names.js';
import { alignof, isPacked, memberLayout, sizeof } from './layout.js';
import type { Spec } from './spec.js';
import type { AnyEnumType, CompositeType, Type } from './types.js';

/** Options of the C printer. */
export interface CPrinterOptions {
  /** One level of indentation; default a tab. */
  indent?: string;
}

/** Turns types into C text; one instance per output so anonymous enums are defined once. */
export class CPrinter {
  readonly #spec: Spec;
  readonly #names: Names;
  readonly #indent: string;
  /** Anonymous enums already defined somewhere in the output (their enumerators are global). */
  readonly emittedAnonEnums = new Set<number>();
  #steps = 0;
  #chars = 0;
  #padLines = 0;

  constructor(spec: Spec, names: Names, opts: CPrinterOptions) {
    this.#spec = spec;
    this.#names = names;
    this.#indent = opts.indent ?? '\t';
  }

  /** `struct foo`, `enum bar`, `foo_t`, `int`, or a whole body for anonymous types. */
  decl(id: number, inner: string, level: number, depth = 0, quals = ''): string {
    if (depth > MAX_PRINT_DEPTH) throw cycleError(id);
    if (++this.#steps > MAX_PRINT_STEPS) throw tooLarge(id, `more than ${MAX_PRINT_STEPS} declarators`);
    const out = this.#decl(id, inner, level, depth, quals);
    this.#chars += out.length;
    if (this.#chars > MAX_PRINT_CHARS) throw tooLarge(id, `more than ${MAX_PRINT_CHARS} characters`);
    return out;
  }

  /** Counts unnamed bitfields emitted as padding against the printer's budget. */
  chargePadding(id: number, lines: number): void {
    this.#padLines += lines;
    if (this.#padLines > MAX_PADDING_LINES) throw tooLarge(id, `more than ${MAX_PADDING_LINES} padding fields`);
  }

  #decl(id: number, inner: string, level: number, depth: number, quals: string): string {
    const t = this.#spec.typeById(id);
    const q = (base: string): string => join(quals + base, inner);
    switch (t.kind) {
      case 'void':
        return q('void');
      case 'int':
        return q(C_BASE_TYPES.has(t.name) ? t.name : intFallback(t.size, t.encoding === 'signed'));
      case 'float':
        return q(C_BASE_TYPES.has(t.name) ? t.name : t.size === 4 ? 'float' : t.size === 8 ? 'double' : 'long double');
      case 'struct':
      case 'union':
        if (t.name !== '') return q(`${t.kind} ${this.#names.tag(t)}`);
        return q(this.body(t, level, depth + 1));
      case 'enum':
      case 'enum64':
        if (t.name !== '') return q(`enum ${this.#names.tag(t)}`);
        if (this.emittedAnonEnums.has(t.id)) return q(intFallback(t.size, t.signed));
        this.emittedAnonEnums.add(t.id);
        return q(this.enumBody(t, level));
      case 'fwd':
        return q(`${t.fwdKind} ${this.#names.tag(t)}`);
      case 'typedef':
        // Compiler built-ins such as __builtin_va_list are printed as what they stand for.
        if (isBuiltinTypedef(t.name)) return this.decl(t.type, inner, level, depth + 1, quals);
        return q(this.#names.ident(t));
      case 'ptr': {
        let s = `*${inner}`;
        if (this.#needsParens(t.type, depth)) s = `(${s})`;
        return this.decl(t.type, s, level, depth + 1, quals);
      }
      case 'array':
        return this.decl(t.type, `${inner}[${t.nelems}]`, level, depth + 1, quals);
      case 'func_proto': {
        const params = t.params.map((p) => this.decl(p.type, '', level, depth + 1));
        if (t.variadic) params.push('...');
        const list = params.length === 0 ? 'void' : params.join(', ');
        return this.decl(t.returnType, `${inner}(${list})`, level, depth + 1);
      }
      case 'const':
      case 'volatile':
      case 'restrict': {
        const target = this.#skipTags(t.type, depth);
        if (target.kind === 'ptr') return this.decl(t.type, inner === '' ? t.kind : `${t.kind} ${inner}`, level, depth + 1, quals);
        if (target.kind === 'func_proto') return this.decl(t.type, inner, level, depth + 1, quals);
        const more = quals.includes(`${t.kind} `) ? quals : `${quals}${t.kind} `;
        return this.decl(t.type, inner, level, depth + 1, more);
      }
      case 'type_tag':
        return this.decl(t.type, inner, level, depth + 1, quals);
      case 'func': {
        // A function declaration keeps its parameter names: `long f(struct bpf_map *map)`.
        const proto = this.#spec.typeById(t.type);
        if (proto.kind !== 'func_proto') return this.decl(t.type, inner, level, depth + 1, quals);
        const params = proto.params.map((p) => this.decl(p.type, p.name, level, depth + 1));
        if (proto.variadic) params.push('...');
        const list = params.length === 0 ? 'void' : params.join(', ');
        return this.decl(proto.returnType, `${inner}(${list})`, level, depth + 1, quals);
      }
      case 'var':
        return this.decl(t.type, inner, level, depth + 1, quals);
      case 'datasec':
      case 'decl_tag':
        throw new BtfResolveError('bad-kind', id, `btf: print c: type ${id}: ${t.kind} is not a C type`);
    }
  }

  #skipTags(id: number, depth: number): Type {
    for (let i = 0; i <= MAX_PRINT_DEPTH; i++) {
      const t = this.#spec.typeById(id);
      if (t.kind !== 'type_tag') return t;
      id = t.type;
    }
    throw cycleError(id);
  }

  /** A pointer to an array or function needs parentheses: `int (*p)[4]`, `void (*f)(void)`. */
  #needsParens(id: number, depth: number): boolean {
    for (let i = depth; i <= MAX_PRINT_DEPTH; i++) {
      const t = this.#spec.typeById(id);
      if (t.kind === 'array' || t.kind === 'func_proto') return true;
      if (t.kind !== 'type_tag' && t.kind !== 'const' && t.kind !== 'volatile' && t.kind !== 'restrict') return false;
      id = t.type;
    }
    throw cycleError(id);
  }

  /** `struct name {...}` or `union {...}` with members, padding and packing. */
  body(t: CompositeType, level: number, depth: number): string {
    if (depth > MAX_PRINT_DEPTH) throw cycleError(t.id);
    const spec = this.#spec;
    const pad = this.#indent.repeat(level + 1);
    const head = t.name !== '' ? `${t.kind} ${this.#names.tag(t)}` : t.kind;
    if (t.members.length === 0 && t.size === 0) return `${head} {}`;
    // Layout questions (sizes, alignments) that BTF cannot answer turn padding off for this
    // type instead of failing the whole header.
    let exact = true;
    const layout = <T>(f: () => T, fallback: T): T => {
      if (!exact) return fallback;
      try {
        return f();
      } catch (e) {
        if (!(e instanceof BtfResolveError)) throw e;
        exact = false;
        return fallback;
      }
    };
    const packed = t.members.length > 0 && layout(() => isPacked(spec, t.id), false);
    const lines: string[] = [];
    const padTo = (from: number, to: number): void => {
      if (to - from > MAX_PADDING_BITS) {
        exact = false;
        return;
      }
      const fields = paddingFields(from, to);
      this.chargePadding(t.id, fields.length);
      for (const line of fields) lines.push(`${pad}${line};`);
    };
    let off = 0;
    for (let i = 0; i < t.members.length; i++) {
      const m = t.members[i];
      const ml = layout(() => memberLayout(spec, t.id, i), undefined);
      const bitfieldSize = ml ? ml.bitfieldSize : m.bitfieldSize;
      if (t.kind === 'struct' && ml) {
        layout(() => {
          const align = packed ? 1 : alignof(spec, m.type);
          const unit = align * 8;
          const natural = !ml.isBitfield
            ? alignUp(off, unit)
            : packed || Math.floor(off / unit) === Math.floor((off + ml.bitfieldSize - 1) / unit)
              ? off
              : alignUp(off, unit);
          const end = ml.bitOffset + (ml.isBitfield ? ml.bitfieldSize : sizeof(spec, m.type) * 8);
          if (ml.bitOffset > natural) padTo(off, ml.bitOffset);
          off = end;
        }, undefined);
      }
      let line = this.decl(m.type, m.name, level + 1, depth + 1);
      if (bitfieldSize > 0) line += `: ${bitfieldSize}`;
      lines.push(`${pad}${line};`);
    }
    layout(() => {
      if (t.kind === 'struct') {
        const align = packed ? 1 : t.members.length > 0 ? alignof(spec, t.id) : 1;
        if (alignUp(off, align * 8) < t.size * 8) padTo(off, t.size * 8);
      } else {
        let natural = 0;
        for (const m of t.members) natural = Math.max(natural, sizeof(spec, m.type) * 8);
        if (t.members.length > 0) natural = alignUp(natural, alignof(spec, t.id) * 8);
        if (natural < t.size * 8 && t.size * 8 <= MAX_PADDING_BITS) {
          this.chargePadding(t.id, Math.ceil(t.size / 8));
          lines.push(`${pad}${unionPadding(t.size * 8)};`);
        }
      }
    }, undefined);
    const close = `${this.#indent.repeat(level)}}`;
    return `${head} {\n${lines.join('\n')}\n${close}${packed ? ' __attribute__((packed))' : ''}`;
  }

  /** `enum name { A = 1, ... }` with a mode attribute when the size is not the default. */
  enumBody(t: AnyEnumType, level: number): string {
    const pad = this.#indent.repeat(level + 1);
    const head = t.name !== '' ? `enum ${this.#names.tag(t)}` : 'enum';
    if (t.values.length === 0) return `${head} {}`;
    const lines = t.values.map((v, i) => {
      const value = typeof v.value === 'bigint' ? v.value : BigInt(v.value);
      return `${pad}${this.#names.enumerator(t, i)} = ${enumLiteral(value)},`;
    });
    return `${head} {\n${lines.join('\n')}\n${this.#indent.repeat(level)}}${enumSizeAttribute(t)}`;
  }
}
