/**
 * Finding clang and compiling a BPF C file the way `tsbpf gen` does: `-O2 -g -target bpf`, the
 * architecture define that `bpf_tracing.h` wants, and file prefix maps so that the object carries
 * no path of this machine (its bytes are the same wherever the repository is checked out).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClangNotFoundError, CompileError, GenError } from './errors.js';

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Returns the clang to run: `$CLANG` when set, else `clang` on PATH, else the `clang-NN` on PATH
 * with the highest NN.
 *
 * @throws {ClangNotFoundError} naming the Debian package when there is none.
 */
export function findClang(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CLANG) return env.CLANG;
  const dirs = (env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  for (const d of dirs) if (isFile(join(d, 'clang'))) return join(d, 'clang');
  let best = -1;
  let found: string | undefined;
  for (const d of dirs) {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      const m = /^clang-(\d+)$/.exec(n);
      if (m && Number(m[1]) > best && isFile(join(d, n))) {
        best = Number(m[1]);
        found = join(d, n);
      }
    }
  }
  if (!found) throw new ClangNotFoundError();
  return found;
}

/** The `__TARGET_ARCH_xxx` suffixes `bpf_tracing.h` knows. */
const KERNEL_ARCHES = new Set(['x86', 'arm64', 'arm', 's390', 'powerpc', 'riscv', 'mips', 'loongarch', 'sparc', 'arc']);

/**
 * The `__TARGET_ARCH_xxx` suffix `bpf_tracing.h` expects for a Node `process.arch` (`x64`,
 * `arm64`...), a Go `GOARCH` as bpf2go's `-target` takes (`amd64`) or a kernel architecture name
 * (`x86`, `arm64`, `s390`...).
 */
export function targetArch(arch: string = process.arch): string {
  if (KERNEL_ARCHES.has(arch)) return arch;
  switch (arch) {
    case 'x64':
    case 'amd64':
    case 'ia32':
    case '386':
      return 'x86';
    case 'arm64':
      return 'arm64';
    case 'arm':
      return 'arm';
    case 's390x':
      return 's390';
    case 'ppc64':
    case 'ppc64le':
    case 'ppc':
      return 'powerpc';
    case 'riscv64':
      return 'riscv';
    case 'mips':
    case 'mipsel':
    case 'mips64':
    case 'mips64el':
      return 'mips';
    case 'loong64':
      return 'loongarch';
    default:
      throw new GenError(`gen: --target ${arch}: unknown architecture (x64, arm64, arm, s390x, ppc64, riscv64, mips, loong64, or a kernel name such as x86)`);
  }
}

/**
 * Debian's multiarch directory holding `asm/types.h`, which `<linux/bpf.h>` needs: the target's
 * when installed, else the host's (the BPF-facing uapi types are the same on every architecture).
 */
function multiarchInclude(kernelArch: string): string | undefined {
  const triple: Record<string, string> = {
    x86: 'x86_64-linux-gnu',
    arm64: 'aarch64-linux-gnu',
    arm: 'arm-linux-gnueabihf',
    s390: 's390x-linux-gnu',
    powerpc: 'powerpc64le-linux-gnu',
    riscv: 'riscv64-linux-gnu',
  };
  for (const arch of [kernelArch, targetArch(process.arch)]) {
    const t = triple[arch];
    if (!t) continue;
    const dir = join('/usr/include', t);
    if (existsSync(dir)) return dir;
  }
  return undefined;
}

/** The `include/` directory shipped with tsbpf (holds `tsbpf/count.h`), when present. */
export function tsbpfIncludeDir(): string | undefined {
  const dir = fileURLToPath(new URL('../../include/', import.meta.url)).replace(/\/$/, '');
  return existsSync(join(dir, 'tsbpf')) ? dir : undefined;
}

/** Splits `TSBPF_CFLAGS` on whitespace (no quoting, like `BPF2GO_CFLAGS`). */
export function envCflags(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.TSBPF_CFLAGS ?? '').split(/\s+/).filter((f) => f !== '');
}

/** What {@link compileBpf} ran and what clang said. */
export interface CompileResult {
  /** The clang binary. */
  clang: string;
  /** Its arguments. */
  args: string[];
  /** Warnings clang printed (empty when none). */
  warnings: string;
}

/**
 * Compiles `source` to `output` with clang for `-target bpf`.
 *
 * Flags, in order: `-O2 -g -target bpf -D__TARGET_ARCH_<arch> -I <dir of source>` (arch: `target`,
 * default this machine's, as with bpf2go's `-target`), tsbpf's
 * `include/` and the multiarch include directory (both `-idirafter`), `TSBPF_CFLAGS`, then
 * `extra`. clang runs in the source's directory with `-ffile-prefix-map=<that dir>=.` (and the
 * tsbpf include directory mapped to `tsbpf-include`), so DWARF and BTF line info carry no
 * absolute path of this machine.
 *
 * @throws {ClangNotFoundError} when there is no clang.
 * @throws {CompileError} with clang's diagnostics when compilation fails.
 */
export function compileBpf(source: string, output: string, opts: { extra?: readonly string[] | undefined; env?: NodeJS.ProcessEnv | undefined; target?: string | undefined } = {}): CompileResult {
  const env = opts.env ?? process.env;
  const arch = targetArch(opts.target ?? process.arch);
  const clang = findClang(env);
  const src = resolve(source);
  const dir = dirname(src);
  const args = ['-O2', '-g', '-target', 'bpf', `-D__TARGET_ARCH_${arch}`, '-I', dir];
  const inc = tsbpfIncludeDir();
  if (inc) args.push('-idirafter', inc);
  const multi = multiarchInclude(arch);
  if (multi) args.push('-idirafter', multi);
  args.push(...envCflags(env), ...(opts.extra ?? []));
  args.push(`-ffile-prefix-map=${dir}=.`);
  if (inc) args.push(`-ffile-prefix-map=${inc}=tsbpf-include`);
  args.push('-c', basename(src), '-o', resolve(output));
  const r = spawnSync(clang, args, { cwd: dir, encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new ClangNotFoundError();
    throw new CompileError(source, clang, args, null, r.error.message);
  }
  if (r.status !== 0) throw new CompileError(source, clang, args, r.status, r.stderr ?? '');
  return { clang, args, warnings: r.stderr ?? '' };
}
