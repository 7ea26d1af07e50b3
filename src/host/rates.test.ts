import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GrowthWindow, programRate, secondsToFull } from './rates.js';

test('GrowthWindow: entries per second from the oldest to the newest sample in the window', () => {
  const w = new GrowthWindow({ windowMs: 10_000 });
  w.record(0, [{ id: 1, entries: 100 }, { id: 2, entries: null }]);
  assert.equal(w.growthPerSecond(1), null, 'one sample: no rate yet');
  w.record(2_000, [{ id: 1, entries: 140 }, { id: 2, entries: null }]);
  assert.equal(w.growthPerSecond(1), 20);
  assert.equal(w.growthPerSecond(2), null, 'a map without a count keeps no samples');
  w.record(4_000, [{ id: 1, entries: 160 }]);
  assert.equal(w.growthPerSecond(1), 15); // (160 - 100) / 4 s
  // Past the window the oldest samples drop out (two are always kept).
  w.record(12_000, [{ id: 1, entries: 160 }]);
  assert.equal(w.growthPerSecond(1), 2); // from 2 s (140) to 12 s (160); the sample at 0 s is older than 10 s
  w.record(13_000, [{ id: 1, entries: 150 }]);
  assert.equal(w.growthPerSecond(1), -10 / 9);
});

test('GrowthWindow: forgets maps missing from a scan, keeps at most maxSamples, refuses time going back', () => {
  const w = new GrowthWindow({ maxSamples: 3 });
  w.record(0, [{ id: 7, entries: 0 }]);
  w.record(1000, [{ id: 7, entries: 10 }]);
  w.record(2000, [{ id: 7, entries: 30 }]);
  w.record(3000, [{ id: 7, entries: 60 }]);
  assert.equal(w.growthPerSecond(7), 25, 'from 1 s (10) to 3 s (60): the sample at 0 s was dropped');
  w.record(4000, [{ id: 8, entries: 1 }]);
  assert.equal(w.growthPerSecond(7), null, 'map 7 left the scan');
  assert.throws(() => w.record(3999, []), /time went backwards/);
  assert.throws(() => new GrowthWindow({ windowMs: 0 }), /windowMs must be a positive number/);
  assert.throws(() => new GrowthWindow({ maxSamples: 1 }), /maxSamples must be an integer >= 2/);
});

test('secondsToFull: 0 when full, null when not growing or unknown', () => {
  assert.equal(secondsToFull(50, 100, 10), 5);
  assert.equal(secondsToFull(100, 100, 0), 0);
  assert.equal(secondsToFull(120, 100, null), 0);
  assert.equal(secondsToFull(50, 100, 0), null);
  assert.equal(secondsToFull(50, 100, -3), null);
  assert.equal(secondsToFull(null, 100, 5), null);
  assert.equal(secondsToFull(5, 0, 5), null);
  const w = new GrowthWindow();
  w.record(0, [{ id: 1, entries: 0 }]);
  w.record(60_000, [{ id: 1, entries: 600 }]);
  assert.deepEqual(w.growth(1, 600, 1000), { growthPerSecond: 10, secondsToFull: 40 });
});

test('programRate: runs, runs per second, ns per run and CPU share between two scans', () => {
  const r = programRate({ runCount: 1000n, runTimeNs: 50_000n }, { runCount: 3000n, runTimeNs: 250_000n }, 2e9, 4);
  assert.deepEqual(r, { runs: 2000, runsPerSecond: 1000, avgNs: 100, cpuShare: 200_000 / (2e9 * 4) });
  assert.deepEqual(programRate(undefined, { runCount: 5n, runTimeNs: 500n }, 1e9, 1), { runs: 5, runsPerSecond: 5, avgNs: 100, cpuShare: 500 / 1e9 });
  assert.equal(programRate({ runCount: 5n, runTimeNs: 5n }, { runCount: 5n, runTimeNs: 5n }, 1e9, 1).avgNs, null);
  assert.throws(() => programRate(undefined, { runCount: 0n, runTimeNs: 0n }, 0, 1), /elapsedNs must be a positive number/);
  assert.throws(() => programRate(undefined, { runCount: 0n, runTimeNs: 0n }, 1, 0), /cpus must be a positive integer/);
});
