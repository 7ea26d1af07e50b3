import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AsmError } from '../asm/index.js';
import { BtfParseError } from '../btf/index.js';
import { fixtureBytes } from '../testutils/bpf-objects.js';
import { ElfFile } from './elf-file.js';
import { ElfParseError } from './errors.js';
import { loadCollectionSpec } from './reader.js';

// Mutated objects must give a spec or a typed parse error: never another exception, never a hang.
// scripts/fuzz-elf.ts runs the same check at a larger scale with more mutation kinds.

interface Edit {
  region: 'any' | 'headers' | 'btf' | 'code';
  at: number; // fraction of the region
  width: 1 | 2 | 4 | 8;
  value: bigint;
}

const edit = fc.record({
  region: fc.constantFrom<Edit['region']>('any', 'headers', 'btf', 'code'),
  at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
  width: fc.constantFrom<Edit['width']>(1, 2, 4, 8),
  value: fc.oneof(
    fc.constantFrom(0n, 1n, 8n, 0x7fn, 0xffn, 0xffffn, 0x7fffffffn, 0xffffffffn, 0xffffffffffffffffn),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  ),
});

test('fuzz: mutated objects give a spec or a typed error (1000 runs)', (t) => {
  const names = ['count', 'globals', 'multi', 'core', 'map_in_map', 'kfunc'];
  const corpus: Array<{ bytes: Uint8Array; ranges: Record<Edit['region'], [number, number]> }> = [];
  for (const n of names) {
    const bytes = fixtureBytes(t, n);
    if (!bytes) return;
    const elf = new ElfFile(bytes);
    const shoff = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(40, true));
    const btf = elf.section('.BTF')!;
    const code = elf.sections.find((s) => s.flags & 0x4 && s.size > 0 && s.name !== '.text')!;
    corpus.push({
      bytes,
      ranges: {
        any: [0, bytes.length],
        headers: [shoff, elf.sections.length * 64],
        btf: [btf.offset, btf.size],
        code: [code.offset, code.size],
      },
    });
  }
  let ok = 0;
  let typed = 0;
  fc.assert(
    fc.property(
      fc.nat(corpus.length - 1),
      fc.array(edit, { minLength: 1, maxLength: 6 }),
      fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { freq: 5 }),
      (which, edits, cut) => {
        const src = corpus[which];
        let b = new Uint8Array(src.bytes);
        for (const e of edits) {
          const [start, size] = src.ranges[e.region];
          const off = start + Math.floor(e.at * Math.max(1, size - e.width));
          for (let i = 0; i < e.width && off + i < b.length; i++) b[off + i] = Number((e.value >> BigInt(8 * i)) & 0xffn);
        }
        if (cut !== null) b = b.subarray(0, Math.floor(cut * b.length));
        try {
          loadCollectionSpec(b);
          ok++;
        } catch (e) {
          if (!(e instanceof ElfParseError || e instanceof BtfParseError || e instanceof AsmError)) throw e;
          typed++;
        }
      },
    ),
    { numRuns: 1000, seed: 42 },
  );
  assert.equal(ok + typed, 1000);
  assert.ok(ok > 0 && typed > 0, `both outcomes seen (ok ${ok}, typed ${typed})`);
});
