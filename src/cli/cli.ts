/**
 * The tsbpf command line (run by main.ts): commander parses it, so every command has `--help`, `tsbpf --version`
 * prints the package version, and a wrong argument prints what is wrong with the usage.
 */
import { createRequire } from 'node:module';
import { Command, CommanderError, InvalidArgumentError, Option } from './commander.js';
import type { CountMethod } from '../count/count.js';
import { addGenCommand, splitPassThrough } from './gen.js';
import { MAP_SORT_KEYS, PROGRAM_SORT_KEYS } from './top-rows.js';

// Each command's module is imported when that command runs, so `tsbpf count` does not load the
// exporter (prom-client, node:http), the generator or the demo; gen.js holds only gen's options.

const METHODS: readonly CountMethod[] = ['auto', 'kernel', 'foreach', 'batch', 'iterate', 'max-entries'];
const SORT_KEYS = ['id', 'name', 'type', 'entries', 'fill', 'max', 'memlock'];

/** The package version, from package.json two levels up (src/cli or dist/cli). */
function version(): string {
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}

function positiveNumber(what: string, integer: boolean): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!(n > 0) || (integer && !Number.isInteger(n))) throw new InvalidArgumentError(`${what} wants a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(v)}`);
    return n;
  };
}

function nonNegativeNumber(what: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !(n >= 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${what} wants a number >= 0, got ${JSON.stringify(v)}`);
    return n;
  };
}

const methodOption = (): Option => new Option('--method <method>', 'counting method').choices(METHODS);

/** Builds the program; `cflags` are the words after `--` (for `gen`), `done` gets the exit status of `gen` and `check`. */
function program(cflags: readonly string[], done: (code: number) => void): Command {
  const p = new Command('tsbpf')
    .description('eBPF for TypeScript on Node.js: load programs, read maps and events, count every map on the host.')
    .version(version(), '-V, --version', 'print the tsbpf version')
    .showHelpAfterError()
    .exitOverride();

  p.command('demo')
    .description('create a map in the kernel, fill it, count it with every method, show it')
    .action(async () => {
      console.log((await import('./demo.js')).runDemo());
    });

  p.command('maps')
    .description('every BPF map on the host with its element count')
    .option('--json', 'JSON output')
    .addOption(new Option('--sort <key>', 'sort by this column (numbers largest first)').choices(SORT_KEYS).default('id'))
    .option('--watch [seconds]', 'redraw every SECONDS (default 2) until Ctrl-C, fastest-filling maps first, with the fill rate and time to full (with --json: one JSON line per refresh)', positiveNumber('--watch', false))
    .option('--window <seconds>', 'with --watch: how far back the fill rate looks (default 60)', positiveNumber('--window', false))
    .addOption(methodOption())
    .action(async (o: { json?: boolean; sort: string; watch?: number | true; window?: number; method?: CountMethod }) => {
      const opts = { json: o.json, sort: o.sort, method: o.method, windowSeconds: o.window };
      const { runMaps, watchMaps } = await import('./maps.js');
      if (o.watch !== undefined) {
        const ac = new AbortController();
        process.once('SIGINT', () => ac.abort());
        await watchMaps(o.watch === true ? 2 : o.watch, opts, ac.signal);
        return;
      }
      console.log(runMaps(opts));
    });

  p.command('count')
    .description('the element count of one map')
    .argument('<map>', 'a map id, a pinned path or a map name')
    .option('--json', 'JSON output')
    .addOption(methodOption())
    .action(async (map: string, o: { json?: boolean; method?: CountMethod }) => {
      const { runCount } = await import('./count.js');
      console.log(runCount(map, { json: o.json, method: o.method }));
    });

  const prog = p.command('prog').description('work with programs');
  prog
    .command('run')
    .description('load an object and test-run one program (BPF_PROG_TEST_RUN)')
    .argument('<object>', 'the BPF object file (foo.bpf.o)')
    .argument('<program>', 'the program name (its C function)')
    .option('--data-in <file>', 'input data: the bytes of this file (a regular file of at most 1 MiB)')
    .option('--ctx-in <file>', 'input context: the bytes of this file (a regular file of at most 1 MiB)')
    .option('--repeat <n>', 'number of runs', positiveNumber('--repeat', true))
    .option('--log', 'print the verifier log (annotated with the C source)')
    .option('--json', 'JSON output')
    .action(async (object: string, name: string, o: { dataIn?: string; ctxIn?: string; repeat?: number; log?: boolean; json?: boolean }) => {
      const { runProg } = await import('./prog.js');
      console.log(runProg(object, name, o));
    });

  p.command('check')
    .description('load every program without attaching it: ok, or where and why the verifier refused it, with a hint; exit 1 on failure')
    .argument('<objects...>', 'BPF object files (foo.bpf.o)')
    .option('--json', 'JSON output')
    .action(async (objects: string[], o: { json?: boolean }) => {
      const { runCheck } = await import('./check.js');
      const r = runCheck(objects, { json: o.json });
      console.log(r.text);
      done(r.code);
    });

  p.command('export')
    .description('serve Prometheus metrics of every map at /metrics until Ctrl-C (gzip, HEAD, a landing page at /)')
    .option('--listen <host:port>', 'address to listen on (beyond loopback without auth it warns)', '127.0.0.1:9435')
    .option('--web.config.file <file>', "TLS and basic auth, in Prometheus exporter-toolkit's YAML format (tls_server_config, basic_auth_users)")
    .option('--cache-ms <ms>', "how long a scan's result is served to later scrapes", nonNegativeNumber('--cache-ms'), 1000)
    .option('--program-stats', "also every program's runs and run time (turns the kernel's run statistics on while it runs; needs CAP_SYS_ADMIN)")
    .action(async (o: { listen: string; 'web.config.file'?: string; cacheMs: number; programStats?: boolean }) => {
      const { startExporter } = await import('../export/server.js');
      const ex = await startExporter({ listen: o.listen, webConfigFile: o['web.config.file'], cacheMs: o.cacheMs, programStats: o.programStats });
      process.stderr.write(`tsbpf export: serving ${ex.url}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await ex.close();
    });

  p.command('top')
    .description("live view of the host's programs (runs/s, ns per run, CPU share) and maps (fill, growth/s, time to full); snapshots when stdout is not a terminal")
    .option('--interval <seconds>', 'seconds between refreshes', positiveNumber('--interval', false), 1)
    .addOption(new Option('--sort <key>', 'program sort key').choices(Object.keys(PROGRAM_SORT_KEYS)).default('cpu'))
    .addOption(new Option('--map-sort <key>', 'map sort key (ttf: soonest full first)').choices(Object.keys(MAP_SORT_KEYS)).default('growth'))
    .option('--filter <text>', 'only programs and maps whose name or type contains TEXT')
    .option('--once', 'print one snapshot and exit')
    .option('--json', 'snapshots as JSON, one object per line')
    .option('--count <n>', 'exit after N snapshots', positiveNumber('--count', true))
    .option('--limit <n>', 'at most N rows per table', positiveNumber('--limit', true))
    .option('--window <seconds>', 'how far back map growth looks (default 60)', positiveNumber('--window', false))
    .option('--no-maps', 'programs only')
    .option('--no-stats', "leave the kernel's run statistics as they are")
    .action(
      async (o: { interval: number; sort: string; mapSort: string; filter?: string; once?: boolean; json?: boolean; count?: number; limit?: number; window?: number; maps: boolean; stats: boolean }) => {
        const { runTop } = await import('./top.js');
        const ac = new AbortController();
        const stop = (): void => ac.abort();
        for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, stop);
        await runTop({ ...o, intervalSeconds: o.interval, windowSeconds: o.window }, ac.signal);
      },
    );

  addGenCommand(p, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }, cflags, done);
  return p;
}

async function main(argv: string[]): Promise<number> {
  const { own, rest } = splitPassThrough(argv);
  let code = 0;
  const p = program(rest, (c) => (code = c));
  try {
    if (rest.length > 0 && own[0] !== 'gen') p.error('error: only gen takes words after -- (clang flags)');
    await p.parseAsync(own, { from: 'user' });
  } catch (e) {
    // Help and --version exit 0; usage errors were printed with the usage.
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  return code;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`tsbpf: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
