/**
 * Test helper: writes a small executable-style ELF file of either class and byte order, with one
 * PT_LOAD segment, a `.text` section, a `.symtab`/`.strtab` pair and a `.shstrtab`, for the
 * tests of the generic ELF reader and the uprobe symbol reader.
 */

/** A symbol to put in `.symtab` (defined in `.text` unless `shndx` says otherwise). */
export interface TestSymbol {
  name: string;
  value: bigint;
  /** STB_*: default 1 (global). */
  bind?: number;
  /** STT_*: default 2 (func). */
  type?: number;
  /** st_shndx: default 1 (`.text`). */
  shndx?: number;
}

/** Options of {@link buildTestElf}. */
export interface TestElfOptions {
  /** ELFCLASS64 (default) or ELFCLASS32. */
  is64?: boolean;
  /** Little-endian (default) or big-endian. */
  littleEndian?: boolean;
  /** e_machine: default 62 (x86-64). */
  machine?: number;
  /** Where `.text` is mapped: default 0x401000. */
  vaddr?: bigint;
  /** File offset of `.text`: default 0x1000. */
  textOffset?: number;
  /** The symbol table's type: SHT_SYMTAB (default) or SHT_DYNSYM (a stripped library). */
  table?: 'symtab' | 'dynsym';
  /** Leave the program headers out (e_phoff 0). */
  noPhdr?: boolean;
}

/** Where the parts of a {@link buildTestElf} file are. */
export interface TestElf {
  bytes: Uint8Array;
  shoff: number;
  shentsize: number;
  textOffset: number;
  vaddr: bigint;
}

/**
 * Builds the file: section 0 null, 1 `.text` (256 bytes), 2 `.symtab`, 3 `.strtab`,
 * 4 `.shstrtab`; one program header mapping `.text` (unless `noPhdr`).
 */
export function buildTestElf(syms: readonly TestSymbol[], opts: TestElfOptions = {}): TestElf {
  const is64 = opts.is64 ?? true;
  const le = opts.littleEndian ?? true;
  const vaddr = opts.vaddr ?? 0x401000n;
  const textOffset = opts.textOffset ?? 0x1000;
  const textSize = 0x100;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const shentsize = is64 ? 64 : 40;
  const symsize = is64 ? 24 : 16;

  const strtab: number[] = [0];
  const nameOff = syms.map((s) => {
    const off = strtab.length;
    strtab.push(...new TextEncoder().encode(s.name), 0);
    return off;
  });
  const shstr = new TextEncoder().encode('\0.text\0.symtab\0.strtab\0.shstrtab\0');
  const symOff = textOffset + textSize;
  const symLen = symsize * (syms.length + 1);
  const strOff = symOff + symLen;
  const shstrOff = strOff + strtab.length;
  const shoff = Math.ceil((shstrOff + shstr.length) / 8) * 8;
  const bytes = new Uint8Array(shoff + 5 * shentsize);
  const v = new DataView(bytes.buffer);
  const u8 = (o: number, x: number): void => v.setUint8(o, x);
  const u16 = (o: number, x: number): void => v.setUint16(o, x, le);
  const u32 = (o: number, x: number): void => v.setUint32(o, x, le);
  /** An address-sized field. */
  const word = (o: number, x: bigint | number): void => (is64 ? v.setBigUint64(o, BigInt(x), le) : v.setUint32(o, Number(x), le));

  bytes.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1], 0);
  u16(16, 2); // ET_EXEC
  u16(18, opts.machine ?? 62);
  u32(20, 1);
  const [phoffAt, shoffAt, sizesAt] = is64 ? [32, 40, 52] : [28, 32, 40];
  word(phoffAt, opts.noPhdr ? 0 : ehsize);
  word(shoffAt, shoff);
  u16(sizesAt, ehsize);
  u16(sizesAt + 2, phentsize);
  u16(sizesAt + 4, opts.noPhdr ? 0 : 1);
  u16(sizesAt + 6, shentsize);
  u16(sizesAt + 8, 5);
  u16(sizesAt + 10, 4);

  // PT_LOAD, r-x, mapping .text.
  const ph = ehsize;
  if (opts.noPhdr) {
    // no program headers
  } else if (is64) {
    u32(ph, 1);
    u32(ph + 4, 5);
    word(ph + 8, textOffset);
    word(ph + 16, vaddr);
    word(ph + 32, textSize);
    word(ph + 40, textSize);
  } else {
    u32(ph, 1);
    word(ph + 4, textOffset);
    word(ph + 8, vaddr);
    word(ph + 16, textSize);
    word(ph + 20, textSize);
    u32(ph + 24, 5);
  }

  syms.forEach((s, i) => {
    const o = symOff + (i + 1) * symsize;
    const info = ((s.bind ?? 1) << 4) | (s.type ?? 2);
    u32(o, nameOff[i]);
    if (is64) {
      u8(o + 4, info);
      u16(o + 6, s.shndx ?? 1);
      word(o + 8, s.value);
      word(o + 16, 16);
    } else {
      word(o + 4, s.value);
      word(o + 8, 16);
      u8(o + 12, info);
      u16(o + 14, s.shndx ?? 1);
    }
  });
  bytes.set(strtab, strOff);
  bytes.set(shstr, shstrOff);

  const sh = (i: number, name: number, type: number, addr: bigint, off: number, size: number, link = 0, entsize = 0): void => {
    const o = shoff + i * shentsize;
    u32(o, name);
    u32(o + 4, type);
    if (is64) {
      word(o + 16, addr);
      word(o + 24, off);
      word(o + 32, size);
      u32(o + 40, link);
      word(o + 56, entsize);
    } else {
      word(o + 12, addr);
      word(o + 16, off);
      word(o + 20, size);
      u32(o + 24, link);
      word(o + 36, entsize);
    }
  };
  sh(1, 1, 1, vaddr, textOffset, textSize);
  sh(2, 7, opts.table === 'dynsym' ? 11 : 2, 0n, symOff, symLen, 3, symsize);
  sh(3, 15, 3, 0n, strOff, strtab.length);
  sh(4, 23, 3, 0n, shstrOff, shstr.length);
  return { bytes, shoff, shentsize, textOffset, vaddr };
}
