/**
 * VerifierError: the kernel refused to load a program (or BTF), with the verifier's log.
 *
 * The message's first line is a summary built from the log: the source file and line of the
 * failing instruction (from the verifier's line annotations), the line that says what is wrong,
 * the instruction or register-state line before it when that explains it, and how many lines were
 * left out. Then the source line itself, and a hint from the catalog in `verifier-hints.ts`. The
 * whole log stays in {@link VerifierError.log}; {@link VerifierError.format} prints it (or its
 * head and tail) for humans, with the failing source line marked.
 */
import { SyscallError } from '../sys/errors.js';
import { Errno } from '../sys/errno.js';
import { capabilitiesForProgramType, permissionHint } from '../sys/capabilities.js';
import { findSourceLocation, sourceAtSlot, sourceLineIndex, summarizeLog, type SourceLocation } from './verifier-log.js';
import { hintFor, type VerifierContext, type VerifierHint } from './verifier-hints.js';

export { splitLog, summarizeLog, findSourceLocation, type LogSummary, type SourceLocation } from './verifier-log.js';
export type { VerifierContext, VerifierHint } from './verifier-hints.js';

/** What to say when the kernel gave no log, by errno (and program type, for the capabilities it needs). */
function emptyLogHint(errno: number, programType: number | undefined): string {
  switch (errno) {
    case Errno.EPERM:
      return permissionHint(programType === undefined ? ['CAP_BPF'] : capabilitiesForProgramType(programType));
    case Errno.EACCES:
      return 'permission denied (no verifier log)';
    case Errno.EINVAL:
      return 'invalid argument (refused before verification: check the program type, expected attach type, attach BTF id, license and flags)';
    case Errno.E2BIG:
      return 'program too large, or attributes unknown to this kernel';
    case Errno.EFAULT:
      return 'bad address (possibly a verifier bug: raise the log size and check dmesg)';
    case Errno.ENOSPC:
      return 'verifier log does not fit the buffer';
    default:
      return 'no verifier log';
  }
}

/** What a load error's message is built from. */
export interface LogDetail {
  /** The text that follows `ERRNO: ` on the message's first line. */
  readonly summary: string;
  /** The source location of the failure, when the log has line annotations. */
  readonly location?: SourceLocation;
  /** The catalog's hint, when an entry recognises the failure. */
  readonly hint?: VerifierHint;
}

/** Reads a load error's log: the summary line, the source location and a hint. */
export function readLog(errno: number, log: readonly string[], truncated: boolean, ctx?: VerifierContext): LogDetail {
  const sum = summarizeLog(log);
  // The verifier's own annotation, else the line info of the failing instruction (or of the
  // program's entry, for refusals found before the walk, such as the combined stack size).
  let location = findSourceLocation(log);
  if (!location && ctx?.instructions && sum.lines.length > 0) {
    const slot = sum.instruction !== undefined ? Number(/^\d+/.exec(sum.instruction)?.[0]) : 0;
    location = sourceAtSlot(ctx.instructions, slot);
  }
  let lines = sum.lines;
  // With a source line to show, the instruction that carried it adds nothing to the first line.
  if (location?.line !== undefined && sum.instruction !== undefined && lines.length > 1 && lines[0] === sum.instruction) lines = lines.slice(1);
  let summary = lines.length === 0 ? emptyLogHint(errno, ctx?.programType) : lines.join(': ');
  if (location?.file !== undefined && location.line !== undefined && lines.length > 0) summary = `${location.file}:${location.line}: ${summary}`;
  if (lines.length > 0 && errno === Errno.EFAULT) summary += ' (possibly a verifier bug: check dmesg)';
  const omitted = sum.omitted + (sum.lines.length - lines.length);
  if (omitted > 0) summary += ` (${omitted} line(s) omitted)`;
  if (truncated) summary += ' (log truncated)';
  const hint = hintFor(log, sum.reason, sum.instruction, ctx);
  return { summary, location, hint };
}

/** Builds the summary that follows `ERRNO: ` in a load error's message (its first line). */
export function logDetail(errno: number, log: readonly string[], truncated: boolean): string {
  return readLog(errno, log, truncated).summary;
}

/** The lines after the first of a load error's message: the quoted source line and the hint. */
function detailLines(d: LogDetail): string {
  let out = '';
  if (d.location) out += `\n    ${d.location.line !== undefined ? `${d.location.line} | ` : '| '}${d.location.source}`;
  if (d.hint) out += `\n  hint: ${d.hint.text}`;
  return out;
}

/** Options of {@link VerifierError.format}. */
export interface FormatLogOptions {
  /** Show only the first `head` lines of the log. */
  head?: number;
  /** Show only the last `tail` lines of the log. */
  tail?: number;
}

/**
 * Formats an error message followed by its log (or the log's head and tail), one line each; the
 * log line at index `mark` (the failing source line) is marked with `>`.
 */
export function formatWithLog(message: string, log: readonly string[], opts: FormatLogOptions = {}, mark = -1): string {
  const { head, tail } = opts;
  for (const [k, v] of Object.entries({ head, tail })) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new RangeError(`format: ${k} must be a non-negative integer, got ${String(v)}`);
  }
  const out = [message];
  if (log.length === 0) return out.join('\n');
  out.push('verifier log:');
  if (head === undefined && tail === undefined) {
    log.forEach((l, i) => out.push(`${i === mark ? '>' : ''}\t${l}`));
    return out.join('\n');
  }
  const h = Math.min(head ?? 0, log.length);
  const t = Math.min(tail ?? 0, log.length - h);
  for (let i = 0; i < h; i++) out.push(`${i === mark ? '>' : ''}\t${log[i]}`);
  const skipped = log.length - h - t;
  if (skipped > 0) out.push(`\t... (${skipped} line(s) omitted) ...`);
  for (let i = log.length - t; i < log.length; i++) out.push(`${i === mark ? '>' : ''}\t${log[i]}`);
  return out.join('\n');
}

/**
 * The kernel verifier rejected a program (BPF_PROG_LOAD failed).
 *
 * `message` starts with a one-line summary: `program NAME: load program: EACCES: file.bpf.c:29:
 * <what is wrong> (N line(s) omitted)` (the failing instruction instead of `file:line` when the
 * program has no line info), the statistics trailer (`processed N insns ...`) left out. Then, when
 * known, the source line (`    29 | bpf_for_each_map_elem(...);`) and a hint (`  hint: ...`),
 * also in {@link VerifierError.location} and {@link VerifierError.hint}. The full log is in
 * {@link VerifierError.log}. Without a log the message says what the errno usually
 * means (EPERM: MEMLOCK or capabilities; EFAULT: a verifier bug).
 *
 * @example
 * try { Program.load(spec); } catch (err) {
 *   if (err instanceof VerifierError) console.error(err.format({ tail: 40 })); // last 40 log lines
 * }
 */
export class VerifierError extends SyscallError {
  /** The verifier log, one entry per line, without trailing blank lines. */
  readonly log: readonly string[];
  /** The C source line of the failing instruction, when the program was loaded with line info. */
  readonly location?: SourceLocation;
  /** What to do about it, when the catalog (`verifier-hints.ts`) recognises the failure. */
  readonly hint?: VerifierHint;

  constructor(
    /** The program's name. */
    readonly programName: string,
    errno: number,
    log: readonly string[],
    /** The log did not fit the largest buffer tried, so its end (where the verdict is) may be lost. */
    readonly truncated = false,
    options?: ErrorOptions & { context?: VerifierContext },
  ) {
    const d = readLog(errno, log, truncated, options?.context);
    super('bpf', 'BPF_PROG_LOAD', errno, `program ${programName}: load program`, d.summary, options);
    this.message += detailLines(d);
    this.log = log;
    if (d.location) this.location = d.location;
    if (d.hint) this.hint = d.hint;
  }

  /** The first line of the message: `program NAME: load program: ERRNO: file:line: reason (N line(s) omitted)`. */
  get summary(): string {
    const nl = this.message.indexOf('\n');
    return nl < 0 ? this.message : this.message.slice(0, nl);
  }

  /** The message followed by the log, or its first `head` and last `tail` lines, with the failing source line marked `>`. */
  format(opts: FormatLogOptions = {}): string {
    return formatWithLog(this.message, this.log, opts, this.location ? sourceLineIndex(this.log, this.location) : -1);
  }
}
VerifierError.prototype.name = 'VerifierError';

/**
 * The kernel refused a BTF blob (BPF_BTF_LOAD failed); the kernel's BTF log says why.
 *
 * The message has the same shape as {@link VerifierError}'s: `btf NAME: load: EINVAL: <log line>`.
 */
export class BtfLoadError extends SyscallError {
  /** The kernel's BTF log, one entry per line. */
  readonly log: readonly string[];

  constructor(
    /** What the BTF belongs to (an object file, or `synthesized` for generated BTF). */
    readonly objectName: string,
    errno: number,
    log: readonly string[],
    /** The log did not fit the largest buffer tried. */
    readonly truncated = false,
    options?: ErrorOptions,
  ) {
    super('bpf', 'BPF_BTF_LOAD', errno, `btf ${objectName}: load`, logDetail(errno, log, truncated), options);
    this.log = log;
  }

  /** The message followed by the log, or its first `head` and last `tail` lines. */
  format(opts: FormatLogOptions = {}): string {
    return formatWithLog(this.message, this.log, opts);
  }
}
BtfLoadError.prototype.name = 'BtfLoadError';
