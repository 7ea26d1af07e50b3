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
 * Targets: callback drain >= 0.5x C (median); for await over typed records >= 25 M ev/s.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BpfMap, MapType, type Codec } from '../src/index.js';
import { RingBufReader, type RecordBatch } from '../src/ringbuf/index.js';
import { ringbufProducer } from '../src/testutils/event-programs.js';

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

using events = BpfMap.create({ name: 'bench_rb', type: MapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: RING });
// BPF_RB_NO_WAKEUP: nobody waits here, so skip queueing the wake-up work.
using producer = ringbufProducer(events, { perRun: PER_RUN, ringbufFlags: 1 });
const fill = (): void => producer.run(REPEAT);

/** The C consumer, alive for the whole run: one round per line written to it. */
const c = spawn(cbin, [String(RING), String(N), String(REPEAT), '0'], { stdio: ['pipe', 'pipe', 'inherit', events.fd, producer.program.fd] });
const cLines = createInterface({ input: c.stdout! })[Symbol.asyncIterator]();
async function roundC(): Promise<number> {
  c.stdin!.write('round\n');
  const { value, done } = await cLines.next();
  if (done) throw new Error(`ringbuf-c ended (status ${c.exitCode})`);
  const [, secs, count] = (value as string).split(' ');
  if (Number(count) !== N) throw new Error(`C consumed ${count} records`);
  return Number(secs);
}

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
  ['TS for await (copies)', timed((r) => iterate(r, (rec) => (sum = (sum + rec.sample[0]) | 0)))],
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

const times = new Map<string, number[]>([['C (libbpf loop)', []], ...forms.map(([name]) => [name, []] as [string, number[]]), ['for await floor (no reader)', []]]);
{
  using reader = new RingBufReader(events);
  for (let round = 0; round <= ROUNDS; round++) {
    const tc = await roundC();
    const row: Array<[string, number]> = [['C (libbpf loop)', tc]];
    for (const [name, form] of forms) row.push([name, await form(reader)]);
    row.push(['for await floor (no reader)', await floor()]);
    if (round > 0) for (const [name, s] of row) times.get(name)!.push(s);
  }
}
c.stdin!.end();
if (sum === 0) console.log('(checksum 0)');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const cTimes = times.get('C (libbpf loop)')!;
const cMedian = median(cTimes);
const mps = (s: number): number => N / s / 1e6;
const targets: Record<string, (s: number, ratio: number) => string> = {
  'TS drain(cb)': (_s, ratio) => `>= 0.5x C: ${ratio >= 0.5 ? 'met' : 'MISSED'}`,
  'TS for await records(Seq)': (s) => `>= 25 M ev/s: ${mps(s) >= 25 ? 'met' : 'MISSED'}`,
};
console.log(`ring buffer ${RING / (1 << 20)} MiB, ${N.toLocaleString('en-US')} records of 16 bytes per round; median of ${ROUNDS} interleaved rounds after a warm-up round`);
console.log(`${'consumer'.padEnd(30)} ${'M ev/s'.padStart(8)} ${'ns/ev'.padStart(7)} ${'vs C'.padStart(6)} ${'per-round'.padStart(10)}   target`);
for (const [name, ts] of times) {
  const m = median(ts);
  const ratio = median(ts.map((s, i) => cTimes[i] / s));
  const target = targets[name]?.(m, ratio) ?? '';
  console.log(`${name.padEnd(30)} ${mps(m).toFixed(1).padStart(8)} ${((m / N) * 1e9).toFixed(1).padStart(7)} ${(cMedian / m).toFixed(2).padStart(6)} ${ratio.toFixed(2).padStart(10)}   ${target}`);
}
