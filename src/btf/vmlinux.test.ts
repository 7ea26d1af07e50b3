import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { KernelBtfNotFoundError } from './errors.js';
import { KERNEL_BTF_DIR, loadKernelSpec, loadModuleSpec, loadSpecFile } from './vmlinux.js';
import { kernelBtf } from './test-fixtures.js';
import { skipIf } from '../testutils/kernel.js';

test('loadKernelSpec reads vmlinux once per process', (t) => {
  const k = kernelBtf();
  if (!k.bytes) return void skipIf(t, k.reason);
  const a = loadKernelSpec();
  assert.equal(loadKernelSpec(), a);
  assert.equal(loadModuleSpec('vmlinux'), a);
  assert.ok(a.anyTypeByName('task_struct', 'struct'));
});

test('loadModuleSpec parses module BTF as split BTF over vmlinux', (t) => {
  const k = kernelBtf();
  if (!k.bytes) return void skipIf(t, k.reason);
  const modules = readdirSync(KERNEL_BTF_DIR).filter((n) => n !== 'vmlinux');
  if (modules.length === 0) return void skipIf(t, `no module BTF under ${KERNEL_BTF_DIR} (no modules loaded)`);
  const spec = loadModuleSpec(modules[0]);
  assert.equal(spec.base, loadKernelSpec());
  assert.equal(spec.firstTypeId, loadKernelSpec().typeCount);
  assert.equal(loadModuleSpec(modules[0]), spec);
  for (const x of spec.ownTypes()) assert.ok(x.id >= spec.firstTypeId);
});

test('missing BTF gives a typed error that names the path', () => {
  assert.throws(
    () => loadModuleSpec('no_such_module_xyz'),
    (e: unknown) =>
      e instanceof KernelBtfNotFoundError &&
      e.path === `${KERNEL_BTF_DIR}/no_such_module_xyz` &&
      /^btf: load module spec no_such_module_xyz: \/sys\/kernel\/btf\/no_such_module_xyz: not found \(module not loaded/.test(e.message),
  );
  assert.throws(() => loadSpecFile('/nonexistent/vmlinux'), (e: unknown) => e instanceof KernelBtfNotFoundError && /^btf: load spec: \/nonexistent\/vmlinux: not found$/.test(e.message));
  assert.throws(() => loadModuleSpec('../etc'), TypeError);
  assert.throws(() => loadModuleSpec(''), TypeError);
});
