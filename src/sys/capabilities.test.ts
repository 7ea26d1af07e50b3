import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capabilitiesForCommand, capabilitiesForProgramType, capabilityMask, grants, parseCapEff, permissionHint } from './capabilities.js';
import { ProgramType } from '../types.js';

test('parseCapEff reads the effective set of a status text', () => {
  assert.equal(parseCapEff('Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t000001fffeffffff\nCapBnd:\t000001ffffffffff\n'), 0x1fffeffffffn);
  assert.equal(parseCapEff('Name:\tnode\n'), undefined);
});

test('CAP_SYS_ADMIN grants CAP_BPF and CAP_PERFMON, not CAP_NET_ADMIN', () => {
  const admin = capabilityMask('CAP_SYS_ADMIN');
  assert.ok(grants(admin, 'CAP_BPF'));
  assert.ok(grants(admin, 'CAP_PERFMON'));
  assert.ok(!grants(admin, 'CAP_NET_ADMIN'));
  assert.ok(!grants(capabilityMask('CAP_BPF'), 'CAP_SYS_ADMIN'));
});

test('what each command and program type needs', () => {
  for (const c of ['BPF_MAP_GET_NEXT_ID', 'BPF_PROG_GET_NEXT_ID', 'BPF_BTF_GET_NEXT_ID', 'BPF_LINK_GET_NEXT_ID', 'BPF_MAP_GET_FD_BY_ID']) assert.deepEqual(capabilitiesForCommand(c), ['CAP_SYS_ADMIN'], c);
  assert.deepEqual(capabilitiesForCommand('BPF_MAP_CREATE'), ['CAP_BPF']);
  assert.deepEqual(capabilitiesForProgramType(ProgramType.SocketFilter), ['CAP_BPF']);
  assert.deepEqual(capabilitiesForProgramType(ProgramType.Tracing), ['CAP_BPF', 'CAP_PERFMON']);
  assert.deepEqual(capabilitiesForProgramType(ProgramType.XDP), ['CAP_BPF', 'CAP_NET_ADMIN']);
});

test('the hint names the capability missing, or, with every one held, the other causes', () => {
  const onlyBpf = capabilityMask('CAP_BPF', 'CAP_PERFMON');
  assert.equal(permissionHint(['CAP_SYS_ADMIN'], onlyBpf), 'operation not permitted: this process lacks CAP_SYS_ADMIN (run as root or grant it)');
  assert.equal(permissionHint(['CAP_BPF', 'CAP_NET_ADMIN'], onlyBpf), 'operation not permitted: this process lacks CAP_NET_ADMIN (run as root or grant it)');
  assert.equal(permissionHint(['CAP_BPF', 'CAP_PERFMON'], 0n), 'operation not permitted: this process lacks CAP_BPF and CAP_PERFMON (run as root or grant them)');
  const all = permissionHint(['CAP_SYS_ADMIN'], 0x1ffffffffffn);
  assert.match(all, /^operation not permitted although this process has CAP_SYS_ADMIN: kernel lockdown .*an LSM .*RLIMIT_MEMLOCK/);
  assert.doesNotMatch(all, /lacks/);
  assert.equal(permissionHint(['CAP_BPF'], null), 'operation not permitted (needs root or CAP_BPF)');
});
