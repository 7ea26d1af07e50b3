#!/usr/bin/env node
// Bundles the compiled dist/ in place (the second half of `npm run build`, after tsc): every
// public entry point (package.json "exports" and "bin") is rewritten as one ES module, with the
// code entry points share split into dist/chunks/. Node then loads a handful of files instead of
// a hundred, which is most of the cost of `import('tsbpf')` and of a `tsbpf` command.
//
// The library entry points (".", asm, btf, elf, link, ringbuf, perf) share one chunk: every entry
// is built with an injected import of all of them, so esbuild sees the same set of entries reach
// each library module and puts them all in one file. Node 20 pays about 0.6 ms per ES module file
// it loads (resolve, open, read, compile, link), more than compiling code a process does not run,
// so `import('tsbpf')` loads two files instead of twenty. The CLI's own modules, gen and export
// stay in their own chunks, loaded when a command needs them.
//
// The executable (dist/cli/main.js) is not one of those entry points: it is built alone, and runs
// dist/cli/tsbpf.cjs, the whole command line (library included, runtime dependencies still
// external) in one CommonJS file, which src/cli/code-cache.ts compiles with a V8 code cache.
// Its first line is `//tsbpf-bundle sha256:<hash of the rest>`, part of the cache's key.
//
// Entry points keep their paths, so "exports", "bin" and the .d.ts files tsc wrote stay valid;
// shared chunks keep one copy of every class, so `instanceof` works across subpaths. Runtime
// dependencies (package.json "dependencies") stay external. Chunks sit two levels below the
// package root like the modules they come from, so paths they resolve from import.meta.url
// (the addon, include/, examples/) still point at the same files; the check below refuses a
// bundle where such a path landed in a file at another depth.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const targets = new Set();
const collect = (v) => {
  if (typeof v === 'string') {
    const p = v.replace(/^\.\//, '');
    if (p.startsWith('dist/') && p.endsWith('.js')) targets.add(join(root, p));
  } else if (v && typeof v === 'object') for (const x of Object.values(v)) collect(x);
};
collect(pkg.exports);
const bin = join(root, pkg.bin.tsbpf);
const cliBody = join(dist, 'cli', 'cli.js');
const cliBundle = join(dist, 'cli', 'tsbpf.cjs');
rmSync(join(dist, 'chunks'), { recursive: true, force: true });
const LIB = ['.', './asm', './btf', './elf', './link', './ringbuf', './perf'].map((k) => join(root, pkg.exports[k]));
const allLib = join(dist, 'bundle-lib.js');
writeFileSync(allLib, LIB.map((f) => `import ${JSON.stringify(`./${relative(dist, f)}`)};`).join('\n') + '\n');

const result = await build({
  entryPoints: [...targets],
  outdir: dist,
  outbase: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  external: Object.keys(pkg.dependencies ?? {}),
  allowOverwrite: true,
  metafile: true,
  inject: [allLib],
  logLevel: 'warning',
});

rmSync(allLib);

// The executable: a few lines that compile and run the CommonJS bundle (cli.js only when the
// bundle is missing, as in the sources).
await build({
  entryPoints: [bin],
  outfile: bin,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: Object.keys(pkg.dependencies ?? {}),
  allowOverwrite: true,
  logLevel: 'warning',
  plugins: [{ name: 'cli-body-external', setup: (b) => b.onResolve({ filter: /^\.\/cli\.js$/ }, (a) => ({ path: a.path, external: true })) }],
});
// import.meta.url of every module becomes the bundle's own URL (two levels deep, like them).
const metaUrl = join(dist, 'cli', 'bundle-meta-url.js');
writeFileSync(metaUrl, 'export var import_meta_url = require("node:url").pathToFileURL(__filename).href;\n');
const commanderBody = join(dist, 'cli', 'commander.js');
const cjs = await build({
  entryPoints: [cliBody],
  outfile: cliBundle,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: Object.keys(pkg.dependencies ?? {}).filter((d) => d !== 'commander'),
  // commander is bundled here (its compiled code then comes from the code cache too): the
  // module that loads it with createRequire becomes a plain re-export.
  plugins: [
    {
      name: 'bundle-commander',
      setup: (b) => b.onLoad({ filter: /[\\/]dist[\\/]cli[\\/]commander\.js$/ }, (a) => (a.path === commanderBody ? { contents: "export { Command, CommanderError, InvalidArgumentError, Option } from 'commander';", resolveDir: dirname(a.path) } : undefined)),
    },
  ],
  define: { 'import.meta.url': 'import_meta_url' },
  inject: [metaUrl],
  write: false,
  logLevel: 'warning',
});
rmSync(metaUrl);
// ASCII only (esbuild escapes strings and names; what is left is in comments), so the launcher
// reads it as Latin-1, three times faster than decoding UTF-8.
const cliText = cjs.outputFiles[0].text.replace(/^#!.*\n/, '').replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
// The bundle runs in a vm.Script, which has no loader for import(): esbuild turned every import()
// of bundled code into require, and none of an external module may be left.
if (/\bimport\(\s*["']/.test(cliText)) {
  console.error(`bundle: ${relative(root, cliBundle)} still has an import() (vm.Script cannot load it)`);
  process.exit(1);
}
writeFileSync(cliBundle, `//tsbpf-bundle sha256:${createHash('sha256').update(cliText).digest('hex')}\n${cliText}`);

// Paths resolved from import.meta.url are written relative to a file two levels deep.
const bad = [];
for (const out of Object.keys(result.metafile.outputs)) {
  const rel = relative(dist, join(root, out));
  const depth = rel.split('/').length;
  if (depth === 2) continue;
  const text = readFileSync(join(root, out), 'utf8');
  if (/new URL\(\s*["']\.\.\//.test(text)) bad.push(rel);
}
if (bad.length) {
  console.error(`bundle: ${bad.join(', ')}: resolves ../ paths from import.meta.url but is not two levels below the package root`);
  process.exit(1);
}
// What tsc wrote per module is now inside the bundles: remove those .js files (their .d.ts stay
// for the types), so the package carries each module's code once. Kept: the entry points and
// chunks esbuild wrote, and the executable.
const keep = new Set([...Object.keys(result.metafile.outputs).map((o) => join(root, o)), bin]);
const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : []));
let pruned = 0;
for (const f of walk(dist)) {
  if (keep.has(f)) continue;
  rmSync(f);
  pruned++;
}
const chunks = readdirSync(join(dist, 'chunks')).filter((f) => f.endsWith('.js')).length;
console.log(`bundle: ${targets.size} entry points, ${chunks} shared chunks; the command line: ${relative(root, cliBundle)} (${(cliText.length / 1024).toFixed(0)} KiB); ${pruned} per-module files removed`);
