/**
 * Snippets for docs/api.md: codecs, the JavaScript side of keys and values.
 * Regions are copied into the docs by scripts/docs-snippets.mjs; `npm run typecheck` compiles them.
 */
import { BpfMap, MapType, bytes, perCpu, possibleCpus, u32, u32be, u64, type Codec } from '../../src/index.js';

/** Integer codecs, one of them big-endian. */
export function integers(): bigint | undefined {
  // #region codecs-integers
  using byAddr = BpfMap.create({ name: 'by_addr', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 1024 }, { key: u32be, value: u64 });
  byAddr.update(0x0a000001, 1n); // key 10.0.0.1 stored in network byte order, as a program reads it
  // #endregion
  return byAddr.lookup(0x0a000001);
}

/** Fixed-size byte strings. */
export function byteKeys(): void {
  // #region codecs-bytes
  using m = BpfMap.create({ name: 'by_hash', type: MapType.Hash, keySize: 16, valueSize: 8, maxEntries: 64 }, { key: bytes(16), value: u64 });
  m.update(Buffer.alloc(16, 0xab), 1n); // a key of another length: SizeError before any syscall
  // #endregion
}

/** Per-CPU values. */
export function perCpuValues(): bigint {
  // #region codecs-percpu
  using pkts = BpfMap.create({ name: 'pkts', type: MapType.PerCpuArray, keySize: 4, valueSize: 8, maxEntries: 1 }, { key: u32, value: perCpu(u64) });
  const total = pkts.lookup(0)!.reduce((a, b) => a + b, 0n); // bigint[], one per possible CPU
  // #endregion
  pkts.update(0, new Array<bigint>(possibleCpus()).fill(1n));
  return total;
}

/** A codec of your own. */
export function customCodec(): { x: number; y: number } | undefined {
  // #region codecs-custom
  const Point: Codec<{ x: number; y: number }> = {
    size: 8,
    name: 'struct point',
    encode: (v, view, off) => { view.setInt32(off, v.x, true); view.setInt32(off + 4, v.y, true); },
    decode: (view, off) => ({ x: view.getInt32(off, true), y: view.getInt32(off + 4, true) }),
  };
  // #endregion
  using m = BpfMap.create({ name: 'points', type: MapType.Array, keySize: 4, valueSize: 8, maxEntries: 4 }, { key: u32, value: Point });
  m.update(0, { x: -1, y: 2 });
  return m.lookup(0);
}
