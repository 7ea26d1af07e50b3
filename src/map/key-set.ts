/**
 * KeySet: a set of fixed-size byte keys, for de-duplicating map iteration without a string per key.
 *
 * Keys of up to 4 bytes are stored as exact numbers in one Uint32Array hash table (one memory
 * access per probe, 4 bytes a slot; 0 marks a free slot, and the key 0 is a flag of its own);
 * keys of 5 or 6 bytes likewise in a Float64Array; longer keys are stored in a byte log and
 * probed through an index table.
 * Either way the keys are also kept in insertion order ({@link KeySet.keyAt}).
 */

const EMPTY = -1;

/** A set of `keySize`-byte keys, remembering insertion order. */
export class KeySet {
  #log: Uint8Array; // keys in insertion order
  #count = 0;
  // Keys of at most 4 bytes: numeric table, 0 = free; the key 0 is #hasZero.
  #u32: Uint32Array | undefined;
  #hasZero = false;
  // Keys of 5 or 6 bytes: numeric table.
  #nums: Float64Array | undefined;
  // Large keys: index table into #log.
  #slots: Int32Array | undefined;
  #mask: number;

  constructor(readonly keySize: number, capacity = 1024) {
    let n = 16;
    while (n < capacity * 2) n <<= 1;
    this.#mask = n - 1;
    if (keySize <= 4) this.#u32 = new Uint32Array(n);
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
    return this.#find(src, off) < 0;
  }

  // Returns -1 - slot when found, or the free slot where it would go (the key 0 of small tables:
  // -1 when present, `mask + 1` when absent).
  #find(src: Uint8Array, off: number): number {
    const mask = this.#mask;
    const u32 = this.#u32;
    if (u32) {
      const v = this.#num(src, off);
      if (v === 0) return this.#hasZero ? -1 : mask + 1;
      let i = hash32(v) & mask;
      for (;;) {
        const x = u32[i];
        if (x === 0) return i;
        if (x === v) return -1 - i;
        i = (i + 1) & mask;
      }
    }
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
    const slot = this.#find(src, off);
    if (slot < 0) return false;
    const idx = this.#count++;
    const ks = this.keySize;
    if ((idx + 1) * ks > this.#log.length) {
      const bigger = new Uint8Array(this.#log.length * 2);
      bigger.set(this.#log);
      this.#log = bigger;
    }
    const log = this.#log;
    const base = idx * ks;
    for (let i = 0; i < ks; i++) log[base + i] = src[off + i];
    if (this.#u32) {
      if (slot > this.#mask) this.#hasZero = true;
      else this.#u32[slot] = this.#num(src, off);
    } else if (this.#nums) this.#nums[slot] = this.#num(src, off);
    else this.#slots![slot] = idx;
    if (this.#count * 2 > this.#mask + 1) this.#grow();
    return true;
  }

  /** The key added `idx`-th (0-based), as a view valid until the next add. */
  keyAt(idx: number): Uint8Array {
    return this.#log.subarray(idx * this.keySize, (idx + 1) * this.keySize);
  }

  #grow(): void {
    const n = (this.#mask + 1) * 2;
    const mask = n - 1;
    if (this.#u32) {
      const old = this.#u32;
      const u32 = new Uint32Array(n);
      for (let j = 0; j < old.length; j++) {
        const v = old[j];
        if (v === 0) continue;
        let i = hash32(v) & mask;
        while (u32[i] !== 0) i = (i + 1) & mask;
        u32[i] = v;
      }
      this.#u32 = u32;
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
