/**
 * Matching a struct_ops variable of an object with the running kernel's struct: the map's value
 * type (`struct bpf_struct_ops_<name>`), the value laid out as the kernel wants it with the data
 * members copied by name, and each callback's member index (the program's
 * `expected_attach_type`). Reads BTF only; no syscall.
 */
import { resolveType, sizeof, type Spec, type StructType } from '../btf/index.js';
import type { CollectionSpec, ProgramSpec, StructOpsSpec } from '../spec/index.js';
import { ProgramType } from '../types.js';
import { StructOpsError } from './struct-ops-error.js';

/** A callback slot of the kernel's value: where the program fd goes. */
export interface StructOpsValueSlot {
  /** The member's name. */
  member: string;
  /** The member's index in the kernel's struct: the program's `expected_attach_type`. */
  memberIndex: number;
  /** Byte offset of the slot in the map value (the wrapper struct). */
  valueOffset: number;
  /** The program that fills it. */
  program: string;
}

/** A struct_ops variable matched with the kernel's struct: everything needed to create its map. */
export interface StructOpsPlan {
  /** The object's variable. */
  spec: StructOpsSpec;
  /** BTF id of the kernel's struct (`struct tcp_congestion_ops`): the programs' `attach_btf_id`. */
  kernelTypeId: number;
  /** BTF id of the map value type (`struct bpf_struct_ops_tcp_congestion_ops`): `btf_vmlinux_value_type_id`. */
  valueTypeId: number;
  /** The map value with the data members copied; callback slots are zero until program fds are known. */
  value: Uint8Array;
  /** Callback slots, in member order. */
  slots: StructOpsValueSlot[];
}

/** What a struct_ops program must be loaded with, from the slot it fills. */
export interface StructOpsProgramTarget {
  /** `attach_btf_id`: the kernel struct's BTF id. */
  attachBtfId: number;
  /** `expected_attach_type`: the member index. */
  expectedAttachType: number;
  /** `<variable>.<member>`, for error messages. */
  usedBy: string;
}

/** The kernel's value struct prefix (`kernel/bpf/bpf_struct_ops.c`: `bpf_struct_ops_##_name`). */
export const VALUE_PREFIX = 'bpf_struct_ops_';

function isFunctionPointer(btf: Spec, typeId: number): boolean {
  const t = resolveType(btf, typeId);
  return t.kind === 'ptr' && resolveType(btf, t.type).kind === 'func_proto';
}

/**
 * Matches `spec` with the struct of the same name in `kernel` BTF.
 *
 * As libbpf does: data members are copied by name (their sizes must agree); a member the kernel
 * lacks is an error unless the object leaves it zero and points no program at it (so one object
 * can target kernels with and without a newer member).
 *
 * @throws {StructOpsError} naming the variable, struct and member: no such struct or value type
 *   in the kernel, an unknown member, a size or kind mismatch.
 */
export function planStructOps(spec: StructOpsSpec, kernel: Spec): StructOpsPlan {
  const fail = (member: string | undefined, reason: string): never => {
    throw new StructOpsError(spec.name, spec.typeName, member, reason);
  };
  const kstruct = kernel.typesByName(spec.typeName).find((t): t is StructType => t.kind === 'struct');
  if (!kstruct) fail(undefined, `the kernel has no struct ${spec.typeName} in its BTF (vmlinux; struct_ops types of modules are not supported)`);
  const k = kstruct!;
  const valueName = `${VALUE_PREFIX}${spec.typeName}`;
  const wrapper = kernel.typesByName(valueName).find((t): t is StructType => t.kind === 'struct');
  if (!wrapper) fail(undefined, `the kernel has no struct_ops type ${spec.typeName} (no struct ${valueName} in its BTF: not a struct_ops struct, or the subsystem is not built in)`);
  const w = wrapper!;
  const dataMember = w.members.find((m) => m.name !== '' && resolveType(kernel, m.type).id === k.id);
  if (!dataMember) fail(undefined, `struct ${valueName} has no member of type struct ${spec.typeName}`);
  const dataOffset = dataMember!.bitOffset / 8;
  if (!Number.isInteger(dataOffset) || dataOffset + k.size > w.size) fail(undefined, `struct ${valueName}: member ${dataMember!.name} does not fit its ${w.size} bytes`);

  const value = new Uint8Array(w.size);
  const kernelMember = (name: string) => {
    const index = k.members.findIndex((m) => m.name === name);
    return index < 0 ? undefined : { index, m: k.members[index] };
  };
  for (const dm of spec.dataMembers) {
    const bytes = spec.data.subarray(dm.offset, dm.offset + dm.size);
    const km = kernelMember(dm.name);
    if (!km) {
      if (bytes.every((b) => b === 0)) continue;
      fail(dm.name, `not in the kernel's struct ${spec.typeName} (leave it zero to load on this kernel)`);
    }
    const { m } = km!;
    if (m.bitfieldSize !== 0 || m.bitOffset % 8 !== 0) fail(dm.name, "a bitfield in the kernel's struct: not supported");
    if (isFunctionPointer(kernel, m.type)) fail(dm.name, "a function pointer in the kernel's struct but data in the object's");
    const ksize = sizeof(kernel, m.type);
    if (ksize !== dm.size) fail(dm.name, `size ${dm.size} in the object, ${ksize} in the kernel`);
    value.set(bytes, dataOffset + m.bitOffset / 8);
  }
  for (const name of spec.emptyFunctions) {
    const km = kernelMember(name);
    if (km && !isFunctionPointer(kernel, km.m.type)) fail(name, "a function pointer in the object's struct but data in the kernel's");
  }
  const slots: StructOpsValueSlot[] = [];
  for (const ps of spec.programs) {
    const km = kernelMember(ps.member);
    if (!km) fail(ps.member, `not in the kernel's struct ${spec.typeName} (program ${ps.program} cannot be used on this kernel)`);
    if (!isFunctionPointer(kernel, km!.m.type)) fail(ps.member, `program ${ps.program} set, but the kernel's member is not a function pointer`);
    slots.push({ member: ps.member, memberIndex: km!.index, valueOffset: dataOffset + km!.m.bitOffset / 8, program: ps.program });
  }
  return { spec, kernelTypeId: k.id, valueTypeId: w.id, value, slots };
}

/**
 * The `attach_btf_id` and `expected_attach_type` of each program used by the plans, by program
 * name. A program may fill several slots only when they agree (the same member of the same
 * struct), as the kernel checks.
 *
 * @throws {StructOpsError} for a program used in two different slots.
 */
export function structOpsProgramTargets(plans: readonly StructOpsPlan[]): Map<string, StructOpsProgramTarget> {
  const out = new Map<string, StructOpsProgramTarget>();
  for (const p of plans) {
    for (const s of p.slots) {
      const t: StructOpsProgramTarget = { attachBtfId: p.kernelTypeId, expectedAttachType: s.memberIndex, usedBy: `${p.spec.name}.${s.member}` };
      const prev = out.get(s.program);
      if (prev && (prev.attachBtfId !== t.attachBtfId || prev.expectedAttachType !== t.expectedAttachType)) {
        throw new StructOpsError(p.spec.name, p.spec.typeName, s.member, `program ${s.program} is also used by ${prev.usedBy}: a struct_ops program fills one member of one struct`);
      }
      if (!prev) out.set(s.program, t);
    }
  }
  return out;
}

/** What {@link prepareStructOps} gives the loader. */
export interface PreparedStructOps {
  /** One plan per struct_ops variable, in object order. */
  plans: StructOpsPlan[];
  /** The object's programs with struct_ops callbacks given their target; callbacks no variable uses are left out. */
  programs: Record<string, ProgramSpec>;
  /** Notes about programs left out. */
  notes: string[];
}

/**
 * Loader stage: matches every struct_ops variable of `spec` with the kernel's struct, and gives
 * each struct_ops program the `attach_btf_id` (the kernel struct) and `expected_attach_type`
 * (the member index) of the slot it fills. A struct_ops program that no variable uses cannot be
 * loaded (it has no target): it is left out, with a note, as libbpf does.
 *
 * @param kernel the kernel BTF, read only when the object has struct_ops variables
 * @throws {StructOpsError} from {@link planStructOps} and {@link structOpsProgramTargets}.
 */
export function prepareStructOps(spec: CollectionSpec, kernel: () => Spec): PreparedStructOps {
  const variables = Object.values(spec.structOps ?? {});
  const out: PreparedStructOps = { plans: [], programs: spec.programs, notes: [] };
  for (const v of variables) {
    for (const p of v.programs) {
      if (!Object.hasOwn(spec.programs, p.program)) throw new StructOpsError(v.name, v.typeName, p.member, `no program ${p.program} in the object`);
    }
  }
  const hasCallbacks = Object.values(spec.programs).some((p) => p.type === ProgramType.StructOps);
  if (variables.length === 0 && !hasCallbacks) return out;
  const k = variables.length > 0 ? kernel() : undefined;
  out.plans = variables.map((v) => planStructOps(v, k!));
  const targets = structOpsProgramTargets(out.plans);
  out.programs = {};
  for (const [name, ps] of Object.entries(spec.programs)) {
    if (ps.type !== ProgramType.StructOps) {
      out.programs[name] = ps;
      continue;
    }
    const t = targets.get(name);
    if (!t) {
      out.notes.push(`program ${name}: a struct_ops program no struct_ops variable uses: not loaded`);
      continue;
    }
    out.programs[name] = { ...ps, attachBtfId: t.attachBtfId, expectedAttachType: t.expectedAttachType };
  }
  return out;
}
