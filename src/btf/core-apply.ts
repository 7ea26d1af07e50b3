/**
 * Applying CO-RE fixups to raw BPF instructions (8 bytes each, 16 for `ld_imm64`), without
 * depending on src/asm: the same checks and rewrites as libbpf's `bpf_core_patch_insn`.
 */
import type { CoreFixup } from './core.js';
import { CoreRelocationError } from './errors.js';

/** The helper id a poisoned instruction calls: the verifier reports "invalid func unknown#195896080". */
export const CORE_POISON_HELPER = 0xbad2310;

const BPF_LD = 0x00;
const BPF_LDX = 0x01;
const BPF_ST = 0x02;
const BPF_STX = 0x03;
const BPF_ALU = 0x04;
const BPF_ALU64 = 0x07;
const BPF_X = 0x08;
const LD_IMM64 = 0x18; // BPF_LD | BPF_IMM | BPF_DW
const CALL = 0x85; // BPF_JMP | BPF_CALL

const SIZE_BYTES: Record<number, number> = { 0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8 };
const SIZE_CODE: Record<number, number> = { 4: 0x00, 2: 0x08, 1: 0x10, 8: 0x18 };

function poisonAt(v: DataView, at: number): void {
  v.setUint8(at, CALL);
  v.setUint8(at + 1, 0);
  v.setInt16(at + 2, 0, true);
  v.setInt32(at + 4, CORE_POISON_HELPER, true);
}

/**
 * Patches the instruction at the start of `insn` (a view of at least 8 bytes, 16 for
 * `ld_imm64`) with `fixup`:
 *
 * - poisoned fixups turn the instruction (both halves of an `ld_imm64`) into
 *   `call 0xbad2310`;
 * - ALU/ALU64 with an immediate get `imm`, loads/stores get `off` (and their size adjusted when
 *   the field's size differs and that is safe), `ld_imm64` gets the 64-bit immediate;
 * - when `fixup.validate` is set, the current value must equal `fixup.localValue` first.
 *
 * @throws {CoreRelocationError} `bad-instruction` if the instruction cannot carry the
 * relocation, `unexpected-value` if validation fails, `value-too-big` if an offset exceeds 32767.
 */
export function applyCoreFixup(insn: Uint8Array, fixup: CoreFixup): void {
  const at = fixup.insnByteOffset;
  const fail = (reason: 'bad-instruction' | 'unexpected-value' | 'value-too-big', msg: string): CoreRelocationError =>
    new CoreRelocationError(reason, at, `btf: core: apply relocation #${fixup.reloIndex} (${fixup.description}) to insn ${at / 8}: ${msg}`);
  if (insn.length < 8) throw fail('bad-instruction', `need 8 bytes, got ${insn.length}`);
  const v = new DataView(insn.buffer, insn.byteOffset, insn.byteLength);
  const code = v.getUint8(0);
  const isLdImm64 = code === LD_IMM64;
  if (isLdImm64 && insn.length < 16) throw fail('bad-instruction', 'ld_imm64 needs 16 bytes');
  if (fixup.poison) {
    if (isLdImm64) poisonAt(v, 8);
    poisonAt(v, 0);
    return;
  }
  const orig = fixup.localValue;
  const next = fixup.targetValue;
  switch (code & 0x07) {
    case BPF_ALU:
    case BPF_ALU64: {
      if ((code & BPF_X) !== 0) throw fail('bad-instruction', `ALU instruction 0x${code.toString(16)} has no immediate`);
      const imm = v.getInt32(4, true);
      if (fixup.validate && BigInt.asUintN(64, BigInt(imm)) !== orig) {
        throw fail('unexpected-value', `ALU immediate is ${imm}, expected ${orig} (-> ${next})`);
      }
      v.setInt32(4, Number(BigInt.asIntN(32, next)), true);
      return;
    }
    case BPF_LDX:
    case BPF_ST:
    case BPF_STX: {
      const off = v.getInt16(2, true);
      if (fixup.validate && BigInt.asUintN(64, BigInt(off)) !== orig) {
        throw fail('unexpected-value', `memory offset is ${off}, expected ${orig} (-> ${next})`);
      }
      if (next > 0x7fffn) throw fail('value-too-big', `offset ${next} does not fit in 16 bits`);
      if (fixup.failMemSizeAdjust) {
        // Reading a field whose size changed in a way a load cannot absorb: poison, as libbpf does.
        poisonAt(v, 0);
        return;
      }
      v.setInt16(2, Number(next), true);
      if (fixup.targetSize !== fixup.localSize) {
        const bytes = SIZE_BYTES[code & 0x18];
        if (bytes !== fixup.localSize) throw fail('unexpected-value', `memory access size is ${bytes}, expected ${fixup.localSize}`);
        const sizeCode = SIZE_CODE[fixup.targetSize];
        if (sizeCode === undefined) throw fail('bad-instruction', `invalid new memory access size ${fixup.targetSize}`);
        v.setUint8(0, (code & 0xe7) | sizeCode);
      }
      return;
    }
    case BPF_LD: {
      if (!isLdImm64 || (v.getUint8(1) & 0xf0) !== 0 || v.getInt16(2, true) !== 0 || v.getUint8(8) !== 0 || v.getUint8(9) !== 0 || v.getInt16(10, true) !== 0) {
        throw fail('bad-instruction', 'ld_imm64 has an unexpected form');
      }
      const imm = BigInt(v.getUint32(4, true)) | (BigInt(v.getUint32(12, true)) << 32n);
      if (fixup.validate && imm !== orig) throw fail('unexpected-value', `ld_imm64 immediate is ${imm}, expected ${orig} (-> ${next})`);
      const u = BigInt.asUintN(64, next);
      v.setUint32(4, Number(u & 0xffffffffn), true);
      v.setUint32(12, Number(u >> 32n), true);
      return;
    }
    default:
      throw fail('bad-instruction', `instruction class of opcode 0x${code.toString(16)} cannot be relocated`);
  }
}

/**
 * Applies every fixup to the instructions of one ELF section, `insns`, at each fixup's
 * `insnByteOffset`.
 *
 * @throws {CoreRelocationError} as {@link applyCoreFixup}, or `bad-instruction` if an offset lies
 * outside `insns`.
 */
export function applyCoreFixups(insns: Uint8Array, fixups: readonly CoreFixup[]): void {
  for (const f of fixups) {
    if (f.insnByteOffset % 8 !== 0 || f.insnByteOffset + 8 > insns.length) {
      throw new CoreRelocationError('bad-instruction', f.insnByteOffset, `btf: core: relocation #${f.reloIndex}: instruction offset ${f.insnByteOffset} outside the section (${insns.length} bytes)`);
    }
    applyCoreFixup(insns.subarray(f.insnByteOffset), f);
  }
}
