import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Assembler, type AtomicOpName } from './builder.js';
import { encodeInstructions } from './encode.js';
import { AsmError } from './errors.js';
import { HelperId } from './helpers.gen.js';
import { R0, R1, R2, R3, R4, R10 } from './registers.js';

const hex = (s: string): string => s.replace(/\s+/g, '');
const bytesOf = (a: Assembler): string => Buffer.from(encodeInstructions(a.build())).toString('hex');
const one = (f: (a: Assembler) => unknown): string => {
  const a = new Assembler();
  f(a);
  return bytesOf(a);
};

// [name, builder call, expected bytes]. Bytes: opcode, dst|src<<4, off (le16), imm (le32).
const cases: [string, (a: Assembler) => unknown, string][] = [
  ['mov64 imm', (a) => a.mov64(R1, 42), 'b7 01 0000 2a000000'],
  ['mov64 neg imm', (a) => a.mov64(R1, -1), 'b7 01 0000 ffffffff'],
  ['mov64 reg', (a) => a.mov64(R1, R2), 'bf 21 0000 00000000'],
  ['mov32 imm', (a) => a.mov32(R1, 0xffffffff), 'b4 01 0000 ffffffff'],
  ['mov32 reg', (a) => a.mov32(R1, R2), 'bc 21 0000 00000000'],
  ['add64 imm', (a) => a.add64(R1, 1), '07 01 0000 01000000'],
  ['add64 reg', (a) => a.add64(R1, R2), '0f 21 0000 00000000'],
  ['add32 imm', (a) => a.add32(R1, 1), '04 01 0000 01000000'],
  ['add32 reg', (a) => a.add32(R1, R2), '0c 21 0000 00000000'],
  ['sub64 imm', (a) => a.sub64(R3, 5), '17 03 0000 05000000'],
  ['sub64 reg', (a) => a.sub64(R3, R4), '1f 43 0000 00000000'],
  ['sub32 imm', (a) => a.sub32(R3, 5), '14 03 0000 05000000'],
  ['sub32 reg', (a) => a.sub32(R3, R4), '1c 43 0000 00000000'],
  ['mul64 imm', (a) => a.mul64(R1, 3), '27 01 0000 03000000'],
  ['mul64 reg', (a) => a.mul64(R1, R2), '2f 21 0000 00000000'],
  ['mul32 imm', (a) => a.mul32(R1, 3), '24 01 0000 03000000'],
  ['mul32 reg', (a) => a.mul32(R1, R2), '2c 21 0000 00000000'],
  ['div64 imm', (a) => a.div64(R1, 3), '37 01 0000 03000000'],
  ['div64 reg', (a) => a.div64(R1, R2), '3f 21 0000 00000000'],
  ['div32 imm', (a) => a.div32(R1, 3), '34 01 0000 03000000'],
  ['div32 reg', (a) => a.div32(R1, R2), '3c 21 0000 00000000'],
  ['sdiv64 reg', (a) => a.sdiv64(R1, R2), '3f 21 0100 00000000'],
  ['sdiv64 imm', (a) => a.sdiv64(R1, -3), '37 01 0100 fdffffff'],
  ['sdiv32 imm', (a) => a.sdiv32(R1, 3), '34 01 0100 03000000'],
  ['sdiv32 reg', (a) => a.sdiv32(R1, R2), '3c 21 0100 00000000'],
  ['or64 imm', (a) => a.or64(R1, 0x10), '47 01 0000 10000000'],
  ['or64 reg', (a) => a.or64(R1, R2), '4f 21 0000 00000000'],
  ['or32 imm', (a) => a.or32(R1, 0x10), '44 01 0000 10000000'],
  ['or32 reg', (a) => a.or32(R1, R2), '4c 21 0000 00000000'],
  ['and64 imm', (a) => a.and64(R1, 0xff), '57 01 0000 ff000000'],
  ['and64 reg', (a) => a.and64(R1, R2), '5f 21 0000 00000000'],
  ['and32 imm', (a) => a.and32(R1, 0xff), '54 01 0000 ff000000'],
  ['and32 reg', (a) => a.and32(R1, R2), '5c 21 0000 00000000'],
  ['lsh64 imm', (a) => a.lsh64(R1, 32), '67 01 0000 20000000'],
  ['lsh64 reg', (a) => a.lsh64(R1, R2), '6f 21 0000 00000000'],
  ['lsh32 imm', (a) => a.lsh32(R1, 4), '64 01 0000 04000000'],
  ['lsh32 reg', (a) => a.lsh32(R1, R2), '6c 21 0000 00000000'],
  ['rsh64 imm', (a) => a.rsh64(R1, 32), '77 01 0000 20000000'],
  ['rsh64 reg', (a) => a.rsh64(R1, R2), '7f 21 0000 00000000'],
  ['rsh32 imm', (a) => a.rsh32(R1, 4), '74 01 0000 04000000'],
  ['rsh32 reg', (a) => a.rsh32(R1, R2), '7c 21 0000 00000000'],
  ['neg64', (a) => a.neg64(R1), '87 01 0000 00000000'],
  ['neg32', (a) => a.neg32(R1), '84 01 0000 00000000'],
  ['mod64 imm', (a) => a.mod64(R1, 10), '97 01 0000 0a000000'],
  ['mod64 reg', (a) => a.mod64(R1, R2), '9f 21 0000 00000000'],
  ['mod32 imm', (a) => a.mod32(R1, 10), '94 01 0000 0a000000'],
  ['mod32 reg', (a) => a.mod32(R1, R2), '9c 21 0000 00000000'],
  ['smod64 imm', (a) => a.smod64(R1, 10), '97 01 0100 0a000000'],
  ['smod64 reg', (a) => a.smod64(R1, R2), '9f 21 0100 00000000'],
  ['smod32 reg', (a) => a.smod32(R1, R2), '9c 21 0100 00000000'],
  ['xor64 imm', (a) => a.xor64(R1, 1), 'a7 01 0000 01000000'],
  ['xor64 reg', (a) => a.xor64(R1, R2), 'af 21 0000 00000000'],
  ['xor32 imm', (a) => a.xor32(R1, 1), 'a4 01 0000 01000000'],
  ['xor32 reg', (a) => a.xor32(R1, R2), 'ac 21 0000 00000000'],
  ['arsh64 imm', (a) => a.arsh64(R1, 3), 'c7 01 0000 03000000'],
  ['arsh64 reg', (a) => a.arsh64(R1, R2), 'cf 21 0000 00000000'],
  ['arsh32 imm', (a) => a.arsh32(R1, 3), 'c4 01 0000 03000000'],
  ['arsh32 reg', (a) => a.arsh32(R1, R2), 'cc 21 0000 00000000'],
  ['movsx64 s8', (a) => a.movsx64(R1, R2, 8), 'bf 21 0800 00000000'],
  ['movsx64 s16', (a) => a.movsx64(R1, R2, 16), 'bf 21 1000 00000000'],
  ['movsx64 s32', (a) => a.movsx64(R1, R2, 32), 'bf 21 2000 00000000'],
  ['movsx32 s8', (a) => a.movsx32(R1, R2, 8), 'bc 21 0800 00000000'],
  ['movsx32 s16', (a) => a.movsx32(R1, R2, 16), 'bc 21 1000 00000000'],
  ['be16', (a) => a.be16(R1), 'dc 01 0000 10000000'],
  ['be32', (a) => a.be32(R1), 'dc 01 0000 20000000'],
  ['be64', (a) => a.be64(R1), 'dc 01 0000 40000000'],
  ['le16', (a) => a.le16(R1), 'd4 01 0000 10000000'],
  ['le32', (a) => a.le32(R1), 'd4 01 0000 20000000'],
  ['le64', (a) => a.le64(R1), 'd4 01 0000 40000000'],
  ['bswap16', (a) => a.bswap16(R1), 'd7 01 0000 10000000'],
  ['bswap32', (a) => a.bswap32(R1), 'd7 01 0000 20000000'],
  ['bswap64', (a) => a.bswap64(R1), 'd7 01 0000 40000000'],
  ['ld_imm64 bigint', (a) => a.ldImm64(R1, 0x1122334455667788n), '18 01 0000 88776655 00 00 0000 44332211'],
  ['ld_imm64 -1n', (a) => a.ldImm64(R2, -1n), '18 02 0000 ffffffff 00 00 0000 ffffffff'],
  ['ld_imm64 u64 max', (a) => a.ldImm64(R2, 0xffffffffffffffffn), '18 02 0000 ffffffff 00 00 0000 ffffffff'],
  ['ld_imm64 number', (a) => a.ldImm64(R3, 2 ** 40 + 5), '18 03 0000 05000000 00 00 0000 00010000'],
  ['ld_imm64 negative number', (a) => a.ldImm64(R3, -2), '18 03 0000 feffffff 00 00 0000 ffffffff'],
  ['ld_map_fd fd', (a) => a.ldMapFd(R1, 5), '18 11 0000 05000000 00 00 0000 00000000'],
  ['ld_map_fd name', (a) => a.ldMapFd(R1, 'm'), '18 11 0000 00000000 00 00 0000 00000000'],
  ['ld_map_value', (a) => a.ldMapValue(R2, 7, 16), '18 22 0000 07000000 00 00 0000 10000000'],
  ['ld_abs h', (a) => a.ldAbs('h', 12), '28 00 0000 0c000000'],
  ['ld_ind b', (a) => a.ldInd('b', R1, 14), '50 10 0000 0e000000'],
  ['ldxb', (a) => a.ldxb(R0, R1, 2), '71 10 0200 00000000'],
  ['ldxh', (a) => a.ldxh(R0, R1, 2), '69 10 0200 00000000'],
  ['ldxw', (a) => a.ldxw(R0, R1, 2), '61 10 0200 00000000'],
  ['ldxdw', (a) => a.ldxdw(R1, R10, -8), '79 a1 f8ff 00000000'],
  ['ldxsb', (a) => a.ldxsb(R0, R1, 1), '91 10 0100 00000000'],
  ['ldxsh', (a) => a.ldxsh(R0, R1, 1), '89 10 0100 00000000'],
  ['ldxsw', (a) => a.ldxsw(R0, R1, 1), '81 10 0100 00000000'],
  ['stb', (a) => a.stb(R10, -1, 7), '72 0a ffff 07000000'],
  ['sth', (a) => a.sth(R10, -2, 7), '6a 0a feff 07000000'],
  ['stw', (a) => a.stw(R10, -4, 7), '62 0a fcff 07000000'],
  ['stdw', (a) => a.stdw(R10, -8, 0), '7a 0a f8ff 00000000'],
  ['stxb', (a) => a.stxb(R10, -1, R1), '73 1a ffff 00000000'],
  ['stxh', (a) => a.stxh(R10, -2, R1), '6b 1a feff 00000000'],
  ['stxw', (a) => a.stxw(R10, -4, R1), '63 1a fcff 00000000'],
  ['stxdw', (a) => a.stxdw(R10, -8, R1), '7b 1a f8ff 00000000'],
  ['atomic add dw', (a) => a.atomicAdd64(R1, 0, R2), 'db 21 0000 00000000'],
  ['atomic add w', (a) => a.atomicAdd32(R1, 4, R2), 'c3 21 0400 00000000'],
  ['ja', (a) => a.ja(3), '05 00 0300 00000000'],
  ['ja back', (a) => a.ja(-1), '05 00 ffff 00000000'],
  ['gotol', (a) => a.gotol(70000), '06 00 0000 70110100'],
  ['may_goto', (a) => a.mayGoto(2), 'e5 00 0200 00000000'],
  ['call helper id', (a) => a.call(HelperId.map_lookup_elem), '85 00 0000 01000000'],
  ['call helper name', (a) => a.call('ktime_get_ns'), '85 00 0000 05000000'],
  ['call kfunc', (a) => a.callKfunc('bpf_map_sum_elem_count', 12345), '85 20 0000 39300000'],
  ['call kfunc unresolved', (a) => a.callKfunc('bpf_map_sum_elem_count'), '85 20 0000 00000000'],
  ['call subprog external', (a) => a.callSubprog('elsewhere'), '85 10 0000 ffffffff'],
  ['exit', (a) => a.exit(), '95 00 0000 00000000'],
];

const atomics: [AtomicOpName, 'w' | 'dw', number][] = [
  ['add', 'dw', 0x00],
  ['or', 'dw', 0x40],
  ['and', 'w', 0x50],
  ['xor', 'dw', 0xa0],
  ['fetch_add', 'dw', 0x01],
  ['fetch_or', 'w', 0x41],
  ['fetch_and', 'dw', 0x51],
  ['fetch_xor', 'dw', 0xa1],
  ['xchg', 'dw', 0xe1],
  ['cmpxchg', 'w', 0xf1],
];
for (const [op, size, imm] of atomics) {
  const opcode = size === 'dw' ? 'db' : 'c3';
  cases.push([`atomic ${op} ${size}`, (a) => a.atomic(op, size, R1, -8, R2), `${opcode} 21 f8ff ${imm.toString(16).padStart(2, '0')}000000`]);
}

// Conditional jumps: [method, 64-bit K opcode]. X adds 0x08; JMP32 has class 6 instead of 5.
const jumps: [string, number][] = [
  ['jeq', 0x15],
  ['jgt', 0x25],
  ['jge', 0x35],
  ['jset', 0x45],
  ['jne', 0x55],
  ['jsgt', 0x65],
  ['jsge', 0x75],
  ['jlt', 0xa5],
  ['jle', 0xb5],
  ['jslt', 0xc5],
  ['jsle', 0xd5],
];
type JumpMethod = (dst: typeof R1, src: typeof R1 | number, target: string | number) => Assembler;
for (const [name, k] of jumps) {
  for (const [suffix, delta] of [['', 0], ['32', 1]] as const) {
    const method = `${name}${suffix}` as keyof Assembler;
    const call = (a: Assembler, src: typeof R1 | number) => (a[method] as unknown as JumpMethod).call(a, R1, src, 2);
    const h = (n: number) => n.toString(16).padStart(2, '0');
    cases.push([`${method} imm`, (a) => call(a, -7), `${h(k + delta)} 01 0200 f9ffffff`]);
    cases.push([`${method} reg`, (a) => call(a, R2), `${h(k + delta + 8)} 21 0200 00000000`]);
  }
}

test('builder output matches raw bytes', () => {
  for (const [name, f, want] of cases) {
    assert.equal(one(f), hex(want), name);
  }
});

test('labels resolve forward and backward, counting ld_imm64 as two slots', () => {
  const a = new Assembler()
    .label('top')
    .mov64(R0, 0) // slot 0
    .jeq(R1, 0, 'end') // slot 1 -> slot 6: off 4
    .ldImm64(R2, 1n << 40n) // slots 2-3
    .ldMapFd(R3, 'm') // slots 4-5
    .label('end')
    .jne(R1, R2, 'top') // slot 6 -> 0: off -7
    .ja('end') // slot 7 -> 6: off -2
    .gotol('top') // slot 8 -> 0: imm -9
    .exit();
  const insns = a.build();
  assert.equal(insns[1].offset, 4);
  assert.equal(insns[4].offset, -7);
  assert.equal(insns[5].offset, -2);
  assert.equal(insns[6].imm, -9);
  assert.equal(insns[0].symbol, 'top');
  assert.equal(insns[4].symbol, 'end');
  assert.equal(insns[3].reference, 'm');
  // building twice gives the same result
  assert.deepEqual(a.build(), insns);
});

test('jump to an undefined label names the label', () => {
  const a = new Assembler().jeq(R1, 0, 'nowhere').exit();
  assert.throws(() => a.build(), (e: unknown) => {
    assert.ok(e instanceof AsmError);
    assert.equal(e.label, 'nowhere');
    assert.equal(e.index, 0);
    assert.match(e.message, /^asm: instruction 0: jeq: label nowhere: not defined$/);
    return true;
  });
});

test('duplicate label names the label', () => {
  const a = new Assembler().label('x').exit();
  assert.throws(() => a.label('x'), (e: unknown) => e instanceof AsmError && e.label === 'x' && /label x: defined twice/.test(e.message));
});

test('label with no instruction after it is an error', () => {
  const a = new Assembler().exit().label('dangling');
  assert.throws(() => a.build(), (e: unknown) => e instanceof AsmError && e.label === 'dangling');
});

test('jump out of 16-bit range names the label; gotol reaches it', () => {
  const a = new Assembler().ja('far');
  for (let i = 0; i < 40000; i++) a.mov64(R0, 0);
  a.label('far').exit();
  assert.throws(() => a.build(), (e: unknown) => e instanceof AsmError && e.label === 'far' && /out of range/.test(e.message));

  const b = new Assembler().gotol('far');
  for (let i = 0; i < 40000; i++) b.mov64(R0, 0);
  b.label('far').exit();
  assert.equal(b.build()[0].imm, 40000);
});

test('bpf-to-bpf calls and function references resolve locally, else stay references', () => {
  const insns = new Assembler()
    .callSubprog('sub') // slot 0 -> 4: imm 3
    .ldFunc(R2, 'sub') // slots 1-2 -> 4: imm 4 - 1 - 1 = 2
    .exit() // slot 3
    .label('sub')
    .mov64(R0, 0) // slot 4
    .callSubprog('extern_fn')
    .ldFunc(R3, 'extern_cb')
    .exit()
    .build();
  assert.equal(insns[0].imm, 3);
  assert.equal(insns[0].src, 1);
  assert.equal(insns[0].reference, 'sub');
  assert.equal(insns[1].imm, 2);
  assert.equal(insns[1].src, 4);
  assert.equal(insns[1].reference, 'sub');
  assert.equal(insns[3].symbol, 'sub');
  assert.equal(insns[4].imm, -1);
  assert.equal(insns[4].reference, 'extern_fn');
  assert.equal(insns[5].imm, -1);
  assert.equal(insns[5].reference, 'extern_cb');
});

test('bad operands throw AsmError naming the instruction', () => {
  const bad: [string, (a: Assembler) => unknown, RegExp][] = [
    ['imm too wide for 64-bit op', (a) => a.mov64(R1, 0x80000000), /instruction 0: mov64: immediate 2147483648 out of range/],
    ['imm too wide for 32-bit op', (a) => a.mov32(R1, 2 ** 32), /immediate 4294967296/],
    ['non-integer imm', (a) => a.add64(R1, 1.5), /immediate 1.5/],
    ['offset out of range', (a) => a.ldxw(R1, R2, 40000), /offset 40000 out of range/],
    ['raw jump out of range', (a) => a.ja(-40000), /offset -40000/],
    ['unknown helper', (a) => a.call('no_such_helper' as never), /unknown helper no_such_helper/],
    ['inherited name is no helper', (a) => a.call('toString' as never), /unknown helper toString/],
    ['bad movsx width', (a) => a.movsx32(R1, R2, 32 as never), /sign-extension width 32/],
    ['ld_imm64 too wide', (a) => a.ldImm64(R1, 1n << 64n), /does not fit in 64 bits/],
    ['ld_imm64 unsafe number', (a) => a.ldImm64(R1, 2 ** 60), /does not fit/],
    ['negative fd', (a) => a.ldMapFd(R1, -1), /map fd -1/],
    ['not a register', (a) => a.mov64(7 as never, 1), /is not a register/],
    ['bad atomic size', (a) => a.atomic('add', 'b' as never, R1, 0, R2), /size b/],
  ];
  for (const [name, f, re] of bad) {
    assert.throws(() => f(new Assembler()), (e: unknown) => e instanceof AsmError && e.index === 0 && re.test(e.message), name);
  }
});

test('source locations attach to the next instruction', () => {
  const insns = new Assembler().at({ file: 'x.c', line: 3, text: 'return 0;' }).mov64(R0, 0).exit().build();
  assert.deepEqual(insns[0].source, { file: 'x.c', line: 3, text: 'return 0;' });
  assert.equal(insns[1].source, undefined);
});
