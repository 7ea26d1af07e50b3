/**
 * A small reader for relocatable ELF64 little-endian files (what `clang -target bpf` writes).
 *
 * It knows the generic ELF structures only: the file header, section headers and their names,
 * the symbol table, string tables and REL/RELA relocation sections. Every offset, size and count
 * is checked against the buffer before use, so a malformed file gives an {@link ElfParseError}
 * and never a crash, a hang or an unbounded allocation.
 */
import { ElfParseError } from './errors.js';

/** `e_machine` of BPF objects (EM_BPF). */
export const EM_BPF = 247;

/** Section header types (`sh_type`). */
export const SectionType = {
  Null: 0,
  ProgBits: 1,
  SymTab: 2,
  StrTab: 3,
  Rela: 4,
  Hash: 5,
  Dynamic: 6,
  Note: 7,
  NoBits: 8,
  Rel: 9,
  DynSym: 11,
} as const;

/** Section header flags (`sh_flags`). */
export const SectionFlag = {
  Write: 0x1,
  Alloc: 0x2,
  ExecInstr: 0x4,
  Compressed: 0x800,
} as const;

/** Symbol bindings (`ELF64_ST_BIND`). */
export const SymbolBinding = { Local: 0, Global: 1, Weak: 2 } as const;

/** Symbol types (`ELF64_ST_TYPE`). */
export const SymbolType = { NoType: 0, Object: 1, Func: 2, Section: 3, File: 4 } as const;

/** Special section indexes (`st_shndx`). */
export const SectionIndex = { Undef: 0, LoReserve: 0xff00, Abs: 0xfff1, Common: 0xfff2, XIndex: 0xffff } as const;

/** One section header, with its name resolved. */
export interface ElfSection {
  /** Index in the section header table. */
  index: number;
  /** Name from the section header string table. */
  name: string;
  /** `sh_type` ({@link SectionType}). */
  type: number;
  /** `sh_flags` ({@link SectionFlag}); bits above 2^53 are dropped. */
  flags: number;
  /** File offset of the contents. */
  offset: number;
  /** Size in bytes (for NOBITS, the size in memory; nothing is stored in the file). */
  size: number;
  /** `sh_link`: for symbol tables the string table, for relocations the symbol table. */
  link: number;
  /** `sh_info`: for relocation sections, the section the relocations apply to. */
  info: number;
  /** `sh_addralign`. */
  addralign: number;
  /** `sh_entsize`: entry size of table sections. */
  entsize: number;
}

/** One symbol of the symbol table. */
export interface ElfSymbol {
  /** Index in the symbol table (relocations refer to symbols by index). */
  index: number;
  /** Name from the symbol string table; for unnamed section symbols, the section's name. */
  name: string;
  /** `st_value`: for symbols in a section of a relocatable file, the offset in that section. */
  value: number;
  /** `st_size`. */
  size: number;
  /** {@link SymbolBinding}. */
  binding: number;
  /** {@link SymbolType}. */
  type: number;
  /** `st_other & 3`: 0 default, 1 internal, 2 hidden, 3 protected. */
  visibility: number;
  /** `st_shndx`: the section the symbol is defined in, or a {@link SectionIndex} value. */
  sectionIndex: number;
}

/** One relocation entry (REL, or RELA with an explicit addend). */
export interface ElfRelocation {
  /** Offset in the target section of the bytes to relocate. */
  offset: number;
  /** Symbol table index. */
  symbol: number;
  /** Relocation type (for BPF: 1 R_BPF_64_64, 2 R_BPF_64_ABS64, 3 R_BPF_64_ABS32, 4 R_BPF_64_NODYLD32, 10 R_BPF_64_32). */
  type: number;
  /** `r_addend` of RELA entries; 0 for REL. */
  addend: number;
}

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const REL_SIZE = 16;
const RELA_SIZE = 24;

/**
 * A parsed relocatable ELF64 little-endian file.
 *
 * The constructor validates the header and every section header; symbols and relocations are
 * decoded on demand. All methods throw {@link ElfParseError} on malformed input.
 */
export class ElfFile {
  /** The whole file. */
  readonly bytes: Uint8Array;
  /** `e_type` (1 = ET_REL). */
  readonly fileType: number;
  /** `e_machine` (247 = EM_BPF). */
  readonly machine: number;
  /** Section headers by index; index 0 is the null section. */
  readonly sections: readonly ElfSection[];

  private readonly view: DataView;
  private symbolCache: ElfSymbol[] | undefined;
  private symtabIndex = -1;
  private byName: Map<string, ElfSection> | undefined;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  /**
   * Parses the header and section headers of `bytes`.
   *
   * @param bytes the file contents
   * @param opts `machine`: the required `e_machine` (default {@link EM_BPF}; `null` accepts any)
   * @throws {ElfParseError} on a wrong magic, a 32-bit or big-endian file, another machine,
   *   truncated data, or a section whose contents lie past the end of the file
   */
  constructor(bytes: Uint8Array, opts: { machine?: number | null } = {}) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 16 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
      throw new ElfParseError('elf: not an ELF file (bad magic)');
    }
    if (bytes[4] !== 2) {
      throw new ElfParseError(
        `elf: unsupported ELF class ${bytes[4]}${bytes[4] === 1 ? ' (32-bit)' : ''}: only 64-bit objects are supported`,
      );
    }
    if (bytes[5] !== 1) {
      throw new ElfParseError(
        `elf: unsupported data encoding ${bytes[5]}${bytes[5] === 2 ? ' (big-endian)' : ''}: only little-endian objects are supported (compile with -target bpf or bpfel)`,
      );
    }
    if (bytes.length < EHDR_SIZE) throw new ElfParseError(`elf: file header truncated (${bytes.length} bytes)`);
    this.fileType = this.u16(16);
    this.machine = this.u16(18);
    const wanted = opts.machine === undefined ? EM_BPF : opts.machine;
    if (wanted !== null && this.machine !== wanted) {
      throw new ElfParseError(`elf: e_machine is ${this.machine}, want ${wanted}${wanted === EM_BPF ? ' (EM_BPF)' : ''}`);
    }
    const shoff = this.u64(40, 'e_shoff');
    const shentsize = this.u16(58);
    let shnum = this.u16(60);
    let shstrndx = this.u16(62);
    if (shoff === 0) {
      this.sections = [];
      return;
    }
    if (shentsize < SHDR_SIZE) throw new ElfParseError(`elf: e_shentsize ${shentsize} smaller than ${SHDR_SIZE}`);
    if (shoff > bytes.length || bytes.length - shoff < shentsize) {
      throw new ElfParseError(`elf: section header table at ${shoff} past end of file (${bytes.length} bytes)`);
    }
    // Extended numbering: the real counts live in section 0.
    if (shnum === 0) shnum = this.u64(shoff + 32, 'section 0 sh_size');
    if (shstrndx === SectionIndex.XIndex) shstrndx = this.u32(shoff + 40);
    if (shnum > (bytes.length - shoff) / shentsize) {
      throw new ElfParseError(
        `elf: section header table truncated: ${shnum} headers of ${shentsize} bytes at ${shoff} exceed file size ${bytes.length}`,
      );
    }
    const sections: ElfSection[] = [];
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * shentsize;
      const s: ElfSection = {
        index: i,
        name: '',
        type: this.u32(o + 4),
        flags: this.u64Lossy(o + 8),
        offset: this.u64(o + 24, `section ${i} sh_offset`),
        size: this.u64(o + 32, `section ${i} sh_size`),
        link: this.u32(o + 40),
        info: this.u32(o + 44),
        addralign: this.u64Lossy(o + 48),
        entsize: this.u64Lossy(o + 56),
      };
      if (s.type !== SectionType.NoBits && s.type !== SectionType.Null) {
        if (s.offset > bytes.length || s.size > bytes.length - s.offset) {
          throw new ElfParseError(
            `elf: section ${i}: contents at ${s.offset}+${s.size} past end of file (${bytes.length} bytes)`,
          );
        }
      }
      sections.push(s);
    }
    this.sections = sections;
    if (shnum > 0) {
      if (shstrndx >= shnum) throw new ElfParseError(`elf: e_shstrndx ${shstrndx} out of range (${shnum} sections)`);
      const strtab = sections[shstrndx];
      for (let i = 0; i < shnum; i++) {
        const nameOff = this.u32(shoff + i * shentsize);
        sections[i].name = this.stringAt(strtab, nameOff, `section ${i} name`);
      }
    }
  }

  /** The section with this name, or undefined (the first one when several share a name). */
  section(name: string): ElfSection | undefined {
    if (!this.byName) {
      this.byName = new Map();
      for (const s of this.sections) if (!this.byName.has(s.name)) this.byName.set(s.name, s);
    }
    return this.byName.get(name);
  }

  /**
   * The contents of a section, as a view into the file (no copy).
   *
   * NOBITS sections (`.bss`) have no contents in the file: this returns an empty array; use
   * `section.size` for their size.
   */
  data(section: ElfSection): Uint8Array {
    if (section.type === SectionType.NoBits || section.type === SectionType.Null) return new Uint8Array(0);
    return this.bytes.subarray(section.offset, section.offset + section.size);
  }

  /**
   * Reads the NUL-terminated string at `offset` in string table section `strtab`.
   *
   * @throws {ElfParseError} when the offset lies outside the table or the string is unterminated
   */
  stringAt(strtab: ElfSection, offset: number, what = 'string'): string {
    if (strtab.type !== SectionType.StrTab) {
      throw new ElfParseError(`elf: ${what}: section ${strtab.index} is not a string table`, strtab.name || undefined);
    }
    if (offset >= strtab.size) {
      if (offset === 0) return '';
      throw new ElfParseError(
        `elf: ${what}: string offset ${offset} out of range (string table ${strtab.index} has ${strtab.size} bytes)`,
        strtab.name || undefined,
      );
    }
    const start = strtab.offset + offset;
    const end = strtab.offset + strtab.size;
    let i = start;
    while (i < end && this.bytes[i] !== 0) i++;
    if (i === end) {
      throw new ElfParseError(`elf: ${what}: unterminated string at offset ${offset} of string table ${strtab.index}`);
    }
    return this.decoder.decode(this.bytes.subarray(start, i));
  }

  /**
   * The symbol table (the first SHT_SYMTAB section), decoded once and cached.
   *
   * @returns an empty list when the file has no symbol table
   */
  symbols(): readonly ElfSymbol[] {
    if (this.symbolCache) return this.symbolCache;
    const symtab = this.sections.find((s) => s.type === SectionType.SymTab);
    if (!symtab) {
      this.symbolCache = [];
      return this.symbolCache;
    }
    this.symtabIndex = symtab.index;
    const entsize = symtab.entsize || SYM_SIZE;
    if (entsize < SYM_SIZE) {
      throw new ElfParseError(`elf: symbol table: entry size ${entsize} smaller than ${SYM_SIZE}`, symtab.name);
    }
    if (symtab.link >= this.sections.length) {
      throw new ElfParseError(`elf: symbol table: string table index ${symtab.link} out of range`, symtab.name);
    }
    const strtab = this.sections[symtab.link];
    const count = Math.floor(symtab.size / entsize);
    const out: ElfSymbol[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const o = symtab.offset + i * entsize;
      const info = this.bytes[o + 4];
      out[i] = {
        index: i,
        name: this.stringAt(strtab, this.u32(o), `symbol ${i} name`),
        binding: info >> 4,
        type: info & 0xf,
        visibility: this.bytes[o + 5] & 3,
        sectionIndex: this.u16(o + 6),
        value: this.u64(o + 8, `symbol ${i} st_value`),
        size: this.u64(o + 16, `symbol ${i} st_size`),
      };
    }
    for (const sym of out) {
      if (sym.name === '' && sym.type === SymbolType.Section && sym.sectionIndex < this.sections.length) {
        sym.name = this.sections[sym.sectionIndex].name;
      }
    }
    this.symbolCache = out;
    return out;
  }

  /**
   * The symbol at `index`, checked against the table size.
   *
   * @throws {ElfParseError} when the index is out of range
   */
  symbol(index: number, context = 'relocation'): ElfSymbol {
    const syms = this.symbols();
    if (index >= syms.length) {
      throw new ElfParseError(`elf: ${context}: symbol index ${index} out of range (${syms.length} symbols)`);
    }
    return syms[index];
  }

  /** The relocation sections (REL and RELA), keyed by the index of the section they apply to. */
  relocationSections(): Map<number, ElfSection> {
    const out = new Map<number, ElfSection>();
    for (const s of this.sections) {
      if (s.type === SectionType.Rel || s.type === SectionType.Rela) out.set(s.info, s);
    }
    return out;
  }

  /**
   * Decodes the entries of a REL or RELA section.
   *
   * @throws {ElfParseError} on a bad entry size, a symbol table mismatch or a symbol index out of range
   */
  relocations(section: ElfSection): ElfRelocation[] {
    const rela = section.type === SectionType.Rela;
    if (!rela && section.type !== SectionType.Rel) {
      throw new ElfParseError(`elf: section ${section.index} (${section.name}) is not a relocation section`, section.name);
    }
    const min = rela ? RELA_SIZE : REL_SIZE;
    const entsize = section.entsize || min;
    if (entsize < min) {
      throw new ElfParseError(
        `elf: section ${section.index} (${section.name}): relocation entry size ${entsize} smaller than ${min}`,
        section.name,
      );
    }
    const syms = this.symbols();
    if (section.link !== this.symtabIndex && this.symtabIndex >= 0 && section.link !== 0) {
      throw new ElfParseError(
        `elf: section ${section.index} (${section.name}): relocations refer to section ${section.link}, not the symbol table`,
        section.name,
      );
    }
    const count = Math.floor(section.size / entsize);
    const out: ElfRelocation[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const o = section.offset + i * entsize;
      const offset = this.u64(o, `section ${section.name}: relocation ${i} r_offset`);
      const type = this.u32(o + 8);
      const symbol = this.u32(o + 12);
      if (symbol >= syms.length) {
        throw new ElfParseError(
          `elf: section ${section.index} (${section.name}): relocation ${i}: symbol index ${symbol} out of range (${syms.length} symbols)`,
          section.name,
        );
      }
      const addend = rela ? Number(this.view.getBigInt64(o + 16, true)) : 0;
      out[i] = { offset, symbol, type, addend };
    }
    return out;
  }

  private u16(o: number): number {
    this.need(o, 2);
    return this.view.getUint16(o, true);
  }

  private u32(o: number): number {
    this.need(o, 4);
    return this.view.getUint32(o, true);
  }

  /** A u64 that must be a safe integer (offsets, sizes, symbol values). */
  private u64(o: number, what: string): number {
    this.need(o, 8);
    const v = this.view.getBigUint64(o, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfParseError(`elf: ${what}: value ${v} too large`);
    return Number(v);
  }

  /** A u64 where precision beyond 2^53 does not matter (flags, alignment). */
  private u64Lossy(o: number): number {
    this.need(o, 8);
    return Number(this.view.getBigUint64(o, true) & 0x1f_ffff_ffff_ffffn);
  }

  private need(o: number, n: number): void {
    if (o < 0 || o + n > this.bytes.length) {
      throw new ElfParseError(`elf: read of ${n} bytes at offset ${o} past end of file (${this.bytes.length} bytes)`);
    }
  }
}
