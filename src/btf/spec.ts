import { decodeType, extraSize, TYPE_HEADER } from './decode.js';
import { BtfResolveError } from './errors.js';
import type { LazyBytes } from './lazy-bytes.js';
import { NameIndex, type NameIndexArrays, type NameSlot } from './name-index.js';
import { StringTable } from './strings.js';
import { validateType } from './validate.js';
import type { Type, TypeInit, TypeKind, TypeOfKind, VoidType } from './types.js';

/** Raw, already validated type records backing a parsed spec. */
export interface RawTypes {
  view: DataView;
  /** Byte offset in `view` of each own type, in id order. */
  offsets: Uint32Array;
  /**
   * True when the records' kinds and lengths are checked but not their references: each type is
   * then validated on first decode, and {@link Spec.typeById} may throw `BtfParseError`.
   */
  lazy?: boolean;
  /** With `lazy`: the type section's byte range in `view`, which each record is checked against. */
  section?: { start: number; end: number };
  /** A name index saved earlier for these records (the kernel BTF cache); built on first use if absent. */
  nameIndex?: NameIndexArrays;
  /**
   * When `view`, `offsets` and `nameIndex` are views of one buffer read on demand (the kernel BTF
   * cache read page by page): how to fill a range before reading it. Needs `strBytes`.
   */
  lazyBytes?: LazyBytes;
  /** With `lazyBytes`: the own string table's bytes in `view` (filled on demand like the rest). */
  strBytes?: Uint8Array;
}

/** Arguments of the {@link Spec} constructor; use `parseBtf` or `Spec.fromTypes` instead. */
export interface SpecInit {
  base?: Spec;
  strings: StringTable;
  /** Number of own types (not counting void or base types). */
  count: number;
  raw?: RawTypes;
  types?: Type[];
}

/**
 * A set of BTF types: the parsed `.BTF` section of an object file, the kernel's vmlinux BTF, or
 * a module's split BTF layered over a base spec.
 *
 * Type ids are indices: `typeById(0)` is void, and a split spec's own ids start at
 * `base.typeCount`. Parsed specs decode each type on first access and cache it, so parsing is
 * cheap and only the types you touch cost anything. The name index behind {@link typesByName}
 * is built on first use. The returned type objects are shared and mutable (see types.ts);
 * use {@link copy} first if the original must stay unchanged.
 *
 * A spec is not safe to mutate from several places at once, but it is never mutated by this
 * module after construction except for its caches.
 */
export class Spec implements Iterable<Type> {
  /** The base spec of split BTF (a kernel module's BTF is split over vmlinux), else undefined. */
  readonly base: Spec | undefined;
  /** The string table: names of types in this spec (and strings of `.BTF.ext`). */
  readonly strings: StringTable;
  /** The first type id this spec owns: 1, or `base.typeCount` for split BTF. */
  readonly firstTypeId: number;
  readonly #count: number;
  readonly #own: (Type | undefined)[];
  readonly #raw: RawTypes | undefined;
  readonly #void: VoidType;
  #nameIndex: NameIndex | undefined;
  #all: Type[] | undefined;

  /** Creates a spec; prefer `parseBtf` or {@link Spec.fromTypes}. */
  constructor(init: SpecInit) {
    this.base = init.base;
    this.strings = init.strings;
    this.firstTypeId = init.base ? init.base.typeCount : 1;
    this.#count = init.count;
    this.#raw = init.raw;
    // Parsed types are decoded on demand: an empty array that grows as they are (V8 keeps it
    // sparse while few are, flat again once most are), not a slot per type allocated up front,
    // which costs a new process ~0.6 ms for the kernel's 100,000+ types before the first lookup.
    this.#own = init.types ?? [];
    this.#void = init.base ? (init.base.typeById(0) as VoidType) : { kind: 'void', id: 0, name: '' };
  }

  /**
   * Builds a spec from type objects: `types[i]` gets id `firstTypeId + i` (1 + i without a base).
   * Void (id 0) is implicit and must not be listed. The objects are shallow-copied and their
   * `id` set; references between them are not checked until used.
   *
   * @example
   * const spec = Spec.fromTypes([
   *   { kind: 'int', name: 'int', size: 4, encoding: 'signed', bits: 32, offset: 0 },  // id 1
   *   { kind: 'ptr', name: '', type: 1 },                                             // id 2
   * ]);
   */
  static fromTypes(types: readonly (Type | TypeInit)[], opts: { base?: Spec } = {}): Spec {
    const first = opts.base ? opts.base.typeCount : 1;
    const own: Type[] = types.map((t, i) => {
      if (t.kind === 'void') throw new TypeError(`Spec.fromTypes: types[${i}]: void is implicit (id 0), do not list it`);
      return { ...t, id: first + i } as Type;
    });
    const strings = new StringTable(opts.base ? new Uint8Array(0) : new Uint8Array(1), opts.base?.strings);
    return new Spec({ base: opts.base, strings, count: own.length, types: own });
  }

  /** Number of type ids, including void and the base's types: valid ids are `0 … typeCount - 1`. */
  get typeCount(): number {
    return this.firstTypeId + this.#count;
  }

  /** Number of types this spec owns (excluding void and base types). */
  get ownTypeCount(): number {
    return this.#count;
  }

  /**
   * Returns the type with id `id`.
   *
   * @throws {BtfResolveError} reason `bad-type-id` if there is no such type.
   * @throws {BtfParseError} if the spec is validated lazily (the kernel's BTF) and the type's
   *   record is malformed.
   */
  typeById(id: number): Type {
    const i = id - this.firstTypeId;
    if (i >= 0 && i < this.#count) {
      let t = this.#own[i];
      if (t === undefined) {
        const raw = this.#raw!;
        if (raw.lazyBytes) this.#fillRecord(raw, i, raw.lazyBytes);
        if (raw.lazy) validateType(raw.view, raw.offsets[i], id, this.typeCount, this.strings.length, raw.section);
        t = decodeType(raw.view, raw.offsets[i], id, this.strings);
        this.#own[i] = t;
      }
      return t;
    }
    if (id === 0) return this.#void;
    if (this.base && i < 0 && Number.isInteger(id) && id > 0) return this.base.typeById(id);
    throw new BtfResolveError('bad-type-id', id, `btf: type id ${id} out of range (have ${this.typeCount} types)`);
  }

  /** Fills own type `i`'s record offset and record (as far as they lie in the buffer) before they are read. */
  #fillRecord(raw: RawTypes, i: number, fill: LazyBytes): void {
    const at = raw.offsets.byteOffset + 4 * i;
    fill.fill(at, at + 4);
    const off = raw.offsets[i];
    const start = raw.view.byteOffset + off;
    fill.fill(start, start + TYPE_HEADER);
    if (off + TYPE_HEADER > raw.view.byteLength) return; // not a record: validation says so
    const info = raw.view.getUint32(off + 4, true);
    const extra = extraSize((info >>> 24) & 0x1f, info & 0xffff);
    if (extra > 0) fill.fill(start + TYPE_HEADER, start + TYPE_HEADER + extra);
  }

  /** Fills all of a buffer read on demand: before a walk over every type. */
  #fillAll(): void {
    this.#raw?.lazyBytes?.fillAll();
  }

  /** Whether `id` is a valid type id of this spec. */
  hasType(id: number): boolean {
    return Number.isInteger(id) && id >= 0 && id < this.typeCount;
  }

  /**
   * All types indexed by id (index 0 is void), including the base's for split BTF.
   * The first access decodes every type; prefer {@link typeById} for a few.
   */
  get types(): readonly Type[] {
    if (!this.#all) {
      this.#fillAll();
      const all: Type[] = this.base ? [...this.base.types] : [this.#void];
      for (let id = this.firstTypeId; id < this.typeCount; id++) all.push(this.typeById(id));
      this.#all = all;
    }
    return this.#all;
  }

  /** Yields this spec's own types (not void, not the base's) in id order. */
  *ownTypes(): IterableIterator<Type> {
    this.#fillAll();
    for (let id = this.firstTypeId; id < this.typeCount; id++) yield this.typeById(id);
  }

  /** Yields every type in id order, starting with void (and the base's types for split BTF). */
  *[Symbol.iterator](): IterableIterator<Type> {
    if (this.base) yield* this.base;
    else yield this.#void;
    yield* this.ownTypes();
  }

  /**
   * Returns every type named exactly `name`, of any kind, in id order (base types first).
   * The name index is built on the first call (a few milliseconds for vmlinux, without decoding
   * any type); names changed on type objects afterwards are not reindexed.
   */
  typesByName(name: string): Type[] {
    return this.#lookup(name, true);
  }

  /**
   * Returns every type whose essential name (the name without a CO-RE `___flavor` suffix) is
   * `name`, in id order (base types first): `task_struct` finds `task_struct` and
   * `task_struct___v2`. This is how CO-RE finds candidate types, without scanning the spec.
   */
  typesByEssentialName(name: string): Type[] {
    return this.#lookup(name, false);
  }

  #lookup(name: string, exact: boolean): Type[] {
    const out = this.base ? this.base.#lookup(name, exact) : [];
    for (const i of this.#index().find(name, exact)) out.push(this.typeById(this.firstTypeId + i));
    return out;
  }

  /**
   * Returns the first type named `name` (of kind `kind`, if given), or undefined.
   *
   * @example
   * const fn = spec.anyTypeByName('bpf_map_sum_elem_count', 'func'); // FuncType | undefined
   */
  anyTypeByName<K extends TypeKind>(name: string, kind: K): TypeOfKind<K> | undefined;
  anyTypeByName(name: string): Type | undefined;
  anyTypeByName(name: string, kind?: TypeKind): Type | undefined {
    for (const t of this.typesByName(name)) if (kind === undefined || t.kind === kind) return t;
    return undefined;
  }

  /** Yields every distinct type name of the spec (base names first), without decoding types. */
  *names(): IterableIterator<string> {
    const seen = new Set<string>();
    const all = this.base ? this.base.names() : [];
    for (const n of all) seen.add(n);
    yield* seen;
    this.#fillAll();
    for (let i = 0; i < this.#count; i++) {
      const n = this.#nameOf(i);
      if (n === '' || seen.has(n)) continue;
      seen.add(n);
      yield n;
    }
  }

  /** The name of own type `i` (0-based), read from the raw record when the type is not decoded. */
  #nameOf(i: number): string {
    const t = this.#own[i];
    if (t !== undefined || !this.#raw) return t?.name ?? '';
    if (this.#raw.offsets[i] + 4 > this.#raw.view.byteLength) return '';
    const nameOff = this.#raw.view.getUint32(this.#raw.offsets[i], true);
    return nameOff === 0 || !this.strings.has(nameOff) ? '' : this.strings.get(nameOff);
  }

  /**
   * Returns a deep copy whose own type objects can be changed without affecting this spec.
   * The base (if any) is shared, not copied.
   */
  copy(): Spec {
    const own = [...this.ownTypes()].map((t) => structuredClone(t));
    return Spec.fromTypes(own, { base: this.base });
  }

  /**
   * The raw record offsets and the name index (built now if needed) of a parsed spec, for the
   * kernel BTF cache; undefined for specs built from objects. Not for general use.
   */
  rawIndex(): { offsets: Uint32Array; nameIndex: NameIndexArrays } | undefined {
    if (!this.#raw) return undefined;
    this.#fillAll();
    return { offsets: this.#raw.offsets, nameIndex: this.#index().arrays() };
  }

  #index(): NameIndex {
    if (this.#nameIndex) return this.#nameIndex;
    const raw = this.#raw;
    const own = this.#own;
    const strings = this.strings;
    const lazy = raw?.lazyBytes;
    // Read on demand, the table is filled name by name below; `bytes()` would fill all of it.
    const local = lazy && raw.strBytes ? raw.strBytes : strings.bytes();
    const localStart = strings.start;
    const baseStrings = strings.base;
    const encoder = new TextEncoder();
    const source = (i: number, slot: NameSlot): boolean => {
      const t = own[i];
      if (t !== undefined || !raw) {
        // Decoded (or built from objects): index the name the object carries now.
        if (!t || t.name === '') return false;
        slot.bytes = encoder.encode(t.name);
        slot.start = 0;
        slot.end = slot.bytes.length;
        return true;
      }
      if (lazy) this.#fillRecord(raw, i, lazy);
      if (raw.offsets[i] + 4 > raw.view.byteLength) return false; // not a record: decoding the type will report it
      const nameOff = raw.view.getUint32(raw.offsets[i], true);
      if (nameOff === 0) return false;
      let bytes = local;
      let at = nameOff - localStart;
      if (at < 0) {
        if (!baseStrings || nameOff >= baseStrings.length) return false;
        bytes = baseStrings.bytes();
        at = nameOff - baseStrings.start;
        if (at < 0) return false; // a name deeper in the base chain: not produced by BTF tools
      }
      if (at >= bytes.length) return false; // invalid offset: decoding the type will report it
      if (lazy && bytes === local) lazy.fillString(bytes.byteOffset + at, bytes.byteOffset + bytes.length);
      let end = bytes.indexOf(0, at);
      if (end < 0) end = bytes.length;
      slot.bytes = bytes;
      slot.start = at;
      slot.end = end;
      return true;
    };
    const rawNames = raw && {
      blob: new Uint8Array(raw.view.buffer, raw.view.byteOffset, raw.view.byteLength),
      offsets: raw.offsets,
      strings: local,
      stringsStart: localStart,
    };
    this.#nameIndex = new NameIndex(this.#count, source, raw?.nameIndex, rawNames, lazy);
    return this.#nameIndex;
  }
}
