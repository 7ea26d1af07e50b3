import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Assembler } from './builder.js';
import { decodeInstructions } from './encode.js';
import { disassemble, formatInstruction } from './disasm.js';
import { makeInstruction, type InstructionInit } from './instruction.js';
import { R0, R1, R2, R3, R10 } from './registers.js';

const fmt = (f: (a: Assembler) => unknown): string => {
  const a = new Assembler();
  f(a);
  return formatInstruction(a.build()[0]);
};
const raw = (init: InstructionInit): string => formatInstruction(makeInstruction(init));

test('disassembles each instruction class in verifier notation', () => {
  const cases: [string, string][] = [
    // ALU64 / ALU
    [fmt((a) => a.mov64(R1, 42)), 'r1 = 42'],
    [fmt((a) => a.mov64(R1, -1)), 'r1 = -1'],
    [fmt((a) => a.mov32(R1, R2)), 'w1 = w2'],
    [fmt((a) => a.add32(R1, R2)), 'w1 += w2'],
    [fmt((a) => a.add64(R3, -8)), 'r3 += -8'],
    [fmt((a) => a.sub64(R1, R2)), 'r1 -= r2'],
    [fmt((a) => a.mul32(R1, 3)), 'w1 *= 3'],
    [fmt((a) => a.div64(R1, R2)), 'r1 /= r2'],
    [fmt((a) => a.sdiv64(R1, R2)), 'r1 s/= r2'],
    [fmt((a) => a.smod32(R1, 7)), 'w1 s%= 7'],
    [fmt((a) => a.mod64(R1, 7)), 'r1 %= 7'],
    [fmt((a) => a.or64(R1, R2)), 'r1 |= r2'],
    [fmt((a) => a.and32(R1, 255)), 'w1 &= 255'],
    [fmt((a) => a.xor64(R1, R2)), 'r1 ^= r2'],
    [fmt((a) => a.lsh64(R1, 32)), 'r1 <<= 32'],
    [fmt((a) => a.rsh32(R1, R2)), 'w1 >>= w2'],
    [fmt((a) => a.arsh64(R1, 32)), 'r1 s>>= 32'],
    [fmt((a) => a.neg64(R1)), 'r1 = -r1'],
    [fmt((a) => a.neg32(R1)), 'w1 = -w1'],
    [fmt((a) => a.movsx64(R1, R2, 8)), 'r1 = (s8)r2'],
    [fmt((a) => a.movsx64(R1, R2, 32)), 'r1 = (s32)r2'],
    [fmt((a) => a.movsx32(R1, R2, 16)), 'w1 = (s16)w2'],
    [fmt((a) => a.be16(R1)), 'r1 = be16 r1'],
    [fmt((a) => a.le64(R1)), 'r1 = le64 r1'],
    [fmt((a) => a.bswap32(R1)), 'r1 = bswap32 r1'],
    [raw({ opcode: 0xbf, dst: 1, src: 2, offset: 1, imm: 0x10002 }), 'r1 = addr_space_cast(r2, 1, 2)'],
    [raw({ opcode: 0xe7, dst: 1 }), 'BUG_alu_e7'],
    // LD
    [fmt((a) => a.ldImm64(R1, 42n)), 'r1 = 0x2a'],
    [fmt((a) => a.ldImm64(R1, 0x1122334455667788n)), 'r1 = 0x1122334455667788'],
    [fmt((a) => a.ldImm64(R1, 0x100000000n)), 'r1 = 0x100000000'],
    [fmt((a) => a.ldImm64(R1, -1n)), 'r1 = 0xffffffffffffffff'],
    [fmt((a) => a.ldMapFd(R1, 'counts')), 'r1 = map[counts]'],
    [fmt((a) => a.ldMapFd(R1, 7)), 'r1 = map[fd:7]'],
    [fmt((a) => a.ldMapValue(R1, '.bss', 8)), 'r1 = map[.bss][0]+8'],
    [fmt((a) => a.ldMapValue(R1, 7, 0)), 'r1 = map[fd:7][0]+0'],
    [raw({ opcode: 0x18, dst: 1, src: 5, imm: 2 }), 'r1 = map[idx:2]'],
    [raw({ opcode: 0x18, dst: 1, src: 6, imm: 2, immHi: 4 }), 'r1 = map[idx:2][0]+4'],
    [raw({ opcode: 0x18, dst: 1, src: 3, imm: 99 }), 'r1 = btf_id[99]'],
    [raw({ opcode: 0x18, dst: 1, src: 3, imm: 99, reference: 'bpf_prog_active' }), 'r1 = ksym[bpf_prog_active]'],
    [fmt((a) => a.ldFunc(R2, 'cb')), 'r2 = func[cb]'],
    [raw({ opcode: 0x18, dst: 2, src: 4, imm: 5 }), 'r2 = subprog[+5]'],
    [fmt((a) => a.ldAbs('h', 12)), 'r0 = *(u16 *)skb[12]'],
    [fmt((a) => a.ldInd('b', R1, 14)), 'r0 = *(u8 *)skb[r1 + 14]'],
    [raw({ opcode: 0x00 }), 'BUG_ld_00'],
    // LDX / ST / STX
    [fmt((a) => a.ldxw(R0, R1, 4)), 'r0 = *(u32 *)(r1 +4)'],
    [fmt((a) => a.ldxdw(R1, R10, -8)), 'r1 = *(u64 *)(r10 -8)'],
    [fmt((a) => a.ldxb(R1, R2, 0)), 'r1 = *(u8 *)(r2 +0)'],
    [fmt((a) => a.ldxsh(R1, R2, 2)), 'r1 = *(s16 *)(r2 +2)'],
    [raw({ opcode: 0x99 }), 'BUG_ldx_99'],
    [fmt((a) => a.stxdw(R10, -8, R1)), '*(u64 *)(r10 -8) = r1'],
    [fmt((a) => a.stxh(R1, 2, R2)), '*(u16 *)(r1 +2) = r2'],
    [fmt((a) => a.stw(R10, -4, -1)), '*(u32 *)(r10 -4) = -1'],
    [fmt((a) => a.stdw(R10, -8, 0)), '*(u64 *)(r10 -8) = 0'],
    [raw({ opcode: 0x22 }), 'BUG_st_22'],
    // atomics
    [fmt((a) => a.atomicAdd64(R1, 0, R2)), 'lock *(u64 *)(r1 +0) += r2'],
    [fmt((a) => a.atomic('or', 'w', R1, 4, R2)), 'lock *(u32 *)(r1 +4) |= r2'],
    [fmt((a) => a.atomic('and', 'dw', R1, 0, R2)), 'lock *(u64 *)(r1 +0) &= r2'],
    [fmt((a) => a.atomic('xor', 'dw', R1, 0, R2)), 'lock *(u64 *)(r1 +0) ^= r2'],
    [fmt((a) => a.atomic('fetch_add', 'dw', R1, -8, R2)), 'r2 = atomic64_fetch_add((u64 *)(r1 -8), r2)'],
    [fmt((a) => a.atomic('fetch_xor', 'w', R1, 0, R2)), 'r2 = atomic_fetch_xor((u32 *)(r1 +0), r2)'],
    [fmt((a) => a.atomic('xchg', 'dw', R1, 0, R2)), 'r2 = atomic64_xchg((u64 *)(r1 +0), r2)'],
    [fmt((a) => a.atomic('cmpxchg', 'dw', R1, 0, R2)), 'r0 = atomic64_cmpxchg((u64 *)(r1 +0), r0, r2)'],
    [raw({ opcode: 0xdb, dst: 1, src: 2, imm: 0x100 }), 'r1 = load_acquire((u64 *)(r2 +0))'],
    [raw({ opcode: 0xdb, dst: 1, src: 2, imm: 0x110 }), 'store_release((u64 *)(r1 +0), r2)'],
    [raw({ opcode: 0xdb, dst: 1, src: 2, imm: 0x02 }), 'BUG_db'],
    // jumps
    [fmt((a) => a.jeq(R1, 0, 3)), 'if r1 == 0x0 goto pc+3'],
    [fmt((a) => a.jgt32(R1, R2, -2)), 'if w1 > w2 goto pc-2'],
    [fmt((a) => a.jne(R1, -1, 0)), 'if r1 != 0xffffffff goto pc+0'],
    [fmt((a) => a.jset(R1, 4, 1)), 'if r1 & 0x4 goto pc+1'],
    [fmt((a) => a.jsge(R1, R2, 1)), 'if r1 s>= r2 goto pc+1'],
    [fmt((a) => a.jslt32(R1, 5, 1)), 'if w1 s< 0x5 goto pc+1'],
    [fmt((a) => a.jle(R1, R2, 1)), 'if r1 <= r2 goto pc+1'],
    [fmt((a) => a.ja(1)), 'goto pc+1'],
    [fmt((a) => a.gotol(-70000)), 'gotol pc-70000'],
    [fmt((a) => a.mayGoto(4)), 'may_goto pc+4'],
    [raw({ opcode: 0x0d, dst: 3 }), 'gotox r3'],
    [raw({ opcode: 0xf5 }), 'BUG_jmp_f5'],
    // calls, exit
    [fmt((a) => a.call('map_lookup_elem')), 'call bpf_map_lookup_elem#1'],
    [fmt((a) => a.call(99999)), 'call unknown#99999'],
    [fmt((a) => a.callSubprog('x')), 'call pc-1'],
    [raw({ opcode: 0x85, src: 1, imm: 5 }), 'call pc+5'],
    [raw({ opcode: 0x85, src: 2, imm: 12345 }), 'call kernel-function#12345'],
    [fmt((a) => a.callKfunc('bpf_map_sum_elem_count', 12345)), 'call bpf_map_sum_elem_count#12345'],
    [fmt((a) => a.exit()), 'exit'],
  ];
  for (const [got, want] of cases) assert.equal(got, want);
});

test('disassemble prefixes slot index and opcode, counting ld_imm64 as two slots', () => {
  const insns = new Assembler()
    .label('main')
    .at({ file: 'prog.c', line: 7, text: '  return 0;' })
    .mov64(R1, 0)
    .ldImm64(R2, 1n)
    .exit()
    .build();
  assert.equal(disassemble(insns), ['0: (b7) r1 = 0', '1: (18) r2 = 0x1', '3: (95) exit'].join('\n'));
  assert.equal(
    disassemble(insns, { symbols: true, source: true }),
    ['main:', '; return 0; @ prog.c:7', '0: (b7) r1 = 0', '1: (18) r2 = 0x1', '3: (95) exit'].join('\n'),
  );
  // Invalid encodings print like the kernel, without the opcode prefix.
  assert.equal(disassemble(decodeInstructions(Uint8Array.of(0x22, 0, 0, 0, 0, 0, 0, 0))), '0: BUG_st_22');
  assert.equal(disassemble([]), '');
});
