import { BtfParseError } from './errors.js';
import type { LazyBytes } from './lazy-bytes.js';

const utf8 = new TextDecoder('utf-8');
const NON_ASCII = /[^\x00-\x7f]/;
/**
 * Strings decoded one by one before the whole table is decoded at once: a program touching a few
 * hundred kernel types should not pay for decoding megabytes of names, a full walk should.
 */
const SINGLE_DECODES = 2048;

/**
 * The string section of a BTF blob: NUL-terminated strings addressed by byte offset.
 *
 * For split BTF the offsets continue after the base's table: an offset below `base.length` is
 * looked up in the base. Strings are decoded on first use and cached.
 */
export class StringTable {
  readonly #bytes: Uint8Array;
  readonly #start: number;
  /** The whole own table decoded at once when it is pure ASCII (offset = string index). */
  #ascii: string | undefined;
  #checked = false;
  #singles = 0;
  readonly #cache = new Map<number, string>();
  #lazy: LazyBytes | undefined;

  /**
   * Wraps `bytes` (which must end in a NUL byte unless empty) as a string table that continues
   * `base`. With `lazy` (the kernel BTF cache read on demand), the parts of `bytes` it reads are
   * filled through it first.
   */
  constructor(
    bytes: Uint8Array,
    readonly base?: StringTable,
    lazy?: LazyBytes,
  ) {
    this.#bytes = bytes;
    this.#start = base ? base.length : 0;
    this.#lazy = lazy;
  }

  /** Total size in bytes, including the base table. */
  get length(): number {
    return this.#start + this.#bytes.length;
  }

  /** Offset of the first byte owned by this table (the base's length, or 0). */
  get start(): number {
    return this.#start;
  }

  /** Whether `offset` addresses a byte of the table. */
  has(offset: number): boolean {
    return Number.isInteger(offset) && offset >= 0 && offset < this.length;
  }

  /**
   * Returns the string starting at `offset`.
   *
   * @throws {BtfParseError} reason `bad-string-offset` if `offset` is outside the table.
   */
  get(offset: number): string {
    if (offset < this.#start) {
      if (this.base && offset >= 0) return this.base.get(offset);
      throw this.#outOfRange(offset);
    }
    const local = offset - this.#start;
    if (!(local < this.#bytes.length) || !Number.isInteger(local)) throw this.#outOfRange(offset);
    if (!this.#checked && ++this.#singles > SINGLE_DECODES) this.#decodeAll();
    if (this.#ascii !== undefined) {
      const end = this.#ascii.indexOf('\0', local);
      return this.#ascii.slice(local, end < 0 ? this.#ascii.length : end);
    }
    let s = this.#cache.get(local);
    if (s === undefined) {
      if (this.#lazy) this.#lazy.fillString(this.#bytes.byteOffset + local, this.#bytes.byteOffset + this.#bytes.length);
      let end = this.#bytes.indexOf(0, local);
      if (end < 0) end = this.#bytes.length;
      s = utf8.decode(this.#bytes.subarray(local, end));
      this.#cache.set(local, s);
    }
    return s;
  }

  /** Yields `[offset, string]` for every string of the own table (not the base's), in order. */
  *entries(): IterableIterator<[number, string]> {
    this.#fillAll();
    let i = 0;
    const b = this.#bytes;
    while (i < b.length) {
      let end = b.indexOf(0, i);
      if (end < 0) end = b.length;
      yield [this.#start + i, this.get(this.#start + i)];
      i = end + 1;
    }
  }

  /** The raw bytes of the own table (for split BTF, without the base's). */
  bytes(): Uint8Array {
    this.#fillAll();
    return this.#bytes;
  }

  /** With a lazily filled table, fills all of it (once). */
  #fillAll(): void {
    if (!this.#lazy) return;
    const at = this.#bytes.byteOffset;
    this.#lazy.fill(at, at + this.#bytes.length);
    this.#lazy = undefined;
  }

  #decodeAll(): void {
    this.#fillAll();
    this.#checked = true;
    const s = utf8.decode(this.#bytes);
    if (!NON_ASCII.test(s)) this.#ascii = s;
  }

  #outOfRange(offset: number): BtfParseError {
    return new BtfParseError(
      'bad-string-offset',
      `btf: string offset ${offset} out of range (string table is ${this.length} bytes)`,
      offset,
    );
  }
}
