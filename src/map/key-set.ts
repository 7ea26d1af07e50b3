/**
 * KeySet: a set of fixed-size byte keys, for de-duplicating map iteration without a string per key.
 *
 * Keys of up to 4 bytes, read as a number v, are stored as bits: one hash table of Uint32 pairs
 * (interleaved in one array, 8 bytes a slot) maps the word v >>> 5 to a 32-bit mask of the keys
 * v & 31 it holds, so keys that lie close together (counters by pid, cpu, index...) share slots
 * and the table stays small: a walk of a map touches few pages of its own beside the kernel's
 * (100,000 dense keys take an 8,192-slot table, 64 KiB). Scattered keys take a slot each; the
 * table grows as it fills. Keys of 5 or 6 bytes are stored as exact numbers in a Float64Array;
 * longer keys are stored in a byte log and probed through an index table.
 * The most recent {@link RECENT} keys are also kept in insertion order ({@link KeySet.keyAt}).
 */

const EMPTY = -1;

/** How many of the most recently added keys {@link KeySet.keyAt} can return. */
export const RECENT = 64;

/** A set of `keySize`-byte keys, remembering the most recent ones in insertion order. */
export class KeySet {
  #recent: Uint8Array; // the last RECENT keys: key number idx at slot idx % RECENT
  #count = 0;
  // Keys of at most 4 bytes: at 2i the word (v >>> 5) + 1 (0 = free slot), at 2i + 1 its bit mask of v & 31.
  #table: Uint32Array | undefined;
  #used = 0; // occupied slots (of #table, #nums or #slots)
  // Keys of 5 or 6 bytes: numeric table.
  #nums: Float64Array | undefined;
  // Large keys: index table into #log, which holds them all in insertion order.
  #slots: Int32Array | undefined;
  #log: Uint8Array | undefined;
  #mask: number; // slots - 1

  /** `capacity` is how many keys the set expects; it grows past that as needed. */
  constructor(readonly keySize: number, capacity = 1024) {
    // 4-byte keys share a word per 32 neighbours: expect some sharing, grow when keys are scattered.
    const want = keySize <= 4 ? capacity / 8 : capacity;
    let n = 16;
    while (n < want * 2) n <<= 1;
    this.#mask = n - 1;
    if (keySize <= 4) this.#table = new Uint32Array(2 * n);
    else if (keySize <= 6) this.#nums = new Float64Array(n).fill(EMPTY);
    else {
      this.#slots = new Int32Array(n).fill(EMPTY);
      this.#log = new Uint8Array(keySize * Math.max(16, capacity));
    }
    this.#recent = new Uint8Array(Math.max(1, keySize) * RECENT);
  }

  /** Number of keys in the set. */
  get size(): number {
    return this.#count;
  }

  #num(src: Uint8Array, off: number): number {
    if (this.keySize === 4) return (src[off] | (src[off + 1] << 8) | (src[off + 2] << 16) | (src[off + 3] << 24)) >>> 0;
    let v = 0;
    for (let i = this.keySize - 1; i >= 0; i--) v = v * 256 + src[off + i];
    return v;
  }

  #hashBytes(src: Uint8Array, off: number): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < this.keySize; i++) h = Math.imul(h ^ src[off + i], 0x01000193);
    return (h ^ (h >>> 15)) >>> 0;
  }

  #equals(idx: number, src: Uint8Array, off: number): boolean {
    const base = idx * this.keySize;
    const log = this.#log!;
    for (let i = 0; i < this.keySize; i++) if (log[base + i] !== src[off + i]) return false;
    return true;
  }

  /** Whether the key at `src[off..off+keySize)` is in the set. */
  has(src: Uint8Array, off = 0): boolean {
    const table = this.#table;
    if (table) {
      const v = this.#num(src, off);
      return (table[this.#wordSlot(table, (v >>> 5) + 1) + 1] & (1 << (v & 31))) !== 0;
    }
    return this.#find(src, off) < 0;
  }

  // The index in `table` of word `w`: where it is, or the free slot where it would go.
  #wordSlot(table: Uint32Array, w: number): number {
    const mask = this.#mask;
    let i = hash32(w) & mask;
    for (;;) {
      const x = table[2 * i];
      if (x === w || x === 0) return 2 * i;
      i = (i + 1) & mask;
    }
  }

  // Larger keys: -1 - slot when found, or the free slot where it would go.
  #find(src: Uint8Array, off: number): number {
    const mask = this.#mask;
    const nums = this.#nums;
    if (nums) {
      const v = this.#num(src, off);
      let i = hashNum(v) & mask;
      for (;;) {
        const x = nums[i];
        if (x === EMPTY) return i;
        if (x === v) return -1 - i;
        i = (i + 1) & mask;
      }
    }
    const slots = this.#slots!;
    let i = this.#hashBytes(src, off) & mask;
    for (;;) {
      const idx = slots[i];
      if (idx === EMPTY) return i;
      if (this.#equals(idx, src, off)) return -1 - i;
      i = (i + 1) & mask;
    }
  }

  /** Adds the key; returns false when it was already there. */
  add(src: Uint8Array, off = 0): boolean {
    const table = this.#table;
    if (table) {
      const v = this.#num(src, off);
      const bit = 1 << (v & 31);
      const w = (v >>> 5) + 1;
      const i = this.#wordSlot(table, w);
      const b = table[i + 1];
      if ((b & bit) !== 0) return false;
      table[i + 1] = b | bit;
      this.#note(src, off);
      if (table[i] === 0) {
        table[i] = w;
        if (++this.#used * 2 > this.#mask + 1) this.#grow();
      }
      return true;
    }
    const slot = this.#find(src, off);
    if (slot < 0) return false;
    if (this.#nums) this.#nums[slot] = this.#num(src, off);
    else this.#slots![slot] = this.#append(src, off);
    this.#note(src, off);
    if (++this.#used * 2 > this.#mask + 1) this.#grow();
    return true;
  }

  /**
   * Adds the `count` keys packed at `src[0..count * keySize)` in order, stopping at the first one
   * already in the set (a key twice in the run counts as already there the second time); returns
   * how many it added, so `count` when all were new.
   */
  addRun(src: Uint8Array, count: number): number {
    const ks = this.keySize;
    if (ks !== 4 || !this.#table) {
      for (let n = 0; n < count; n++) if (!this.add(src, n * ks)) return n;
      return count;
    }
    // 4-byte keys, the common case: add() inlined by hand, the recent keys noted once at the end.
    const before = this.#count;
    let n = 0;
    for (; n < count; n++) {
      const off = n * 4;
      const v = (src[off] | (src[off + 1] << 8) | (src[off + 2] << 16) | (src[off + 3] << 24)) >>> 0;
      const bit = 1 << (v & 31);
      const w = (v >>> 5) + 1;
      const table = this.#table;
      const mask = this.#mask;
      let i = hash32(w) & mask;
      for (;;) {
        const x = table[2 * i];
        if (x === w || x === 0) break;
        i = (i + 1) & mask;
      }
      const b = table[2 * i + 1];
      if ((b & bit) !== 0) break;
      table[2 * i + 1] = b | bit;
      if (table[2 * i] === 0) {
        table[2 * i] = w;
        if (++this.#used * 2 > mask + 1) this.#grow();
      }
    }
    // Only the last RECENT of the added keys are kept.
    const recent = this.#recent;
    for (let j = Math.max(0, n - RECENT); j < n; j++) {
      const at = ((before + j) % RECENT) * 4;
      recent[at] = src[j * 4];
      recent[at + 1] = src[j * 4 + 1];
      recent[at + 2] = src[j * 4 + 2];
      recent[at + 3] = src[j * 4 + 3];
    }
    this.#count = before + n;
    return n;
  }

  // Counts the key just added and keeps it among the recent ones.
  #note(src: Uint8Array, off: number): void {
    const ks = this.keySize;
    const base = (this.#count++ % RECENT) * ks;
    const recent = this.#recent;
    for (let i = 0; i < ks; i++) recent[base + i] = src[off + i];
  }

  // Large keys: appends the key to the log (the set's own count is not yet raised); returns its index.
  #append(src: Uint8Array, off: number): number {
    const ks = this.keySize;
    const idx = this.#count;
    const need = (idx + 1) * ks;
    let log = this.#log!;
    if (need > log.length) {
      const bigger = new Uint8Array(Math.max(need, log.length * 2));
      bigger.set(log);
      this.#log = log = bigger;
    }
    const base = idx * ks;
    for (let i = 0; i < ks; i++) log[base + i] = src[off + i];
    return idx;
  }

  /**
   * The key added `idx`-th (0-based), one of the last {@link RECENT} added (`idx >= size - RECENT`),
   * as a view valid until the next add.
   * @throws {RangeError} for an index outside them.
   */
  keyAt(idx: number): Uint8Array {
    if (!Number.isInteger(idx) || idx < 0 || idx >= this.#count || idx < this.#count - RECENT) {
      throw new RangeError(`key set: keyAt(${idx}) outside the ${Math.min(RECENT, this.#count)} most recent of ${this.#count} keys`);
    }
    const ks = this.keySize;
    const at = (idx % RECENT) * ks;
    return this.#recent.subarray(at, at + ks);
  }

  #grow(): void {
    const n = (this.#mask + 1) * 2;
    const mask = n - 1;
    if (this.#table) {
      const old = this.#table;
      const table = new Uint32Array(2 * n);
      for (let j = 0; j < old.length; j += 2) {
        const w = old[j];
        if (w === 0) continue;
        let i = hash32(w) & mask;
        while (table[2 * i] !== 0) i = (i + 1) & mask;
        table[2 * i] = w;
        table[2 * i + 1] = old[j + 1];
      }
      this.#table = table;
    } else if (this.#nums) {
      const old = this.#nums;
      const nums = new Float64Array(n).fill(EMPTY);
      for (let j = 0; j < old.length; j++) {
        const v = old[j];
        if (v === EMPTY) continue;
        let i = hashNum(v) & mask;
        while (nums[i] !== EMPTY) i = (i + 1) & mask;
        nums[i] = v;
      }
      this.#nums = nums;
    } else {
      const slots = new Int32Array(n).fill(EMPTY);
      const log = this.#log!;
      for (let idx = 0; idx < this.#count; idx++) {
        let i = this.#hashBytes(log, idx * this.keySize) & mask;
        while (slots[i] !== EMPTY) i = (i + 1) & mask;
        slots[i] = idx;
      }
      this.#slots = slots;
    }
    this.#mask = mask;
  }
}

function hashNum(v: number): number {
  const lo = v >>> 0;
  const hi = (v / 4294967296) >>> 0;
  let h = Math.imul(lo ^ (lo >>> 16), 0x45d9f3b) ^ Math.imul(hi, 0x27d4eb2d);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) >>> 0;
}

function hash32(v: number): number {
  const h = Math.imul(v ^ (v >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) >>> 0;
}
