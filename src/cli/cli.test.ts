// The command line's parsing (commander): --help on every command, --version, usage on error.
// No kernel needed: nothing here reaches bpf().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const cli = new URL('./main.ts', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function tsbpf(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { encoding: 'utf8' });
}

test('tsbpf --version prints the package version', () => {
  const r = tsbpf('--version');
  assert.equal(r.status, 0);
  assert.equal(r.stdout, `${pkg.version}\n`);
});

test('--help works on every command, with its usage line', () => {
  const top = tsbpf('--help');
  assert.equal(top.status, 0);
  for (const cmd of ['demo', 'maps', 'count', 'prog', 'check', 'export', 'gen']) assert.match(top.stdout, new RegExp(`^  ${cmd}\\b`, 'm'), cmd);
  for (const [args, usage] of [
    [['demo', '--help'], 'tsbpf demo [options]'],
    [['maps', '--help'], 'tsbpf maps [options]'],
    [['count', '--help'], 'tsbpf count [options] <map>'],
    [['prog', 'run', '--help'], 'tsbpf prog run [options] <object> <program>'],
    [['check', '--help'], 'tsbpf check [options] <objects...>'],
    [['export', '--help'], 'tsbpf export [options]'],
    [['gen', '--help'], 'tsbpf gen [options] [source]'],
    [['help', 'count'], 'tsbpf count [options] <map>'],
  ] as const) {
    const r = tsbpf(...args);
    assert.equal(r.status, 0, args.join(' '));
    assert.ok(r.stdout.startsWith(`Usage: ${usage}\n`), `${args.join(' ')}: ${r.stdout}`);
  }
});

test('a wrong command line says what is wrong, prints the usage and exits 2', () => {
  for (const [args, error, usage] of [
    [['count'], "error: missing required argument 'map'", 'tsbpf count'],
    [['count', '1', '--method', 'guess'], "argument 'guess' is invalid. Allowed choices are auto, kernel, foreach, batch, iterate, max-entries", 'tsbpf count'],
    [['maps', '--watch', '0'], '--watch wants a positive number, got "0"', 'tsbpf maps'],
    [['prog', 'run', 'x.o', 'p', '--repeat', '1.5'], '--repeat wants a positive integer, got "1.5"', 'tsbpf prog run'],
    [['frobnicate'], "error: unknown command 'frobnicate'", 'tsbpf [options] [command]'],
    [['gen', 'a.bpf.c', 'b.bpf.c'], 'error: too many arguments', 'tsbpf gen'],
  ] as const) {
    const r = tsbpf(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.ok(r.stderr.includes(error), `${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stderr.includes(`Usage: ${usage}`), `${args.join(' ')}: ${r.stderr}`);
  }
});
