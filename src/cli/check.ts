/**
 * `tsbpf check foo.bpf.o...`: a linter for BPF objects. Loads every program of every object into
 * the running kernel without attaching it (one program at a time, with the object's maps), and
 * reports each as ok (instructions processed, verifier states, verification time) or failed (the
 * source location, the verifier's reason and a hint). Nothing stays loaded.
 */
import { loadCollection } from '../collection/load.js';
import { loadCollectionSpec } from '../elf/index.js';
import { VerifierError } from '../prog/verifier-error.js';
import { programTypeShortName } from '../types.js';
import type { CollectionSpec } from '../spec/index.js';

/** BPF_LOG_STATS: the verifier prints only its statistics, which cost nothing to produce. */
const LOG_STATS = 4;

/** How one program fared. */
export interface ProgramCheck {
  /** The program's C function name. */
  program: string;
  /** Its ELF section, e.g. `socket` or `tracepoint/syscalls/sys_enter_openat`. */
  section: string;
  /** Program type, short kernel name (e.g. `socket_filter`). */
  type: string;
  /** Whether the kernel accepted it. */
  ok: boolean;
  /** Instructions the verifier processed (`processed N insns`). */
  insnsProcessed?: number;
  /** Verifier states: total and peak (`total_states`, `peak_states`). */
  states?: { total: number; peak: number };
  /** Verification time in microseconds, when the kernel reports it. */
  verificationUs?: number;
  /** Why it failed. */
  error?: {
    /** The errno name, when the kernel refused it (`EACCES`), else the error's class name. */
    code: string;
    /** The first line of the error message. */
    summary: string;
    /** Where in the C source, when known. */
    location?: { file?: string; line?: number; source: string };
    /** The hint's catalog id and text, when one applies. */
    hint?: { id: string; text: string };
  };
}

/** How one object fared. */
export interface ObjectCheck {
  /** The path as given. */
  path: string;
  /** Set when the object could not be read at all (not an ELF BPF object...). */
  error?: string;
  /** Every program of the object, in the object's order. */
  programs: ProgramCheck[];
}

/** Reads `processed N insns ... total_states T peak_states P` and `verification time N usec`. */
function stats(log: readonly string[]): Pick<ProgramCheck, 'insnsProcessed' | 'states' | 'verificationUs'> {
  const out: Pick<ProgramCheck, 'insnsProcessed' | 'states' | 'verificationUs'> = {};
  for (const l of log) {
    const p = /^processed (\d+) insns .*total_states (\d+) peak_states (\d+)/.exec(l);
    if (p) {
      out.insnsProcessed = Number(p[1]);
      out.states = { total: Number(p[2]), peak: Number(p[3]) };
    }
    const t = /^verification time (\d+) usec/.exec(l);
    if (t) out.verificationUs = Number(t[1]);
  }
  return out;
}

/** Loads each program of one object on its own and reports how each fared. */
export function checkObject(path: string): ObjectCheck {
  let spec: CollectionSpec;
  try {
    spec = loadCollectionSpec(path);
  } catch (e) {
    return { path, error: (e as Error).message, programs: [] };
  }
  const programs: ProgramCheck[] = [];
  for (const ps of Object.values(spec.programs)) {
    const base = { program: ps.name, section: ps.sectionName ?? '', type: programTypeShortName(ps.type) };
    try {
      using coll = loadCollection(spec, { programs: [ps.name], logLevel: LOG_STATS });
      programs.push({ ...base, ok: true, ...stats(coll.programs[ps.name].verifierLog) });
    } catch (e) {
      const err = e as Error & { code?: string };
      const v = e instanceof VerifierError ? e : undefined;
      const summary = v ? v.summary : err.message;
      programs.push({
        ...base,
        ok: false,
        ...(v ? stats(v.log) : {}),
        error: {
          code: typeof err.code === 'string' ? err.code : err.name,
          summary,
          ...(v?.location ? { location: { file: v.location.file, line: v.location.line, source: v.location.source } } : {}),
          ...(v?.hint ? { hint: { id: v.hint.id, text: v.hint.text } } : {}),
        },
      });
    }
  }
  return { path, programs };
}

/** Whether every program of every object loaded. */
export function allOk(results: readonly ObjectCheck[]): boolean {
  return results.every((r) => !r.error && r.programs.every((p) => p.ok));
}

/** The human report: one block per object, one line per program, a total. */
export function formatCheck(results: readonly ObjectCheck[]): string {
  const out: string[] = [];
  let ok = 0;
  let failed = 0;
  for (const r of results) {
    out.push(r.path);
    if (r.error) {
      out.push(`  FAIL  ${r.error}`);
      failed++;
      continue;
    }
    if (r.programs.length === 0) out.push('  (no programs)');
    for (const p of r.programs) {
      const head = `${p.program} (${p.section})`;
      if (p.ok) {
        ok++;
        const facts = [
          p.insnsProcessed !== undefined ? `${p.insnsProcessed} insns processed` : undefined,
          p.states ? `${p.states.total} states (peak ${p.states.peak})` : undefined,
          p.verificationUs !== undefined ? `${p.verificationUs} us` : undefined,
        ].filter((x) => x !== undefined);
        out.push(`  ok    ${head}${facts.length ? `: ${facts.join(', ')}` : ''}`);
        continue;
      }
      failed++;
      const e = p.error!;
      // The summary starts with `program NAME: load program: ERRNO: `; the head already names it.
      const reason = e.summary.replace(/^program \S+: load program: /, '');
      out.push(`  FAIL  ${head}: ${reason}`);
      if (e.location) out.push(`          ${e.location.line !== undefined ? `${e.location.line} | ` : '| '}${e.location.source}`);
      if (e.hint) out.push(`          hint: ${e.hint.text}`);
    }
  }
  out.push(`${ok + failed} program(s) in ${results.length} object(s): ${ok} ok, ${failed} failed`);
  return out.join('\n');
}

/** Runs `tsbpf check` and returns its output and exit status (1 when anything failed). */
export function runCheck(paths: readonly string[], opts: { json?: boolean } = {}): { text: string; code: number } {
  if (paths.length === 0) throw new Error('check: give one or more BPF object files (clang -target bpf ... -o foo.bpf.o)');
  const results = paths.map((p) => checkObject(p));
  const code = allOk(results) ? 0 : 1;
  const text = opts.json ? JSON.stringify({ ok: code === 0, objects: results }, null, 2) : formatCheck(results);
  return { text, code };
}
