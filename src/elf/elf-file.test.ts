import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ElfFile, SectionType, SymbolBinding, SymbolType } from './elf-file.js';
import { ElfParseError } from './errors.js';
import { fixtureBytes } from '../testutils/bpf-objects.js';

/** A copy of `bytes` with `edit` applied through a DataView. */
function mutate(bytes: Uint8Array, edit: (v: DataView, b: Uint8Array) => void): Uint8Array {
  const b = new Uint8Array(bytes);
  edit(new DataView(b.buffer), b);
  return b;
}

const SHOFF = 40;
const SHNUM = 60;
/** Offset of section header `i`'s field at `field` (64-byte headers). */
function shdr(bytes: Uint8Array, i: number, field: number): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(SHOFF, true)) + i * 64 + field;
}

function throwsElf(bytes: Uint8Array, pattern: RegExp, read?: (e: ElfFile) => unknown): void {
  assert.throws(
    () => {
      const e = new ElfFile(bytes);
      read?.(e);
    },
    (err: unknown) => {
      assert.ok(err instanceof ElfParseError, `want ElfParseError, got ${String(err)}`);
      assert.match(err.message, pattern);
      assert.match(err.message, /^elf: /);
      return true;
    },
  );
}

test('reads sections, symbols and relocations of a clang object', (t) => {
  const bytes = fixtureBytes(t, 'count');
  if (!bytes) return;
  const elf = new ElfFile(bytes);
  assert.equal(elf.machine, 247);
  assert.equal(elf.fileType, 1);
  const socket = elf.section('socket');
  assert.ok(socket);
  assert.equal(socket.type, SectionType.ProgBits);
  assert.ok(socket.flags & 0x4, 'socket is executable');
  assert.equal(elf.data(socket).length, socket.size);
  const syms = elf.symbols();
  const prog = syms.find((s) => s.name === 'refresh_count');
  assert.ok(prog);
  assert.equal(prog.type, SymbolType.Func);
  assert.equal(prog.binding, SymbolBinding.Global);
  assert.equal(prog.sectionIndex, socket.index);
  const cb = syms.find((s) => s.name === 'count_elem');
  assert.equal(cb?.binding, SymbolBinding.Local);
  const map = syms.find((s) => s.name === 'my_map');
  assert.equal(map?.type, SymbolType.Object);
  assert.equal(elf.sections[map!.sectionIndex].name, '.maps');
  const rel = elf.relocationSections().get(socket.index);
  assert.ok(rel);
  const rels = elf.relocations(rel);
  assert.deepEqual(
    rels.map((r) => [r.offset, elf.symbol(r.symbol).name, r.type]),
    [
      [32, 'my_map', 1],
      [48, '.text', 1],
    ],
  );
});

test('rejects files that are not little-endian ELF64 BPF objects, saying why', (t) => {
  const bytes = fixtureBytes(t, 'count');
  if (!bytes) return;
  throwsElf(new Uint8Array(0), /bad magic/);
  throwsElf(new TextEncoder().encode('#!/bin/sh\necho hi\n'), /bad magic/);
  throwsElf(mutate(bytes, (_, b) => (b[4] = 1)), /32-bit.*only 64-bit/);
  throwsElf(mutate(bytes, (_, b) => (b[5] = 2)), /big-endian.*only little-endian/);
  throwsElf(mutate(bytes, (v) => v.setUint16(18, 62, true)), /e_machine is 62, want 247/);
  throwsElf(bytes.subarray(0, 40), /file header truncated/);
});

test('rejects section tables and contents past the end of the file', (t) => {
  const bytes = fixtureBytes(t, 'count');
  if (!bytes) return;
  throwsElf(bytes.subarray(0, bytes.length - 10), /section header table truncated/);
  throwsElf(mutate(bytes, (v) => v.setBigUint64(SHOFF, BigInt(bytes.length + 100), true)), /past end of file/);
  throwsElf(mutate(bytes, (v) => v.setUint16(SHNUM, 0xfff0, true)), /section header table truncated/);
  throwsElf(mutate(bytes, (v) => v.setUint16(58, 8, true)), /e_shentsize 8/);
  // Section 2 (.text) claims contents beyond the file.
  throwsElf(mutate(bytes, (v, b) => v.setBigUint64(shdr(b, 2, 32), 1n << 40n, true)), /section 2: contents at .* past end of file/);
  throwsElf(mutate(bytes, (v, b) => v.setBigUint64(shdr(b, 2, 24), 1n << 62n, true)), /too large/);
});

test('rejects lying string tables', (t) => {
  const bytes = fixtureBytes(t, 'count');
  if (!bytes) return;
  const elf = new ElfFile(bytes);
  const strtab = elf.sections.find((s) => s.type === SectionType.StrTab)!;
  // A size larger than the file.
  throwsElf(mutate(bytes, (v, b) => v.setBigUint64(shdr(b, strtab.index, 32), 0xffff_ffffn, true)), /past end of file/);
  // A size too small: names start beyond it or run off its end.
  throwsElf(mutate(bytes, (v, b) => v.setBigUint64(shdr(b, strtab.index, 32), 3n, true)), /(out of range|unterminated)/);
  // The section name string table index is out of range.
  throwsElf(mutate(bytes, (v) => v.setUint16(62, 999, true)), /e_shstrndx 999 out of range/);
  // A section name offset beyond the table.
  throwsElf(mutate(bytes, (v, b) => v.setUint32(shdr(b, 3, 0), 0x7fff_0000, true)), /section 3 name: string offset .* out of range/);
});

test('rejects relocations whose symbol index is out of range', (t) => {
  const bytes = fixtureBytes(t, 'count');
  if (!bytes) return;
  const elf = new ElfFile(bytes);
  const rel = elf.relocationSections().get(elf.section('socket')!.index)!;
  const bad = mutate(bytes, (v) => v.setUint32(rel.offset + 12, 9999, true));
  throwsElf(bad, /symbol index 9999 out of range \(\d+ symbols\)/, (e) => e.relocations(rel));
  assert.throws(() => elf.symbol(12345), /symbol index 12345 out of range/);
});

test('a symbol table with a lying entry size is refused', (t) => {
  const bytes = fixtureBytes(t, 'count');
  if (!bytes) return;
  const elf = new ElfFile(bytes);
  const symtab = elf.sections.find((s) => s.type === SectionType.SymTab)!;
  throwsElf(mutate(bytes, (v, b) => v.setBigUint64(shdr(b, symtab.index, 56), 4n, true)), /entry size 4/, (e) => e.symbols());
});
