/**
 * `tsbpf gen`: compile a BPF C file and write its TypeScript bindings; with no file, every source
 * listed in the project's configuration (package.json `tsbpf.gen` or tsbpf.config.json); or write
 * vmlinux.h.
 *
 *   tsbpf gen foo.bpf.c [--out-dir DIR] [--type NAME ...] [--import-from SPEC] [--target ARCH] [--embed] [-- CLANG FLAGS...]
 *   tsbpf gen [--config FILE] [--target ARCH] [--embed] [-- CLANG FLAGS...]
 *   tsbpf gen --vmlinux DIR
 */
import { relative } from 'node:path';
import { Command, CommanderError } from './commander.js';
import type { GenerateOptions } from '../gen/index.js';

// The generator (BTF, ELF, clang driver) and the configuration schema are imported when gen runs:
// the other commands register gen's options without loading them.

/** Where a command writes its output and its diagnostics. */
export interface CliIo {
  /** Standard output. */
  out(s: string): void;
  /** Standard error. */
  err(s: string): void;
}

/** Options of `tsbpf gen` as commander parses them. */
interface GenFlags {
  outDir?: string;
  type: string[];
  importFrom?: string;
  target?: string;
  embed?: boolean;
  config?: string;
  vmlinux?: string;
}

const collect = (v: string, all: string[]): string[] => [...all, v];

function shown(p: string): string {
  return relative(process.cwd(), p) || p;
}

/**
 * Adds the `gen` command to a program. `cflags` are the words after `--` on the command line (clang
 * flags); `done` receives the exit status.
 */
export function addGenCommand(program: Command, io: CliIo, cflags: readonly string[], done: (code: number) => void): Command {
  return program
    .command('gen')
    .summary('compile BPF C with clang and write typed TypeScript bindings')
    .description(
      'Compile foo.bpf.c with clang into foo.bpf.o and write the typed bindings foo.ts next to it.\n' +
        'With no C file, generate every source listed under "tsbpf": { "gen": { "sources": [...] } } in\n' +
        'package.json, or in tsbpf.config.json (the go generate of a project). Words after -- go to clang.',
    )
    .argument('[source]', 'the BPF C file (foo.bpf.c); none: the sources of the configuration')
    .option('--out-dir <dir>', "directory for foo.bpf.o and foo.ts (default: the C file's)")
    .option('--type <name>', 'also declare this type (a ring buffer event struct...); repeatable', collect, [])
    .option('--import-from <spec>', 'module the bindings import tsbpf from', 'tsbpf')
    .option('--target <arch>', "architecture for __TARGET_ARCH_* (x64, arm64, amd64, x86...; default this machine's)")
    .option('--embed', 'carry the object inside the bindings (base64), so no loose .bpf.o is needed at run time')
    .option('--config <file>', 'read the sources from this file instead of tsbpf.config.json or package.json')
    .option('--vmlinux <dir>', "write DIR/vmlinux.h from the running kernel's BTF instead")
    .action(async (source: string | undefined, flags: GenFlags) => {
      done(await runGenAction(source, flags, cflags, io));
    });
}

async function runGenAction(source: string | undefined, flags: GenFlags, cflags: readonly string[], io: CliIo): Promise<number> {
  const { CompileError, generate, writeVmlinuxHeader, loadGenConfig } = await import('../gen/index.js');
  if (flags.vmlinux !== undefined) {
    if (source !== undefined) throw new Error('gen: --vmlinux takes no C file');
    io.out(`wrote ${writeVmlinuxHeader(flags.vmlinux)}\n`);
    return 0;
  }
  const jobs: Array<{ source: string; options: GenerateOptions }> = [];
  if (source !== undefined) {
    if (flags.config !== undefined) throw new Error('gen: --config reads the sources from the configuration: give no C file with it');
    jobs.push({
      source,
      options: { outDir: flags.outDir, types: flags.type, importFrom: flags.importFrom, target: flags.target, embed: flags.embed, cflags },
    });
  } else {
    for (const [flag, given] of [
      ['--out-dir', flags.outDir !== undefined],
      ['--type', flags.type.length > 0],
    ] as const) {
      if (given) throw new Error(`gen: ${flag} needs a C file; in the configuration, set it per source`);
    }
    const config = loadGenConfig(process.cwd(), flags.config);
    for (const j of config.jobs) {
      const o = j.options;
      jobs.push({
        source: j.source,
        options: {
          ...o,
          // the command line wins over the configuration
          target: flags.target ?? o.target,
          embed: flags.embed ?? o.embed,
          importFrom: o.importFrom ?? flags.importFrom,
          cflags: [...(o.cflags ?? []), ...cflags],
        },
      });
    }
  }
  for (const j of jobs) {
    try {
      const r = generate(j.source, j.options);
      if (r.warnings) io.err(r.warnings);
      io.out(`wrote ${shown(r.object)} and ${shown(r.bindings)}\n`);
    } catch (e) {
      if (e instanceof CompileError) {
        io.err(e.stderr.endsWith('\n') || e.stderr === '' ? e.stderr : `${e.stderr}\n`);
        io.err(`tsbpf: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  }
  return 0;
}

/**
 * Splits a command line at the first `--`: the words before are parsed, the words after go to
 * clang untouched.
 */
export function splitPassThrough(argv: readonly string[]): { own: string[]; rest: string[] } {
  const dash = argv.indexOf('--');
  return dash < 0 ? { own: [...argv], rest: [] } : { own: argv.slice(0, dash), rest: argv.slice(dash + 1) };
}

/**
 * Runs `tsbpf gen` with the arguments after `gen`; returns the exit status (0 done or help, 1 a
 * failed compile, 2 a usage error, which is printed with the usage).
 */
export async function runGen(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  const { own, rest } = splitPassThrough(argv);
  let code = 0;
  const program = new Command('tsbpf').exitOverride().configureOutput({ writeOut: out, writeErr: err }).showHelpAfterError();
  addGenCommand(program, { out, err }, rest, (c) => (code = c));
  try {
    await program.parseAsync(['gen', ...own], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  return code;
}
