import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { kernelTest, openFds, assertNoNewFds } from '../testutils/kernel.js';
import { Assembler, R0 } from '../asm/index.js';
import { Program } from '../prog/program.js';
import { RunStats, runStatsActive, runStatsSysctl } from '../prog/run-stats.js';
import { ProgramType } from '../types.js';
import { programIds, scanPrograms } from './host-programs.js';

/** A socket filter that returns 0, with a name no other test run uses. */
function loadFilter(prefix: string): Program {
  const name = `${prefix}${randomBytes(4).toString('hex')}`;
  return Program.load({ name, type: ProgramType.SocketFilter, license: 'GPL', instructions: new Assembler().mov64(R0, 0).exit().build() });
}

/** How many BPF_ENABLE_STATS fds this process holds (their links read `anon_inode:bpf-stats`). */
function statsFds(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:bpf-stats') n++;
    } catch {
      // closed while listing (the readdir fd itself)
    }
  }
  return n;
}

test('scanPrograms: every program with its exact run count while run statistics are on, holding no fd', async (t) => {
  if (!kernelTest(t)) return;
  const before = runStatsActive();
  const sysctlBefore = runStatsSysctl();
  using prog = loadFilter('hp_');
  const id = prog.info().id;
  const fds = await openFds();
  const first = scanPrograms();
  await assertNoNewFds(fds, 'the scan closes every program it opened');
  const mine = first.find((p) => p.id === id);
  assert.ok(mine, `program ${id} missing from the scan of ${first.length}`);
  assert.equal(mine.name, prog.info().name);
  assert.equal(mine.typeName, 'socket_filter');
  assert.equal(mine.tag, prog.info().tag);
  assert.equal(mine.runCount, 0n, 'not run yet');

  const N = 1000;
  {
    using stats = RunStats.enable();
    assert.equal(statsFds(), 1, 'one bpf-stats fd while enabled');
    assert.equal(runStatsActive(), true);
    prog.test(undefined, { repeat: N });
    const [p] = scanPrograms({ where: (x) => x.id === id });
    assert.equal(p.runCount, BigInt(N));
    assert.ok(p.runTimeNs > 0n, 'run time counted');
    assert.equal(stats.closed, false);
  }
  assert.equal(statsFds(), 0, 'the stats fd is closed on dispose');
  assert.equal(runStatsActive(), before, 'run statistics back to what they were');
  assert.equal(runStatsSysctl(), sysctlBefore, 'the sysctl was never touched');
  if (!before) {
    prog.test(undefined, { repeat: 10 });
    assert.equal(scanPrograms({ where: (x) => x.id === id })[0].runCount, BigInt(N), 'runs after close are not counted');
  }
});

test('programIds walks ids in increasing order; scanPrograms refuses a bad where', (t) => {
  if (!kernelTest(t)) return;
  using prog = loadFilter('hpid_');
  const ids = [...programIds()];
  assert.ok(ids.includes(prog.info().id), 'the walk sees the program');
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i] > ids[i - 1], 'increasing');
  assert.throws(() => scanPrograms({ where: 5 as never }), /programs: scan: where must be a function/);
  const s = RunStats.enable();
  s.close();
  s.close(); // idempotent
  assert.equal(s.closed, true);
});
