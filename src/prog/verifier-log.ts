/**
 * Reading the kernel verifier's log: split the raw buffer into lines, pick the lines that explain
 * a failure, and find the C source line of the failing instruction.
 *
 * With BTF line info (every clang `-g` object loaded by tsbpf carries it), the verifier annotates
 * its trace with the source of each new line: `; return *v; @ null_check.bpf.c:9`. Older kernels
 * print the source without the ` @ file:line` suffix.
 */
import { basename } from 'node:path';
import { slots, type Instruction } from '../asm/index.js';

/** Longest context line kept in a summary; register-state dumps can run to kilobytes. */
const MAX_CONTEXT_LINE = 240;

/** Statistics the verifier prints after its verdict; never the cause of a failure. */
const TRAILER = [/^processed \d+ insns/, /^verification time \d+/, /^stack depth \d+/];

/** An instruction line of the log: `8: (85) call bpf_for_each_map_elem#164`. */
const INSN_LINE = /^(\d+): \([0-9a-f]{2}\)/;
/** A complaint about a register: `R3 type=map_value expected=fp`, `R0 invalid mem access 'scalar'`. */
const REGISTER_LINE = /^R\d+[ _]/;
/** A source annotation: `; return *v; @ null_check.bpf.c:9` (the ` @ file:line` part since Linux 6.x). */
const SOURCE_LINE = /^; (.*?)(?: @ (\S+):(\d+))?$/;

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
  /** The failing instruction's line (`8: (85) call ...`) when the summary's context is one. */
  readonly instruction?: string;
  /** The line naming the problem (the last line before the statistics trailer). */
  readonly reason?: string;
}

/** Whether a log line is a statistics trailer line. */
function isTrailer(line: string): boolean {
  const t = line.trim();
  return TRAILER.some((re) => re.test(t));
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
  while (end > 0 && isTrailer(nonBlank[end - 1])) end--;
  if (end === 0) return { lines: [], omitted: nonBlank.length };
  const last = nonBlank[end - 1].trim();
  const lines = [last];
  let instruction: string | undefined;
  if (end >= 2) {
    const prev = nonBlank[end - 2].trim();
    const explains = INSN_LINE.test(prev) || (REGISTER_LINE.test(last) && !isTrailer(prev));
    if (explains) lines.unshift(prev.length > MAX_CONTEXT_LINE ? `${prev.slice(0, MAX_CONTEXT_LINE - 3)}...` : prev);
    if (INSN_LINE.test(prev)) instruction = prev;
  }
  return { lines, omitted: nonBlank.length - lines.length, instruction, reason: last };
}

/** Where in the C source a verifier failure happened. */
export interface SourceLocation {
  /** The source file as clang recorded it (usually the base name, e.g. `count.bpf.c`), or undefined on kernels that print no file. */
  readonly file?: string;
  /** The 1-based line number, or undefined on kernels that print no line. */
  readonly line?: number;
  /** The source text of that line, trimmed. */
  readonly source: string;
  /** The index (in 8-byte slots) of the last instruction the verifier printed, when it printed one. */
  readonly insn?: number;
}

/**
 * The source line of the instruction the verifier stopped at: the last `; <source> @ file:line`
 * annotation of the log (annotations with line 0, which clang emits for compiler-made code, are
 * skipped). Undefined when the program was loaded without line info (hand-assembled programs).
 */
export function findSourceLocation(log: readonly string[]): SourceLocation | undefined {
  let insn: number | undefined;
  for (let i = log.length - 1; i >= 0; i--) {
    const l = log[i].trim();
    if (insn === undefined) {
      const im = INSN_LINE.exec(l);
      if (im) insn = Number(im[1]);
    }
    const m = SOURCE_LINE.exec(l);
    if (!m) continue;
    const source = m[1].trim();
    if (m[3] !== undefined) {
      const line = Number(m[3]);
      if (line === 0 || source === '') continue;
      return { file: m[2], line, source, insn };
    }
    if (source === '') continue;
    return { source, insn };
  }
  return undefined;
}

/** The index of the log line holding `loc`'s annotation (the last one naming it), or -1. */
export function sourceLineIndex(log: readonly string[], loc: SourceLocation): number {
  for (let i = log.length - 1; i >= 0; i--) {
    const m = SOURCE_LINE.exec(log[i].trim());
    if (m && m[1].trim() === loc.source && (loc.line === undefined || Number(m[3]) === loc.line)) return i;
  }
  return -1;
}

/**
 * The source location of the instruction at `slot` (8-byte slots, as the verifier counts), from
 * the line info the ELF reader attached to each instruction: the nearest instruction at or
 * before `slot` that has one.
 */
export function sourceAtSlot(insns: readonly Instruction[], slot: number): SourceLocation | undefined {
  let at = 0;
  let found: SourceLocation | undefined;
  for (const ins of insns) {
    if (at > slot) break;
    const s = ins.source;
    if (s?.text !== undefined && s.text.trim() !== '' && (s.line ?? 0) > 0) found = { file: s.file === undefined ? undefined : basename(s.file), line: s.line, source: s.text.trim(), insn: slot };
    at += slots(ins);
  }
  return found;
}
