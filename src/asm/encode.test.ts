import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SlotMap, decodeInstructions, encodeInstructions, encodeInto } from './encode.js';
import { AsmError } from './errors.js';
import { imm64, makeInstruction, slotCount, splitImm64, withImm64, type Instruction } from './instruction.js';
import { LD_IMM64 } from './opcodes.js';

const fromHex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

const arbInstruction: fc.Arbitrary<Instruction> = fc
  .record({
    opcode: fc.oneof(fc.constant(LD_IMM64), fc.integer({ min: 0, max: 255 })),
    dst: fc.integer({ min: 0, max: 15 }),
    src: fc.integer({ min: 0, max: 15 }),
    offset: fc.integer({ min: -32768, max: 32767 }),
    imm: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    wide: fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }),
  })
  .map(({ opcode, dst, src, offset, imm, wide }) => {
    if (opcode !== LD_IMM64) return makeInstruction({ opcode, dst, src, offset, imm });
    const [lo, hi] = splitImm64(wide);
    return makeInstruction({ opcode, dst, src, offset, imm: lo, immHi: hi });
  });

test('encode/decode round-trips random valid instructions', () => {
  fc.assert(
    fc.property(fc.array(arbInstruction, { maxLength: 40 }), (insns) => {
      const bytes = encodeInstructions(insns);
      assert.equal(bytes.length, slotCount(insns) * 8);
      assert.deepEqual(decodeInstructions(bytes), insns);
    }),
    { numRuns: 2000 },
  );
});

test('ld_imm64 carries any 64-bit constant', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }), (v) => {
      const ins = withImm64(makeInstruction({ opcode: LD_IMM64, dst: 1 }), v);
      const [back] = decodeInstructions(encodeInstructions([ins]));
      assert.equal(imm64(back), BigInt.asUintN(64, v));
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.maxSafeInteger(), (v) => {
      const [lo, hi] = splitImm64(v);
      assert.equal(BigInt.asIntN(64, imm64(makeInstruction({ opcode: LD_IMM64, imm: lo, immHi: hi }))), BigInt(v));
    }),
  );
});

test('decode of random bytes returns instructions or throws AsmError, and re-encodes exactly', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      let insns: Instruction[];
      try {
        insns = decodeInstructions(bytes);
      } catch (e) {
        assert.ok(e instanceof AsmError, String(e));
        return;
      }
      assert.deepEqual(encodeInstructions(insns), bytes);
    }),
    { numRuns: 10_000 },
  );
});

test('decode of random slot-aligned bytes with many ld_imm64 never crashes', () => {
  const slot = fc.oneof(
    fc.uint8Array({ minLength: 8, maxLength: 8 }),
    fc.uint8Array({ minLength: 7, maxLength: 7 }).map((b) => Uint8Array.of(0x18, ...b)),
    fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => Uint8Array.of(0, 0, 0, 0, ...b)),
  );
  fc.assert(
    fc.property(fc.array(slot, { maxLength: 30 }), (slots) => {
      const bytes = Uint8Array.from(slots.flatMap((s) => [...s]));
      try {
        assert.deepEqual(encodeInstructions(decodeInstructions(bytes)), bytes);
      } catch (e) {
        assert.ok(e instanceof AsmError, String(e));
      }
    }),
    { numRuns: 10_000 },
  );
});

test('decode rejects bad framing with AsmError', () => {
  const bad: [string, string, RegExp][] = [
    ['length not a multiple of 8', 'b7 01 00 00 2a 00 00', /^asm: decode: length 7 is not a multiple of 8$/],
    ['truncated ld_imm64', 'b7 01 0000 2a000000 18 01 0000 2a000000', /^asm: decode: slot 1: truncated ld_imm64$/],
    ['ld_imm64 second slot with opcode', '18 01 0000 2a000000 07 00 0000 00000000', /second slot has non-zero/],
    ['ld_imm64 second slot with offset', '18 01 0000 2a000000 00 00 0100 00000000', /second slot has non-zero/],
  ];
  for (const [name, h, re] of bad) {
    assert.throws(() => decodeInstructions(fromHex(h)), (e: unknown) => e instanceof AsmError && re.test(e.message), name);
  }
  assert.deepEqual(decodeInstructions(new Uint8Array(0)), []);
});

test('decode honours the byteOffset of a subarray', () => {
  const buf = fromHex('ff ff ff b7 01 0000 2a000000');
  const [ins] = decodeInstructions(buf.subarray(3));
  assert.deepEqual(ins, { opcode: 0xb7, dst: 1, src: 0, offset: 0, imm: 42, immHi: 0 });
});

test('encode rejects out-of-range fields naming the instruction', () => {
  const ok = makeInstruction({ opcode: 0x95 });
  const bad: [Partial<Instruction>, RegExp][] = [
    [{ opcode: 256 }, /opcode 256/],
    [{ dst: 16 }, /dst register 16/],
    [{ src: -1 }, /src register -1/],
    [{ offset: 32768 }, /offset 32768/],
    [{ imm: 2 ** 31 }, /imm 2147483648/],
    [{ imm: 1.5 }, /imm 1.5/],
    [{ immHi: 1 }, /immHi 1 set on a single-slot/],
  ];
  for (const [patch, re] of bad) {
    assert.throws(
      () => encodeInstructions([ok, { ...ok, ...patch }]),
      (e: unknown) => e instanceof AsmError && e.index === 1 && /^asm: encode: instruction 1: /.test(e.message) && re.test(e.message),
    );
  }
  assert.throws(() => encodeInto([ok], new Uint8Array(4)), AsmError);
  const out = new Uint8Array(24);
  assert.equal(encodeInto([ok], out, 8), 16);
  assert.equal(out[8], 0x95);
});

test('SlotMap maps instruction indices, slots and byte offsets both ways', () => {
  const insns = decodeInstructions(
    fromHex('b7 01 0000 00000000  18 11 0000 05000000 00 00 0000 00000000  85 00 0000 01000000  95 00 0000 00000000'),
  );
  const m = new SlotMap(insns);
  assert.equal(m.instructionCount, 4);
  assert.equal(m.slotCount, 5);
  assert.deepEqual([...m.starts], [0, 1, 3, 4, 5]);
  assert.equal(m.slotOf(2), 3);
  assert.equal(m.byteOffsetOf(3), 32);
  assert.equal(m.slotOf(4), 5);
  assert.deepEqual([0, 1, 2, 3, 4, 5, -1].map((s) => m.indexAtSlot(s)), [0, 1, -1, 2, 3, -1, -1]);
  assert.equal(m.indexAtByteOffset(24), 2);
  assert.equal(m.indexAtByteOffset(16), -1);
  assert.equal(m.indexAtByteOffset(12), -1);
  assert.throws(() => m.slotOf(5), AsmError);
  fc.assert(
    fc.property(fc.array(arbInstruction, { maxLength: 30 }), (list) => {
      const sm = new SlotMap(list);
      for (let i = 0; i < list.length; i++) assert.equal(sm.indexAtSlot(sm.slotOf(i)), i);
    }),
    { numRuns: 300 },
  );
});
