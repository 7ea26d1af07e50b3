/**
 * Ring buffer benchmark: consuming 16-byte records with RingBufReader in each of its forms beside
 * the same consumption in C (bench/c/ringbuf.c, libbpf's loop without libbpf), on the same map,
 * in one run, rounds interleaved.
 *
 * Run: npx tsx bench/ringbuf.ts [N=1000000] [ROUNDS=5]
 *
 * Each round fills the ring with N records `{ u64 seq; u64 index }` from a hand-assembled socket
 * filter (bpf_loop + bpf_ringbuf_output, test-run with repeat), then times only the consumption
 * of those N records; every consumer reads `seq` (both halves) so the work cannot be skipped.
 * A round runs every form once, C first (one long-lived C process, driven line by line), so a
 * noisy neighbour slows C and TypeScript alike; the first round is warm-up. Reported: the
 * median of ROUNDS rounds per form, its ratio to C's median, and the median of the per-round
 * ratios (the fairer one on a shared machine).
 *
 * The Go anchor (bench/go/ringbuf.go: cilium/ebpf's ringbuf.Reader with ReadInto, its fastest
 * idiomatic loop) runs in the same rounds when the Go toolchain and Debian's cilium/ebpf package
 * are installed (apt-get install golang-go golang-github-cilium-ebpf-dev; tried when root),
 * else its row is left out with a note.
 *
 * Targets: callback drain >= 0.5x C (median); for await over batches of typed records (one
 * decoded object per record) >= 25 M ev/s. A per-record `for await` costs at least one microtask
 * per record, so it is bounded by the floor row beside it (a do-nothing async iterator).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BpfMap, MapType, type Codec } from '../src/index.js';
import { RingBufReader, type RecordBatch } from '../src/ringbuf/index.js';
import { ringbufProducer } from '../src/testutils/event-programs.js';
import { median, reportRows, type BenchRow } from './report.js';

const N = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const PER_RUN = 100_000;
if (!Number.isInteger(N) || N % PER_RUN !== 0 || N <= 0) throw new Error(`N must be a positive multiple of ${PER_RUN}`);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error('ROUNDS must be a positive integer');
const REPEAT = N / PER_RUN;
const RECORD = 24; // 8-byte header + 16-byte sample
let RING = 1 << 12;
while (RING < N * RECORD) RING *= 2;

const here = fileURLToPath(new URL('.', import.meta.url));
const out = join(here, 'out');
mkdirSync(out, { recursive: true });
const cbin = join(out, 'ringbuf-c');
execFileSync(process.env.CC ?? 'cc', ['-O2', '-o', cbin, join(here, 'c', 'ringbuf.c')], { stdio: 'inherit' });

/** Builds bench/go/ringbuf.go against Debian's cilium/ebpf (GOPATH mode, nothing downloaded); undefined when that is not possible. */
function buildGo(): string | undefined {
  const gopath = '/usr/share/gocode';
  const have = (): boolean => spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0 && existsSync(join(gopath, 'src/github.com/cilium/ebpf/ringbuf'));
  if (!have() && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.log('Go anchor missing: apt-get install -y golang-go golang-github-cilium-ebpf-dev ...');
    spawnSync('apt-get', ['install', '-y', 'golang-go', 'golang-github-cilium-ebpf-dev'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  if (!have()) return undefined;
  const bin = join(out, 'ringbuf-go');
  const r = spawnSync('go', ['build', '-o', bin, join(here, 'go', 'ringbuf.go')], { stdio: 'inherit', env: { ...process.env, GO111MODULE: 'off', GOPATH: gopath } });
  return r.status === 0 ? bin : undefined;
}
const gobin = buildGo();

using events = BpfMap.create({ name: 'bench_rb', type: MapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: RING });
// BPF_RB_NO_WAKEUP: nobody waits here, so skip queueing the wake-up work.
using producer = ringbufProducer(events, { perRun: PER_RUN, ringbufFlags: 1 });
const fill = (): void => producer.run(REPEAT);

// The Go reader sleeps in epoll until a wake-up: its producer leaves them on (filling is not timed).
using goProducer = ringbufProducer(events, { perRun: PER_RUN });

/** A consumer process alive for the whole run, driven one round per line: it prints `consume SECONDS COUNT SUM`. */
function roundDriver(name: string, bin: string, args: string[], producerFd: number): { round: () => Promise<number>; end: () => void } {
  const p = spawn(bin, args, { stdio: ['pipe', 'pipe', 'inherit', events.fd, producerFd] });
  const lines = createInterface({ input: p.stdout! })[Symbol.asyncIterator]();
  return {
    round: async () => {
      p.stdin!.write('round\n');
      const { value, done } = await lines.next();
      if (done) throw new Error(`${name} ended (status ${p.exitCode})`);
      const [, secs, count] = (value as string).split(' ');
      if (Number(count) !== N) throw new Error(`${name} consumed ${count} records`);
      return Number(secs);
    },
    end: () => p.stdin!.end(),
  };
}
const go = gobin ? roundDriver('ringbuf-go', gobin, [String(N), String(REPEAT)], goProducer.program.fd) : undefined;

/** The C consumer (libbpf's loop), alive for the whole run. */
const cDriver = roundDriver('ringbuf-c', cbin, [String(RING), String(N), String(REPEAT), '0'], producer.program.fd);

const secondsSince = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

// Both halves of the u64 sequence number, folded into a small integer (a double accumulator in
// a closure would box a heap number per record: that would be the callback's cost, not the reader's).
let sum = 0;
const cb = (_b: Uint8Array, off: number, _len: number, view: DataView): void => {
  sum = (sum + view.getUint32(off, true) + view.getUint32(off + 4, true)) | 0;
};
const batchCb = (b: RecordBatch): void => {
  const view = b.view;
  const offsets = b.offsets;
  let s = sum;
  for (let i = 0; i < b.count; i++) s = (s + view.getUint32(offsets[i], true) + view.getUint32(offsets[i] + 4, true)) | 0;
  sum = s;
};
/** `seq` as a number (below 2^53): a codec whose values need no allocation. */
const Seq: Codec<number> = { size: 16, name: 'seq', encode: () => {}, decode: (d, o) => d.getUint32(o, true) + d.getUint32(o + 4, true) * 0x1_0000_0000 };
/** The whole record as an object, as a generated struct codec decodes it (numbers instead of bigint). */
const Struct: Codec<{ seq: number; index: number }> = {
  size: 16,
  name: 'struct rec',
  encode: () => {},
  decode: (d, o) => ({ seq: d.getUint32(o, true) + d.getUint32(o + 4, true) * 0x1_0000_0000, index: d.getUint32(o + 8, true) + d.getUint32(o + 12, true) * 0x1_0000_0000 }),
};

type Form = (reader: RingBufReader) => Promise<number>;
const timed = (run: (reader: RingBufReader) => number | Promise<number>): Form => async (reader) => {
  fill();
  const t0 = process.hrtime.bigint();
  const n = await run(reader);
  const s = secondsSince(t0);
  if (n !== N) throw new Error(`consumed ${n} of ${N}`);
  return s;
};
const iterate = async <T>(it: AsyncIterable<T>, use: (v: T) => void): Promise<number> => {
  let n = 0;
  for await (const v of it) {
    use(v);
    if (++n === N) break;
  }
  return n;
};
const forms: Array<[name: string, form: Form]> = [
  ['TS drain(cb)', timed((r) => r.drain(cb))],
  ['TS readBatch(cb)', timed((r) => r.readBatch(cb))],
  ['TS drainBatches(cb)', timed((r) => r.drainBatches(batchCb))],
  ['TS for await records(Seq)', timed((r) => iterate(r.records(Seq), (v) => (sum = (sum + v) | 0)))],
  ['TS for await records(Struct)', timed((r) => iterate(r.records(Struct), (v) => (sum = (sum + v.seq) | 0)))],
  ['for await floor (no reader)', () => floor()],
  ['TS for await (copies)', timed((r) => iterate(r, (rec) => (sum = (sum + rec.sample[0]) | 0)))],
  ['TS for await batches(Struct)', timed(async (r) => {
    let n = 0;
    for await (const batch of r.batches(Struct)) {
      for (const v of batch) sum = (sum + v.seq) | 0;
      if ((n += batch.length) >= N) break;
    }
    return n;
  })],
];

/** `for await` over an iterator that does no work at all: the language's own cost per record here. */
async function floor(): Promise<number> {
  let i = 0;
  const res = { done: false, value: 1 };
  const it: AsyncIterableIterator<number> = {
    next: () => Promise.resolve(++i > N ? { done: true, value: undefined } : res),
    [Symbol.asyncIterator]: () => it,
  };
  const t0 = process.hrtime.bigint();
  for await (const v of it) sum = (sum + v) | 0;
  return secondsSince(t0);
}

const GO = 'Go cilium/ebpf ReadInto';
const times = new Map<string, number[]>([['C (libbpf loop)', []], ...(go ? [[GO, []] as [string, number[]]] : []), ...forms.map(([name]) => [name, []] as [string, number[]])]);
{
  using reader = new RingBufReader(events);
  for (let round = 0; round <= ROUNDS; round++) {
    const tc = await cDriver.round();
    const row: Array<[string, number]> = [['C (libbpf loop)', tc]];
    if (go) row.push([GO, await go.round()]);
    for (const [name, form] of forms) row.push([name, await form(reader)]);
    if (round > 0) for (const [name, s] of row) times.get(name)!.push(s);
  }
}
cDriver.end();
go?.end();
if (sum === 0) console.log('(checksum 0)');

const cTimes = times.get('C (libbpf loop)')!;
const cMedian = median(cTimes);
const mps = (s: number): number => N / s / 1e6;
const targets: Record<string, (s: number, ratio: number) => string> = {
  'TS drain(cb)': (_s, ratio) => `>= 0.5x C: ${ratio >= 0.5 ? 'met' : 'MISSED'}`,
  'TS for await records(Seq)': (s) => `one microtask per record: ${(median(times.get('for await floor (no reader)')!) / s).toFixed(2)}x the floor's speed`,
  'TS for await batches(Struct)': (s) => `>= 25 M ev/s: ${mps(s) >= 25 ? 'met' : 'MISSED'}`,
};
console.log(`ring buffer ${RING / (1 << 20)} MiB, ${N.toLocaleString('en-US')} records of 16 bytes per round; median of ${ROUNDS} interleaved rounds after a warm-up round`);
console.log(`${'consumer'.padEnd(30)} ${'M ev/s'.padStart(8)} ${'ns/ev'.padStart(7)} ${'vs C'.padStart(6)} ${'per-round'.padStart(10)}   target`);
for (const [name, ts] of times) {
  const m = median(ts);
  const ratio = median(ts.map((s, i) => cTimes[i] / s));
  const target = targets[name]?.(m, ratio) ?? '';
  console.log(`${name.padEnd(30)} ${mps(m).toFixed(1).padStart(8)} ${((m / N) * 1e9).toFixed(1).padStart(7)} ${(cMedian / m).toFixed(2).padStart(6)} ${ratio.toFixed(2).padStart(10)}   ${target}`);
}
if (!go) console.log('Go anchor: skipped (needs golang-go and golang-github-cilium-ebpf-dev)');

// For `npm run bench`: rates in M ev/s, C's and Go's from the same rounds.
const rate = (name: string): number => mps(median(times.get(name)!));
const refs: Record<string, number> = { C: rate('C (libbpf loop)'), ...(go ? { Go: rate(GO) } : {}) };
const rows: BenchRow[] = [
  { id: 'ringbuf.drain', work: 'ring buffer drain(cb), 16-byte records', unit: 'M ev/s', higherIsBetter: true, ts: rate('TS drain(cb)'), refs, target: { of: 'ratio', ref: 'C', op: '>=', bound: 0.5 } },
  { id: 'ringbuf.for-await-batches', work: 'ring buffer for await over batches(codec), one decoded object per record', unit: 'M ev/s', higherIsBetter: true, ts: rate('TS for await batches(Struct)'), refs, target: { of: 'value', op: '>=', bound: 25 } },
  { id: 'ringbuf.for-await', work: 'ring buffer for await records(codec), one step per record (bounded by the floor below)', unit: 'M ev/s', higherIsBetter: true, ts: rate('TS for await records(Seq)'), refs },
  { id: 'ringbuf.for-await-floor', work: 'for await over a do-nothing iterator (language floor)', unit: 'M ev/s', higherIsBetter: true, ts: rate('for await floor (no reader)'), refs: {} },
];
reportRows('ringbuf', rows);
