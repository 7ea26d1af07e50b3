/**
 * Variable: a global variable of a loaded collection (`.data`, `.bss`, `.rodata`, `.kconfig`),
 * read and written from TypeScript while programs use it.
 *
 * Data section maps created with BPF_F_MMAPABLE are mapped into this process once, so `get()`
 * and `set()` are plain memory accesses that programs see immediately. Without mmap they go
 * through map lookup and update of the single element (a read-modify-write: not atomic against
 * programs writing nearby bytes). Constants (`.rodata`, `.kconfig`) are frozen at load: they
 * stay readable, and `set()` throws.
 */
import { MAP_SHARED, PROT_READ, PROT_WRITE, mapMemory, unmap } from '../sys/mmap.js';
import { pageSize } from '../sys/page-size.js';
import { ClosedError } from '../sys/errors.js';
import { Errno } from '../sys/errno.js';
import { bytes, describeValue, i32, i64, u16, u32, u64, u8, type Codec } from '../codec/codec.js';
import { boolCodec, i16Codec, i8Codec } from '../codec/helpers.js';
import { skipQualifiers, type Spec } from '../btf/index.js';
import type { BpfMap } from '../map/map.js';
import { encodeArg } from '../map/options.js';
import type { VariableSpec } from '../spec/index.js';

/** What {@link Variable.get} returns without an explicit codec: numbers up to 32 bits, bigint for 64, boolean, or bytes. */
export type VariableValue = number | bigint | boolean | Buffer;

/**
 * The memory of one data section map: an mmap'd view, or lookup/update of its one element.
 * Shared by the variables of the map; the collection closes it.
 */
export class DataSection {
  readonly #map: BpfMap;
  #mem: ArrayBuffer | undefined;
  #view: DataView | undefined;
  readonly #key = new Uint8Array(4);
  #closed = false;

  /**
   * Wraps a data section map; maps it into memory when it was created BPF_F_MMAPABLE (read-only
   * when `readOnly`: a frozen map cannot be mapped writable).
   * @throws {SyscallError} (syscall `mmap`) naming the map, e.g. EPERM for a frozen map mapped writable.
   */
  constructor(map: BpfMap, opts: { mmap: boolean; readOnly: boolean }) {
    this.#map = map;
    if (opts.mmap && map.valueSize > 0) {
      const page = pageSize();
      const len = Math.ceil(map.valueSize / page) * page;
      const hint = (errno: number): string | undefined =>
        errno !== Errno.EPERM ? undefined : opts.readOnly ? 'permission denied' : 'the map is frozen: it can only be mapped read-only';
      this.#mem = mapMemory(map.fd, len, opts.readOnly ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, 0, `map ${map.name}: mmap`, hint);
      this.#view = new DataView(this.#mem, 0, map.valueSize);
    }
  }

  /** The map's name (`.data`, `.bss`...). */
  get name(): string {
    return this.#map.name;
  }

  /** The section's size in bytes (the map's value size): every variable lies within it. */
  get size(): number {
    return this.#map.valueSize;
  }

  /** Whether reads and writes go straight to mapped memory. */
  get mmapped(): boolean {
    return this.#view !== undefined;
  }

  #check(what: string): void {
    if (this.#closed) throw new ClosedError(what);
  }

  /** A view of the section's bytes at their current value: the live memory when mmapped, else a fresh copy. */
  view(what: string): DataView {
    this.#check(what);
    if (this.#view) return this.#view;
    const v = this.#map.lookupRaw(this.#key);
    if (!v) throw new Error(`${what}: map ${this.#map.name} has no element 0`);
    const copy = Uint8Array.from(v);
    return new DataView(copy.buffer);
  }

  /** Writes `len` bytes at `offset` through `write`, which fills a view of the section. */
  write(what: string, offset: number, write: (view: DataView) => void): void {
    this.#check(what);
    if (this.#view) {
      write(this.#view);
      return;
    }
    const view = this.view(what);
    write(view);
    this.#map.updateRaw(this.#key, new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  }

  /** Unmaps the memory (the map itself is closed by its owner). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    unmap(this.#mem);
    this.#mem = undefined;
    this.#view = undefined;
  }
}

/** A codec for a BTF type when it is a plain scalar; otherwise raw bytes of `size`. */
export function codecForBtfType(btf: Spec | undefined, typeId: number, size: number): Codec<VariableValue> {
  const raw = bytes(size) as Codec<VariableValue>;
  if (!btf || !typeId) return raw;
  let t;
  try {
    t = btf.typeById(skipQualifiers(btf, typeId));
  } catch {
    return raw;
  }
  const isInt = t.kind === 'int' && t.bits === t.size * 8 && t.offset === 0;
  const isEnum = t.kind === 'enum' || t.kind === 'enum64';
  if (!(isInt || isEnum || t.kind === 'ptr') || size !== (t.kind === 'ptr' ? 8 : (t as { size: number }).size)) return raw;
  const signed = (t.kind === 'int' && t.encoding === 'signed') || (isEnum && (t as { signed?: boolean }).signed === true);
  if (t.kind === 'int' && t.encoding === 'bool' && size === 1) return boolCodec as Codec<VariableValue>;
  switch (size) {
    case 1:
      return (signed ? i8Codec : u8) as Codec<VariableValue>;
    case 2:
      return (signed ? i16Codec : u16) as Codec<VariableValue>;
    case 4:
      return (signed ? i32 : u32) as Codec<VariableValue>;
    case 8:
      return (signed ? i64 : u64) as Codec<VariableValue>;
    default:
      return raw;
  }
}

/**
 * A global variable of a loaded collection.
 *
 * `get()`/`set()` use a codec chosen from the variable's BTF type: `number` for integers and
 * enums up to 32 bits, `bigint` for 64-bit ones and pointers, `boolean` for `bool`, and a
 * `Buffer` of the exact size for arrays, structs and anything else. {@link Variable.as} gives
 * another view with your own codec (e.g. a struct codec from `tsbpf gen`).
 *
 * @example
 * coll.variables.hits.get();      // 1n (a __u64 in .data)
 * coll.variables.misses.set(5);   // a __u32 in .bss, seen by the program's next run
 */
export class Variable<T = VariableValue> {
  /** The C identifier. */
  readonly name: string;
  /** The data section map holding it (`.data`, `.bss`, `.rodata`...). */
  readonly mapName: string;
  /** Byte offset in the map value. */
  readonly offset: number;
  /** Size in bytes. */
  readonly size: number;
  /** A constant (`.rodata`, `.kconfig`): frozen at load, so `set()` throws. */
  readonly constant: boolean;
  /** How values are encoded. */
  readonly codec: Codec<T>;
  readonly #section: DataSection;
  readonly #label: string;

  /** Made by `loadCollection`; `codec.size` must equal the variable's size. */
  constructor(spec: VariableSpec, section: DataSection, codec: Codec<T>) {
    this.name = spec.name;
    this.mapName = spec.mapName;
    this.offset = spec.offset;
    this.size = spec.size;
    this.constant = spec.constant;
    this.#section = section;
    this.#label = `variable ${spec.name}`;
    if (!Number.isInteger(spec.offset) || !Number.isInteger(spec.size) || spec.offset < 0 || spec.size < 0 || spec.offset + spec.size > section.size) {
      throw new RangeError(`${this.#label}: offset ${spec.offset} and size ${spec.size} lie outside ${spec.mapName} (${section.size} bytes)`);
    }
    if (codec.size !== spec.size) throw new TypeError(`${this.#label}: codec ${codec.name ?? ''} is ${codec.size} bytes, the variable is ${spec.size}`);
    this.codec = codec;
  }

  /** Whether reads and writes go straight to mmap'd memory (no syscall). */
  get mmapped(): boolean {
    return this.#section.mmapped;
  }

  /** Reads the current value. @throws {ClosedError} after the collection is closed. */
  get(): T {
    return this.codec.decode(this.#section.view(this.#label), this.offset);
  }

  /**
   * Writes a value that programs see on their next access.
   * @throws {Error} for a constant; {@link ClosedError} after the collection is closed.
   */
  set(value: T): void {
    this.#writable();
    this.#section.write(this.#label, this.offset, (view) => encodeArg(`${this.#label}: set`, 'value', this.codec, value, view, this.offset));
  }

  /** A copy of the variable's bytes. */
  getBytes(): Buffer {
    const v = this.#section.view(this.#label);
    return Buffer.copyBytesFrom(new Uint8Array(v.buffer, v.byteOffset + this.offset, this.size));
  }

  /** Writes the variable's bytes; `value` must be exactly `size` bytes. */
  setBytes(value: Uint8Array): void {
    this.#writable();
    if (!(value instanceof Uint8Array)) throw new TypeError(`${this.#label}: setBytes: value must be a Uint8Array, got ${describeValue(value)}`);
    if (value.length !== this.size) throw new RangeError(`${this.#label}: got ${value.length} bytes, the variable is ${this.size}`);
    this.#section.write(this.#label, this.offset, (view) => new Uint8Array(view.buffer, view.byteOffset + this.offset, this.size).set(value));
  }

  /** The same variable seen through another codec of the same size. */
  as<U>(codec: Codec<U>): Variable<U> {
    return new Variable<U>(
      { name: this.name, mapName: this.mapName, offset: this.offset, size: this.size, constant: this.constant, typeId: 0, isStatic: false },
      this.#section,
      codec,
    );
  }

  #writable(): void {
    if (this.constant) {
      throw new Error(
        `${this.#label}: is a constant in ${this.mapName}, frozen at load: set it before loading with loadCollection(obj, { constants: { ${this.name}: ... } })`,
      );
    }
  }
}
