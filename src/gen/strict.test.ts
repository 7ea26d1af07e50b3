// Generated bindings compile with zero errors under the strictest settings a new project gets:
// `tsc --init`'s defaults (strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess,
// verbatimModuleSyntax, module nodenext...) plus "types": ["node"], against tsbpf's published
// declarations. Every example's bindings (and the generator's test fixture) are regenerated from
// their committed objects with the default `import * as tsbpf from 'tsbpf'`, plus an --embed
// variant; a usage file checks the typing choices (non-optional programs, a subset of programs,
// ring buffer maps with no element type). No clang and no kernel needed.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateBindings } from './index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** Every committed `.bpf.o` whose bindings are committed next to it, with its recorded --type options. */
function committedObjects(): Array<{ dir: string; stem: string; types: string[] }> {
  const out: Array<{ dir: string; stem: string; types: string[] }> = [];
  const dirs = [...readdirSync(join(root, 'examples')).map((d) => join(root, 'examples', d)), join(root, 'src', 'gen', 'testdata')];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.bpf.o')) continue;
      const stem = f.slice(0, -'.bpf.o'.length);
      if (!existsSync(join(dir, `${stem}.ts`))) continue;
      const header = readFileSync(join(dir, `${stem}.ts`), 'utf8').split('\n', 3).find((l) => l.startsWith('// tsbpf gen options: ')) ?? '';
      const types = [...header.matchAll(/--type (?:'((?:[^']|'\\'')*)'|(\S+))/g)].map((m) => (m[1] ?? m[2] ?? '').replace(/'\\''/g, "'"));
      out.push({ dir, stem, types });
    }
  }
  return out;
}

function tempDir(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'tsbpf-strict-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function run(args: string[], cwd: string): string {
  const r = spawnSync(process.execPath, [tsc, ...args], { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `tsc ${args.join(' ')}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

const USAGE = `import type { BpfMap, Program } from 'tsbpf';
import { loadCounting } from './counting.js';
import { loadRingbuf } from './ringbuf.js';
import { loadSeed as loadEmbeddedSeed, seedObject } from './seed-embedded.js';

export function check(): void {
  using all = loadCounting();
  const p: Program = all.programs.count_foreach;
  const m: BpfMap<number, bigint> = all.maps.flows;
  using some = loadCounting({ programs: ['mutate'] });
  const q: Program = some.programs.mutate;
  // @ts-expect-error: a program that was not asked for is not there
  void some.programs.count_foreach;
  using rb = loadRingbuf({ constants: { target_pid: 1 } });
  // @ts-expect-error: a ring buffer map has no elements to look up
  rb.maps.events.lookup(0);
  const bytes: Uint8Array = seedObject;
  using e = loadEmbeddedSeed();
  void [p, m, q, bytes, e.programs.refresh_count];
}
`;

test('generated bindings compile with zero errors under tsc --init defaults', (t) => {
  const d = tempDir(t);
  const pkg = join(d, 'node_modules', 'tsbpf');
  mkdirSync(pkg, { recursive: true });
  cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
  run(['-p', join(root, 'tsconfig.build.json'), '--emitDeclarationOnly', '--outDir', join(pkg, 'dist')], root);
  mkdirSync(join(d, 'node_modules', '@types'), { recursive: true });
  symlinkSync(join(root, 'node_modules', '@types', 'node'), join(d, 'node_modules', '@types', 'node'));
  writeFileSync(join(d, 'package.json'), JSON.stringify({ name: 'strict-app', private: true, type: 'module' }));

  run(['--init'], d);
  const config = readFileSync(join(d, 'tsconfig.json'), 'utf8');
  for (const flag of ['"strict": true', '"exactOptionalPropertyTypes": true', '"noUncheckedIndexedAccess": true', '"verbatimModuleSyntax": true']) {
    assert.ok(config.includes(flag), `tsc --init sets ${flag}`);
  }
  assert.match(config, /"types": \[\]/);
  writeFileSync(join(d, 'tsconfig.json'), config.replace(/"types": \[\]/, '"types": ["node"]'));

  const objects = committedObjects();
  assert.ok(objects.length >= 10, `found ${objects.length} committed objects`);
  for (const o of objects) {
    const bytes = readFileSync(join(o.dir, `${o.stem}.bpf.o`));
    const opts = { name: o.stem, sourceName: `${o.stem}.bpf.c`, objectName: `${o.stem}.bpf.o`, types: o.types };
    writeFileSync(join(d, `${o.stem}.ts`), generateBindings(bytes, opts));
    if (o.stem === 'seed') writeFileSync(join(d, 'seed-embedded.ts'), generateBindings(bytes, { ...opts, embed: true }));
  }
  writeFileSync(join(d, 'usage.ts'), USAGE);
  run(['-p', d, '--noEmit'], d);
});
