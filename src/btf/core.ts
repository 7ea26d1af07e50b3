/**
 * CO-RE ("compile once, run everywhere") relocation: given the object's BTF (local), the
 * kernel's BTF (target) and the object's `bpf_core_relo` records, compute for each relocation
 * the value clang compiled in and the value that is right for the target kernel.
 *
 * This follows libbpf's rules (tools/lib/bpf/relo_core.c, documented at
 * https://docs.kernel.org/bpf/llvm_reloc.html): candidates are target types of a compatible kind
 * whose name equals the local name without its `___flavor` suffix; field accesses are matched by
 * member name through anonymous members; all candidates must agree. A relocation that no
 * candidate satisfies is not an error: its fixup is `poison`ed, and applying it replaces the
 * instruction with a call to the invalid helper 0xbad2310, so the verifier rejects the program
 * only if that instruction is reachable (e.g. not guarded by `bpf_core_field_exists`).
 */
import { Budget, coreKindCompat, essentialName } from './core-compat.js';
import { matchAccessSpec, parseAccessSpec, reloClass, type AccessSpec } from './core-spec.js';
import { BtfError, CoreRelocationError } from './errors.js';
import type { CoreRelo, CoreReloKind } from './ext.js';
import { sizeof, skipQualifiers } from './layout.js';
import type { Spec } from './spec.js';
import { isAnyEnum, type Type } from './types.js';

/** The result of one CO-RE relocation, ready to patch into its instruction with `applyCoreFixup`. */
export interface CoreFixup {
  /** Index of the relocation in the list given to {@link computeCoreFixups}. */
  reloIndex: number;
  /** Byte offset of the instruction in its ELF section (as in the `bpf_core_relo` record). */
  insnByteOffset: number;
  kind: CoreReloKind;
  /** Local root type id and access string of the relocation. */
  localTypeId: number;
  accessStr: string;
  /** The value clang compiled into the instruction, computed from the local BTF. */
  localValue: bigint;
  /** The value for the target kernel. */
  targetValue: bigint;
  /**
   * True if no candidate satisfied the relocation and it has no "not found" value (field
   * offsets, sizes, shifts, signedness, enum values): the instruction must be poisoned.
   */
  poison: boolean;
  /** Whether applying checks that the instruction currently holds `localValue` (libbpf's rule). */
  validate: boolean;
  /** Memory access sizes for field byte offsets used by loads/stores (0 when not applicable). */
  localSize: number;
  targetSize: number;
  /**
   * The load/store size would have to change in a way that reads a wrong value (e.g. a signed
   * int of another size): a load/store carrying this relocation gets poisoned when applied.
   */
  failMemSizeAdjust: boolean;
  /** Root type id of the matching target type, or 0 if none matched. */
  targetTypeId: number;
  /** Index in the `target` list of the spec the match came from, or -1. */
  targetIndex: number;
  /** Human-readable description, e.g. `byte_off struct task_struct.pid (0:1)`. */
  description: string;
}

/** Options of {@link computeCoreFixups}. */
export interface CoreOptions {
  /** Program or section name, used as context in error messages. */
  context?: string;
}

interface Candidate {
  spec: Spec;
  id: number;
  index: number;
}

interface RawResult {
  orig: bigint;
  next: bigint;
  poison: boolean;
  validate: boolean;
  origSize: number;
  newSize: number;
  origTypeId: number;
  newTypeId: number;
  failMemSizeAdjust: boolean;
}

/** Thrown internally to request poisoning (libbpf's -EUCLEAN). */
const POISON = Symbol('poison');

/** Target types whose essential name equals that of `local` and whose kind is compatible. */
function findCandidates(local: Type, targets: readonly Spec[]): Candidate[] {
  const want = essentialName(local.name);
  for (let index = 0; index < targets.length; index++) {
    const spec = targets[index];
    // The first spec is searched whole; later ones (modules) only for their own types.
    const minId = index === 0 ? 0 : spec.firstTypeId;
    const out: Candidate[] = [];
    for (const t of spec.typesByEssentialName(want)) {
      if (t.id >= minId && coreKindCompat(t, local)) out.push({ spec, id: t.id, index });
    }
    if (out.length > 0) return out;
  }
  return [];
}

function lastAccessorType(s: AccessSpec): Type {
  return s.spec.typeById(s.accessors[s.accessors.length - 1].typeId);
}

/** Field relocation value for one side (libbpf's bpf_core_calc_field_relo). */
function fieldValue(
  kind: CoreReloKind,
  s: AccessSpec | undefined,
  insn: number,
): { val: bigint; size: number; typeId: number; validate: boolean } {
  if (kind === 'field_exists') return { val: s ? 1n : 0n, size: 0, typeId: 0, validate: true };
  if (!s) throw POISON;
  const spec = s.spec;
  const acc = s.accessors[s.accessors.length - 1];
  const size = (id: number): number => {
    try {
      return sizeof(spec, id);
    } catch (e) {
      if (e instanceof BtfError) throw new CoreRelocationError('unresolvable', insn, `type ${id} has no size: ${e.message}`);
      throw e;
    }
  };
  if (acc.name === undefined) {
    // An array element (or the root itself): only offset and size make sense.
    if (kind === 'field_byte_offset') return { val: BigInt(s.bitOffset / 8), size: size(acc.typeId), typeId: acc.typeId, validate: true };
    if (kind === 'field_byte_size') return { val: BigInt(size(acc.typeId)), size: 0, typeId: 0, validate: true };
    throw new CoreRelocationError('bad-access-string', insn, `${kind} cannot be applied to an array element access`);
  }
  const parent = lastAccessorType(s) as Type & { kind: 'struct' | 'union' };
  const m = parent.members[acc.idx];
  const fieldTypeId = skipQualifiers(spec, m.type);
  const mt = spec.typeById(fieldTypeId);
  const bitOff = s.bitOffset;
  let bitSize = m.bitfieldSize;
  const bitfield = bitSize > 0;
  let byteSize: number;
  let byteOff: number;
  if (bitfield) {
    byteSize = 'size' in mt ? mt.size : 0;
    if (byteSize <= 0) throw new CoreRelocationError('unresolvable', insn, `bitfield type ${fieldTypeId} has no size`);
    byteOff = Math.floor(bitOff / 8 / byteSize) * byteSize;
    while (bitOff + bitSize - byteOff * 8 > byteSize * 8) {
      if (byteSize >= 8) throw new CoreRelocationError('unresolvable', insn, 'bitfield cannot be read with a 64-bit load');
      byteSize *= 2;
      byteOff = Math.floor(bitOff / 8 / byteSize) * byteSize;
    }
  } else {
    byteSize = size(fieldTypeId);
    byteOff = Math.floor(bitOff / 8);
    bitSize = byteSize * 8;
  }
  switch (kind) {
    case 'field_byte_offset':
      return { val: BigInt(byteOff), size: bitfield ? 0 : byteSize, typeId: bitfield ? 0 : fieldTypeId, validate: !bitfield };
    case 'field_byte_size':
      return { val: BigInt(byteSize), size: 0, typeId: 0, validate: !bitfield };
    case 'field_signed': {
      const signed = (isAnyEnum(mt) && mt.signed) || (mt.kind === 'int' && mt.encoding === 'signed');
      return { val: signed ? 1n : 0n, size: 0, typeId: 0, validate: true };
    }
    case 'field_lshift_u64':
      return { val: BigInt(64 - (bitOff + bitSize - byteOff * 8)), size: 0, typeId: 0, validate: !bitfield };
    case 'field_rshift_u64':
      return { val: BigInt(64 - bitSize), size: 0, typeId: 0, validate: true };
    default:
      throw new CoreRelocationError('bad-access-string', insn, `${kind} is not a field relocation`);
  }
}

function typeValue(kind: CoreReloKind, s: AccessSpec | undefined, insn: number): bigint {
  if (!s) return 0n;
  switch (kind) {
    case 'type_id_target':
      return BigInt(s.rootTypeId);
    case 'type_exists':
    case 'type_matches':
      return 1n;
    case 'type_size':
      try {
        return BigInt(sizeof(s.spec, s.rootTypeId));
      } catch (e) {
        if (e instanceof BtfError) throw new CoreRelocationError('unresolvable', insn, `type ${s.rootTypeId} has no size`);
        throw e;
      }
    default:
      throw new CoreRelocationError('bad-access-string', insn, `${kind} is not a type relocation`);
  }
}

function enumValue(kind: CoreReloKind, s: AccessSpec | undefined): bigint {
  if (kind === 'enumval_exists') return s ? 1n : 0n;
  if (!s) throw POISON;
  const t = s.spec.typeById(s.accessors[0].typeId);
  if (!isAnyEnum(t)) throw POISON;
  const v = t.values[s.accessors[0].idx].value;
  return BigInt.asUintN(64, typeof v === 'bigint' ? v : BigInt(v));
}

/** Computes local and target values for one candidate (or none): libbpf's bpf_core_calc_relo. */
function calc(kind: CoreReloKind, local: AccessSpec, target: AccessSpec | undefined, insn: number): RawResult {
  const r: RawResult = { orig: 0n, next: 0n, poison: false, validate: true, origSize: 0, newSize: 0, origTypeId: 0, newTypeId: 0, failMemSizeAdjust: false };
  try {
    switch (reloClass(kind)) {
      case 'field': {
        const l = fieldValue(kind, local, insn);
        r.orig = l.val;
        r.origSize = l.size;
        r.origTypeId = l.typeId;
        r.validate = l.validate;
        const t = fieldValue(kind, target, insn);
        r.next = t.val;
        r.newSize = t.size;
        r.newTypeId = t.typeId;
        if (r.origSize !== r.newSize && target) {
          const ot = local.spec.typeById(r.origTypeId);
          const nt = target.spec.typeById(r.newTypeId);
          const safe =
            (ot.kind === 'ptr' && nt.kind === 'ptr') ||
            (ot.kind === 'int' && nt.kind === 'int' && ot.encoding !== 'signed' && nt.encoding !== 'signed');
          r.failMemSizeAdjust = !safe;
        }
        break;
      }
      case 'type':
        r.orig = typeValue(kind, local, insn);
        r.validate = kind !== 'type_id_target';
        r.next = typeValue(kind, target, insn);
        break;
      case 'enumval':
        r.orig = enumValue(kind, local);
        r.next = enumValue(kind, target);
        break;
    }
  } catch (e) {
    if (e !== POISON) throw e;
    r.poison = true;
  }
  return r;
}

function describe(kind: CoreReloKind, local: Spec, typeId: number, accessStr: string): string {
  const t = local.typeById(typeId);
  const label = t.kind === 'struct' || t.kind === 'union' || t.kind === 'enum' || t.kind === 'fwd' ? `${t.kind === 'fwd' ? t.fwdKind : t.kind} ${t.name || '<anon>'}` : `${t.kind} ${t.name || '<anon>'}`;
  return `${kind} ${label} (${accessStr})`;
}

/**
 * Resolves CO-RE relocations of an object against target BTF and returns one fixup per
 * relocation, in input order.
 *
 * `target` is the kernel's spec, or a list whose first entry is vmlinux followed by module specs
 * (searched only when vmlinux has no candidate, as libbpf does).
 *
 * @throws {CoreRelocationError} if a relocation is malformed (bad access string, anonymous root
 * type), candidates disagree (`ambiguous`), or a needed size cannot be computed.
 * @example
 * const fixups = computeCoreFixups(objSpec, loadKernelSpec(), ext.coreRelos.get('kprobe/x') ?? []);
 * for (const f of fixups) applyCoreFixup(insns.subarray(f.insnByteOffset), f);
 */
export function computeCoreFixups(local: Spec, target: Spec | readonly Spec[], relos: readonly CoreRelo[], opts: CoreOptions = {}): CoreFixup[] {
  const targets = Array.isArray(target) ? (target as readonly Spec[]) : [target as Spec];
  const cache = new Map<number, Candidate[]>();
  return relos.map((relo, i) => {
    try {
      return computeOne(local, targets, relo, i, cache);
    } catch (e) {
      if (e instanceof CoreRelocationError) {
        const ctx = opts.context ? `${opts.context}: ` : '';
        const where = `btf: core: ${ctx}relocation #${i} (${describeSafe(relo, local)}, insn ${relo.insnByteOffset / 8})`;
        throw new CoreRelocationError(e.reason, relo.insnByteOffset, `${where}: ${e.message.replace(/^btf: core: /, '')}`);
      }
      throw e;
    }
  });
}

function describeSafe(relo: CoreRelo, local: Spec): string {
  try {
    return describe(relo.kind, local, relo.typeId, relo.accessStr);
  } catch {
    return `${relo.kind} type ${relo.typeId} (${relo.accessStr})`;
  }
}

function computeOne(local: Spec, targets: readonly Spec[], relo: CoreRelo, reloIndex: number, cache: Map<number, Candidate[]>): CoreFixup {
  const insn = relo.insnByteOffset;
  const wrap = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof BtfError && !(e instanceof CoreRelocationError)) {
        throw new CoreRelocationError('unresolvable', insn, e.message);
      }
      throw e;
    }
  };
  if (!local.hasType(relo.typeId)) {
    throw new CoreRelocationError('bad-type-id', insn, `local type id ${relo.typeId} out of range (have ${local.typeCount} types)`);
  }
  const localSpec = wrap(() => parseAccessSpec(local, relo.typeId, relo.accessStr, relo.kind, insn));
  const base: Omit<CoreFixup, 'localValue' | 'targetValue' | 'poison' | 'validate' | 'localSize' | 'targetSize' | 'failMemSizeAdjust' | 'targetTypeId' | 'targetIndex'> = {
    reloIndex,
    insnByteOffset: insn,
    kind: relo.kind,
    localTypeId: relo.typeId,
    accessStr: relo.accessStr,
    description: describeSafe(relo, local),
  };
  if (relo.kind === 'type_id_local') {
    const id = BigInt(relo.typeId);
    return { ...base, localValue: id, targetValue: id, poison: false, validate: false, localSize: 0, targetSize: 0, failMemSizeAdjust: false, targetTypeId: 0, targetIndex: -1 };
  }
  const localType = local.typeById(relo.typeId);
  if (localType.name === '') {
    throw new CoreRelocationError('anonymous-type', insn, `${relo.kind} relocations of anonymous types are not supported`);
  }
  let cands = cache.get(relo.typeId);
  if (!cands) {
    cands = wrap(() => findCandidates(localType, targets));
    cache.set(relo.typeId, cands);
  }
  let result: RawResult | undefined;
  let matched: AccessSpec | undefined;
  let matchedCand: Candidate | undefined;
  const budget = new Budget(insn);
  for (const cand of cands) {
    const ts = wrap(() => matchAccessSpec(localSpec, relo.kind, cand.spec, cand.id, budget, insn));
    if (!ts) continue;
    const r = wrap(() => calc(relo.kind, localSpec, ts, insn));
    if (!result || !matched) {
      result = r;
      matched = ts;
      matchedCand = cand;
    } else if (ts.bitOffset !== matched.bitOffset) {
      throw new CoreRelocationError('ambiguous', insn, `field offset ambiguity: candidates [${matchedCand!.id}] and [${cand.id}] give bit offsets ${matched.bitOffset} and ${ts.bitOffset}`);
    } else if (r.poison !== result.poison || r.next !== result.next) {
      throw new CoreRelocationError('ambiguous', insn, `relocation decision ambiguity: candidates [${matchedCand!.id}] and [${cand.id}] give ${result.next} and ${r.next}`);
    }
  }
  if (!result) result = wrap(() => calc(relo.kind, localSpec, undefined, insn));
  return {
    ...base,
    localValue: result.orig,
    targetValue: result.next,
    poison: result.poison,
    validate: result.validate,
    localSize: result.origSize,
    targetSize: result.newSize,
    failMemSizeAdjust: result.failMemSizeAdjust,
    targetTypeId: matchedCand?.id ?? 0,
    targetIndex: matchedCand?.index ?? -1,
  };
}
