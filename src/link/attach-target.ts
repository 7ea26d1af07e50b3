/**
 * resolveAttachTarget: the BTF id (and, for a kernel module, the BTF object) that fentry, fexit,
 * fmod_ret, tp_btf, lsm and iter programs must be loaded with (`attach_btf_id`,
 * `attach_btf_obj_fd`).
 */
import { readdirSync } from 'node:fs';
import { Cmd, AttachTypeId } from '../sys/enums.gen.js';
import { GetIdAttr, BtfInfo as BtfInfoLayout } from '../sys/attrs.js';
import { native } from '../sys/native.js';
import { objInfo } from '../sys/syscall.js';
import { Fd } from '../sys/fd.js';
import { ProgramType, programTypeName } from '../types.js';
import { KERNEL_BTF_DIR, loadKernelSpec, loadModuleSpec, type Spec, type TypeKind } from '../btf/index.js';
import { AttachTargetNotFoundError } from './errors.js';
import { shortAttachTypeName } from './program.js';

/** Where a program's attach target lives in kernel BTF. */
export interface AttachTarget {
  /** The BTF type id to load the program with (`attach_btf_id`). */
  btfId: number;
  /** The BTF type the program attaches to, e.g. `func do_unlinkat`, `typedef btf_trace_sched_switch`. */
  typeName: string;
  /** The kernel module holding the target, undefined for vmlinux. */
  module?: string;
  /**
   * For a target in a module: an fd of that module's BTF object, to load the program with
   * (`attach_btf_obj_fd`). The caller owns it and closes it after the load.
   */
  btfObjFd?: Fd;
}

/** Options of {@link resolveAttachTarget}. */
export interface ResolveAttachTargetOptions {
  /** The vmlinux BTF to search (default: /sys/kernel/btf/vmlinux, read once per process). */
  kernelBtf?: Spec;
  /** Also search loaded modules' BTF when vmlinux lacks the target (default true). */
  modules?: boolean;
}

/** The BTF name and kind that a program of this attach type targets for `name`. */
export function attachTargetBtfName(attachType: number, name: string): { name: string; kind: TypeKind } {
  switch (attachType) {
    case AttachTypeId.BPF_TRACE_RAW_TP:
      return { name: `btf_trace_${name}`, kind: 'typedef' };
    case AttachTypeId.BPF_LSM_MAC:
    case AttachTypeId.BPF_LSM_CGROUP:
      return { name: `bpf_lsm_${name}`, kind: 'func' };
    case AttachTypeId.BPF_TRACE_ITER:
      return { name: `bpf_iter_${name}`, kind: 'func' };
    default:
      return { name, kind: 'func' };
  }
}

const BTF_ATTACH = new Set<number>([
  AttachTypeId.BPF_TRACE_RAW_TP,
  AttachTypeId.BPF_TRACE_FENTRY,
  AttachTypeId.BPF_TRACE_FEXIT,
  AttachTypeId.BPF_MODIFY_RETURN,
  AttachTypeId.BPF_TRACE_ITER,
  AttachTypeId.BPF_LSM_MAC,
  AttachTypeId.BPF_LSM_CGROUP,
]);

/**
 * Finds the kernel BTF type a tracing, LSM or iterator program attaches to: `fentry/do_unlinkat`
 * → `func do_unlinkat`; tp_btf `sched_switch` → `typedef btf_trace_sched_switch`; lsm
 * `file_open` → `func bpf_lsm_file_open`; iter `bpf_map` → `func bpf_iter_bpf_map`. Searches
 * vmlinux, then the BTF of loaded modules.
 *
 * @example
 * const t = resolveAttachTarget(ProgramType.Tracing, AttachType.TRACE_FENTRY, 'do_unlinkat');
 * try { prog = Program.load({ ...spec, attachBtfId: t.btfId, attachBtfObjFd: t.btfObjFd?.raw() }); } finally { t.btfObjFd?.close(); }
 * @throws {TypeError} for a program type or attach type that has no BTF target (freplace needs a target program).
 * @throws {AttachTargetNotFoundError} when neither vmlinux nor a module has the target.
 * @throws {KernelBtfNotFoundError} when the kernel has no BTF.
 */
export function resolveAttachTarget(progType: number, attachType: number, name: string, opts: ResolveAttachTargetOptions = {}): AttachTarget {
  const context = `attach target ${name}`;
  if (typeof name !== 'string' || name === '') throw new TypeError(`${context}: name must be a non-empty string`);
  if (progType !== ProgramType.Tracing && progType !== ProgramType.LSM) {
    throw new TypeError(`${context}: ${programTypeName(progType)} programs have no kernel BTF attach target (freplace targets a program's BTF)`);
  }
  if (!BTF_ATTACH.has(attachType)) throw new TypeError(`${context}: attach type ${shortAttachTypeName(attachType)} has no BTF target`);
  const want = attachTargetBtfName(attachType, name);
  const vmlinux = opts.kernelBtf ?? loadKernelSpec();
  const t = vmlinux.anyTypeByName(want.name, want.kind);
  if (t) return { btfId: t.id, typeName: `${want.kind} ${want.name}` };
  if (opts.modules !== false) {
    for (const mod of moduleNames()) {
      let spec: Spec;
      try {
        spec = loadModuleSpec(mod);
      } catch {
        continue;
      }
      const own = spec.typesByName(want.name).find((x) => x.kind === want.kind && x.id >= vmlinux.typeCount);
      if (own) {
        return { btfId: own.id, typeName: `${want.kind} ${want.name}`, module: mod, btfObjFd: openModuleBtf(mod, context) };
      }
    }
  }
  throw new AttachTargetNotFoundError(`${want.kind} ${want.name}`, `${context}: ${want.kind} ${want.name} not found in kernel BTF (vmlinux or loaded modules)`);
}

function moduleNames(): string[] {
  try {
    return readdirSync(KERNEL_BTF_DIR).filter((n) => n !== 'vmlinux');
  } catch {
    return [];
  }
}

/**
 * Opens the BTF object of kernel module `mod` by walking BTF ids (BPF_BTF_GET_NEXT_ID,
 * BPF_BTF_GET_FD_BY_ID) and matching the name the kernel reports.
 * @throws {AttachTargetNotFoundError} when no loaded BTF object has that name.
 */
export function openModuleBtf(mod: string, context: string): Fd {
  const a = native();
  const idAttr = new Uint8Array(GetIdAttr.size);
  const view = new DataView(idAttr.buffer);
  let id = 0;
  for (let guard = 0; guard < 1 << 20; guard++) {
    idAttr.fill(0);
    view.setUint32(0, id, true);
    if (a.bpfRet(Cmd.BPF_BTF_GET_NEXT_ID, idAttr) < 0) break;
    id = view.getUint32(4, true);
    const get = GetIdAttr.encode({ id });
    const raw = a.bpfRet(Cmd.BPF_BTF_GET_FD_BY_ID, get.bytes);
    if (raw < 0) continue;
    const fd = Fd.own(raw);
    try {
      const nameBuf = new Uint8Array(64);
      const info = objInfo(raw, BtfInfoLayout.encode({ name_len: nameBuf.length, name: nameBuf }), `btf id ${id}`);
      const end = nameBuf.indexOf(0);
      const name = Buffer.from(nameBuf.subarray(0, end < 0 ? nameBuf.length : end)).toString('utf8');
      if (BtfInfoLayout.u32(info, 'kernel_btf') && name === mod) return fd;
    } catch {
      // Not readable: skip it.
    }
    fd.close();
  }
  throw new AttachTargetNotFoundError(`btf ${mod}`, `${context}: no loaded BTF object for module ${mod}`);
}
