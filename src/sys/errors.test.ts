import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { syscallError, PermissionError, KeyExistsError, KeyNotFoundError, MapFullError, InvalidArgumentError, NotSupportedError, SyscallError } from './errors.js';
import { setNativeForTesting, type NativeBinding } from './native.js';
import { BpfMap } from '../map/map.js';
import { MapType } from '../types.js';

afterEach(() => setNativeForTesting(undefined));

test('errno values map to typed errors with the errno name and a cause chain', () => {
  const cases: Array<[number, new (...a: never[]) => SyscallError, string]> = [
    [1, PermissionError, 'EPERM'],
    [13, PermissionError, 'EACCES'],
    [17, KeyExistsError, 'EEXIST'],
    [2, KeyNotFoundError, 'ENOENT'],
    [7, MapFullError, 'E2BIG'],
    [22, InvalidArgumentError, 'EINVAL'],
    [95, NotSupportedError, 'EOPNOTSUPP'],
    [524, NotSupportedError, 'ENOTSUPP'],
  ];
  for (const [errno, cls, code] of cases) {
    const e = syscallError('bpf', 'BPF_MAP_UPDATE_ELEM', errno, 'map m: update');
    assert.ok(e instanceof cls, code);
    assert.equal(e.code, code);
    assert.equal(e.errno, errno);
    assert.ok(e.message.startsWith(`map m: update: ${code}`), e.message);
  }
  assert.match(syscallError('bpf', 'BPF_MAP_CREATE', 1, 'map m: create').message, /CAP_BPF/);
  assert.equal(syscallError('bpf', 'X', 99999, 'ctx').code, 'errno 99999');
});

function fake(over: Partial<NativeBinding>): NativeBinding {
  const fail = () => {
    throw new Error('fake: not implemented');
  };
  return {
    bpf: fail,
    bpfRet: fail,
    addressOf: () => 0n,
    close: () => {},
    perfEventOpen: fail,
    ioctl: fail,
    socket: fail,
    setsockopt: fail,
    mmap: fail,
    munmap: fail,
    pollStart: fail,
    pollStop: fail,
    pollRef: fail,
    ...over,
  };
}

test('BpfMap.create without privileges says which capability is missing (fake syscall)', () => {
  setNativeForTesting(
    fake({
      bpf: () => {
        throw Object.assign(new Error('bpf: EPERM'), { errno: 1, code: 'EPERM' });
      },
    }),
  );
  assert.throws(
    () => BpfMap.create({ name: 'counts', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 8 }),
    (e: unknown) => e instanceof PermissionError && /^map counts: create: EPERM: operation not permitted \(needs root or CAP_BPF/.test(e.message) && e.cause !== undefined,
  );
});

test('BpfMap.create explains EINVAL with the spec it sent (fake syscall)', () => {
  setNativeForTesting(
    fake({
      bpf: () => {
        throw Object.assign(new Error('bpf: EINVAL'), { errno: 22 });
      },
    }),
  );
  assert.throws(
    () => BpfMap.create({ name: 'weird', type: MapType.LpmTrie, keySize: 4, valueSize: 8, maxEntries: 8 }),
    /^InvalidArgumentError|map weird: create: EINVAL: invalid argument: the kernel refused type lpm_trie with key 4 B, value 8 B, max entries 8, flags 0x0$/,
  );
});
