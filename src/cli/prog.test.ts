// prog run's input files: only regular files of bounded size; devices and FIFOs are refused
// before any read, so an endless or silent input can never hang the command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { MAX_INPUT_BYTES, readInputFile } from './prog.js';
import { skipIf } from '../testutils/kernel.js';

function tempDir(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'tsbpf-prog-in-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('a regular file is read whole, up to the maximum', (t) => {
  const d = tempDir(t);
  writeFileSync(join(d, 'small'), Buffer.from([1, 2, 3]));
  assert.deepEqual([...readInputFile(join(d, 'small'), '--data-in')], [1, 2, 3]);
  writeFileSync(join(d, 'max'), Buffer.alloc(MAX_INPUT_BYTES, 7));
  assert.equal(readInputFile(join(d, 'max'), '--data-in').length, MAX_INPUT_BYTES);
  writeFileSync(join(d, 'big'), Buffer.alloc(MAX_INPUT_BYTES + 1));
  assert.throws(() => readInputFile(join(d, 'big'), 'prog run: --data-in'), new RegExp(`^Error: prog run: --data-in: ${join(d, 'big')} is ${MAX_INPUT_BYTES + 1} bytes, more than the ${MAX_INPUT_BYTES}`));
  assert.throws(() => readInputFile(join(d, 'small'), 'x', 2), /is 3 bytes, more than the 2/);
  assert.throws(() => readInputFile(join(d, 'nope'), 'prog run: --data-in'), /^Error: prog run: --data-in: .*nope: ENOENT/);
  assert.throws(() => readInputFile(d, 'prog run: --data-in'), /is a directory; give a regular file/);
});

test('/dev/zero and a FIFO nobody writes to are refused at once', (t) => {
  if (skipIf(t, existsSync('/dev/zero') ? null : 'needs /dev/zero')) return;
  assert.throws(() => readInputFile('/dev/zero', 'prog run: --data-in'), /^Error: prog run: --data-in: \/dev\/zero is a character device; give a regular file \(at most 1048576 bytes\)$/);
  const fifo = join(tempDir(t), 'fifo');
  execFileSync('mkfifo', [fifo]);
  assert.throws(() => readInputFile(fifo, 'prog run: --ctx-in'), /is a FIFO; give a regular file/);
});
