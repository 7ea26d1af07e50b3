/**
 * KeyWalker: BPF_MAP_GET_NEXT_KEY iteration that ends and yields each key at most once under churn.
 *
 * The kernel's hash and trie maps restart at their first key when the cursor key was deleted
 * between two calls. The walker remembers every key it yielded; when the kernel hands back a key
 * already yielded (a restart), it resumes from the most recent yielded key that still exists, so
 * it neither repeats keys nor re-walks the map from the start. Keys present for the whole walk are
 * yielded exactly once; keys inserted or deleted during it may or may not be. A step budget
 * (16 x (max entries + keys seen) + 1024 calls) bounds the walk even under adversarial churn.
 */
import { IterationAbortedError } from '../sys/errors.js';
import { KeySet } from './key-set.js';

/** The kernel operations a walk needs, over two buffers the source owns. */
export interface KeySource {
  /** The name used in errors (`map foo`). */
  readonly label: string;
  /** Key size in bytes. */
  readonly keySize: number;
  /** Max entries, to size the step budget. */
  readonly maxEntries: number;
  /** The cursor key (at least keySize bytes) that {@link KeySource.advance} starts from. */
  readonly cursor: Uint8Array;
  /** Where {@link KeySource.first} and {@link KeySource.advance} write the key they find. */
  readonly next: Uint8Array;
  /** GET_NEXT_KEY(NULL) into `next`; false when the map is empty. */
  first(): boolean;
  /** GET_NEXT_KEY(cursor) into `next`; false at the end. */
  advance(): boolean;
  /** Whether the key in `cursor` is in the map now. */
  cursorExists(): boolean;
}

/** How many recent keys to probe for a resume point after a restart. */
const RESUME_PROBES = 32;

/** Walks the keys of a map; call {@link KeyWalker.step} until it returns false, then read {@link KeyWalker.key}. */
export class KeyWalker {
  #started = false;
  #seen: KeySet;
  #steps = 0;
  #restarts = 0;

  constructor(private readonly src: KeySource) {
    this.#seen = new KeySet(src.keySize, Math.min(src.maxEntries, 1 << 16));
  }

  /** The current key (the source's cursor): valid after step() returned true, overwritten by the next step. */
  get key(): Uint8Array {
    return this.src.cursor;
  }

  /** Number of restarts the kernel made (cursor key deleted during the walk). */
  get restarts(): number {
    return this.#restarts;
  }

  /** Advances to the next key not yet yielded; false when the map is exhausted. */
  step(): boolean {
    const src = this.src;
    const ks = src.keySize;
    const { cursor, next } = src;
    for (;;) {
      if (++this.#steps > 16 * (src.maxEntries + this.#seen.size) + 1024) {
        throw new IterationAbortedError(src.label, this.#steps - 1);
      }
      const found = this.#started ? src.advance() : src.first();
      if (!found) return false;
      this.#started = true;
      const fresh = this.#seen.add(next);
      for (let i = 0; i < ks; i++) cursor[i] = next[i];
      if (fresh) return true;
      // A key we already yielded: the kernel restarted. Resume from the newest yielded key still present.
      this.#restarts++;
      const dup = next.slice(0, ks);
      const n = this.#seen.size;
      let resumed = false;
      for (let i = n - 1; i >= 0 && i >= n - RESUME_PROBES; i--) {
        cursor.set(this.#seen.keyAt(i));
        if (src.cursorExists()) {
          resumed = true;
          break;
        }
      }
      if (!resumed) cursor.set(dup);
    }
  }
}
