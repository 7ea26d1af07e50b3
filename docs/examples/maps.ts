/**
 * Snippets for docs/api.md: BpfMap, its operations and batch operations.
 * Regions are copied into the docs by scripts/docs-snippets.mjs; `npm run typecheck` compiles them.
 */
import { BpfMap, MapType, mustLookup, u32, u64, type BatchCursor } from '../../src/index.js';

/** Creating a typed hash map. */
export function create(): bigint | undefined {
  // #region map-create
  using m = BpfMap.create({ name: 'counts', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 1024 }, { key: u32, value: u64 });
  m.update(1, 10n); // BpfMap<number, bigint>
  // #endregion
  return m.lookup(1);
}

/** Opening maps made elsewhere. */
export function open(id: number): void {
  // #region map-open
  using pinned = BpfMap.fromPinned('/sys/fs/bpf/counts', { key: u32, value: u64 });
  using other = BpfMap.fromId(id); // no codecs: keys and values are Buffers of the map's sizes
  // #endregion
}

/** lookup and has. */
export function lookup(m: BpfMap<number, bigint>): void {
  // #region map-lookup
  m.lookup(1); // 10n, or undefined when absent
  m.has(2);    // false
  // #endregion
}

/** update with its flags. */
export function update(m: BpfMap<number, bigint>): void {
  // #region map-update
  m.update(2, 20n, { flag: 'noexist' }); // KeyExistsError if 2 is present
  m.update(2, 21n, 'exist');             // KeyNotFoundError if 2 is absent
  // #endregion
}

/** delete and lookupAndDelete. */
export function remove(m: BpfMap<number, bigint>): void {
  // #region map-delete
  m.delete(2);          // true; false when it was absent
  m.lookupAndDelete(1); // 10n, and 1 is gone; undefined when absent
  // #endregion
}

/** mustLookup. */
export function strictLookup(m: BpfMap<number, bigint>): bigint {
  // #region must-lookup
  const v = mustLookup(m, 1); // 10n; KeyNotFoundError when absent
  // #endregion
  return v;
}

/** Iterating keys and entries. */
export function iterate(m: BpfMap<number, bigint>): number[] {
  // #region map-iterate
  for (const [key, value] of m.entries()) console.log(key, value); // also: for (... of m)
  const keys = [...m.keys()]; // each key present throughout exactly once, even under churn
  // #endregion
  return keys;
}

/** Batch writes and reads. */
export function batch(m: BpfMap<number, bigint>): Array<[number, bigint]> {
  // #region map-batch
  m.updateBatch([[3, 30n], [4, 40n]]); // 2 written with one BPF_MAP_UPDATE_BATCH
  const all = m.lookupBatch();         // [[3, 30n], [4, 40n], ...] read 8192 at a time
  // #endregion
  return all;
}

/** Batch writes with flags. */
export function updateBatch(m: BpfMap<number, bigint>): number {
  // #region map-update-batch
  const written = m.updateBatch(new Map([[5, 50n], [6, 60n]])); // any iterable of [key, value]: 2
  m.updateBatch([[5, 51n]], 'exist');                            // with a flag: one update per entry
  // #endregion
  return written;
}

/** Visiting every entry without building an array. */
export function forEach(m: BpfMap<number, bigint>): bigint {
  let total = 0n;
  // #region map-foreach-batch
  m.forEachBatch((key, value) => { total += value; });           // returns the number of entries
  for (const [key, value] of m.entriesBatch({ batchSize: 1024 })) console.log(key, value);
  // #endregion
  return total;
}

/** Deleting many keys, or draining the map. */
export function batchDelete(m: BpfMap<number, bigint>): Array<[number, bigint]> {
  // #region map-batch-delete
  m.deleteBatch([3, 4]);                 // 2; stops with KeyNotFoundError at the first missing key
  const drained = m.lookupAndDeleteBatch(); // every entry, each deleted as it is read
  // #endregion
  return drained;
}

/** Raw batch reads into caller buffers. */
export function rawBatch(m: BpfMap<number, bigint>): number {
  let n = 0;
  // #region map-batch-raw
  const cursor: BatchCursor = m.batchCursor(), keys = new Uint8Array(4096 * 4), values = new Uint8Array(4096 * 8);
  while (!cursor.done) n += m.lookupBatchInto(cursor, keys, values); // raw bytes, nothing decoded
  // #endregion
  return n;
}

/** Queues and stacks. */
export function queue(): number | undefined {
  // #region map-queue
  using q = BpfMap.create({ name: 'jobs', type: MapType.Queue, keySize: 0, valueSize: 4, maxEntries: 64 }, { value: u32 });
  q.push(7); q.peek(); q.pop(); // 7, 7, then undefined once empty
  // #endregion
  return q.pop();
}

/** Bloom filters. */
export function bloom(): boolean {
  // #region map-bloom
  using seen = BpfMap.create({ name: 'seen', type: MapType.BloomFilter, keySize: 0, valueSize: 4, maxEntries: 1000 }, { value: u32 });
  seen.push(42); seen.mayContain(42); // true; false means certainly absent
  // #endregion
  return seen.mayContain(42);
}

/** Map-in-map: fds in, ids out. */
export function mapInMap(outer: BpfMap<number, number>, inner: BpfMap<number, bigint>): void {
  // #region map-in-map
  outer.update(0, inner.fd);                                          // an array or hash of maps takes the inner map's fd
  using again = BpfMap.fromId(outer.lookup(0)!, { key: u32, value: u64 }); // and a lookup gives its id
  // #endregion
}

/** Kernel info. */
export function info(m: BpfMap<number, bigint>): number {
  // #region map-info
  const { id, maxEntries, memlock } = m.info(); // also type, keySize, valueSize, flags, name, btfId, frozen...
  console.log(`${m}`);                          // map counts (hash, 4/8 B, max 1024)
  // #endregion
  return id + maxEntries + memlock;
}

/** Pinning. */
export function pin(m: BpfMap<number, bigint>): void {
  // #region map-pin
  m.pin('/sys/fs/bpf/counts');   // mounts bpffs at /sys/fs/bpf first when needed
  m.unpin('/sys/fs/bpf/counts'); // removes the file; the map lives on while fds or programs hold it
  // #endregion
}

/** Freezing. */
export function freeze(m: BpfMap<number, bigint>): void {
  // #region map-freeze
  m.freeze();       // BPF_MAP_FREEZE: read-only for user space from now on
  m.update(1, 1n);  // PermissionError (EPERM); programs can still write
  // #endregion
}

/** Another view with other codecs. */
export function withCodecs(raw: BpfMap): bigint | undefined {
  // #region map-with-codecs
  using typed = raw.withCodecs({ key: u32, value: u64 }); // its own fd, opened by id
  typed.lookup(1);                                        // 10n where raw.lookup gives a Buffer
  // #endregion
  return typed.lookup(1);
}

/** Closing. */
export function close(m: BpfMap<number, bigint>): void {
  // #region map-close
  m.close();  // or declare it with `using`; a second call does nothing
  m.lookup(1); // ClosedError: map counts: already closed
  // #endregion
}
