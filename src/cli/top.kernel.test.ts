import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { kernelTest } from '../testutils/kernel.js';
import { Assembler, R0 } from '../asm/index.js';
import { BpfMap, MapType, Program, ProgramType, u32, u64 } from '../index.js';
import { runStatsActive } from '../prog/run-stats.js';
import { scanPrograms } from '../host/host-programs.js';
import type { TopSnapshot } from './top.js';

const cli = new URL('./main.ts', import.meta.url).pathname;

/** A socket filter and a hash map of 1000 entries, both named `<prefix>_p` / `<prefix>_m`. */
function fixture(): { prefix: string; prog: Program; map: BpfMap<number, bigint> } & Disposable {
  const prefix = `tt${randomBytes(4).toString('hex')}`;
  const prog = Program.load({ name: `${prefix}_p`, type: ProgramType.SocketFilter, license: 'GPL', instructions: new Assembler().mov64(R0, 0).exit().build() });
  const map = BpfMap.create({ name: `${prefix}_m`, type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 1000 }, { key: u32, value: u64 });
  return { prefix, prog, map, [Symbol.dispose]: () => (prog.close(), map.close()) };
}

/** The lines a child writes to stdout, awaited one at a time (fails after `ms` without one). */
function lines(child: ChildProcess): (ms?: number) => Promise<string> {
  const queue: string[] = [];
  const waiters: Array<(l: string) => void> = [];
  let buf = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w(line);
      else queue.push(line);
    }
  });
  return (ms = 20_000) =>
    queue.length
      ? Promise.resolve(queue.shift()!)
      : new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no output from tsbpf top within ${ms} ms; stderr: ${err}`)), ms);
          waiters.push((l) => (clearTimeout(timer), resolve(l)));
        });
}

/** How many BPF_ENABLE_STATS fds process `pid` holds. */
function statsFds(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:bpf-stats') n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

async function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return { code, signal };
}

/** Runs of the program since it was loaded, read by a scan of this process. */
const runCount = (prog: Program): bigint => scanPrograms({ where: (p) => p.id === prog.info().id })[0].runCount;

test('tsbpf top --json: a program test-run N times shows N runs, a filling map its growth and time to full; SIGTERM restores run statistics', async (t) => {
  if (!kernelTest(t)) return;
  const before = runStatsActive();
  using fx = fixture();
  const N = 5000;
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'top', '--json', '--interval', '0.3', '--filter', fx.prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const next = lines(child);
    const first = JSON.parse(await next()) as TopSnapshot;
    assert.equal(first.statsEnabled, true, 'run statistics on while top runs');
    assert.equal(statsFds(child.pid!), 1, 'top holds one BPF_ENABLE_STATS fd');
    assert.deepEqual(first.programs.map((p) => [p.name, p.runs, p.runCount]), [[`${fx.prefix}_p`, 0, 0]]);
    assert.deepEqual(first.maps.map((m) => [m.name, m.entries]), [[`${fx.prefix}_m`, 0]]);

    fx.prog.test(undefined, { repeat: N });
    for (let i = 0; i < 300; i++) fx.map.update(i, 1n);
    // One test run of N repeats; a snapshot taken while it runs may see part of it, so sum the
    // runs of the snapshots until the total reaches N.
    let runs = 0;
    let last = first;
    while (last.programs[0].runCount < N || last.maps[0].entries !== 300) {
      last = JSON.parse(await next()) as TopSnapshot;
      runs += last.programs[0].runs;
    }
    const p = last.programs[0];
    assert.equal(p.runCount, N, 'N runs in all');
    assert.equal(runs, N, 'the per-refresh runs add up to N');
    assert.ok(p.runTimeNs > 0, `run time ${p.runTimeNs}`);
    const m = last.maps[0];
    assert.equal(m.entries, 300);
    assert.equal(m.fillRatio, 0.3);
    assert.ok(m.growthPerSecond !== null && m.growthPerSecond > 0, `growth ${m.growthPerSecond}`);
    assert.ok(m.secondsToFull !== null && Math.abs(m.secondsToFull - 700 / m.growthPerSecond) < 1e-6, `time to full ${m.secondsToFull}`);

    child.kill('SIGTERM');
    assert.deepEqual(await exited(child), { code: 0, signal: null }, 'SIGTERM ends top cleanly');
  } finally {
    child.kill('SIGKILL');
  }
  assert.equal(runStatsActive(), before, 'run statistics back to what they were after SIGTERM');
  if (!before) {
    fx.prog.test(undefined, { repeat: 10 });
    assert.equal(runCount(fx.prog), BigInt(N), 'runs after top ended are not counted');
  }
});

test('tsbpf top --once prints one snapshot and exits; SIGINT and even SIGKILL leave run statistics as they were', async (t) => {
  if (!kernelTest(t)) return;
  const before = runStatsActive();
  using fx = fixture();
  const once_ = spawn(process.execPath, ['--import', 'tsx', cli, 'top', '--once', '--interval', '0.2', '--filter', fx.prefix, '--no-maps'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  once_.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  assert.deepEqual(await exited(once_), { code: 0, signal: null });
  assert.match(text, /run statistics on/);
  assert.match(text, new RegExp(`^PROGRAMS\\nID\\s+NAME\\s+TYPE\\s+RUNS/s\\s+AVG ns\\s+CPU\\s+RUNS\\s+TOTAL RUNS\\n\\d+\\s+${fx.prefix}_p\\s+socket_filter\\s+0\\s+-\\s+0\\.0%\\s+0\\s+0$`, 'm'));
  assert.doesNotMatch(text, /\x1b\[/, 'no escape codes when stdout is not a terminal');
  assert.equal(runStatsActive(), before, 'after a normal exit');

  for (const sig of ['SIGINT', 'SIGKILL'] as const) {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'top', '--json', '--interval', '0.2', '--filter', fx.prefix, '--no-maps'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await lines(child)();
      assert.equal(runStatsActive(), true);
      child.kill(sig);
      assert.deepEqual(await exited(child), sig === 'SIGINT' ? { code: 0, signal: null } : { code: null, signal: 'SIGKILL' });
    } finally {
      child.kill('SIGKILL');
    }
    assert.equal(runStatsActive(), before, `after ${sig}`);
  }
});

test('tsbpf top on a terminal: alternate screen, keys change the sort, q quits and restores the terminal and run statistics', async (t) => {
  if (!kernelTest(t)) return;
  const before = runStatsActive();
  using fx = fixture();
  // script(1) gives top a pseudo-terminal and copies our stdin to it.
  const cmd = 'stty cols 160 rows 40 && exec ' + [process.execPath, '--import', 'tsx', cli, 'top', '--interval', '0.2', '--filter', fx.prefix].map((a) => `'${a}'`).join(' ');
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  try {
    let screen = '';
    const waitFor = async (re: RegExp): Promise<void> => {
      const deadline = Date.now() + 20_000;
      while (!re.test(screen)) {
        if (Date.now() > deadline) throw new Error(`tsbpf top never showed ${re}; screen so far: ${JSON.stringify(screen.slice(-2000))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    child.stdout!.on('data', (d: Buffer) => (screen += d.toString()));
    await waitFor(new RegExp(`${fx.prefix}_p`));
    assert.ok(screen.includes('\x1b[?1049h'), 'enters the alternate screen');
    assert.match(screen, /sort cpu\/growth/);
    child.stdin!.write('s');
    await waitFor(/sort runs\/growth/);
    child.stdin!.write('m');
    await waitFor(/sort runs\/ttf/);
    child.stdin!.write('q');
    assert.deepEqual(await exited(child), { code: 0, signal: null });
    assert.ok(screen.lastIndexOf('\x1b[?1049l') > screen.lastIndexOf('\x1b[?1049h'), 'leaves the alternate screen');
    assert.ok(screen.lastIndexOf('\x1b[?25h') > screen.lastIndexOf('\x1b[?25l'), 'shows the cursor again');
  } finally {
    child.kill('SIGKILL');
  }
  assert.equal(runStatsActive(), before);
});
