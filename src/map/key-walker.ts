/**
 * KeyWalker: BPF_MAP_GET_NEXT_KEY iteration that ends and yields each key at most once under churn.
 *
 * The walker fetches keys in chunks (one system call for up to {@link KeySource.keys}' worth of
 * GET_NEXT_KEY steps, each starting from the key the step before found; chunks grow from one key
 * so a walk stopped early costs little) and remembers every key it fetched. The kernel's hash and
 * trie maps restart at their first key when the cursor key was deleted between two steps (and a
 * hash map re-walks the head of a bucket when the cursor key was updated, which moves it there):
 * either way the kernel hands back a key already seen. The walker keeps the chunk's keys before
 * it, drops the rest, and resumes from the most recent key still in the map, so it neither repeats
 * keys nor re-walks the map from the start; when no such key helps, it walks on from the repeated
 * key, skipping keys already seen. Keys present for the whole walk are yielded exactly once; keys
 * inserted or deleted during it may or may not be. A step budget (16 x (max entries + keys seen) +
 * 1024 GET_NEXT_KEY calls) bounds the walk even under adversarial churn.
 */
import { IterationAbortedError } from '../sys/errors.js';
import { KeySet, RECENT } from './key-set.js';

/** The kernel operations a walk needs, over two buffers the source owns. */
export interface KeySource {
  /** The name used in errors (`map foo`). */
  readonly label: string;
  /** Key size in bytes. */
  readonly keySize: number;
  /** Max entries, to size the step budget. */
  readonly maxEntries: number;
  /** The key {@link KeySource.fetch} starts after and {@link KeySource.cursorExists} looks up (at least keySize bytes). */
  readonly cursor: Uint8Array;
  /** Where {@link KeySource.fetch} writes keys, packed; holds at least one key. */
  readonly keys: Uint8Array;
  /**
   * Up to `max` GET_NEXT_KEY steps into `keys`, the first from the map's first key (`fromStart`)
   * or after `cursor`, each next one after the key the step before wrote; returns how many keys
   * it wrote, 0 at the end. `max` is an integer from 1 to the keys `keys` holds.
   */
  fetch(fromStart: boolean, max: number): number;
  /** Whether the key in `cursor` is in the map now. */
  cursorExists(): boolean;
}

/** How many recent keys to probe for a resume point after a restart (the key set keeps RECENT). */
const RESUME_PROBES = Math.min(32, RECENT);

/** Where the next chunk starts and how its repeated keys are handled. */
const enum Next {
  /** From the start of the map. */
  Start,
  /** After the cursor, which is the last key fetched. */
  Cursor,
  /** After the cursor, a resume point found after a repeated key. */
  Resume,
  /** After the cursor, a repeated key: keys already seen are skipped, not taken for a restart. */
  Skip,
}

/** Walks the keys of a map; call {@link KeyWalker.step} until it returns false, then read {@link KeyWalker.key}. */
export class KeyWalker {
  #seen: KeySet;
  #steps = 0;
  #restarts = 0;
  #key: Uint8Array;
  #next = Next.Start;
  #pos = 0; // next chunk key to yield
  #len = 0; // fresh keys in the chunk
  #dup: Uint8Array | undefined; // the repeated key that cut the chunk short, handled once the chunk is yielded
  #chunk = 1; // keys the next fetch may return, doubling up to the buffer's capacity
  #done = false;
  readonly #capacity: number;

  constructor(private readonly src: KeySource) {
    this.#seen = new KeySet(src.keySize, Math.min(src.maxEntries, 1 << 16));
    this.#key = new Uint8Array(Math.max(8, src.keySize));
    this.#capacity = Math.floor(src.keys.length / src.keySize);
    if (!(src.keySize > 0) || this.#capacity < 1 || src.cursor.length < src.keySize) {
      throw new RangeError(`${src.label}: key walker: buffers shorter than one ${src.keySize}-byte key`);
    }
  }

  /** The current key: valid after step() returned true, overwritten by the next step. Its memory stays put. */
  get key(): Uint8Array {
    return this.#key;
  }

  /** Number of times the kernel handed back a key already seen (a restart after the cursor key was deleted, or a bucket re-walk). */
  get restarts(): number {
    return this.#restarts;
  }

  /** Advances to the next key not yet yielded; false when the map is exhausted. */
  step(): boolean {
    if (this.#pos >= this.#len && !this.#fill()) return false;
    const ks = this.src.keySize;
    const keys = this.src.keys;
    const base = this.#pos++ * ks;
    const key = this.#key;
    for (let i = 0; i < ks; i++) key[i] = keys[base + i];
    return true;
  }

  /**
   * Advances past every key fetched but not yet yielded, at once, and returns how many there were
   * (at least one), or 0 when the map is exhausted; {@link KeyWalker.key} is not updated. Counting
   * calls this instead of {@link KeyWalker.step} to skip copying each key; from then on each fetch
   * asks for a full chunk.
   */
  skipRun(): number {
    // A count walks to the end: no small first chunks.
    this.#chunk = this.#capacity;
    if (this.#pos >= this.#len && !this.#fill()) return 0;
    const n = this.#len - this.#pos;
    this.#pos = this.#len;
    return n;
  }

  // Fetches chunks until one holds a key not yet seen; false at the end of the map.
  #fill(): boolean {
    const src = this.src;
    const ks = src.keySize;
    const keys = src.keys;
    if (this.#done) return false;
    for (;;) {
      if (this.#dup) this.#resume(this.#dup);
      const budget = 16 * (src.maxEntries + this.#seen.size) + 1024 - this.#steps;
      if (budget <= 0) throw new IterationAbortedError(src.label, this.#steps);
      const max = Math.min(this.#chunk, budget);
      const next = this.#next;
      const n = src.fetch(next === Next.Start, max);
      this.#steps += Math.max(1, n);
      if (n === 0) {
        this.#done = true;
        return false;
      }
      if (this.#chunk < this.#capacity) this.#chunk = Math.min(this.#capacity, this.#chunk * 2);
      // The next chunk starts after this one's last key, unless a repeated key changes that.
      const cursor = src.cursor;
      const last = (n - 1) * ks;
      for (let i = 0; i < ks; i++) cursor[i] = keys[last + i];
      this.#pos = 0;
      this.#next = Next.Cursor;
      if (next === Next.Skip) {
        this.#len = this.#keepFresh(n);
        if (this.#len > 0) return true;
        continue;
      }
      const fresh = this.#seen.addRun(keys, n);
      this.#len = fresh;
      if (fresh < n) {
        this.#restarts++;
        const dup = keys.slice(fresh * ks, (fresh + 1) * ks);
        if (fresh === 0 && next === Next.Resume) {
          // The resume point itself leads back to seen keys (it moved, or went away meanwhile):
          // walk on from the repeated key instead.
          cursor.set(dup);
          this.#next = Next.Skip;
        } else {
          this.#dup = dup;
        }
      }
      if (fresh > 0) return true;
    }
  }

  // After a repeated key: start the next chunk after the newest key seen that is still in the
  // map, or, when none of the recent ones is, after the repeated key, skipping seen keys.
  #resume(dup: Uint8Array): void {
    this.#dup = undefined;
    const src = this.src;
    const cursor = src.cursor;
    const n = this.#seen.size;
    for (let i = n - 1; i >= 0 && i >= n - RESUME_PROBES; i--) {
      cursor.set(this.#seen.keyAt(i));
      if (src.cursorExists()) {
        this.#next = Next.Resume;
        return;
      }
    }
    cursor.set(dup);
    this.#next = Next.Skip;
  }

  // Skip mode: adds the chunk's keys to the seen set one by one, moving the fresh ones to the
  // front of the chunk; returns how many were fresh. The walk stays in skip mode while a chunk
  // ends on a seen key (it is still going through keys it saw before).
  #keepFresh(n: number): number {
    const src = this.src;
    const ks = src.keySize;
    const keys = src.keys;
    let fresh = 0;
    let lastFresh = false;
    for (let j = 0; j < n; j++) {
      lastFresh = this.#seen.add(keys, j * ks);
      if (!lastFresh) continue;
      if (fresh !== j) keys.copyWithin(fresh * ks, j * ks, (j + 1) * ks);
      fresh++;
    }
    this.#next = lastFresh ? Next.Cursor : Next.Skip;
    return fresh;
  }
}
