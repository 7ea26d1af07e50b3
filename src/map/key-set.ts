/**
 * KeySet: a set of fixed-size byte keys, for de-duplicating map iteration without a string per key.
 *
 * Keys of up to 4 bytes, read as a number v, are stored as bits: one hash table of Uint32 pairs
 * maps the word v >>> 5 to a 32-bit mask of the keys v & 31 it holds (two Uint32Arrays, 8 bytes
 * a slot), so keys that lie close together (counters by pid, cpu, index...) share
 * slots and the table stays small enough for the CPU's caches; scattered keys take a slot each.
 * Keys of 5 or 6 bytes are stored as exact numbers in a Float64Array; longer keys are stored in
 * a byte log and probed through an index table.
 * Either way the keys are also kept in insertion order ({@link KeySet.keyAt}).
 */

const EMPTY = -1;

/** A set of `keySize`-byte keys, remembering insertion order. */
export class KeySet {
  #log: Uint8Array; // keys in insertion order
  #count = 0;
  // Keys of at most 4 bytes: the word (v >>> 5) + 1 (0 = free slot) and its bit mask of v & 31.
  #words: Uint32Array | undefined;
  #bits: Uint32Array | undefined;
  #used = 0; // occupied slots (of #words, #nums or #slots)
  // Keys of 5 or 6 bytes: numeric table.
  #nums: Float64Array | undefined;
  // Large keys: index table into #log.
  #slots: Int32Array | undefined;
  #mask: number;

  constructor(readonly keySize: number, capacity = 1024) {
    let n = 16;
    while (n < capacity * 2) n <<= 1;
    this.#mask = n - 1;
    if (keySize <= 4) {
      this.#words = new Uint32Array(n);
      this.#bits = new Uint32Array(n);
    }
    else if (keySize <= 6) this.#nums = new Float64Array(n).fill(EMPTY);
    else this.#slots = new Int32Array(n).fill(EMPTY);
    this.#log = new Uint8Array(Math.max(1, keySize) * Math.max(16, capacity));
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
    const log = this.#log;
    for (let i = 0; i < this.keySize; i++) if (log[base + i] !== src[off + i]) return false;
    return true;
  }

  /** Whether the key at `src[off..off+keySize)` is in the set. */
  has(src: Uint8Array, off = 0): boolean {
    const words = this.#words;
    if (words) {
      const v = this.#num(src, off);
      return (this.#bits![this.#wordSlot(words, (v >>> 5) + 1)] & (1 << (v & 31))) !== 0;
    }
    return this.#find(src, off) < 0;
  }

  // The slot of word `w`: where it is, or the free slot where it would go.
  #wordSlot(words: Uint32Array, w: number): number {
    const mask = this.#mask;
    let i = hash32(w) & mask;
    for (;;) {
      const x = words[i];
      if (x === w || x === 0) return i;
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
    const words = this.#words;
    if (words) return this.#addWord(words, src, off);
    const slot = this.#find(src, off);
    if (slot < 0) return false;
    const idx = this.#append(src, off);
    if (this.#nums) this.#nums[slot] = this.#num(src, off);
    else this.#slots![slot] = idx;
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
    this.#reserve(count);
    if (ks !== 4 || !this.#words) {
      for (let n = 0; n < count; n++) if (!this.add(src, n * ks)) return n;
      return count;
    }
    // 4-byte keys, the common case: #addWord inlined by hand, the log reserved once.
    const log = this.#log;
    for (let n = 0; n < count; n++) {
      const off = n * 4;
      const v = (src[off] | (src[off + 1] << 8) | (src[off + 2] << 16) | (src[off + 3] << 24)) >>> 0;
      const bit = 1 << (v & 31);
      const w = (v >>> 5) + 1;
      const words = this.#words;
      const bits = this.#bits!;
      const mask = this.#mask;
      let i = hash32(w) & mask;
      for (;;) {
        const x = words[i];
        if (x === w || x === 0) break;
        i = (i + 1) & mask;
      }
      const b = bits[i];
      if ((b & bit) !== 0) return n;
      bits[i] = b | bit;
      const base = this.#count++ * 4;
      log[base] = src[off];
      log[base + 1] = src[off + 1];
      log[base + 2] = src[off + 2];
      log[base + 3] = src[off + 3];
      if (words[i] === 0) {
        words[i] = w;
        if (++this.#used * 2 > mask + 1) this.#grow();
      }
    }
    return count;
  }

  #addWord(words: Uint32Array, src: Uint8Array, off: number): boolean {
    const v = this.#num(src, off);
    const bit = 1 << (v & 31);
    const w = (v >>> 5) + 1;
    const i = this.#wordSlot(words, w);
    const bits = this.#bits!;
    const b = bits[i];
    if ((b & bit) !== 0) return false;
    bits[i] = b | bit;
    this.#append(src, off);
    if (words[i] === 0) {
      words[i] = w;
      if (++this.#used * 2 > this.#mask + 1) this.#grow();
    }
    return true;
  }

  // Logs the key in insertion order; returns its index.
  #append(src: Uint8Array, off: number): number {
    this.#reserve(1);
    const idx = this.#count++;
    const ks = this.keySize;
    const log = this.#log;
    const base = idx * ks;
    for (let i = 0; i < ks; i++) log[base + i] = src[off + i];
    return idx;
  }

  // Makes room in the log for `more` keys.
  #reserve(more: number): void {
    const need = (this.#count + more) * this.keySize;
    if (need <= this.#log.length) return;
    let len = this.#log.length * 2;
    while (len < need) len *= 2;
    const bigger = new Uint8Array(len);
    bigger.set(this.#log);
    this.#log = bigger;
  }

  /** The key added `idx`-th (0-based), as a view valid until the next add. */
  keyAt(idx: number): Uint8Array {
    return this.#log.subarray(idx * this.keySize, (idx + 1) * this.keySize);
  }

  #grow(): void {
    const n = (this.#mask + 1) * 2;
    const mask = n - 1;
    if (this.#words) {
      const [oldWords, oldBits] = [this.#words, this.#bits!];
      const words = new Uint32Array(n);
      const bits = new Uint32Array(n);
      for (let j = 0; j < oldWords.length; j++) {
        const w = oldWords[j];
        if (w === 0) continue;
        let i = hash32(w) & mask;
        while (words[i] !== 0) i = (i + 1) & mask;
        words[i] = w;
        bits[i] = oldBits[j];
      }
      this.#words = words;
      this.#bits = bits;
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
      for (let idx = 0; idx < this.#count; idx++) {
        let i = this.#hashBytes(this.#log, idx * this.keySize) & mask;
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
