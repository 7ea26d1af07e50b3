import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTest } from '../../src/testutils/kernel.js';
import { possibleCpus } from '../../src/codec/codec.js';
import { main } from './main.js';

test('example perfbuf: one event per openat of this process through the perf buffers', (t) => {
  if (!kernelTest(t)) return;
  const paths = ['/etc/hostname', '/proc/self/status', '/no/such/file/perfbuf'];
  const r = main(paths);
  const events = r.events.filter((e) => paths.includes(e.filename));
  assert.deepEqual(
    events.map((e) => e.filename),
    paths,
  );
  assert.equal(r.lost, 0);
  for (const e of events) {
    assert.equal(e.pid, process.pid);
    assert.ok(e.cpu >= 0 && e.cpu < possibleCpus());
  }
});
