import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import fc from 'fast-check';
import { ElfSymbolFile, ElfSymbolError, symbolFileOffset } from './index.js';
import { buildTestElf, type TestElfOptions, type TestSymbol } from '../testutils/elf-builder.js';
import { skipIf } from '../testutils/kernel.js';

/** A minimal ELF64 little-endian executable with `syms` in its symbol table (see buildTestElf). */
function buildElf(syms: TestSymbol[], opts: TestElfOptions = {}): Uint8Array {
  return buildTestElf(syms, opts).bytes;
}

test('symbol offsets map st_value through the PT_LOAD segment, or the section without one', () => {
  const syms = [
    { name: 'main', value: 0x401010n },
    { name: 'helper', value: 0x401080n },
  ];
  const f = ElfSymbolFile.fromBytes(buildElf(syms));
  assert.equal(f.is64, true);
  assert.equal(f.littleEndian, true);
  assert.equal(f.machine, 62);
  assert.equal(f.symbolOffset('main'), 0x1010n);
  assert.equal(f.symbolOffset('helper'), 0x1080n);
  assert.deepEqual(
    [...f.symbols()].map((s) => s.name),
    ['main', 'helper'],
  );
  // Without program headers: through the .text section.
  assert.equal(ElfSymbolFile.fromBytes(buildElf(syms, { noPhdr: true })).symbolOffset('helper'), 0x1080n);
  // .dynsym only (a stripped shared library).
  assert.equal(ElfSymbolFile.fromBytes(buildElf(syms, { table: 'dynsym' })).symbolOffset('main'), 0x1010n);
});

test('ELF32 and big-endian binaries: symbol offsets through the segment or the section', () => {
  const syms = [
    { name: 'main', value: 0x8049010n },
    { name: 'helper', value: 0x8049080n, bind: 0 },
  ];
  for (const is64 of [false, true]) {
    for (const littleEndian of [true, false]) {
      const what = `${is64 ? 64 : 32}-bit ${littleEndian ? 'little' : 'big'}-endian`;
      const f = ElfSymbolFile.fromBytes(buildElf(syms, { is64, littleEndian, machine: 40, vaddr: 0x8049000n }));
      assert.equal(f.is64, is64, what);
      assert.equal(f.littleEndian, littleEndian, what);
      assert.equal(f.machine, 40, what);
      assert.equal(f.type, 2, what);
      assert.deepEqual(
        [...f.symbols()].map((s) => [s.name, s.value, s.bind, s.table]),
        [
          ['main', 0x8049010n, 1, '.symtab'],
          ['helper', 0x8049080n, 0, '.symtab'],
        ],
        what,
      );
      assert.equal(f.symbolOffset('main'), 0x1010n, what);
      assert.equal(f.symbolOffset('helper'), 0x1080n, what);
      const noPhdr = ElfSymbolFile.fromBytes(buildElf(syms, { is64, littleEndian, vaddr: 0x8049000n, noPhdr: true }));
      assert.equal(noPhdr.symbolOffset('helper'), 0x1080n, what);
    }
  }
});

test('symbol lookup: undefined imports are skipped, global beats local, ambiguity and absence are errors', () => {
  const f = ElfSymbolFile.fromBytes(
    buildElf([
      { name: 'imported', value: 0n, shndx: 0 },
      { name: 'dup', value: 0x401020n, bind: 0 },
      { name: 'dup', value: 0x401040n, bind: 1 },
      { name: 'twice', value: 0x401050n, bind: 0 },
      { name: 'twice', value: 0x401060n, bind: 0 },
    ]),
  );
  assert.equal(f.symbolOffset('dup'), 0x1040n);
  assert.throws(() => f.symbolOffset('imported'), /symbol imported: not found in \.symtab or \.dynsym/);
  assert.throws(() => f.symbolOffset('twice'), (e: unknown) => e instanceof ElfSymbolError && /defined more than once \(0x401050 and 0x401060\)/.test((e as Error).message));
  assert.throws(() => f.symbolOffset('nothing'), ElfSymbolError);
  const unmapped = ElfSymbolFile.fromBytes(buildElf([{ name: 'far', value: 0x900000n }]));
  assert.throws(() => unmapped.symbolOffset('far'), /symbol far: no loadable segment or section maps it/);
});

test('bad headers give ElfSymbolError, not a crash', () => {
  const good = buildElf([{ name: 'main', value: 0x401010n }]);
  const cases: Array<[string, (b: Buffer) => void, RegExp]> = [
    ['magic', (b) => (b[0] = 0), /bad magic/],
    ['class', (b) => (b[4] = 7), /bad ELF class 7/],
    ['data', (b) => (b[5] = 9), /bad ELF data encoding 9/],
    ['shoff', (b) => b.writeBigUInt64LE(1n << 40n, 40), /section header table at .* past end of file/],
    ['shnum', (b) => b.writeUInt16LE(0xfff0, 60), /section header table truncated: .* exceed file size/],
    ['shentsize', (b) => b.writeUInt16LE(8, 58), /e_shentsize 8 smaller than 64/],
    ['phnum', (b) => b.writeUInt16LE(0x7fff, 56), /program header table truncated: .* exceed file size/],
  ];
  for (const [what, mutate, re] of cases) {
    const b = Buffer.from(good);
    mutate(b);
    assert.throws(() => ElfSymbolFile.fromBytes(b, 'x'), (e: unknown) => e instanceof ElfSymbolError && re.test((e as Error).message), what);
  }
  assert.throws(() => ElfSymbolFile.fromBytes(new Uint8Array(3)), /too short/);
  // A symbol table pointing past the end.
  const b = Buffer.from(good);
  const shoff = Number(b.readBigUInt64LE(40));
  b.writeBigUInt64LE(1n << 20n, shoff + 2 * 64 + 32);
  assert.throws(() => ElfSymbolFile.fromBytes(b).symbolOffset('main'), /section 2: contents at .* past end of file/);
});

test('fuzz: random and mutated ELF files never throw anything but ElfSymbolError', () => {
  const base = buildElf([
    { name: 'main', value: 0x401010n },
    { name: 'f', value: 0x401020n },
  ]);
  const probe = (bytes: Uint8Array): void => {
    try {
      const f = ElfSymbolFile.fromBytes(bytes);
      for (const s of f.symbols()) void s;
      f.symbolOffset('main');
    } catch (e) {
      if (!(e instanceof ElfSymbolError)) throw e;
    }
  };
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }), (edits) => {
      const b = Uint8Array.from(base);
      for (const [i, v] of edits) b[i] = v;
      probe(b);
    }),
    { numRuns: 2000 },
  );
  fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (b) => probe(Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, ...b]))), { numRuns: 500 });
  fc.assert(fc.property(fc.nat(base.length), (n) => probe(base.subarray(0, n))), { numRuns: 300 });
});

test('reads a real binary: the Node executable exports napi_create_object', (t) => {
  if (process.platform !== 'linux' || !existsSync(process.execPath)) return void skipIf(t, 'needs a Linux ELF Node binary');
  const off = symbolFileOffset(process.execPath, 'napi_create_object');
  assert.ok(off > 0n && off < BigInt(statSync(process.execPath).size));
});
