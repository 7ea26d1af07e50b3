// A node:test reporter that writes one line per skipped test, `file: test > subtest: reason`, for
// scripts/run-tests.mjs to compare with the expected skips. Paths are relative to the repository.
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Turns the runner's events into the skipped-test lines. */
export default async function* skipReporter(source) {
  const names = [];
  for await (const event of source) {
    if (event.type === 'test:start') names[event.data.nesting] = event.data.name;
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { skip, nesting, name, file } = event.data;
    if (skip === undefined || skip === false) continue;
    const path = [...names.slice(0, nesting), name];
    // The runner wraps each file in a test named by its path: drop it, the file is said once.
    const where = file ? relative(root, file) : '?';
    if (file && path[0] === file) path.shift();
    yield `${where}: ${path.join(' > ')}: ${skip === true ? '(no reason given)' : skip}\n`;
  }
}
