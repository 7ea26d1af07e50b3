/**
 * Test fixtures: compile `testdata/<name>.bpf.c` into `testdata/build/<name>.bpf.o` with clang.
 *
 * Objects are rebuilt only when the `.c` file (or a header in testdata/) is newer than the object.
 * clang is found as `$CLANG`, else `clang` on PATH, else the newest `clang-NN` on PATH.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (two levels above this file). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** The directory holding the `.bpf.c` fixtures. */
export const testdataDir = join(repoRoot, 'testdata');
/** Where compiled fixtures go (gitignored). */
export const buildDir = join(testdataDir, 'build');

/** Thrown when no clang can be found to build fixtures. */
export class ClangNotFoundError extends Error {}
ClangNotFoundError.prototype.name = 'ClangNotFoundError';

let cachedClang: string | null | undefined;

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Returns the clang to use, or undefined when none is installed. */
export function findClang(): string | undefined {
  if (cachedClang !== undefined) return cachedClang ?? undefined;
  let found: string | undefined;
  if (process.env.CLANG) found = process.env.CLANG;
  else found = onPath('clang');
  if (!found) {
    let best = -1;
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names) {
        const m = /^clang-(\d+)$/.exec(n);
        if (m && Number(m[1]) > best) {
          best = Number(m[1]);
          found = join(dir, n);
        }
      }
    }
  }
  cachedClang = found ?? null;
  return found;
}

/** `__TARGET_ARCH_xxx` for the host, as bpf_tracing.h names architectures. */
function targetArch(): string {
  switch (process.arch) {
    case 'arm64':
      return 'arm64';
    case 'arm':
      return 'arm';
    case 's390x':
      return 's390';
    case 'ppc64':
      return 'powerpc';
    case 'riscv64':
      return 'riscv';
    default:
      return 'x86';
  }
}

/** The multiarch include directory holding `asm/types.h` (Debian keeps it outside /usr/include). */
function multiarchInclude(): string[] {
  const triple: Record<string, string> = {
    x64: 'x86_64-linux-gnu',
    arm64: 'aarch64-linux-gnu',
    s390x: 's390x-linux-gnu',
    ppc64: 'powerpc64le-linux-gnu',
    riscv64: 'riscv64-linux-gnu',
  };
  const t = triple[process.arch];
  if (!t) return [];
  const dir = join('/usr/include', t);
  return existsSync(dir) ? ['-idirafter', dir] : [];
}

function mtime(p: string): number {
  return statSync(p).mtimeMs;
}

/**
 * Compiles `testdata/<name>.bpf.c` and returns the path of `testdata/build/<name>.bpf.o`.
 *
 * Flags: `-O2 -g -target bpf -D__TARGET_ARCH_<arch> -I testdata`.
 * @throws {ClangNotFoundError} when no clang is installed (Debian package: clang)
 * @throws {Error} with clang's output when compilation fails
 */
export function compileObject(name: string): string {
  const src = join(testdataDir, `${name}.bpf.c`);
  const out = join(buildDir, `${name}.bpf.o`);
  if (!existsSync(src)) throw new Error(`compileObject: no fixture ${src}`);
  if (existsSync(out)) {
    const headers = readdirSync(testdataDir).filter((f) => f.endsWith('.h')).map((f) => join(testdataDir, f));
    const newest = Math.max(mtime(src), ...headers.map(mtime));
    if (mtime(out) >= newest) return out;
  }
  const clang = findClang();
  if (!clang) {
    throw new ClangNotFoundError(
      'compileObject: clang not found: install the Debian package "clang" (apt-get install clang libbpf-dev), or set $CLANG',
    );
  }
  mkdirSync(buildDir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const args = [
    '-O2',
    '-g',
    '-target',
    'bpf',
    `-D__TARGET_ARCH_${targetArch()}`,
    '-I',
    testdataDir,
    ...multiarchInclude(),
    '-c',
    src,
    '-o',
    tmp,
  ];
  try {
    execFileSync(clang, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    rmSync(tmp, { force: true });
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`compileObject: ${clang} failed on ${name}.bpf.c:\n${stderr}`, { cause: e });
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
    if (process.env.CI === 'true') throw new ClangNotFoundError(why);
    t.skip(why);
    return undefined;
  }
  return readFileSync(compileObject(name));
}
