/**
 * The link tests' helper process (testdata/link-helper.c), built with the host C compiler into
 * testdata/build/link-helper (rebuilt when the source is newer), and a way to run it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildDir, testdataDir } from './bpf-objects.js';

/** Path of the built helper; builds it on first use. @throws {Error} with the compiler's output. */
export function linkHelperPath(): string {
  const src = join(testdataDir, 'link-helper.c');
  const out = join(buildDir, 'link-helper');
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs) return out;
  mkdirSync(buildDir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const cc = process.env.CC ?? 'cc';
  try {
    execFileSync(cc, ['-O2', '-g', '-fno-inline', '-o', tmp, src], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`link-helper: ${cc} failed: ${(e as { stderr?: Buffer }).stderr?.toString() ?? (e as Error).message}`, { cause: e });
  }
  renameSync(tmp, out);
  return out;
}

/** Why the helper cannot be built here (no C compiler), or null. */
export function linkHelperUnavailable(): string | null {
  try {
    linkHelperPath();
    return null;
  } catch (e) {
    return `needs a C compiler to build testdata/link-helper.c: ${(e as Error).message.split('\n')[0]}`;
  }
}

/**
 * Starts the helper with `args`; `ready(pid)` runs once it is waiting (set filters by pid there),
 * then the helper is told to go. Resolves to its trimmed stdout.
 */
export async function runLinkHelper(args: string[], ready: (pid: number) => void | Promise<void> = () => {}, wrap?: string[]): Promise<string> {
  const helper = linkHelperPath();
  const [cmd, ...rest] = wrap ? [...wrap, helper, ...args] : [helper, ...args];
  // Tests count the helper's system calls one by one: nothing preloaded into it (scripts/asan.sh
  // preloads libasan into every process, and its runtime makes calls of its own) may add to them.
  const { LD_PRELOAD: _preload, ...env } = process.env;
  const child = spawn(cmd, rest, { stdio: ['pipe', 'pipe', 'pipe'], env });
  child.stdin.on('error', () => {}); // modes that do not wait close stdin early
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code ?? -1));
  });
  try {
    await ready(child.pid!);
  } finally {
    child.stdin.end('go\n');
  }
  const code = await exited;
  if (code !== 0) throw new Error(`link-helper ${args.join(' ')}: exit ${code}: ${err.trim()}`);
  return out.trim();
}
