// The type emitter on hand-built BTF: kinds clang 14 does not emit (enum64, signed enums), floats,
// 128-bit integers, typedef naming, name clashes, and types with no TypeScript form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { Spec, type TypeInit } from '../btf/index.js';
import { helperImport } from './helpers.js';
import { NameTable, camelCase, pascalCase } from './names.js';
import { TypeEmitter } from './types.js';
import { UnsupportedTypeError } from './errors.js';

const INT = (name: string, size: number, encoding: 'signed' | 'unsigned' | 'bool' | 'char' = 'unsigned'): TypeInit => ({ kind: 'int', name, size, encoding, bits: size * 8, offset: 0 });

// ids:        1 u32            2 s64                3 double            4 u128
const base: TypeInit[] = [INT('unsigned int', 4), INT('long long', 8, 'signed'), { kind: 'float', name: 'double', size: 8 }, INT('unsigned __int128', 16)];

function emitter(types: TypeInit[]): { spec: Spec; em: TypeEmitter } {
  const spec = Spec.fromTypes([...base, ...types]);
  return { spec, em: new TypeEmitter(spec, new NameTable()) };
}

/** Transpiles the emitted declarations plus helpers to JS and imports them. */
async function run(em: TypeEmitter): Promise<Record<string, any>> {
  const lib = new URL('../index.ts', import.meta.url).href;
  const src = [`import * as tsbpf from ${JSON.stringify(lib)};`, helperImport(em.helpers), ...em.declarations].join('\n\n');
  const js = ts.transpileModule(src, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-types-'));
  try {
    const file = join(dir, 'm.mjs');
    writeFileSync(file, js);
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('names: PascalCase, camelCase', () => {
  assert.equal(pascalCase('task_info'), 'TaskInfo');
  assert.equal(pascalCase('__sk_buff'), 'SkBuff');
  assert.equal(pascalCase('xdp-pass'), 'XdpPass');
  assert.equal(pascalCase('1st'), 'T1st');
  assert.equal(camelCase('ring_buffer'), 'ringBuffer');
  const n = new NameTable();
  assert.equal(n.take('Record', 'RecordStruct'), 'RecordStruct');
  assert.equal(n.take('Foo'), 'Foo');
  assert.equal(n.take('Foo'), 'Foo2');
});

test('64-bit and signed enums become bigint and negative literals', async () => {
  const { em } = emitter([
    { kind: 'enum64', name: 'big', size: 8, signed: true, values: [{ name: 'MINUS', value: -2n }, { name: 'HUGE', value: 1n << 40n }] }, // 5
    { kind: 'enum', name: 'small', size: 1, signed: true, values: [{ name: 'NEG', value: -1 }, { name: 'POS', value: 1 }] }, // 6
    { kind: 'struct', name: 'holder', size: 16, members: [{ name: 'b', type: 5, bitOffset: 0, bitfieldSize: 0 }, { name: 's', type: 6, bitOffset: 64, bitfieldSize: 0 }] }, // 7
  ]);
  assert.deepEqual(em.codecFor(7, 'X', 'test'), { ts: 'Holder', codec: 'Holder' });
  const text = em.declarations.join('\n');
  assert.match(text, /  MINUS: -2n,\n  HUGE: 1099511627776n,/);
  assert.match(text, /  NEG: -1,\n  POS: 1,/);
  const m = await run(em);
  const bytes = new Uint8Array(16).fill(0xee);
  m.Holder.encode({ b: m.Big.MINUS, s: m.Small.NEG }, new DataView(bytes.buffer), 0);
  assert.deepEqual([...bytes], [0xfe, ...Array(7).fill(0xff), 0xff, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(m.Holder.decode(new DataView(bytes.buffer), 0), { b: -2n, s: -1 });
});

test('floats, 128-bit integers, pointers and typedef names', async () => {
  const { em } = emitter([
    { kind: 'ptr', name: '', type: 0 }, // 5
    { kind: 'struct', name: 'sample', size: 48, members: [
      { name: 'f', type: 3, bitOffset: 0, bitfieldSize: 0 },
      { name: 'p', type: 5, bitOffset: 64, bitfieldSize: 0 },
      { name: 'w', type: 4, bitOffset: 128, bitfieldSize: 0 },
      { name: 'n', type: 1, bitOffset: 256, bitfieldSize: 0 },
    ] }, // 6
    { kind: 'typedef', name: 'sample_t', type: 6 }, // 7
    { kind: 'typedef', name: 'count_t', type: 1 }, // 8
  ]);
  assert.deepEqual(em.codecFor(7, 'X', 'test'), { ts: 'SampleT', codec: 'SampleT' });
  assert.deepEqual(em.codecFor(8, 'X', 'test'), { ts: 'number', codec: 'tsbpf.u32' }, 'typedefs of scalars are the scalar');
  assert.deepEqual(em.codecFor(4, 'Wide', 'test'), { ts: 'bigint', codec: 'u128Codec' });
  const m = await run(em);
  const v = { f: 1.5, p: 0xffff888000001000n, w: (1n << 127n) + 5n, n: 42 };
  const bytes = new Uint8Array(48).fill(0xaa);
  m.SampleT.encode(v, new DataView(bytes.buffer), 0);
  assert.deepEqual([...bytes.subarray(36)], Array(12).fill(0), 'tail padding zeroed');
  assert.deepEqual(m.Sample.decode(new DataView(bytes.buffer), 0), v);
  assert.equal(m.SampleT, m.Sample);
});

test('types with no TypeScript form are named, with where they were used', () => {
  const { em } = emitter([
    { kind: 'float', name: 'long double', size: 16 }, // 5
    { kind: 'struct', name: 'outer', size: 16, members: [{ name: 'ld', type: 5, bitOffset: 0, bitfieldSize: 0 }] }, // 6
    { kind: 'fwd', name: 'later', fwdKind: 'struct' }, // 7
    { kind: 'func_proto', name: '', returnType: 0, params: [], variadic: false }, // 8
  ]);
  assert.throws(
    () => em.codecFor(6, 'V', 'map m: value'),
    (e: Error) => e instanceof UnsupportedTypeError && e.typeName === 'long double' && e.message === 'gen: map m: value: struct outer: member ld: long double (type 5): no JavaScript number holds a 16-byte float',
  );
  assert.throws(() => em.codecFor(7, 'V', 'variable x'), (e: Error) => e instanceof UnsupportedTypeError && e.typeName === 'struct later' && /forward declaration/.test(e.message));
  assert.throws(() => em.codecFor(0, 'V', 'variable y'), /void has no size/);
  assert.throws(() => em.codecFor(8, 'V', 'variable z'), /func_proto is not a data type/);
});

test('anonymous members are flattened; anonymous types are named after where they are used', () => {
  const { em } = emitter([
    { kind: 'struct', name: '', size: 4, members: [{ name: 'a', type: 1, bitOffset: 0, bitfieldSize: 0 }] }, // 5
    { kind: 'struct', name: 'conn', size: 8, members: [
      { name: 'addr', type: 5, bitOffset: 0, bitfieldSize: 0 },
      { name: '', type: 5, bitOffset: 32, bitfieldSize: 0 },
    ] }, // 6
  ]);
  em.codecFor(6, 'X', 'test');
  const text = em.declarations.join('\n');
  assert.match(text, /export interface ConnAddr \{\n  \/\*\* `unsigned int a`: offset 0, 4 byte\(s\)\. \*\/\n  a: number;\n\}/);
  assert.match(text, /export interface Conn \{\n.*\n  addr: ConnAddr;\n.*\n  a: number;\n\}/);
});
