// Counting the elements of a BPF hash map, every way: the BPF program itself inserts, updates and
// deletes (driven through the typed `.bss` variable `cmd`), and after each step every counting
// method must agree.
//
// Run: npx tsx examples/counting/main.ts (as root).
import { pathToFileURL } from 'node:url';
import { loadCounting, Op, type CountingObjects } from './counting.js';

/** The count by every method at one moment. */
export interface Counts {
  /** The hand-kept `counter` in .bss (way 1). */
  counter: bigint;
  /** bpf_for_each_map_elem from a socket program (way 2). */
  foreach: number;
  /** bpf_map_sum_elem_count through <tsbpf/count.h> (way 3). */
  kfunc: number;
  /** User space: map.count(), the library's choice of the fastest exact method. */
  auto: number;
  /** User space: iterating keys (BPF_MAP_GET_NEXT_KEY). */
  iterate: number;
  /** User space: batch lookups. */
  batch: number;
}

const DATA = Buffer.alloc(14);

/** Reads the count every way. */
export function countAll(obj: CountingObjects): Counts {
  const { flows } = obj.maps;
  return {
    counter: obj.variables.counter.get(),
    foreach: obj.programs.count_foreach.test(DATA).retval,
    kfunc: obj.programs.count_kernel.test(DATA).retval,
    auto: flows.count(),
    iterate: flows.count({ method: 'iterate' }),
    batch: flows.count({ method: 'batch' }),
  };
}

/** Has the BPF program apply one operation; returns its verdict (0 = changed something). */
export function apply(obj: CountingObjects, op: Op, key: number, value = 0n): number {
  obj.variables.cmd.set({ op, key, value });
  return obj.programs.mutate.test(DATA).retval;
}

/** Runs a script of inserts, updates and deletes and records the counts after each step. */
export function main(): Array<{ step: string; counts: Counts }> {
  using obj = loadCounting();
  const out: Array<{ step: string; counts: Counts }> = [];
  const step = (name: string, op: Op, key: number, value?: bigint): void => {
    apply(obj, op, key, value);
    out.push({ step: name, counts: countAll(obj) });
  };
  for (let k = 1; k <= 5; k++) step(`insert ${k}`, Op.OP_UPSERT, k, BigInt(k * 100));
  step('update 3', Op.OP_UPSERT, 3, 333n);
  step('delete 2', Op.OP_DELETE, 2);
  step('delete 2 again', Op.OP_DELETE, 2);
  step('insert 2 back', Op.OP_UPSERT, 2, 222n);
  step('delete 5', Op.OP_DELETE, 5);
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log('step             counter foreach kfunc  auto iterate batch');
  for (const { step, counts: c } of main()) {
    console.log(`${step.padEnd(16)} ${String(c.counter).padStart(7)} ${String(c.foreach).padStart(7)} ${String(c.kfunc).padStart(5)} ${String(c.auto).padStart(5)} ${String(c.iterate).padStart(7)} ${String(c.batch).padStart(5)}`);
  }
}
