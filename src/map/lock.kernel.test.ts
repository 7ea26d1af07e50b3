import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTest } from '../testutils/kernel.js';
import { compileObject } from '../testutils/bpf-objects.js';
import { loadCollection, u32, bytes, InvalidArgumentError } from '../index.js';

test('update and lookup with BPF_F_LOCK on a value holding a bpf_spin_lock', (t) => {
  if (!kernelTest(t)) return;
  using coll = loadCollection(compileObject('spinlock'), { codecs: { locked_map: { key: u32, value: bytes(16) } } });
  const m = coll.maps.locked_map;
  const v = Buffer.alloc(16);
  v.writeUInt32LE(41, 4); // a (the lock word at 0 is ignored by the kernel)
  v.writeBigUInt64LE(7n, 8); // b
  m.update(1, v, { flag: 'noexist', lock: true });
  assert.equal(coll.programs.bump.test(Buffer.alloc(14)).retval, 42, 'the program took the lock and saw the value');
  const got = m.lookup(1, { lock: true }) as Buffer;
  assert.equal(got.readUInt32LE(4), 42);
  assert.equal(got.readBigUInt64LE(8), 7n);
  // A map without a spin lock in its value refuses BPF_F_LOCK.
  using plain = loadCollection(compileObject('count'));
  assert.throws(() => plain.maps.my_map.update(1, 1n as never, { lock: true }), InvalidArgumentError);
});
