// Where generated bindings find their object at run time: next to the module, with an error that
// says where it looked and how to fix it when the file is not there; or inside the module with
// --embed, so that nothing but the module is needed. No clang and no kernel needed.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateBindings } from './index.js';
import { ObjectFileNotFoundError } from './object-file.js';

const seed = new URL('../../examples/seed/seed.bpf.o', import.meta.url);
const tsbpf = new URL('../index.ts', import.meta.url).href;
const opts = { name: 'seed', sourceName: 'seed.bpf.c', objectName: 'seed.bpf.o', importFrom: tsbpf };

function tempDir(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'tsbpf-object-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

interface SeedModule {
  loadSeedSpec(): { programs: Record<string, unknown>; maps: Record<string, unknown> };
}

test('without --embed: the object is read next to the module, and a missing one says where and how to fix it', async (t) => {
  const d = tempDir(t);
  writeFileSync(join(d, 'seed.ts'), generateBindings(readFileSync(seed), opts));
  const mod = (await import(pathToFileURL(join(d, 'seed.ts')).href)) as SeedModule;
  assert.throws(
    () => mod.loadSeedSpec(),
    // (by name: the module imported tsbpf through a URL, which the loader keeps as another instance)
    (e: unknown) =>
      e instanceof Error &&
      e.name === ObjectFileNotFoundError.name &&
      (e as ObjectFileNotFoundError).path === join(d, 'seed.bpf.o') &&
      e.message === `seed.bpf.o: object file not found: looked for ${join(d, 'seed.bpf.o')}, next to the generated bindings; copy seed.bpf.o there with the compiled module (tsc and bundlers do not copy it), or regenerate the bindings with \`tsbpf gen seed.bpf.c --embed\` to carry the object inside the module`,
  );
  copyFileSync(seed, join(d, 'seed.bpf.o'));
  assert.deepEqual(Object.keys(mod.loadSeedSpec().programs), ['refresh_count']);
});

test('with --embed: the module carries the object and needs no file beside it', async (t) => {
  const d = tempDir(t);
  const text = generateBindings(readFileSync(seed), { ...opts, embed: true });
  assert.match(text, /^\/\/ tsbpf gen options: .*--embed$/m);
  assert.doesNotMatch(text, /node:url|seed\.bpf\.o'/, 'no path to a loose file');
  writeFileSync(join(d, 'seed.ts'), text);
  const mod = (await import(pathToFileURL(join(d, 'seed.ts')).href)) as SeedModule & { seedObject: Uint8Array };
  assert.deepEqual(Buffer.from(mod.seedObject), readFileSync(seed));
  assert.deepEqual(Object.keys(mod.loadSeedSpec().programs), ['refresh_count']);
  assert.deepEqual(Object.keys(mod.loadSeedSpec().maps), ['my_map']);
});
