/**
 * Startup benchmark: what a fresh process pays to use tsbpf, beside bare node and bpftool doing
 * the same work, as medians of ROUNDS whole-process runs (spawn to exit, wall clock) in one run,
 * and the CPU time of each (user + sys of the child and all its threads, as bash's `times`
 * reports it for a finished child), the mean of CPU_ROUNDS runs: on a shared, busy machine the
 * wall clock waits for other processes, CPU time barely does.
 *
 * Run: npm run build && npx tsx bench/startup.ts [ROUNDS=5] [ROOT] [CPU_ROUNDS=15]
 * (ROOT: another built checkout whose dist/ to measure, e.g. to compare with an older commit.)
 *
 * Rows:
 * - bare node: `node -e 0`, the floor every other node row stands on.
 * - `import('tsbpf')`: importing the bundled dist/index.js, nothing else.
 * - first CO-RE load: import, the kernel BTF (with the disk cache in ~/.cache/tsbpf warm), CO-RE
 *   relocation, BTF/map/program loads of testdata/core.bpf.c, close; and the same with the kernel
 *   BTF cache off (TSBPF_CACHE_DIR=''); and, under Node >= 22.1, the same with Node's own compile
 *   cache on (NODE_COMPILE_CACHE, a fresh directory the warm-up run fills): what an application
 *   gets by turning it on (docs/troubleshooting.md). Node 20 has none, so that row is skipped.
 * - its oracle, `bpftool prog loadall core.bpf.o DIR`: bpftool's whole process loading the same
 *   object (CO-RE against the kernel BTF, maps, programs, pinned under a bpffs DIR that is
 *   removed after each run, outside the timing).
 * - `tsbpf count ID` on a hash map of 100 entries this script creates, end to end; and its
 *   oracle `bpftool map show id ID` (bpftool does not count, but shows the same map).
 * bpftool is installed with apt-get when missing and possible, else its rows are skipped with a
 * note; it is an oracle for benchmarks only, never used by tsbpf.
 *
 * Targets (issue 12): what tsbpf adds to bare node for import + first CO-RE load <= 3x bpftool's
 * whole `prog loadall` process; `tsbpf count ID` <= bare node + 30 ms.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BpfMap, MapType, u32, u64 } from '../src/index.js';
import { compileObject } from '../src/testutils/bpf-objects.js';
import { median, reportRows } from './report.js';

const ROUNDS = Number(process.argv[2] ?? 5);
const root = process.argv[3] ? resolve(process.argv[3]) : fileURLToPath(new URL('..', import.meta.url));
const CPU_ROUNDS = Number(process.argv[4] ?? 15);
const dist = join(root, 'dist');
if (!existsSync(join(dist, 'index.js'))) {
  console.error(`bench/startup: ${dist} is missing: run \`npm run build\` first`);
  process.exit(1);
}
const node = process.execPath;
const coreObject = compileObject('core');

function findBpftool(): string | undefined {
  const look = (): string | undefined => {
    for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/usr/local/sbin']) if (existsSync(join(dir, 'bpftool'))) return join(dir, 'bpftool');
    return undefined;
  };
  let found = look();
  if (!found && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.log('bpftool missing: apt-get install -y bpftool ...');
    spawnSync('apt-get', ['install', '-y', 'bpftool'], { stdio: 'ignore' });
    found = look();
  }
  return found;
}

/**
 * Median wall time in ms of running `cmd args` ROUNDS times (after one unmeasured warm-up run);
 * `after` runs after each run, outside the timing.
 */
function time(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, after?: () => void): number {
  const run = (): number => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    after?.();
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
    return ms;
  };
  run(); // page cache, kernel BTF cache
  return median(Array.from({ length: ROUNDS }, run));
}

/**
 * Mean CPU time (user + sys) in ms of running `cmd args` CPU_ROUNDS times (after one unmeasured
 * warm-up run), each under `bash -c`, whose `times` prints the CPU time of its finished children
 * with millisecond resolution; `after` runs after each run.
 */
function cpu(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, after?: () => void): number {
  const run = (): number => {
    const r = spawnSync('bash', ['-c', '"$@" >/dev/null || exit $?; times', 'bash', cmd, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    after?.();
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
    // The second line of `times`: the children's user and sys time, as 0m0.048s 0m0.011s.
    const m = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(r.stdout.trim().split('\n')[1] ?? '');
    if (!m) throw new Error(`bash times: unexpected output ${JSON.stringify(r.stdout)}`);
    return (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000;
  };
  run();
  const xs = Array.from({ length: CPU_ROUNDS }, run);
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

const url = (p: string): string => JSON.stringify(new URL(`file://${p}`).href);
const importScript = `await import(${url(join(dist, 'index.js'))});`;
const coreScript = `const { loadCollection } = await import(${url(join(dist, 'index.js'))});
const c = loadCollection(${JSON.stringify(coreObject)});
if (!c.programs.read_ids || !c.maps.result) throw new Error('core.bpf.o loaded without its program or map');
c.close();`;

using map = BpfMap.create({ name: 'bench_startup', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 1024 }, { key: u32, value: u64 });
for (let i = 0; i < 100; i++) map.update(i, BigInt(i));
const id = map.info().id;
const check = execFileSync(node, [join(dist, 'cli', 'main.js'), 'count', String(id), '--json'], { encoding: 'utf8' });
if (JSON.parse(check).entries !== 100) throw new Error(`tsbpf count ${id} did not say 100 entries: ${check}`);

{
  const bareArgs = ['-e', '0'];
  const impArgs = ['--input-type=module', '-e', importScript];
  const coreArgs = ['--input-type=module', '-e', coreScript];
  const coldEnv = { ...process.env, TSBPF_CACHE_DIR: '' };
  const countArgs = [join(dist, 'cli', 'main.js'), 'count', String(id)];
  const bare = time(node, bareArgs);
  const imp = time(node, impArgs);
  const core = time(node, coreArgs);
  const coreCold = time(node, coreArgs, coldEnv);
  // Node's compile cache (module.enableCompileCache, NODE_COMPILE_CACHE) exists from Node 22.1.
  const hasCompileCache = typeof (createRequire(import.meta.url)('node:module') as { enableCompileCache?: unknown }).enableCompileCache === 'function';
  const ccDir = hasCompileCache ? mkdtempSync(join(tmpdir(), 'tsbpf-bench-ncc-')) : undefined;
  const ccEnv = { ...process.env, NODE_COMPILE_CACHE: ccDir };
  const coreCc = ccDir ? time(node, coreArgs, ccEnv) : undefined;
  const count = time(node, countArgs);
  const bpftool = findBpftool();
  const pins = `/sys/fs/bpf/tsbpf_bench_startup_${process.pid}`;
  const unpin = (): void => rmSync(pins, { recursive: true, force: true });
  const loadArgs = ['prog', 'loadall', coreObject, pins];
  const showArgs = ['map', 'show', 'id', String(id)];
  const loadOracle = bpftool ? time(bpftool, loadArgs, process.env, unpin) : undefined;
  const oracle = bpftool ? time(bpftool, showArgs) : undefined;
  const c = {
    bare: cpu(node, bareArgs),
    imp: cpu(node, impArgs),
    core: cpu(node, coreArgs),
    coreCold: cpu(node, coreArgs, coldEnv),
    coreCc: ccDir ? cpu(node, coreArgs, ccEnv) : undefined,
    count: cpu(node, countArgs),
    loadOracle: bpftool ? cpu(bpftool, loadArgs, process.env, unpin) : undefined,
    oracle: bpftool ? cpu(bpftool, showArgs) : undefined,
  };

  const fmt = (ms: number): string => `${ms.toFixed(1).padStart(7)} ms`;
  const over = (ms: number, base: number): string => `+${(ms - base).toFixed(1)} ms`;
  const rows: [string, number, number | undefined, string][] = [
    ['bare node (node -e 0)', bare, c.bare, ''],
    ["import('tsbpf') (dist)", imp, c.imp, `${over(imp, bare)} over bare node (CPU ${over(c.imp, c.bare)})`],
    ['first CO-RE load, core.bpf.o', core, c.core, `${over(core, bare)} over bare node (CPU ${over(c.core, c.bare)})`],
    ['  same, kernel BTF cache off', coreCold, c.coreCold, `${over(coreCold, bare)} over bare node (CPU ${over(c.coreCold, c.bare)})`],
    [`tsbpf count ${id}`, count, c.count, `${over(count, bare)} over bare node (CPU ${over(c.count, c.bare)})`],
  ];
  if (coreCc !== undefined) rows.splice(4, 0, ['  same, NODE_COMPILE_CACHE on', coreCc, c.coreCc, `${over(coreCc, bare)} over bare node (CPU ${over(c.coreCc!, c.bare)})`]);
  if (ccDir) rmSync(ccDir, { recursive: true, force: true });
  if (loadOracle !== undefined) rows.splice(coreCc === undefined ? 4 : 5, 0, ['  bpftool prog loadall core.bpf.o', loadOracle, c.loadOracle, 'the same load, whole process (oracle)']);
  if (oracle !== undefined) rows.push([`bpftool map show id ${id}`, oracle, c.oracle, 'the same map, whole process (oracle)']);
  console.log(`startup of ${dist}${existsSync(join(dist, 'chunks')) ? '' : ' (not bundled)'}, wall: median of ${ROUNDS} runs, CPU (user+sys): mean of ${CPU_ROUNDS} runs (node ${process.version}):`);
  console.log(`  ${''.padEnd(32)} ${'wall'.padStart(10)} ${'CPU'.padStart(10)}`);
  for (const [name, ms, cpuMs, note] of rows) console.log(`  ${name.padEnd(32)} ${fmt(ms)} ${cpuMs === undefined ? ''.padStart(10) : fmt(cpuMs)}  ${note}`);
  if (!hasCompileCache) console.log(`  NODE_COMPILE_CACHE row: skipped (node ${process.version} has no compile cache; Node >= 22.1 has)`);
  if (oracle === undefined) console.log('  bpftool rows: skipped (bpftool not installed and could not be installed: apt-get install bpftool)');
  const coreTarget = loadOracle === undefined ? undefined : 3 * loadOracle;
  const coreAdds = core - bare;
  console.log(
    coreTarget === undefined
      ? `target first CO-RE load: needs bpftool to compare (tsbpf adds ${coreAdds.toFixed(1)} ms)`
      : `target first CO-RE load adds <= 3x bpftool prog loadall (${coreTarget.toFixed(1)} ms): ${coreAdds <= coreTarget ? 'met' : 'MISSED'} (${coreAdds.toFixed(1)} ms)`,
  );
  console.log(`target tsbpf count <= bare node + 30 ms (${(bare + 30).toFixed(1)} ms): ${count <= bare + 30 ? 'met' : 'MISSED'} (${count.toFixed(1)} ms)`);
  const cpuCoreAdds = c.core - c.bare;
  console.log(
    `  in CPU time: first CO-RE load adds ${cpuCoreAdds.toFixed(1)} ms` +
      (c.loadOracle === undefined ? '' : ` (3x bpftool prog loadall: ${(3 * c.loadOracle).toFixed(1)} ms: ${cpuCoreAdds <= 3 * c.loadOracle ? 'met' : 'MISSED'})`) +
      `; tsbpf count adds ${(c.count - c.bare).toFixed(1)} ms (${c.count - c.bare <= 30 ? 'met' : 'MISSED'})`,
  );
  const cpuNote = (ts: number, ref: number | undefined): string =>
    `CPU time (user+sys, mean of ${CPU_ROUNDS} runs): tsbpf adds ${(ts - c.bare).toFixed(1)} ms to bare node${ref === undefined ? '' : `, bpftool ${ref.toFixed(1)} ms`}`;
  const loadRefs: Record<string, number> = loadOracle === undefined ? {} : { bpftool: loadOracle };
  const showRefs: Record<string, number> = oracle === undefined ? {} : { bpftool: oracle };
  reportRows('startup', [
    { id: 'startup.core', work: 'fresh process: import + first CO-RE load, ms added to bare node (bpftool: prog loadall, whole process)', unit: 'ms', higherIsBetter: false, ts: coreAdds, refs: loadRefs, target: { of: 'ratio', ref: 'bpftool', op: '<=', bound: 3 }, note: cpuNote(c.core, c.loadOracle) },
    ...(coreCc === undefined
      ? []
      : [{ id: 'startup.core-compile-cache', work: 'the same, NODE_COMPILE_CACHE on (Node >= 22.1)', unit: 'ms', higherIsBetter: false, ts: coreCc - bare, refs: loadRefs, target: { of: 'ratio' as const, ref: 'bpftool', op: '<=' as const, bound: 3 }, note: cpuNote(c.coreCc!, c.loadOracle) }]),
    { id: 'startup.count', work: '`tsbpf count ID` end to end, ms added to bare node (bpftool: map show, whole process)', unit: 'ms', higherIsBetter: false, ts: count - bare, refs: showRefs, target: { of: 'value', op: '<=', bound: 30 }, note: cpuNote(c.count, c.oracle) },
  ]);
}
