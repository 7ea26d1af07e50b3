/**
 * Test fixtures: compile `testdata/<name>.bpf.c` into `testdata/build/<name>.bpf.o` with clang.
 *
 * Objects are rebuilt only when the `.c` file (or a header in testdata/) is newer than the object.
 * clang is found as `$CLANG`, else `clang` on PATH, else the newest `clang-NN` on PATH.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileBpf, findClang as findGenClang } from '../gen/clang.js';
import { ClangNotFoundError, CompileError } from '../gen/errors.js';
import { skipIf } from './kernel.js';

/** The repository root (two levels above this file). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** The directory holding the `.bpf.c` fixtures. */
export const testdataDir = join(repoRoot, 'testdata');
/** Where compiled fixtures go (gitignored). */
export const buildDir = join(testdataDir, 'build');

export { ClangNotFoundError };

/** Returns the clang to use (as `tsbpf gen` finds it), or undefined when none is installed. */
export function findClang(): string | undefined {
  try {
    return findGenClang();
  } catch (e) {
    if (e instanceof ClangNotFoundError) return undefined;
    throw e;
  }
}

function mtime(p: string): number {
  return statSync(p).mtimeMs;
}

/**
 * Compiles `testdata/<name>.bpf.c` and returns the path of `testdata/build/<name>.bpf.o`
 * (`name` may have a folder: `verifier/null_check`).
 *
 * Flags: those of `tsbpf gen` (`-O2 -g -target bpf -D__TARGET_ARCH_<arch> -I testdata`, ...).
 * @throws {ClangNotFoundError} when no clang is installed (Debian package: clang)
 * @throws {Error} with clang's output when compilation fails
 */
export function compileObject(name: string): string {
  const src = join(testdataDir, `${name}.bpf.c`);
  const out = join(buildDir, `${name}.bpf.o`);
  if (!existsSync(src)) throw new Error(`compileObject: no fixture ${src}`);
  if (existsSync(out)) {
    const dirs = [...new Set([testdataDir, dirname(src)])];
    const headers = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.h')).map((f) => join(d, f)));
    const newest = Math.max(mtime(src), ...headers.map(mtime));
    if (mtime(out) >= newest) return out;
  }
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    // The same driver as `tsbpf gen`: -O2 -g -target bpf, the arch define, -I testdata.
    compileBpf(src, tmp);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (e instanceof CompileError) throw new Error(`compileObject: clang failed on ${name}.bpf.c:\n${e.stderr}`, { cause: e });
    throw e;
  }
  renameSync(tmp, out);
  return out;
}

/**
 * Returns the compiled bytes of fixture `name`, or skips the test (saying why) and returns
 * undefined when no clang is installed. Under CI=true a missing clang fails instead.
 */
export function fixtureBytes(t: TestContext, name: string): Uint8Array | undefined {
  if (!findClang()) {
    const why = `needs clang to build testdata/${name}.bpf.c (Debian package: clang)`;
    if (process.env.CI === 'true') throw new Error(why, { cause: new ClangNotFoundError() });
    skipIf(t, why);
    return undefined;
  }
  return readFileSync(compileObject(name));
}
