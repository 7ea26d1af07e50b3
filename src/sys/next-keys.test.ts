import { test } from 'node:test';
import assert from 'node:assert/strict';
import { native, setNativeForTesting, type NativeBinding } from './native.js';
import { mapNextKeys } from './syscall.js';
import { Cmd } from './enums.gen.js';

test('mapNextKeys checks every length before the native call', () => {
  let calls = 0;
  setNativeForTesting({ addressOf: () => 0n, bpfNextKeys: () => (calls++, 0) } as unknown as NativeBinding);
  try {
    const attr = new Uint8Array(32);
    const bad: Array<[string, () => number, RegExp]> = [
      ['keySize 0', () => mapNextKeys('map m', attr, null, new Uint8Array(8), 0, 1), /^map m: next keys: keySize 0 is not an integer > 0$/],
      ['keySize 1.5', () => mapNextKeys('map m', attr, null, new Uint8Array(8), 1.5, 1), /keySize 1.5/],
      ['keySize NaN', () => mapNextKeys('map m', attr, null, new Uint8Array(8), NaN, 1), /keySize NaN/],
      ['max -1', () => mapNextKeys('map m', attr, null, new Uint8Array(8), 4, -1), /^map m: next keys: max -1 is not an integer from 0/],
      ['max 1.5', () => mapNextKeys('map m', attr, null, new Uint8Array(8), 4, 1.5), /max 1.5/],
      ['max 2^31', () => mapNextKeys('map m', attr, null, new Uint8Array(8), 4, 2 ** 31), /max 2147483648/],
      ['keys short', () => mapNextKeys('map m', attr, null, new Uint8Array(11), 4, 3), /^map m: next keys: keys is 11 bytes, shorter than 3 keys of 4$/],
      ['from short', () => mapNextKeys('map m', attr, new Uint8Array(3), new Uint8Array(8), 4, 2), /^map m: next keys: from is 3 bytes, shorter than the key \(4\)$/],
      ['attr short', () => mapNextKeys('map m', new Uint8Array(24), null, new Uint8Array(8), 4, 2), /^map m: next keys: attr is 24 bytes/],
    ];
    for (const [what, call, message] of bad) assert.throws(call, (e: unknown) => e instanceof RangeError && message.test(e.message), what);
    assert.equal(calls, 0, 'no bad call reached the addon');
    assert.equal(mapNextKeys('map m', attr, null, new Uint8Array(0), 4, 0), 0);
    assert.equal(calls, 0, 'max 0 makes no call');
    mapNextKeys('map m', attr, new Uint8Array(4), new Uint8Array(12), 4, 3);
    assert.equal(calls, 1);
  } finally {
    setNativeForTesting(undefined);
  }
});

test('the addon refuses bpfNextKeys arguments that would let the kernel write outside the keys buffer', () => {
  const a = native();
  const attr = new Uint8Array(32);
  const cases: Array<[string, () => number]> = [
    ['keys shorter than max keys', () => a.bpfNextKeys(Cmd.BPF_MAP_GET_NEXT_KEY, attr, 8, 16, new Uint8Array(15), 4, 4)],
    ['keySize 0', () => a.bpfNextKeys(Cmd.BPF_MAP_GET_NEXT_KEY, attr, 8, 16, new Uint8Array(16), 0, 4)],
    ['no keys buffer', () => a.bpfNextKeys(Cmd.BPF_MAP_GET_NEXT_KEY, attr, 8, 16, null as unknown as Uint8Array, 4, 1)],
    ['next key offset past the attr', () => a.bpfNextKeys(Cmd.BPF_MAP_GET_NEXT_KEY, attr, 8, 25, new Uint8Array(16), 4, 4)],
    ['key offset past the attr', () => a.bpfNextKeys(Cmd.BPF_MAP_GET_NEXT_KEY, attr, 30, 16, new Uint8Array(16), 4, 4)],
    ['max past 2^31 - 1', () => a.bpfNextKeys(Cmd.BPF_MAP_GET_NEXT_KEY, attr, 8, 16, new Uint8Array(16), 4, 2 ** 31)],
  ];
  for (const [what, call] of cases) assert.throws(call, (e: unknown) => e instanceof RangeError && (e as { code?: string }).code === 'ERR_TSBPF_RANGE', what);
  // max 0 calls nothing, whatever the attr holds.
  assert.equal(a.bpfNextKeys(Cmd.BPF_MAP_GET_NEXT_KEY, attr, 8, 16, new Uint8Array(0), 4, 0), 0);
});
