#!/usr/bin/env node
// Checks that the TypeScript snippets in docs/*.md are copies of code that compiles.
//
// Every ```ts block in docs/*.md must sit right after a marker line
//
//   <!-- snippet: examples/maps.ts#map-create -->
//
// naming a file (relative to the markdown file) and a region in it. The block's text must equal
// the region: the lines between `// #region map-create` and `// #endregion`, with their common
// indentation removed and the markers of nested regions left out. The files under docs/examples/
// are type-checked by `npm run typecheck` (tsconfig.examples.json), so the docs show code that
// compiles against the current API. A ```ts block without a marker is an error too; use another
// language tag (```text, ```sh) for anything that is not meant to compile.
//
// Usage: node scripts/docs-snippets.mjs [--update]
//   --update   rewrite every marked block from its region instead of failing on a difference
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const docsDir = join(root, 'docs');
const args = process.argv.slice(2);
const update = args.includes('--update');
for (const a of args) {
  if (a !== '--update') {
    console.error(`docs-snippets: unknown argument ${JSON.stringify(a)} (usage: node scripts/docs-snippets.mjs [--update])`);
    process.exit(2);
  }
}

const MARKER = /^\s*<!--\s*snippet:\s*(\S+?)#([\w.-]+)\s*-->\s*$/;
const REGION = /^\s*\/\/\s*#region\s+([\w.-]+)\s*$/;
const END_REGION = /^\s*\/\/\s*#endregion(?:\s+([\w.-]+))?\s*$/;
const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/;

/** Removes the indentation that every non-blank line shares. */
function dedent(lines) {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^\s*/.exec(l)[0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => (l.trim() === '' ? '' : l.slice(cut)));
}

/**
 * The regions of a source file by name, each as its dedented lines.
 * @returns {{ regions: Map<string, string[]>, errors: string[] }}
 */
function parseRegions(path) {
  const regions = new Map();
  const errors = [];
  const open = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((line, i) => {
    const where = `${relative(root, path)}:${i + 1}`;
    const start = REGION.exec(line);
    if (start) {
      const name = start[1];
      if (regions.has(name) || open.some((r) => r.name === name)) errors.push(`${where}: region ${name} defined twice`);
      open.push({ name, lines: [], line: i + 1 });
      return;
    }
    const end = END_REGION.exec(line);
    if (end) {
      const r = open.pop();
      if (!r) errors.push(`${where}: #endregion without #region`);
      else if (end[1] && end[1] !== r.name) errors.push(`${where}: #endregion ${end[1]} closes region ${r.name}`);
      else regions.set(r.name, dedent(r.lines));
      return;
    }
    for (const r of open) r.lines.push(line);
  });
  for (const r of open) errors.push(`${relative(root, path)}:${r.line}: region ${r.name} is never closed`);
  return { regions, errors };
}

const regionCache = new Map();
function regionsOf(path) {
  let r = regionCache.get(path);
  if (!r) {
    r = parseRegions(path);
    regionCache.set(path, r);
  }
  return r;
}

/** Checks (or with --update rewrites) one markdown file; returns the number of snippets and the errors. */
function checkMarkdown(mdPath) {
  const errors = [];
  const used = [];
  const lines = readFileSync(mdPath, 'utf8').split('\n');
  const out = [];
  let changed = false;
  let snippets = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    out.push(line);
    const fence = FENCE.exec(line);
    if (!fence) {
      if (MARKER.test(line) && !(FENCE.exec(lines[i + 1] ?? '')?.[3] === 'ts')) {
        errors.push(`${relative(root, mdPath)}:${i + 1}: snippet marker not followed by a \`\`\`ts block`);
      }
      continue;
    }
    // A fenced block: find its end (same character, at least as long, no info string).
    const [, indent, ticks, lang] = fence;
    let end = i + 1;
    while (end < lines.length) {
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(lines[end]);
      if (close && close[1][0] === ticks[0] && close[1].length >= ticks.length) break;
      end++;
    }
    const where = `${relative(root, mdPath)}:${i + 1}`;
    if (end >= lines.length) {
      errors.push(`${where}: code block never closed`);
      out.push(...lines.slice(i + 1));
      break;
    }
    const body = lines.slice(i + 1, end);
    if (lang === 'ts' || lang === 'typescript') {
      const marker = MARKER.exec(lines[i - 1] ?? '');
      if (!marker) {
        errors.push(`${where}: \`\`\`ts block without a <!-- snippet: file#region --> line before it`);
      } else {
        snippets++;
        const [, file, name] = marker;
        const src = resolve(dirname(mdPath), file);
        let expected;
        if (isAbsolute(file)) errors.push(`${where}: snippet ${file}: give a path relative to ${relative(root, dirname(mdPath)) || '.'}`);
        else if (!existsSync(src)) errors.push(`${where}: snippet ${file}: no such file`);
        else {
          const { regions, errors: regionErrors } = regionsOf(src);
          for (const e of regionErrors) if (!errors.includes(e)) errors.push(e);
          expected = regions.get(name);
          if (!expected) errors.push(`${where}: snippet ${file}#${name}: no such region (regions: ${[...regions.keys()].join(', ') || 'none'})`);
          else used.push(`${src}#${name}`);
        }
        if (expected) {
          const got = body.map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()));
          if (got.join('\n') !== expected.join('\n')) {
            if (update) {
              changed = true;
              out.push(...expected.map((l) => (l === '' ? '' : indent + l)));
              out.push(lines[end]);
              i = end;
              continue;
            }
            const at = got.findIndex((l, k) => l !== expected[k]);
            const k = at < 0 ? Math.min(got.length, expected.length) : at;
            errors.push(
              `${where}: snippet ${file}#${name} differs from its region at line ${k + 1} of the block:\n` +
                `    docs:   ${JSON.stringify(got[k] ?? '(end of block)')}\n    region: ${JSON.stringify(expected[k] ?? '(end of region)')}`,
            );
          }
        }
      }
    }
    out.push(...body, lines[end]);
    i = end;
  }
  if (changed) writeFileSync(mdPath, out.join('\n'));
  return { snippets, errors, used, changed };
}

const mdFiles = existsSync(docsDir)
  ? readdirSync(docsDir)
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => join(docsDir, f))
  : [];
let total = 0;
const errors = [];
const used = new Set();
for (const md of mdFiles) {
  const r = checkMarkdown(md);
  total += r.snippets;
  errors.push(...r.errors);
  for (const u of r.used) used.add(u);
  if (r.changed) console.log(`docs-snippets: updated ${relative(root, md)}`);
}
// Every example file's regions must parse; regions no page shows are worth a note, not an error.
const examplesDir = join(docsDir, 'examples');
if (existsSync(examplesDir)) {
  for (const f of readdirSync(examplesDir).sort()) {
    if (!f.endsWith('.ts')) continue;
    for (const e of regionsOf(join(examplesDir, f)).errors) if (!errors.includes(e)) errors.push(e);
  }
}
for (const [path, { regions }] of regionCache) {
  for (const name of regions.keys()) if (!used.has(`${path}#${name}`)) console.log(`docs-snippets: note: region ${relative(root, path)}#${name} is not used by any page`);
}
if (errors.length) {
  for (const e of errors) console.error(`docs-snippets: ${e}`);
  console.error(`docs-snippets: ${errors.length} problem(s)${update ? '' : '; run node scripts/docs-snippets.mjs --update to copy the regions into the docs'}`);
  process.exit(1);
}
console.log(`docs-snippets: ${total} snippet(s) in ${mdFiles.length} page(s) match their regions`);
