/**
 * ProgramLike: what attach functions need from a loaded program. tsbpf's `Program` satisfies it;
 * so does any object with a program fd.
 */
import { attachTypeName, programTypeShortName } from '../types.js';
import { ProgInfo } from '../sys/attrs.js';
import { objInfo } from '../sys/syscall.js';

/** A loaded BPF program, as the attach functions see it. */
export interface ProgramLike {
  /** The program fd (a getter that throws `ClosedError` after close is fine). */
  readonly fd: number;
  /** The program's name, for error messages. */
  readonly name?: string;
  /** Program type (`ProgramType`), checked before attaching when known. */
  readonly type?: number;
  /** Expected attach type given at load (`AttachType`), when there was one. */
  readonly expectedAttachType?: number;
  /** The ELF section name (`SEC()`), which {@link attachProgram} reads. */
  readonly sectionName?: string;
}

/** `program <name>` (or `program fd N`) for error messages. */
export function programLabel(p: ProgramLike): string {
  if (p.name) return `program ${p.name}`;
  try {
    return `program fd ${p.fd}`;
  } catch {
    return 'program';
  }
}

/** Throws a TypeError naming the program when its type is known and is not one of `want`. */
export function checkProgramType(p: ProgramLike, want: readonly number[], context: string): void {
  if (!p || typeof p !== 'object') throw new TypeError(`${context}: program must be a loaded program, got ${String(p)}`);
  if (p.type === undefined || want.includes(p.type)) return;
  const names = want.map((t) => programTypeShortName(t)).join(' or ');
  throw new TypeError(`${context}: ${programLabel(p)} has type ${programTypeShortName(p.type)}, needs ${names}`);
}

/** The attach type name without `BPF_`, lowercase: `trace_fentry`. */
export function shortAttachTypeName(t: number): string {
  return attachTypeName(t).replace(/^BPF_/, '').toLowerCase();
}

/** The kernel-wide id of a loaded program (BPF_OBJ_GET_INFO_BY_FD), 0 when it cannot be read. */
export function programId(p: ProgramLike): number {
  try {
    return ProgInfo.u32(objInfo(p.fd, ProgInfo.encode({}), programLabel(p)), 'id');
  } catch {
    return 0;
  }
}
