import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, realpathSync } from 'node:fs';
import { kernelTest } from '../../src/testutils/kernel.js';
import { listUsdtProbes } from '../../src/link/index.js';
import { main } from './main.js';
import { loadUsdtSpec } from './usdt.js';

const PYTHON = '/usr/bin/python3';

/** Why python's function__entry probe is not available here, or null. */
function pythonUnavailable(): string | null {
  if (!existsSync(PYTHON)) return `needs ${PYTHON}`;
  const has = listUsdtProbes(realpathSync(PYTHON)).some((p) => p.provider === 'python' && p.name === 'function__entry');
  return has ? null : `${PYTHON} has no python:function__entry probe (built without --with-dtrace)`;
}

test('example usdt: the program is a usdt program using usdt.bpf.h\'s maps', () => {
  const spec = loadUsdtSpec();
  assert.equal(spec.programs.python_entry.sectionName, 'usdt');
  assert.ok('__bpf_usdt_specs' in spec.maps && '__bpf_usdt_ip_to_spec_id' in spec.maps);
  assert.equal(spec.maps.events.maxEntries, 64 * 1024);
});

test('example usdt: every Python call of the script arrives with its name, file and line', (t) => {
  if (!kernelTest(t, { reason: pythonUnavailable })) return;
  const { pid, events } = main(PYTHON);
  const mine = events.filter((e) => e.filename === '<string>');
  // The script starts two lines down (pid printing), so `def greet` is line 5 and `def main` line 7.
  assert.deepEqual(
    mine.map((e) => `${e.funcname}:${e.lineno}`),
    ['main:7', 'greet:5', 'greet:5'],
  );
  for (const e of events) assert.equal(e.pid, pid);
});
