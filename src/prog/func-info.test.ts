import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Assembler, HelperId, R0, R1, R2, R3, R4, R10 } from '../asm/index.js';
import { parseBtf } from '../btf/index.js';
import { functionStarts, synthesizeFuncInfo } from './func-info.js';

/** The bpf_for_each_map_elem counter: main program plus a callback subprogram at slot 11. */
function forEachCounter() {
  return new Assembler()
    .label('count_elems')
    .stdw(R10, -8, 0)
    .ldMapFd(R1, 'm')
    .ldFunc(R2, 'count_cb')
    .mov64(R3, R10)
    .add64(R3, -8)
    .mov64(R4, 0)
    .call(HelperId.for_each_map_elem)
    .ldxdw(R0, R10, -8)
    .exit()
    .label('count_cb')
    .ldxdw(R1, R4, 0)
    .add64(R1, 1)
    .stxdw(R4, 0, R1)
    .mov64(R0, 0)
    .exit()
    .build();
}

test('function starts: entry plus callback and bpf-to-bpf call targets', () => {
  assert.deepEqual(
    functionStarts(forEachCounter(), 'main').map((f) => [f.slot, f.name]),
    [
      [0, 'count_elems'],
      [11, 'count_cb'],
    ],
  );
  const calls = new Assembler().callSubprog('f').exit().label('f').callSubprog('g').exit().label('g').mov64(R0, 1).exit().build();
  assert.deepEqual(functionStarts(calls, 'main').map((f) => [f.slot, f.name]), [
    [0, 'main'],
    [2, 'f'],
    [4, 'g'],
  ]);
  // A label that is only a jump target is not a function.
  const jumps = new Assembler().mov64(R0, 0).ja('out').label('out').exit().build();
  assert.deepEqual(functionStarts(jumps, 'x').length, 1);
});

test('synthesized BTF: int, int(void), one static FUNC per function; func_info by slot', () => {
  const synth = synthesizeFuncInfo(forEachCounter(), 'main')!;
  assert.deepEqual(synth.funcInfo, [
    { insnOff: 0, typeId: 3 },
    { insnOff: 11, typeId: 4 },
  ]);
  const spec = parseBtf(synth.btf);
  assert.equal(spec.typeById(1).kind, 'int');
  assert.equal(spec.typeById(2).kind, 'func_proto');
  const f = spec.typeById(4);
  assert.equal(f.kind, 'func');
  assert.equal(f.name, 'count_cb');
  assert.equal(f.kind === 'func' && f.linkage, 'static');
  assert.equal(synthesizeFuncInfo(new Assembler().mov64(R0, 0).exit().build(), 'one'), undefined);
});

test('synthesized names are valid, unique C identifiers', () => {
  const insns = new Assembler().callSubprog('a.b').exit().label('a.b').exit().build();
  const synth = synthesizeFuncInfo(insns, '9lives')!;
  const spec = parseBtf(synth.btf);
  assert.equal(spec.typeById(3).name, 'func_0');
  assert.equal(spec.typeById(4).name, 'a_b');
});
