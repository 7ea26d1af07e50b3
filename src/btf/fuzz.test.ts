import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatCDecl, formatVmlinuxHeader } from './c-printer.js';
import { BtfError, BtfParseError } from './errors.js';
import { parseBtfExt } from './ext.js';
import { alignof, sizeof, skipQualifiers } from './layout.js';
import { marshalBtf } from './marshal.js';
import { parseBtf, parseBtfLazily } from './parse.js';
import { allKindsSpec, readFixture } from './test-fixtures.js';

const RUNS = 10_000;

/** Byte-level mutations of one of `seeds`: overwrite some bytes, and maybe truncate or extend. */
function mutated(...seeds: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.constantFrom(...seeds).chain((seed) => mutatedOne(seed));
}

function mutatedOne(seed: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc
    .record({
      edits: fc.array(fc.record({ at: fc.nat(seed.length - 1), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 }),
      cut: fc.option(fc.nat(seed.length), { freq: 4 }),
      grow: fc.option(fc.uint8Array({ maxLength: 16 }), { freq: 8 }),
    })
    .map(({ edits, cut, grow }) => {
      let b = Uint8Array.from(seed);
      for (const e of edits) b[e.at] = e.value;
      if (cut !== null) b = b.subarray(0, cut);
      if (grow !== null) b = Uint8Array.from([...b, ...grow]);
      return b;
    });
}

/** Uses every parsed type the way callers do; only BtfErrors may come out. */
function exercise(bytes: Uint8Array): void {
  const spec = parseBtf(bytes);
  for (const t of spec) {
    for (const walk of [() => sizeof(spec, t.id), () => alignof(spec, t.id), () => skipQualifiers(spec, t.id), () => formatCDecl(spec, t.id, 'x')]) {
      try {
        walk();
      } catch (e) {
        if (!(e instanceof BtfError)) throw e;
      }
    }
  }
  spec.typesByName('int');
  try {
    formatVmlinuxHeader(spec);
  } catch (e) {
    if (!(e instanceof BtfError)) throw e;
  }
}

test('mutated .BTF either parses or throws BtfParseError', () => {
  // A hand-built blob with every kind, and the real .BTF clang wrote for testdata/btf.
  const seeds = [marshalBtf(allKindsSpec()), readFixture('core-kinds.btf')];
  let parsed = 0;
  fc.assert(
    fc.property(mutated(...seeds), (bytes) => {
      try {
        exercise(bytes);
        parsed++;
      } catch (e) {
        if (!(e instanceof BtfParseError)) throw e;
      }
    }),
    { numRuns: RUNS, seed: 0x5eed },
  );
  assert.ok(parsed > 0, 'some mutations must still parse');
});

test('mutated .BTF parsed lazily (as the kernel BTF is) gives only BtfErrors, on parse or on use', () => {
  const seeds = [marshalBtf(allKindsSpec()), readFixture('core-kinds.btf')];
  fc.assert(
    fc.property(mutated(...seeds), (bytes) => {
      let spec;
      try {
        spec = parseBtfLazily(bytes);
      } catch (e) {
        if (!(e instanceof BtfParseError)) throw e;
        return;
      }
      for (const name of ['int', 'sample', 'core_kinds', '']) {
        try {
          spec.typesByName(name);
          spec.typesByEssentialName(name);
        } catch (e) {
          if (!(e instanceof BtfError)) throw e;
        }
      }
      for (let id = 0; id < spec.typeCount; id++) {
        for (const walk of [() => spec.typeById(id), () => sizeof(spec, id), () => alignof(spec, id), () => formatCDecl(spec, id, 'x')]) {
          try {
            walk();
          } catch (e) {
            if (!(e instanceof BtfError)) throw e;
          }
        }
      }
    }),
    { numRuns: RUNS / 2, seed: 0x1a2e },
  );
});

test('mutated .BTF.ext either parses or throws BtfParseError', () => {
  const spec = parseBtf(readFixture('core-kinds.btf'));
  const seed = readFixture('core-kinds.btf.ext');
  fc.assert(
    fc.property(mutated(seed), (bytes) => {
      try {
        parseBtfExt(bytes, spec);
      } catch (e) {
        if (!(e instanceof BtfParseError)) throw e;
      }
    }),
    { numRuns: RUNS, seed: 0xe47 },
  );
});

test('CO-RE on arbitrary relocations and cyclic types only throws CoreRelocationError', async () => {
  const { computeCoreFixups } = await import('./core.js');
  const { CoreRelocationError } = await import('./errors.js');
  const { CORE_RELO_KINDS } = await import('./ext.js');
  const { Spec } = await import('./spec.js');
  const cyclic = Spec.fromTypes([
    { kind: 'ptr', name: 'p', type: 1 },
    { kind: 'typedef', name: 'pair', type: 3 },
    { kind: 'typedef', name: 'pair', type: 2 },
    { kind: 'struct', name: 'pair', size: 8, members: [{ name: 'a', type: 5, bitOffset: 0, bitfieldSize: 0 }, { name: '', type: 4, bitOffset: 0, bitfieldSize: 0 }] },
    { kind: 'array', name: '', type: 5, indexType: 0, nelems: 1 },
    { kind: 'func_proto', name: 'fn', returnType: 7, params: [{ name: '', type: 7 }, { name: '', type: 6 }], variadic: false },
    { kind: 'ptr', name: 'fn', type: 6 },
  ]);
  const specs = [allKindsSpec(), cyclic];
  fc.assert(
    fc.property(
      fc.nat(1),
      fc.nat(1),
      fc.nat(30),
      fc.constantFrom(...CORE_RELO_KINDS),
      fc.oneof(fc.constant('0'), fc.array(fc.nat(8), { minLength: 1, maxLength: 5 }).map((a) => a.join(':')), fc.string({ maxLength: 6 })),
      (li, ti, typeId, kind, accessStr) => {
        try {
          computeCoreFixups(specs[li], specs[ti], [{ insnByteOffset: 0, typeId, accessStr, kind }]);
        } catch (e) {
          if (!(e instanceof CoreRelocationError)) throw e;
        }
      },
    ),
    { numRuns: 3000, seed: 0xc0e },
  );
});
