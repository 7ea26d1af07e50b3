/**
 * Regenerates src/sys/enums.gen.ts and src/asm/helpers.gen.ts from the running kernel's BTF
 * (/sys/kernel/btf/vmlinux), with tsbpf's own BTF reader.
 *
 * Run: npx tsx scripts/gen-sys-types.ts [--check]
 *   --check  compare instead of writing; exit 1 when a committed file differs
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadKernelSpec } from '../src/btf/index.js';
import { renderHelperIds, renderSysEnums } from './lib/sys-types.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const spec = loadKernelSpec();
const outputs: Array<[string, string]> = [
  ['src/sys/enums.gen.ts', renderSysEnums(spec)],
  ['src/asm/helpers.gen.ts', renderHelperIds(spec)],
];
const check = process.argv.includes('--check');
let differs = 0;
for (const [rel, text] of outputs) {
  const path = root + rel;
  if (check) {
    if (readFileSync(path, 'utf8') !== text) {
      console.error(`gen-sys-types: ${rel} differs from the running kernel's BTF`);
      differs++;
    }
  } else {
    writeFileSync(path, text);
    console.log(`wrote ${rel}`);
  }
}
process.exit(differs ? 1 : 0);
