/**
 * Element counting: how many elements a map holds right now, exactly and as cheaply as the map
 * type and kernel allow.
 *
 * Methods:
 * - `kernel`: the kernel's own per-CPU element counter of hash-family maps (hash, LRU hash,
 *   per-CPU and LRU per-CPU hash, with or without BPF_F_NO_PREALLOC), summed by the kfunc
 *   `bpf_map_sum_elem_count` in a 4-instruction program run with BPF_PROG_TEST_RUN (Linux 6.6+):
 *   a sleepable `syscall` program where the kernel allows it (about 2 us a count here), else a
 *   socket filter. Constant time in the number of elements. The program is loaded once per map and
 *   closed with it.
 * - `foreach`: a `bpf_for_each_map_elem` program (Linux 5.13+) walking the map in one kernel call.
 * - `batch`: BPF_MAP_LOOKUP_BATCH with a large batch, decoding nothing.
 * - `iterate`: BPF_MAP_GET_NEXT_KEY, exact at rest and robust under churn (see BpfMap.keys).
 * - `max-entries`: array-family maps always hold `maxEntries` elements.
 * - `auto` (default): the fastest exact method for the map type on this kernel.
 *
 * The reported duration is the count's own: loading a counting program (once per map) is not in it.
 */
import { Program } from '../prog/program.js';
import { VerifierError } from '../prog/verifier-error.js';
import { MapType, mapTypeShortName, ProgramType, isArrayType } from '../types.js';
import { NotSupportedError } from '../sys/errors.js';
import { Errno } from '../sys/errno.js';
import { COUNTED_MAP, forEachCounterProgram, kernelCounterProgram } from './programs.js';

/**
 * What counting needs of a map: its identity and shape, its fd, a hook to release the counting
 * programs when the map closes, and the two user-space walks. `BpfMap` is one.
 */
export interface Countable {
  /** The map's name, for messages. */
  readonly name: string;
  /** Map type (`enum bpf_map_type`). */
  readonly type: number;
  /** `max_entries`. */
  readonly maxEntries: number;
  /** The map's fd, for the counting programs' map reference. */
  readonly fd: number;
  /** Registers `fn` to run when the map closes. */
  onClose(fn: () => void): void;
  /** Counts with BPF_MAP_LOOKUP_BATCH. */
  countByBatch(): number;
  /** Counts with BPF_MAP_GET_NEXT_KEY, exact under churn. */
  countByIteration(): number;
}

/** A way of counting; see the module overview. */
export type CountMethod = 'auto' | 'kernel' | 'foreach' | 'batch' | 'iterate' | 'max-entries';

/** Options of {@link countMap}. */
export interface CountOptions {
  /** Default `auto`. */
  method?: CountMethod;
}

/** A count with how it was made. */
export interface CountResult {
  /** Number of elements. */
  count: number;
  /** The method used (never `auto`). */
  method: Exclude<CountMethod, 'auto'>;
  /** Time taken, in ns (wall clock, including the system calls). */
  durationNs: number;
}

/** Hash-family maps keep the kernel's element counter. */
const HASH_FAMILY = new Set<number>([MapType.Hash, MapType.LruHash, MapType.PerCpuHash, MapType.LruPerCpuHash]);
/** Map types bpf_for_each_map_elem accepts. */
const FOREACH_TYPES = new Set<number>([MapType.Hash, MapType.LruHash, MapType.PerCpuHash, MapType.LruPerCpuHash, MapType.Array, MapType.PerCpuArray]);
/** Map types without keys to walk. */
const UNCOUNTABLE = new Set<number>([MapType.Queue, MapType.Stack, MapType.BloomFilter, MapType.RingBuf, MapType.UserRingBuf]);


const EMPTY = new Uint8Array(0);
const ETH_HEADER = new Uint8Array(14);

/** Whether each method works on this kernel, once known: probed on first use. */
const kernelSupport: { kernel?: boolean; foreach?: boolean } = {};

interface Counters {
  kernel?: Program;
  foreach?: Program;
}
const counters = new WeakMap<Countable, Counters>();

function counterFor(map: Countable, which: 'kernel' | 'foreach'): Program {
  let c = counters.get(map);
  if (!c) {
    c = {};
    counters.set(map, c);
    const cc = c;
    map.onClose(() => {
      cc.kernel?.close();
      cc.foreach?.close();
    });
  }
  const have = c[which];
  if (have) return have;
  const insns = which === 'kernel' ? kernelCounterProgram() : forEachCounterProgram();
  const name = which === 'kernel' ? 'tsbpf_count' : 'tsbpf_foreach';
  // A sleepable syscall program runs fastest under BPF_PROG_TEST_RUN (no packet to build);
  // older kernels refuse it for these helpers, and then a socket filter does the same job.
  const flavours = counterFlavour ? [counterFlavour] : FLAVOURS;
  let first: unknown;
  for (const f of flavours) {
    try {
      const p = Program.load({ name, type: f.type, flags: f.flags, instructions: insns, license: 'GPL' }, { maps: { [COUNTED_MAP]: map } });
      kernelSupport[which] = true;
      if (which === 'kernel') counterFlavour ??= f;
      c[which] = p;
      return p;
    } catch (e) {
      first ??= e;
    }
  }
  const e = first;
  if (e instanceof VerifierError && (e.errno === Errno.EINVAL || e.errno === Errno.EACCES) && kernelSupport[which] === undefined) {
    // The first refusal on a supported map type means this kernel lacks the method.
    kernelSupport[which] = false;
  }
  throw new NotSupportedError('bpf', 'BPF_PROG_LOAD', (e as { errno?: number }).errno ?? Errno.EOPNOTSUPP, `map ${map.name}: count (${which})`, `the kernel refused the counting program: ${(e as Error).message}`, { cause: e });
}

interface Flavour {
  type: number;
  flags: number;
  data: Uint8Array;
}
const BPF_F_SLEEPABLE = 1 << 4;
const FLAVOURS: Flavour[] = [
  { type: ProgramType.Syscall, flags: BPF_F_SLEEPABLE, data: new Uint8Array(0) },
  { type: ProgramType.SocketFilter, flags: 0, data: new Uint8Array(14) }, // an Ethernet header's worth
];
let counterFlavour: Flavour | undefined;

/** The method `auto` picks for a map type on this kernel. */
export function autoMethod(type: number): Exclude<CountMethod, 'auto'> {
  if (isArrayType(type)) return 'max-entries';
  if (HASH_FAMILY.has(type) && kernelSupport.kernel !== false) return 'kernel';
  if (FOREACH_TYPES.has(type) && kernelSupport.foreach !== false) return 'foreach';
  if (type === MapType.LpmTrie) return 'iterate';
  return 'batch';
}

/** Which methods can count a map of this type (the first is what `auto` picks). */
export function methodsFor(type: number): Array<Exclude<CountMethod, 'auto'>> {
  if (UNCOUNTABLE.has(type)) return [];
  const out: Array<Exclude<CountMethod, 'auto'>> = [autoMethod(type)];
  const add = (m: Exclude<CountMethod, 'auto'>) => !out.includes(m) && out.push(m);
  if (HASH_FAMILY.has(type)) add('kernel');
  if (FOREACH_TYPES.has(type)) add('foreach');
  if (type !== MapType.LpmTrie) add('batch');
  add('iterate');
  return out;
}

/**
 * Counts the elements of a map, with `method` or the fastest exact one.
 * @throws {NotSupportedError} when the method cannot count this map type (e.g. `kernel` on an array, any method on a queue).
 */
export function countMap(map: Countable, opts: CountOptions = {}): CountResult {
  const requested = opts.method ?? 'auto';
  const label = `map ${map.name}: count`;
  if (UNCOUNTABLE.has(map.type)) {
    throw new NotSupportedError('bpf', 'count', Errno.EOPNOTSUPP, label, `a ${mapTypeShortName(map.type)} map has no keys to count`);
  }
  let t0 = process.hrtime.bigint();
  const done = (count: number, method: Exclude<CountMethod, 'auto'>): CountResult => ({ count, method, durationNs: Number(process.hrtime.bigint() - t0) });
  // The counting programs are loaded once per map; the time reported is the count's, not the load's.
  const run = (which: 'kernel' | 'foreach'): number => {
    const p = counterFor(map, which);
    t0 = process.hrtime.bigint();
    return p.test(p.type === ProgramType.Syscall ? EMPTY : ETH_HEADER).retval;
  };
  let method = requested === 'auto' ? autoMethod(map.type) : requested;
  switch (method) {
    case 'max-entries':
      if (!isArrayType(map.type)) throw new NotSupportedError('bpf', 'count', Errno.EOPNOTSUPP, label, `max-entries counts array maps only, not ${mapTypeShortName(map.type)}`);
      return done(map.maxEntries, method);
    case 'kernel':
      if (!HASH_FAMILY.has(map.type)) throw new NotSupportedError('bpf', 'count', Errno.EOPNOTSUPP, label, `the kernel keeps an element counter for hash maps only, not ${mapTypeShortName(map.type)}`);
      try {
        return done(run('kernel'), method);
      } catch (e) {
        if (requested !== 'auto' || kernelSupport.kernel !== false) throw e;
        method = autoMethod(map.type);
        return countMap(map, { method });
      }
    case 'foreach':
      if (!FOREACH_TYPES.has(map.type)) throw new NotSupportedError('bpf', 'count', Errno.EOPNOTSUPP, label, `bpf_for_each_map_elem does not walk ${mapTypeShortName(map.type)} maps`);
      try {
        return done(run('foreach'), method);
      } catch (e) {
        if (requested !== 'auto' || kernelSupport.foreach !== false) throw e;
        return countMap(map, { method: 'batch' });
      }
    case 'batch':
      return done(map.countByBatch(), method);
    case 'iterate':
      return done(map.countByIteration(), method);
    default:
      throw new TypeError(`${label}: unknown method ${JSON.stringify(method)} (auto, kernel, foreach, batch, iterate, max-entries)`);
  }
}
