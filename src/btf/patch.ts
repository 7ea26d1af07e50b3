/**
 * Byte-preserving edits of a `.BTF` blob: change fields of existing type records in place and
 * append new strings and types, for loaders that must fix an object's BTF before the kernel takes
 * it (libbpf's DATASEC and extern fix-ups).
 *
 * Unlike decoding and re-marshalling, every existing string offset stays valid, which matters
 * because `.BTF.ext` line info points into the same string table. The blob is laid out as
 * header | types | strings, so appending a type never moves an existing record.
 */
import { extraSize, TYPE_HEADER } from './decode.js';
import { BtfResolveError } from './errors.js';
import { readBtfHeader, viewOf } from './header.js';
import { parseBtf } from './parse.js';
import type { Spec } from './spec.js';
import { KIND_NUMBER, type TypeKind } from './types.js';

/** Bytes of each record that follows a type's 12-byte header, per kind (for vlen-indexed edits). */
const ENTRY_SIZE: Partial<Record<TypeKind, number>> = {
  struct: 12,
  union: 12,
  enum: 8,
  enum64: 12,
  func_proto: 8,
  datasec: 12,
};

/**
 * A `.BTF` blob being edited. {@link spec} is the blob as it was given (parsed and fully
 * validated, never changed by the edits); {@link bytes} returns the edited blob.
 */
export class BtfPatch {
  /** The types as given, before any edit. */
  readonly spec: Spec;
  #bytes: Uint8Array;
  #view: DataView;
  readonly #hdrLen: number;
  #typeLen: number;
  #strLen: number;
  /** Byte offset of the record of each type id (index 0, void, has none). */
  readonly #offsets: number[] = [-1];
  #strings = new Map<string, number>();

  /**
   * Parses `input` (which is copied, never modified) for editing.
   *
   * @throws {BtfParseError} if the blob is malformed.
   */
  constructor(input: Uint8Array) {
    const h = readBtfHeader(viewOf(input));
    const types = input.subarray(h.hdrLen + h.typeOff, h.hdrLen + h.typeOff + h.typeLen);
    const strs = input.subarray(h.hdrLen + h.strOff, h.hdrLen + h.strOff + h.strLen);
    // Normalise to header | types | strings, then parse that copy: offsets stay as they are.
    const bytes = new Uint8Array(h.hdrLen + types.length + strs.length);
    bytes.set(input.subarray(0, h.hdrLen));
    bytes.set(types, h.hdrLen);
    bytes.set(strs, h.hdrLen + types.length);
    const view = viewOf(bytes);
    view.setUint32(8, 0, true);
    view.setUint32(12, types.length, true);
    view.setUint32(16, types.length, true);
    view.setUint32(20, strs.length, true);
    this.spec = parseBtf(bytes.slice());
    this.#bytes = bytes;
    this.#view = view;
    this.#hdrLen = h.hdrLen;
    this.#typeLen = types.length;
    this.#strLen = strs.length;
    for (let off = h.hdrLen, end = h.hdrLen + types.length; off < end; ) {
      this.#offsets.push(off);
      const info = view.getUint32(off + 4, true);
      off += TYPE_HEADER + extraSize((info >>> 24) & 0x1f, info & 0xffff); // parseBtf checked the layout
    }
  }

  /** The edited blob (a new copy on every append; valid until the next edit). */
  bytes(): Uint8Array {
    return this.#bytes;
  }

  /** Number of type ids, including void and appended types. */
  get typeCount(): number {
    return this.#offsets.length;
  }

  #record(id: number): number {
    const off = this.#offsets[id];
    if (off === undefined || off < 0) throw new BtfResolveError('bad-type-id', id, `btf: patch: type id ${id} out of range (have ${this.typeCount} types)`);
    return off;
  }

  #kindOf(id: number): number {
    return (this.#view.getUint32(this.#record(id) + 4, true) >>> 24) & 0x1f;
  }

  /** Sets the `size`/`type` field of type `id` (a DATASEC's size, a VAR's type…). */
  setSizeOrType(id: number, value: number): void {
    this.#view.setUint32(this.#record(id) + 8, value >>> 0, true);
  }

  /** Sets the vlen bits of type `id`'s info word (for a FUNC: its linkage). */
  setVlen(id: number, vlen: number): void {
    const at = this.#record(id) + 4;
    const info = this.#view.getUint32(at, true);
    this.#view.setUint32(at, ((info & 0xffff0000) | (vlen & 0xffff)) >>> 0, true);
  }

  /** Sets the linkage of VAR `id`. */
  setVarLinkage(id: number, linkage: 'static' | 'global' | 'extern'): void {
    if (this.#kindOf(id) !== KIND_NUMBER.var) throw new BtfResolveError('bad-kind', id, `btf: patch: type ${id} is not a var`);
    this.#view.setUint32(this.#record(id) + TYPE_HEADER, LINKAGE[linkage], true);
  }

  /** Sets the linkage of FUNC `id`. */
  setFuncLinkage(id: number, linkage: 'static' | 'global' | 'extern'): void {
    if (this.#kindOf(id) !== KIND_NUMBER.func) throw new BtfResolveError('bad-kind', id, `btf: patch: type ${id} is not a func`);
    this.setVlen(id, LINKAGE[linkage]);
  }

  /**
   * Overwrites u32 number `word` (0, 1 or 2) of entry `index` after the header of type `id`: a
   * member, enum value, parameter or DATASEC entry, as laid out in the kernel's structs.
   */
  setEntryWord(id: number, kind: TypeKind, index: number, word: number, value: number): void {
    const size = ENTRY_SIZE[kind];
    const off = this.#record(id);
    const info = this.#view.getUint32(off + 4, true);
    if (size === undefined || ((info >>> 24) & 0x1f) !== KIND_NUMBER[kind]) {
      throw new BtfResolveError('bad-kind', id, `btf: patch: type ${id} is not a ${kind}`);
    }
    if (!Number.isInteger(index) || index < 0 || index >= (info & 0xffff) || !Number.isInteger(word) || word < 0 || 4 * word >= size) {
      throw new BtfResolveError('bad-index', id, `btf: patch: type ${id}: no entry ${index} word ${word}`);
    }
    this.#view.setUint32(off + TYPE_HEADER + index * size + 4 * word, value >>> 0, true);
  }

  /** Returns the offset of string `s`, appending it to the string table unless this patch already did. */
  addString(s: string): number {
    const known = this.#strings.get(s);
    if (known !== undefined) return known;
    const enc = new TextEncoder().encode(s);
    const extra = new Uint8Array(enc.length + 1);
    extra.set(enc);
    const off = this.#strLen;
    this.#grow(new Uint8Array(0), extra);
    this.#strings.set(s, off);
    return off;
  }

  /**
   * Appends a type record: `kind`, `name`, the vlen bits, the `size`/`type` field and the bytes
   * that follow the header (`extra`, which must be as long as the kind needs). Returns its id.
   */
  addType(kind: TypeKind, name: string, vlen: number, sizeOrType: number, extra: Uint8Array = new Uint8Array(0)): number {
    const k = KIND_NUMBER[kind];
    if (extraSize(k, vlen) !== extra.length) throw new RangeError(`btf: patch: ${kind} with vlen ${vlen} needs ${extraSize(k, vlen)} extra bytes, got ${extra.length}`);
    const nameOff = name === '' ? 0 : this.addString(name);
    const rec = new Uint8Array(TYPE_HEADER + extra.length);
    const rv = viewOf(rec);
    rv.setUint32(0, nameOff, true);
    rv.setUint32(4, ((k << 24) | (vlen & 0xffff)) >>> 0, true);
    rv.setUint32(8, sizeOrType >>> 0, true);
    rec.set(extra, TYPE_HEADER);
    const off = this.#hdrLen + this.#typeLen;
    this.#grow(rec, new Uint8Array(0));
    this.#offsets.push(off);
    return this.#offsets.length - 1;
  }

  /** Re-lays the blob out as header | types + moreTypes | strings + moreStrings. */
  #grow(moreTypes: Uint8Array, moreStrings: Uint8Array): void {
    const h = this.#hdrLen;
    const old = this.#bytes;
    const typeLen = this.#typeLen + moreTypes.length;
    const strLen = this.#strLen + moreStrings.length;
    const out = new Uint8Array(h + typeLen + strLen);
    out.set(old.subarray(0, h + this.#typeLen));
    out.set(moreTypes, h + this.#typeLen);
    out.set(old.subarray(h + this.#typeLen, h + this.#typeLen + this.#strLen), h + typeLen);
    out.set(moreStrings, h + typeLen + this.#strLen);
    const view = viewOf(out);
    view.setUint32(12, typeLen, true);
    view.setUint32(16, typeLen, true);
    view.setUint32(20, strLen, true);
    this.#bytes = out;
    this.#view = view;
    this.#typeLen = typeLen;
    this.#strLen = strLen;
  }
}

const LINKAGE = { static: 0, global: 1, extern: 2 } as const;
