/**
 * Finds a function's file offset in an executable or shared library for uprobes (ELF64 or
 * ELF32, either byte order), on top of the generic ELF reader of src/elf. A file is read through
 * positioned reads: only the headers and the symbol and string tables, never the whole file.
 * Bad input gives an {@link ElfSymbolError}, never a crash or a huge allocation.
 */
import { closeSync, openSync } from 'node:fs';
import { bufferSource, fileSource, type ByteSource } from '../elf/byte-source.js';
import { ElfImage, SectionType, SegmentType, SymbolBinding, SymbolType, type ElfSection, type ElfSymbolEntry } from '../elf/elf-image.js';
import { readSdtNotes, type SdtNote } from '../elf/sdt-notes.js';
import { ElfSymbolError } from './errors.js';

export { bufferSource, type ByteSource } from '../elf/byte-source.js';

/** A symbol of `.symtab` or `.dynsym`. */
export interface ElfSymbol {
  name: string;
  /** st_value: the virtual address for executables and shared objects. */
  value: bigint;
  size: bigint;
  /** STT_*: 0 NOTYPE, 1 OBJECT, 2 FUNC, 10 GNU_IFUNC… */
  type: number;
  /** STB_*: 0 LOCAL, 1 GLOBAL, 2 WEAK. */
  bind: number;
  /** st_shndx: 0 means undefined (an import). */
  section: number;
  /** Which table it came from. */
  table: '.symtab' | '.dynsym';
}

/** How much a definition counts when several share a name: global, then weak, then local. */
function rank(binding: number): number {
  return binding === SymbolBinding.Global ? 3 : binding === SymbolBinding.Weak ? 2 : binding === SymbolBinding.Local ? 1 : 0;
}

/** The link module's view of a symbol table entry of `table`. */
function linkSymbol(e: ElfSymbolEntry, table: ElfSymbol['table']): ElfSymbol {
  return { name: e.name, value: e.value, size: e.size, type: e.type, bind: e.binding, section: e.sectionIndex, table };
}

/** A parsed ELF file: section and program headers, symbol tables read on demand. */
export class ElfSymbolFile extends ElfImage {
  /**
   * Parses the headers of `src`; `path` names the file in errors.
   * @throws {ElfSymbolError} when the file is not ELF or its headers are malformed.
   */
  constructor(src: ByteSource, path = '<buffer>') {
    super(src, {
      fail: (why) => {
        throw new ElfSymbolError(path, `elf ${path}: ${why}`);
      },
    });
    this.segments(); // read the program headers now: a bad table fails here, not at the first lookup
  }

  /** Parses an ELF file held in memory. */
  static fromBytes(bytes: Uint8Array, path?: string): ElfSymbolFile {
    return new ElfSymbolFile(bufferSource(bytes), path);
  }

  /** e_type: 2 EXEC, 3 DYN. */
  get type(): number {
    return this.fileType;
  }

  /** Yields the symbols of `.symtab` (if present) then `.dynsym`, without the null symbols. */
  *symbols(): IterableIterator<ElfSymbol> {
    for (const [section, table] of this.#symbolTables()) {
      for (const e of this.symbolEntries(section)) if (e.index !== 0) yield linkSymbol(e, table);
    }
  }

  /** The symbol table sections, `.symtab` (if present) first, then `.dynsym`. */
  *#symbolTables(): Generator<[ElfSection, ElfSymbol['table']], void, undefined> {
    for (const [type, table] of [
      [SectionType.SymTab, '.symtab'],
      [SectionType.DynSym, '.dynsym'],
    ] as const) {
      for (const s of this.sections) if (s.type === type) yield [s, table];
    }
  }

  /**
   * The file offset of the code at virtual address `addr`: through the PT_LOAD segment that
   * maps it, else the section that holds it.
   * @throws {ElfSymbolError} when no segment or section maps it.
   */
  fileOffset(addr: bigint, what = `address 0x${addr.toString(16)}`): bigint {
    for (const p of this.segments()) {
      if (p.type === SegmentType.Load && addr >= p.vaddr && addr < p.vaddr + p.filesz) return addr - p.vaddr + p.offset;
    }
    for (const s of this.sections) {
      if (s.type !== SectionType.NoBits && s.addr !== 0n && addr >= s.addr && addr < s.addr + BigInt(s.size)) return addr - s.addr + BigInt(s.offset);
    }
    this.fail(`${what}: no loadable segment or section maps it`);
  }

  /**
   * Finds symbol `name` (defined, not a section or file symbol); with several definitions a
   * global one wins over a weak one over a local one, and they must agree on the address.
   * @throws {ElfSymbolError} when missing or ambiguous.
   */
  findSymbol(name: string): ElfSymbol {
    let best: ElfSymbol | undefined;
    for (const [section, table] of this.#symbolTables()) {
      for (const s of this.symbolEntries(section)) {
        if (s.name !== name || s.sectionIndex === 0 || s.type === SymbolType.Section || s.type === SymbolType.File) continue;
        if (!best || rank(s.binding) > rank(best.bind)) {
          best = linkSymbol(s, table);
        } else if (rank(s.binding) === rank(best.bind) && s.value !== best.value) {
          this.fail(`symbol ${name}: defined more than once (0x${best.value.toString(16)} and 0x${s.value.toString(16)}); pass an offset instead`);
        }
      }
    }
    if (!best) {
      const stripped = !this.sections.some((s) => s.type === SectionType.SymTab);
      this.fail(`symbol ${name}: not found in .symtab or .dynsym${stripped ? ' (the binary is stripped: only exported symbols are listed)' : ''}`);
    }
    return best;
  }

  /**
   * The USDT probe sites described by the file's `.note.stapsdt` notes (empty when it has none),
   * with addresses adjusted by `.stapsdt.base`.
   * @throws {ElfSymbolError} when a note is malformed.
   */
  sdtNotes(): SdtNote[] {
    return readSdtNotes(this, (why) => this.fail(why));
  }

  /**
   * The file offset of symbol `name`, as a uprobe wants it.
   * @throws {ElfSymbolError} when the symbol is missing or not mapped.
   */
  symbolOffset(name: string): bigint {
    const s = this.findSymbol(name);
    return this.fileOffset(s.value, `symbol ${name}`);
  }
}

/**
 * Opens `path`, parses it and calls `fn` with it, reading only the parts `fn` asks for; the file
 * is closed afterwards.
 * @throws {ElfSymbolError} for a file that is not a readable ELF file.
 */
export function withElfFile<T>(path: string, fn: (f: ElfSymbolFile) => T): T {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new ElfSymbolError(path, `elf ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return fn(new ElfSymbolFile(fileSource(fd), path));
  } finally {
    closeSync(fd);
  }
}

/**
 * The file offset of function `symbol` in the ELF file at `path` (st_value mapped through its
 * PT_LOAD segment), e.g. for `attachUprobe`.
 * @throws {ElfSymbolError} when the file is not ELF or has no such symbol.
 */
export function symbolFileOffset(path: string, symbol: string): bigint {
  return withElfFile(path, (f) => f.symbolOffset(symbol));
}
