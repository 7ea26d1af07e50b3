import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { kernelTest } from '../../src/testutils/kernel.js';
import { main } from './main.js';
import { Event } from './ringbuf.js';

test('example ringbuf: one event per openat of this process, decoded with the generated codec', (t) => {
  if (!kernelTest(t)) return;
  const paths = ['/etc/hostname', '/proc/self/status', '/no/such/file/ringbuf'];
  const events = main(paths).filter((e) => paths.includes(e.filename));
  assert.deepEqual(
    events.map((e) => e.filename),
    paths,
  );
  for (const e of events) {
    assert.equal(e.pid, process.pid);
    assert.equal(e.flags & 3, constants.O_RDONLY);
    assert.ok(e.comm.length > 0 && e.comm.length < 16, e.comm);
  }
  assert.equal(Event.size, 4 + 4 + 4 + 16 + 128);
});
