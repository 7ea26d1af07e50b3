// Array vs hash: the same packets recorded in a BPF array (a histogram by log2 of the length) and
// a BPF hash (exact lengths). Arrays are preallocated: every index has a value, delete is not
// allowed, and the element count is always max_entries. Hashes hold only what was inserted.
//
// Run: npx tsx examples/arrayhash/main.ts (as root).
import { pathToFileURL } from 'node:url';
import { loadArrayhash } from './arrayhash.js';

/** What the example observed. */
export interface ArrayHashResult {
  /** Non-empty histogram buckets: [log2 bucket, packets]. */
  histogram: Array<[number, bigint]>;
  /** [exact length, packets], sorted by length. */
  sizes: Array<[number, bigint]>;
  /** Element counts: the array always has max_entries, the hash what was inserted. */
  counts: { histogram: number; sizes: number };
  /** The value of an array slot no packet touched (0n, not undefined). */
  untouchedSlot: bigint | undefined;
  /** What deleting from each map did. */
  deleteArray: string;
  deleteHash: boolean;
}

/** Sends packets with these payload lengths (after a 14-byte Ethernet header) and reads both maps. */
export function main(lengths: readonly number[] = [40, 40, 64, 100, 576, 1400, 1500, 1500]): ArrayHashResult {
  using obj = loadArrayhash();
  const { histogram, sizes } = obj.maps;
  for (const n of lengths) obj.programs.record_size.test(Buffer.alloc(14 + n));
  let deleteArray: string;
  try {
    histogram.delete(0);
    deleteArray = 'deleted';
  } catch (e) {
    deleteArray = (e as Error).message;
  }
  const result: ArrayHashResult = {
    histogram: [...histogram.entries()].filter(([, v]) => v > 0n),
    sizes: [...sizes.entries()].sort((a, b) => a[0] - b[0]),
    counts: { histogram: histogram.count(), sizes: sizes.count() },
    untouchedSlot: histogram.lookup(15),
    deleteArray,
    deleteHash: sizes.delete(40),
  };
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = main();
  console.log('histogram (array, log2 buckets):');
  for (const [b, n] of r.histogram) console.log(`  ${String(2 ** b).padStart(5)}..${String(2 ** (b + 1) - 1).padEnd(5)} ${'#'.repeat(Number(n))} ${n}`);
  console.log('sizes (hash, exact):', r.sizes.map(([len, n]) => `${len}:${n}`).join(' '));
  console.log(`element count: array ${r.counts.histogram} (always max_entries), hash ${r.counts.sizes}`);
  console.log(`untouched array slot 15: ${r.untouchedSlot}; delete from the array: ${r.deleteArray}; delete from the hash: ${r.deleteHash}`);
}
