import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Spec, type TypeInit } from '../btf/index.js';
import { parseUsdtArgs, ptRegsOffsets, UsdtArgError, USDT_PT_REGS_FIELDS } from './usdt-args.js';
import { encodeUsdtSpec, USDT_SPEC_SIZE, UsdtArgType } from './usdt-spec.js';
import { kernelHasBpfCookie, parseUsdtTarget } from './usdt.js';
import { parseProcMaps } from './process-maps.js';

test('parseUsdtArgs reads constants, registers and register-relative memory (x86-64)', () => {
  const args = parseUsdtArgs('-1@$-5 2@$-536 -4@%eax 4@%ecx 8@%r8 -8@%rdi -4@8(%rsi) -2@12(%rsi) 8@-1204(%rbp) 8@(%r12) 1@%sil 4@%r9d');
  assert.deepEqual(
    args.map((a) => [a.size, a.signed, a.kind, a.kind === 'const' ? a.value : a.field, a.kind === 'deref' ? a.offset : undefined]),
    [
      [1, true, 'const', -5n, undefined],
      [2, false, 'const', -536n, undefined],
      [4, true, 'reg', 'ax', undefined],
      [4, false, 'reg', 'cx', undefined],
      [8, false, 'reg', 'r8', undefined],
      [8, true, 'reg', 'di', undefined],
      [4, true, 'deref', 'si', 8n],
      [2, true, 'deref', 'si', 12n],
      [8, false, 'deref', 'bp', -1204n],
      [8, false, 'deref', 'r12', 0n],
      [1, false, 'reg', 'si', undefined],
      [4, false, 'reg', 'r9', undefined],
    ],
  );
  assert.equal(args[2].text, '-4@%eax');
  assert.deepEqual(parseUsdtArgs('8@$0x10 -8@$-0x10').map((a) => (a.kind === 'const' ? a.value : 0n)), [16n, -16n]);
  assert.deepEqual(parseUsdtArgs(''), []);
  assert.deepEqual(parseUsdtArgs('  8@%rax  '), parseUsdtArgs('8@%rax'));
});

test('parseUsdtArgs refuses what usdt.bpf.h cannot read, naming the argument', () => {
  const bad: Array<[string, RegExp]> = [
    ['8@%rax -8@memory_value(%rip)', /usdt argument 1 "-8@memory_value\(%rip\)": displacement memory_value is not an integer \(symbolic operands/],
    ['8@(%rax,%rdx,8)', /memory operands with an index register are not supported/],
    ['3@%rax', /size 3 is not ±1, ±2, ±4 or ±8/],
    ['%rax', /expected <size>@<operand>/],
    ['1@%ah', /unknown or unsupported register %ah/],
    ['8@$abc', /constant abc is not an integer/],
    ['8@rax', /expected \$<constant>, %<register> or <offset>\(%<register>\)/],
    [Array(13).fill('8@%rax').join(' '), /13 arguments, more than the 12 usdt\.bpf\.h reads/],
  ];
  for (const [s, re] of bad) {
    assert.throws(
      () => parseUsdtArgs(s),
      (e: Error) => e instanceof UsdtArgError && re.test(e.message) && e.args === s,
      s,
    );
  }
});

test('encodeUsdtSpec lays out struct __bpf_usdt_spec as usdt.bpf.h reads it', () => {
  const args = parseUsdtArgs('-4@$-9 4@%ecx -2@-8(%rbp)');
  const offsets: Record<string, number> = { cx: 88, bp: 32 };
  const b = encodeUsdtSpec(args, (f) => offsets[f], 0xc0ffeen);
  assert.equal(b.length, USDT_SPEC_SIZE);
  const v = new DataView(b.buffer);
  const arg = (i: number) => ({ valOff: v.getBigUint64(i * 16, true), type: v.getUint32(i * 16 + 8, true), reg: v.getInt16(i * 16 + 12, true), signed: b[i * 16 + 14], shift: b[i * 16 + 15] });
  assert.deepEqual(arg(0), { valOff: BigInt.asUintN(64, -9n), type: UsdtArgType.Const, reg: 0, signed: 1, shift: 32 });
  assert.deepEqual(arg(1), { valOff: 0n, type: UsdtArgType.Reg, reg: 88, signed: 0, shift: 32 });
  assert.deepEqual(arg(2), { valOff: BigInt.asUintN(64, -8n), type: UsdtArgType.RegDeref, reg: 32, signed: 1, shift: 48 });
  assert.ok(b.subarray(48, 192).every((x) => x === 0), 'unused argument slots are zero');
  assert.equal(v.getBigUint64(192, true), 0xc0ffeen, 'usdt_cookie');
  assert.equal(v.getInt16(200, true), 3, 'arg_cnt');
  assert.throws(() => encodeUsdtSpec(args, () => 0x8000, 0n), /register offset 32768 does not fit a short/);
});

test('ptRegsOffsets reads struct pt_regs from BTF and names a missing field', () => {
  const long: TypeInit = { kind: 'int', name: 'long unsigned int', size: 8, encoding: 'unsigned', bits: 64, offset: 0 } as TypeInit;
  const members = USDT_PT_REGS_FIELDS.map((name, i) => ({ name, type: 1, bitOffset: i * 64, bitfieldSize: 0 }));
  const spec = Spec.fromTypes([long, { kind: 'struct', name: 'pt_regs', size: members.length * 8, members } as TypeInit]);
  const offs = ptRegsOffsets(spec);
  assert.equal(offs.get(USDT_PT_REGS_FIELDS[3]), 24);
  const partial = Spec.fromTypes([long, { kind: 'struct', name: 'pt_regs', size: 8, members: [{ name: 'ip', type: 1, bitOffset: 0, bitfieldSize: 0 }] } as TypeInit]);
  assert.throws(() => ptRegsOffsets(partial), /struct pt_regs has no field ax: USDT arguments are supported on x86-64 only/);
  assert.throws(() => ptRegsOffsets(Spec.fromTypes([long])), /kernel BTF has no struct pt_regs/);
});

test('parseUsdtTarget splits binary:provider:name, the binary may hold colons', () => {
  assert.deepEqual(parseUsdtTarget('/usr/bin/python3:python:function__entry', 'x'), { binary: '/usr/bin/python3', provider: 'python', name: 'function__entry' });
  assert.deepEqual(parseUsdtTarget('/odd:dir/bin:p:n', 'x'), { binary: '/odd:dir/bin', provider: 'p', name: 'n' });
  for (const s of ['bin:name', ':p:n', 'bin::n', 'bin:p:', 'x']) assert.throws(() => parseUsdtTarget(s, 'ctx'), /ctx: usdt target must be <binary>:<provider>:<name>/, s);
});

test('kernelHasBpfCookie: Linux 5.15 and later', () => {
  assert.equal(kernelHasBpfCookie('5.15.0-91-generic'), true);
  assert.equal(kernelHasBpfCookie('6.1.0'), true);
  assert.equal(kernelHasBpfCookie('5.14.21'), false);
  assert.equal(kernelHasBpfCookie('4.19.0'), false);
  assert.equal(kernelHasBpfCookie('weird'), false);
});

test('parseProcMaps keeps file mappings with their offsets and inodes', () => {
  const text = [
    '55d0c2a00000-55d0c2a01000 r--p 00000000 fd:01 1234   /usr/bin/thing',
    '55d0c2a01000-55d0c2a02000 r-xp 00001000 fd:01 1234   /usr/bin/thing',
    '7ffd1e7d1000-7ffd1e7f2000 rw-p 00000000 00:00 0      [stack]',
    '7f0000000000-7f0000001000 rw-p 00000000 00:00 0 ',
    '7f1000000000-7f1000002000 r-xp 00002000 fd:01 99     /lib/with space.so',
  ].join('\n');
  assert.deepEqual(parseProcMaps(text), [
    { start: 0x55d0c2a00000n, end: 0x55d0c2a01000n, perms: 'r--p', offset: 0n, inode: 1234n, path: '/usr/bin/thing' },
    { start: 0x55d0c2a01000n, end: 0x55d0c2a02000n, perms: 'r-xp', offset: 0x1000n, inode: 1234n, path: '/usr/bin/thing' },
    { start: 0x7f1000000000n, end: 0x7f1000002000n, perms: 'r-xp', offset: 0x2000n, inode: 99n, path: '/lib/with space.so' },
  ]);
});
