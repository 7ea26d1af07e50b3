/**
 * The generic part of ELF: the file header, section headers and their names, string tables,
 * symbol tables and program headers, for either class (ELF32, ELF64) and either byte order,
 * read through a {@link ByteSource} so a large file is read piece by piece.
 *
 * Two readers build on it: {@link ElfFile} (BPF objects: 64-bit, little-endian, EM_BPF, held in
 * memory) and the uprobe symbol reader of the link module (any host binary, read from an fd).
 * Every offset, size and count is checked against the file size before use, and every table
 * read is capped, so a malformed file gives a typed error and never a crash, a hang or an
 * unbounded allocation.
 */
import type { ByteSource } from './byte-source.js';
import { ElfParseError } from './errors.js';

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

/** Program header types (`p_type`). */
export const SegmentType = { Null: 0, Load: 1, Dynamic: 2, Interp: 3, Note: 4 } as const;

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
  /** `sh_addr`: the virtual address of the section in executables and shared objects. */
  addr: bigint;
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

/** One program header (segment). */
export interface ElfSegment {
  /** `p_type` ({@link SegmentType}). */
  type: number;
  /** `p_flags`: 1 execute, 2 write, 4 read. */
  flags: number;
  /** `p_offset`: file offset of the segment. */
  offset: bigint;
  /** `p_vaddr`: where the segment is mapped. */
  vaddr: bigint;
  /** `p_filesz`: bytes of the file mapped. */
  filesz: bigint;
  /** `p_memsz`: bytes in memory (more than `filesz` for `.bss`). */
  memsz: bigint;
}

/** One symbol table entry, as stored (values of either class widened to bigint). */
export interface ElfSymbolEntry {
  /** Index in its symbol table. */
  index: number;
  /** Name from the table's string table. */
  name: string;
  /** `st_value`: a section offset in relocatable files, a virtual address in executables. */
  value: bigint;
  /** `st_size`. */
  size: bigint;
  /** {@link SymbolBinding}. */
  binding: number;
  /** {@link SymbolType}. */
  type: number;
  /** `st_other & 3`: 0 default, 1 internal, 2 hidden, 3 protected. */
  visibility: number;
  /** `st_shndx`: the section the symbol is defined in, or a {@link SectionIndex} value. */
  sectionIndex: number;
}

/** The file header fields a reader may want to check before the section headers are read. */
export interface ElfHeader {
  /** ELFCLASS64 (else ELFCLASS32). */
  readonly is64: boolean;
  /** ELFDATA2LSB (else ELFDATA2MSB). */
  readonly littleEndian: boolean;
  /** `e_type`: 1 REL, 2 EXEC, 3 DYN. */
  readonly fileType: number;
  /** `e_machine`: 62 x86-64, 183 aarch64, 247 BPF... */
  readonly machine: number;
}

/** Options of {@link ElfImage}. */
export interface ElfImageOptions {
  /** Called with the file header before anything else is read; throws to refuse the file. */
  accept?: (header: ElfHeader) => void;
  /**
   * Throws the error for a malformed file; `why` is the message after the reader's prefix.
   * Default: an {@link ElfParseError} with message `elf: ${why}`.
   */
  fail?: (why: string, section?: string) => never;
}

/** Upper bound on a single table (header table, symbol or string table) read at once: 256 MiB. */
export const MAX_TABLE = 256 * 1024 * 1024;

/**
 * Where the fields of each structure sit in ELF64; e_phentsize is followed by e_phnum,
 * e_shentsize, e_shnum and e_shstrndx, 2 bytes each.
 */
const LAYOUT64 = {
  ehdr: 64,
  phoff: 32,
  shoff: 40,
  phentsize: 54,
  shdr: { size: 64, name: 0, type: 4, flags: 8, addr: 16, offset: 24, bytes: 32, link: 40, info: 44, addralign: 48, entsize: 56 },
  sym: { size: 24, name: 0, info: 4, other: 5, shndx: 6, value: 8, bytes: 16 },
  phdr: { size: 56, type: 0, flags: 4, offset: 8, vaddr: 16, filesz: 32, memsz: 40 },
};

/** The same for ELF32. */
const LAYOUT32: Layout = {
  ehdr: 52,
  phoff: 28,
  shoff: 32,
  phentsize: 42,
  shdr: { size: 40, name: 0, type: 4, flags: 8, addr: 12, offset: 16, bytes: 20, link: 24, info: 28, addralign: 32, entsize: 36 },
  sym: { size: 16, name: 0, value: 4, bytes: 8, info: 12, other: 13, shndx: 14 },
  phdr: { size: 32, type: 0, offset: 4, vaddr: 8, filesz: 16, memsz: 20, flags: 24 },
};

/** Where the fields of each structure sit, for one ELF class. */
type Layout = typeof LAYOUT64;

const decoder = new TextDecoder('utf-8', { fatal: false });

function defaultFail(why: string, section?: string): never {
  throw new ElfParseError(`elf: ${why}`, section);
}

/** Reads the fields of one already range-checked block in the file's class and byte order. */
class Fields {
  readonly #view: DataView;
  readonly #le: boolean;
  readonly #is64: boolean;

  constructor(b: Uint8Array, le: boolean, is64: boolean) {
    this.#view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.#le = le;
    this.#is64 = is64;
  }

  u8(o: number): number {
    return this.#view.getUint8(o);
  }

  u16(o: number): number {
    return this.#view.getUint16(o, this.#le);
  }

  u32(o: number): number {
    return this.#view.getUint32(o, this.#le);
  }

  /** An address-sized field (`ElfN_Addr`, `ElfN_Off`, `ElfN_Xword` / `Word`): 8 bytes in ELF64, 4 in ELF32. */
  word(o: number): bigint {
    return this.#is64 ? this.#view.getBigUint64(o, this.#le) : BigInt(this.#view.getUint32(o, this.#le));
  }
}

/**
 * A parsed ELF file of either class and byte order: header and section headers read and
 * checked at construction, everything else (contents, strings, symbols, segments) on demand.
 *
 * All methods throw through the `fail` option ({@link ElfParseError} by default) on malformed
 * input. Reads go through the {@link ByteSource}; string and symbol tables are read whole once
 * (each at most {@link MAX_TABLE} bytes) and kept.
 */
export class ElfImage implements ElfHeader {
  /** Where the bytes come from. */
  readonly source: ByteSource;
  readonly is64: boolean;
  readonly littleEndian: boolean;
  readonly fileType: number;
  readonly machine: number;
  /** Section headers by index; index 0 is the null section. Empty when the file has none. */
  readonly sections: readonly ElfSection[];

  readonly #fail: (why: string, section?: string) => never;
  readonly #layout: Layout;
  readonly #phoff: bigint;
  readonly #phentsize: number;
  readonly #phnum: number;
  #segments: ElfSegment[] | undefined;
  #byName: Map<string, ElfSection> | undefined;
  readonly #tables = new Map<ElfSection, Uint8Array>();

  /**
   * Reads and checks the file header and the section headers of `source`.
   *
   * @throws through `opts.fail` ({@link ElfParseError} by default) on a bad magic, class or
   *   byte order, truncated headers, a section whose contents lie past the end of the file, or
   *   section names outside the section name string table
   */
  constructor(source: ByteSource, opts: ElfImageOptions = {}) {
    this.source = source;
    this.#fail = opts.fail ?? defaultFail;
    const size = source.size;
    const ident = this.#read(0, Math.min(16, size), 'e_ident');
    if (ident.length < 4 || ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) {
      this.fail(`not an ELF file (bad magic)${size < 16 ? `: ${size} bytes, too short for an ELF header` : ''}`);
    }
    if (size < 16) this.fail(`too short for an ELF header (${size} bytes)`);
    if (ident[4] !== 1 && ident[4] !== 2) this.fail(`bad ELF class ${ident[4]}`);
    if (ident[5] !== 1 && ident[5] !== 2) this.fail(`bad ELF data encoding ${ident[5]}`);
    this.is64 = ident[4] === 2;
    this.littleEndian = ident[5] === 1;
    const L = (this.#layout = this.is64 ? LAYOUT64 : LAYOUT32);
    if (size < L.ehdr) this.fail(`file header truncated (${size} bytes)`);
    const h = this.#fields(this.#read(0, L.ehdr, 'file header'));
    this.fileType = h.u16(16);
    this.machine = h.u16(18);
    opts.accept?.({ is64: this.is64, littleEndian: this.littleEndian, fileType: this.fileType, machine: this.machine });
    this.#phoff = h.word(L.phoff);
    this.#phentsize = h.u16(L.phentsize);
    this.#phnum = h.u16(L.phentsize + 2);
    const shentsize = h.u16(L.phentsize + 4);
    let shnum = h.u16(L.phentsize + 6);
    let shstrndx = h.u16(L.phentsize + 8);
    const shoff = this.toNumber(h.word(L.shoff), 'e_shoff');
    if (shoff === 0) {
      this.sections = [];
      return;
    }
    const S = L.shdr;
    if (shentsize < S.size) this.fail(`e_shentsize ${shentsize} smaller than ${S.size}`);
    if (shoff > size || size - shoff < shentsize) this.fail(`section header table at ${shoff} past end of file (${size} bytes)`);
    // Extended numbering: the real counts live in section 0.
    if (shnum === 0 || shstrndx === SectionIndex.XIndex) {
      const s0 = this.#fields(this.#read(shoff, shentsize, 'section 0'));
      if (shnum === 0) shnum = this.toNumber(s0.word(S.bytes), 'section 0 sh_size');
      if (shstrndx === SectionIndex.XIndex) shstrndx = s0.u32(S.link);
    }
    if (shnum > (size - shoff) / shentsize) {
      this.fail(`section header table truncated: ${shnum} headers of ${shentsize} bytes at ${shoff} exceed file size ${size}`);
    }
    const table = this.#fields(this.#readTable(shoff, shnum * shentsize, 'section header table'));
    const sections: ElfSection[] = [];
    for (let i = 0; i < shnum; i++) {
      const o = i * shentsize;
      const s: ElfSection = {
        index: i,
        name: '',
        type: table.u32(o + S.type),
        flags: lossy(table.word(o + S.flags)),
        addr: table.word(o + S.addr),
        offset: this.toNumber(table.word(o + S.offset), `section ${i} sh_offset`),
        size: this.toNumber(table.word(o + S.bytes), `section ${i} sh_size`),
        link: table.u32(o + S.link),
        info: table.u32(o + S.info),
        addralign: lossy(table.word(o + S.addralign)),
        entsize: lossy(table.word(o + S.entsize)),
      };
      if (hasContents(s) && (s.offset > size || s.size > size - s.offset)) {
        this.fail(`section ${i}: contents at ${s.offset}+${s.size} past end of file (${size} bytes)`);
      }
      sections.push(s);
    }
    this.sections = sections;
    // SHN_UNDEF: the file has no section name table, and its sections no names.
    if (shnum > 0 && shstrndx !== SectionIndex.Undef) {
      if (shstrndx >= shnum) this.fail(`e_shstrndx ${shstrndx} out of range (${shnum} sections)`);
      const strtab = sections[shstrndx];
      for (let i = 0; i < shnum; i++) sections[i].name = this.stringAt(strtab, table.u32(i * shentsize + S.name), `section ${i} name`);
    }
  }

  /** The section with this name, or undefined (the first one when several share a name). */
  section(name: string): ElfSection | undefined {
    if (!this.#byName) {
      this.#byName = new Map();
      for (const s of this.sections) if (!this.#byName.has(s.name)) this.#byName.set(s.name, s);
    }
    return this.#byName.get(name);
  }

  /**
   * The contents of a section: for an in-memory source a view into the file (no copy), for a
   * file source a fresh read of the whole section (not capped: read from files only what you need).
   *
   * NOBITS sections (`.bss`) have no contents in the file: this returns an empty array; use
   * `section.size` for their size.
   */
  data(section: ElfSection): Uint8Array {
    if (!hasContents(section)) return new Uint8Array(0);
    return this.#read(section.offset, section.size, `section ${section.index}: contents`);
  }

  /**
   * Reads the NUL-terminated string at `offset` in string table section `strtab`.
   *
   * @param what the context for error messages, e.g. `section 3 name`
   * @throws when `strtab` is not a string table, the offset lies outside it or the string is
   *   unterminated
   */
  stringAt(strtab: ElfSection, offset: number, what = 'string'): string {
    return this.#string(this.#strings(strtab, what), strtab, offset, what);
  }

  /**
   * Decodes the entries of symbol table section `symtab` (SHT_SYMTAB or SHT_DYNSYM), index 0
   * (the null symbol) included, one at a time.
   *
   * @throws when the entry size is too small, the string table index is out of range, the table
   *   is larger than {@link MAX_TABLE}, or a name lies outside the string table
   */
  *symbolEntries(symtab: ElfSection): Generator<ElfSymbolEntry, void, undefined> {
    const what = symtab.name || `section ${symtab.index}`;
    const Y = this.#layout.sym;
    const entsize = symtab.entsize || Y.size;
    if (entsize < Y.size) this.fail(`${what}: entry size ${entsize} smaller than ${Y.size}`, symtab.name);
    if (symtab.link >= this.sections.length) this.fail(`${what}: string table index ${symtab.link} out of range`, symtab.name);
    const strtab = this.sections[symtab.link];
    const strings = this.#strings(strtab, `${what}: symbol names`);
    const bytes = this.#table(symtab, what);
    const f = this.#fields(bytes);
    const count = Math.floor(bytes.length / entsize);
    for (let i = 0; i < count; i++) {
      const o = i * entsize;
      const info = f.u8(o + Y.info);
      yield {
        index: i,
        name: this.#string(strings, strtab, f.u32(o + Y.name), what, i),
        value: f.word(o + Y.value),
        size: f.word(o + Y.bytes),
        binding: info >> 4,
        type: info & 0xf,
        visibility: f.u8(o + Y.other) & 3,
        sectionIndex: f.u16(o + Y.shndx),
      };
    }
  }

  /**
   * The program headers, read once on first call.
   *
   * @returns an empty list when the file has none (relocatable objects)
   * @throws when the table is truncated or its entry size too small
   */
  segments(): readonly ElfSegment[] {
    if (this.#segments) return this.#segments;
    const out: ElfSegment[] = [];
    if (this.#phoff !== 0n) {
      const P = this.#layout.phdr;
      const size = this.source.size;
      const phoff = this.toNumber(this.#phoff, 'e_phoff');
      const phentsize = this.#phentsize;
      if (phentsize < P.size) this.fail(`e_phentsize ${phentsize} smaller than ${P.size}`);
      // PN_XNUM: the count is in section 0's sh_info.
      const phnum = this.#phnum === 0xffff && this.sections.length > 0 ? this.sections[0].info : this.#phnum;
      if (phoff > size || phnum > (size - phoff) / phentsize) {
        this.fail(`program header table truncated: ${phnum} headers of ${phentsize} bytes at ${phoff} exceed file size ${size}`);
      }
      const f = this.#fields(this.#readTable(phoff, phnum * phentsize, 'program header table'));
      for (let i = 0; i < phnum; i++) {
        const o = i * phentsize;
        out.push({
          type: f.u32(o + P.type),
          flags: f.u32(o + P.flags),
          offset: f.word(o + P.offset),
          vaddr: f.word(o + P.vaddr),
          filesz: f.word(o + P.filesz),
          memsz: f.word(o + P.memsz),
        });
      }
    }
    this.#segments = out;
    return out;
  }

  /** Throws the reader's error for a malformed file (see {@link ElfImageOptions.fail}). */
  protected fail(why: string, section?: string): never {
    this.#fail(why, section);
  }

  /** A 64-bit field that must be a safe integer (offsets, sizes, symbol values). */
  protected toNumber(v: bigint, what: string): number {
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what}: value ${v} too large`);
    return Number(v);
  }

  #fields(b: Uint8Array): Fields {
    return new Fields(b, this.littleEndian, this.is64);
  }

  /** `len` bytes at `off`, checked against the file size and for short reads. */
  #read(off: number, len: number, what: string): Uint8Array {
    const size = this.source.size;
    if (off < 0 || len < 0 || off > size || len > size - off) this.fail(`${what}: ${len} bytes at ${off} past end of file (${size} bytes)`);
    const b = this.source.read(off, len);
    if (b.length !== len) this.fail(`${what}: short read: ${b.length} of ${len} bytes at ${off}`);
    return b;
  }

  /** Like {@link #read}, for whole tables: refuses more than {@link MAX_TABLE} bytes. */
  #readTable(off: number, len: number, what: string): Uint8Array {
    if (len > MAX_TABLE) this.fail(`${what} is ${len} bytes, more than the ${MAX_TABLE} this reader accepts`);
    return this.#read(off, len, what);
  }

  /** The contents of string table section `strtab`, checked to be one. */
  #strings(strtab: ElfSection, what: string): Uint8Array {
    if (strtab.type !== SectionType.StrTab) this.fail(`${what}: section ${strtab.index} is not a string table`, strtab.name || undefined);
    return this.#table(strtab, `string table ${strtab.index}`);
  }

  /**
   * The string at `offset` of string table `bytes` (section `strtab`). `what` names it in errors,
   * followed by `symbol ${symbol} name` for a symbol's name (built only on error: this is hot).
   */
  #string(bytes: Uint8Array, strtab: ElfSection, offset: number, what: string, symbol?: number): string {
    const end = offset < bytes.length ? bytes.indexOf(0, offset) : -1;
    if (end >= 0) return decoder.decode(bytes.subarray(offset, end));
    if (offset === 0 && bytes.length === 0) return '';
    const context = symbol === undefined ? what : `${what}: symbol ${symbol} name`;
    if (offset >= bytes.length) {
      this.fail(`${context}: string offset ${offset} out of range (string table ${strtab.index} has ${bytes.length} bytes)`, strtab.name || undefined);
    }
    this.fail(`${context}: unterminated string at offset ${offset} of string table ${strtab.index}`);
  }

  /** The contents of a string or symbol table section, read once and kept. */
  #table(s: ElfSection, what: string): Uint8Array {
    let b = this.#tables.get(s);
    if (!b) {
      b = hasContents(s) ? this.#readTable(s.offset, s.size, what) : new Uint8Array(0);
      this.#tables.set(s, b);
    }
    return b;
  }
}

/** Whether the section's contents are stored in the file (not NULL, not NOBITS). */
function hasContents(s: ElfSection): boolean {
  return s.type !== SectionType.NoBits && s.type !== SectionType.Null;
}

/** A 64-bit field where precision beyond 2^53 does not matter (flags, alignment). */
function lossy(v: bigint): number {
  return Number(v & 0x1f_ffff_ffff_ffffn);
}
