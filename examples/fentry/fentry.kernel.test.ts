import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { kernelTest, skipIf } from '../../src/testutils/kernel.js';
import { SyscallError } from '../../src/index.js';
import { main } from './main.js';
import { loadFentry, loadFentrySpec } from './fentry.js';

/**
 * Why fentry/fexit cannot run here, or null. Some kernels (this sandbox's) refuse every BPF
 * trampoline program with EPERM even for root, while other tracing programs load: a kernel
 * limit, not a missing privilege, so the test skips and says so.
 */
function trampolinesUnavailable(): string | null {
  try {
    loadFentry({ constants: { target_pid: process.pid } }).close();
    return null;
  } catch (e) {
    if (e instanceof SyscallError && e.code === 'EPERM' && process.getuid?.() === 0) {
      return 'this kernel refuses fentry/fexit programs (BPF_PROG_LOAD returns EPERM as root: function tracing is restricted here)';
    }
    throw e;
  }
}

/** Privileges are required (CI fails without them); a kernel that refuses trampolines is a skip. */
function canRun(t: TestContext): boolean {
  if (!kernelTest(t)) return false;
  const why = trampolinesUnavailable();
  skipIf(t, why);
  return why === null;
}

test('example fentry: the programs target do_unlinkat by BTF name', () => {
  const spec = loadFentrySpec();
  assert.equal(spec.programs.unlink_entry.sectionName, 'fentry/do_unlinkat');
  assert.equal(spec.programs.unlink_exit.sectionName, 'fexit/do_unlinkat');
  assert.equal(spec.programs.unlink_exit.attachTo, 'do_unlinkat');
  assert.equal(spec.maps.unlinks.keySize, 64);
});

test('example fentry: fentry and fexit on do_unlinkat see each unlink, its path and its result', (t) => {
  if (!canRun(t)) return;
  const seen = main(['one.txt', 'two.txt'], ['missing.txt']);
  const mine = [...seen].filter(([path]) => path.startsWith(tmpdir()));
  const byName = new Map(mine.map(([path, r]) => [path.slice(path.lastIndexOf('/') + 1), r]));
  assert.deepEqual([...byName.keys()].sort(), ['missing.txt', 'one.txt', 'two.txt']);
  assert.equal(byName.get('one.txt')?.ret, 0);
  assert.equal(byName.get('two.txt')?.ret, 0);
  assert.equal(byName.get('missing.txt')?.ret, -2, 'ENOENT');
  for (const r of byName.values()) {
    assert.equal(r.pid, process.pid);
    assert.ok(r.duration_ns > 0n && r.duration_ns < 1_000_000_000n, `duration ${r.duration_ns}`);
  }
});

test('example fentry: each run starts from empty maps and records only its own unlinks', (t) => {
  if (!canRun(t)) return;
  const first = main(['x.txt'], []);
  assert.equal([...first.keys()].filter((p) => p.endsWith('/x.txt')).length, 1);
  const second = main([], ['y.txt']);
  assert.equal([...second.keys()].filter((p) => p.endsWith('/x.txt')).length, 0);
  assert.equal([...second.keys()].filter((p) => p.endsWith('/y.txt')).length, 1);
});
