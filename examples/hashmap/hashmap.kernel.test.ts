import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTest } from '../../src/testutils/kernel.js';
import { frame, main } from './main.js';
import { HashmapMapNames, HashmapProgramNames, loadHashmap } from './hashmap.js';

test('example hashmap: packets are counted per EtherType', (t) => {
  if (!kernelTest(t)) return;
  assert.deepEqual(main(), [
    [0x0800, 3n],
    [0x0806, 1n],
    [0x86dd, 2n],
  ]);
});

test('example hashmap: typed map handle and name constants', (t) => {
  if (!kernelTest(t)) return;
  using obj = loadHashmap();
  assert.equal(HashmapMapNames.packets_by_proto, 'packets_by_proto');
  assert.equal(HashmapProgramNames.count_packets, 'count_packets');
  const m = obj.maps.packets_by_proto;
  assert.equal(m.keySize, 2);
  assert.equal(m.valueSize, 8);
  obj.programs.count_packets.test(frame(0x88cc));
  assert.equal(m.lookup(0x88cc), 1n);
  m.update(0x88cc, 41n);
  obj.programs.count_packets.test(frame(0x88cc));
  assert.equal(m.lookup(0x88cc), 42n);
  assert.equal(m.count(), 1);
});
