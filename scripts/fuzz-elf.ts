#!/usr/bin/env -S npx tsx
// Fuzzes the ELF reader: mutates real compiled objects (bit flips, truncation, random field
// overwrites, lying sizes in ELF, symbol, relocation and BTF headers) and feeds each to
// loadCollectionSpec in a worker thread, with a 1 s deadline per input.
//
// Usage: npx tsx scripts/fuzz-elf.ts [iterations=10000] [--seed N] [--verbose]
// (--verbose also prints the most frequent typed errors, to see how deep mutations reach)
// Prints counts of: ok / typed parse error (ElfParseError, BtfParseError, AsmError) / crash (any
// other exception) / hang (no answer within 1 s). Exits 1 when crash + hang > 0. Crashing and
// hanging inputs are saved under testdata/build/fuzz/ for reproduction.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread, parentPort, type Worker } from 'node:worker_threads';

const DEADLINE_MS = 1000;

interface Verdict {
  id: number;
  outcome: 'ok' | 'typed' | 'crash';
  name?: string;
  message?: string;
  stack?: string;
  ms: number;
}

if (!isMainThread) {
  const { loadCollectionSpec } = await import('../src/elf/index.js');
  const { ElfParseError } = await import('../src/elf/index.js');
  const { BtfParseError } = await import('../src/btf/index.js');
  const { AsmError } = await import('../src/asm/index.js');
  parentPort!.on('message', (msg: { id: number; bytes: Uint8Array }) => {
    const t0 = performance.now();
    let v: Verdict;
    try {
      loadCollectionSpec(msg.bytes);
      v = { id: msg.id, outcome: 'ok', ms: 0 };
    } catch (e) {
      const typed = e instanceof ElfParseError || e instanceof BtfParseError || e instanceof AsmError;
      const err = e as Error;
      v = { id: msg.id, outcome: typed ? 'typed' : 'crash', name: err?.name, message: String(err?.message ?? e), stack: err?.stack, ms: 0 };
    }
    v.ms = performance.now() - t0;
    parentPort!.postMessage(v);
  });
} else {
  await main();
}

/** A small seeded PRNG (mulberry32) so runs are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Region {
  start: number;
  size: number;
  kind: string;
}

/** The interesting byte ranges of an object: headers, symbol table, relocations, BTF, code. */
function regions(bytes: Uint8Array): Region[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Region[] = [{ start: 0, size: 64, kind: 'ehdr' }];
  const shoff = Number(v.getBigUint64(40, true));
  const shnum = v.getUint16(60, true);
  const shstrndx = v.getUint16(62, true);
  out.push({ start: shoff, size: shnum * 64, kind: 'shdrs' });
  const strOff = Number(v.getBigUint64(shoff + shstrndx * 64 + 24, true));
  const name = (i: number): string => {
    const off = strOff + v.getUint32(shoff + i * 64, true);
    let end = off;
    while (bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(off, end));
  };
  for (let i = 1; i < shnum; i++) {
    const h = shoff + i * 64;
    const type = v.getUint32(h + 4, true);
    const start = Number(v.getBigUint64(h + 24, true));
    const size = Number(v.getBigUint64(h + 32, true));
    const n = name(i);
    if (type === 8 || size === 0 || n.startsWith('.debug') || n.startsWith('.rel.debug')) continue;
    out.push({ start, size, kind: n });
    out.push({ start: h, size: 64, kind: `shdr ${n}` });
  }
  return out;
}

function interesting(r: () => number, len: number): bigint {
  const pool = [0n, 1n, 2n, 4n, 7n, 8n, 12n, 16n, 24n, 0x7fn, 0x80n, 0xffn, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0xffffffffffffffffn, BigInt(len), BigInt(len + 1), BigInt(len - 1)];
  if (r() < 0.7) return pool[Math.floor(r() * pool.length)];
  return BigInt(Math.floor(r() * 2 ** 32)) * (r() < 0.2 ? 0x1_0000_0000n : 1n);
}

function write(bytes: Uint8Array, off: number, width: number, value: bigint): void {
  if (off < 0 || off + width > bytes.length) return;
  for (let i = 0; i < width; i++) bytes[off + i] = Number((value >> BigInt(8 * i)) & 0xffn);
}

/** One mutated copy of `src`. */
function mutate(src: Uint8Array, regs: Region[], r: () => number): { bytes: Uint8Array; how: string } {
  const pick = r();
  let b = new Uint8Array(src);
  const widths = [1, 2, 4, 8];
  const applyOne = (how: string): string => {
    if (how === 'flip') {
      const n = 1 + Math.floor(r() * 16);
      for (let i = 0; i < n; i++) {
        const bit = Math.floor(r() * b.length * 8);
        b[bit >> 3] ^= 1 << (bit & 7);
      }
      return `flip ${n} bits`;
    }
    // Overwrite a field inside an interesting region (headers, BTF, relocations, symbols, code).
    const reg = regs[Math.floor(r() * regs.length)];
    const width = widths[Math.floor(r() * widths.length)];
    const align = reg.kind.startsWith('shdr') || reg.kind === 'ehdr' || reg.kind === '.BTF' || reg.kind === '.BTF.ext' ? 4 : 1;
    const off = reg.start + Math.floor((r() * Math.max(1, reg.size - width + 1)) / align) * align;
    const value = interesting(r, b.length);
    write(b, off, width, value);
    return `set ${reg.kind}+${off - reg.start} (u${width * 8}) = ${value}`;
  };
  let how: string;
  if (pick < 0.1) {
    const len = Math.floor(r() * b.length);
    b = b.slice(0, len);
    how = `truncate to ${len}`;
  } else if (pick < 0.3) {
    how = applyOne('flip');
  } else if (pick < 0.9) {
    how = applyOne('field');
  } else {
    const n = 2 + Math.floor(r() * 4);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(applyOne(r() < 0.3 ? 'flip' : 'field'));
    how = parts.join('; ');
  }
  return { bytes: b, how };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const seedArg = args.indexOf('--seed');
  const seed = seedArg >= 0 ? Number(args[seedArg + 1]) : Date.now() % 2 ** 31;
  const positional = args.filter((a, i) => !a.startsWith('--') && (seedArg < 0 || i !== seedArg + 1));
  const iterations = positional[0] ? Number(positional[0]) : 10_000;
  const { compileObject, buildDir } = await import('../src/testutils/bpf-objects.js');
  const { startTsWorker } = await import('../src/testutils/workers.js');
  const names = ['count', 'count_bad_ctx', 'count_bad_ret', 'globals', 'multi', 'core', 'map_in_map', 'padding', 'kfunc'];
  const corpus = names.map((n) => {
    const bytes = new Uint8Array(readFileSync(compileObject(n)));
    return { name: n, bytes, regs: regions(bytes) };
  });
  const r = rng(seed);
  const counts = { ok: 0, typed: 0, crash: 0, hang: 0 };
  const crashes = new Map<string, { count: number; example: string; file: string }>();
  const typedKinds = new Map<string, number>();
  const verbose = args.includes('--verbose');
  const saveDir = join(buildDir, 'fuzz');
  let slowest = 0;
  let worker: Worker | undefined;
  let pending: ((v: Verdict | undefined) => void) | undefined;
  const self = new URL(import.meta.url);
  const start = (): Worker => {
    const w = startTsWorker(self, {});
    w.on('message', (v: Verdict) => pending?.(v));
    w.on('error', () => pending?.(undefined));
    return w;
  };
  const save = (bytes: Uint8Array, tag: string): string => {
    mkdirSync(saveDir, { recursive: true });
    const file = join(saveDir, `${tag}-seed${seed}.o`);
    writeFileSync(file, bytes);
    return file;
  };
  // Warm up (worker start and module load do not count against the deadline).
  worker = start();
  await new Promise<void>((resolve) => {
    pending = () => resolve();
    worker!.postMessage({ id: -1, bytes: corpus[0].bytes.slice() });
  });
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) {
    const src = corpus[Math.floor(r() * corpus.length)];
    const { bytes, how } = mutate(src.bytes, src.regs, r);
    const copy = bytes.slice();
    const verdict = await new Promise<Verdict | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), DEADLINE_MS);
      pending = (v) => {
        clearTimeout(timer);
        resolve(v);
      };
      worker!.postMessage({ id: i, bytes }, [bytes.buffer as ArrayBuffer]);
    });
    if (!verdict || verdict.ms > DEADLINE_MS) {
      counts.hang++;
      const file = save(copy, `hang-${i}`);
      console.error(`hang: iteration ${i} (${src.name}: ${how}) saved to ${file}`);
      if (!verdict) {
        await worker.terminate();
        worker = start();
      }
      continue;
    }
    slowest = Math.max(slowest, verdict.ms);
    counts[verdict.outcome]++;
    if (verdict.outcome === 'typed' && verbose) {
      const k = `${verdict.name}: ${(verdict.message ?? '').replace(/\d+/g, 'N').slice(0, 90)}`;
      typedKinds.set(k, (typedKinds.get(k) ?? 0) + 1);
    }
    if (verdict.outcome === 'crash') {
      const top = (verdict.stack ?? '').split('\n').slice(0, 2).join(' | ');
      const key = `${verdict.name}: ${verdict.message?.replace(/\d+/g, 'N')} @ ${top.replace(/:\d+:\d+/g, '')}`;
      const c = crashes.get(key);
      if (c) c.count++;
      else crashes.set(key, { count: 1, example: `${src.name}: ${how}`, file: save(copy, `crash-${i}`) });
    }
  }
  const elapsed = performance.now() - t0;
  await worker.terminate();
  console.log(`fuzz-elf: seed ${seed}, ${iterations} iterations over ${corpus.length} objects in ${(elapsed / 1000).toFixed(1)} s`);
  console.log(`  ok:    ${counts.ok}`);
  console.log(`  typed: ${counts.typed}  (ElfParseError, BtfParseError, AsmError)`);
  console.log(`  crash: ${counts.crash}`);
  console.log(`  hang:  ${counts.hang}  (> ${DEADLINE_MS} ms)`);
  console.log(`  slowest input: ${slowest.toFixed(1)} ms`);
  if (verbose) {
    const top = [...typedKinds].sort((a, b) => b[1] - a[1]).slice(0, 40);
    for (const [k, n] of top) console.log(`  ${String(n).padStart(6)}  ${k}`);
    console.log(`  (${typedKinds.size} distinct typed errors)`);
  }
  for (const [key, c] of crashes) console.log(`  crash x${c.count}: ${key}\n    e.g. ${c.example}\n    saved: ${c.file}`);
  process.exit(counts.crash + counts.hang > 0 ? 1 : 0);
}

