/**
 * `tsbpf gen` as a function: compile `foo.bpf.c` to `foo.bpf.o` and write the bindings `foo.ts`
 * next to it; and write a `vmlinux.h` from the running kernel's BTF.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { formatVmlinuxHeader, loadKernelSpec, type Spec } from '../btf/index.js';
import { generateBindings } from './bindings.js';
import { compileBpf } from './clang.js';
import { GenError } from './errors.js';

/** Options of {@link generate}. */
export interface GenerateOptions {
  /** Directory for `foo.bpf.o` and `foo.ts` (default: the C file's directory). */
  outDir?: string | undefined;
  /** More types to declare: ring buffer event structs and the like (`--type`). */
  types?: readonly string[] | undefined;
  /** The module specifier generated code imports tsbpf from (default `tsbpf`). */
  importFrom?: string | undefined;
  /** Extra clang flags, after `TSBPF_CFLAGS`. */
  cflags?: readonly string[] | undefined;
  /** Environment for `CLANG`, `PATH` and `TSBPF_CFLAGS` (default `process.env`). */
  env?: NodeJS.ProcessEnv | undefined;
  /** Architecture for `__TARGET_ARCH_*` (`--target`: `x64`, `arm64`, `amd64`, `x86`...; default this machine's). */
  target?: string | undefined;
  /** Carry the object's bytes inside the bindings (`--embed`), so no loose `.bpf.o` is needed at run time. */
  embed?: boolean | undefined;
}

/** What {@link generate} wrote. */
export interface GenerateResult {
  /** Path of the object written. */
  object: string;
  /** Path of the bindings written. */
  bindings: string;
  /** Warnings clang printed. */
  warnings: string;
  /** The clang command line (binary first). */
  command: string[];
}

/** `foo` for `foo.bpf.c` (or `foo.c`). */
export function stemOf(source: string): string {
  const b = basename(source);
  if (b.endsWith('.bpf.c')) return b.slice(0, -'.bpf.c'.length);
  if (b.endsWith('.c')) return b.slice(0, -2);
  return b;
}

/**
 * Compiles a BPF C file and writes `<stem>.bpf.o` and `<stem>.ts` into `outDir`. Nothing is
 * written unless both succeed; each file is replaced atomically.
 *
 * @throws {GenError} for a missing or non-`.c` source.
 * @throws {ClangNotFoundError} when no clang is installed (Debian package: clang).
 * @throws {CompileError} with clang's errors.
 * @throws {UnsupportedTypeError} naming a type with no TypeScript form.
 */
export function generate(source: string, opts: GenerateOptions = {}): GenerateResult {
  if (!source.endsWith('.c')) throw new GenError(`gen: ${source}: expected a C file (foo.bpf.c)`);
  let st;
  try {
    st = statSync(source);
  } catch {
    throw new GenError(`gen: ${source}: no such file`);
  }
  if (!st.isFile()) throw new GenError(`gen: ${source}: not a file`);
  const stem = stemOf(source);
  const outDir = resolve(opts.outDir ?? dirname(source));
  mkdirSync(outDir, { recursive: true });
  const objectName = `${stem}.bpf.o`;
  const object = join(outDir, objectName);
  const bindings = join(outDir, `${stem}.ts`);
  const tmpObj = join(outDir, `.${objectName}.${process.pid}.tmp`);
  const tmpTs = join(outDir, `.${stem}.ts.${process.pid}.tmp`);
  try {
    const c = compileBpf(source, tmpObj, { extra: opts.cflags, env: opts.env, target: opts.target });
    const text = generateBindings(readFileSync(tmpObj), {
      name: stem,
      sourceName: basename(source),
      objectName,
      types: opts.types,
      importFrom: opts.importFrom,
      embed: opts.embed,
      target: opts.target,
    });
    writeFileSync(tmpTs, text);
    renameSync(tmpObj, object);
    renameSync(tmpTs, bindings);
    return { object, bindings, warnings: c.warnings, command: [c.clang, ...c.args] };
  } finally {
    rmSync(tmpObj, { force: true });
    rmSync(tmpTs, { force: true });
  }
}

/**
 * Writes `<dir>/vmlinux.h` with every type of the kernel's BTF (default: the running kernel's
 * `/sys/kernel/btf/vmlinux`), as `bpftool btf dump file … format c` would, without bpftool.
 * Returns the path written.
 */
export function writeVmlinuxHeader(dir: string, spec: Spec = loadKernelSpec()): string {
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'vmlinux.h');
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, formatVmlinuxHeader(spec));
    renameSync(tmp, out);
  } finally {
    if (existsSync(tmp)) rmSync(tmp, { force: true });
  }
  return out;
}
