// Binary encoding of instructions: 8-byte little-endian slots, `struct bpf_insn` in
// include/uapi/linux/bpf.h:
//   byte 0: opcode, byte 1: dst (low nibble) | src (high nibble), bytes 2-3: s16 offset,
//   bytes 4-7: s32 imm. ld_imm64 takes a second slot that is all zero except its imm.

import { AsmError } from './errors.js';
import { checkFields, slotCount, type Instruction } from './instruction.js';
import { LD_IMM64 } from './opcodes.js';

/** Size of one instruction slot in bytes (`sizeof(struct bpf_insn)`). */
export const SLOT_SIZE = 8;

/**
 * Encodes instructions into little-endian bytes, ready for BPF_PROG_LOAD.
 *
 * Metadata (reference, symbol, source) is not encoded. An unresolved reference is encoded with
 * whatever imm the instruction holds.
 * @throws {AsmError} naming the instruction index if a field does not fit its encoding.
 */
export function encodeInstructions(insns: readonly Instruction[]): Uint8Array {
  const out = new Uint8Array(slotCount(insns) * SLOT_SIZE);
  encodeInto(insns, out, 0);
  return out;
}

/**
 * Encodes instructions into `out` starting at `byteOffset`; returns the offset after the last byte.
 *
 * @throws {AsmError} if a field does not fit, or `out` is too small.
 */
export function encodeInto(insns: readonly Instruction[], out: Uint8Array, byteOffset = 0): number {
  const need = slotCount(insns) * SLOT_SIZE;
  if (byteOffset < 0 || byteOffset + need > out.length) {
    throw new AsmError(`encode: need ${need} bytes at offset ${byteOffset}, buffer has ${out.length}`);
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let p = byteOffset;
  for (let i = 0; i < insns.length; i++) {
    const ins = insns[i];
    const problem = checkFields(ins);
    if (problem !== undefined) throw new AsmError(`encode: instruction ${i}: ${problem}`, { index: i });
    out[p] = ins.opcode;
    out[p + 1] = ins.dst | (ins.src << 4);
    view.setInt16(p + 2, ins.offset, true);
    view.setInt32(p + 4, ins.imm, true);
    p += SLOT_SIZE;
    if (ins.opcode === LD_IMM64) {
      view.setUint32(p, 0, true);
      view.setInt32(p + 4, ins.immHi, true);
      p += SLOT_SIZE;
    }
  }
  return p;
}

/**
 * Decodes little-endian instruction bytes; an ld_imm64 becomes one Instruction.
 *
 * Any opcode is accepted (decoding does not validate semantics), but the framing must be sound.
 * @throws {AsmError} if the length is not a multiple of 8, an ld_imm64 is truncated, or the
 * second slot of an ld_imm64 has a non-zero opcode, register or offset (the kernel rejects it).
 */
export function decodeInstructions(bytes: Uint8Array): Instruction[] {
  const len = bytes.length;
  if (len % SLOT_SIZE !== 0) {
    throw new AsmError(`decode: length ${len} is not a multiple of ${SLOT_SIZE}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Instruction[] = [];
  for (let p = 0; p < len; p += SLOT_SIZE) {
    const opcode = bytes[p];
    const regs = bytes[p + 1];
    const offset = view.getInt16(p + 2, true);
    const imm = view.getInt32(p + 4, true);
    let immHi = 0;
    if (opcode === LD_IMM64) {
      const slot = p / SLOT_SIZE;
      if (p + 2 * SLOT_SIZE > len) {
        throw new AsmError(`decode: slot ${slot}: truncated ld_imm64`, { index: out.length, slot });
      }
      if (view.getUint32(p + SLOT_SIZE, true) !== 0) {
        throw new AsmError(`decode: slot ${slot}: ld_imm64 second slot has non-zero opcode, registers or offset`, {
          index: out.length,
          slot,
        });
      }
      immHi = view.getInt32(p + SLOT_SIZE + 4, true);
      p += SLOT_SIZE;
    }
    out.push({ opcode, dst: regs & 0x0f, src: regs >> 4, offset, imm, immHi });
  }
  return out;
}

/**
 * Maps between instruction indices (ld_imm64 counts once) and raw slot indices (ld_imm64 counts
 * twice). Jump offsets and BPF-to-BPF call immediates are in slots; ELF relocations are byte offsets.
 *
 * @example
 * const m = new SlotMap(insns);
 * const i = m.indexAtByteOffset(rel.offset); // -1 if it does not start an instruction
 */
export class SlotMap {
  /** `starts[i]` is the first slot of instruction i; `starts[n]` is the total slot count. */
  readonly starts: Uint32Array;
  readonly #bySlot: Int32Array;

  /** Builds the mapping for `insns` (O(n)). */
  constructor(insns: readonly Instruction[]) {
    const n = insns.length;
    this.starts = new Uint32Array(n + 1);
    let s = 0;
    for (let i = 0; i < n; i++) {
      this.starts[i] = s;
      s += insns[i].opcode === LD_IMM64 ? 2 : 1;
    }
    this.starts[n] = s;
    this.#bySlot = new Int32Array(s).fill(-1);
    for (let i = 0; i < n; i++) this.#bySlot[this.starts[i]] = i;
  }

  /** Number of instructions. */
  get instructionCount(): number {
    return this.starts.length - 1;
  }

  /** Number of 8-byte slots. */
  get slotCount(): number {
    return this.starts[this.starts.length - 1];
  }

  /** Returns the first slot of instruction `index` (`index === instructionCount` gives the end). */
  slotOf(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.starts.length) {
      throw new AsmError(`instruction ${index} out of range 0..${this.starts.length - 1}`, { index });
    }
    return this.starts[index];
  }

  /** Returns the byte offset of instruction `index`. */
  byteOffsetOf(index: number): number {
    return this.slotOf(index) * SLOT_SIZE;
  }

  /** Returns the instruction starting at `slot`, or -1 if the slot is out of range or the second half of an ld_imm64. */
  indexAtSlot(slot: number): number {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.#bySlot.length) return -1;
    return this.#bySlot[slot];
  }

  /** Returns the instruction starting at `byteOffset`, or -1 if no instruction starts there. */
  indexAtByteOffset(byteOffset: number): number {
    if (byteOffset % SLOT_SIZE !== 0) return -1;
    return this.indexAtSlot(byteOffset / SLOT_SIZE);
  }
}
