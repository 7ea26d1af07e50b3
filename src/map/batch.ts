/**
 * Batch operations of a map: BPF_MAP_LOOKUP_BATCH, LOOKUP_AND_DELETE_BATCH, UPDATE_BATCH and
 * DELETE_BATCH, with the same results from single-element calls where the map type lacks them.
 *
 * {@link BpfMap} delegates its batch methods here, handing over a {@link BatchTarget}: the map's
 * identity, codecs and single-element operations over raw bytes. Every buffer and count is
 * checked against the map's key and value sizes before the kernel sees its address.
 */
import { native } from '../sys/native.js';
import { Cmd } from '../sys/enums.gen.js';
import { MapBatchAttr } from '../sys/attrs.js';
import { retError, withPointers } from '../sys/syscall.js';
import { Errno } from '../sys/errno.js';
import { SizeError } from '../sys/errors.js';
import { describeValue, type Codec } from '../codec/codec.js';
import { laneFor } from './pack.js';
import {
  F_LOCK,
  MAX_COUNT,
  batchElements,
  checkBooleanOption,
  checkBuffer,
  checkIntArg,
  checkOptions,
  encodeError,
  updateFlags,
  type BatchOptions,
} from './options.js';

/** What the batch operations need of a map. Made once per map by {@link BpfMap}. */
export interface BatchTarget<K, V> {
  /** `map counts`: starts error messages. */
  readonly label: string;
  /** The map's raw fd (checked open by the caller). */
  readonly fd: number;
  /** Map type number. */
  readonly type: number;
  /** Key size in bytes. */
  readonly keySize: number;
  /** Bytes of one value as user space passes it (all CPUs' slots for per-CPU maps). */
  readonly valueBytes: number;
  /** Max entries, to bound batch buffers. */
  readonly maxEntries: number;
  /** Key codec. */
  readonly keyCodec: Codec<K>;
  /** Value codec. */
  readonly valueCodec: Codec<V>;
  /** BPF_MAP_UPDATE_ELEM with raw bytes of exactly the key and value sizes; returns bpfRet's result. */
  updateElem(key: Uint8Array, value: Uint8Array, flags: number): number;
  /** BPF_MAP_DELETE_ELEM with raw key bytes; returns bpfRet's result. */
  deleteElem(key: Uint8Array): number;
  /** BPF_MAP_LOOKUP_ELEM with raw key bytes: a view of the value valid until the next call, or undefined. */
  lookupElem(key: Uint8Array): Uint8Array | undefined;
  /** BPF_MAP_GET_NEXT_KEY after `prev` (the first key when null): a view of the key valid until the next call, or null at the end. */
  nextKey(prev: Uint8Array | null): Uint8Array | null;
}

/** A cursor over BPF_MAP_LOOKUP_BATCH calls; make one with {@link BpfMap.batchCursor}. */
export interface BatchCursor {
  /** True once the kernel said there is nothing more. */
  readonly done: boolean;
}

/** The state behind a {@link BatchCursor}: the kernel's batch tokens, sized for its map. */
class Cursor implements BatchCursor {
  done = false;
  started = false;
  readonly inTok: Uint8Array;
  readonly outTok: Uint8Array;
  constructor(
    readonly owner: object,
    tokenSize: number,
  ) {
    this.inTok = new Uint8Array(tokenSize);
    this.outTok = new Uint8Array(tokenSize);
  }
}

/** A hash bucket holds more elements than the buffers of a batch lookup: the typed readers grow their buffers and retry. */
export class BucketOverflowError extends RangeError {}
BucketOverflowError.prototype.name = 'RangeError';

/** Per map type and operation (`<type>:l`, `:d`, `:u`, `:x`): whether the kernel has the batch command. */
const batchSupport = new Map<string, boolean>();

/** Whether this map type has BPF_MAP_LOOKUP_BATCH: known after the first batch lookup, undefined before. */
export function batchSupported(type: number): boolean | undefined {
  return batchSupport.get(`${type}:l`);
}

function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** A fresh cursor for {@link lookupBatchInto} on `t`. */
export function batchCursor(t: BatchTarget<unknown, unknown>): BatchCursor {
  // The kernel writes one key (generic batch ops) or a u32 bucket index (hash maps) as token.
  return new Cursor(t, Math.max(8, t.keySize));
}

/**
 * One BPF_MAP_LOOKUP_BATCH (or LOOKUP_AND_DELETE_BATCH with `del`) call into `keys` and
 * `values`; returns how many elements it wrote, 0 with `cursor.done` at the end.
 * @throws {TypeError} for a cursor not made for this map, or buffers that are not Uint8Arrays; {@link RangeError} when they hold no element.
 */
export function lookupBatchInto(t: BatchTarget<unknown, unknown>, cursor: BatchCursor, keys: Uint8Array, values: Uint8Array, del?: boolean): number {
  const context = `${t.label}: ${del ? 'lookup and delete batch' : 'lookup batch'}`;
  if (!(cursor instanceof Cursor) || cursor.owner !== t) throw new TypeError(`${context}: cursor must come from this map's batchCursor(), got ${describeValue(cursor)}`);
  checkBuffer(context, 'keys', keys);
  checkBuffer(context, 'values', values);
  if (checkBooleanOption(context, 'del', del)) del = true;
  const c = cursor;
  if (c.done) return 0;
  const ks = t.keySize;
  const vs = t.valueBytes;
  const max = Math.min(Math.floor(keys.length / Math.max(1, ks)), Math.floor(values.length / Math.max(1, vs)), MAX_COUNT);
  if (max <= 0) throw new RangeError(`${context}: buffers hold no element (keys ${keys.length} B, values ${values.length} B; key ${ks} B, value ${vs} B)`);
  const op = `${t.type}:${del ? 'd' : 'l'}`;
  if (batchSupport.get(op) !== false) {
    const cmd = del ? Cmd.BPF_MAP_LOOKUP_AND_DELETE_BATCH : Cmd.BPF_MAP_LOOKUP_BATCH;
    for (;;) {
      const attr = MapBatchAttr.encode({
        in_batch: c.started ? c.inTok : null,
        out_batch: c.outTok,
        keys,
        values,
        count: max,
        map_fd: t.fd,
      });
      const r = native().bpfRet(cmd, withPointers(attr));
      const got = MapBatchAttr.u32(attr.bytes, 'count');
      if (r === -Errno.ENOTSUPP || r === -Errno.EOPNOTSUPP) {
        batchSupport.set(op, false);
        break;
      }
      batchSupport.set(op, true);
      if (r === -Errno.ENOSPC && got === 0) {
        throw new BucketOverflowError(`${context}: a hash bucket holds more than ${max} elements; use larger buffers`);
      }
      if (r < 0 && r !== -Errno.ENOENT) throw retError(cmd, r, context);
      if (r === -Errno.ENOENT) c.done = true;
      c.started = true;
      c.inTok.set(c.outTok);
      if (got === 0 && !c.done) continue;
      return Math.min(got, max);
    }
  }
  return lookupBatchFallback(t, c, keys, values, max, del === true);
}

function lookupBatchFallback(t: BatchTarget<unknown, unknown>, c: Cursor, keys: Uint8Array, values: Uint8Array, max: number, del: boolean): number {
  // The cursor token holds the last key returned; deleted keys make GET_NEXT_KEY restart, which
  // with `del` is exactly what draining needs.
  const ks = t.keySize;
  const vs = t.valueBytes;
  let n = 0;
  const cur = c.inTok.subarray(0, ks);
  while (n < max) {
    const next = t.nextKey(c.started && !del ? cur : null);
    if (next === null) {
      c.done = true;
      break;
    }
    c.started = true;
    cur.set(next.subarray(0, ks));
    const v = t.lookupElem(cur);
    if (v === undefined) continue;
    keys.set(cur, n * ks);
    values.set(v, n * vs);
    if (del) t.deleteElem(cur);
    n++;
  }
  return n;
}

/** The buffers of a typed batch reader: `n` elements, grown when a hash bucket does not fit. */
class Buffers {
  keys!: Uint8Array;
  values!: Uint8Array;
  keyView!: DataView;
  valueView!: DataView;
  constructor(
    public n: number,
    readonly ks: number,
    readonly vs: number,
    readonly cap: number,
  ) {
    this.#alloc();
  }

  #alloc(): void {
    this.keys = new Uint8Array(this.n * this.ks);
    this.values = new Uint8Array(this.n * this.vs);
    this.keyView = viewOf(this.keys);
    this.valueView = viewOf(this.values);
  }

  /** One batch into the buffers; a bucket larger than them doubles them (up to `cap`) and retries. */
  read(t: BatchTarget<unknown, unknown>, cursor: BatchCursor, del: boolean): number {
    for (;;) {
      try {
        return lookupBatchInto(t, cursor, this.keys, this.values, del);
      } catch (e) {
        if (!(e instanceof BucketOverflowError) || this.n >= this.cap) throw e;
        this.n = Math.min(this.n * 2, this.cap);
        this.#alloc();
      }
    }
  }
}

/** The buffers for `batchSize` (checked; default `def`) elements of `t`. */
function buffersFor(t: BatchTarget<unknown, unknown>, context: string, batchSize: unknown, def: number): Buffers {
  const ks = Math.max(1, t.keySize);
  const vs = Math.max(1, t.valueBytes);
  const n = batchElements(context, batchSize, def, t.maxEntries, ks + vs);
  // A bucket never holds more than max entries; the byte cap still applies.
  const cap = batchElements(context, undefined, Math.max(1, t.maxEntries), t.maxEntries, ks + vs);
  return new Buffers(n, ks, vs, Math.max(n, cap));
}

/** Decodes each batch of `t` with its codecs, calling `fn(key, value)`; returns the number of entries. */
export function forEachBatch<K, V>(t: BatchTarget<K, V>, fn: (key: K, value: V) => void, opts: BatchOptions | undefined, known: readonly string[], def: number): number {
  const context = `${t.label}: ${opts?.delete ? 'lookup and delete batch' : 'lookup batch'}`;
  if (typeof fn !== 'function') throw new TypeError(`${context}: fn must be a function, got ${describeValue(fn)}`);
  const o = checkOptions<BatchOptions>(context, opts, known);
  const del = checkBooleanOption(context, 'delete', o.delete);
  const tt = t as BatchTarget<unknown, unknown>;
  const b = buffersFor(tt, context, o.batchSize, def);
  const { keyCodec: kc, valueCodec: vc } = t;
  const cursor = batchCursor(tt);
  let total = 0;
  while (!cursor.done) {
    const got = b.read(tt, cursor, del);
    for (let i = 0; i < got; i++) fn(kc.decode(b.keyView, i * b.ks), vc.decode(b.valueView, i * b.vs));
    total += got;
  }
  return total;
}

/**
 * Every entry of the map `target()` gives, read with batch lookups and decoded: an iterator that
 * behaves as a generator would (nothing runs before the first `next()`, which calls `target()`
 * and checks `opts`; an error, `return()` or `throw()` closes it) but decodes each entry in a
 * plain `next()` that callers' loops inline, instead of resuming a generator per entry.
 */
export function entriesBatch<K, V>(target: () => BatchTarget<K, V>, opts: BatchOptions | undefined): Generator<[K, V], void, undefined> {
  return new BatchEntries(target, opts);
}

/** The state behind {@link entriesBatch}: the batch buffers, the element read next and how many the last batch gave. */
class BatchEntries<K, V> implements Generator<[K, V], void, undefined> {
  #target: (() => BatchTarget<K, V>) | undefined;
  readonly #opts: BatchOptions | undefined;
  #t: BatchTarget<unknown, unknown> | undefined;
  #b: Buffers | undefined;
  #cursor: BatchCursor | undefined;
  #del = false;
  #keyCodec: Codec<K> | undefined;
  #valueCodec: Codec<V> | undefined;
  #keyView: DataView | undefined;
  #valueView: DataView | undefined;
  #ks = 0;
  #vs = 0;
  #i = 0;
  #got = 0;

  constructor(target: () => BatchTarget<K, V>, opts: BatchOptions | undefined) {
    this.#target = target;
    this.#opts = opts;
  }

  next(): IteratorResult<[K, V], void> {
    let i = this.#i;
    if (i >= this.#got) i = this.#nextBatch();
    // One result object made in one place (not per branch), so an inlined next() can keep it out of the heap.
    let value: [K, V] | undefined;
    if (i >= 0) {
      this.#i = i + 1;
      try {
        value = [this.#keyCodec!.decode(this.#keyView!, i * this.#ks), this.#valueCodec!.decode(this.#valueView!, i * this.#vs)];
      } catch (e) {
        this.#close();
        throw e;
      }
    }
    return { value, done: i < 0 } as IteratorResult<[K, V], void>;
  }

  // Starts on the first call, then reads batches until one has elements: returns 0 (the element
  // to decode next), or -1 when the cursor is done.
  #nextBatch(): number {
    try {
      if (this.#target !== undefined) this.#start(this.#target);
      const t = this.#t;
      const b = this.#b;
      const cursor = this.#cursor;
      if (t === undefined || b === undefined || cursor === undefined) return -1;
      while (!cursor.done) {
        const got = b.read(t, cursor, this.#del);
        if (got === 0) continue;
        // A bucket overflow may have grown the buffers: take their views after each read.
        this.#keyView = b.keyView;
        this.#valueView = b.valueView;
        this.#got = got;
        return 0;
      }
      this.#close();
      return -1;
    } catch (e) {
      this.#close();
      throw e;
    }
  }

  #start(target: () => BatchTarget<K, V>): void {
    this.#target = undefined;
    const t = target();
    const opts = this.#opts;
    const context = `${t.label}: ${opts?.delete ? 'lookup and delete batch' : 'lookup batch'}`;
    const o = checkOptions<BatchOptions>(context, opts, ['batchSize', 'delete']);
    this.#del = checkBooleanOption(context, 'delete', o.delete);
    const tt = t as BatchTarget<unknown, unknown>;
    const b = buffersFor(tt, context, o.batchSize, 4096);
    this.#keyCodec = t.keyCodec;
    this.#valueCodec = t.valueCodec;
    this.#ks = b.ks;
    this.#vs = b.vs;
    this.#cursor = batchCursor(tt);
    this.#b = b;
    this.#t = tt;
  }

  // Done for good: later calls to next() give done without touching the map; the buffers are let go.
  #close(): void {
    this.#target = undefined;
    this.#t = undefined;
    this.#b = undefined;
    this.#cursor = undefined;
    this.#keyView = undefined;
    this.#valueView = undefined;
    this.#i = 0;
    this.#got = 0;
  }

  /** Closes the iterator, as a generator's return() does. */
  return(value?: void): IteratorResult<[K, V], void> {
    this.#close();
    return { value, done: true };
  }

  /** Closes the iterator and throws `e`, as a generator's throw() does outside any try block. */
  throw(e?: unknown): IteratorResult<[K, V], void> {
    this.#close();
    throw e;
  }

  [Symbol.iterator](): this {
    return this;
  }

  /** Closes the iterator (`using` support, as generators have on newer Node). */
  [Symbol.dispose](): void {
    this.#close();
  }
}

// Generator methods beyond next/return/throw (Node's iterator helpers, and Symbol.toStringTag
// "Generator") come from the generator prototype; the class's own methods shadow its next,
// return and throw, which work only on real generators.
Object.setPrototypeOf(BatchEntries.prototype, Object.getPrototypeOf(function* () {}).prototype);

/** Counts the entries of `t` with batch lookups, decoding nothing. */
export function countByBatch(t: BatchTarget<unknown, unknown>, batchSize: unknown): number {
  const b = buffersFor(t, `${t.label}: count by batch`, batchSize, 8192);
  const cursor = batchCursor(t);
  let total = 0;
  while (!cursor.done) total += b.read(t, cursor, false);
  return total;
}

function listOf<T>(context: string, what: string, items: Iterable<T>): T[] {
  if (Array.isArray(items)) return items;
  if (items === null || typeof items !== 'object' || typeof (items as Iterable<T>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${context}: ${what} must be an iterable, got ${describeValue(items)}`);
  }
  return [...items];
}

/** Encodes `entries` with the codecs of `t` and writes them with {@link updateBatchRaw}. */
export function updateBatch<K, V>(t: BatchTarget<K, V>, entries: Iterable<[K, V]>, opts: unknown): number {
  const context = `${t.label}: update batch`;
  const flags = updateFlags(context, opts);
  const list = listOf(context, 'entries', entries);
  const n = list.length;
  if (n > MAX_COUNT) throw new RangeError(`${context}: ${n} entries, at most ${MAX_COUNT} per call`);
  const ks = t.keySize;
  const vs = t.valueBytes;
  // Never zero-length: the kernel gets the buffers' addresses. Whole elements either way (lanes
  // are 1 to 8 bytes), so a lane's typed array spans the buffer.
  const keys = new Uint8Array(Math.max(8, n * ks));
  const values = new Uint8Array(Math.max(8, n * vs));
  const kv = viewOf(keys);
  const vv = viewOf(values);
  const kl = ks > 0 ? laneFor(t.keyCodec, ks) : undefined;
  const vl = laneFor(t.valueCodec, vs);
  const ka = kl?.over(keys.buffer) as never;
  const va = vl?.over(values.buffer) as never;
  for (let i = 0; i < n; i++) {
    const e = list[i];
    if (!Array.isArray(e) || e.length !== 2) throw new TypeError(`${context}: entries[${i}] must be a [key, value] pair, got ${describeValue(e)}`);
    const k = e[0];
    const v = e[1];
    if (kl === undefined || !kl.put(ka, i, k)) encodeEntry(t, context, i, 'key', k, kv, i * ks);
    if (vl === undefined || !vl.put(va, i, v)) encodeEntry(t, context, i, 'value', v, vv, i * vs);
  }
  return writeBatch(t as BatchTarget<unknown, unknown>, context, keys, values, n, flags);
}

// Encodes the key or value of entries[i] with its codec, the slow path beside the lanes: raw
// bytes of the wrong size give SizeError, codec errors name the entry.
function encodeEntry<K, V>(t: BatchTarget<K, V>, context: string, i: number, part: 'key' | 'value', x: unknown, d: DataView, o: number): void {
  const size = part === 'key' ? t.keySize : t.valueBytes;
  if (x instanceof Uint8Array && x.length !== size) throw new SizeError(t.label, part, x.length, size);
  if (part === 'key' && size === 0) return;
  const codec = (part === 'key' ? t.keyCodec : t.valueCodec) as Codec<unknown>;
  try {
    codec.encode(x, d, o);
  } catch (e) {
    throw encodeError(context, `entries[${i}]: ${part}`, e);
  }
}

/**
 * BPF_MAP_UPDATE_BATCH over packed raw bytes: `count` keys and values back to back.
 * @throws {RangeError} for a count that is not an integer in [0, 2^32 - 1] or that the buffers do not hold.
 */
export function updateBatchRaw(t: BatchTarget<unknown, unknown>, keys: Uint8Array, values: Uint8Array, count: number, opts: unknown): number {
  const context = `${t.label}: update batch`;
  checkBuffer(context, 'keys', keys);
  checkBuffer(context, 'values', values);
  checkIntArg(context, 'count', count, 0, MAX_COUNT);
  const flags = updateFlags(context, opts);
  const ks = t.keySize;
  const vs = t.valueBytes;
  if (keys.length < count * ks) throw new RangeError(`${context}: keys holds ${Math.floor(keys.length / Math.max(1, ks))} keys of ${ks} B, fewer than count ${count}`);
  if (values.length < count * vs) throw new RangeError(`${context}: values holds ${Math.floor(values.length / Math.max(1, vs))} values of ${vs} B, fewer than count ${count}`);
  return writeBatch(t, context, keys, values, count, flags);
}

function writeBatch(t: BatchTarget<unknown, unknown>, context: string, keys: Uint8Array, values: Uint8Array, count: number, flags: number): number {
  if (count === 0) return 0;
  const ks = t.keySize;
  const vs = t.valueBytes;
  // The kernel's batch update takes only BPF_F_LOCK in elem_flags: other flags go one by one.
  const op = `${t.type}:u`;
  if ((flags & ~F_LOCK) === 0 && batchSupport.get(op) !== false) {
    const attr = MapBatchAttr.encode({ keys, values, count, map_fd: t.fd, elem_flags: flags });
    const r = native().bpfRet(Cmd.BPF_MAP_UPDATE_BATCH, withPointers(attr));
    const done = MapBatchAttr.u32(attr.bytes, 'count');
    if (r === -Errno.ENOTSUPP || r === -Errno.EOPNOTSUPP) {
      batchSupport.set(op, false);
    } else {
      batchSupport.set(op, true);
      if (r < 0) throw retError(Cmd.BPF_MAP_UPDATE_BATCH, r, context, `after ${done} of ${count} elements`);
      return done;
    }
  }
  for (let i = 0; i < count; i++) {
    const r = t.updateElem(keys.subarray(i * ks, (i + 1) * ks), values.subarray(i * vs, (i + 1) * vs), flags);
    if (r < 0) throw retError(Cmd.BPF_MAP_UPDATE_ELEM, r, context, `after ${i} of ${count} elements`);
  }
  return count;
}

/** Encodes `keys` with the key codec of `t` and deletes them with BPF_MAP_DELETE_BATCH (single deletes where missing). */
export function deleteBatch<K>(t: BatchTarget<K, unknown>, keys: Iterable<K>): number {
  const context = `${t.label}: delete batch`;
  const list = listOf(context, 'keys', keys);
  if (list.length > MAX_COUNT) throw new RangeError(`${context}: ${list.length} keys, at most ${MAX_COUNT} per call`);
  const ks = t.keySize;
  const buf = new Uint8Array(Math.max(8, list.length * ks));
  const view = viewOf(buf);
  const kl = ks > 0 ? laneFor(t.keyCodec, ks) : undefined;
  const ka = kl?.over(buf.buffer) as never;
  for (let i = 0; i < list.length; i++) {
    const k = list[i];
    if (kl !== undefined && kl.put(ka, i, k)) continue;
    if (k instanceof Uint8Array && k.length !== t.keySize) throw new SizeError(t.label, 'key', k.length, t.keySize);
    if (ks > 0) {
      try {
        t.keyCodec.encode(k, view, i * ks);
      } catch (e) {
        throw encodeError(context, `keys[${i}]`, e);
      }
    }
  }
  if (list.length === 0) return 0;
  const op = `${t.type}:x`;
  if (batchSupport.get(op) !== false) {
    const attr = MapBatchAttr.encode({ keys: buf, count: list.length, map_fd: t.fd });
    const r = native().bpfRet(Cmd.BPF_MAP_DELETE_BATCH, withPointers(attr));
    const done = MapBatchAttr.u32(attr.bytes, 'count');
    if (r === -Errno.ENOTSUPP || r === -Errno.EOPNOTSUPP) {
      batchSupport.set(op, false);
    } else {
      batchSupport.set(op, true);
      if (r < 0) throw retError(Cmd.BPF_MAP_DELETE_BATCH, r, context, `after ${done} of ${list.length} keys`);
      return done;
    }
  }
  for (let i = 0; i < list.length; i++) {
    const r = t.deleteElem(buf.subarray(i * ks, (i + 1) * ks));
    if (r < 0) throw retError(Cmd.BPF_MAP_DELETE_ELEM, r, context, `after ${i} of ${list.length} keys`);
  }
  return list.length;
}
