import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BtfObject } from '../prog/btf-object.js';
import { kernelTest } from '../testutils/kernel.js';
import { fixtureBytes } from '../testutils/bpf-objects.js';
import { loadCollectionSpec } from './reader.js';

// The reader's BTF fix-ups (DATASEC sizes, VAR offsets, extern linkage, kconfig layout) exist so
// that BPF_BTF_LOAD accepts an object's BTF; clang's raw .BTF of each of these fixtures is rejected
// (DATASEC size 0, extern FUNC linkage).
for (const name of ['count', 'globals', 'multi', 'core', 'map_in_map', 'padding', 'kfunc']) {
  test(`the kernel accepts the fixed-up BTF of ${name}.bpf.o`, (t) => {
    if (!kernelTest(t)) return;
    const bytes = fixtureBytes(t, name);
    if (!bytes) return;
    const spec = loadCollectionSpec(bytes);
    assert.ok(spec.btfBytes);
    const btf = BtfObject.load(spec.btfBytes, { name: `${name}.bpf.o` });
    try {
      assert.ok(btf.fd > 0);
    } finally {
      btf.close();
    }
  });
}
