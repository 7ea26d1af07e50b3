import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { u8, u16, u32, i32, u64, i64, u32be, bytes, type Codec } from '../codec/codec.js';
import { laneFor } from './pack.js';

const codecs = [u8, u16, u32, i32, u64, i64] as Codec<unknown>[];

// Edge values of every integer width, and things no integer codec takes as is.
const edges: unknown[] = [0, -0, 1, -1, 0.5, NaN, Infinity, -Infinity, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, -0x80000000, -0x80000001];
edges.push(0xffffffff, 2 ** 32, 2 ** 53, -(2 ** 53), 0n, 1n, -1n, 0xffffffffffffffffn, 2n ** 64n, 0x7fffffffffffffffn, -(2n ** 63n), -(2n ** 63n) - 1n);
edges.push('1', null, undefined, {}, [1], new Uint8Array(8), true);

// What the lane does with `v` at element 1 of a 3-element buffer: the bytes it wrote, or null when it left v to the codec (writing nothing).
function viaLane(c: Codec<unknown>, v: unknown): number[] | null {
  const lane = laneFor(c, c.size)!;
  const buf = new Uint8Array(3 * c.size);
  const took = lane.put(lane.over(buf.buffer) as never, 1, v);
  if (!took) {
    assert.deepEqual([...buf], new Array(buf.length).fill(0), `lane for ${c.name} wrote ${String(v)} though it refused it`);
    return null;
  }
  assert.ok(buf.subarray(0, c.size).every((b) => b === 0) && buf.subarray(2 * c.size).every((b) => b === 0), `lane for ${c.name} wrote outside element 1`);
  return [...buf.subarray(c.size, 2 * c.size)];
}

// What the codec does with `v`: its bytes, or the error class it throws.
function viaCodec(c: Codec<unknown>, v: unknown): number[] | string {
  const buf = new Uint8Array(c.size);
  try {
    c.encode(v, new DataView(buf.buffer), 0);
  } catch (e) {
    return (e as Error).constructor.name;
  }
  return [...buf];
}

// A lane may take a value only when the codec takes it, and must then write the codec's bytes.
function check(c: Codec<unknown>, v: unknown): void {
  const got = viaLane(c, v);
  if (got !== null) assert.deepEqual(got, viaCodec(c, v), `${c.name} ${typeof v} ${String(v)}`);
}

test('integer lanes write what their codec writes and leave the rest to it', () => {
  for (const c of codecs) {
    assert.ok(laneFor(c, c.size), `lane for ${c.name}`);
    for (const v of edges) check(c, v);
  }
  // Values in range of the common form are taken (not just left to the codec).
  assert.deepEqual(viaLane(u32, 0xffffffff), [255, 255, 255, 255]);
  assert.deepEqual(viaLane(i32, -2), [254, 255, 255, 255]);
  assert.deepEqual(viaLane(u64, 0xffffffffffffffffn), new Array(8).fill(255));
  assert.deepEqual(viaLane(i64, -(2n ** 63n)), [0, 0, 0, 0, 0, 0, 0, 128]);
  // u64 takes safe integer numbers through its codec, not the lane.
  assert.equal(viaLane(u64, 5), null);
  assert.equal(viaLane(u32, -1), null);
  assert.equal(viaLane(u8, 256), null);
});

test('property: integer lanes agree with their codecs on random values', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...codecs),
      fc.oneof(fc.integer({ min: -(2 ** 33), max: 2 ** 33 }), fc.double(), fc.bigInt({ min: -(2n ** 65n), max: 2n ** 65n })),
      (c, v) => check(c, v),
    ),
  );
});

test('no lane for other codecs or another width', () => {
  assert.equal(laneFor(u32be, 4), undefined);
  assert.equal(laneFor(bytes(4), 4), undefined);
  assert.equal(laneFor(u64, 16), undefined);
});
