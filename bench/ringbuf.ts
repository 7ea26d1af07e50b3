/**
 * Ring buffer benchmark: consuming 16-byte records with RingBufReader (batch and async-iterator
 * forms) beside the same consumption in C (bench/c/ringbuf.c, libbpf's loop without libbpf), on
 * the same map, in one run.
 *
 * Run: npx tsx bench/ringbuf.ts [N=1000000] [ROUNDS=5]
 *
 * Each round fills the ring with N records `{ u64 seq; u64 index }` from a hand-assembled socket
 * filter (bpf_loop + bpf_ringbuf_output, test-run with repeat), then times only the consumption
 * of those N records; every consumer folds `seq` into a checksum so the work cannot be skipped.
 * Prints the best round of each form in million events per second.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BpfMap, MapType } from '../src/index.js';
import { RingBufReader } from '../src/ringbuf/index.js';
import { ringbufProducer } from '../src/testutils/event-programs.js';

const N = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const PER_RUN = 100_000;
if (!Number.isInteger(N) || N % PER_RUN !== 0 || N <= 0) throw new Error(`N must be a positive multiple of ${PER_RUN}`);
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

/** Runs the C consumer for `rounds` rounds in one process; returns each round's seconds. */
function runC(rounds: number): number[] {
  const r = spawnSync(cbin, [String(RING), String(N), String(REPEAT), String(rounds)], {
    stdio: ['ignore', 'pipe', 'inherit', events.fd, producer.program.fd],
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`ringbuf-c failed with status ${r.status}`);
  return r.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [, secs, count] = line.split(' ');
      if (Number(count) !== N) throw new Error(`C consumed ${count} records`);
      return Number(secs);
    });
}

const secondsSince = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

// Both halves of the u64 sequence number, folded into a small integer (a double accumulator in
// a closure would box a heap number per record: that would be the callback's cost, not the reader's).
let sum = 0;
const cb = (_b: Uint8Array, off: number, _len: number, view: DataView): void => {
  sum = (sum + view.getUint32(off, true) + view.getUint32(off + 4, true)) | 0;
};

async function timeBatch(reader: RingBufReader, form: 'drain' | 'readBatch'): Promise<number> {
  fill();
  const t0 = process.hrtime.bigint();
  const n = form === 'drain' ? reader.drain(cb) : await reader.readBatch(cb);
  const s = secondsSince(t0);
  if (n !== N) throw new Error(`${form} consumed ${n}`);
  return s;
}

async function timeIterator(reader: RingBufReader): Promise<number> {
  fill();
  const t0 = process.hrtime.bigint();
  let n = 0;
  for await (const rec of reader) {
    const s = rec.sample;
    sum = (sum + (s[0] | (s[1] << 8) | (s[2] << 16) | (s[3] << 24))) | 0;
    if (++n === N) break;
  }
  return secondsSince(t0);
}

// Each side runs its rounds back to back (one C process; one phase per TS form, so the
// iterator's garbage does not land in the batch timings); the first round of each is warm-up.
const minOf = (xs: number[]): number => Math.min(...xs.slice(1));
const best = { c: minOf(runC(ROUNDS + 1)), drain: Infinity, readBatch: Infinity, iterator: Infinity };
{
  using reader = new RingBufReader(events);
  const drains: number[] = [];
  const batches: number[] = [];
  const iters: number[] = [];
  for (let r = 0; r <= ROUNDS; r++) {
    drains.push(await timeBatch(reader, 'drain'));
    batches.push(await timeBatch(reader, 'readBatch'));
  }
  for (let r = 0; r <= ROUNDS; r++) iters.push(await timeIterator(reader));
  best.drain = minOf(drains);
  best.readBatch = minOf(batches);
  best.iterator = minOf(iters);
}
if (sum === 0) console.log('(checksum 0)');

const mps = (s: number): number => N / s / 1e6;
const row = (name: string, s: number, target?: string): string =>
  `${name.padEnd(26)} ${mps(s).toFixed(1).padStart(8)} ${((s / N) * 1e9).toFixed(1).padStart(8)} ${(best.c / s).toFixed(2).padStart(8)}   ${target ?? ''}`;
const ok = (s: number): string => (best.c / s >= 0.5 && mps(s) >= 5 ? 'ok' : 'MISSED');
console.log(`ring buffer ${RING / (1 << 20)} MiB, ${N.toLocaleString('en-US')} records of 16 bytes per round, best of ${ROUNDS} after a warm-up round`);
console.log(`${'consumer'.padEnd(26)} ${'M ev/s'.padStart(8)} ${'ns/ev'.padStart(8)} ${'vs C'.padStart(8)}   target`);
console.log(row('C (libbpf loop)', best.c));
console.log(row('TS drain (batch, sync)', best.drain, `>= 0.5x C and >= 5 M/s: ${ok(best.drain)}`));
console.log(row('TS readBatch (batch)', best.readBatch, `>= 0.5x C and >= 5 M/s: ${ok(best.readBatch)}`));
console.log(row('TS for await (copies)', best.iterator, '(reported)'));
