/**
 * `tsbpf gen`: compile a BPF C file and write its TypeScript bindings, or write vmlinux.h.
 *
 *   tsbpf gen foo.bpf.c [--out-dir DIR] [--type NAME ...] [--import-from SPEC] [-- CLANG FLAGS...]
 *   tsbpf gen --vmlinux DIR
 */
import { parseArgs } from 'node:util';
import { relative } from 'node:path';
import { CompileError, generate, writeVmlinuxHeader } from '../gen/index.js';

/** Usage lines of `tsbpf gen`. */
export const genUsage = `  gen <foo.bpf.c> [--out-dir DIR] [--type NAME ...] [--import-from SPEC] [-- CLANG FLAGS...]
                                         compile with clang, write foo.bpf.o and typed bindings foo.ts
  gen --vmlinux DIR                      write DIR/vmlinux.h from the running kernel's BTF
`;

/** Runs `tsbpf gen` with the arguments after `gen`; returns the exit code. */
export function runGen(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): number {
  const dash = argv.indexOf('--');
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const cflags = dash >= 0 ? argv.slice(dash + 1) : [];
  const { values, positionals } = parseArgs({
    args: own,
    allowPositionals: true,
    options: {
      'out-dir': { type: 'string' },
      type: { type: 'string', multiple: true },
      'import-from': { type: 'string' },
      vmlinux: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    out(`usage:\n${genUsage}`);
    return 0;
  }
  if (values.vmlinux !== undefined) {
    if (positionals.length > 0) throw new Error('gen: --vmlinux takes no C file');
    const path = writeVmlinuxHeader(values.vmlinux);
    out(`wrote ${path}\n`);
    return 0;
  }
  if (positionals.length !== 1) {
    err(`tsbpf gen: give one C file\nusage:\n${genUsage}`);
    return 2;
  }
  try {
    const r = generate(positionals[0], { outDir: values['out-dir'], types: values.type, importFrom: values['import-from'], cflags });
    if (r.warnings) err(r.warnings);
    out(`wrote ${relative(process.cwd(), r.object) || r.object} and ${relative(process.cwd(), r.bindings) || r.bindings}\n`);
    return 0;
  } catch (e) {
    if (e instanceof CompileError) {
      err(e.stderr.endsWith('\n') || e.stderr === '' ? e.stderr : `${e.stderr}\n`);
      err(`tsbpf: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
