import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import fc from 'fast-check';
import { ElfSymbolFile, ElfSymbolError, symbolFileOffset } from './index.js';

interface Sym {
  name: string;
  value: bigint;
  bind?: number;
  type?: number;
  shndx?: number;
}

/**
 * A minimal ELF64 little-endian executable: one PT_LOAD mapping file offset `loadOff` at
 * `vaddr`, a .text section there, and a .symtab/.strtab with `syms`.
 */
function buildElf(syms: Sym[], opts: { vaddr?: bigint; loadOff?: bigint; table?: 'symtab' | 'dynsym'; noPhdr?: boolean } = {}): Uint8Array {
  const vaddr = opts.vaddr ?? 0x401000n;
  const loadOff = opts.loadOff ?? 0x1000n;
  const names = ['', ...syms.map((s) => s.name)];
  const strtab: number[] = [];
  const nameOff: number[] = [];
  for (const n of names) {
    nameOff.push(strtab.length);
    strtab.push(...Buffer.from(n), 0);
  }
  const shstr = Buffer.from('\0.text\0.symtab\0.strtab\0');
  const symtab = Buffer.alloc(24 * names.length);
  syms.forEach((s, i) => {
    const o = (i + 1) * 24;
    symtab.writeUInt32LE(nameOff[i + 1], o);
    symtab[o + 4] = ((s.bind ?? 1) << 4) | (s.type ?? 2);
    symtab.writeUInt16LE(s.shndx ?? 1, o + 6);
    symtab.writeBigUInt64LE(s.value, o + 8);
    symtab.writeBigUInt64LE(16n, o + 16);
  });
  const phoff = 64;
  const textOff = Number(loadOff);
  const textSize = 0x100;
  const symOff = textOff + textSize;
  const strOff = symOff + symtab.length;
  const shstrOff = strOff + strtab.length;
  const shoff = Math.ceil((shstrOff + shstr.length) / 8) * 8;
  const total = shoff + 64 * 5;
  const b = Buffer.alloc(total);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(62, 18); // x86-64
  b.writeUInt32LE(1, 20);
  b.writeBigUInt64LE(opts.noPhdr ? 0n : BigInt(phoff), 32);
  b.writeBigUInt64LE(BigInt(shoff), 40);
  b.writeUInt16LE(64, 52);
  b.writeUInt16LE(56, 54);
  b.writeUInt16LE(opts.noPhdr ? 0 : 1, 56);
  b.writeUInt16LE(64, 58);
  b.writeUInt16LE(5, 60);
  b.writeUInt16LE(4, 62);
  if (!opts.noPhdr) {
    b.writeUInt32LE(1, phoff); // PT_LOAD
    b.writeUInt32LE(5, phoff + 4);
    b.writeBigUInt64LE(loadOff, phoff + 8);
    b.writeBigUInt64LE(vaddr, phoff + 16);
    b.writeBigUInt64LE(BigInt(textSize), phoff + 32);
    b.writeBigUInt64LE(BigInt(textSize), phoff + 40);
  }
  b.set(symtab, symOff);
  b.set(strtab, strOff);
  b.set(shstr, shstrOff);
  const sh = (i: number, name: number, type: number, addr: bigint, off: number, size: number, link = 0, entsize = 0): void => {
    const o = shoff + i * 64;
    b.writeUInt32LE(name, o);
    b.writeUInt32LE(type, o + 4);
    b.writeBigUInt64LE(addr, o + 16);
    b.writeBigUInt64LE(BigInt(off), o + 24);
    b.writeBigUInt64LE(BigInt(size), o + 32);
    b.writeUInt32LE(link, o + 40);
    b.writeBigUInt64LE(BigInt(entsize), o + 56);
  };
  sh(1, 1, 1, vaddr, textOff, textSize);
  sh(2, 7, opts.table === 'dynsym' ? 11 : 2, 0n, symOff, symtab.length, 3, 24);
  sh(3, 15, 3, 0n, strOff, strtab.length);
  sh(4, 0, 3, 0n, shstrOff, shstr.length);
  return b;
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
    ['shoff', (b) => b.writeBigUInt64LE(1n << 40n, 40), /section headers at .* past the end/],
    ['shnum', (b) => b.writeUInt16LE(0xfff0, 60), /past the end/],
    ['shentsize', (b) => b.writeUInt16LE(8, 58), /section header size 8 < 64/],
    ['phnum', (b) => b.writeUInt16LE(0x7fff, 56), /program headers .* past the end/],
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
  assert.throws(() => ElfSymbolFile.fromBytes(b).symbolOffset('main'), /\.symtab at .* past the end/);
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
  if (process.platform !== 'linux' || !existsSync(process.execPath)) return t.skip('needs a Linux ELF Node binary');
  const off = symbolFileOffset(process.execPath, 'napi_create_object');
  assert.ok(off > 0n && off < BigInt(statSync(process.execPath).size));
});
