#!/usr/bin/env node
/**
 * The tsbpf command line.
 */
import { parseArgs } from 'node:util';
import type { CountMethod } from '../count/count.js';

// Each command's module is imported when that command runs, so `tsbpf count` does not load the
// exporter (prom-client, node:http), the generator or the demo.
const usage = async (): Promise<string> => `usage: tsbpf <command> [options]

commands:
  demo                                   create a map in the kernel, fill it, count it, show it
  maps [--json] [--sort KEY] [--watch [SECONDS]] [--method M]
                                         every BPF map on the host with its element count
  count <id|pinned path|name> [--method M] [--json]
                                         the element count of one map
  prog run <obj.o> <program> [--data-in FILE] [--ctx-in FILE] [--repeat N] [--log] [--json]
                                         load an object and test-run one program (BPF_PROG_TEST_RUN);
                                         --log prints the verifier log (annotated with the C source);
                                         FILEs are regular files of at most 1 MiB
  check <obj.o>... [--json]              load every program without attaching it: ok, or where and
                                         why the verifier refused it, with a hint; exit 1 on failure
  export [--listen HOST:PORT]            Prometheus metrics of every map (default 127.0.0.1:9435)
${(await import('./gen.js')).genUsage.trimEnd()}
  help                                   this text

counting methods: auto (default), kernel, foreach, batch, iterate, max-entries
sort keys: id (default), name, type, entries, fill, max, memlock
`;

const METHODS = ['auto', 'kernel', 'foreach', 'batch', 'iterate', 'max-entries'];

function method(v: string | undefined): CountMethod | undefined {
  if (v === undefined) return undefined;
  if (!METHODS.includes(v)) throw new Error(`unknown --method ${JSON.stringify(v)} (${METHODS.join(', ')})`);
  return v as CountMethod;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'gen':
      return (await import('./gen.js')).runGen(rest);
    case 'demo':
      console.log((await import('./demo.js')).runDemo());
      return 0;
    case 'maps': {
      // --watch takes an optional number: accept `--watch`, `--watch 2`, `--watch=2`.
      const watchAt = rest.findIndex((a) => a === '--watch' || a.startsWith('--watch='));
      let watch: number | undefined;
      if (watchAt >= 0) {
        const a = rest[watchAt];
        const next = rest[watchAt + 1];
        if (a.includes('=')) watch = Number(a.split('=')[1]);
        else if (next !== undefined && /^\d+(\.\d+)?$/.test(next)) {
          watch = Number(next);
          rest.splice(watchAt + 1, 1);
        } else watch = 2;
        rest.splice(watchAt, 1);
        if (!(watch > 0)) throw new Error('--watch wants a positive number of seconds');
      }
      const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' }, sort: { type: 'string' }, method: { type: 'string' } } });
      const opts = { json: values.json, sort: values.sort, method: method(values.method) };
      const { runMaps, watchMaps } = await import('./maps.js');
      if (watch !== undefined) {
        const ac = new AbortController();
        process.once('SIGINT', () => ac.abort());
        await watchMaps(watch, opts, ac.signal);
        return 0;
      }
      console.log(runMaps(opts));
      return 0;
    }
    case 'count': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean' }, method: { type: 'string' } } });
      if (positionals.length !== 1) throw new Error('count: give one map: an id, a pinned path or a name');
      const { runCount } = await import('./count.js');
      console.log(runCount(positionals[0], { json: values.json, method: method(values.method) }));
      return 0;
    }
    case 'prog': {
      const [sub, ...args] = rest;
      if (sub !== 'run') throw new Error(`prog: unknown subcommand ${JSON.stringify(sub)} (run)`);
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: { 'data-in': { type: 'string' }, 'ctx-in': { type: 'string' }, repeat: { type: 'string' }, json: { type: 'boolean' }, log: { type: 'boolean' } },
      });
      if (positionals.length !== 2) throw new Error('prog run: give an object file and a program name');
      const repeat = values.repeat === undefined ? undefined : Number(values.repeat);
      if (repeat !== undefined && !(Number.isInteger(repeat) && repeat > 0)) throw new Error('prog run: --repeat wants a positive integer');
      const { runProg } = await import('./prog.js');
      console.log(runProg(positionals[0], positionals[1], { dataIn: values['data-in'], ctxIn: values['ctx-in'], repeat, json: values.json, log: values.log }));
      return 0;
    }
    case 'check': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean' } } });
      const { runCheck } = await import('./check.js');
      const r = runCheck(positionals, { json: values.json });
      console.log(r.text);
      return r.code;
    }
    case 'export': {
      const { values } = parseArgs({ args: rest, options: { listen: { type: 'string' } } });
      const { startExporter } = await import('../export/server.js');
      const ex = await startExporter(values.listen);
      process.stderr.write(`tsbpf export: serving ${ex.url}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await ex.close();
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(await usage());
      return cmd === undefined ? 1 : 0;
    default:
      process.stderr.write(`tsbpf: unknown command ${JSON.stringify(cmd)}\n${await usage()}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`tsbpf: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
