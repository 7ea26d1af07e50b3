/**
 * Prints BTF types as C: single declarations ({@link formatCType}, {@link formatCDecl},
 * {@link formatCDefinition}) and a whole `vmlinux.h` ({@link formatVmlinuxHeader}) that clang can
 * compile for `-target bpf`, like `bpftool btf dump file … format c`.
 *
 * Struct layouts are reproduced exactly: gaps become unnamed bitfields (`long: 64;`), which do not
 * change a struct's alignment, and structs whose offsets need it get `__attribute__((packed))`.
 */
import { BtfResolveError } from './errors.js';
import { alignof, isPacked, memberLayout, sizeof } from './layout.js';
import type { Spec } from './spec.js';
import type { AnyEnumType, CompositeType, Type, TypedefType } from './types.js';

/** Options of the C printer. */
export interface CPrinterOptions {
  /** One level of indentation; default a tab. */
  indent?: string;
}

/** Options of {@link formatVmlinuxHeader}. */
export interface VmlinuxHeaderOptions extends CPrinterOptions {
  /** Include guard macro; default `__VMLINUX_H__`. */
  guard?: string;
  /**
   * Declare the kernel's kfuncs (FUNCs tagged `bpf_kfunc`) as `extern … __weak __ksym;`
   * (default true), inside `#ifndef BPF_NO_KFUNC_PROTOTYPES`.
   */
  kfuncPrototypes?: boolean;
  /**
   * Wrap the types in `#pragma clang attribute push (__attribute__((preserve_access_index)),
   * apply_to = record)` so every struct access is CO-RE relocatable (default true). Programs can
   * still opt out by defining `BPF_NO_PRESERVE_ACCESS_INDEX` before the include.
   */
  preserveAccessIndex?: boolean;
}

/** Longest chain of nested declarators or definitions the printer follows before reporting a cycle. */
const MAX_PRINT_DEPTH = 512;

/**
 * Work one printer may do, which bounds time and memory on hostile BTF (vmlinux needs about
 * 120 thousand declarators, 3.5 million declarator characters counted at every nesting level,
 * and 5 thousand padding fields).
 */
const MAX_PRINT_STEPS = 5_000_000;
const MAX_PRINT_CHARS = 200_000_000;
const MAX_PADDING_LINES = 1_000_000;

/** Widest gap (in bits) filled with unnamed bitfields; wider ones leave the struct unpadded. */
const MAX_PADDING_BITS = 64 * 1024 * 8;

/** C spellings of integer and floating types that can be printed as-is. */
const C_BASE_TYPES = new Set([
  'char', 'signed char', 'unsigned char', 'short', 'short int', 'signed short', 'short signed int',
  'short unsigned int', 'unsigned short', 'unsigned short int', 'int', 'signed int', 'signed',
  'unsigned int', 'unsigned', 'long', 'long int', 'signed long', 'long signed int', 'long unsigned int',
  'unsigned long', 'unsigned long int', 'long long', 'long long int', 'long long signed int',
  'long long unsigned int', 'unsigned long long', 'unsigned long long int', '_Bool', '__int128',
  '__int128 unsigned', 'unsigned __int128', '__int128 signed', 'signed __int128', 'float', 'double',
  'long double', '_Float16', '__fp16', '__bf16', '_Float128', '__float128',
]);

function tooLarge(id: number, what: string): BtfResolveError {
  return new BtfResolveError('overflow', id, `btf: print c: type ${id}: output too large (${what})`);
}

function cycleError(id: number): BtfResolveError {
  return new BtfResolveError('cycle', id, `btf: print c: type ${id}: type nesting too deep (cycle?)`);
}

/** Joins a base type and a declarator: `int` + `*x` → `int *x`. */
function join(base: string, inner: string): string {
  return inner === '' ? base : `${base} ${inner}`;
}

/** Names used when printing: renamed duplicates for a whole header, plain names otherwise. */
class Names {
  readonly #tags = new Map<number, string>();
  readonly #idents = new Map<number, string>();
  readonly #enumerators = new Map<number, string[]>();

  /** Assigns `name___N` to the N-th distinct type claiming a name, as bpftool does. */
  static forHeader(spec: Spec): Names {
    const n = new Names();
    const tagCount = new Map<string, number>();
    const tagKind = new Map<string, string>();
    const identCount = new Map<string, number>();
    const claim = (counts: Map<string, number>, name: string): string => {
      const c = (counts.get(name) ?? 0) + 1;
      counts.set(name, c);
      return c === 1 ? name : `${name}___${c}`;
    };
    const fwds: Type[] = [];
    for (const t of spec) {
      switch (t.kind) {
        case 'struct':
        case 'union':
        case 'enum':
        case 'enum64':
          if (t.name !== '') {
            const tagKey = t.kind === 'enum64' ? 'enum' : t.kind;
            if (!tagKind.has(t.name)) tagKind.set(t.name, tagKey);
            n.#tags.set(t.id, claim(tagCount, t.name));
          }
          if (t.kind === 'enum' || t.kind === 'enum64') {
            n.#enumerators.set(t.id, t.values.map((v) => claim(identCount, v.name)));
          }
          break;
        case 'fwd':
          fwds.push(t);
          break;
        case 'typedef':
          n.#idents.set(t.id, claim(identCount, t.name));
          break;
        default:
          break;
      }
    }
    for (const t of fwds) {
      if (t.kind !== 'fwd') continue;
      const kind = tagKind.get(t.name);
      if (kind === undefined) {
        tagKind.set(t.name, t.fwdKind);
        n.#tags.set(t.id, claim(tagCount, t.name));
      } else if (kind === t.fwdKind) {
        n.#tags.set(t.id, t.name);
      } else {
        n.#tags.set(t.id, claim(tagCount, t.name));
      }
    }
    return n;
  }

  tag(t: Type): string {
    return this.#tags.get(t.id) ?? t.name;
  }

  ident(t: TypedefType): string {
    return this.#idents.get(t.id) ?? t.name;
  }

  enumerator(t: AnyEnumType, i: number): string {
    return this.#enumerators.get(t.id)?.[i] ?? t.values[i].name;
  }
}

/** Turns types into C text; one instance per output so anonymous enums are defined once. */
class CPrinter {
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

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/** Unnamed bitfields that advance a struct from bit `from` to bit `to`. */
function paddingFields(from: number, to: number): string[] {
  const out: string[] = [];
  while (from < to) {
    if (from % 8 !== 0) {
      const n = Math.min(to - from, 8 - (from % 8));
      out.push(`unsigned char: ${n}`);
      from += n;
      continue;
    }
    const rest = to - from;
    if (rest < 8) {
      out.push(`unsigned char: ${rest}`);
      from = to;
      continue;
    }
    let unit = 8;
    for (const u of [64, 32, 16]) {
      if (from % u === 0 && rest >= u) {
        unit = u;
        break;
      }
    }
    out.push(`${unit === 64 ? 'long' : unit === 32 ? 'int' : unit === 16 ? 'short' : 'char'}: ${unit}`);
    from += unit;
  }
  return out;
}

/** A union member that makes a union at least `bits` long without naming anything. */
function unionPadding(bits: number): string {
  const bytes = Math.ceil(bits / 8);
  const words = Math.floor(bytes / 8);
  const fields: string[] = [];
  for (let i = 0; i < words; i++) fields.push('long: 64;');
  for (let i = words * 8; i < bytes; i++) fields.push('char: 8;');
  return `struct { ${fields.join(' ')} }`;
}

function intFallback(size: number, signed: boolean): string {
  const base = size === 1 ? 'char' : size === 2 ? 'short' : size === 4 ? 'int' : size === 8 ? 'long' : '__int128';
  return `${signed ? 'signed' : 'unsigned'} ${base}`;
}

function enumLiteral(v: bigint): string {
  if (v >= -0x80000000n && v <= 0x7fffffffn) return v.toString();
  if (v >= 0n && v <= 0xffffffffn) return `${v}U`;
  if (v > 0n && v <= 0x7fffffffffffffffn) return `${v}LL`;
  if (v > 0n) return `${v}ULL`;
  if (v === -(1n << 63n)) return '(-9223372036854775807LL - 1)';
  return `${v}LL`;
}

/** Forces the enum's size when C would pick another one for its values. */
function enumSizeAttribute(t: AnyEnumType): string {
  let min = 0n;
  let max = 0n;
  for (const v of t.values) {
    const x = typeof v.value === 'bigint' ? v.value : BigInt(v.value);
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const natural = min >= -0x80000000n && max <= 0xffffffffn && !(min < 0n && max > 0x7fffffffn) ? 4 : 8;
  if (t.size === natural) return '';
  switch (t.size) {
    case 1:
      return ' __attribute__((mode(byte)))';
    case 2:
      return ' __attribute__((mode(HI)))';
    case 4:
      return ' __attribute__((mode(SI)))';
    case 8:
      return ' __attribute__((mode(DI)))';
    default:
      return '';
  }
}

/**
 * Returns the C spelling of type `id` as an abstract declarator (no identifier), e.g.
 * `struct task_struct *`, `int (*)(void *)` or `unsigned int [16]`.
 */
export function formatCType(spec: Spec, id: number, opts: CPrinterOptions = {}): string {
  const p = new CPrinter(spec, new Names(), opts);
  return p.decl(id, '', 0);
}

/**
 * Returns a C declaration of `name` with type `id`, e.g. `int (*handler)(void *)` or
 * `char comm[16]`. Anonymous structs, unions and enums are printed inline.
 */
export function formatCDecl(spec: Spec, id: number, name: string, opts: CPrinterOptions = {}): string {
  return new CPrinter(spec, new Names(), opts).decl(id, name, 0);
}

/**
 * Returns the C definition of a struct, union, enum or typedef, ending in `;`, e.g.
 * `struct foo {\n\tint a;\n};` or `typedef unsigned int __u32;`. For other kinds it returns
 * the type as in {@link formatCType}.
 */
export function formatCDefinition(spec: Spec, id: number, opts: CPrinterOptions = {}): string {
  const p = new CPrinter(spec, new Names(), opts);
  const t = spec.typeById(id);
  switch (t.kind) {
    case 'struct':
    case 'union':
      return `${p.body(t, 0, 0)};`;
    case 'enum':
    case 'enum64':
      return `${p.enumBody(t, 0)};`;
    case 'typedef':
      return `typedef ${p.decl(t.type, t.name, 0)};`;
    case 'fwd':
      return `${t.fwdKind} ${t.name};`;
    default:
      return formatCType(spec, id, opts);
  }
}

type State = 'visiting' | 'done';

/** Orders and emits every printable type of a spec as a compilable header body. */
class HeaderEmitter {
  readonly #spec: Spec;
  readonly #names: Names;
  readonly #p: CPrinter;
  readonly #out: string[] = [];
  readonly #state = new Map<number, State>();
  readonly #declared = new Set<string>();
  readonly #anonVisiting = new Set<number>();

  constructor(spec: Spec, opts: CPrinterOptions) {
    this.#spec = spec;
    this.#names = Names.forHeader(spec);
    this.#p = new CPrinter(spec, this.#names, opts);
  }

  /** `extern` declarations of every FUNC tagged `bpf_kfunc`, in id order, one per name. */
  kfuncs(): string {
    const spec = this.#spec;
    const seen = new Set<string>();
    const lines: string[] = [];
    const before = this.#out.length;
    for (const t of spec) {
      if (t.kind !== 'decl_tag' || t.name !== 'bpf_kfunc' || t.componentIdx !== -1) continue;
      const fn = spec.typeById(t.type);
      if (fn.kind !== 'func' || seen.has(fn.name)) continue;
      seen.add(fn.name);
      this.#need(fn.type, false, 0);
      lines.push(`extern ${this.#p.decl(fn.id, fn.name, 0)} __weak __ksym;\n`);
    }
    // Types the prototypes needed that the type pass did not emit (rare) go first.
    return this.#out.splice(before).join('') + lines.join('');
  }

  run(): string {
    const spec = this.#spec;
    const referenced = referencedIds(spec);
    const lateEnums: number[] = [];
    for (const t of spec) {
      switch (t.kind) {
        case 'struct':
        case 'union':
          if (t.name !== '') this.#define(t.id, 0);
          break;
        case 'enum':
        case 'enum64':
          if (t.name !== '') this.#define(t.id, 0);
          else if (!referenced.has(t.id)) this.#emitAnonEnum(t);
          else lateEnums.push(t.id);
          break;
        case 'typedef':
          if (!isBuiltinTypedef(t.name)) this.#define(t.id, 0);
          break;
        case 'fwd':
          this.#declare(t);
          break;
        default:
          break;
      }
    }
    for (const id of lateEnums) {
      const t = spec.typeById(id);
      if ((t.kind === 'enum' || t.kind === 'enum64') && !this.#p.emittedAnonEnums.has(id)) this.#emitAnonEnum(t);
    }
    return this.#out.join('');
  }

  #emitAnonEnum(t: AnyEnumType): void {
    this.#p.emittedAnonEnums.add(t.id);
    this.#out.push(`${this.#p.enumBody(t, 0)};\n\n`);
  }

  /** Emits `struct foo;` once for a named struct/union/fwd not yet defined or declared. */
  #declare(t: Type): void {
    if (this.#state.get(t.id) === 'done') return;
    const kind = t.kind === 'fwd' ? t.fwdKind : t.kind;
    const key = `${kind} ${this.#names.tag(t)}`;
    if (this.#declared.has(key)) return;
    this.#declared.add(key);
    this.#out.push(`${key};\n\n`);
  }

  /** Emits the full definition of a named struct/union/enum or a typedef, dependencies first. */
  #define(id: number, depth: number): void {
    const state = this.#state.get(id);
    if (state === 'done') return;
    if (state === 'visiting' || depth > MAX_PRINT_DEPTH) throw cycleError(id);
    const t = this.#spec.typeById(id);
    this.#state.set(id, 'visiting');
    switch (t.kind) {
      case 'struct':
      case 'union':
        for (const m of t.members) this.#need(m.type, true, depth + 1);
        this.#out.push(`${this.#p.body(t, 0, 0)};\n\n`);
        this.#declared.add(`${t.kind} ${this.#names.tag(t)}`);
        break;
      case 'enum':
      case 'enum64':
        this.#out.push(`${this.#p.enumBody(t, 0)};\n\n`);
        break;
      case 'typedef':
        this.#need(t.type, false, depth + 1);
        this.#out.push(`typedef ${this.#p.decl(t.type, this.#names.ident(t), 0)};\n\n`);
        break;
      default:
        break;
    }
    this.#state.set(id, 'done');
  }

  /** Makes type `id` usable: complete if `byValue`, else at least declared. */
  #need(id: number, byValue: boolean, depth: number): void {
    if (depth > MAX_PRINT_DEPTH) throw cycleError(id);
    const t = this.#spec.typeById(id);
    switch (t.kind) {
      case 'ptr':
        this.#need(t.type, false, depth + 1);
        return;
      case 'array':
        this.#need(t.type, true, depth + 1);
        return;
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
        this.#need(t.type, byValue, depth + 1);
        return;
      case 'typedef':
        if (isBuiltinTypedef(t.name)) {
          this.#need(t.type, byValue, depth + 1);
          return;
        }
        this.#define(id, depth + 1);
        if (byValue) this.#need(t.type, true, depth + 1);
        return;
      case 'func_proto':
        this.#need(t.returnType, false, depth + 1);
        for (const p of t.params) this.#need(p.type, false, depth + 1);
        return;
      case 'struct':
      case 'union':
        if (t.name !== '') {
          if (byValue) this.#define(id, depth + 1);
          else this.#declare(t);
          return;
        }
        if (this.#anonVisiting.has(id)) return;
        this.#anonVisiting.add(id);
        for (const m of t.members) this.#need(m.type, true, depth + 1);
        this.#anonVisiting.delete(id);
        return;
      case 'enum':
      case 'enum64':
        if (t.name !== '') this.#define(id, depth + 1);
        return;
      case 'fwd':
        this.#declare(t);
        return;
      default:
        return;
    }
  }
}

/** Ids referenced by any type that is printed as C (so not by func, var, datasec, decl_tag). */
function referencedIds(spec: Spec): Set<number> {
  const out = new Set<number>();
  for (const t of spec) {
    switch (t.kind) {
      case 'ptr':
      case 'array':
      case 'typedef':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
        out.add(t.type);
        break;
      case 'struct':
      case 'union':
        for (const m of t.members) out.add(m.type);
        break;
      case 'func_proto':
        out.add(t.returnType);
        for (const p of t.params) out.add(p.type);
        break;
      default:
        break;
    }
  }
  return out;
}

/**
 * Typedefs of compiler built-ins (`__builtin_va_list`) must not be redefined; they are printed as
 * their BTF definition instead, which keeps the kernel's layout (x86-64 `va_list` is 24 bytes,
 * BPF's would be 8).
 */
function isBuiltinTypedef(name: string): boolean {
  return name.startsWith('__builtin_');
}

/**
 * Returns a complete `vmlinux.h` for `spec`: every named struct, union, enum and typedef (plus
 * anonymous enums, whose constants programs use) in dependency order, with forward declarations,
 * anonymous nested types inline, bitfields, exact padding, an include guard, the
 * `preserve_access_index` pragma that makes field accesses CO-RE relocatable, and `__ksym`
 * prototypes of the kernel's kfuncs.
 *
 * Types with duplicate names get a `___N` suffix, which CO-RE ignores when matching.
 *
 * @throws {BtfResolveError} if the spec contains a reference cycle that C cannot express.
 * @example
 * writeFileSync('vmlinux.h', formatVmlinuxHeader(loadKernelSpec()));
 */
export function formatVmlinuxHeader(spec: Spec, opts: VmlinuxHeaderOptions = {}): string {
  const guard = opts.guard ?? '__VMLINUX_H__';
  const pai = opts.preserveAccessIndex ?? true;
  const emitter = new HeaderEmitter(spec, opts);
  const body = emitter.run();
  const kfuncs = (opts.kfuncPrototypes ?? true) ? emitter.kfuncs() : '';
  const parts = [`#ifndef ${guard}\n#define ${guard}\n\n`];
  if (pai) {
    parts.push(
      '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n' +
        '#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n' +
        '#endif\n\n',
    );
  }
  parts.push(body);
  if (kfuncs !== '') {
    parts.push(
      '#ifndef BPF_NO_KFUNC_PROTOTYPES\n' +
        '#ifndef __ksym\n#define __ksym __attribute__((section(".ksyms")))\n#endif\n' +
        '#ifndef __weak\n#define __weak __attribute__((weak))\n#endif\n\n' +
        kfuncs +
        '\n#endif /* BPF_NO_KFUNC_PROTOTYPES */\n\n',
    );
  }
  if (pai) parts.push('#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n');
  parts.push(`#endif /* ${guard} */\n`);
  return parts.join('');
}
