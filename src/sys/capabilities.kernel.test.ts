// The EPERM hints on the real kernel, in a child process stripped of one capability.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { kernelTest, skipIf } from '../testutils/kernel.js';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');

test('walking map ids without CAP_SYS_ADMIN names CAP_SYS_ADMIN, while creating a map (CAP_BPF) still works', (t) => {
  if (!kernelTest(t)) return;
  if (skipIf(t, process.getuid?.() === 0 ? null : 'needs root to drop one capability from a child')) return;
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
  if (skipIf(t, setpriv ? null : 'needs setpriv (Debian package: util-linux)')) return;
  const script = [
    "import { mapIds } from './src/map/info.ts';",
    "import { BpfMap, MapType } from './src/index.ts';",
    "import { effectiveCapabilities, grants } from './src/sys/capabilities.ts';",
    "console.log('sys_admin', grants(effectiveCapabilities(), 'CAP_SYS_ADMIN'));",
    "try { [...mapIds()]; console.log('listed'); } catch (e) { console.log(`${e.name}: ${e.message}`); }",
    "BpfMap.create({ name: 'cap_probe', type: MapType.Hash, keySize: 4, valueSize: 4, maxEntries: 1 }).close();",
    "console.log('created');",
  ].join('\n');
  const out = execFileSync(setpriv!, ['--bounding-set', '-sys_admin', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  assert.equal(
    out,
    'sys_admin false\nPermissionError: maps: list ids: EPERM: operation not permitted: this process lacks CAP_SYS_ADMIN (run as root or grant it)\ncreated\n',
  );
});
