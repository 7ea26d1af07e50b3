// Pinning outside bpffs: the error says so, instead of blaming a capability.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelTest } from '../testutils/kernel.js';
import { BpfMap } from '../map/map.js';
import { MapType } from '../types.js';
import { PermissionError, KeyNotFoundError } from './errors.js';

test('pin outside bpffs and open pinned on a plain file say the path is not on bpffs', (t) => {
  if (!kernelTest(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-pin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  using m = BpfMap.create({ name: 'pin_hint', type: MapType.Hash, keySize: 4, valueSize: 4, maxEntries: 1 });
  const path = join(dir, 'm');
  assert.throws(
    () => m.pin(path),
    (e: unknown) =>
      e instanceof PermissionError &&
      e.message.startsWith(`map pin_hint: pin ${path}: EPERM: ${dir} is not on bpffs (statfs type 0x`) &&
      /bpffs is 0xcafe4a11\): only bpffs holds pins; bpffs is mounted at /.test(e.message) &&
      !/CAP_/.test(e.message),
  );
  assert.throws(() => m.pin(join(dir, 'missing', 'm')), (e: unknown) => e instanceof KeyNotFoundError && e.message.endsWith(`ENOENT: directory ${join(dir, 'missing')} missing`));
  writeFileSync(path, 'not a pin');
  assert.throws(
    () => BpfMap.fromPinned(path),
    (e: unknown) => e instanceof PermissionError && e.message.includes(`${path} is not on bpffs`) && !/CAP_/.test(e.message),
  );
});
