import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { kernelTest, skipIf } from '../testutils/kernel.js';
import { fixtureBytes } from '../testutils/bpf-objects.js';
import { UsdtHelper, usdtHelperPath, usdtHelperUnavailable } from '../testutils/usdt-helper.js';
import { loadCollection } from '../collection/load.js';
import type { Collection } from '../collection/collection.js';
import { loadCollectionSpec } from '../elf/index.js';
import { AttachType } from '../types.js';
import { u32, u64 } from '../codec/codec.js';
import { attachUsdt, listUsdtProbes, AttachTargetNotFoundError, UsdtLink, type Link } from './index.js';
import { processAddress } from './process-maps.js';

const NARGS = 9;

/** struct hit of testdata/usdt.bpf.c. */
interface Hit {
  args: bigint[];
  argCnt: number;
  errs: number;
  usdtCookie: bigint;
  attachCookie: bigint;
  ip: bigint;
  ipSpecId: bigint;
  str: string;
  typed: bigint[];
}

function readHit(coll: Collection, slot: number): Hit {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setUint32(0, slot, true);
  const b = coll.map('hits').lookupRaw(key)!;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const args = Array.from({ length: NARGS }, (_, i) => v.getBigInt64(i * 8, true));
  let o = NARGS * 8;
  const argCnt = v.getInt32(o, true);
  const errs = v.getInt32(o + 4, true);
  o += 8;
  const usdtCookie = v.getBigUint64(o, true);
  const attachCookie = v.getBigUint64(o + 8, true);
  const ip = v.getBigUint64(o + 16, true);
  const ipSpecId = v.getBigInt64(o + 24, true);
  o += 32;
  const strBytes = b.subarray(o, o + 16);
  const str = Buffer.from(strBytes.subarray(0, strBytes.indexOf(0) < 0 ? 16 : strBytes.indexOf(0))).toString();
  o += 16;
  const typed = [0, 1, 2].map((i) => v.getBigInt64(o + i * 8, true));
  return { args, argCnt, errs, usdtCookie, attachCookie, ip, ipSpecId, str, typed };
}

function count(coll: Collection, slot: number): bigint {
  return coll.map('counts').withCodecs({ key: u32, value: u64 }).lookup(slot)!;
}

test('listUsdtProbes reads the helper\'s .note.stapsdt: sites, file offsets and semaphores', (t) => {
  const why = usdtHelperUnavailable();
  if (why) return void skipIf(t, why);
  const probes = listUsdtProbes(usdtHelperPath());
  assert.deepEqual(probes.map((p) => `${p.provider}:${p.name}`).sort(), ['tsbpf:args', 'tsbpf:consts', 'tsbpf:guarded']);
  // Cross-check against binutils' reading of the same notes.
  const text = execFileSync('readelf', ['-n', usdtHelperPath()], { encoding: 'utf8' });
  for (const p of probes) {
    const m = new RegExp(`Name: ${p.name}\\s+Location: (0x[0-9a-f]+), Base: (0x[0-9a-f]+), Semaphore: (0x[0-9a-f]+)\\s+Arguments: (.*)`).exec(text);
    assert.ok(m, `readelf shows ${p.name}`);
    assert.equal(p.address, BigInt(m[1]));
    assert.equal(p.semaphoreAddress, BigInt(m[3]));
    assert.equal(p.args, m[4].trim());
    assert.ok(p.semaphoreOffset > 0n && p.offset > 0n);
  }
});

test('USDT probes of a C program: argument values through bpf_usdt_arg/BPF_USDT, spec ids as cookies, semaphore set only while attached', async (t) => {
  if (!kernelTest(t, { reason: usdtHelperUnavailable })) return;
  const bytes = fixtureBytes(t, 'usdt');
  if (!bytes) return;
  using coll = loadCollection(loadCollectionSpec(bytes));
  const bin = usdtHelperPath();
  await using helper = UsdtHelper.start();
  assert.equal(await helper.semaphore(), 0, 'no semaphore before attaching');
  assert.equal(await helper.ask('fire 1'), 'fired 1');
  assert.equal(count(coll, 0), 0n, 'nothing attached yet');

  const N = 3;
  {
    using args = attachUsdt(bin, 'tsbpf', 'args', coll.programs.on_args, { pid: helper.pid, cookie: 0xc0ffeen });
    using consts = coll.programs.on_consts.attach({ target: `${bin}:tsbpf:consts`, pid: helper.pid });
    using guarded = attachUsdt(bin, 'tsbpf', 'guarded', coll.programs.on_guarded);
    assert.ok(args instanceof UsdtLink && consts instanceof UsdtLink);
    assert.equal(args.kind, 'usdt');
    assert.equal(await helper.semaphore(), 1, 'the kernel incremented the semaphore (ref_ctr_offset)');
    assert.equal(await helper.ask(`fire ${N}`), `fired ${N}`);

    assert.equal(count(coll, 0), BigInt(N), 'args: one hit per fire');
    assert.equal(count(coll, 1), BigInt(N), 'consts: one hit per fire');
    assert.equal(count(coll, 2), BigInt(N), 'guarded: fires because its semaphore is set');
    for (let i = 0; i < N; i++) {
      const h = readHit(coll, i);
      const I = BigInt(i);
      assert.equal(h.argCnt, 9);
      assert.equal(h.errs, 0);
      assert.deepEqual(h.args, [
        -5n, // signed char, constant
        65000n, // unsigned short, constant written as $-536
        -123456n - I, // int in a 32-bit register, sign-extended
        4000000000n + I, // unsigned int in a 32-bit register, zero-extended
        -1234567890123n * (I + 1n), // long in a register
        h.args[5], // the pointer: checked through the string below
        I, // long in a register
        1000n + I, // int from memory: 8(%rsi)
        -7n - I, // short from memory: 12(%rsi), sign-extended
      ]);
      assert.ok(h.args[5] > 0n, 'a user-space pointer');
      assert.equal(h.str, 'hello usdt', 'BPF_USDT typed pointer argument read with bpf_probe_read_user_str');
      assert.deepEqual(h.typed, [-5n, 65000n, -123456n - I], 'BPF_USDT typed parameters');
      assert.equal(h.usdtCookie, 0xc0ffeen, 'bpf_usdt_cookie() returns opts.cookie');
      assert.equal(h.attachCookie, BigInt(args.specIds[0]), 'the BPF cookie is the spec id');
      // With a pid, the IP map maps the probe's address in that process to the same spec id.
      assert.equal(h.ip, processAddress(helper.pid, bin, args.probes[0].offset, 'test'));
      assert.equal(h.ipSpecId, BigInt(args.specIds[0]));
    }
    const c = readHit(coll, 8);
    assert.equal(c.argCnt, 2);
    assert.deepEqual(c.args.slice(0, 2), [-9n, 42n]);
    assert.equal(c.errs, NARGS - 2, 'bpf_usdt_arg past arg_cnt fails');
    assert.equal(c.usdtCookie, 0n);
    const g = readHit(coll, 9);
    assert.equal(g.argCnt, 1);
    assert.equal(g.args[0], BigInt(N - 1));
    assert.equal(g.ipSpecId, -1n, 'attached without pid: no IP map entry');
    assert.notEqual(g.attachCookie, c.attachCookie, 'each attach has its own spec id');
    assert.equal(args.links.length, 1);
    assert.equal(args.links[0].info().perfEvent?.kind, 'uprobe');
  }

  assert.equal(await helper.semaphore(), 0, 'back to 0 after detach');
  const specs = coll.map('__bpf_usdt_specs');
  const zero = new Uint8Array(4);
  assert.ok(specs.lookupRaw(zero)!.every((b) => b === 0), 'spec entries cleared on close');
  assert.equal([...coll.map('__bpf_usdt_ip_to_spec_id').withCodecs({ key: u64, value: u32 }).keys()].length, 0, 'IP map entries removed on close');
  await helper.ask('fire 2');
  assert.equal(count(coll, 0), BigInt(N), 'no hits after detach');
  assert.equal(count(coll, 2), BigInt(N), 'guarded probe skipped: semaphore is 0');
});

test('USDT through one uprobe_multi link when the program is loaded for it', async (t) => {
  if (!kernelTest(t, { reason: usdtHelperUnavailable })) return;
  const bytes = fixtureBytes(t, 'usdt');
  if (!bytes) return;
  const spec = loadCollectionSpec(bytes);
  spec.programs.on_guarded = { ...spec.programs.on_guarded, expectedAttachType: AttachType.TRACE_UPROBE_MULTI };
  using coll = loadCollection(spec, { programs: ['on_guarded'] });
  await using helper = UsdtHelper.start();
  {
    using link = attachUsdt(usdtHelperPath(), 'tsbpf', 'guarded', coll.programs.on_guarded, { pid: helper.pid, cookie: 7 });
    assert.equal(link.links[0].kind, 'uprobe_multi');
    assert.equal(await helper.semaphore(), 1, 'uprobe_multi ref_ctr_offsets set the semaphore');
    await helper.ask('fire 2');
    assert.equal(count(coll, 2), 2n);
    const g = readHit(coll, 9);
    assert.equal(g.args[0], 1n);
    assert.equal(g.usdtCookie, 7n);
  }
  assert.equal(await helper.semaphore(), 0);
});

test('USDT attach errors name the probe and leave nothing behind', (t) => {
  if (!kernelTest(t, { reason: usdtHelperUnavailable })) return;
  const bytes = fixtureBytes(t, 'usdt');
  if (!bytes) return;
  using coll = loadCollection(loadCollectionSpec(bytes), { programs: ['on_consts'] });
  const bin = usdtHelperPath();
  assert.throws(() => attachUsdt(bin, 'tsbpf', 'nope', coll.programs.on_consts), (e: Error) => e instanceof AttachTargetNotFoundError && /no probe tsbpf:nope in .* \(it has tsbpf:args, tsbpf:consts, tsbpf:guarded\)/.test(e.message));
  assert.throws(() => attachUsdt('/bin/true', 'tsbpf', 'args', coll.programs.on_consts), /it has no \.note\.stapsdt probes/);
  assert.throws(() => attachUsdt(bin, 'tsbpf', 'args', coll.programs.on_consts, { pid: 0x3fffffff }), /no process 1073741823/);
  assert.throws(() => coll.programs.on_consts.attach({ target: `${bin}:consts` }), /usdt target must be <binary>:<provider>:<name>/);
  // Nothing was left in the spec map: every slot is free again.
  const specs = coll.map('__bpf_usdt_specs');
  const key = new Uint8Array(4);
  assert.ok(specs.lookupRaw(key)!.every((b) => b === 0));
  // A program that does not use usdt.bpf.h.
  using plain = loadCollection(loadCollectionSpec(fixtureBytes(t, 'link_attach')!), { programs: ['on_target'] });
  assert.throws(() => attachUsdt(bin, 'tsbpf', 'args', plain.programs.on_target), /program on_target uses no __bpf_usdt_specs map: build it with #include <bpf\/usdt\.bpf\.h>/);
});

test('a real program\'s probes: python3 function__entry (semaphore-guarded) reports the function name', async (t) => {
  if (!kernelTest(t)) return;
  const python = ['/usr/bin/python3'].find((p) => existsSync(p));
  const probes = python ? listUsdtProbes(realpathSync(python)).filter((p) => p.provider === 'python' && p.name === 'function__entry') : [];
  if (!python || probes.length === 0) return void skipIf(t, 'needs /usr/bin/python3 built with USDT probes (Debian python3.11 is)');
  const bytes = fixtureBytes(t, 'usdt');
  if (!bytes) return;
  using coll = loadCollection(loadCollectionSpec(bytes), { programs: ['on_python_entry'] });
  let link: Link | undefined;
  try {
    link = attachUsdt(realpathSync(python), 'python', 'function__entry', coll.programs.on_python_entry);
    // CPython 3.11 fires function__entry only while a profile or trace function is set.
    const code = ['import sys', 'sys.setprofile(lambda *a: None)', 'def tsbpf_usdt_fn(n):', '  return n + 1', 'print(sum(tsbpf_usdt_fn(i) for i in range(5)))'].join('\n');
    const out = execFileSync(python, ['-c', code], { encoding: 'utf8' });
    assert.equal(out.trim(), '15');
  } finally {
    link?.close();
  }
  assert.equal(count(coll, 3), 5n, 'five calls of tsbpf_usdt_fn seen (python fires the probe only while its semaphore is set)');
  const h = readHit(coll, 10);
  assert.equal(h.str, 'tsbpf_usdt_fn');
  assert.equal(h.argCnt, 3);
  assert.equal(h.args[2], 3n, 'line number of the def');
});
