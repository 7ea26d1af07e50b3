import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ElfParseError } from './errors.js';
import { NT_STAPSDT, parseSdtNotes, type SdtNoteLayout } from './sdt-notes.js';

/** One ELF note: namesz, descsz, type, name (padded to 4), desc (padded to 4). */
function note(layout: SdtNoteLayout, owner: string, type: number, desc: Uint8Array): Uint8Array {
  const name = new TextEncoder().encode(`${owner}\0`);
  const pad = (n: number): number => (n + 3) & ~3;
  const out = new Uint8Array(12 + pad(name.length) + pad(desc.length));
  const v = new DataView(out.buffer);
  v.setUint32(0, name.length, layout.littleEndian);
  v.setUint32(4, desc.length, layout.littleEndian);
  v.setUint32(8, type, layout.littleEndian);
  out.set(name, 12);
  out.set(desc, 12 + pad(name.length));
  return out;
}

/** An NT_STAPSDT description: pc, base, semaphore, then the three strings. */
function sdtDesc(layout: SdtNoteLayout, pc: bigint, base: bigint, sema: bigint, strings: string[]): Uint8Array {
  const w = layout.is64 ? 8 : 4;
  const text = new TextEncoder().encode(strings.map((s) => `${s}\0`).join(''));
  const out = new Uint8Array(3 * w + text.length);
  const v = new DataView(out.buffer);
  [pc, base, sema].forEach((x, i) => (layout.is64 ? v.setBigUint64(i * w, x, layout.littleEndian) : v.setUint32(i * w, Number(x), layout.littleEndian)));
  out.set(text, 3 * w);
  return out;
}

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

const LE64: SdtNoteLayout = { is64: true, littleEndian: true };
const BE32: SdtNoteLayout = { is64: false, littleEndian: false };

test('parseSdtNotes reads provider, name, addresses and arguments; skips other notes', () => {
  const data = concat(
    note(LE64, 'stapsdt', NT_STAPSDT, sdtDesc(LE64, 0x1234n, 0x2000n, 0x4038n, ['tsbpf', 'args', '-4@%edi 8@-8(%rbp)'])),
    note(LE64, 'GNU', 3, new Uint8Array(20)), // same type, another owner
    note(LE64, 'stapsdt', 1, new Uint8Array(5)), // an old note version
    note(LE64, 'stapsdt', NT_STAPSDT, sdtDesc(LE64, 0x1300n, 0x2000n, 0n, ['tsbpf', 'noargs', ''])),
  );
  assert.deepEqual(parseSdtNotes(data, LE64, 0x2000n), [
    { provider: 'tsbpf', name: 'args', address: 0x1234n, base: 0x2000n, semaphore: 0x4038n, args: '-4@%edi 8@-8(%rbp)' },
    { provider: 'tsbpf', name: 'noargs', address: 0x1300n, base: 0x2000n, semaphore: 0n, args: '' },
  ]);
});

test('parseSdtNotes moves addresses by the .stapsdt.base difference (prelinked files), 32-bit big-endian too', () => {
  const data = note(BE32, 'stapsdt', NT_STAPSDT, sdtDesc(BE32, 0x1000n, 0x2000n, 0x3000n, ['p', 'n', '4@%eax']));
  assert.deepEqual(parseSdtNotes(data, BE32, 0x2100n), [{ provider: 'p', name: 'n', address: 0x1100n, base: 0x2000n, semaphore: 0x3100n, args: '4@%eax' }]);
  // No .stapsdt.base section: addresses as recorded.
  assert.equal(parseSdtNotes(data, BE32, undefined)[0].address, 0x1000n);
  const noSema = note(BE32, 'stapsdt', NT_STAPSDT, sdtDesc(BE32, 0x1000n, 0x2000n, 0n, ['p', 'n', '']));
  assert.equal(parseSdtNotes(noSema, BE32, 0x2100n)[0].semaphore, 0n, 'no semaphore stays none');
});

test('parseSdtNotes refuses malformed notes with a typed error', () => {
  const good = note(LE64, 'stapsdt', NT_STAPSDT, sdtDesc(LE64, 1n, 2n, 3n, ['p', 'n', 'a']));
  assert.throws(() => parseSdtNotes(good.subarray(0, 10), LE64, undefined), (e: Error) => e instanceof ElfParseError && /note at offset 0: header truncated/.test(e.message));
  assert.throws(() => parseSdtNotes(good.subarray(0, good.length - 8), LE64, undefined), /description of \d+ bytes runs past the section/);
  const unterminated = note(LE64, 'stapsdt', NT_STAPSDT, sdtDesc(LE64, 1n, 2n, 3n, ['p', 'n']));
  assert.throws(() => parseSdtNotes(unterminated, LE64, undefined), /arguments string missing or unterminated/);
  const short = note(LE64, 'stapsdt', NT_STAPSDT, new Uint8Array(16));
  assert.throws(() => parseSdtNotes(short, LE64, undefined), /too short for 3 addresses/);
  const empty = note(LE64, 'stapsdt', NT_STAPSDT, sdtDesc(LE64, 1n, 2n, 3n, ['', 'n', '']));
  assert.throws(() => parseSdtNotes(empty, LE64, undefined), /empty provider or probe name/);
});

test('fuzz: parseSdtNotes on arbitrary bytes gives notes or an ElfParseError (500 runs)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), fc.boolean(), (bytes, is64, le) => {
      try {
        for (const n of parseSdtNotes(bytes, { is64, littleEndian: le }, 0x1000n)) assert.ok(n.provider !== '' && n.name !== '');
      } catch (e) {
        if (!(e instanceof ElfParseError)) throw e;
      }
    }),
    { numRuns: 500 },
  );
});
