import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTest } from '../testutils/kernel.js';
import { BpfMap, MapType, u32, u64 } from '../index.js';
import { watchMaps, type WatchedMap } from './maps.js';

/** Equal up to float rounding (the same quotient computed in another order). */
function close(actual: number | null, expected: number, what: string): void {
  assert.ok(actual !== null && Math.abs(actual - expected) <= 1e-9 * Math.abs(expected), `${what}: ${actual} != ${expected}`);
}

test('tsbpf maps --watch --json: one line per refresh with the fill rate over the window and the time to full', async (t) => {
  if (!kernelTest(t)) return;
  using h = BpfMap.create({ name: 'ttf_hash', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 1000 }, { key: u32, value: u64 });
  using arr = BpfMap.create({ name: 'ttf_array', type: MapType.Array, keySize: 4, valueSize: 8, maxEntries: 4 });
  const ids = new Set([h.info().id, arr.info().id]);
  const frames: Array<{ at: string; windowSeconds: number; maps: WatchedMap[] }> = [];
  const ac = new AbortController();
  await watchMaps(0.05, { json: true, where: (m) => ids.has(m.id), windowSeconds: 30 }, ac.signal, {
    write: (chunk: string) => {
      assert.ok(chunk.endsWith('\n') && !chunk.slice(0, -1).includes('\n'), 'one line per refresh');
      frames.push(JSON.parse(chunk));
      if (frames.length === 1) for (let i = 0; i < 100; i++) h.update(i, 0n);
      if (frames.length === 3) ac.abort();
    },
  });
  assert.equal(frames.length, 3);
  assert.equal(frames[0].windowSeconds, 30);
  const row = (f: number, name: string) => frames[f].maps.find((m) => m.name === name)!;
  assert.deepEqual([row(0, 'ttf_hash').entries, row(0, 'ttf_hash').growthPerSecond, row(0, 'ttf_hash').secondsToFull], [0, null, null], 'no rate at the first refresh');
  const span = (Date.parse(frames[1].at) - Date.parse(frames[0].at)) / 1000;
  const g = row(1, 'ttf_hash');
  assert.equal(g.entries, 100);
  close(g.growthPerSecond, 100 / span, 'entries added over the time between refreshes');
  close(g.secondsToFull, 900 / g.growthPerSecond!, 'time to full');
  // The window still holds the first refresh: same 100 entries over a longer span.
  const span2 = (Date.parse(frames[2].at) - Date.parse(frames[0].at)) / 1000;
  close(row(2, 'ttf_hash').growthPerSecond, 100 / span2, 'rate over the whole window');
  assert.equal(row(2, 'ttf_array').secondsToFull, 0, 'an array map is full');
  assert.equal(row(2, 'ttf_array').growthPerSecond, 0);
});

test('tsbpf maps --watch: a TO FULL column, and the window refused when not positive', async (t) => {
  if (!kernelTest(t)) return;
  using h = BpfMap.create({ name: 'ttf_table', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 1000 }, { key: u32, value: u64 });
  const id = h.info().id;
  const frames: string[] = [];
  const ac = new AbortController();
  await watchMaps(0.05, { where: (m) => m.id === id }, ac.signal, {
    write: (chunk: string) => {
      frames.push(chunk);
      if (frames.length === 1) for (let i = 0; i < 500; i++) h.update(i, 0n);
      if (frames.length === 2) ac.abort();
    },
  });
  assert.match(frames[1], /RATE\/s\s+TO FULL\n/);
  const line = frames[1].split('\n').find((l) => l.startsWith(`${id} `))!;
  assert.match(line, /\s500\s+50\.0%\s+kernel\s.*\s(\d+(s|m\d\ds)|<1s)$/, line);
  assert.match(frames[0].split('\n').find((l) => l.startsWith(`${id} `))!, /\s0\s+-$/, 'no rate nor time to full at the first refresh');
  await assert.rejects(watchMaps(1, { windowSeconds: 0 }), /window must be a positive number of seconds/);
});
