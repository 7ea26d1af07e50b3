/**
 * USDT probes of a binary as an attach needs them: the `.note.stapsdt` notes with the probe's
 * and semaphore's addresses turned into file offsets (the uprobe offset and `ref_ctr_offset`).
 */
import { withElfFile } from './elf-symbols.js';
import { AttachTargetNotFoundError } from './errors.js';

/** One USDT probe site in a binary. */
export interface UsdtProbe {
  /** The provider, e.g. `python`. */
  provider: string;
  /** The probe name, e.g. `function__entry`. */
  name: string;
  /** The argument description, e.g. `8@%rbp 8@%r12 -4@%eax`. */
  args: string;
  /** The virtual address of the probe site (after the `.stapsdt.base` adjustment). */
  address: bigint;
  /** Its file offset: where the uprobe goes. */
  offset: bigint;
  /** The virtual address of the probe's semaphore, 0 when it has none. */
  semaphoreAddress: bigint;
  /** The semaphore's file offset (`ref_ctr_offset`), 0 when it has none. */
  semaphoreOffset: bigint;
}

/**
 * Lists the USDT probes of an executable or shared library (what `readelf -n` shows under
 * `.note.stapsdt`), one entry per probe site: a probe that the compiler placed in several spots
 * (an inlined function) has several.
 *
 * @example
 * for (const p of listUsdtProbes('/usr/bin/python3')) console.log(`${p.provider}:${p.name} ${p.args}`);
 * @throws {ElfSymbolError} when the file is not a readable ELF file, a note is malformed, or an
 *   address lies outside every segment.
 */
export function listUsdtProbes(binaryPath: string): UsdtProbe[] {
  return withElfFile(binaryPath, (f) =>
    f.sdtNotes().map((n) => ({
      provider: n.provider,
      name: n.name,
      args: n.args,
      address: n.address,
      offset: f.fileOffset(n.address, `usdt ${n.provider}:${n.name}: address 0x${n.address.toString(16)}`),
      semaphoreAddress: n.semaphore,
      semaphoreOffset: n.semaphore === 0n ? 0n : f.fileOffset(n.semaphore, `usdt ${n.provider}:${n.name}: semaphore 0x${n.semaphore.toString(16)}`),
    })),
  );
}

/**
 * The sites of probe `provider:name` in `binaryPath`.
 * @throws {AttachTargetNotFoundError} when the binary has no such probe (the message lists some it has).
 * @throws {ElfSymbolError} as {@link listUsdtProbes}.
 */
export function findUsdtProbes(binaryPath: string, provider: string, name: string, context: string): UsdtProbe[] {
  const all = listUsdtProbes(binaryPath);
  const found = all.filter((p) => p.provider === provider && p.name === name);
  if (found.length > 0) return found;
  const known = [...new Set(all.map((p) => `${p.provider}:${p.name}`))];
  const list = known.length === 0 ? 'it has no .note.stapsdt probes' : `it has ${known.slice(0, 10).join(', ')}${known.length > 10 ? `, … (${known.length})` : ''}`;
  throw new AttachTargetNotFoundError(`usdt ${provider}:${name} in ${binaryPath}`, `${context}: no probe ${provider}:${name} in ${binaryPath} (${list})`);
}
