/**
 * The rows a benchmark script hands to `npm run bench` (bench/run.ts): each script prints its own
 * table, and when TSBPF_BENCH_JSON names a file it also writes its headline rows there as JSON.
 */
import { writeFileSync } from 'node:fs';

/** A target on a row: its tsbpf value (`value`) or that value divided by a reference (`ratio`), compared with `bound`. */
export interface BenchTarget {
  /** What is compared: the tsbpf value itself, or tsbpf / refs[ref]. */
  of: 'value' | 'ratio';
  /** The reference a ratio divides by (a key of {@link BenchRow.refs}). */
  ref?: string;
  /** How the compared number must stand to `bound`. */
  op: '<=' | '>=';
  /** The bound, in the row's unit for `value`, a plain factor for `ratio`. */
  bound: number;
}

/** One measured row: tsbpf's number beside the same work done by references (C, bpftool, Go) in the same run. */
export interface BenchRow {
  /** Stable identifier across runs, e.g. `ringbuf.drain`. */
  id: string;
  /** What the row measures, as the table prints it. */
  work: string;
  /** Unit of `ts` and of every reference. */
  unit: string;
  /** Whether a larger number is better (rates) or worse (times). */
  higherIsBetter: boolean;
  /** tsbpf's number. */
  ts: number;
  /** References measured in the same run, by name (`C`, `bpftool`, `Go cilium/ebpf`). */
  refs: Record<string, number>;
  /** The target, when the row has one. */
  target?: BenchTarget;
  /** A short note printed under the table (what the target means, why a reference is absent). */
  note?: string;
}

/** Writes `rows` to the file named by TSBPF_BENCH_JSON, if any; the script's own table is printed either way. */
export function reportRows(script: string, rows: BenchRow[]): void {
  const file = process.env.TSBPF_BENCH_JSON;
  if (file) writeFileSync(file, JSON.stringify({ script, rows }, null, 1));
}

/** The median of a non-empty list of numbers. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median: no samples');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
