import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { buildTestElf } from '../testutils/elf-builder.js';
import { bufferSource, fileSource, type ByteSource } from './byte-source.js';
import { ElfFile } from './elf-file.js';
import { ElfImage, MAX_TABLE, SectionType, SegmentType } from './elf-image.js';
import { ElfParseError } from './errors.js';

const SYMS = [
  { name: 'main', value: 0x8049010n },
  { name: 'helper', value: 0x8049080n, bind: 0, type: 1 },
];
const VARIANTS = [
  { is64: true, littleEndian: true },
  { is64: true, littleEndian: false },
  { is64: false, littleEndian: true },
  { is64: false, littleEndian: false },
];
/** Asserts that `fn` throws an {@link ElfParseError} whose message matches `re`. */
function throwsParse(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof ElfParseError && re.test(e.message));
}

const label = (v: { is64: boolean; littleEndian: boolean }): string => `ELF${v.is64 ? 64 : 32} ${v.littleEndian ? 'LE' : 'BE'}`;

test('reads headers, sections, symbols and segments of either class and byte order', () => {
  for (const v of VARIANTS) {
    const what = label(v);
    const elf = buildTestElf(SYMS, { ...v, machine: 3, vaddr: 0x8049000n });
    const img = new ElfImage(bufferSource(elf.bytes));
    assert.equal(img.is64, v.is64, what);
    assert.equal(img.littleEndian, v.littleEndian, what);
    assert.equal(img.machine, 3, what);
    assert.equal(img.fileType, 2, what);
    assert.deepEqual(
      img.sections.map((s) => [s.name, s.type]),
      [
        ['', SectionType.Null],
        ['.text', SectionType.ProgBits],
        ['.symtab', SectionType.SymTab],
        ['.strtab', SectionType.StrTab],
        ['.shstrtab', SectionType.StrTab],
      ],
      what,
    );
    const text = img.section('.text')!;
    assert.equal(text.addr, 0x8049000n, what);
    assert.equal(text.offset, elf.textOffset, what);
    assert.equal(img.data(text).length, 0x100, what);
    assert.deepEqual(
      [...img.symbolEntries(img.section('.symtab')!)].map((s) => [s.index, s.name, s.value, s.size, s.binding, s.type, s.sectionIndex]),
      [
        [0, '', 0n, 0n, 0, 0, 0],
        [1, 'main', 0x8049010n, 16n, 1, 2, 1],
        [2, 'helper', 0x8049080n, 16n, 0, 1, 1],
      ],
      what,
    );
    assert.deepEqual(img.segments(), [{ type: SegmentType.Load, flags: 5, offset: BigInt(elf.textOffset), vaddr: 0x8049000n, filesz: 0x100n, memsz: 0x100n }], what);
  }
});

test('the BPF reader refuses ELF32, big-endian and other machines before reading further', () => {
  const refuses = (bytes: Uint8Array, re: RegExp): void => throwsParse(() => new ElfFile(bytes), re);
  refuses(buildTestElf(SYMS, { is64: false, machine: 247 }).bytes, /^elf: unsupported ELF class 1 \(32-bit\): only 64-bit objects are supported$/);
  refuses(buildTestElf(SYMS, { littleEndian: false, machine: 247 }).bytes, /^elf: unsupported data encoding 2 \(big-endian\)/);
  refuses(buildTestElf(SYMS, { machine: 62 }).bytes, /^elf: e_machine is 62, want 247 \(EM_BPF\)$/);
  const any = new ElfFile(buildTestElf(SYMS, { machine: 62 }).bytes, { machine: null });
  assert.deepEqual(
    any.symbols().map((s) => [s.name, s.value]),
    [
      ['', 0],
      ['main', 0x8049010],
      ['helper', 0x8049080],
    ],
  );
});

test('errors go through the fail option, with the section when there is one', () => {
  class MyError extends Error {
    constructor(
      message: string,
      readonly section?: string,
    ) {
      super(message);
    }
  }
  const fail = (why: string, section?: string): never => {
    throw new MyError(`mine: ${why}`, section);
  };
  assert.throws(() => new ElfImage(bufferSource(new Uint8Array(20)), { fail }), (e: unknown) => e instanceof MyError && e.message === 'mine: not an ELF file (bad magic)');
  const elf = buildTestElf(SYMS);
  const b = new Uint8Array(elf.bytes);
  new DataView(b.buffer).setBigUint64(elf.shoff + 2 * elf.shentsize + 56, 4n, true); // .symtab entry size 4
  const img = new ElfImage(bufferSource(b), { fail });
  assert.throws(
    () => [...img.symbolEntries(img.section('.symtab')!)],
    (e: unknown) => e instanceof MyError && e.message === 'mine: .symtab: entry size 4 smaller than 24' && e.section === '.symtab',
  );
});

/** A source claiming `size` bytes: `head` at the start, zeros after; records the largest read. */
function hugeSource(head: Uint8Array, size: number): ByteSource & { largest: number } {
  const src = {
    size,
    largest: 0,
    read(off: number, len: number): Uint8Array {
      src.largest = Math.max(src.largest, len);
      if (len > 1 << 20) throw new Error(`test source: read of ${len} bytes`);
      const b = new Uint8Array(len);
      if (off < head.length) b.set(head.subarray(off, off + len));
      return b;
    },
  };
  return src;
}

test('a huge file with lying counts is refused without reading or allocating much', () => {
  // Extended numbering: 2^33 section headers, which a 1 TiB (sparse) file would have room for.
  const head = new Uint8Array(128);
  const v = new DataView(head.buffer);
  head.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  v.setBigUint64(40, 64n, true); // e_shoff
  v.setUint16(58, 64, true); // e_shentsize
  v.setUint16(60, 0, true); // e_shnum: see section 0
  v.setBigUint64(64 + 32, 1n << 33n, true); // section 0 sh_size
  const src = hugeSource(head, 2 ** 40);
  throwsParse(() => new ElfImage(src), /^elf: section header table is \d+ bytes, more than the 268435456 this reader accepts$/);
  assert.ok(src.largest <= 64, `largest read ${src.largest}`);

  // A symbol table of 1 GiB in a file that size.
  const elf = buildTestElf(SYMS);
  const b = new Uint8Array(elf.bytes);
  new DataView(b.buffer).setBigUint64(elf.shoff + 2 * elf.shentsize + 32, BigInt(MAX_TABLE) * 4n, true);
  const img = new ElfImage(hugeSource(b, MAX_TABLE * 8));
  throwsParse(() => [...img.symbolEntries(img.section('.symtab')!)], /^elf: \.symtab is 1073741824 bytes, more than the 268435456 this reader accepts$/);
});

test('a file source reads only what is asked, and a short read is an error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-elf-'));
  try {
    const elf = buildTestElf(SYMS, { is64: false, littleEndian: false });
    const path = join(dir, 'a.out');
    writeFileSync(path, elf.bytes);
    const fd = openSync(path, 'r');
    try {
      const img = new ElfImage(fileSource(fd));
      assert.deepEqual(
        [...img.symbolEntries(img.section('.symtab')!)].map((s) => s.name),
        ['', 'main', 'helper'],
      );
      // The file shrinks after the headers were read.
      const img2 = new ElfImage(fileSource(fd));
      truncateSync(path, elf.textOffset);
      throwsParse(() => [...img2.symbolEntries(img2.section('.symtab')!)], /^elf: string table 3: short read: 0 of 13 bytes at 4400$/);
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fuzz: mutated files of every class and byte order give an image or an ElfParseError', () => {
  const bases = VARIANTS.map((v) => buildTestElf(SYMS, v).bytes);
  const probe = (bytes: Uint8Array): void => {
    try {
      const img = new ElfImage(bufferSource(bytes));
      img.segments();
      for (const s of img.sections) {
        img.data(s);
        if (s.type === SectionType.SymTab || s.type === SectionType.DynSym) for (const e of img.symbolEntries(s)) void e;
      }
    } catch (e) {
      if (!(e instanceof ElfParseError)) throw e;
    }
  };
  fc.assert(
    fc.property(
      fc.nat(bases.length - 1),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
      fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { freq: 4 }),
      (which, edits, cut) => {
        let b = Uint8Array.from(bases[which]);
        for (const [at, value] of edits) b[at % b.length] = value;
        if (cut !== null) b = b.subarray(0, Math.floor(cut * b.length));
        probe(b);
      },
    ),
    { numRuns: 3000, seed: 7 },
  );
});
