/**
 * VerifierError: the kernel refused to load a program (or BTF), with the verifier's log.
 *
 * The message is a one-line summary built from the log: the line that says what is wrong, the
 * instruction or register-state line before it when that explains it, and how many lines were
 * left out. The whole log stays in {@link VerifierError.log}; {@link VerifierError.format} prints
 * it (or its head and tail) for humans.
 */
import { SyscallError } from '../sys/errors.js';
import { Errno } from '../sys/errno.js';

/** Longest context line kept in a summary; register-state dumps can run to kilobytes. */
const MAX_CONTEXT_LINE = 240;

/** Statistics the verifier prints after its verdict; never the cause of a failure. */
const TRAILER = [/^processed \d+ insns/, /^verification time \d+/, /^stack depth \d+/];

/** An instruction line of the log: `8: (85) call bpf_for_each_map_elem#164`. */
const INSN_LINE = /^\d+: \([0-9a-f]{2}\)/;
/** A complaint about a register: `R3 type=map_value expected=fp`, `R0 invalid mem access 'scalar'`. */
const REGISTER_LINE = /^R\d+[ _]/;

/** Splits a raw verifier log buffer (NUL-terminated text) into lines without trailing blank lines. */
export function splitLog(raw: Uint8Array | string): string[] {
  let text: string;
  if (typeof raw === 'string') {
    text = raw;
  } else {
    const end = raw.indexOf(0);
    text = Buffer.from(raw.buffer, raw.byteOffset, end < 0 ? raw.length : end).toString('utf8');
  }
  const lines = text.split('\n').map((l) => l.replace(/\s+$/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The lines of a log that a summary shows, and how many it leaves out. */
export interface LogSummary {
  /** The chosen lines in log order: an optional context line, then the line naming the problem. */
  readonly lines: readonly string[];
  /** How many non-blank log lines the summary leaves out. */
  readonly omitted: number;
}

/**
 * Picks the lines of a verifier log that explain a failure: the last line that is not a
 * statistics trailer (`processed N insns ...`), plus the line before it when that is the
 * failing instruction (`8: (85) call ...`) or, for a register complaint (`R3 ...`), any
 * line that sets the scene.
 */
export function summarizeLog(log: readonly string[]): LogSummary {
  const nonBlank = log.filter((l) => l.trim() !== '');
  let end = nonBlank.length;
  while (end > 0 && TRAILER.some((re) => re.test(nonBlank[end - 1].trim()))) end--;
  if (end === 0) return { lines: [], omitted: nonBlank.length };
  const last = nonBlank[end - 1].trim();
  const lines = [last];
  if (end >= 2) {
    const prev = nonBlank[end - 2].trim();
    const explains = INSN_LINE.test(prev) || (REGISTER_LINE.test(last) && !TRAILER.some((re) => re.test(prev)));
    if (explains) lines.unshift(prev.length > MAX_CONTEXT_LINE ? `${prev.slice(0, MAX_CONTEXT_LINE - 3)}...` : prev);
  }
  return { lines, omitted: nonBlank.length - lines.length };
}

/** What to say when the kernel gave no log, by errno. */
function emptyLogHint(errno: number): string {
  switch (errno) {
    case Errno.EPERM:
      return 'operation not permitted (needs root or CAP_BPF plus CAP_PERFMON/CAP_NET_ADMIN/CAP_SYS_ADMIN; MEMLOCK may be too low before Linux 5.11; as root, lockdown or an LSM may refuse this program type or attach target)';
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

/** Builds the summary that follows `ERRNO: ` in a load error's message. */
export function logDetail(errno: number, log: readonly string[], truncated: boolean): string {
  const { lines, omitted } = summarizeLog(log);
  let detail = lines.length === 0 ? emptyLogHint(errno) : lines.join(': ');
  if (lines.length > 0 && errno === Errno.EFAULT) detail += ' (possibly a verifier bug: check dmesg)';
  if (omitted > 0) detail += ` (${omitted} line(s) omitted)`;
  if (truncated) detail += ' (log truncated)';
  return detail;
}

/** Options of {@link VerifierError.format}. */
export interface FormatLogOptions {
  /** Show only the first `head` lines of the log. */
  head?: number;
  /** Show only the last `tail` lines of the log. */
  tail?: number;
}

/** Formats an error message followed by its log (or the log's head and tail), one line each. */
export function formatWithLog(message: string, log: readonly string[], opts: FormatLogOptions = {}): string {
  const { head, tail } = opts;
  for (const [k, v] of Object.entries({ head, tail })) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new RangeError(`format: ${k} must be a non-negative integer, got ${String(v)}`);
  }
  const out = [message];
  if (log.length === 0) return out.join('\n');
  out.push('verifier log:');
  if (head === undefined && tail === undefined) {
    for (const l of log) out.push(`\t${l}`);
    return out.join('\n');
  }
  const h = Math.min(head ?? 0, log.length);
  const t = Math.min(tail ?? 0, log.length - h);
  for (let i = 0; i < h; i++) out.push(`\t${log[i]}`);
  const skipped = log.length - h - t;
  if (skipped > 0) out.push(`\t... (${skipped} line(s) omitted) ...`);
  for (let i = log.length - t; i < log.length; i++) out.push(`\t${log[i]}`);
  return out.join('\n');
}

/**
 * The kernel verifier rejected a program (BPF_PROG_LOAD failed).
 *
 * `message` is a summary: `program NAME: load program: EACCES: <failing instruction>: <what is
 * wrong> (N line(s) omitted)`, the statistics trailer (`processed N insns ...`) left out. The
 * full log is in {@link VerifierError.log}. Without a log the message says what the errno usually
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

  constructor(
    /** The program's name. */
    readonly programName: string,
    errno: number,
    log: readonly string[],
    /** The log did not fit the largest buffer tried, so its end (where the verdict is) may be lost. */
    readonly truncated = false,
    options?: ErrorOptions,
  ) {
    super('bpf', 'BPF_PROG_LOAD', errno, `program ${programName}: load program`, logDetail(errno, log, truncated), options);
    this.log = log;
  }

  /** The message followed by the log, or its first `head` and last `tail` lines. */
  format(opts: FormatLogOptions = {}): string {
    return formatWithLog(this.message, this.log, opts);
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
