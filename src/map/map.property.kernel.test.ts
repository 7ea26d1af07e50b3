// Property tests on the running kernel: random argument types, sizes, counts and flags against the
// public BpfMap and Program.test, checked against a model of the operations that should be
// accepted. Every call either does what the model says or throws a typed error (TypeError,
// RangeError, or the library's SyscallError family where the kernel refuses), never anything
// else; the kernel map equals the model after every run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { kernelTest } from '../testutils/kernel.js';
import { Assembler, R0 } from '../asm/index.js';
import { BpfMap, MapType, Program, ProgramType, SyscallError, KeyExistsError, KeyNotFoundError, MapFullError, InvalidArgumentError, u32, u64 } from '../index.js';

const MAX = 16; // small, so random keys collide and the map fills up
const U64_MAX = 2n ** 64n - 1n;

type Outcome = { refused: true } | { refused: false; error?: new (...a: never[]) => Error; check?: (r: unknown) => void };

const isKey = (k: unknown): k is number => typeof k === 'number' && Number.isInteger(k) && k >= 0 && k <= 0xffffffff;
const isValue = (v: unknown): boolean => (typeof v === 'bigint' && v >= 0n && v <= U64_MAX) || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);
const toBig = (v: unknown): bigint => BigInt(v as number | bigint);

/** The flags word an options argument means, or 'refused' for one the library must refuse; lock is EINVAL from the kernel here. */
function flagsOf(opts: unknown, allowed = ['any', 'noexist', 'exist']): 'refused' | { flag: string; lock: boolean } {
  if (opts === undefined) return { flag: 'any', lock: false };
  if (typeof opts === 'string') return allowed.includes(opts) ? { flag: opts, lock: false } : 'refused';
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) return 'refused';
  const o = opts as Record<string, unknown>;
  if (Object.keys(o).some((k) => k !== 'flag' && k !== 'lock')) return 'refused';
  if (o.flag !== undefined && !(typeof o.flag === 'string' && allowed.includes(o.flag))) return 'refused';
  if (o.lock !== undefined && typeof o.lock !== 'boolean') return 'refused';
  return { flag: (o.flag as string | undefined) ?? 'any', lock: o.lock === true };
}

/** One kernel update in the model: the error class the kernel gives, or undefined after applying it. */
function modelUpdate(model: Map<number, bigint>, k: number, v: bigint, flag: string): (new (...a: never[]) => Error) | undefined {
  const has = model.has(k);
  if (flag === 'noexist' && has) return KeyExistsError;
  if (flag === 'exist' && !has) return KeyNotFoundError;
  if (!has && model.size >= MAX) return MapFullError;
  model.set(k, v);
  return undefined;
}

const badAny = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.constant({}),
  fc.string({ maxLength: 4 }),
  fc.constant([1, 2]),
  fc.boolean(),
  fc.constant(NaN),
  fc.constant(Infinity),
);
const keyArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 24 }) },
  { weight: 1, arbitrary: fc.oneof(fc.constant(-1), fc.constant(2 ** 32), fc.constant(2 ** 32 + 3), fc.double({ noInteger: true }), fc.bigInt({ min: 0n, max: 9n }), badAny) },
);
const valueArb = fc.oneof(
  { weight: 4, arbitrary: fc.bigInt({ min: 0n, max: U64_MAX }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 1000 }) }, // safe integer numbers are accepted for u64
  { weight: 1, arbitrary: fc.oneof(fc.bigInt({ min: -5n, max: -1n }), fc.constant(2n ** 64n), fc.constant(-1), fc.constant(2 ** 53), fc.double({ noInteger: true }), badAny) },
);
const flagArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(undefined, 'any', 'noexist', 'exist') },
  { weight: 2, arbitrary: fc.record({ flag: fc.constantFrom('any', 'noexist', 'exist') }, { requiredKeys: [] }) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constantFrom('noexsit', 'ANY', '', 1, 2, 0, null),
      fc.constant({ lock: true }),
      fc.constant({ flg: 'any' }),
      fc.constant({ flag: 1 }),
      fc.constant({ lock: 'yes' }),
      fc.constant({ flag: 'any', extra: 1 }),
    ),
  },
);
const batchSizeArb = fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 40 }), fc.constantFrom(0, -1, 1.5, NaN, 2 ** 32, 2 ** 32 - 1, '8', null));
const bufArb = (n: number) => fc.oneof({ weight: 4, arbitrary: fc.constant(n) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: n + 4 }) }).map((len) => new Uint8Array(len));

const cmdArb = fc.oneof(
  fc.record({ op: fc.constant('update' as const), k: keyArb, v: valueArb, f: flagArb }),
  fc.record({ op: fc.constant('lookup' as const), k: keyArb, o: fc.oneof(fc.constant(undefined), fc.constant({ lock: false }), fc.constant({ lokc: true }), fc.constant(3)) }),
  fc.record({ op: fc.constant('has' as const), k: keyArb }),
  fc.record({ op: fc.constant('delete' as const), k: keyArb }),
  fc.record({ op: fc.constant('lookupAndDelete' as const), k: keyArb }),
  fc.record({ op: fc.constant('updateBatch' as const), e: fc.array(fc.tuple(keyArb, valueArb), { maxLength: 8 }), f: flagArb }),
  fc.record({ op: fc.constant('deleteBatch' as const), ks: fc.array(keyArb, { maxLength: 5 }) }),
  fc.record({ op: fc.constant('lookupBatch' as const), b: batchSizeArb }),
  fc.record({
    op: fc.constant('updateBatchRaw' as const),
    e: fc.array(fc.tuple(fc.integer({ min: 0, max: 24 }), fc.bigInt({ min: 0n, max: U64_MAX })), { maxLength: 6 }),
    count: fc.oneof(fc.constant('all' as const), fc.integer({ min: -2, max: 9 }), fc.constantFrom(1.5, NaN, 2 ** 32, 2 ** 32 - 1, '2')),
    padK: fc.integer({ min: -3, max: 3 }),
    padV: fc.integer({ min: -7, max: 7 }),
    f: flagArb,
  }),
  fc.record({ op: fc.constant('nextKeyRaw' as const), prev: fc.oneof(fc.constant(null), bufArb(4)), out: bufArb(4) }),
  fc.record({ op: fc.constant('lookupRaw' as const), key: fc.oneof(bufArb(4), badAny) }),
  fc.record({ op: fc.constant('queueOp' as const), which: fc.constantFrom('pop', 'peek', 'push', 'mayContain') }),
);
type Cmd = typeof cmdArb extends fc.Arbitrary<infer C> ? C : never;

/** What the model expects of `c`, applying it to `model` when it is accepted. */
function expect(model: Map<number, bigint>, c: Cmd): Outcome {
  switch (c.op) {
    case 'update': {
      const f = flagsOf(c.f);
      if (f === 'refused' || !isKey(c.k) || !isValue(c.v)) return { refused: true };
      if (f.lock) return { refused: false, error: InvalidArgumentError };
      return { refused: false, error: modelUpdate(model, c.k, toBig(c.v), f.flag) };
    }
    case 'lookup': {
      if (c.o === 3 || (c.o && 'lokc' in c.o) || !isKey(c.k)) return { refused: true };
      const want = model.get(c.k);
      return { refused: false, check: (r) => assert.equal(r, want) };
    }
    case 'has': {
      if (!isKey(c.k)) return { refused: true };
      const want = model.has(c.k);
      return { refused: false, check: (r) => assert.equal(r, want) };
    }
    case 'delete': {
      if (!isKey(c.k)) return { refused: true };
      const want = model.delete(c.k);
      return { refused: false, check: (r) => assert.equal(r, want) };
    }
    case 'lookupAndDelete': {
      if (!isKey(c.k)) return { refused: true };
      const want = model.get(c.k);
      model.delete(c.k);
      return { refused: false, check: (r) => assert.equal(r, want) };
    }
    case 'updateBatch': {
      const f = flagsOf(c.f);
      if (f === 'refused' || c.e.some(([k, v]) => !isKey(k) || !isValue(v))) return { refused: true };
      return batchOutcome(model, c.e.map(([k, v]) => [k as number, toBig(v)]), f);
    }
    case 'updateBatchRaw': {
      const f = flagsOf(c.f);
      const count = c.count === 'all' ? c.e.length : c.count;
      const keyBytes = Math.max(0, c.e.length * 4 + c.padK);
      const valueBytes = Math.max(0, c.e.length * 8 + c.padV);
      if (f === 'refused' || typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 0xffffffff) return { refused: true };
      if (keyBytes < count * 4 || valueBytes < count * 8) return { refused: true };
      // The buffers hold `count` whole elements: those, padded with zero bytes where longer than e.
      const entries: Array<[number, bigint]> = Array.from({ length: count }, (_, i) => c.e[i] ?? [0, 0n]);
      return batchOutcome(model, entries, f);
    }
    case 'deleteBatch': {
      if (c.ks.some((k) => !isKey(k))) return { refused: true };
      let n = 0;
      for (const k of c.ks as number[]) {
        if (!model.delete(k)) return { refused: false, error: KeyNotFoundError };
        n++;
      }
      return { refused: false, check: (r) => assert.equal(r, n) };
    }
    case 'lookupBatch': {
      const b = c.b;
      if (b !== undefined && (typeof b !== 'number' || !Number.isInteger(b) || b < 1 || b > 0xffffffff)) return { refused: true };
      const want = [...model].sort((x, y) => x[0] - y[0]);
      return { refused: false, check: (r) => assert.deepEqual([...(r as Array<[number, bigint]>)].sort((x, y) => x[0] - y[0]), want) };
    }
    case 'nextKeyRaw': {
      if ((c.prev && c.prev.length < 4) || c.out.length < 4) return { refused: true };
      const keys = new Set(model.keys());
      const out = c.out;
      return {
        refused: false,
        check: (r) => {
          if (keys.size === 0) assert.equal(r, false);
          if (r) assert.ok(keys.has(new DataView(out.buffer).getUint32(0, true)), 'next key is a key of the map');
        },
      };
    }
    case 'lookupRaw': {
      if (!(c.key instanceof Uint8Array) || c.key.length !== 4) return { refused: true };
      const want = model.get(new DataView(c.key.buffer).getUint32(0, true));
      return { refused: false, check: (r) => assert.equal(r === undefined ? undefined : new DataView((r as Uint8Array).buffer, (r as Uint8Array).byteOffset).getBigUint64(0, true), want) };
    }
    case 'queueOp':
      return { refused: true }; // a hash map has no pop, peek, push or mayContain
  }
}

/** A batch update in the model: in order, stopping at the first element the kernel refuses. */
function batchOutcome(model: Map<number, bigint>, entries: Array<[number, bigint]>, f: { flag: string; lock: boolean }): Outcome {
  if (entries.length === 0) return { refused: false, check: (r) => assert.equal(r, 0) };
  if (f.lock) return { refused: false, error: InvalidArgumentError };
  for (const [k, v] of entries) {
    const e = modelUpdate(model, k, v, f.flag);
    if (e) return { refused: false, error: e };
  }
  return { refused: false, check: (r) => assert.equal(r, entries.length) };
}

function run(m: BpfMap<number, bigint>, c: Cmd): unknown {
  switch (c.op) {
    case 'update':
      return m.update(c.k as number, c.v as bigint, c.f as never);
    case 'lookup':
      return m.lookup(c.k as number, c.o as never);
    case 'has':
      return m.has(c.k as number);
    case 'delete':
      return m.delete(c.k as number);
    case 'lookupAndDelete':
      return m.lookupAndDelete(c.k as number);
    case 'updateBatch':
      return m.updateBatch(c.e as Array<[number, bigint]>, c.f as never);
    case 'updateBatchRaw': {
      const keys = new Uint8Array(Math.max(0, c.e.length * 4 + c.padK));
      const values = new Uint8Array(Math.max(0, c.e.length * 8 + c.padV));
      const kv = new DataView(keys.buffer);
      const vv = new DataView(values.buffer);
      c.e.forEach(([k, v], i) => {
        if (i * 4 + 4 <= keys.length) kv.setUint32(i * 4, k, true);
        if (i * 8 + 8 <= values.length) vv.setBigUint64(i * 8, v, true);
      });
      return m.updateBatchRaw(keys, values, (c.count === 'all' ? c.e.length : c.count) as number, c.f as never);
    }
    case 'deleteBatch':
      return m.deleteBatch(c.ks as number[]);
    case 'lookupBatch':
      return m.lookupBatch({ batchSize: c.b as number });
    case 'nextKeyRaw':
      return m.nextKeyRaw(c.prev, c.out);
    case 'lookupRaw': {
      const r = m.lookupRaw(c.key as Uint8Array);
      return r && Uint8Array.from(r);
    }
    case 'queueOp':
      return c.which === 'push' || c.which === 'mayContain' ? m[c.which](1n) : m[c.which]();
  }
}

function snapshot(m: BpfMap<number, bigint>): Array<[number, bigint]> {
  return [...m.entries()].sort((a, b) => a[0] - b[0]);
}

test('property: random arguments to a hash map give the model result or a typed error, and the map equals the model', (t) => {
  if (!kernelTest(t)) return;
  using m = BpfMap.create({ name: 'prop_hash', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: MAX }, { key: u32, value: u64 });
  let refusals = 0;
  let kernelErrors = 0;
  let accepted = 0;
  fc.assert(
    fc.property(fc.array(cmdArb, { minLength: 1, maxLength: 25 }), (cmds) => {
      for (const k of [...m.keys()]) m.delete(k);
      const model = new Map<number, bigint>();
      for (const c of cmds) {
        // An update batch that the kernel stops part-way applies a prefix, so compare from the kernel after it.
        const before = new Map(model);
        const want = expect(model, c);
        let result: unknown;
        let thrown: unknown;
        try {
          result = run(m, c);
        } catch (e) {
          thrown = e;
        }
        if (want.refused) {
          assert.ok(thrown instanceof TypeError || thrown instanceof RangeError, `${JSON.stringify(c, big)}: expected a TypeError or RangeError, got ${String(thrown ?? `success ${String(result)}`)}`);
          assert.ok(!(thrown instanceof SyscallError), 'refused before the kernel');
          assert.deepEqual(new Map(snapshot(m)), before, `${c.op}: a refused call changed nothing`);
          model.clear();
          for (const [k, v] of before) model.set(k, v);
          refusals++;
        } else if (want.error) {
          assert.ok(thrown instanceof want.error, `${JSON.stringify(c, big)}: expected ${want.error.name}, got ${String(thrown ?? `success ${String(result)}`)}`);
          kernelErrors++;
        } else {
          assert.equal(thrown, undefined, `${JSON.stringify(c, big)}: unexpected ${String(thrown)}`);
          want.check?.(result);
          accepted++;
        }
      }
      assert.deepEqual(snapshot(m), [...model].sort((a, b) => a[0] - b[0]), 'the kernel map equals the model');
    }),
    { numRuns: Number(process.env.TSBPF_PROPERTY_RUNS ?? 300) },
  );
  // The generators reach all three outcomes.
  assert.ok(refusals > 100 && kernelErrors > 20 && accepted > 500, `refusals ${refusals}, kernel errors ${kernelErrors}, accepted ${accepted}`);
});

test('property: a queue pops what was pushed in order; bad values and flags are refused', (t) => {
  if (!kernelTest(t)) return;
  using q = BpfMap.create({ name: 'prop_queue', type: MapType.Queue, keySize: 0, valueSize: 4, maxEntries: 4 }, { value: u32 });
  const op = fc.oneof(
    fc.record({ op: fc.constant('push' as const), v: fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(-1, 2 ** 32, 0.5, NaN, '1', null, 1n)), f: fc.constantFrom(undefined, 'any', 'exist', 'noexist', 'bad', 2) }),
    fc.record({ op: fc.constantFrom('pop' as const, 'peek' as const) }),
    fc.record({ op: fc.constantFrom('lookupBatch' as const, 'mayContain' as const) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 20 }), (ops) => {
      while (q.pop() !== undefined);
      const model: number[] = [];
      for (const c of ops) {
        let thrown: unknown;
        let r: unknown;
        try {
          if (c.op === 'push') r = q.push(c.v as number, c.f as never);
          else if (c.op === 'mayContain') r = q.mayContain(1);
          else if (c.op === 'lookupBatch') r = q.lookupBatch();
          else r = q[c.op]();
        } catch (e) {
          thrown = e;
        }
        if (c.op === 'push') {
          const validV = typeof c.v === 'number' && Number.isInteger(c.v) && c.v >= 0 && c.v <= 0xffffffff;
          const validF = c.f === undefined || c.f === 'any' || c.f === 'exist';
          if (!validV || !validF) assert.ok(thrown instanceof TypeError || thrown instanceof RangeError, `push ${String(c.v)} ${String(c.f)}: ${String(thrown)}`);
          else if (model.length === 4 && c.f !== 'exist') assert.ok(thrown instanceof MapFullError, String(thrown));
          else {
            assert.equal(thrown, undefined);
            if (model.length === 4) model.shift();
            model.push(c.v as number);
          }
        } else if (c.op === 'mayContain') {
          assert.ok(thrown instanceof TypeError, String(thrown));
        } else if (c.op === 'lookupBatch') {
          // Queues have no keys to walk: the kernel's refusal comes back typed.
          assert.ok(thrown instanceof SyscallError || thrown === undefined, String(thrown));
        } else {
          assert.equal(thrown, undefined);
          assert.equal(r, model[0]);
          if (c.op === 'pop') model.shift();
        }
      }
      const left: number[] = [];
      for (let v = q.pop(); v !== undefined; v = q.pop()) left.push(v);
      assert.deepEqual(left, model, 'the kernel queue equals the model');
    }),
    { numRuns: Number(process.env.TSBPF_PROPERTY_RUNS ?? 200) },
  );
});

test('property: Program.test with random data, sizes and options runs or throws a typed error', (t) => {
  if (!kernelTest(t)) return;
  using prog = Program.load({ name: 'prop_keep', type: ProgramType.SocketFilter, license: 'GPL', instructions: new Assembler().mov64(R0, 1).exit().build() });
  const size = fc.oneof(fc.integer({ min: 0, max: 600 }), fc.constantFrom(-1, 1.5, NaN, 2 ** 40, '14', null));
  const validOpts = fc.record({ repeat: fc.integer({ min: 1, max: 3 }), dataOutSize: fc.integer({ min: 0, max: 600 }) }, { requiredKeys: [] });
  const randomOpts = fc.record(
    {
      repeat: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constantFrom(0, -1, 2.5, 2 ** 32)),
      dataOutSize: size,
      ctxOutSize: size,
      ctxIn: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.constantFrom('ctx', 5)),
      flags: fc.constantFrom(0, 1, -1, 2 ** 32),
      cpu: fc.constantFrom(0, 1, -1, 0.5),
      dataOutsize: fc.constant(1),
    },
    { requiredKeys: [] },
  );
  const optsArb = fc.oneof(validOpts, randomOpts);
  const dataArb = fc.oneof({ weight: 3, arbitrary: fc.noBias(fc.nat(200)).map((n) => new Uint8Array(n).fill(n)) }, { weight: 1, arbitrary: fc.constantFrom(undefined, 'packet', [1, 2, 3]) });
  let ok = 0;
  fc.assert(
    fc.property(dataArb, optsArb, (data, opts) => {
      const o = opts as Record<string, unknown>;
      const int = (v: unknown, min: number, max: number) => v === undefined || (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max);
      const argsValid =
        !('dataOutsize' in o) &&
        (data === undefined || data instanceof Uint8Array) &&
        int(o.repeat, 1, 0xffffffff) &&
        int(o.dataOutSize, 0, 16 << 20) &&
        int(o.ctxOutSize, 0, 16 << 20) &&
        int(o.flags, 0, 0xffffffff) &&
        int(o.cpu, 0, 0xffffffff) &&
        (o.ctxIn === undefined || o.ctxIn instanceof Uint8Array);
      let thrown: unknown;
      let r: ReturnType<Program['test']> | undefined;
      try {
        r = prog.test(data as Uint8Array | undefined, opts as never);
      } catch (e) {
        thrown = e;
      }
      if (!argsValid) {
        assert.ok(thrown instanceof TypeError || thrown instanceof RangeError, `expected a refusal, got ${String(thrown ?? 'success')}`);
        return;
      }
      // A packet of at least an Ethernet header with room for it back, and no context: the program runs.
      const len = data === undefined ? 14 : (data as Uint8Array).length;
      const mustRun = len >= 14 && (o.dataOutSize === undefined || (o.dataOutSize as number) >= len) && o.ctxIn === undefined && o.ctxOutSize === undefined && !o.flags && !o.cpu;
      if (mustRun) assert.equal(thrown, undefined, `data ${len} B, ${JSON.stringify(opts, big)}: ${String(thrown)}`);
      // Otherwise the kernel may refuse (a packet under 14 bytes, a context it does not take, an output too small): typed.
      if (thrown !== undefined) {
        assert.ok(thrown instanceof SyscallError, String(thrown));
        return;
      }
      assert.equal(r!.retval, 1);
      assert.ok(r!.dataOut.length <= (o.dataOutSize as number | undefined ?? Infinity));
      ok++;
    }),
    { numRuns: Number(process.env.TSBPF_PROPERTY_RUNS ?? 300) },
  );
  assert.ok(ok > 50, `runs that reached the program: ${ok}`);
});

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `Uint8Array(${v.length})` : v;
}
