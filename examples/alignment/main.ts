// The alignment problem, and how generated codecs avoid it: the program writes a struct padded,
// TypeScript reads it through the generated codec (b at offset 8, 24 bytes), shows the raw bytes
// with their padding, and shows what a naive packed reading (b at offset 1) would have returned.
//
// Run: npx tsx examples/alignment/main.ts (as root).
import { pathToFileURL } from 'node:url';
import { loadAlignment, Padded } from './alignment.js';

/** What the example observed. */
export interface AlignmentResult {
  /** sizeof(struct padded) as the codec knows it. */
  size: number;
  /** Key 1 as the program wrote it, decoded with the generated codec. */
  decoded: Padded | undefined;
  /** The raw 24 bytes of key 1. */
  raw: Buffer;
  /** b read from offset 1, as a packed 11-byte layout would: wrong. */
  naiveB: bigint;
  /** The program's verdict on the value TypeScript wrote at key 2 (0 = as expected). */
  check: number;
}

export function main(): AlignmentResult {
  using obj = loadAlignment();
  const { values } = obj.maps;
  values.update(2, { a: 0xaa, b: 0xbbbbbbbbbbbbbbbbn, c: 0xcccc });
  const check = obj.programs.roundtrip.test(Buffer.alloc(14)).retval;
  const raw = Buffer.from(values.lookupRaw(Buffer.from([1, 0, 0, 0])) ?? []);
  return { size: Padded.size, decoded: values.lookup(1), raw, naiveB: raw.length >= 9 ? raw.readBigUInt64LE(1) : -1n, check };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = main();
  const hex = [...r.raw].map((b) => b.toString(16).padStart(2, '0'));
  console.log(`sizeof(struct padded) = ${r.size} (1 + 8 + 2 = 11 without padding)`);
  console.log(`raw: a=${hex[0]} pad=${hex.slice(1, 8).join(' ')} b=${hex.slice(8, 16).join(' ')} c=${hex.slice(16, 18).join(' ')} pad=${hex.slice(18).join(' ')}`);
  console.log('decoded:', r.decoded);
  console.log(`naive packed read of b (offset 1): 0x${r.naiveB.toString(16)}  <- wrong`);
  console.log(`program check of the value written from TypeScript: ${r.check === 0 ? 'ok' : `failed (${r.check})`}`);
}
