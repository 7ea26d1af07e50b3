/**
 * The parity harness: real BPF C programs nobody here wrote, compiled with clang and loaded both
 * by libbpf (the oracle: the system's libbpf through testdata/parity/libbpf-loader.c) and by
 * tsbpf (loadCollection), compared object by object: whether each loads, each program's kernel
 * tag (a hash of its final instructions), and for a refusal its errno and verifier verdict line.
 *
 * The corpus is testdata/parity/corpus.json: sources pinned at a commit, the objects of each.
 * Vendored objects live in testdata/parity/<source>/ at their repository paths; the others are
 * read from a git directory of the source (`git show <commit>:<path>`) by scripts/parity.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadCollection } from '../collection/load.js';
import { CORE_POISON_HELPER } from '../btf/index.js';
import { compileBpf } from '../gen/clang.js';
import { writeVmlinuxHeader } from '../gen/generate.js';
import { VerifierError } from '../prog/verifier-error.js';
import { SyscallError } from '../sys/errors.js';
import { errnoName } from '../sys/errno.js';
import { ensureBpffs } from '../sys/bpffs.js';
import { buildDir, testdataDir } from './bpf-objects.js';

/** Where the corpus manifest, the vendored sources and the recorded results live. */
export const parityDir = join(testdataDir, 'parity');
/** Where staged sources, vmlinux.h, objects and the oracle binary go (gitignored). */
export const parityBuildDir = join(buildDir, 'parity');

/** A repository the corpus takes programs from, pinned at one commit. */
export interface ParitySource {
  /** `owner/name` on GitHub. */
  repo: string;
  /** The commit every file is read at. */
  commit: string;
  /** SPDX identifier of the licence the vendored files are used under. */
  license: string;
  /** Extra clang flags for every object of this source. */
  cflags?: string[];
  /** Files besides the objects that they include (headers), repository paths. */
  headers: string[];
}

/** One object of the corpus. */
export interface ParityObject {
  /** Key of its source in {@link ParityCorpus.sources}. */
  source: string;
  /** The C file, a repository path. */
  file: string;
  /** Copied into testdata/parity/<source>/ and run by `npm test`. */
  vendored?: boolean;
  /** Why libbpf and tsbpf differ on it, when they do (shown in the table, required by the test). */
  explained?: string;
  /**
   * For an object both refuse before the kernel sees a program (no errno of the kernel's to
   * compare): patterns (regular expressions) each loader's message must match for the row to be
   * `equal`, i.e. both name the same cause.
   */
  refusal?: { libbpf: string; tsbpf: string };
}

/** testdata/parity/corpus.json. */
export interface ParityCorpus {
  sources: Record<string, ParitySource>;
  objects: ParityObject[];
}

/** What one loader did with one object. */
export interface LoadOutcome {
  loaded: boolean;
  /** Program name to kernel tag (16 hex digits), when loaded. */
  tags?: Record<string, string>;
  /** The errno name of a refusal (`EACCES`), or `error` when no system call failed. */
  errno?: string;
  /** The program the kernel refused, when known. */
  program?: string;
  /**
   * The verifier's verdict (the last log line before the statistics); for a refusal before the
   * kernel saw a program, the loader's message; undefined when the kernel refused without a log.
   */
  verdict?: string;
  /** Refused by the loader itself, before any program reached the kernel. */
  beforeKernel?: boolean;
}

/** One row of the parity table. */
export interface ParityRow {
  object: string;
  libbpf: LoadOutcome;
  tsbpf: LoadOutcome;
  /** `equal`: same outcome (and tags); `differs`: not, and not explained; `explained`: not, as documented. */
  status: 'equal' | 'differs' | 'explained';
  /** What differs, when something does. */
  detail?: string;
  /** The documented reason, for `explained` rows. */
  explanation?: string;
}

/** Reads testdata/parity/corpus.json. */
export function readCorpus(): ParityCorpus {
  return JSON.parse(readFileSync(join(parityDir, 'corpus.json'), 'utf8')) as ParityCorpus;
}

/** The name of an object in tables: `<source>/<file name without .c>`. */
export function objectName(o: ParityObject): string {
  const base = o.file.slice(o.file.lastIndexOf('/') + 1).replace(/(\.bpf)?\.c$/, '');
  return `${o.source}/${base}`;
}

/** Reads the files of a source: from a git directory at the pinned commit, or the vendored copy. */
export type SourceReader = (source: string, path: string) => Buffer;

/** Reads vendored files from testdata/parity/<source>/<path>. */
export function vendoredReader(source: string, path: string): Buffer {
  return readFileSync(join(parityDir, source, path));
}

/** Reads files with `git show <commit>:<path>` from the git directory given for each source. */
export function gitReader(corpus: ParityCorpus, gitDirs: Readonly<Record<string, string>>): SourceReader {
  return (source, path) => {
    const dir = gitDirs[source];
    if (!dir) return vendoredReader(source, path);
    const r = spawnSync('git', ['--git-dir', dir, 'show', `${corpus.sources[source].commit}:${path}`], { maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`parity: ${source}: git show ${path}: ${r.stderr.toString().trim()}`);
    return r.stdout;
  };
}

function writeIfChanged(path: string, bytes: Buffer): void {
  if (existsSync(path) && readFileSync(path).equals(bytes)) return; // keep mtimes for the object cache
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

/** Writes parityBuildDir/vmlinux.h for the running kernel (tsbpf's own generator), once per boot. */
export function vmlinuxDir(): string {
  const dir = join(parityBuildDir, 'include');
  const header = join(dir, 'vmlinux.h');
  if (!existsSync(header) || statSync(header).mtimeMs < statSync('/sys/kernel/btf/vmlinux').mtimeMs) writeVmlinuxHeader(dir);
  return dir;
}

/**
 * Stages an object's source and its source's headers under parityBuildDir/src/<source>/ and
 * compiles it (the flags of `tsbpf gen`, plus the kernel's vmlinux.h and the source's cflags);
 * objects are rebuilt only when a staged file changed. Returns the object's path.
 */
export function compileParityObject(corpus: ParityCorpus, o: ParityObject, read: SourceReader = vendoredReader): string {
  const src = corpus.sources[o.source];
  const root = join(parityBuildDir, 'src', o.source);
  for (const h of src.headers) writeIfChanged(join(root, h), read(o.source, h));
  const cfile = join(root, o.file);
  writeIfChanged(cfile, read(o.source, o.file));
  const out = join(parityBuildDir, 'obj', `${objectName(o)}.o`);
  const inputs = [cfile, ...src.headers.map((h) => join(root, h))];
  if (existsSync(out) && inputs.every((p) => statSync(p).mtimeMs <= statSync(out).mtimeMs)) return out;
  mkdirSync(dirname(out), { recursive: true });
  compileBpf(cfile, out, { extra: ['-I', vmlinuxDir(), ...(src.cflags ?? [])] });
  return out;
}

/** Why the libbpf oracle cannot be built here (needs a C compiler and libbpf-dev; `TSBPF_PARITY_NO_LIBBPF=1` pretends it cannot), or null. */
export function libbpfUnavailableReason(): string | null {
  if (process.env.TSBPF_PARITY_NO_LIBBPF === '1') return 'TSBPF_PARITY_NO_LIBBPF=1';
  if (!existsSync('/usr/include/bpf/libbpf.h')) return 'needs libbpf-dev (the libbpf oracle)';
  const cc = spawnSync('cc', ['--version']);
  if (cc.status !== 0) return 'needs a C compiler (cc) to build the libbpf oracle';
  return null;
}

let oracleBinary: string | undefined;

/** Builds testdata/parity/libbpf-loader.c with the system's libbpf (once per process). */
function oracle(): string {
  if (oracleBinary) return oracleBinary;
  const src = join(parityDir, 'libbpf-loader.c');
  const bin = join(parityBuildDir, 'libbpf-loader');
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(parityBuildDir, { recursive: true });
    const r = spawnSync('cc', ['-O1', '-Wall', '-o', bin, src, '-lbpf'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`parity: building the libbpf oracle: ${r.stderr}`);
  }
  return (oracleBinary = bin);
}

/** The verifier's verdict in a log: its last line before the statistics it ends with. */
export function verdictOf(log: readonly string[]): string | undefined {
  const lines = log.map((l) => l.trim()).filter((l) => l !== '');
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i];
    if (/^(processed \d+ insns|verification time|stack depth|-- END PROG LOAD LOG --)/.test(l)) continue;
    return l;
  }
  return undefined;
}

function tempPinRoot(): string {
  ensureBpffs();
  return mkdtempSync('/sys/fs/bpf/tsbpf-parity-');
}

/** Loads an object with libbpf (the oracle) in a child process. */
export function loadWithLibbpf(object: string): LoadOutcome {
  const pins = tempPinRoot();
  try {
    const r = spawnSync(oracle(), [object, pins], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`parity: libbpf oracle on ${object}: exit ${r.status}: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { loaded: boolean; programs?: Array<{ name: string; tag: string }>; errno?: number; warnings: string };
    if (out.loaded) return { loaded: true, tags: Object.fromEntries(out.programs!.map((p) => [p.name, p.tag])) };
    const w = out.warnings;
    const failed = /prog '([^']+)': BPF program load failed/.exec(w);
    const logStart = w.indexOf('-- BEGIN PROG LOAD LOG --');
    const logEnd = w.indexOf('-- END PROG LOAD LOG --');
    let verdict: string | undefined;
    if (logStart >= 0 && logEnd > logStart) {
      verdict = verdictOf(w.slice(logStart + 25, logEnd).split('\n'));
      // libbpf rewrites the kernel's line for an instruction it poisoned after a failed CO-RE
      // relocation (`invalid func unknown#195896080`, 0xbad2310) into its own explanation.
      if (verdict?.startsWith('failed to resolve CO-RE relocation')) verdict = `invalid func unknown#${CORE_POISON_HELPER}`;
    } else if (!failed) {
      // Refused before any program reached the kernel: libbpf's first warning says why.
      verdict = w.trim().split('\n')[0]?.replace(/^libbpf: /, '');
    }
    return { loaded: false, errno: out.errno ? errnoName(out.errno) : 'error', program: failed?.[1], verdict, beforeKernel: !failed };
  } finally {
    rmSync(pins, { recursive: true, force: true });
  }
}

/** Loads an object with tsbpf's loadCollection in this process, and closes it. */
export function loadWithTsbpf(object: string): LoadOutcome {
  const pins = tempPinRoot();
  try {
    using coll = loadCollection(object, { pinPath: pins });
    return { loaded: true, tags: Object.fromEntries(Object.entries(coll.programs).map(([n, p]) => [n, p.info().tag])) };
  } catch (e) {
    if (e instanceof VerifierError) return { loaded: false, errno: e.code, program: e.programName, verdict: verdictOf(e.log) };
    if (e instanceof SyscallError) return { loaded: false, errno: e.code, verdict: e.message.split('\n')[0] };
    return { loaded: false, errno: 'error', verdict: (e as Error).message.split('\n')[0], beforeKernel: true };
  } finally {
    rmSync(pins, { recursive: true, force: true });
  }
}

/** Compares two outcomes: undefined when they agree, else what differs. */
export function compareOutcomes(libbpf: LoadOutcome, tsbpf: LoadOutcome): string | undefined {
  if (libbpf.loaded !== tsbpf.loaded) {
    const refused = libbpf.loaded ? tsbpf : libbpf;
    return `${libbpf.loaded ? 'tsbpf' : 'libbpf'} refuses: ${refused.errno}: ${refused.verdict ?? ''}`;
  }
  if (libbpf.loaded) {
    const names = new Set([...Object.keys(libbpf.tags!), ...Object.keys(tsbpf.tags!)]);
    const diff = [...names].filter((n) => libbpf.tags![n] !== tsbpf.tags![n]);
    return diff.length ? `tags differ: ${diff.map((n) => `${n} ${libbpf.tags![n] ?? '-'} vs ${tsbpf.tags![n] ?? '-'}`).join(', ')}` : undefined;
  }
  if (libbpf.beforeKernel && tsbpf.beforeKernel) return `both refuse before the kernel: "${libbpf.verdict}" vs "${tsbpf.verdict}"`;
  if (libbpf.errno !== tsbpf.errno) return `errno ${libbpf.errno} vs ${tsbpf.errno}`;
  if (libbpf.program !== tsbpf.program) return `refused program ${libbpf.program} vs ${tsbpf.program}`;
  if (libbpf.verdict !== tsbpf.verdict) return `verdict "${libbpf.verdict}" vs "${tsbpf.verdict}"`;
  return undefined;
}

/** Both refuse before the kernel, for the cause the object's `refusal` patterns name. */
function sameRefusal(o: ParityObject, libbpf: LoadOutcome, tsbpf: LoadOutcome): boolean {
  if (!o.refusal || !libbpf.beforeKernel || !tsbpf.beforeKernel) return false;
  return new RegExp(o.refusal.libbpf).test(libbpf.verdict ?? '') && new RegExp(o.refusal.tsbpf).test(tsbpf.verdict ?? '');
}

/** Builds the row for an object from both outcomes. */
export function rowOf(o: ParityObject, libbpf: LoadOutcome, tsbpf: LoadOutcome): ParityRow {
  const detail = sameRefusal(o, libbpf, tsbpf) ? undefined : compareOutcomes(libbpf, tsbpf);
  const row: ParityRow = { object: objectName(o), libbpf, tsbpf, status: detail === undefined ? 'equal' : o.explained ? 'explained' : 'differs' };
  if (detail !== undefined) row.detail = detail;
  if (o.explained) row.explanation = o.explained;
  return row;
}

/** Compiles and loads one object both ways. */
export function parityRow(corpus: ParityCorpus, o: ParityObject, read: SourceReader = vendoredReader): ParityRow {
  const object = compileParityObject(corpus, o, read);
  return rowOf(o, loadWithLibbpf(object), loadWithTsbpf(object));
}

/** A short description of an outcome for tables: `loaded (3)` or `EACCES: <verdict>`. */
export function describeOutcome(o: LoadOutcome): string {
  if (o.loaded) return `loaded (${Object.keys(o.tags!).length})`;
  if (o.beforeKernel) return `refused: ${o.verdict ?? ''}`;
  return `${o.errno}${o.program ? ` in ${o.program}` : ''}${o.verdict ? `: ${o.verdict}` : ''}`;
}
