/**
 * CO-RE at load time: resolve a program's relocations against the kernel's BTF with
 * `computeCoreFixups` (src/btf) and patch its instructions, keeping their metadata.
 */
import { SlotMap, decodeInstructions, encodeInstructions, withChanges, type Instruction } from '../asm/index.js';
import { applyCoreFixup, computeCoreFixups, type Spec } from '../btf/index.js';
import type { CoreRelocation } from '../spec/index.js';

/**
 * Applies CO-RE relocations to a program's instructions and returns the patched copy.
 *
 * Relocations no kernel type satisfies are poisoned as libbpf does: the instruction becomes a
 * call to the invalid helper 0xbad2310, which the verifier rejects only when it is reachable
 * (so code guarded by `bpf_core_field_exists` still loads). A poisoned `ld_imm64` becomes two
 * such calls, so slot offsets do not move.
 * @throws {CoreRelocationError} for a malformed or ambiguous relocation, naming the program.
 */
export function applyCoreRelocations(programName: string, insns: readonly Instruction[], relos: readonly CoreRelocation[], local: Spec, target: Spec | readonly Spec[]): Instruction[] {
  if (relos.length === 0) return insns.slice();
  const fixups = computeCoreFixups(
    local,
    target,
    relos.map((r) => ({ insnByteOffset: r.insnOff, typeId: r.typeId, accessStr: r.accessStr, kind: r.kind })),
    { context: `program ${programName}` },
  );
  const map = new SlotMap(insns);
  const replaced = new Map<number, Instruction[]>();
  for (const f of fixups) {
    const idx = map.indexAtByteOffset(f.insnByteOffset);
    if (idx < 0) throw new RangeError(`program ${programName}: CO-RE relocation #${f.reloIndex}: no instruction starts at byte ${f.insnByteOffset}`);
    const current = replaced.get(idx) ?? [insns[idx]];
    if (current.length !== 1) continue; // already poisoned
    const orig = current[0];
    const bytes = encodeInstructions([orig]);
    applyCoreFixup(bytes, f);
    const decoded = decodeInstructions(bytes);
    const keep = { symbol: orig.symbol, source: orig.source };
    replaced.set(
      idx,
      f.poison ? decoded.map((d, i) => withChanges(d, i === 0 ? keep : {})) : [withChanges(decoded[0], { ...keep, reference: orig.reference })],
    );
  }
  const out: Instruction[] = [];
  for (let i = 0; i < insns.length; i++) {
    const r = replaced.get(i);
    if (r) out.push(...r);
    else out.push(insns[i]);
  }
  return out;
}
