/**
 * The type-compatibility rules of CO-RE, as libbpf defines them (tools/lib/bpf/relo_core.c):
 * which target types are candidates for a local type, when two member types are compatible,
 * and when two types "match" for `bpf_core_type_matches`.
 *
 * All walks are bounded: reference chains by a depth limit and the total work of one comparison
 * by a step budget, so hostile BTF cannot make them loop or explode.
 */
import { CoreRelocationError } from './errors.js';
import { MAX_RESOLVE_DEPTH, skipQualifiers } from './layout.js';
import { essentialName } from './name-index.js';
import type { Spec } from './spec.js';
import { isAnyEnum, type Type } from './types.js';

export { essentialName };

/** Recursion levels allowed for nested function prototypes and composites (libbpf: 32). */
export const CORE_MAX_LEVEL = 32;

/** Work budget of one comparison, in visited type pairs. */
const STEP_BUDGET = 200_000;

/** Counts work done by a comparison and throws when it exceeds the budget. */
export class Budget {
  #steps = 0;
  constructor(readonly insnByteOffset: number) {}
  step(): void {
    if (++this.#steps > STEP_BUDGET) {
      throw new CoreRelocationError('too-complex', this.insnByteOffset, 'btf: core: type comparison too complex (cyclic or hostile BTF?)');
    }
  }
}

/** Same kind, or both enums (enum and enum64 are interchangeable for CO-RE). */
export function coreKindCompat(a: Type, b: Type): boolean {
  return a.kind === b.kind || (isAnyEnum(a) && isAnyEnum(b));
}

function resolve(spec: Spec, id: number): Type {
  return spec.typeById(skipQualifiers(spec, id));
}

function tooDeep(budget: Budget): CoreRelocationError {
  return new CoreRelocationError('too-complex', budget.insnByteOffset, 'btf: core: type reference chain too deep (cycle?)');
}

/**
 * Whether two types are compatible for type-based relocations (`bpf_core_type_exists`,
 * `bpf_core_type_size`, `bpf_core_type_id_kernel`): same kinds after skipping modifiers; ints
 * without bit offsets; pointers, arrays and prototypes compared recursively; names are not
 * compared below the root (the caller matched those).
 */
export function typesAreCompat(local: Spec, localId: number, target: Spec, targetId: number, budget: Budget, level = CORE_MAX_LEVEL): boolean {
  if (!coreKindCompat(local.typeById(localId), target.typeById(targetId))) return false;
  for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
    budget.step();
    const l = resolve(local, localId);
    const t = resolve(target, targetId);
    if (!coreKindCompat(l, t)) return false;
    switch (l.kind) {
      case 'void':
      case 'struct':
      case 'union':
      case 'enum':
      case 'enum64':
      case 'fwd':
        return true;
      case 'int':
        return t.kind === 'int' && l.offset === 0 && t.offset === 0;
      case 'ptr':
        localId = l.type;
        targetId = (t as typeof l).type;
        break;
      case 'array':
        localId = l.type;
        targetId = (t as typeof l).type;
        break;
      case 'func_proto': {
        if (t.kind !== 'func_proto' || l.params.length !== t.params.length || l.variadic !== t.variadic) return false;
        for (let i = 0; i < l.params.length; i++) {
          if (level <= 0) throw tooDeep(budget);
          if (!typesAreCompat(local, skipQualifiers(local, l.params[i].type), target, skipQualifiers(target, t.params[i].type), budget, level - 1)) return false;
        }
        localId = skipQualifiers(local, l.returnType);
        targetId = skipQualifiers(target, t.returnType);
        break;
      }
      default:
        return false;
    }
  }
  throw tooDeep(budget);
}

/**
 * Whether the type of a local member is compatible with the type of the target member of the
 * same name: any two structs/unions; pointers; floats; enums and fwds with the same essential
 * name (or one anonymous); ints without bit offsets; arrays by element type.
 */
export function fieldsAreCompat(local: Spec, localId: number, target: Spec, targetId: number, budget: Budget): boolean {
  for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
    budget.step();
    const l = resolve(local, localId);
    const t = resolve(target, targetId);
    const lc = l.kind === 'struct' || l.kind === 'union';
    const tc = t.kind === 'struct' || t.kind === 'union';
    if (lc && tc) return true;
    if (!coreKindCompat(l, t)) return false;
    switch (l.kind) {
      case 'ptr':
      case 'float':
        return true;
      case 'fwd':
      case 'enum':
      case 'enum64': {
        const ln = essentialName(l.name);
        const tn = essentialName(t.name);
        return ln === '' || tn === '' || ln === tn;
      }
      case 'int':
        return t.kind === 'int' && l.offset === 0 && t.offset === 0;
      case 'array':
        localId = l.type;
        targetId = (t as typeof l).type;
        break;
      default:
        return false;
    }
  }
  throw tooDeep(budget);
}

/** Whether two names are equal ignoring flavors; an anonymous target only matches anonymous. */
export function namesMatch(localName: string, targetName: string): boolean {
  if (targetName === '') return localName === '';
  return essentialName(localName) === essentialName(targetName);
}

/**
 * Whether local and target types "match" (`bpf_core_type_matches`): stricter than
 * {@link typesAreCompat}. Names must match at every level; ints need equal size and
 * signedness; enums need equal size and every local enumerator name in the target; structs and
 * unions need every local member (by name) with a matching type, except behind a pointer where
 * names and kinds suffice (a struct behind a pointer also matches a fwd of the same kind);
 * arrays need equal lengths; prototypes equal parameter counts.
 */
export function typesMatch(
  local: Spec,
  localId: number,
  target: Spec,
  targetId: number,
  budget: Budget,
  behindPtr = false,
  level = CORE_MAX_LEVEL,
): boolean {
  if (level <= 0) throw tooDeep(budget);
  for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
    budget.step();
    const l = resolve(local, localId);
    const t = resolve(target, targetId);
    if (!namesMatch(l.name, t.name)) return false;
    switch (l.kind) {
      case 'void':
        return t.kind === 'void';
      case 'fwd': {
        const lUnion = l.fwdKind === 'union';
        if (t.kind === 'fwd') return lUnion === (t.fwdKind === 'union');
        if (!behindPtr) return false;
        return (t.kind === 'struct' && !lUnion) || (t.kind === 'union' && lUnion);
      }
      case 'enum':
      case 'enum64':
        return isAnyEnum(t) && enumsMatch(l, t);
      case 'struct':
      case 'union':
        if (behindPtr) {
          if (t.kind === l.kind) return true;
          return t.kind === 'fwd' && (l.kind === 'union') === (t.fwdKind === 'union');
        }
        if (t.kind !== l.kind) return false;
        return compositesMatch(local, l, target, t, budget, behindPtr, level);
      case 'int': {
        if (t.kind !== 'int') return false;
        return l.size === t.size && (l.encoding === 'signed') === (t.encoding === 'signed');
      }
      case 'ptr':
        if (t.kind !== 'ptr') return false;
        behindPtr = true;
        localId = l.type;
        targetId = t.type;
        break;
      case 'array':
        if (t.kind !== 'array' || l.nelems !== t.nelems) return false;
        localId = l.type;
        targetId = t.type;
        break;
      case 'func_proto': {
        if (t.kind !== 'func_proto') return false;
        if (l.params.length !== t.params.length || l.variadic !== t.variadic) return false;
        for (let i = 0; i < l.params.length; i++) {
          if (!typesMatch(local, l.params[i].type, target, t.params[i].type, budget, behindPtr, level - 1)) return false;
        }
        localId = l.returnType;
        targetId = t.returnType;
        break;
      }
      default:
        return false;
    }
  }
  throw tooDeep(budget);
}

function enumsMatch(l: Type & { kind: 'enum' | 'enum64' }, t: Type & { kind: 'enum' | 'enum64' }): boolean {
  if (l.size !== t.size || l.values.length > t.values.length) return false;
  return l.values.every((lv) => t.values.some((tv) => namesMatch(lv.name, tv.name)));
}

function compositesMatch(
  local: Spec,
  l: Type & { kind: 'struct' | 'union' },
  target: Spec,
  t: Type & { kind: 'struct' | 'union' },
  budget: Budget,
  behindPtr: boolean,
  level: number,
): boolean {
  if (l.members.length > t.members.length) return false;
  for (const lm of l.members) {
    let found = false;
    for (const tm of t.members) {
      budget.step();
      if (!namesMatch(lm.name, tm.name)) continue;
      if (typesMatch(local, lm.type, target, tm.type, budget, behindPtr, level - 1)) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}
