/**
 * Snippets for docs/api.md: the assembler of tsbpf/asm.
 * Regions are copied into the docs by scripts/docs-snippets.mjs; `npm run typecheck` compiles them.
 */
import { Assembler, HelperId, R0, R1, R2, R10, decodeInstructions, disassemble, encodeInstructions, type Instruction } from '../../src/asm/index.js';

/** A program with a label. */
export function branches(): Instruction[] {
  // #region asm-basics
  const insns = new Assembler()
    .mov64(R0, 0).jeq(R1, 0, 'out').mov64(R0, 1) // r0 = r1 != 0
    .label('out').exit()
    .build();
  // #endregion
  return insns;
}

/** A map lookup: key on the stack, helper call, NULL check. */
export function mapLookup(): Instruction[] {
  // #region asm-map-lookup
  const lookup = new Assembler()
    .stw(R10, -4, 0).mov64(R2, R10).add64(R2, -4)           // key 0 on the stack, r2 = &key
    .ldMapFd(R1, 'counts').call(HelperId.map_lookup_elem)   // r0 = &value, or NULL
    .jeq(R0, 0, 'out').ldxdw(R0, R0, 0).label('out').exit() // return *value, or 0
    .build();
  // #endregion
  return lookup;
}

/** Disassembling and encoding. */
export function printAndEncode(insns: Instruction[]): Instruction[] {
  // #region asm-disassemble
  console.log(disassemble(insns));       // 0: (b7) r0 = 0 / 1: (15) if r1 == 0x0 goto pc+1 / ...
  const bytes = encodeInstructions(insns); // 8 bytes per slot, for BPF_PROG_LOAD; decodeInstructions(bytes) reverses it
  // #endregion
  return decodeInstructions(bytes);
}
