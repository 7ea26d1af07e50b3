/**
 * KeySet: a set of fixed-size byte keys, for de-duplicating map iteration without a string per key.
 */

/** A set of `keySize`-byte keys with open addressing over one growing byte array. */
export class KeySet {
  #keys: Uint8Array;
  #slots: Int32Array;
  #mask: number;
  #count = 0;

  constructor(readonly keySize: number, capacity = 1024) {
    let n = 16;
    while (n < capacity * 2) n <<= 1;
    this.#slots = new Int32Array(n).fill(-1);
    this.#mask = n - 1;
    this.#keys = new Uint8Array(Math.max(1, keySize) * Math.max(16, capacity));
  }

  /** Number of keys in the set. */
  get size(): number {
    return this.#count;
  }

  #hash(src: Uint8Array, off: number): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < this.keySize; i++) h = Math.imul(h ^ src[off + i], 0x01000193);
    return (h ^ (h >>> 15)) >>> 0;
  }

  #equals(idx: number, src: Uint8Array, off: number): boolean {
    const base = idx * this.keySize;
    const keys = this.#keys;
    for (let i = 0; i < this.keySize; i++) if (keys[base + i] !== src[off + i]) return false;
    return true;
  }

  /** Whether the key at `src[off..off+keySize)` is in the set. */
  has(src: Uint8Array, off = 0): boolean {
    let i = this.#hash(src, off) & this.#mask;
    for (;;) {
      const idx = this.#slots[i];
      if (idx < 0) return false;
      if (this.#equals(idx, src, off)) return true;
      i = (i + 1) & this.#mask;
    }
  }

  /** Adds the key; returns false when it was already there. */
  add(src: Uint8Array, off = 0): boolean {
    let i = this.#hash(src, off) & this.#mask;
    for (;;) {
      const idx = this.#slots[i];
      if (idx < 0) break;
      if (this.#equals(idx, src, off)) return false;
      i = (i + 1) & this.#mask;
    }
    const idx = this.#count++;
    if ((idx + 1) * this.keySize > this.#keys.length) {
      const bigger = new Uint8Array(this.#keys.length * 2);
      bigger.set(this.#keys);
      this.#keys = bigger;
    }
    this.#keys.set(src.subarray(off, off + this.keySize), idx * this.keySize);
    this.#slots[i] = idx;
    if (this.#count * 2 > this.#slots.length) this.#grow();
    return true;
  }

  /** The key added `idx`-th (0-based), as a view valid until the next add. */
  keyAt(idx: number): Uint8Array {
    return this.#keys.subarray(idx * this.keySize, (idx + 1) * this.keySize);
  }

  #grow(): void {
    const n = this.#slots.length * 2;
    const slots = new Int32Array(n).fill(-1);
    const mask = n - 1;
    for (let idx = 0; idx < this.#count; idx++) {
      let i = this.#hash(this.#keys, idx * this.keySize) & mask;
      while (slots[i] >= 0) i = (i + 1) & mask;
      slots[i] = idx;
    }
    this.#slots = slots;
    this.#mask = mask;
  }
}
