import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Spec, type TypeInit } from '../btf/index.js';
import { fillKconfig, kernelVersionCode, parseKernelConfig } from './kconfig.js';
import type { ExternSpec } from '../spec/index.js';

const config = parseKernelConfig(
  ['# comment', 'CONFIG_HZ=250', 'CONFIG_BPF=y', 'CONFIG_MOD=m', '# CONFIG_OFF is not set', 'CONFIG_NAME="tsbpf \\"k\\""', 'CONFIG_HEX=0x10', 'CONFIG_NEG=-5', 'CONFIG_BIG=0x100000000'].join('\n'),
);

// ids: 1 unsigned int, 2 bool, 3 char, 4 char[8], 5 enum libbpf_tristate, 6 int
const btf = Spec.fromTypes([
  { kind: 'int', name: 'unsigned int', size: 4, encoding: 'unsigned', bits: 32, offset: 0 },
  { kind: 'int', name: '_Bool', size: 1, encoding: 'bool', bits: 8, offset: 0 },
  { kind: 'int', name: 'char', size: 1, encoding: 'char', bits: 8, offset: 0 },
  { kind: 'array', name: '', type: 3, indexType: 1, nelems: 8 },
  { kind: 'enum', name: 'libbpf_tristate', size: 4, signed: false, values: [] },
  { kind: 'int', name: 'int', size: 4, encoding: 'signed', bits: 32, offset: 0 },
] as TypeInit[]);

const ext = (name: string, offset: number, size: number, typeId: number, weak = false): ExternSpec => ({ name, kind: 'kconfig', weak, offset, size, typeId });

test('parseKernelConfig keeps set options only', () => {
  assert.equal(config.get('CONFIG_HZ'), '250');
  assert.equal(config.has('CONFIG_OFF'), false);
  assert.equal(config.size, 7);
});

test('fillKconfig lays values out by type, weak missing ones are zero', () => {
  const externs = [
    ext('CONFIG_HZ', 0, 4, 1),
    ext('CONFIG_BPF', 4, 1, 2),
    ext('CONFIG_MOD', 8, 4, 5),
    ext('CONFIG_NAME', 12, 8, 4),
    ext('CONFIG_HEX', 20, 4, 1),
    ext('CONFIG_NEG', 24, 4, 6),
    ext('CONFIG_OFF', 28, 4, 6, true),
    ext('LINUX_KERNEL_VERSION', 32, 4, 1),
    ext('CONFIG_BPF', 36, 1, 3),
  ];
  const v = Buffer.from(fillKconfig(40, externs, btf, config));
  assert.equal(v.readUInt32LE(0), 250);
  assert.equal(v[4], 1);
  assert.equal(v.readUInt32LE(8), 2);
  assert.equal(v.subarray(12, 20).toString('latin1'), 'tsbpf "\0');
  assert.equal(v.readUInt32LE(20), 16);
  assert.equal(v.readInt32LE(24), -5);
  assert.equal(v.readUInt32LE(28), 0);
  assert.ok(v.readUInt32LE(32) > 0);
  assert.equal(String.fromCharCode(v[36]), 'y');
});

test('fillKconfig errors name the extern', () => {
  assert.throws(() => fillKconfig(8, [ext('CONFIG_OFF', 0, 4, 6)], btf, config), /kconfig CONFIG_OFF: not set in the kernel config \(declare it __weak/);
  assert.throws(() => fillKconfig(8, [ext('CONFIG_MOD', 0, 1, 2)], btf, config), /CONFIG_MOD: value 'm' does not fit a bool/);
  assert.throws(() => fillKconfig(4, [ext('CONFIG_HZ', 2, 4, 1)], btf, config), /past the \.kconfig map value/);
  assert.throws(() => fillKconfig(8, [ext('CONFIG_BIG', 0, 4, 1)], btf, config), /CONFIG_BIG: value 4294967296 does not fit in 4 byte/);
});

test('fillKconfig takes 0 or 1 for a bool, as libbpf does', () => {
  const one = parseKernelConfig('CONFIG_ONE=1\nCONFIG_ZERO=0\nCONFIG_TWO=2');
  const v = fillKconfig(4, [ext('CONFIG_ONE', 0, 1, 2), ext('CONFIG_ZERO', 1, 1, 2), ext('LINUX_HAS_BPF_COOKIE', 2, 1, 2), ext('LINUX_HAS_SYSCALL_WRAPPER', 3, 1, 2)], btf, one);
  assert.deepEqual([v[0], v[1], v[3]], [1, 0, 1]);
  assert.equal(v[2], kernelVersionCode() >= (5 << 16) + (15 << 8) ? 1 : 0);
  assert.throws(() => fillKconfig(1, [ext('CONFIG_TWO', 0, 1, 2)], btf, one), /kconfig CONFIG_TWO: numeric value 2 does not fit a bool \(only 0 or 1\)/);
});

test('kernelVersionCode', () => {
  assert.equal(kernelVersionCode('6.18.44-fc'), (6 << 16) | (18 << 8) | 44);
  assert.equal(kernelVersionCode('5.4.300'), (5 << 16) | (4 << 8) | 255);
  assert.equal(kernelVersionCode('weird'), 0);
});
