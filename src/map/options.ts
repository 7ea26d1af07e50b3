/**
 * Map operation options and the checks every BpfMap method runs on its arguments before a system
 * call: flags, option names, buffers, counts and batch sizes. Errors name the map, the operation
 * and the argument: `map counts: update: unknown flag 'noexsit' (any, noexist, exist)`.
 */
import { describeValue, type Codec } from '../codec/codec.js';
import { SizeError } from '../sys/errors.js';

/** How an update treats an existing key: `any` (BPF_ANY), `noexist` (BPF_NOEXIST), `exist` (BPF_EXIST). */
export type UpdateFlag = 'any' | 'noexist' | 'exist';

/** Options of {@link BpfMap.update}, {@link BpfMap.updateBatch} and {@link BpfMap.updateRaw}. */
export interface UpdateOptions {
  /** Default `any`. */
  flag?: UpdateFlag;
  /** BPF_F_LOCK: update the value under its `struct bpf_spin_lock`. */
  lock?: boolean;
}

/** Options of {@link BpfMap.lookup}. */
export interface LookupOptions {
  /** BPF_F_LOCK: read the value under its `struct bpf_spin_lock`. */
  lock?: boolean;
}

/** Options of the batch readers ({@link BpfMap.lookupBatch}, {@link BpfMap.forEachBatch}...). */
export interface BatchOptions {
  /** Elements per system call: an integer >= 1, capped at max entries and at {@link MAX_BATCH_BYTES} of buffers. */
  batchSize?: number;
  /** Delete entries as they are read (LOOKUP_AND_DELETE_BATCH); only where the method says so. */
  delete?: boolean;
}

/** The kernel's BPF_ANY, BPF_NOEXIST and BPF_EXIST. */
const UPDATE_FLAG: Record<UpdateFlag, number> = { any: 0, noexist: 1, exist: 2 };
/** BPF_F_LOCK. */
export const F_LOCK = 4;
/** The most bytes of key plus value buffers one batch call allocates (64 MiB); larger batch sizes are cut to fit. */
export const MAX_BATCH_BYTES = 64 << 20;
/** The largest count a batch attr carries (u32). */
export const MAX_COUNT = 0xffffffff;

/**
 * Checks that `opts` is undefined or a plain object whose own keys are all in `known`, and
 * returns it (or an empty object).
 * @throws {TypeError} `<context>: options must be an object, got ...` or `<context>: unknown option 'x' (known: a, b)`.
 */
export function checkOptions<T extends object>(context: string, opts: unknown, known: readonly string[]): Partial<T> {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) throw new TypeError(`${context}: options must be an object, got ${describeValue(opts)}`);
  for (const k of Object.keys(opts)) {
    if (!known.includes(k)) throw new TypeError(`${context}: unknown option ${JSON.stringify(k)} (known: ${known.join(', ')})`);
  }
  return opts as Partial<T>;
}

/** Checks an optional boolean option; returns false when absent. */
export function checkBooleanOption(context: string, name: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new TypeError(`${context}: ${name} must be a boolean, got ${describeValue(v)}`);
  return v;
}

/**
 * The `flags` word of an update from its options: undefined, a flag name, or `{ flag, lock }`.
 * `allowed` lists the flag names this operation honours (push takes no `noexist`); `lock` is
 * allowed unless `noLock`. Numbers are refused: give the flag by name.
 * @throws {TypeError} for anything else, naming the context and the flag or option.
 */
export function updateFlags(context: string, opts: unknown, allowed: readonly UpdateFlag[] = ['any', 'noexist', 'exist'], noLock = false): number {
  const o = typeof opts === 'string' ? { flag: opts } : checkOptions<UpdateOptions>(context, opts, noLock ? ['flag'] : ['flag', 'lock']);
  let flags = 0;
  if (o.flag !== undefined) {
    if (typeof o.flag !== 'string' || !(allowed as readonly string[]).includes(o.flag)) {
      const hint = typeof o.flag === 'number' ? ` (give the flag by name: ${allowed.join(', ')})` : ` (${allowed.join(', ')})`;
      throw new TypeError(`${context}: unknown flag ${typeof o.flag === 'string' ? JSON.stringify(o.flag) : describeValue(o.flag)}${hint}`);
    }
    flags = UPDATE_FLAG[o.flag as UpdateFlag];
  }
  if (checkBooleanOption(context, 'lock', (o as UpdateOptions).lock)) flags |= F_LOCK;
  return flags;
}

/** The `flags` word of a lookup from its options (`{ lock }`). */
export function lookupFlags(context: string, opts: unknown): number {
  const o = checkOptions<LookupOptions>(context, opts, ['lock']);
  return checkBooleanOption(context, 'lock', o.lock) ? F_LOCK : 0;
}

/** Checks that `v` is a Uint8Array (a Buffer is one); `what` names the argument. */
export function checkBuffer(context: string, what: string, v: unknown): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new TypeError(`${context}: ${what} must be a Uint8Array, got ${describeValue(v)}`);
  return v;
}

/** Checks that `v` is a Uint8Array of exactly `size` bytes; a wrong length is a {@link SizeError}. */
export function checkExactBuffer(label: string, context: string, what: 'key' | 'value', v: unknown, size: number): Uint8Array {
  const b = checkBuffer(context, what, v);
  if (b.length !== size) throw new SizeError(label, what, b.length, size);
  return b;
}

/** Checks that `v` is an integer in `[min, max]`; `what` names the argument. */
export function checkIntArg(context: string, what: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number') throw new TypeError(`${context}: ${what} must be an integer in [${min}, ${max}], got ${describeValue(v)}`);
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${context}: ${what} must be an integer in [${min}, ${max}], got ${v}`);
  return v;
}

/**
 * The number of elements a batch call's buffers hold: `batchSize` (default `def`) checked to be an
 * integer in [1, 2^32 - 1], then cut to `maxEntries` (a batch never needs more) and to
 * {@link MAX_BATCH_BYTES} of buffers (at least 1).
 */
export function batchElements(context: string, batchSize: unknown, def: number, maxEntries: number, bytesPerElement: number): number {
  const n = batchSize === undefined ? def : checkIntArg(context, 'batchSize', batchSize, 1, MAX_COUNT);
  const byBytes = Math.floor(MAX_BATCH_BYTES / Math.max(1, bytesPerElement));
  return Math.max(1, Math.min(n, Math.max(1, maxEntries), byBytes));
}

/**
 * Runs `codec.encode`, turning its TypeError or RangeError into one of the same class whose
 * message starts with `<context>: <what>: ` (the original kept as `cause`).
 */
export function encodeArg<T>(context: string, what: string, codec: Codec<T>, v: T, d: DataView, o: number): void {
  try {
    codec.encode(v, d, o);
  } catch (e) {
    throw encodeError(context, what, e);
  }
}

/**
 * What {@link encodeArg} throws for `e`, an error of a codec's encode: a TypeError or RangeError
 * becomes one of the same class whose message starts with `<context>: <what>: `; others stay as they are.
 */
export function encodeError(context: string, what: string, e: unknown): unknown {
  if (e instanceof SizeError) return e;
  if (e instanceof RangeError) return new RangeError(`${context}: ${what}: ${e.message}`, { cause: e });
  if (e instanceof TypeError) return new TypeError(`${context}: ${what}: ${e.message}`, { cause: e });
  return e;
}
