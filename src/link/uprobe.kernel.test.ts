import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTest } from '../testutils/kernel.js';
import { linkHelperPath, linkHelperUnavailable, runLinkHelper } from '../testutils/link-helper.js';
import { counterMap, loadTestProgram, pidCounter, Slot } from '../testutils/link-programs.js';
import { AttachType, ProgramType } from '../types.js';
import { findMember, loadKernelSpec } from '../btf/index.js';
import { attachUprobe, attachUprobeMulti, attachUretprobe, ElfSymbolError, LinkType, symbolFileOffset, AttachTargetNotFoundError } from './index.js';

const N = 25;
const SYMBOL = 'tsbpf_uprobe_target';

/** Offsets in struct pt_regs of the first argument and the return value (x86-64 only). */
function regOffsets(): { arg0: number; ret: number } | undefined {
  if (process.arch !== 'x64') return undefined;
  const spec = loadKernelSpec();
  const regs = spec.anyTypeByName('pt_regs', 'struct')!;
  return { arg0: findMember(spec, regs.id, 'di')!.byteOffset, ret: findMember(spec, regs.id, 'ax')!.byteOffset };
}

test('uprobe and uretprobe on a function of a C program count its calls and read argument and return value', async (t) => {
  if (!kernelTest(t, { reason: linkHelperUnavailable })) return;
  const helper = linkHelperPath();
  const regs = regOffsets();
  using entryCounts = counterMap();
  using exitCounts = counterMap();
  using entry = loadTestProgram('uprobe_target', ProgramType.Kprobe, pidCounter(entryCounts.fd, regs ? { value: regs.arg0 } : {}));
  using exit = loadTestProgram('uretprobe_target', ProgramType.Kprobe, pidCounter(exitCounts.fd, regs ? { value: regs.ret } : {}));
  using l1 = attachUprobe(helper, SYMBOL, entry);
  using l2 = attachUretprobe(helper, SYMBOL, exit);
  const out = await runLinkHelper(['uprobe', String(N)], (pid) => {
    entryCounts.update(Slot.pid, BigInt(pid));
    exitCounts.update(Slot.pid, BigInt(pid));
  });
  assert.equal(out, String(N * N), 'the helper computed sum(2i+1) = N²');
  assert.equal(entryCounts.lookup(Slot.count), BigInt(N));
  assert.equal(exitCounts.lookup(Slot.count), BigInt(N));
  if (regs) {
    assert.equal(BigInt.asIntN(32, entryCounts.lookup(Slot.sum)!), BigInt((N * (N - 1)) / 2), 'sum of the arguments 0..N-1');
    assert.equal(BigInt.asIntN(32, exitCounts.lookup(Slot.sum)!), BigInt(N * N), 'sum of the return values');
    assert.equal(BigInt.asIntN(32, exitCounts.lookup(Slot.last)!), BigInt(2 * (N - 1) + 1));
  }
  const off = symbolFileOffset(helper, SYMBOL);
  for (const [l, kind] of [
    [l1, 'uprobe'],
    [l2, 'uretprobe'],
  ] as const) {
    const info = l.info();
    assert.equal(info.type, LinkType.PerfEvent);
    assert.equal(info.perfEvent?.kind, kind);
    assert.equal(info.perfEvent?.name, helper);
    assert.equal(BigInt(info.perfEvent!.offset), off);
    assert.equal(l.kind, 'uprobe');
  }
});

test('a uprobe by file offset with a bpf_cookie, and one restricted to another pid', async (t) => {
  if (!kernelTest(t, { reason: linkHelperUnavailable })) return;
  const helper = linkHelperPath();
  using byOffset = counterMap();
  using otherPid = counterMap();
  using p2 = loadTestProgram('uprobe_pid', ProgramType.Kprobe, pidCounter(otherPid.fd));
  using p1c = loadTestProgram('uprobe_cookie', ProgramType.Kprobe, pidCounter(byOffset.fd, { cookie: true }));
  using l1 = attachUprobe(helper, symbolFileOffset(helper, SYMBOL), p1c, { cookie: 0xc0ffeen });
  using l2 = attachUprobe(helper, SYMBOL, p2, { pid: process.pid }); // this process never calls it
  await runLinkHelper(['uprobe', String(N)], (pid) => {
    byOffset.update(Slot.pid, BigInt(pid));
    otherPid.update(Slot.pid, BigInt(pid));
  });
  assert.equal(byOffset.lookup(Slot.count), BigInt(N));
  assert.equal(byOffset.lookup(Slot.sum), BigInt(N) * 0xc0ffeen, 'bpf_get_attach_cookie() returned the cookie');
  assert.equal(l1.info().perfEvent?.cookie, 0xc0ffeen);
  assert.equal(otherPid.lookup(Slot.count), 0n);
  assert.ok(l1.info().id > 0 && l2.info().id > 0);
});

test('uprobe_multi attaches one link to a function and counts its calls', async (t) => {
  if (!kernelTest(t, { reason: linkHelperUnavailable })) return;
  const helper = linkHelperPath();
  using counts = counterMap();
  using prog = loadTestProgram('uprobe_multi', ProgramType.Kprobe, pidCounter(counts.fd), { expectedAttachType: AttachType.TRACE_UPROBE_MULTI });
  using link = attachUprobeMulti(helper, [SYMBOL], prog);
  await runLinkHelper(['uprobe', String(N)], (pid) => counts.update(Slot.pid, BigInt(pid)));
  assert.equal(counts.lookup(Slot.count), BigInt(N));
  const info = link.info();
  assert.equal(info.type, LinkType.UprobeMulti);
  assert.equal(info.uprobeMulti?.path, helper);
  assert.equal(info.uprobeMulti?.count, 1);
  assert.equal(link.kind, 'uprobe_multi');
});

test('attachUprobe reports a missing binary, a missing symbol and a non-ELF file', (t) => {
  if (!kernelTest(t, { reason: linkHelperUnavailable })) return;
  using counts = counterMap();
  using prog = loadTestProgram('uprobe_err', ProgramType.Kprobe, pidCounter(counts.fd));
  assert.throws(() => attachUprobe('/nonexistent/tsbpf', 'main', prog), AttachTargetNotFoundError);
  assert.throws(() => attachUprobe(linkHelperPath(), 'no_such_symbol_tsbpf', prog), (e: unknown) => {
    assert.ok(e instanceof ElfSymbolError);
    assert.match((e as Error).message, /symbol no_such_symbol_tsbpf: not found in \.symtab or \.dynsym/);
    return true;
  });
  assert.throws(() => attachUprobe('/proc/self/status', 'main', prog), /not an ELF file|too short/);
  using tp = loadTestProgram('tp_not_kprobe', ProgramType.TracePoint, pidCounter(counts.fd));
  assert.throws(() => attachUprobe(linkHelperPath(), SYMBOL, tp), /has type tracepoint, needs kprobe/);
});
