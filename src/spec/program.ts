/**
 * ProgramSpec: the plain-data description of one BPF program (instructions with symbolic
 * references, BTF func/line info, CO-RE relocations), and the encoders of its BTF records for
 * BPF_PROG_LOAD. No fds, no kernel state.
 */
import type { Instruction } from '../asm/index.js';
import type { CoreReloKind } from '../btf/index.js';
import type { ProgramType } from '../types.js';

/**
 * One `bpf_func_info` record for BPF_PROG_LOAD: where a function starts and its BTF FUNC type.
 *
 * Encoded as `{ u32 insn_off; u32 type_id; }` (8 bytes), `insn_off` in 8-byte instruction slots.
 */
export interface FuncInfo {
  /** First slot of the function within the program's final instruction list. */
  insnOff: number;
  /** BTF id of the FUNC type in the object's BTF. */
  typeId: number;
}

/**
 * One `bpf_line_info` record for BPF_PROG_LOAD: the source line of an instruction.
 *
 * Encoded as `{ u32 insn_off; u32 file_name_off; u32 line_off; u32 line_col; }` (16 bytes).
 * The string offsets point into the string section of {@link CollectionSpec.btfBytes}.
 */
export interface LineInfo {
  /** Slot within the program's final instruction list. */
  insnOff: number;
  /** Offset of the file name in the BTF string section. */
  fileNameOff: number;
  /** Offset of the source line text in the BTF string section. */
  lineOff: number;
  /** `line << 10 | column`. */
  lineCol: number;
}

/**
 * One CO-RE relocation of a program (`struct bpf_core_relo` from `.BTF.ext`), rebased onto the
 * program's final instruction list.
 */
export interface CoreRelocation {
  /** Byte offset of the instruction within the program's final instruction list (as the kernel's `insn_off`). */
  insnOff: number;
  /** Index of the instruction in {@link ProgramSpec.instructions}. */
  insnIndex: number;
  /** BTF id of the root type in the object's BTF. */
  typeId: number;
  /** The access string, e.g. `0:1` (member indexes) or `0` (type-based relocations). */
  accessStr: string;
  /** What to compute (`enum bpf_core_relo_kind`), e.g. `field_byte_offset`, `field_exists`. */
  kind: CoreReloKind;
}

/**
 * A program as plain data: what `Program.load` needs, from a {@link CollectionSpec} (the ELF
 * reader fills every field) or written by hand (e.g. instructions from the Assembler, with only
 * `name`, `type`, `instructions` and `license`).
 *
 * Fields marked *ELF* come from the object file; the others may be given by hand.
 */
export interface ProgramSpec {
  /** The program's name (the C function name); the kernel keeps the first 15 characters. */
  name: string;
  /** Program type (`enum bpf_prog_type`: `ProgramType.SocketFilter`, ...), from the section name in an object. */
  type: ProgramType | number;
  /**
   * The instructions: in an object, the program's own followed by every subprogram it calls
   * (transitively, once each).
   *
   * bpf-to-bpf calls (`src` BPF_PSEUDO_CALL) and function references (`ld_imm64`, `src`
   * BPF_PSEUDO_FUNC) already hold their final relative `imm`, and name their target in
   * `reference`. Map loads (`src` BPF_PSEUDO_MAP_FD, or BPF_PSEUDO_MAP_VALUE with the value
   * offset in `immHi`) name the map in `reference`; the loader puts the map fd in `imm`.
   * Kfunc calls (`src` BPF_PSEUDO_KFUNC_CALL) and kernel variable loads (`src`
   * BPF_PSEUDO_BTF_ID) name the kernel symbol: see {@link CollectionSpec.externs}.
   */
  instructions: readonly Instruction[];
  /** License string (the object's `license` section); kfuncs and many helpers need a GPL-compatible one (`GPL`, `Dual BSD/GPL`). */
  license: string;
  /** `expected_attach_type` (`enum bpf_attach_type`), when the section name implies one. */
  expectedAttachType?: number;
  /** `prog_flags`: BPF_F_SLEEPABLE for `.s` sections and `syscall`, BPF_F_XDP_HAS_FRAGS for `xdp.frags` (default 0). */
  flags?: number;
  /** `kern_version`: the object's `version` section (default 0); only old kernels check it, for kprobes. */
  kernelVersion?: number;
  /** One `bpf_func_info` record per function in {@link instructions}, in order, for `btf`. Empty without BTF. */
  funcInfo?: readonly FuncInfo[];
  /** Source line records, sorted by slot, for `btf`. Empty without BTF. */
  lineInfo?: readonly LineInfo[];
  /** *ELF*: the section it came from, e.g. `tracepoint/syscalls/sys_enter_openat` (read by `Program.attach`). */
  sectionName?: string;
  /** *ELF*: attach target from the section name, e.g. `syscalls/sys_enter_openat` or `do_unlinkat`. */
  attachTo?: string;
  /** *ELF*: the attach target is named by BTF (fentry, fexit, tp_btf, lsm, iter, freplace): `attachTo` is resolved to `attachBtfId` in kernel BTF at load. */
  attachBtf?: boolean;
  /** *ELF*: CO-RE relocations the loader applies against the kernel's BTF before loading (needs the object's BTF). */
  coreRelos?: readonly CoreRelocation[];
  /** `attach_btf_id`: the BTF id of the attach target (fentry, tp_btf, lsm, iter), when not resolved from `attachTo`. */
  attachBtfId?: number;
  /** `attach_btf_obj_fd`: the BTF object holding `attachBtfId` when it is a module's (0: vmlinux). */
  attachBtfObjFd?: number;
  /** `attach_prog_fd`: the target program of a freplace (Extension) program. */
  attachProgFd?: number;
  /** The BTF that `funcInfo`/`lineInfo` refer to: a loaded `BtfObject` (anything with an `fd`) or a raw BTF fd. */
  btf?: number | { readonly fd: number };
}

/** Size of one encoded {@link FuncInfo} record (`sizeof(struct bpf_func_info)`). */
export const FUNC_INFO_SIZE = 8;
/** Size of one encoded {@link LineInfo} record (`sizeof(struct bpf_line_info)`). */
export const LINE_INFO_SIZE = 16;

/** Encodes func info records for BPF_PROG_LOAD (`func_info`, `func_info_rec_size` = 8). */
export function encodeFuncInfo(records: readonly FuncInfo[]): Uint8Array {
  const out = new Uint8Array(records.length * FUNC_INFO_SIZE);
  const v = new DataView(out.buffer);
  records.forEach((r, i) => {
    v.setUint32(i * FUNC_INFO_SIZE, r.insnOff, true);
    v.setUint32(i * FUNC_INFO_SIZE + 4, r.typeId, true);
  });
  return out;
}

/** Encodes line info records for BPF_PROG_LOAD (`line_info`, `line_info_rec_size` = 16). */
export function encodeLineInfo(records: readonly LineInfo[]): Uint8Array {
  const out = new Uint8Array(records.length * LINE_INFO_SIZE);
  const v = new DataView(out.buffer);
  records.forEach((r, i) => {
    const o = i * LINE_INFO_SIZE;
    v.setUint32(o, r.insnOff, true);
    v.setUint32(o + 4, r.fileNameOff, true);
    v.setUint32(o + 8, r.lineOff, true);
    v.setUint32(o + 12, r.lineCol, true);
  });
  return out;
}
