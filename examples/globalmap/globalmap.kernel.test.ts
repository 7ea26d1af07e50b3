import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTest } from '../../src/testutils/kernel.js';
import { main } from './main.js';
import { Config, loadGlobalmap } from './globalmap.js';

test('example globalmap: the program follows the config struct written from TypeScript', (t) => {
  if (!kernelTest(t)) return;
  assert.deepEqual(main(), {
    disabled: undefined,
    large: { packets: 2n, bytes: 1700n, last_len: 200 },
    all: { packets: 3n, bytes: 1760n, last_len: 60 },
  });
});

test('example globalmap: struct config is laid out as clang does (bool, padding, u32)', (t) => {
  assert.equal(Config.size, 8);
  const bytes = new Uint8Array(8).fill(0xff);
  Config.encode({ enabled: true, min_len: 0x01020304 }, new DataView(bytes.buffer), 0);
  assert.deepEqual([...bytes], [1, 0, 0, 0, 4, 3, 2, 1]);
  if (!kernelTest(t)) return;
  using obj = loadGlobalmap();
  obj.maps.config.update(0, { enabled: true, min_len: 7 });
  assert.deepEqual([...(obj.maps.config.lookupRaw(Buffer.alloc(4)) ?? [])], [1, 0, 0, 0, 7, 0, 0, 0]);
});
