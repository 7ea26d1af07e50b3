import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { syscallError, PermissionError, KeyExistsError, KeyNotFoundError, MapFullError, InvalidArgumentError, NotSupportedError, SyscallError } from './errors.js';
import { setNativeForTesting, type NativeBinding } from './native.js';
import { capabilityMask, setCapabilitiesForTesting } from './capabilities.js';
import { BpfMap } from '../map/map.js';
import { mapIds } from '../map/info.js';
import { MapType } from '../types.js';

afterEach(() => {
  setNativeForTesting(undefined);
  setCapabilitiesForTesting(undefined);
});

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
    bpfNextKeys: fail,
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

const eperm = () => {
  throw Object.assign(new Error('bpf: EPERM'), { errno: 1, code: 'EPERM' });
};

test('BpfMap.create without privileges says which capability is missing (fake syscall)', () => {
  setNativeForTesting(fake({ bpf: eperm }));
  setCapabilitiesForTesting(0n);
  assert.throws(
    () => BpfMap.create({ name: 'counts', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 8 }),
    (e: unknown) => e instanceof PermissionError && e.message === 'map counts: create: EPERM: operation not permitted: this process lacks CAP_BPF (run as root or grant it)' && e.cause !== undefined,
  );
});

test('walking map ids names CAP_SYS_ADMIN, not CAP_BPF; with every capability the hint points elsewhere (fake syscall)', () => {
  setNativeForTesting(fake({ bpfRet: () => -1 }));
  setCapabilitiesForTesting(capabilityMask('CAP_BPF', 'CAP_PERFMON', 'CAP_NET_ADMIN'));
  assert.throws(
    () => [...mapIds()],
    (e: unknown) => e instanceof PermissionError && e.message === 'maps: list ids: EPERM: operation not permitted: this process lacks CAP_SYS_ADMIN (run as root or grant it)',
  );
  setCapabilitiesForTesting(0x1ffffffffffn);
  assert.throws(
    () => [...mapIds()],
    (e: unknown) => e instanceof PermissionError && /^maps: list ids: EPERM: operation not permitted although this process has CAP_SYS_ADMIN: kernel lockdown/.test(e.message),
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
    (e: unknown) =>
      e instanceof InvalidArgumentError &&
      e.message === 'map weird: create: EINVAL: invalid argument: the kernel refused type lpm_trie with key 4 B, value 8 B, max entries 8, flags 0x0',
  );
});
