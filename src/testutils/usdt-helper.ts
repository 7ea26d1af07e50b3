/**
 * The USDT tests' helper process (testdata/usdt-helper.c, probes from <sys/sdt.h>), built with
 * the host C compiler into testdata/build/usdt-helper (rebuilt when the source is newer), and a
 * handle that sends it commands and reads its one-line answers.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildDir, testdataDir } from './bpf-objects.js';

/** Path of the built helper; builds it on first use. @throws {Error} with the compiler's output. */
export function usdtHelperPath(): string {
  const src = join(testdataDir, 'usdt-helper.c');
  const out = join(buildDir, 'usdt-helper');
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs) return out;
  mkdirSync(buildDir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const cc = process.env.CC ?? 'cc';
  try {
    execFileSync(cc, ['-O2', '-g', '-o', tmp, src], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`usdt-helper: ${cc} failed: ${(e as { stderr?: Buffer }).stderr?.toString() ?? (e as Error).message}`, { cause: e });
  }
  renameSync(tmp, out);
  return out;
}

/** Why the helper cannot be built here (no C compiler or no <sys/sdt.h>), or null. */
export function usdtHelperUnavailable(): string | null {
  try {
    usdtHelperPath();
    return null;
  } catch (e) {
    return `needs a C compiler and <sys/sdt.h> (Debian package systemtap-sdt-dev) to build testdata/usdt-helper.c: ${(e as Error).message.split('\n')[0]}`;
  }
}

/** A running helper: `ask('fire 3')` sends a command and resolves to its answer line. */
export class UsdtHelper implements AsyncDisposable {
  readonly pid: number;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: AsyncIterator<string>;
  #stderr = '';

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.#child = child;
    this.pid = child.pid!;
    child.stderr.on('data', (d: Buffer) => (this.#stderr += d.toString()));
    this.#lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  /** Starts the helper (built on first use). */
  static start(): UsdtHelper {
    return new UsdtHelper(spawn(usdtHelperPath(), [], { stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  /** Sends one command line and returns the answer line. */
  async ask(command: string): Promise<string> {
    this.#child.stdin.write(`${command}\n`);
    const r = await this.#lines.next();
    if (r.done) throw new Error(`usdt-helper: exited before answering ${JSON.stringify(command)}: ${this.#stderr.trim()}`);
    return r.value;
  }

  /** The value of the `tsbpf:guarded` probe's semaphore in the helper. */
  async semaphore(): Promise<number> {
    return Number(await this.ask('sema'));
  }

  /** Tells the helper to quit and waits for it to exit. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#child.once('close', () => resolve()));
    this.#child.stdin.end('quit\n');
    await exited;
  }
}
