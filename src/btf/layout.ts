/**
 * Sizes, alignments and member offsets of BTF types, as clang lays them out for the x86-64 and
 * BPF targets (LP64: pointers and `long` are 8 bytes, `__int128` and 16-byte floats align to 16).
 *
 * BTF records sizes and member offsets but not alignment, so {@link alignof} infers it like
 * libbpf does: the largest member alignment, or 1 when the layout can only come from a packed
 * struct (a member off its natural alignment, a bitfield straddling its storage unit, or a size
 * that is not a multiple of the alignment).
 */
import { BtfResolveError } from './errors.js';
import type { Spec } from './spec.js';
import type { CompositeType, Member, Type } from './types.js';

/** Longest chain of typedefs, qualifiers and arrays a walk follows before it reports a cycle. */
export const MAX_RESOLVE_DEPTH = 32;

/** Longest chain of nested struct/union members {@link alignof} follows. */
export const MAX_NESTING_DEPTH = 64;

/** Size of a pointer on the targets this module lays out (x86-64 and BPF). */
export const POINTER_SIZE = 8;

/** The largest value a BTF size field can hold. */
const MAX_SIZE = 0xffffffff;

function cycle(id: number, what: string): BtfResolveError {
  return new BtfResolveError('cycle', id, `btf: ${what}: type ${id}: reference chain too deep (cycle?)`);
}

/**
 * Follows typedef, const, volatile, restrict and type_tag from `id` and returns the id of the
 * first other type (which may be `id` itself, or 0 for void).
 *
 * @throws {BtfResolveError} `cycle` after {@link MAX_RESOLVE_DEPTH} steps, `bad-type-id` on a
 * dangling id.
 */
export function skipQualifiers(spec: Spec, id: number): number {
  for (let depth = 0; depth <= MAX_RESOLVE_DEPTH; depth++) {
    const t = spec.typeById(id);
    switch (t.kind) {
      case 'typedef':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
        id = t.type;
        break;
      default:
        return id;
    }
  }
  throw cycle(id, 'skip qualifiers');
}

/** Like {@link skipQualifiers} but returns the type object. */
export function resolveType(spec: Spec, id: number): Type {
  return spec.typeById(skipQualifiers(spec, id));
}

/**
 * Returns the size in bytes of type `id`, like C's `sizeof` (for a VAR, the size of its type).
 *
 * @throws {BtfResolveError} `unsized` for void, fwd, func, func_proto and decl_tag; `cycle` for
 * reference loops; `overflow` for sizes above 4 GiB.
 */
export function sizeof(spec: Spec, id: number): number {
  let mul = 1;
  const start = id;
  for (let depth = 0; depth <= MAX_RESOLVE_DEPTH; depth++) {
    const t = spec.typeById(id);
    switch (t.kind) {
      case 'int':
      case 'enum':
      case 'enum64':
      case 'struct':
      case 'union':
      case 'float':
      case 'datasec': {
        const size = mul * t.size;
        if (size > MAX_SIZE) throw new BtfResolveError('overflow', start, `btf: sizeof: type ${start}: size ${size} too large`);
        return size;
      }
      case 'ptr': {
        const size = mul * POINTER_SIZE;
        if (size > MAX_SIZE) throw new BtfResolveError('overflow', start, `btf: sizeof: type ${start}: size ${size} too large`);
        return size;
      }
      case 'array':
        mul *= t.nelems;
        if (mul > MAX_SIZE) throw new BtfResolveError('overflow', start, `btf: sizeof: type ${start}: size too large`);
        id = t.type;
        break;
      case 'typedef':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
      case 'var':
        id = t.type;
        break;
      default:
        throw new BtfResolveError('unsized', id, `btf: sizeof: type ${id}: ${t.kind} has no size`);
    }
  }
  throw cycle(start, 'sizeof');
}

function naturalAlign(size: number): number {
  if (size <= 0 || (size & (size - 1)) !== 0) return 1;
  return Math.min(size, 16);
}

const alignCache = new WeakMap<Spec, Map<number, number>>();

/**
 * Returns the alignment in bytes of type `id`, as clang would give it on x86-64 or BPF.
 * Struct and union alignment is inferred (see the module overview) and cached per spec.
 *
 * @throws {BtfResolveError} `unsized` for void, fwd, func and func_proto; `bad-kind` for
 * datasec and decl_tag; `cycle` for loops.
 */
export function alignof(spec: Spec, id: number): number {
  return alignOf(spec, id, 0);
}

function alignOf(spec: Spec, id: number, nesting: number): number {
  if (nesting > MAX_NESTING_DEPTH) throw cycle(id, 'alignof');
  for (let depth = 0; depth <= MAX_RESOLVE_DEPTH; depth++) {
    const t = spec.typeById(id);
    switch (t.kind) {
      case 'int':
      case 'enum':
      case 'enum64':
      case 'float':
        return naturalAlign(t.size);
      case 'ptr':
        return POINTER_SIZE;
      case 'array':
      case 'typedef':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
      case 'var':
        id = t.type;
        break;
      case 'struct':
      case 'union': {
        let cache = alignCache.get(spec);
        if (!cache) alignCache.set(spec, (cache = new Map()));
        const hit = cache.get(id);
        if (hit !== undefined) return hit;
        const a = compositeAlign(spec, t, nesting);
        cache.set(id, a);
        return a;
      }
      case 'datasec':
      case 'decl_tag':
        throw new BtfResolveError('bad-kind', id, `btf: alignof: type ${id}: ${t.kind} has no alignment`);
      default:
        throw new BtfResolveError('unsized', id, `btf: alignof: type ${id}: ${t.kind} has no size`);
    }
  }
  throw cycle(id, 'alignof');
}

function compositeAlign(spec: Spec, t: CompositeType, nesting: number): number {
  let max = 1;
  let packed = false;
  for (let i = 0; i < t.members.length; i++) {
    const m = t.members[i];
    const a = alignOf(spec, m.type, nesting + 1);
    if (a > max) max = a;
    const bf = bitfieldOf(spec, m);
    if (bf.size === 0) {
      if (bf.offset % (8 * a) !== 0) packed = true;
    } else {
      const unit = 8 * a;
      if (Math.floor(bf.offset / unit) !== Math.floor((bf.offset + bf.size - 1) / unit)) packed = true;
    }
  }
  if (packed || t.size % max !== 0) return 1;
  return max;
}

/**
 * Returns true if a struct or union can only have been laid out with
 * `__attribute__((packed))`, judged from its member offsets and size.
 */
export function isPacked(spec: Spec, id: number): boolean {
  const t = spec.typeById(id);
  if (t.kind !== 'struct' && t.kind !== 'union') {
    throw new BtfResolveError('bad-kind', id, `btf: is packed: type ${id}: ${t.kind} is not a struct or union`);
  }
  if (t.members.length === 0) return false;
  let max = 1;
  for (const m of t.members) max = Math.max(max, alignof(spec, m.type));
  return alignof(spec, id) === 1 && max > 1;
}

/** Bit offset and width of a member, honouring old-style (INT-encoded) bitfields. */
function bitfieldOf(spec: Spec, m: Member): { offset: number; size: number } {
  if (m.bitfieldSize > 0) return { offset: m.bitOffset, size: m.bitfieldSize };
  const t = resolveType(spec, m.type);
  if (t.kind === 'int' && (t.offset !== 0 || t.bits !== t.size * 8)) {
    return { offset: m.bitOffset + t.offset, size: t.bits };
  }
  return { offset: m.bitOffset, size: 0 };
}

/** Where a struct/union member lives, from {@link memberLayout}. */
export interface MemberLayout {
  /** The member itself. */
  member: Member;
  /** Offset of the member's first bit from the start of the parent. */
  bitOffset: number;
  /** Width of the bitfield in bits, or 0 for an ordinary member. */
  bitfieldSize: number;
  /** `floor(bitOffset / 8)`: the member's offset in bytes (first byte holding it for bitfields). */
  byteOffset: number;
  /** True for bitfields, old-style (INT `bits` narrower than its size) or modern (`kind_flag`). */
  isBitfield: boolean;
}

/**
 * Returns the offset and bitfield information of member `index` of struct or union `id`.
 *
 * @throws {BtfResolveError} `bad-kind` if `id` is not a struct/union, `bad-index` if there is no
 * such member.
 */
export function memberLayout(spec: Spec, id: number, index: number): MemberLayout {
  const t = resolveType(spec, id);
  if (t.kind !== 'struct' && t.kind !== 'union') {
    throw new BtfResolveError('bad-kind', id, `btf: member layout: type ${id}: ${t.kind} is not a struct or union`);
  }
  const m = t.members[index];
  if (!m) throw new BtfResolveError('bad-index', id, `btf: member layout: type ${id}: no member ${index}`);
  const bf = bitfieldOf(spec, m);
  return {
    member: m,
    bitOffset: bf.offset,
    bitfieldSize: bf.size,
    byteOffset: Math.floor(bf.offset / 8),
    isBitfield: bf.size > 0,
  };
}

/** A member found by {@link findMember}, with its offset from the outer type. */
export interface FoundMember extends MemberLayout {
  /** Member indices from the outer type down through anonymous members to this one. */
  path: number[];
}

/**
 * Finds member `name` of struct/union `id`, looking inside anonymous struct/union members the way
 * C does, and returns its layout relative to `id`; undefined if there is none.
 *
 * @example
 * findMember(spec, taskStruct.id, 'pid')!.byteOffset
 */
export function findMember(spec: Spec, id: number, name: string): FoundMember | undefined {
  return find(spec, id, name, 0);
}

function find(spec: Spec, id: number, name: string, depth: number): FoundMember | undefined {
  if (depth > MAX_NESTING_DEPTH) throw cycle(id, 'find member');
  const t = resolveType(spec, id);
  if (t.kind !== 'struct' && t.kind !== 'union') {
    throw new BtfResolveError('bad-kind', id, `btf: find member: type ${id}: ${t.kind} is not a struct or union`);
  }
  for (let i = 0; i < t.members.length; i++) {
    const m = t.members[i];
    if (m.name === name) return { ...memberLayout(spec, t.id, i), path: [i] };
    if (m.name === '') {
      const inner = resolveType(spec, m.type);
      if (inner.kind !== 'struct' && inner.kind !== 'union') continue;
      const hit = find(spec, inner.id, name, depth + 1);
      if (hit) {
        const bitOffset = m.bitOffset + hit.bitOffset;
        return { ...hit, bitOffset, byteOffset: Math.floor(bitOffset / 8), path: [i, ...hit.path] };
      }
    }
  }
  return undefined;
}

/**
 * Returns the size in bytes of one element of array type `id` (after skipping qualifiers).
 *
 * @throws {BtfResolveError} `bad-kind` if `id` is not an array.
 */
export function arrayElementSize(spec: Spec, id: number): number {
  const t = resolveType(spec, id);
  if (t.kind !== 'array') throw new BtfResolveError('bad-kind', id, `btf: array element size: type ${id}: ${t.kind} is not an array`);
  return sizeof(spec, t.type);
}
