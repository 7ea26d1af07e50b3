/**
 * Worker thread for churn tests: opens a map by id and deletes then re-inserts keys
 * [from, to) in a loop until told to stop; posts the number of rounds when done.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BpfMap } from '../map/map.js';
import { u32, u64 } from '../codec/codec.js';

const { id, from, to, flag } = workerData as { id: number; from: number; to: number; flag: Int32Array };
const m = BpfMap.fromId(id, { key: u32, value: u64 });
let rounds = 0;
parentPort!.postMessage('ready');
while (Atomics.load(flag, 0) === 0) {
  for (let k = from; k < to; k++) m.delete(k);
  for (let k = from; k < to; k++) m.update(k, BigInt(k));
  rounds++;
}
m.close();
parentPort!.postMessage(rounds);
