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
import { IterationAbortedError } from '../errors.js';
import { KeySet } from './key-set.js';

/** The two kernel operations a walk needs. */
export interface KeySource {
  /** The name used in errors (`map foo`). */
  readonly label: string;
  /** Key size in bytes. */
  readonly keySize: number;
  /** Max entries, to size the step budget. */
  readonly maxEntries: number;
  /** GET_NEXT_KEY: writes the key after `prev` (the first key when `prev` is null) into `out`; false at the end. */
  nextKey(prev: Uint8Array | null, out: Uint8Array): boolean;
  /** Whether `key` is in the map now. */
  has(key: Uint8Array): boolean;
}

/** How many recent keys to probe for a resume point after a restart. */
const RESUME_PROBES = 32;

/** Walks the keys of a map; call {@link KeyWalker.step} until it returns false, reading {@link KeyWalker.key}. */
export class KeyWalker {
  /** The current key: valid after step() returned true, overwritten by the next step. */
  readonly key: Uint8Array;
  #next: Uint8Array;
  #started = false;
  #seen: KeySet;
  #steps = 0;
  #restarts = 0;

  constructor(private readonly src: KeySource) {
    this.key = new Uint8Array(src.keySize);
    this.#next = new Uint8Array(src.keySize);
    this.#seen = new KeySet(src.keySize, Math.min(src.maxEntries, 1 << 16));
  }

  /** Number of restarts the kernel made (cursor key deleted during the walk). */
  get restarts(): number {
    return this.#restarts;
  }

  /** Advances to the next key not yet yielded; false when the map is exhausted. */
  step(): boolean {
    const src = this.src;
    for (;;) {
      if (++this.#steps > 16 * (src.maxEntries + this.#seen.size) + 1024) {
        throw new IterationAbortedError(src.label, this.#steps - 1);
      }
      if (!src.nextKey(this.#started ? this.key : null, this.#next)) return false;
      this.#started = true;
      if (this.#seen.add(this.#next)) {
        this.key.set(this.#next);
        return true;
      }
      // A key we already yielded: the kernel restarted. Resume from the newest yielded key still present.
      this.#restarts++;
      this.key.set(this.#next);
      const n = this.#seen.size;
      for (let i = n - 1; i >= 0 && i >= n - RESUME_PROBES; i--) {
        const k = this.#seen.keyAt(i);
        if (src.has(k)) {
          this.key.set(k);
          break;
        }
      }
    }
  }
}
