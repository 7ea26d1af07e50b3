/**
 * BpfMap: a live BPF map with typed keys and values.
 *
 * A BpfMap owns its fd: `close()` (or `using`) releases it, and the kernel frees the map when no
 * fd, pin or program refers to it any more. Operations are synchronous system calls; they reuse
 * the map's own buffers, so no allocation happens per call beyond the decoded result.
 */
import { native } from '../sys/native.js';
import { Cmd } from '../sys/enums.gen.js';
import { MapCreateAttr, MapElemAttr, GetIdAttr } from '../sys/attrs.js';
import { bpf, bpfFd, mapNextKeys, retError } from '../sys/syscall.js';
import { Errno } from '../sys/errno.js';
import { Fd } from '../sys/fd.js';
import { ClosedError, KeyNotFoundError, SizeError, type SyscallError } from '../sys/errors.js';
import { checkObjectId, checkObjectKind } from '../sys/object-kind.js';
import { bytes, isPerCpuCodec, perCpu, possibleCpus, type Codec } from '../codec/codec.js';
import { MapType, mapTypeShortName, isPerCpuType } from '../types.js';
import { sanitizeName } from '../sys/object-name.js';
import type { MapSpec } from '../spec/map.js';
import { readMapInfo, type MapInfo } from './info.js';
import { KeyWalker } from './key-walker.js';
import { openPinned, pinFd, unpinPath } from '../sys/pin.js';
import { countMap, type CountOptions, type CountResult } from '../count/count.js';
import { checkBuffer, checkExactBuffer, checkOptions, encodeArg, lookupFlags, updateFlags, type BatchOptions, type UpdateFlag, type UpdateOptions, type LookupOptions } from './options.js';
import * as batch from './batch.js';
import type { BatchCursor, BatchTarget } from './batch.js';

export type { UpdateFlag, UpdateOptions, LookupOptions, BatchOptions } from './options.js';
export type { BatchCursor } from './batch.js';

/** Codecs for a map's keys and values; missing ones default to raw Buffers of the right size. */
export interface MapCodecs<K, V> {
  /** Key codec; its size must equal the key size. */
  key?: Codec<K>;
  /** Value codec; its size must equal the value size, or for per-CPU maps use `perCpu(codec)`. */
  value?: Codec<V>;
}

/** Flag bits of BPF_MAP_CREATE (`map_flags`). */
export const MapFlags = {
  /** BPF_F_NO_PREALLOC: allocate hash elements on demand. */
  NoPrealloc: 1 << 0,
  /** BPF_F_NO_COMMON_LRU: per-CPU LRU lists. */
  NoCommonLru: 1 << 1,
  /** BPF_F_NUMA_NODE: honor `numaNode`. */
  NumaNode: 1 << 2,
  /** BPF_F_RDONLY: read-only for user space. */
  ReadOnly: 1 << 3,
  /** BPF_F_WRONLY: write-only for user space. */
  WriteOnly: 1 << 4,
  /** BPF_F_ZERO_SEED: deterministic hashing (tests). */
  ZeroSeed: 1 << 6,
  /** BPF_F_RDONLY_PROG: read-only for programs. */
  ReadOnlyProg: 1 << 7,
  /** BPF_F_WRONLY_PROG: write-only for programs. */
  WriteOnlyProg: 1 << 8,
  /** BPF_F_MMAPABLE: the array can be mmap'd. */
  Mmapable: 1 << 10,
  /** BPF_F_INNER_MAP: inner maps may differ in max entries. */
  InnerMap: 1 << 12,
  /** BPF_F_LINK: a struct_ops map registered through a link (`SEC(".struct_ops.link")`). */
  Link: 1 << 13,
} as const;

const VALUE_ONLY_TYPES = new Set<number>([MapType.Queue, MapType.Stack, MapType.BloomFilter]);
const QUEUE_TYPES = new Set<number>([MapType.Queue, MapType.Stack]);
const BLOOM_TYPES = new Set<number>([MapType.BloomFilter]);

/**
 * For a size mismatch with a C type's codec (`struct x`, `union y`: what `tsbpf gen` writes), the
 * likely cause: bindings generated from an older build of the object.
 */
function staleHint(codec: { name?: string }): string {
  return /^(struct|union|enum) /.test(codec.name ?? '') ? ': the bindings describe another build of the object (stale `tsbpf gen` output): rerun `tsbpf gen` on the .bpf.c and rebuild' : '';
}

/** What a map's key walker adds to {@link KeyWalker}: the current key's value. */
export interface WalkState {
  /** The value bytes read by the last successful `lookupCurrent()`. */
  readonly value: Uint8Array;
  /** Looks up the walker's current key into `value`; false when it was deleted meanwhile. */
  lookupCurrent(): boolean;
}

/** Most keys one GET_NEXT_KEY chunk of a key walk fetches, and most bytes. */
const WALK_CHUNK = 256;
const WALK_CHUNK_BYTES = 16384;

function alloc(n: number): Uint8Array {
  // Never zero-length: the buffer's address is written into attrs once.
  return new Uint8Array(Math.max(8, n));
}

function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * A live BPF map. `K` and `V` are the JavaScript types of keys and values, given by codecs.
 *
 * @example
 * using m = BpfMap.create({ name: 'counts', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 1024 }, { key: u32, value: u64 });
 * m.update(1, 10n); m.lookup(1); // 10n
 */
export class BpfMap<K = Buffer, V = Buffer> implements Disposable {
  /** The map's name as given (or as the kernel reports it for maps opened by id or path). */
  readonly name: string;
  /** Map type number. */
  readonly type: number;
  /** Key size in bytes. */
  readonly keySize: number;
  /** Value size in bytes (one CPU's share for per-CPU maps). */
  readonly valueSize: number;
  /** Maximum number of entries. */
  readonly maxEntries: number;
  /** `map_flags`. */
  readonly flags: number;
  /** Key codec. */
  readonly keyCodec: Codec<K>;
  /** Value codec (a per-CPU codec for per-CPU maps). */
  readonly valueCodec: Codec<V>;

  #fd: Fd;
  #rawFd: number;
  #closed = false;
  #onClose: Array<() => void> = [];
  #label: string;
  #key: Uint8Array;
  #keyView: DataView;
  #val: Uint8Array;
  #valView: DataView;
  #next: Uint8Array;
  #elem: Uint8Array; // key -> #key, value -> #val
  #elemView: DataView;
  #delAttr: Uint8Array; // key -> #key, value NULL, flags 0 (DELETE_ELEM wants the rest zero)
  #walkAttr: Uint8Array; // scratch for walkers: pointers set per call
  #walkView: DataView;
  #batch: BatchTarget<K, V> | undefined;

  private constructor(fd: Fd, info: { name: string; type: number; keySize: number; valueSize: number; maxEntries: number; flags: number }, codecs: MapCodecs<K, V>) {
    this.#fd = fd;
    this.#rawFd = fd.raw();
    this.name = info.name;
    this.type = info.type;
    this.keySize = info.keySize;
    this.valueSize = info.valueSize;
    this.maxEntries = info.maxEntries;
    this.flags = info.flags;
    this.#label = `map ${info.name || `fd ${this.#rawFd}`}`;
    const perCpuType = isPerCpuType(info.type);
    const valueBytes = perCpuType ? Math.ceil(info.valueSize / 8) * 8 * possibleCpus() : info.valueSize;
    this.keyCodec = codecs.key ?? (bytes(info.keySize) as unknown as Codec<K>);
    this.valueCodec = codecs.value ?? ((perCpuType ? perCpu(bytes(info.valueSize)) : bytes(info.valueSize)) as unknown as Codec<V>);
    if (this.keyCodec.size !== info.keySize) {
      throw new TypeError(`${this.#label}: key codec ${this.keyCodec.name ?? ''} is ${this.keyCodec.size} bytes, the map's key is ${info.keySize}${staleHint(this.keyCodec)}`);
    }
    if (this.valueCodec.size !== valueBytes) {
      const hint = perCpuType && !isPerCpuCodec(this.valueCodec as Codec<unknown>) ? ' (per-CPU map: wrap the codec with perCpu())' : staleHint(this.valueCodec);
      throw new TypeError(`${this.#label}: value codec ${this.valueCodec.name ?? ''} is ${this.valueCodec.size} bytes, the map's value is ${valueBytes}${hint}`);
    }
    const a = native();
    this.#key = alloc(info.keySize);
    this.#keyView = viewOf(this.#key);
    this.#val = alloc(valueBytes);
    this.#valView = viewOf(this.#val);
    this.#next = alloc(info.keySize);
    const keyAddr = info.keySize === 0 ? 0n : a.addressOf(this.#key);
    const valAddr = a.addressOf(this.#val);
    const mk = (k: bigint, v: bigint): Uint8Array => {
      const b = new Uint8Array(MapElemAttr.size);
      const d = viewOf(b);
      d.setUint32(0, this.#rawFd, true);
      d.setBigUint64(8, k, true);
      d.setBigUint64(16, v, true);
      return b;
    };
    this.#elem = mk(keyAddr, valAddr);
    this.#elemView = viewOf(this.#elem);
    this.#delAttr = mk(keyAddr, 0n);
    this.#walkAttr = mk(0n, 0n);
    this.#walkView = viewOf(this.#walkAttr);
  }

  /**
   * Creates a map from a spec (BPF_MAP_CREATE).
   * @throws {TypeError} for a spec or codec that cannot work, before any syscall.
   * @throws {PermissionError} without CAP_BPF/root; {@link InvalidArgumentError} when the kernel refuses the spec.
   */
  static create<K = Buffer, V = Buffer>(spec: MapSpec, codecs: MapCodecs<K, V> = {}): BpfMap<K, V> {
    validateSpec(spec);
    const name = sanitizeName(spec.name);
    const label = `map ${spec.name}`;
    let inner: BpfMap | undefined;
    if (spec.type === MapType.ArrayOfMaps || spec.type === MapType.HashOfMaps) {
      if (!spec.innerMap) throw new TypeError(`${label}: a map-in-map needs innerMap`);
      inner = BpfMap.create({ ...spec.innerMap, name: spec.innerMap.name || `${name}_inner`.slice(0, 15) });
    }
    let fd: Fd;
    try {
      fd = bpfFd(
        Cmd.BPF_MAP_CREATE,
        MapCreateAttr.encode({
          map_type: spec.type,
          key_size: spec.keySize,
          value_size: spec.valueSize,
          max_entries: spec.maxEntries,
          map_flags: spec.flags ?? 0,
          inner_map_fd: inner ? inner.fd : 0,
          numa_node: spec.numaNode ?? 0,
          map_name: name,
          btf_fd: spec.btfFd ?? 0,
          btf_key_type_id: spec.btfKeyTypeId ?? 0,
          btf_value_type_id: spec.btfValueTypeId ?? 0,
          btf_vmlinux_value_type_id: spec.btfVmlinuxValueTypeId ?? 0,
          map_extra: spec.mapExtra ?? 0n,
        }),
        `${label}: create`,
        (errno) => createHint(spec, errno),
      );
    } finally {
      inner?.close();
    }
    try {
      const m = new BpfMap<K, V>(fd, { name: spec.name, type: spec.type, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, flags: spec.flags ?? 0 }, codecs);
      if (spec.contents) for (const { key, value } of spec.contents) m.updateRaw(key, value);
      if (spec.freeze) m.freeze();
      return m;
    } catch (e) {
      fd.close();
      throw e;
    }
  }

  /**
   * Wraps an fd this process owns (takes ownership), reading the map's info from the kernel.
   * @throws {TypeError} when the fd is not a map (a program, link...); the fd is closed then.
   */
  static fromFd<K = Buffer, V = Buffer>(rawFd: number, codecs: MapCodecs<K, V> = {}): BpfMap<K, V> {
    const fd = Fd.own(rawFd);
    try {
      checkObjectKind(rawFd, 'map', `map fd ${rawFd}`, `behind fd ${rawFd}`, 'fromFd');
      const info = readMapInfo(rawFd, `map fd ${rawFd}`);
      return new BpfMap<K, V>(fd, info, codecs);
    } catch (e) {
      fd.close();
      throw e;
    }
  }

  /**
   * Opens the map with a kernel-wide id (BPF_MAP_GET_FD_BY_ID), as another process made it.
   * @throws {KeyNotFoundError} when no map has that id; {@link RangeError} for an id that is not an integer in [1, 2^32 - 1].
   */
  static fromId<K = Buffer, V = Buffer>(id: number, codecs: MapCodecs<K, V> = {}): BpfMap<K, V> {
    checkObjectId('map', id);
    const raw = bpf(Cmd.BPF_MAP_GET_FD_BY_ID, GetIdAttr.encode({ id }), `map id ${id}: open`, (e) => (e === Errno.ENOENT ? 'no map with this id' : undefined));
    return BpfMap.fromFd<K, V>(raw, codecs);
  }

  /**
   * Opens a map pinned on bpffs (BPF_OBJ_GET).
   * @throws {KeyNotFoundError} when nothing is pinned there; {@link TypeError} when a program or link is pinned there.
   */
  static fromPinned<K = Buffer, V = Buffer>(path: string, codecs: MapCodecs<K, V> = {}): BpfMap<K, V> {
    return BpfMap.fromFd<K, V>(openPinned(path, `map ${path}`, 'map'), codecs);
  }

  /** The raw fd, for passing to other calls; throws {@link ClosedError} after close. */
  get fd(): number {
    if (this.#closed) throw new ClosedError(this.#label);
    return this.#rawFd;
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Reads the kernel's info about this map (id, sizes, flags, BTF ids). */
  info(): MapInfo {
    return readMapInfo(this.fd, this.#label);
  }

  /** A copy of this handle with other codecs, sharing nothing: it has its own fd (BPF_MAP_GET_FD_BY_ID). */
  withCodecs<K2, V2>(codecs: MapCodecs<K2, V2>): BpfMap<K2, V2> {
    return BpfMap.fromId<K2, V2>(this.info().id, codecs);
  }

  #check(): void {
    if (this.#closed) throw new ClosedError(this.#label);
  }

  #encodeKey(key: K, op: string): void {
    if (this.keyCodec.size > 0) {
      if (key instanceof Uint8Array && key.length !== this.keySize) throw new SizeError(this.#label, 'key', key.length, this.keySize);
      encodeArg(`${this.#label}: ${op}`, 'key', this.keyCodec, key, this.#keyView, 0);
    }
  }

  #encodeValue(value: V, op: string): void {
    if (value instanceof Uint8Array && value.length !== this.valueCodec.size) throw new SizeError(this.#label, 'value', value.length, this.valueCodec.size);
    encodeArg(`${this.#label}: ${op}`, 'value', this.valueCodec, value, this.#valView, 0);
  }

  /** Refuses an operation that maps of this type do not have (pop on a hash...). */
  #checkKind(op: string, types: ReadonlySet<number>, which: string): void {
    if (!types.has(this.type)) throw new TypeError(`${this.#label}: ${op}: ${mapTypeShortName(this.type)} maps have no ${op} (${which} only)`);
  }

  #fail(cmd: number, r: number, op: string): SyscallError {
    return retError(cmd, r, `${this.#label}: ${op}`);
  }

  /**
   * Looks a key up; `undefined` when absent.
   * For per-CPU maps the value is an array with one entry per possible CPU.
   * @throws {TypeError} / {@link RangeError} for a key its codec cannot encode, or unknown options.
   */
  lookup(key: K, opts?: LookupOptions): V | undefined {
    this.#check();
    const flags = lookupFlags(`${this.#label}: lookup`, opts);
    this.#encodeKey(key, 'lookup');
    this.#elemView.setUint32(24, flags, true);
    const r = native().bpfRet(Cmd.BPF_MAP_LOOKUP_ELEM, this.#elem);
    if (r < 0) {
      if (r === -Errno.ENOENT) return undefined;
      throw this.#fail(Cmd.BPF_MAP_LOOKUP_ELEM, r, 'lookup');
    }
    return this.valueCodec.decode(this.#valView, 0);
  }

  /** Whether the key is present. */
  has(key: K): boolean {
    this.#check();
    this.#encodeKey(key, 'has');
    this.#elemView.setUint32(24, 0, true);
    const r = native().bpfRet(Cmd.BPF_MAP_LOOKUP_ELEM, this.#elem);
    if (r === -Errno.ENOENT) return false;
    if (r < 0) throw this.#fail(Cmd.BPF_MAP_LOOKUP_ELEM, r, 'lookup');
    return true;
  }

  /**
   * Inserts or replaces a value.
   * @throws {KeyExistsError} with `noexist` on an existing key; {@link KeyNotFoundError} with `exist` on a missing one;
   *   {@link MapFullError} when a hash map is full; {@link TypeError} for an unknown flag or option, or a number given as flag.
   */
  update(key: K, value: V, opts?: UpdateOptions | UpdateFlag): void {
    this.#check();
    const flags = updateFlags(`${this.#label}: update`, opts);
    this.#encodeKey(key, 'update');
    this.#encodeValue(value, 'update');
    this.#elemView.setUint32(24, flags, true);
    const r = native().bpfRet(Cmd.BPF_MAP_UPDATE_ELEM, this.#elem);
    if (r < 0) throw this.#fail(Cmd.BPF_MAP_UPDATE_ELEM, r, 'update');
  }

  /**
   * Updates with raw key and value bytes: Uint8Arrays of exactly the key size and the value codec's
   * size ({@link SizeError} otherwise); options as for {@link BpfMap.update}.
   */
  updateRaw(key: Uint8Array, value: Uint8Array, opts?: UpdateOptions | UpdateFlag): void {
    this.#check();
    const ctx = `${this.#label}: update`;
    const flags = updateFlags(ctx, opts);
    checkExactBuffer(this.#label, ctx, 'key', key, this.keySize);
    checkExactBuffer(this.#label, ctx, 'value', value, this.valueCodec.size);
    this.#key.set(key);
    this.#val.set(value);
    this.#elemView.setUint32(24, flags, true);
    const r = native().bpfRet(Cmd.BPF_MAP_UPDATE_ELEM, this.#elem);
    if (r < 0) throw this.#fail(Cmd.BPF_MAP_UPDATE_ELEM, r, 'update');
  }

  /**
   * Looks up raw key bytes (a Uint8Array of exactly the key size) into the map's internal value
   * buffer; returns a view valid until the next call, or undefined.
   */
  lookupRaw(key: Uint8Array): Uint8Array | undefined {
    this.#check();
    checkExactBuffer(this.#label, `${this.#label}: lookup`, 'key', key, this.keySize);
    this.#key.set(key);
    this.#elemView.setUint32(24, 0, true);
    const r = native().bpfRet(Cmd.BPF_MAP_LOOKUP_ELEM, this.#elem);
    if (r === -Errno.ENOENT) return undefined;
    if (r < 0) throw this.#fail(Cmd.BPF_MAP_LOOKUP_ELEM, r, 'lookup');
    return this.#val.subarray(0, this.valueCodec.size);
  }

  /**
   * Deletes a key; returns false when it was absent.
   * @throws {InvalidArgumentError} on array maps, whose elements cannot be deleted.
   */
  delete(key: K): boolean {
    this.#check();
    this.#encodeKey(key, 'delete');
    const r = native().bpfRet(Cmd.BPF_MAP_DELETE_ELEM, this.#delAttr);
    if (r === -Errno.ENOENT) return false;
    if (r < 0) throw this.#fail(Cmd.BPF_MAP_DELETE_ELEM, r, 'delete');
    return true;
  }

  /** Looks a key up and deletes it in one step (BPF_MAP_LOOKUP_AND_DELETE_ELEM); undefined when absent. */
  lookupAndDelete(key: K): V | undefined {
    this.#check();
    this.#encodeKey(key, 'lookup and delete');
    this.#elemView.setUint32(24, 0, true);
    const r = native().bpfRet(Cmd.BPF_MAP_LOOKUP_AND_DELETE_ELEM, this.#elem);
    if (r === -Errno.ENOENT) return undefined;
    if (r < 0) throw this.#fail(Cmd.BPF_MAP_LOOKUP_AND_DELETE_ELEM, r, 'lookup and delete');
    return this.valueCodec.decode(this.#valView, 0);
  }

  /**
   * Pushes a value onto a queue, stack or bloom filter. With `exist`, a full queue or stack drops
   * its oldest element instead of failing (bloom filters take only `any`).
   * @throws {MapFullError} when a queue or stack is full; {@link TypeError} on other map types or for another flag.
   */
  push(value: V, flag: 'any' | 'exist' = 'any'): void {
    this.#check();
    this.#checkKind('push', VALUE_ONLY_TYPES, 'queue, stack and bloom filter');
    const flags = updateFlags(`${this.#label}: push`, flag, this.type === MapType.BloomFilter ? ['any'] : ['any', 'exist'], true);
    this.#encodeValue(value, 'push');
    this.#elemView.setUint32(24, flags, true);
    const r = native().bpfRet(Cmd.BPF_MAP_UPDATE_ELEM, this.#elem);
    if (r < 0) throw this.#fail(Cmd.BPF_MAP_UPDATE_ELEM, r, 'push');
  }

  /**
   * Removes and returns the next value of a queue (oldest) or stack (newest); undefined when empty.
   * @throws {TypeError} on other map types.
   */
  pop(): V | undefined {
    this.#check();
    this.#checkKind('pop', QUEUE_TYPES, 'queue and stack');
    this.#elemView.setUint32(24, 0, true);
    const r = native().bpfRet(Cmd.BPF_MAP_LOOKUP_AND_DELETE_ELEM, this.#elem);
    if (r === -Errno.ENOENT) return undefined;
    if (r < 0) throw this.#fail(Cmd.BPF_MAP_LOOKUP_AND_DELETE_ELEM, r, 'pop');
    return this.valueCodec.decode(this.#valView, 0);
  }

  /**
   * Returns the next value of a queue or stack without removing it; undefined when empty.
   * @throws {TypeError} on other map types.
   */
  peek(): V | undefined {
    this.#check();
    this.#checkKind('peek', QUEUE_TYPES, 'queue and stack');
    this.#elemView.setUint32(24, 0, true);
    const r = native().bpfRet(Cmd.BPF_MAP_LOOKUP_ELEM, this.#elem);
    if (r === -Errno.ENOENT) return undefined;
    if (r < 0) throw this.#fail(Cmd.BPF_MAP_LOOKUP_ELEM, r, 'peek');
    return this.valueCodec.decode(this.#valView, 0);
  }

  /**
   * Asks a bloom filter whether it may hold `value` (false means certainly not).
   * @throws {TypeError} on other map types.
   */
  mayContain(value: V): boolean {
    this.#check();
    this.#checkKind('mayContain', BLOOM_TYPES, 'bloom filter');
    this.#encodeValue(value, 'mayContain');
    this.#elemView.setUint32(24, 0, true);
    const r = native().bpfRet(Cmd.BPF_MAP_LOOKUP_ELEM, this.#elem);
    if (r === -Errno.ENOENT) return false;
    if (r < 0) throw this.#fail(Cmd.BPF_MAP_LOOKUP_ELEM, r, 'mayContain');
    return true;
  }

  /**
   * Raw GET_NEXT_KEY into `out`: the key after `prev` (the first key when null); false at the end.
   * @throws {TypeError} for arguments that are not Uint8Arrays; {@link RangeError} when `prev` or `out` is shorter than the key size.
   */
  nextKeyRaw(prev: Uint8Array | null, out: Uint8Array): boolean {
    this.#check();
    const ctx = `${this.#label}: next key`;
    if (prev !== null) checkBuffer(ctx, 'prev', prev);
    checkBuffer(ctx, 'out', out);
    if (prev !== null && prev.length < this.keySize) throw new RangeError(`${ctx}: prev is ${prev.length} bytes, shorter than the key (${this.keySize})`);
    if (out.length < this.keySize) throw new RangeError(`${ctx}: out is ${out.length} bytes, shorter than the key (${this.keySize})`);
    const a = native();
    const attr = this.#walkAttr;
    this.#walkView.setBigUint64(8, prev ? a.addressOf(prev) : 0n, true);
    this.#walkView.setBigUint64(16, a.addressOf(out), true);
    const r = a.bpfRet(Cmd.BPF_MAP_GET_NEXT_KEY, attr);
    if (r === -Errno.ENOENT) return false;
    if (r < 0) throw this.#fail(Cmd.BPF_MAP_GET_NEXT_KEY, r, 'next key');
    return true;
  }

  /**
   * A walker over the raw keys, robust to concurrent changes (see {@link KeyWalker}). It owns its
   * buffers, so other operations on this map during the walk do not disturb it; after each step
   * `lookupCurrent()` reads the current key's value into {@link WalkState.value}.
   */
  keyWalker(): KeyWalker & WalkState {
    this.#check();
    const a = native();
    // Maps of 0-byte keys (queue, stack, bloom filter: the kernel refuses to walk them) get 1-byte slots.
    const ks = Math.max(1, this.keySize);
    const cursor = alloc(ks);
    // One system call fetches up to this many keys (WALK_CHUNK, at most WALK_CHUNK_BYTES of them).
    const keys = alloc(ks * Math.max(1, Math.min(WALK_CHUNK, Math.floor(WALK_CHUNK_BYTES / ks))));
    const value = alloc(this.valueCodec.size);
    const mk = (k: Uint8Array | null, v: Uint8Array | null): Uint8Array => {
      const b = new Uint8Array(MapElemAttr.size);
      const d = viewOf(b);
      d.setUint32(0, this.#rawFd, true);
      d.setBigUint64(MapElemAttr.fields.key.offset, k ? a.addressOf(k) : 0n, true);
      d.setBigUint64(MapElemAttr.fields.value.offset, v ? a.addressOf(v) : 0n, true);
      return b;
    };
    const walkAttr = mk(null, null);
    const existsAttr = mk(cursor, value);
    const lookup = (attr: Uint8Array): boolean => {
      if (this.#closed) throw new ClosedError(this.#label);
      const r = a.bpfRet(Cmd.BPF_MAP_LOOKUP_ELEM, attr);
      if (r === 0) return true;
      if (r === -Errno.ENOENT) return false;
      throw this.#fail(Cmd.BPF_MAP_LOOKUP_ELEM, r, 'lookup');
    };
    // Hot path: one system call per chunk; the closed check guards against a reused fd number.
    const fetch = (fromStart: boolean, max: number): number => {
      if (this.#closed) throw new ClosedError(this.#label);
      const r = mapNextKeys(this.#label, walkAttr, fromStart ? null : cursor, keys, ks, max);
      if (r >= 0) return r;
      if (r === -Errno.ENOENT) return 0;
      throw this.#fail(Cmd.BPF_MAP_GET_NEXT_KEY, r, 'next key');
    };
    const w = new KeyWalker({ label: this.#label, keySize: ks, maxEntries: this.maxEntries, cursor, keys, fetch, cursorExists: () => lookup(existsAttr) });
    const lookupAttr = mk(w.key, value);
    const lookupCurrent = (): boolean => lookup(lookupAttr);
    return Object.assign(w, { value, lookupCurrent });
  }

  /**
   * Iterates the keys with BPF_MAP_GET_NEXT_KEY.
   *
   * Safe under concurrent changes: it always ends, never yields a key twice, and yields every key
   * that is present for the whole iteration exactly once. A key inserted or deleted while it runs
   * may or may not be yielded. Throws {@link IterationAbortedError} only if the map changes so
   * fast that the walk exceeds its step budget.
   */
  *keys(): Generator<K, void, undefined> {
    const w = this.keyWalker();
    const view = viewOf(w.key);
    while (w.step()) yield this.keyCodec.decode(view, 0);
  }

  /**
   * Iterates `[key, value]` pairs: keys as {@link BpfMap.keys}, each looked up as it is reached;
   * a key deleted between the two steps is skipped.
   */
  *entries(): Generator<[K, V], void, undefined> {
    const w = this.keyWalker();
    const view = viewOf(w.key);
    const vview = viewOf(w.value);
    while (w.step()) {
      // A key deleted since the walker reached it is skipped.
      if (!w.lookupCurrent()) continue;
      yield [this.keyCodec.decode(view, 0), this.valueCodec.decode(vview, 0)];
    }
  }

  /** Same as {@link BpfMap.entries}. */
  [Symbol.iterator](): Generator<[K, V], void, undefined> {
    return this.entries();
  }

  /** Counts keys by walking them with GET_NEXT_KEY (exact at rest; within the churn bounds otherwise). */
  countByIteration(): number {
    const w = this.keyWalker();
    let n = 0;
    for (let run = w.skipRun(); run > 0; run = w.skipRun()) n += run;
    return n;
  }

  // ---- batch operations (src/map/batch.ts) ----

  /** Whether this map type has the kernel's BPF_MAP_LOOKUP_BATCH: known after the first batch lookup (cached per map type), undefined before. */
  batchSupported(): boolean | undefined {
    return batch.batchSupported(this.type);
  }

  /** A fresh cursor for {@link BpfMap.lookupBatchInto} on this map. */
  batchCursor(): BatchCursor {
    this.#check();
    return batch.batchCursor(this.#batchTarget() as BatchTarget<unknown, unknown>);
  }

  /**
   * One BPF_MAP_LOOKUP_BATCH (or LOOKUP_AND_DELETE_BATCH with `del`) call: fills `keys` and
   * `values` (raw bytes, packed) from where `cursor` stands and returns how many elements it
   * wrote; 0 with `cursor.done` at the end. Falls back to GET_NEXT_KEY and single lookups (and
   * deletes) where the map type has no batch operations, with the same results.
   * @throws {TypeError} for a cursor from another map or buffers that are not Uint8Arrays; {@link RangeError} when they hold no element.
   */
  lookupBatchInto(cursor: BatchCursor, keys: Uint8Array, values: Uint8Array, del = false): number {
    this.#check();
    return batch.lookupBatchInto(this.#batchTarget() as BatchTarget<unknown, unknown>, cursor, keys, values, del);
  }

  /**
   * Iterates all entries in batches of `batchSize` (BPF_MAP_LOOKUP_BATCH), decoding each; with
   * `delete`, entries are removed as they are read (LOOKUP_AND_DELETE_BATCH).
   */
  entriesBatch(opts: BatchOptions = {}): Generator<[K, V], void, undefined> {
    // As a generator would: the map is checked at the first next(), not here.
    return batch.entriesBatch(() => {
      this.#check();
      return this.#batchTarget();
    }, opts);
  }

  /**
   * Calls `fn(key, value)` for every entry, read with batch lookups (BPF_MAP_LOOKUP_BATCH, or
   * LOOKUP_AND_DELETE_BATCH with `delete`); the fastest way to visit a whole map.
   */
  forEachBatch(fn: (key: K, value: V) => void, opts: BatchOptions = {}): number {
    this.#check();
    return batch.forEachBatch(this.#batchTarget(), fn, opts, ['batchSize', 'delete'], 8192);
  }

  /** All entries read with batch lookups, as an array. */
  lookupBatch(opts: { batchSize?: number } = {}): Array<[K, V]> {
    this.#check();
    const out: Array<[K, V]> = [];
    batch.forEachBatch(this.#batchTarget(), (k, v) => out.push([k, v]), opts, ['batchSize'], 8192);
    return out;
  }

  /** Reads and deletes all entries with LOOKUP_AND_DELETE_BATCH (or single operations where missing). */
  lookupAndDeleteBatch(opts: { batchSize?: number } = {}): Array<[K, V]> {
    this.#check();
    const o = checkOptions<BatchOptions>(`${this.#label}: lookup and delete batch`, opts, ['batchSize']);
    const out: Array<[K, V]> = [];
    batch.forEachBatch(this.#batchTarget(), (k, v) => out.push([k, v]), { batchSize: o.batchSize, delete: true }, ['batchSize', 'delete'], 8192);
    return out;
  }

  /** Counts entries with BPF_MAP_LOOKUP_BATCH calls of `batchSize` (default 8192) elements, decoding nothing. */
  countByBatch(batchSize?: number): number {
    this.#check();
    return batch.countByBatch(this.#batchTarget() as BatchTarget<unknown, unknown>, batchSize);
  }

  /**
   * Writes many entries with BPF_MAP_UPDATE_BATCH (single updates where the map type lacks it).
   * Returns the number written; on an error, the entries before the failing one are written and
   * the error says how many.
   */
  updateBatch(entries: Iterable<[K, V]>, opts?: UpdateOptions | UpdateFlag): number {
    this.#check();
    return batch.updateBatch(this.#batchTarget(), entries, opts);
  }

  /**
   * {@link BpfMap.updateBatch} over raw bytes: `count` keys and values packed back to back.
   * @throws {RangeError} for a count that is not an integer in [0, 2^32 - 1] or that `keys` or `values` do not hold.
   */
  updateBatchRaw(keys: Uint8Array, values: Uint8Array, count: number, opts?: UpdateOptions | UpdateFlag): number {
    this.#check();
    return batch.updateBatchRaw(this.#batchTarget() as BatchTarget<unknown, unknown>, keys, values, count, opts);
  }

  /**
   * Deletes many keys with BPF_MAP_DELETE_BATCH (single deletes where the map type lacks it).
   * As the kernel does, it stops at the first missing key and throws {@link KeyNotFoundError}
   * saying how many were deleted before it.
   */
  deleteBatch(keys: Iterable<K>): number {
    this.#check();
    return batch.deleteBatch(this.#batchTarget(), keys);
  }

  /** The map as the batch operations see it: made once, its operations over the map's own buffers. */
  #batchTarget(): BatchTarget<K, V> {
    if (this.#batch) return this.#batch;
    const target: BatchTarget<K, V> = {
      label: this.#label,
      fd: this.#rawFd,
      type: this.type,
      keySize: this.keySize,
      valueBytes: this.valueCodec.size,
      maxEntries: this.maxEntries,
      keyCodec: this.keyCodec,
      valueCodec: this.valueCodec,
      updateElem: (k, v, flags) => {
        this.#key.set(k);
        this.#val.set(v);
        this.#elemView.setUint32(24, flags, true);
        return native().bpfRet(Cmd.BPF_MAP_UPDATE_ELEM, this.#elem);
      },
      deleteElem: (k) => {
        this.#key.set(k);
        return native().bpfRet(Cmd.BPF_MAP_DELETE_ELEM, this.#delAttr);
      },
      lookupElem: (k) => this.lookupRaw(k),
      nextKey: (prev) => (this.nextKeyRaw(prev, this.#next) ? this.#next : null),
    };
    this.#batch = target;
    return target;
  }

  // ---- pinning and lifetime ----

  /** Pins the map at a bpffs path (BPF_OBJ_PIN), mounting /sys/fs/bpf if needed. */
  pin(path: string): void {
    this.#check();
    pinFd(this.#rawFd, path, this.#label);
  }

  /** Removes a pin made by {@link BpfMap.pin} (the map lives on while fds refer to it). */
  unpin(path: string): void {
    unpinPath(path, this.#label);
  }

  /** Makes the map read-only for user space from now on (BPF_MAP_FREEZE); programs still write unless the map is RDONLY_PROG. */
  freeze(): void {
    this.#check();
    const b = new Uint8Array(MapElemAttr.size);
    viewOf(b).setUint32(0, this.#rawFd, true);
    const r = native().bpfRet(Cmd.BPF_MAP_FREEZE, b);
    if (r < 0) throw this.#fail(Cmd.BPF_MAP_FREEZE, r, 'freeze');
  }

  /** Registers `fn` to run when this map is closed (before its fd is), e.g. to close helper programs that hold the map. */
  onClose(fn: () => void): void {
    this.#check();
    this.#onClose.push(fn);
  }

  /**
   * Counts the elements, exactly, with the fastest method for this map type and kernel (or `method`).
   * See {@link countMap} for the methods.
   */
  count(opts?: CountOptions): number {
    return countMap(this as BpfMap<unknown, unknown>, opts).count;
  }

  /** Like {@link BpfMap.count}, also saying which method was used and how long it took. */
  countDetailed(opts?: CountOptions): CountResult {
    return countMap(this as BpfMap<unknown, unknown>, opts);
  }

  /** Closes the fd; later calls do nothing, and operations throw {@link ClosedError}. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const hooks = this.#onClose.splice(0);
    try {
      for (const fn of hooks) fn();
    } finally {
      this.#fd.close();
    }
  }

  /** Same as {@link BpfMap.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** A short description: `map counts (hash, 4/8 B, max 1024)`. */
  toString(): string {
    return `${this.#label} (${mapTypeShortName(this.type)}, ${this.keySize}/${this.valueSize} B, max ${this.maxEntries})`;
  }
}

function validateSpec(spec: MapSpec): void {
  const label = `map ${spec?.name ?? '?'}`;
  if (!spec || typeof spec !== 'object') throw new TypeError('map: spec must be an object');
  if (typeof spec.name !== 'string') throw new TypeError(`${label}: name must be a string`);
  for (const k of ['type', 'keySize', 'valueSize', 'maxEntries'] as const) {
    const v = spec[k];
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 0xffffffff) throw new TypeError(`${label}: ${k} must be an integer in [0, 2^32), got ${String(v)}`);
  }
  if (spec.flags !== undefined && (!Number.isInteger(spec.flags) || spec.flags < 0)) throw new TypeError(`${label}: flags must be a non-negative integer`);
  if (VALUE_ONLY_TYPES.has(spec.type) && spec.keySize !== 0) throw new TypeError(`${label}: ${mapTypeShortName(spec.type)} maps take keySize 0`);
}

function createHint(spec: MapSpec, errno: number): string | undefined {
  if (errno === Errno.EINVAL) {
    return `invalid argument: the kernel refused type ${mapTypeShortName(spec.type)} with key ${spec.keySize} B, value ${spec.valueSize} B, max entries ${spec.maxEntries}, flags 0x${(spec.flags ?? 0).toString(16)}`;
  }
  if (errno === Errno.E2BIG) return 'key, value or max entries too big for this map type';
  return undefined;
}

/** Throws {@link KeyNotFoundError} for a missing key; helper for callers that want the strict form. */
export function mustLookup<K, V>(m: BpfMap<K, V>, key: K): V {
  const v = m.lookup(key);
  if (v === undefined) throw new KeyNotFoundError('bpf', 'BPF_MAP_LOOKUP_ELEM', Errno.ENOENT, `map ${m.name}: lookup`, 'key not found');
  return v;
}
