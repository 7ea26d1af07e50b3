/**
 * The name → type ids index of a spec, built in one pass over the raw records without decoding
 * a type or a string: each named type is hashed by the bytes of its *essential* name (the name
 * without a CO-RE `___flavor` suffix) into a chained hash table of typed arrays. One index
 * answers both exact lookups (`typesByName`) and CO-RE candidate lookups (every type whose
 * essential name matches), because a chain holds all flavors of a name; each hit is confirmed
 * by comparing bytes, so a hash collision never returns a wrong type.
 */

import type { LazyBytes } from './lazy-bytes.js';

const UNDERSCORE = 0x5f;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const utf8 = new TextEncoder();

/**
 * Returns `name` without its flavor suffix: `task_struct___v2` → `task_struct`. A flavor starts
 * at the last `___` that follows a non-underscore and is followed by one.
 */
export function essentialName(name: string): string {
  for (let i = name.length - 5; i >= 0; i--) {
    if (name[i] !== '_' && name[i + 1] === '_' && name[i + 2] === '_' && name[i + 3] === '_' && name[i + 4] !== '_') {
      return name.slice(0, i + 1);
    }
  }
  return name;
}

/** End of the essential part of the name in `b[start, end)`: the same rule as {@link essentialName}, on UTF-8 bytes. */
function essentialEnd(b: Uint8Array, start: number, end: number): number {
  for (let i = end - 5; i >= start; i--) {
    if (b[i] !== UNDERSCORE && b[i + 1] === UNDERSCORE && b[i + 2] === UNDERSCORE && b[i + 3] === UNDERSCORE && b[i + 4] !== UNDERSCORE) {
      return i + 1;
    }
  }
  return end;
}

/**
 * FNV-1a hash of the essential part of the name starting at `b[start]` and ending at a NUL byte
 * or at `end`, in one forward pass: the hash is remembered after each byte that could end the
 * essential part, and the last such point wins.
 */
function hashEssential(b: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  let ess = -1;
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c === 0) break;
    h = Math.imul(h ^ c, FNV_PRIME);
    if (c !== UNDERSCORE && i + 4 < end && b[i + 1] === UNDERSCORE && b[i + 2] === UNDERSCORE && b[i + 3] === UNDERSCORE) {
      const after = b[i + 4];
      if (after !== UNDERSCORE && after !== 0) ess = h;
    }
  }
  return (ess === -1 ? h : ess) >>> 0;
}

/** FNV-1a hash of all of `b[start, end)`. */
function hashAll(b: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], FNV_PRIME);
  return h >>> 0;
}

function sameBytes(a: Uint8Array, aStart: number, aEnd: number, q: Uint8Array): boolean {
  if (aEnd - aStart !== q.length) return false;
  for (let i = 0; i < q.length; i++) if (a[aStart + i] !== q[i]) return false;
  return true;
}

/**
 * Where the name of a type lives: `bytes[start, end)` (UTF-8, no NUL). A source fills the same
 * object for every call and returns false for an anonymous type or an unreadable name.
 */
export interface NameSlot {
  bytes: Uint8Array;
  start: number;
  end: number;
}

/** Fills `slot` with the name of own type `index` (0-based); false when it has none. */
export type NameSource = (index: number, slot: NameSlot) => boolean;

/**
 * Raw records to index directly (the fast path for parsed specs): the name offset of own type `i`
 * is the u32 at `blob[offsets[i]]`; names at or after `stringsStart` are in `strings`, others
 * are read through the {@link NameSource}.
 */
export interface RawNames {
  blob: Uint8Array;
  offsets: Uint32Array;
  strings: Uint8Array;
  stringsStart: number;
}

/** The two arrays of a {@link NameIndex}, as saved in the kernel BTF cache. */
export interface NameIndexArrays {
  /** Bucket heads (a power of two long): the first type index of each chain, or -1. */
  heads: Int32Array;
  /** Per type index, the next index in its chain, or -1. */
  next: Int32Array;
}

/** A chained hash table from essential names to the own type indices of a spec. */
export class NameIndex {
  readonly #heads: Int32Array;
  readonly #next: Int32Array;
  readonly #mask: number;
  readonly #source: NameSource;
  readonly #count: number;
  readonly #lazy: LazyBytes | undefined;

  /**
   * Indexes `count` types whose names `source` reads, in one pass without creating strings; or,
   * given `saved` arrays (from {@link arrays}, e.g. read from a cache), uses them as they are.
   * Saved arrays of the wrong shape are ignored. Wrong contents can only make lookups miss:
   * every hit is checked against the type's name. With `lazy` (the kernel BTF cache read on
   * demand), the saved arrays' entries are filled through it before they are read, and a build
   * fills everything first.
   */
  constructor(count: number, source: NameSource, saved?: NameIndexArrays, raw?: RawNames, lazy?: LazyBytes) {
    this.#source = source;
    this.#count = count;
    if (saved && saved.next.length === count && saved.heads.length >= 16 && (saved.heads.length & (saved.heads.length - 1)) === 0) {
      this.#heads = saved.heads;
      this.#next = saved.next;
      this.#mask = saved.heads.length - 1;
      this.#lazy = lazy;
      return;
    }
    lazy?.fillAll();
    let size = 16;
    while (size < count * 2) size *= 2;
    this.#heads = new Int32Array(size).fill(-1);
    this.#next = new Int32Array(count).fill(-1);
    this.#mask = size - 1;
    const slot: NameSlot = { bytes: new Uint8Array(0), start: 0, end: 0 };
    const heads = this.#heads;
    const next = this.#next;
    const mask = this.#mask;
    // Insert from the last type to the first so every chain lists indices in ascending order.
    // This loop runs once per process over 100,000+ types, mostly before the JIT warms up: keep
    // it to plain array reads.
    for (let i = count - 1; i >= 0; i--) {
      let h: number;
      if (raw) {
        const o = raw.offsets[i];
        const b = raw.blob;
        const nameOff = (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
        if (nameOff === 0) continue;
        const at = nameOff - raw.stringsStart;
        if (at >= 0) {
          if (at >= raw.strings.length || raw.strings[at] === 0) continue;
          h = hashEssential(raw.strings, at, raw.strings.length);
        } else {
          if (!source(i, slot) || slot.end === slot.start) continue;
          h = hashEssential(slot.bytes, slot.start, slot.end);
        }
      } else {
        if (!source(i, slot) || slot.end === slot.start) continue;
        h = hashEssential(slot.bytes, slot.start, slot.end);
      }
      const k = h & mask;
      next[i] = heads[k];
      heads[k] = i;
    }
  }

  /** The index's arrays, to save it. */
  arrays(): NameIndexArrays {
    this.#lazy?.fill(this.#heads.byteOffset, this.#heads.byteOffset + this.#heads.byteLength);
    this.#lazy?.fill(this.#next.byteOffset, this.#next.byteOffset + this.#next.byteLength);
    return { heads: this.#heads, next: this.#next };
  }

  /** `a[i]`, filled first when the arrays are read on demand. */
  #at(a: Int32Array, i: number): number {
    if (this.#lazy) this.#lazy.fill(a.byteOffset + 4 * i, a.byteOffset + 4 * i + 4);
    return a[i];
  }

  /**
   * Returns, in ascending order, the indices of types named exactly `name` (`exact`) or, when
   * `exact` is false, of types whose essential name is `name`.
   */
  find(name: string, exact: boolean): number[] {
    const out: number[] = [];
    if (name === '') return out;
    const q = utf8.encode(name);
    if (q.includes(0)) return out;
    let i = this.#at(this.#heads, (exact ? hashEssential(q, 0, q.length) : hashAll(q, 0, q.length)) & this.#mask);
    const slot: NameSlot = { bytes: q, start: 0, end: 0 };
    // A chain is at most `count` long; the bound only matters if the arrays were corrupted.
    for (let steps = 0; i >= 0 && i < this.#count && steps < this.#count; steps++, i = this.#at(this.#next, i)) {
      if (!this.#source(i, slot)) continue;
      const end = exact ? slot.end : essentialEnd(slot.bytes, slot.start, slot.end);
      if (sameBytes(slot.bytes, slot.start, end, q)) out.push(i);
    }
    // Saved arrays are not trusted to be ordered.
    for (let k = 1; k < out.length; k++) {
      if (out[k] <= out[k - 1]) return [...new Set(out)].sort((a, b) => a - b);
    }
    return out;
  }
}
