/**
 * CO-RE access specs: an access string such as `0:1:2` turned into the chain of members and
 * array elements it walks through a local type, and the same walk found again in a target type
 * by member names (looking through anonymous members).
 */
import { Budget, essentialName, fieldsAreCompat, typesAreCompat, typesMatch } from './core-compat.js';
import { CoreRelocationError, BtfResolveError } from './errors.js';
import type { CoreReloKind } from './ext.js';
import { skipQualifiers, sizeof } from './layout.js';
import type { Spec } from './spec.js';
import { isAnyEnum, type ArrayType, type CompositeType } from './types.js';

/** Longest access string libbpf accepts (`BPF_CORE_SPEC_MAX_LEN`). */
export const CORE_SPEC_MAX_LEN = 64;

/** One semantically meaningful step of an access: a named member or an array index. */
export interface Accessor {
  /** The struct/union (for members), enum (for enumerators) or element type (for arrays). */
  typeId: number;
  idx: number;
  /** Member or enumerator name; undefined for array indices. */
  name?: string;
}

/** An access walked through a spec (libbpf's `bpf_core_spec`). */
export interface AccessSpec {
  spec: Spec;
  rootTypeId: number;
  /** Every index of the access string, including anonymous members (low-level spec). */
  raw: number[];
  /** Named members and array indices only (high-level spec). */
  accessors: Accessor[];
  /** Offset of the accessed field from the root, in bits. */
  bitOffset: number;
}

/** The three families of relocation kinds: field-, type- and enumerator-based. */
export type ReloClass = 'field' | 'type' | 'enumval';

/** Which family a relocation kind belongs to. */
export function reloClass(kind: CoreReloKind): ReloClass {
  switch (kind) {
    case 'type_id_local':
    case 'type_id_target':
    case 'type_exists':
    case 'type_size':
    case 'type_matches':
      return 'type';
    case 'enumval_exists':
    case 'enumval_value':
      return 'enumval';
    default:
      return 'field';
  }
}

function bad(insn: number, msg: string): CoreRelocationError {
  return new CoreRelocationError('bad-access-string', insn, msg);
}

/** Converts resolve errors (sizes) into relocation errors. */
function size(spec: Spec, id: number, insn: number): number {
  try {
    return sizeof(spec, id);
  } catch (e) {
    if (e instanceof BtfResolveError) throw new CoreRelocationError('unresolvable', insn, `type ${id}: ${e.message}`);
    throw e;
  }
}

function isFlexArray(spec: Spec, prev: Accessor | undefined, arr: ArrayType): boolean {
  if (!prev || prev.name === undefined || arr.nelems > 0) return false;
  const t = spec.typeById(prev.typeId);
  return (t.kind === 'struct' || t.kind === 'union') && prev.idx === t.members.length - 1;
}

/**
 * Parses `accessStr` against local type `typeId`.
 *
 * @throws {CoreRelocationError} `bad-access-string` if the string is malformed or does not fit
 * the type (index out of range, indexing a non-array…).
 */
export function parseAccessSpec(spec: Spec, typeId: number, accessStr: string, kind: CoreReloKind, insn: number): AccessSpec {
  if (!/^[0-9]+(:[0-9]+)*$/.test(accessStr)) throw bad(insn, `access string ${JSON.stringify(accessStr)} is malformed`);
  const raw = accessStr.split(':').map(Number);
  if (raw.length > CORE_SPEC_MAX_LEN) throw bad(insn, `access string has more than ${CORE_SPEC_MAX_LEN} parts`);
  const out: AccessSpec = { spec, rootTypeId: typeId, raw, accessors: [], bitOffset: 0 };
  const cls = reloClass(kind);
  if (cls === 'type') {
    if (accessStr !== '0') throw bad(insn, `type relocation needs access string "0", got ${JSON.stringify(accessStr)}`);
    return out;
  }
  let id = skipQualifiers(spec, typeId);
  const root = spec.typeById(id);
  out.accessors.push({ typeId: id, idx: raw[0] });
  if (cls === 'enumval') {
    if (!isAnyEnum(root) || raw.length > 1 || raw[0] >= root.values.length) {
      throw bad(insn, `enumerator access ${accessStr} does not fit ${root.kind} ${root.name || '<anon>'}`);
    }
    out.accessors[0].name = root.values[raw[0]].name;
    return out;
  }
  out.bitOffset = raw[0] * size(spec, id, insn) * 8;
  for (let i = 1; i < raw.length; i++) {
    id = skipQualifiers(spec, id);
    const t = spec.typeById(id);
    const idx = raw[i];
    if (t.kind === 'struct' || t.kind === 'union') {
      const m = t.members[idx];
      if (!m) throw bad(insn, `access ${accessStr}: ${t.kind} ${t.name || '<anon>'} has no member ${idx}`);
      out.bitOffset += m.bitOffset;
      if (m.name !== '') out.accessors.push({ typeId: id, idx, name: m.name });
      id = m.type;
    } else if (t.kind === 'array') {
      const elem = skipQualifiers(spec, t.type);
      const flex = isFlexArray(spec, out.accessors[out.accessors.length - 1], t);
      if (!flex && idx >= t.nelems) throw bad(insn, `access ${accessStr}: index ${idx} out of bounds of array of ${t.nelems}`);
      out.accessors.push({ typeId: elem, idx });
      out.bitOffset += idx * size(spec, elem, insn) * 8;
      id = elem;
    } else {
      throw bad(insn, `access ${accessStr}: part ${i} indexes ${t.kind} type ${id}`);
    }
  }
  return out;
}

/**
 * Finds local member accessor `acc` in target composite `targetId`, searching anonymous
 * members recursively; extends `ts` with the path and returns the member's type id, or
 * undefined if there is no compatible member of that name.
 */
function matchMember(local: Spec, acc: Accessor, target: Spec, targetId: number, ts: AccessSpec, budget: Budget, insn: number): number | undefined {
  budget.step();
  targetId = skipQualifiers(target, targetId);
  const t = target.typeById(targetId);
  if (t.kind !== 'struct' && t.kind !== 'union') return undefined;
  const lt = local.typeById(acc.typeId) as CompositeType;
  const lm = lt.members[acc.idx];
  for (let i = 0; i < t.members.length; i++) {
    const m = t.members[i];
    if (ts.raw.length >= CORE_SPEC_MAX_LEN) throw bad(insn, 'target access path too deep');
    ts.bitOffset += m.bitOffset;
    ts.raw.push(i);
    if (m.name === '') {
      const found = matchMember(local, acc, target, m.type, ts, budget, insn);
      if (found !== undefined) return found;
    } else if (m.name === lm.name) {
      if (fieldsAreCompat(local, lm.type, target, m.type, budget)) {
        ts.accessors.push({ typeId: targetId, idx: i, name: m.name });
        return m.type;
      }
      ts.bitOffset -= m.bitOffset;
      ts.raw.pop();
      return undefined;
    }
    ts.bitOffset -= m.bitOffset;
    ts.raw.pop();
  }
  return undefined;
}

/**
 * Tries to find the access of `ls` in target type `targetId`. Returns the target's access spec,
 * or undefined if the candidate does not match.
 */
export function matchAccessSpec(ls: AccessSpec, kind: CoreReloKind, target: Spec, targetId: number, budget: Budget, insn: number): AccessSpec | undefined {
  const ts: AccessSpec = { spec: target, rootTypeId: targetId, raw: [], accessors: [], bitOffset: 0 };
  const cls = reloClass(kind);
  if (cls === 'type') {
    const ok =
      kind === 'type_matches'
        ? typesMatch(ls.spec, ls.rootTypeId, target, targetId, budget)
        : typesAreCompat(ls.spec, ls.rootTypeId, target, targetId, budget);
    return ok ? ts : undefined;
  }
  if (cls === 'enumval') {
    const id = skipQualifiers(target, targetId);
    const t = target.typeById(id);
    if (!isAnyEnum(t)) return undefined;
    const want = essentialName(ls.accessors[0].name ?? '');
    for (let i = 0; i < t.values.length; i++) {
      if (essentialName(t.values[i].name) === want) {
        ts.accessors.push({ typeId: id, idx: i, name: t.values[i].name });
        ts.raw.push(i);
        return ts;
      }
    }
    return undefined;
  }
  let id = targetId;
  for (let i = 0; i < ls.accessors.length; i++) {
    const acc = ls.accessors[i];
    id = skipQualifiers(target, id);
    const t = target.typeById(id);
    if (acc.name !== undefined) {
      const next = matchMember(ls.spec, acc, target, id, ts, budget, insn);
      if (next === undefined) return undefined;
      id = next;
      continue;
    }
    if (i > 0) {
      if (t.kind !== 'array') return undefined;
      const flex = isFlexArray(target, ts.accessors[ts.accessors.length - 1], t);
      if (!flex && acc.idx >= t.nelems) return undefined;
      id = skipQualifiers(target, t.type);
    }
    if (ts.raw.length >= CORE_SPEC_MAX_LEN) throw bad(insn, 'target access path too deep');
    ts.accessors.push({ typeId: id, idx: acc.idx });
    ts.raw.push(acc.idx);
    ts.bitOffset += acc.idx * size(target, id, insn) * 8;
  }
  return ts;
}
