import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatCDecl, formatCDefinition, formatCType, formatVmlinuxHeader } from './c-printer.js';
import { BtfResolveError } from './errors.js';
import { memberLayout } from './layout.js';
import { parseBtf } from './parse.js';
import { Spec } from './spec.js';
import { kernelBtf, readFixture } from './test-fixtures.js';
import type { TypeInit } from './types.js';
import { skipIf } from '../testutils/kernel.js';

const clang = spawnSync('clang', ['--version']).status === 0;
const NO_CLANG = 'clang is not on PATH';

/** Compiles `source` with clang; returns stderr on failure. */
function compile(files: Record<string, string>, main: string, args: string[]): { ok: boolean; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-btf-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const r = spawnSync('clang', [...args, '-c', join(dir, main), '-o', join(dir, 'out.o')], { encoding: 'utf8' });
    return { ok: r.status === 0, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Types: ids in comments.
const TYPES: TypeInit[] = [
  { kind: 'int', name: 'int', size: 4, encoding: 'signed', bits: 32, offset: 0 }, // 1
  { kind: 'int', name: 'char', size: 1, encoding: 'signed', bits: 8, offset: 0 }, // 2
  { kind: 'ptr', name: '', type: 2 }, // 3: char *
  { kind: 'func_proto', name: '', returnType: 1, params: [{ name: 'a', type: 3 }, { name: 'b', type: 1 }], variadic: false }, // 4
  { kind: 'ptr', name: '', type: 4 }, // 5: int (*)(char *, int)
  { kind: 'array', name: '', type: 5, indexType: 1, nelems: 3 }, // 6: int (*[3])(char *, int)
  { kind: 'array', name: '', type: 1, indexType: 1, nelems: 4 }, // 7: int[4]
  { kind: 'ptr', name: '', type: 7 }, // 8: int (*)[4]
  { kind: 'const', name: '', type: 2 }, // 9: const char
  { kind: 'ptr', name: '', type: 9 }, // 10: const char *
  { kind: 'const', name: '', type: 3 }, // 11: char *const
  { kind: 'func_proto', name: '', returnType: 0, params: [], variadic: false }, // 12: void (void)
  { kind: 'ptr', name: '', type: 12 }, // 13
  { kind: 'func_proto', name: '', returnType: 13, params: [{ name: '', type: 1 }], variadic: true }, // 14: void (*(int, ...))(void)
  { kind: 'ptr', name: '', type: 14 }, // 15
  {
    kind: 'struct', // 16: anonymous, inlined
    name: '',
    size: 8,
    members: [
      { name: 'lo', type: 1, bitOffset: 0, bitfieldSize: 0 },
      { name: 'hi', type: 1, bitOffset: 32, bitfieldSize: 0 },
    ],
  },
  {
    kind: 'struct', // 17
    name: 'outer',
    size: 56,
    members: [
      { name: 'flags', type: 1, bitOffset: 0, bitfieldSize: 3 },
      { name: 'mode', type: 1, bitOffset: 3, bitfieldSize: 5 },
      { name: 'pair', type: 16, bitOffset: 32, bitfieldSize: 0 }, // natural would be 32
      { name: '', type: 18, bitOffset: 192, bitfieldSize: 0 }, // natural would be 128: padding
      { name: 'next', type: 19, bitOffset: 256, bitfieldSize: 0 },
      { name: 'tail', type: 2, bitOffset: 320, bitfieldSize: 0 }, // then padding to 56 bytes
    ],
  },
  { kind: 'union', name: '', size: 8, members: [{ name: 'u_int', type: 1, bitOffset: 0, bitfieldSize: 0 }, { name: 'u_ptr', type: 3, bitOffset: 0, bitfieldSize: 0 }] }, // 18
  { kind: 'ptr', name: '', type: 17 }, // 19: struct outer *
  { kind: 'enum', name: 'color', size: 4, signed: true, values: [{ name: 'RED', value: -1 }, { name: 'GREEN', value: 0x7fffffff }] }, // 20
  { kind: 'enum64', name: 'wide', size: 8, signed: false, values: [{ name: 'WIDE_MAX', value: 0xffff_ffff_ffff_ffffn }, { name: 'WIDE_BIG', value: 1n << 40n }] }, // 21
  { kind: 'enum', name: 'tiny', size: 1, signed: false, values: [{ name: 'TINY', value: 3 }] }, // 22
  {
    kind: 'struct', // 23: packed
    name: 'packed',
    size: 5,
    members: [
      { name: 'c', type: 2, bitOffset: 0, bitfieldSize: 0 },
      { name: 'i', type: 1, bitOffset: 8, bitfieldSize: 0 },
    ],
  },
  { kind: 'typedef', name: 'outer_t', type: 17 }, // 24
  { kind: 'typedef', name: 'handler_t', type: 5 }, // 25
  { kind: 'fwd', name: 'opaque', fwdKind: 'struct' }, // 26
  { kind: 'ptr', name: '', type: 26 }, // 27
  { kind: 'struct', name: 'holder', size: 8, members: [{ name: 'o', type: 27, bitOffset: 0, bitfieldSize: 0 }] }, // 28
  { kind: 'enum', name: '', size: 4, signed: false, values: [{ name: 'ANON_A', value: 1 }] }, // 29: anonymous, unreferenced
  { kind: 'volatile', name: '', type: 1 }, // 30
  { kind: 'type_tag', name: 'user', type: 2 }, // 31
  { kind: 'ptr', name: '', type: 31 }, // 32: char __user *
  { kind: 'struct', name: 'empty', size: 0, members: [] }, // 33
  { kind: 'func', name: 'fn', type: 4, linkage: 'global' }, // 34
];

test('formats declarators the C way', () => {
  const spec = Spec.fromTypes(TYPES);
  assert.equal(formatCDecl(spec, 3, 'p'), 'char *p');
  assert.equal(formatCDecl(spec, 5, 'f'), 'int (*f)(char *, int)');
  assert.equal(formatCDecl(spec, 6, 'fs'), 'int (*fs[3])(char *, int)');
  assert.equal(formatCDecl(spec, 8, 'pa'), 'int (*pa)[4]');
  assert.equal(formatCDecl(spec, 7, 'a'), 'int a[4]');
  assert.equal(formatCDecl(spec, 10, 's'), 'const char *s');
  assert.equal(formatCDecl(spec, 11, 's'), 'char *const s');
  assert.equal(formatCDecl(spec, 15, 'g'), 'void (*(*g)(int, ...))(void)');
  assert.equal(formatCDecl(spec, 30, 'v'), 'volatile int v');
  assert.equal(formatCDecl(spec, 32, 'u'), 'char *u');
  assert.equal(formatCDecl(spec, 34, 'fn'), 'int fn(char *a, int b)');
  assert.equal(formatCDecl(spec, 16, 'pair'), 'struct {\n\tint lo;\n\tint hi;\n} pair');
  assert.equal(formatCType(spec, 19), 'struct outer *');
  assert.equal(formatCType(spec, 5), 'int (*)(char *, int)');
  assert.equal(formatCType(spec, 0), 'void');
  assert.equal(formatCType(spec, 24), 'outer_t');
  assert.equal(formatCType(spec, 27), 'struct opaque *');
});

test('formats definitions with bitfields, padding, packing and enum sizes', () => {
  const spec = Spec.fromTypes(TYPES);
  assert.equal(
    formatCDefinition(spec, 17),
    [
      'struct outer {',
      '\tint flags: 3;',
      '\tint mode: 5;',
      '\tstruct {',
      '\t\tint lo;',
      '\t\tint hi;',
      '\t} pair;',
      '\tint: 32;',
      '\tlong: 64;',
      '\tunion {',
      '\t\tint u_int;',
      '\t\tchar *u_ptr;',
      '\t};',
      '\tstruct outer *next;',
      '\tchar tail;',
      '\tchar: 8;',
      '\tshort: 16;',
      '\tint: 32;',
      '\tlong: 64;',
      '};',
    ].join('\n'),
  );
  assert.equal(formatCDefinition(spec, 23), 'struct packed {\n\tchar c;\n\tint i;\n} __attribute__((packed));');
  assert.equal(formatCDefinition(spec, 20), 'enum color {\n\tRED = -1,\n\tGREEN = 2147483647,\n};');
  assert.equal(formatCDefinition(spec, 21), 'enum wide {\n\tWIDE_MAX = 18446744073709551615ULL,\n\tWIDE_BIG = 1099511627776LL,\n};');
  assert.equal(formatCDefinition(spec, 22), 'enum tiny {\n\tTINY = 3,\n} __attribute__((mode(byte)));');
  assert.equal(formatCDefinition(spec, 25), 'typedef int (*handler_t)(char *, int);');
  assert.equal(formatCDefinition(spec, 26), 'struct opaque;');
  assert.equal(formatCDefinition(spec, 33), 'struct empty {};');
  assert.equal(formatCDefinition(spec, 1), 'int');
});

test('header orders definitions before by-value uses and declares the rest', () => {
  const spec = Spec.fromTypes(TYPES);
  const h = formatVmlinuxHeader(spec);
  assert.match(h, /^#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n/);
  assert.match(h, /#pragma clang attribute push \(__attribute__\(\(preserve_access_index\)\), apply_to = record\)/);
  assert.match(h, /#pragma clang attribute pop/);
  assert.match(h, /#endif \/\* __VMLINUX_H__ \*\/\n$/);
  assert.ok(h.indexOf('struct outer;') < h.indexOf('struct outer {'), 'forward declaration first');
  assert.ok(h.includes('enum {\n\tANON_A = 1,\n};'), 'anonymous enum emitted');
  assert.ok(h.includes('struct opaque;'));
  assert.ok(!h.includes('fn('), 'functions are not declared');
  const noPai = formatVmlinuxHeader(spec, { preserveAccessIndex: false, guard: 'MY_H' });
  assert.ok(!noPai.includes('pragma'));
  assert.match(noPai, /^#ifndef MY_H\n/);
});

test('header renames duplicate names with ___N suffixes', () => {
  const spec = Spec.fromTypes([
    { kind: 'int', name: 'int', size: 4, encoding: 'signed', bits: 32, offset: 0 }, // 1
    { kind: 'struct', name: 'dup', size: 4, members: [{ name: 'a', type: 1, bitOffset: 0, bitfieldSize: 0 }] }, // 2
    { kind: 'struct', name: 'dup', size: 8, members: [{ name: 'b', type: 6, bitOffset: 0, bitfieldSize: 0 }] }, // 3
    { kind: 'enum', name: 'e1', size: 4, signed: false, values: [{ name: 'X', value: 1 }] }, // 4
    { kind: 'enum', name: 'e2', size: 4, signed: false, values: [{ name: 'X', value: 2 }] }, // 5
    { kind: 'ptr', name: '', type: 3 }, // 6
    { kind: 'enum', name: 'dup', size: 4, signed: false, values: [{ name: 'Y', value: 2 }] }, // 7: same tag namespace
  ]);
  const h = formatVmlinuxHeader(spec);
  assert.ok(h.includes('struct dup {\n\tint a;\n};'));
  assert.ok(h.includes('struct dup___2 {\n\tstruct dup___2 *b;\n};'));
  assert.ok(h.includes('X___2 = 2,'));
  assert.ok(h.includes('enum dup___3 {'));
});

test('header walks fail with a typed error on cycles C cannot express', () => {
  const spec = Spec.fromTypes([
    { kind: 'typedef', name: 'a', type: 2 },
    { kind: 'typedef', name: 'b', type: 1 },
    { kind: 'ptr', name: '', type: 3 },
  ]);
  assert.throws(() => formatVmlinuxHeader(spec), (e) => e instanceof BtfResolveError && e.reason === 'cycle');
  assert.throws(() => formatCDecl(spec, 3, 'p'), (e) => e instanceof BtfResolveError && e.reason === 'cycle');
});

test('hand-built header compiles and keeps every layout (clang)', (t) => {
  if (!clang) return void skipIf(t, NO_CLANG);
  const spec = Spec.fromTypes(TYPES);
  const asserts = ['#include "types.h"'];
  for (const x of spec) {
    if ((x.kind !== 'struct' && x.kind !== 'union') || x.name === '') continue;
    asserts.push(`_Static_assert(sizeof(${x.kind} ${x.name}) == ${x.size}, "size");`);
    x.members.forEach((m, i) => {
      const ml = memberLayout(spec, x.id, i);
      if (m.name && !ml.isBitfield) asserts.push(`_Static_assert(__builtin_offsetof(${x.kind} ${x.name}, ${m.name}) == ${ml.byteOffset}, "${m.name}");`);
    });
  }
  asserts.push('_Static_assert(sizeof(enum tiny) == 1, "tiny");', '_Static_assert(sizeof(enum wide) == 8, "wide");');
  for (const target of ['bpf', 'x86_64-linux-gnu']) {
    const r = compile({ 'types.h': formatVmlinuxHeader(spec), 'main.c': asserts.join('\n') + '\n' }, 'main.c', ['-target', target, '-Wno-unknown-attributes']);
    assert.ok(r.ok, `${target}:\n${r.stderr}`);
  }
});

test('vmlinux.h for the running kernel compiles into a CO-RE BPF object (clang)', (t) => {
  if (!clang) return void skipIf(t, NO_CLANG);
  const k = kernelBtf();
  if (!k.bytes) return void skipIf(t, k.reason);
  const spec = parseBtf(k.bytes);
  const header = formatVmlinuxHeader(spec);
  const task = spec.anyTypeByName('task_struct', 'struct')!;
  const prog = `
#include "vmlinux.h"
_Static_assert(sizeof(struct task_struct) == ${task.size}, "task_struct size");
#define SEC(name) __attribute__((section(name), used))
static long (*bpf_get_current_task)(void) = (void *)35;
static long (*bpf_probe_read_kernel)(void *dst, __u32 size, const void *src) = (void *)113;

SEC("tp_btf/sched_switch")
int read_task(u64 *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	int tgid = 0;
	bpf_probe_read_kernel(&tgid, sizeof(tgid), __builtin_preserve_access_index(&task->tgid));
	return tgid + BPF_MAP_TYPE_RINGBUF;
}
SEC("iter/bpf_map")
int count_elems(struct bpf_iter__bpf_map *ctx)
{
	struct bpf_map *map = ctx->map;
	if (!map)
		return 0;
	return bpf_map_sum_elem_count(map) > 0;
}

char LICENSE[] SEC("license") = "GPL";
`;
  assert.match(header, /\nextern s64 bpf_map_sum_elem_count\(const struct bpf_map \*map\) __weak __ksym;\n/);
  const r = compile({ 'vmlinux.h': header, 'prog.bpf.c': prog }, 'prog.bpf.c', ['-target', 'bpf', '-O2', '-g']);
  assert.ok(r.ok, r.stderr.slice(0, 4000));
});

test('prints the fixture object types', () => {
  const spec = parseBtf(readFixture('core-kinds.btf'));
  const sample = spec.anyTypeByName('sample', 'struct')!;
  assert.equal(
    formatCDefinition(spec, sample.id),
    'struct sample {\n\tint a;\n\tshort b;\n\tunsigned int flags: 3;\n\tint level: 5;\n\tstruct {\n\t\tlong inner;\n\t};\n\tlong arr[4];\n\tchar *name;\n};',
  );
});

test('a struct whose layout BTF cannot answer is printed without padding instead of failing', () => {
  const spec = Spec.fromTypes([
    { kind: 'fwd', name: 'opaque', fwdKind: 'struct' },
    { kind: 'struct', name: 'odd', size: 16, members: [{ name: 'o', type: 1, bitOffset: 64, bitfieldSize: 0 }] },
  ]);
  assert.equal(formatCDefinition(spec, 2), 'struct odd {\n\tstruct opaque o;\n};');
  assert.ok(formatVmlinuxHeader(spec).includes('struct odd {'));
});
