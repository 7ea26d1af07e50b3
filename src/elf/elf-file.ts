/**
 * The reader of relocatable ELF64 little-endian BPF objects (what `clang -target bpf` writes):
 * the generic {@link ElfImage} over bytes in memory, refusing anything but 64-bit little-endian
 * EM_BPF files, plus symbols as numbers and REL/RELA relocations. Every offset, size and count
 * is checked before use, so a malformed file gives an {@link ElfParseError} and never a crash,
 * a hang or an unbounded allocation.
 */
import { bufferSource } from './byte-source.js';
import { ElfImage, SectionType, SymbolType, type ElfHeader, type ElfSection, type ElfSymbolEntry } from './elf-image.js';
import { ElfParseError } from './errors.js';

export { SectionFlag, SectionIndex, SectionType, SymbolBinding, SymbolType, type ElfSection } from './elf-image.js';

/** `e_machine` of BPF objects (EM_BPF). */
export const EM_BPF = 247;

/** One symbol of the symbol table, value and size as numbers; an unnamed section symbol is named after its section. */
export interface ElfSymbol extends Omit<ElfSymbolEntry, 'value' | 'size'> {
  /** `st_value`: for symbols in a section of a relocatable file, the offset in that section. */
  value: number;
  /** `st_size`. */
  size: number;
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

const REL_SIZE = 16;
const RELA_SIZE = 24;

/** Refuses what the BPF reader cannot take: ELF32, big-endian, another machine. */
function requireBpf(h: ElfHeader, machine: number | null): void {
  if (!h.is64) {
    throw new ElfParseError('elf: unsupported ELF class 1 (32-bit): only 64-bit objects are supported');
  }
  if (!h.littleEndian) {
    throw new ElfParseError(
      'elf: unsupported data encoding 2 (big-endian): only little-endian objects are supported (compile with -target bpf or bpfel)',
    );
  }
  if (machine !== null && h.machine !== machine) {
    throw new ElfParseError(`elf: e_machine is ${h.machine}, want ${machine}${machine === EM_BPF ? ' (EM_BPF)' : ''}`);
  }
}

/**
 * A parsed relocatable ELF64 little-endian file.
 *
 * The constructor validates the header and every section header; symbols and relocations are
 * decoded on demand. All methods throw {@link ElfParseError} on malformed input.
 */
export class ElfFile extends ElfImage {
  /** The whole file. */
  readonly bytes: Uint8Array;

  private symbolCache: ElfSymbol[] | undefined;
  private symtabIndex = -1;

  /**
   * Parses the header and section headers of `bytes`.
   *
   * @param bytes the file contents
   * @param opts `machine`: the required `e_machine` (default {@link EM_BPF}; `null` accepts any)
   * @throws {ElfParseError} on a wrong magic, a 32-bit or big-endian file, another machine,
   *   truncated data, or a section whose contents lie past the end of the file
   */
  constructor(bytes: Uint8Array, opts: { machine?: number | null } = {}) {
    const machine = opts.machine === undefined ? EM_BPF : opts.machine;
    super(bufferSource(bytes), { accept: (h) => requireBpf(h, machine) });
    this.bytes = bytes;
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
    const out: ElfSymbol[] = [];
    for (const e of this.symbolEntries(symtab)) {
      out.push({
        ...e,
        value: this.toNumber(e.value, `symbol ${e.index} st_value`),
        size: this.toNumber(e.size, `symbol ${e.index} st_size`),
      });
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
    if (index >= syms.length) this.fail(`${context}: symbol index ${index} out of range (${syms.length} symbols)`);
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
    const where = `section ${section.index} (${section.name})`;
    const rela = section.type === SectionType.Rela;
    if (!rela && section.type !== SectionType.Rel) this.fail(`${where} is not a relocation section`, section.name);
    const min = rela ? RELA_SIZE : REL_SIZE;
    const entsize = section.entsize || min;
    if (entsize < min) this.fail(`${where}: relocation entry size ${entsize} smaller than ${min}`, section.name);
    const syms = this.symbols();
    if (section.link !== this.symtabIndex && this.symtabIndex >= 0 && section.link !== 0) {
      this.fail(`${where}: relocations refer to section ${section.link}, not the symbol table`, section.name);
    }
    const data = this.data(section);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const count = Math.floor(data.length / entsize);
    const out: ElfRelocation[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const o = i * entsize;
      const offset = this.toNumber(view.getBigUint64(o, true), `section ${section.name}: relocation ${i} r_offset`);
      const type = view.getUint32(o + 8, true);
      const symbol = view.getUint32(o + 12, true);
      if (symbol >= syms.length) {
        this.fail(`${where}: relocation ${i}: symbol index ${symbol} out of range (${syms.length} symbols)`, section.name);
      }
      const addend = rela ? Number(view.getBigInt64(o + 16, true)) : 0;
      out[i] = { offset, symbol, type, addend };
    }
    return out;
  }
}
