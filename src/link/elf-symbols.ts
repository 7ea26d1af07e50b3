/**
 * A small reader of ELF symbol tables for uprobes: finds a function's file offset in an
 * executable or shared library (ELF64 or ELF32, either byte order). Reads only the headers and
 * the symbol and string tables, not the whole file, and checks every offset and count against
 * the file size, so bad input gives an {@link ElfSymbolError}, never a crash or a huge allocation.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ElfSymbolError } from './errors.js';

/** Random access to the bytes of a file or buffer. */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** `len` bytes at `off`; the caller has checked the range against `size`. */
  read(off: number, len: number): Uint8Array;
}

/** A {@link ByteSource} over bytes in memory. */
export function bufferSource(b: Uint8Array): ByteSource {
  return { size: b.length, read: (off, len) => b.subarray(off, off + len) };
}

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

interface Section {
  name: number;
  type: number;
  addr: bigint;
  offset: bigint;
  size: bigint;
  link: number;
  info: number;
  entsize: bigint;
}

interface Segment {
  type: number;
  flags: number;
  offset: bigint;
  vaddr: bigint;
  filesz: bigint;
  memsz: bigint;
}

const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const SHT_NOBITS = 8;
const PT_LOAD = 1;
const STT_SECTION = 3;
const STT_FILE = 4;
/** Upper bound on a symbol or string table we are willing to read (256 MiB). */
const MAX_TABLE = 256 * 1024 * 1024;

/** A parsed ELF file: section and program headers, symbol tables read on demand. */
export class ElfSymbolFile {
  readonly is64: boolean;
  readonly littleEndian: boolean;
  /** e_type: 2 EXEC, 3 DYN. */
  readonly type: number;
  /** e_machine: 62 x86-64, 183 aarch64… */
  readonly machine: number;
  #src: ByteSource;
  #path: string;
  #sections: Section[] = [];
  #segments: Segment[] = [];

  /** Parses the headers of `src`; `path` names the file in errors. */
  constructor(src: ByteSource, path = '<buffer>') {
    this.#src = src;
    this.#path = path;
    if (src.size < 16) this.#fail('too short for an ELF header');
    const ident = src.read(0, 16);
    if (ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) this.#fail('not an ELF file (bad magic)');
    if (ident[4] !== 1 && ident[4] !== 2) this.#fail(`bad ELF class ${ident[4]}`);
    if (ident[5] !== 1 && ident[5] !== 2) this.#fail(`bad ELF data encoding ${ident[5]}`);
    this.is64 = ident[4] === 2;
    this.littleEndian = ident[5] === 1;
    const ehsize = this.is64 ? 64 : 52;
    const h = this.#view(0, ehsize, 'ELF header');
    this.type = h.getUint16(16, this.littleEndian);
    this.machine = h.getUint16(18, this.littleEndian);
    const le = this.littleEndian;
    const phoff = this.is64 ? h.getBigUint64(32, le) : BigInt(h.getUint32(28, le));
    const shoff = this.is64 ? h.getBigUint64(40, le) : BigInt(h.getUint32(32, le));
    const o = this.is64 ? 54 : 42;
    const phentsize = h.getUint16(o, le);
    let phnum = h.getUint16(o + 2, le);
    const shentsize = h.getUint16(o + 4, le);
    let shnum = h.getUint16(o + 6, le);
    const wantSh = this.is64 ? 64 : 40;
    const wantPh = this.is64 ? 56 : 32;
    if (shoff !== 0n) {
      if (shentsize < wantSh) this.#fail(`section header size ${shentsize} < ${wantSh}`);
      if (shnum === 0) {
        // Extended numbering: the count is in section 0's sh_size.
        const s0 = this.#readSection(shoff, shentsize, 0);
        shnum = Number(s0.size);
      }
      this.#checkRange(shoff, BigInt(shnum) * BigInt(shentsize), 'section headers');
      for (let i = 0; i < shnum; i++) this.#sections.push(this.#readSection(shoff, shentsize, i));
    }
    if (phoff !== 0n) {
      if (phentsize < wantPh) this.#fail(`program header size ${phentsize} < ${wantPh}`);
      // PN_XNUM: the count is in section 0's sh_info.
      if (phnum === 0xffff && this.#sections.length > 0) phnum = this.#sections[0].info;
      this.#checkRange(phoff, BigInt(phnum) * BigInt(phentsize), 'program headers');
      for (let i = 0; i < phnum; i++) this.#segments.push(this.#readSegment(phoff, phentsize, i));
    }
  }

  /** Parses an ELF file held in memory. */
  static fromBytes(bytes: Uint8Array, path?: string): ElfSymbolFile {
    return new ElfSymbolFile(bufferSource(bytes), path);
  }

  #fail(why: string): never {
    throw new ElfSymbolError(this.#path, `elf ${this.#path}: ${why}`);
  }

  #checkRange(off: bigint, len: bigint, what: string): void {
    if (off < 0n || len < 0n || off + len > BigInt(this.#src.size)) this.#fail(`${what} at ${off} (+${len}) past the end of the file (${this.#src.size} bytes)`);
  }

  #view(off: number | bigint, len: number, what: string): DataView {
    this.#checkRange(BigInt(off), BigInt(len), what);
    const b = this.#src.read(Number(off), len);
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  #readSection(shoff: bigint, entsize: number, i: number): Section {
    const v = this.#view(shoff + BigInt(i) * BigInt(entsize), this.is64 ? 64 : 40, `section header ${i}`);
    const le = this.littleEndian;
    if (this.is64) {
      return {
        name: v.getUint32(0, le),
        type: v.getUint32(4, le),
        addr: v.getBigUint64(16, le),
        offset: v.getBigUint64(24, le),
        size: v.getBigUint64(32, le),
        link: v.getUint32(40, le),
        info: v.getUint32(44, le),
        entsize: v.getBigUint64(56, le),
      };
    }
    return {
      name: v.getUint32(0, le),
      type: v.getUint32(4, le),
      addr: BigInt(v.getUint32(12, le)),
      offset: BigInt(v.getUint32(16, le)),
      size: BigInt(v.getUint32(20, le)),
      link: v.getUint32(24, le),
      info: v.getUint32(28, le),
      entsize: BigInt(v.getUint32(36, le)),
    };
  }

  #readSegment(phoff: bigint, entsize: number, i: number): Segment {
    const v = this.#view(phoff + BigInt(i) * BigInt(entsize), this.is64 ? 56 : 32, `program header ${i}`);
    const le = this.littleEndian;
    if (this.is64) {
      return {
        type: v.getUint32(0, le),
        flags: v.getUint32(4, le),
        offset: v.getBigUint64(8, le),
        vaddr: v.getBigUint64(16, le),
        filesz: v.getBigUint64(32, le),
        memsz: v.getBigUint64(40, le),
      };
    }
    return {
      type: v.getUint32(0, le),
      offset: BigInt(v.getUint32(4, le)),
      vaddr: BigInt(v.getUint32(8, le)),
      filesz: BigInt(v.getUint32(16, le)),
      memsz: BigInt(v.getUint32(20, le)),
      flags: v.getUint32(24, le),
    };
  }

  #table(s: Section, what: string): Uint8Array {
    if (s.type === SHT_NOBITS) return new Uint8Array(0);
    if (s.size > BigInt(MAX_TABLE)) this.#fail(`${what} is ${s.size} bytes, more than the ${MAX_TABLE} this reader accepts`);
    this.#checkRange(s.offset, s.size, what);
    return this.#src.read(Number(s.offset), Number(s.size));
  }

  /** Yields the symbols of `.symtab` (if present) then `.dynsym`. */
  *symbols(): IterableIterator<ElfSymbol> {
    for (const [type, table] of [
      [SHT_SYMTAB, '.symtab'],
      [SHT_DYNSYM, '.dynsym'],
    ] as const) {
      for (const s of this.#sections) {
        if (s.type !== type) continue;
        const entsize = this.is64 ? 24 : 16;
        if (s.link >= this.#sections.length) this.#fail(`${table}: string table index ${s.link} out of range`);
        const syms = this.#table(s, table);
        const strs = this.#table(this.#sections[s.link], `${table} strings`);
        const sv = new DataView(syms.buffer, syms.byteOffset, syms.byteLength);
        const le = this.littleEndian;
        const n = Math.floor(syms.length / entsize);
        for (let i = 1; i < n; i++) {
          const o = i * entsize;
          const nameOff = sv.getUint32(o, le);
          let info: number, shndx: number, value: bigint, size: bigint;
          if (this.is64) {
            info = sv.getUint8(o + 4);
            shndx = sv.getUint16(o + 6, le);
            value = sv.getBigUint64(o + 8, le);
            size = sv.getBigUint64(o + 16, le);
          } else {
            value = BigInt(sv.getUint32(o + 4, le));
            size = BigInt(sv.getUint32(o + 8, le));
            info = sv.getUint8(o + 12);
            shndx = sv.getUint16(o + 14, le);
          }
          if (nameOff >= strs.length) continue;
          let end = strs.indexOf(0, nameOff);
          if (end < 0) end = strs.length;
          const name = Buffer.from(strs.buffer, strs.byteOffset + nameOff, end - nameOff).toString('latin1');
          yield { name, value, size, type: info & 0xf, bind: info >> 4, section: shndx, table };
        }
      }
    }
  }

  /**
   * The file offset of the code at virtual address `addr`: through the PT_LOAD segment that
   * maps it, else the section that holds it.
   * @throws {ElfSymbolError} when no segment or section maps it.
   */
  fileOffset(addr: bigint, what = `address 0x${addr.toString(16)}`): bigint {
    for (const p of this.#segments) {
      if (p.type === PT_LOAD && addr >= p.vaddr && addr < p.vaddr + p.filesz) return addr - p.vaddr + p.offset;
    }
    for (const s of this.#sections) {
      if (s.type !== SHT_NOBITS && s.addr !== 0n && addr >= s.addr && addr < s.addr + s.size) return addr - s.addr + s.offset;
    }
    this.#fail(`${what}: no loadable segment or section maps it`);
  }

  /**
   * Finds symbol `name` (defined, not a section or file symbol); with several definitions a
   * global one wins over a weak one over a local one, and they must agree on the address.
   * @throws {ElfSymbolError} when missing or ambiguous.
   */
  findSymbol(name: string): ElfSymbol {
    let best: ElfSymbol | undefined;
    const rank = (b: number): number => (b === 1 ? 3 : b === 2 ? 2 : b === 0 ? 1 : 0);
    for (const s of this.symbols()) {
      if (s.name !== name || s.section === 0 || s.type === STT_SECTION || s.type === STT_FILE) continue;
      if (!best || rank(s.bind) > rank(best.bind)) {
        best = s;
      } else if (rank(s.bind) === rank(best.bind) && s.value !== best.value) {
        this.#fail(`symbol ${name}: defined more than once (0x${best.value.toString(16)} and 0x${s.value.toString(16)}); pass an offset instead`);
      }
    }
    if (!best) this.#fail(`symbol ${name}: not found in .symtab or .dynsym${this.#sections.some((s) => s.type === SHT_SYMTAB) ? '' : ' (the binary is stripped: only exported symbols are listed)'}`);
    return best;
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
    const size = fstatSync(fd).size;
    const src: ByteSource = {
      size,
      read(off, len) {
        const b = Buffer.allocUnsafe(len);
        let done = 0;
        while (done < len) {
          const n = readSync(fd, b, done, len - done, off + done);
          if (n <= 0) break;
          done += n;
        }
        if (done < len) throw new ElfSymbolError(path, `elf ${path}: short read at ${off}`);
        return b;
      },
    };
    return fn(new ElfSymbolFile(src, path));
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
