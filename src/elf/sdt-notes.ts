/**
 * SystemTap SDT notes: the `.note.stapsdt` section that `<sys/sdt.h>` (`STAP_PROBE`,
 * `DTRACE_PROBE`) writes into an executable or library, one `NT_STAPSDT` note per USDT probe
 * site. Pure: bytes in, probe descriptions out.
 *
 * Each note holds the probe's address, the link-time address of the `.stapsdt.base` section, the
 * address of its semaphore (0 without one), then three strings: provider, name and the argument
 * description (`-4@%edi 8@-8(%rbp)`). When a tool such as prelink moved the file after linking,
 * the `.stapsdt.base` section no longer sits at the recorded base; the probe and semaphore
 * addresses then move by the same amount, as the SystemTap specification says
 * (https://sourceware.org/systemtap/wiki/UserSpaceProbeImplementation).
 */
import { ElfParseError } from './errors.js';
import { SectionType, type ElfImage } from './elf-image.js';

/** `n_type` of a SystemTap probe note (version 3, the only one `<sys/sdt.h>` has written since 2010). */
export const NT_STAPSDT = 3;

/** The note owner name of SystemTap probe notes. */
export const STAPSDT_OWNER = 'stapsdt';

/** Upper bound on the size of one `.note.stapsdt` section this parser reads: 64 MiB. */
export const MAX_SDT_NOTES_BYTES = 64 * 1024 * 1024;

/** One USDT probe site described by a `.note.stapsdt` note. */
export interface SdtNote {
  /** The provider, e.g. `python`. */
  provider: string;
  /** The probe name, e.g. `function__entry`. */
  name: string;
  /** The virtual address of the probe's `nop`, adjusted by the `.stapsdt.base` difference. */
  address: bigint;
  /** The link-time address of `.stapsdt.base` recorded in the note (0 when the note has none). */
  base: bigint;
  /** The virtual address of the probe's 16-bit semaphore, adjusted like `address`; 0 when the probe has none. */
  semaphore: bigint;
  /** The argument description, e.g. `-4@%edi 8@-8(%rbp)`; empty for a probe without arguments. */
  args: string;
}

/** What the parser needs from the file header. */
export interface SdtNoteLayout {
  /** ELFCLASS64: addresses are 8 bytes (else 4). */
  is64: boolean;
  /** ELFDATA2LSB. */
  littleEndian: boolean;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

function defaultFail(why: string): never {
  throw new ElfParseError(`elf: ${why}`, '.note.stapsdt');
}

const align4 = (n: number): number => (n + 3) & ~3;

/**
 * Parses the contents of a `.note.stapsdt` section. `stapsdtBase` is the address of the file's
 * `.stapsdt.base` section (undefined when it has none: addresses are then used as recorded).
 * Notes of other owners or types are skipped.
 *
 * @param fail throws the error for malformed contents (default: an {@link ElfParseError})
 * @throws when a note runs past the section or lacks its three strings
 */
export function parseSdtNotes(data: Uint8Array, layout: SdtNoteLayout, stapsdtBase: bigint | undefined, fail: (why: string) => never = defaultFail): SdtNote[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const le = layout.littleEndian;
  const word = layout.is64 ? 8 : 4;
  const bits = layout.is64 ? 64 : 32;
  const readWord = (o: number): bigint => (layout.is64 ? view.getBigUint64(o, le) : BigInt(view.getUint32(o, le)));
  const out: SdtNote[] = [];
  let off = 0;
  while (off < data.length) {
    const at = `.note.stapsdt: note at offset ${off}`;
    if (data.length - off < 12) fail(`${at}: header truncated (${data.length - off} bytes left)`);
    const namesz = view.getUint32(off, le);
    const descsz = view.getUint32(off + 4, le);
    const type = view.getUint32(off + 8, le);
    const nameOff = off + 12;
    if (namesz > data.length - nameOff) fail(`${at}: name of ${namesz} bytes runs past the section (${data.length} bytes)`);
    const descOff = nameOff + align4(namesz);
    if (descOff > data.length || descsz > data.length - descOff) fail(`${at}: description of ${descsz} bytes runs past the section (${data.length} bytes)`);
    const next = descOff + align4(descsz);
    const owner = decoder.decode(data.subarray(nameOff, nameOff + Math.max(0, namesz - 1)));
    if (type === NT_STAPSDT && owner === STAPSDT_OWNER) {
      if (descsz < 3 * word) fail(`${at}: description of ${descsz} bytes is too short for 3 addresses`);
      const address = readWord(descOff);
      const base = readWord(descOff + word);
      const semaphore = readWord(descOff + 2 * word);
      const strings: string[] = [];
      let s = descOff + 3 * word;
      const end = descOff + descsz;
      for (let i = 0; i < 3; i++) {
        const nul = s < end ? data.subarray(s, end).indexOf(0) : -1;
        if (nul < 0) fail(`${at}: ${['provider', 'name', 'arguments'][i]} string missing or unterminated`);
        strings.push(decoder.decode(data.subarray(s, s + nul)));
        s += nul + 1;
      }
      const [provider, name, args] = strings;
      if (provider === '' || name === '') fail(`${at}: empty provider or probe name`);
      // Prelink moved the file: shift by the difference between the actual and recorded base.
      const delta = stapsdtBase !== undefined && base !== 0n ? stapsdtBase - base : 0n;
      out.push({
        provider,
        name,
        address: BigInt.asUintN(bits, address + delta),
        base,
        semaphore: semaphore === 0n ? 0n : BigInt.asUintN(bits, semaphore + delta),
        args: args.trim(),
      });
    }
    off = next;
  }
  return out;
}

/**
 * The USDT probes of an ELF image: every `.note.stapsdt` SHT_NOTE section, adjusted by the
 * `.stapsdt.base` section's address. An image without such notes gives an empty list.
 *
 * @param fail throws the error for malformed notes (default: an {@link ElfParseError})
 */
export function readSdtNotes(image: ElfImage, fail: (why: string) => never = defaultFail): SdtNote[] {
  const base = image.section('.stapsdt.base')?.addr;
  const out: SdtNote[] = [];
  for (const s of image.sections) {
    if (s.name !== '.note.stapsdt' || s.type !== SectionType.Note) continue;
    if (s.size > MAX_SDT_NOTES_BYTES) fail(`.note.stapsdt: ${s.size} bytes, more than the ${MAX_SDT_NOTES_BYTES} this reader accepts`);
    out.push(...parseSdtNotes(image.data(s), image, base, fail));
  }
  return out;
}
