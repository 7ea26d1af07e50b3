// The hand-written programs tsbpf builds with the Assembler (element counters), checked for
// exact layout and disassembly. See DESIGN.md, "What the kernel offers today".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Assembler } from './builder.js';
import { disassemble } from './disasm.js';
import { SlotMap, decodeInstructions, encodeInstructions } from './encode.js';
import { HelperId } from './helpers.gen.js';
import { isFuncRef, isKfuncCall, isLoadFromMap, slotCount } from './instruction.js';
import { R0, R1, R2, R3, R4, R10 } from './registers.js';

test('kfunc element counter: ld_imm64 map, call bpf_map_sum_elem_count, exit (4 slots)', () => {
  const mapFd = 7;
  const btfId = 54321;
  const insns = new Assembler().ldMapFd(R1, mapFd).callKfunc('bpf_map_sum_elem_count', btfId).exit().build();
  assert.equal(slotCount(insns), 4);
  assert.equal(
    Buffer.from(encodeInstructions(insns)).toString('hex'),
    '1811000007000000' + '0000000000000000' + '8520000031d40000' + '9500000000000000',
  );
  assert.equal(
    disassemble(insns),
    ['0: (18) r1 = map[fd:7]', '2: (85) call bpf_map_sum_elem_count#54321', '3: (95) exit'].join('\n'),
  );
  assert.ok(isLoadFromMap(insns[0]));
  assert.ok(isKfuncCall(insns[1]));
});

/** The bpf_for_each_map_elem counter: main program plus a callback subprogram. */
function forEachCounter(map: string | number): Assembler {
  return (
    new Assembler()
      .label('count_elems')
      .stdw(R10, -8, 0) // u64 count = 0 (on the stack: the callback ctx must point to the stack)
      .ldMapFd(R1, map) // r1 = map
      .ldFunc(R2, 'count_cb') // r2 = callback
      .mov64(R3, R10)
      .add64(R3, -8) // r3 = &count
      .mov64(R4, 0) // r4 = flags
      .call(HelperId.for_each_map_elem)
      .ldxdw(R0, R10, -8) // return count
      .exit()
      // long count_cb(struct bpf_map *map, void *key, void *value, void *ctx)
      .label('count_cb')
      .ldxdw(R1, R4, 0)
      .add64(R1, 1)
      .stxdw(R4, 0, R1)
      .mov64(R0, 0) // 0 = continue (the verifier wants 0 or 1)
      .exit()
  );
}

test('bpf_for_each_map_elem counter with a callback subprogram', () => {
  const insns = forEachCounter('counted').build();
  assert.equal(
    disassemble(insns, { symbols: true }),
    [
      'count_elems:',
      '0: (7a) *(u64 *)(r10 -8) = 0',
      '1: (18) r1 = map[counted]',
      '3: (18) r2 = func[count_cb]',
      '5: (bf) r3 = r10',
      '6: (07) r3 += -8',
      '7: (b7) r4 = 0',
      '8: (85) call bpf_for_each_map_elem#164',
      '9: (79) r0 = *(u64 *)(r10 -8)',
      '10: (95) exit',
      'count_cb:',
      '11: (79) r1 = *(u64 *)(r4 +0)',
      '12: (07) r1 += 1',
      '13: (7b) *(u64 *)(r4 +0) = r1',
      '14: (b7) r0 = 0',
      '15: (95) exit',
    ].join('\n'),
  );
  // The function reference points at the callback: slot 3 + imm + 1 = slot 11.
  const ref = insns[2];
  assert.ok(isFuncRef(ref));
  assert.equal(ref.reference, 'count_cb');
  const map = new SlotMap(insns);
  assert.equal(map.slotOf(2) + ref.imm + 1, 11);
  assert.equal(insns[map.indexAtSlot(11)].symbol, 'count_cb');
  assert.equal(insns[1].reference, 'counted');

  // With a real fd the bytes are final and decode back to the same program (minus metadata).
  const bytes = encodeInstructions(forEachCounter(9).build());
  assert.equal(bytes.length, 16 * 8);
  const back = decodeInstructions(bytes);
  assert.equal(disassemble(back).split('\n')[1], '1: (18) r1 = map[fd:9]');
  assert.equal(disassemble(back).split('\n')[2], '3: (18) r2 = subprog[+7]');
});
