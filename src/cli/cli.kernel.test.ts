import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { kernelTest } from '../testutils/kernel.js';

const cli = new URL('./main.ts', import.meta.url).pathname;
const worker = new URL('../testutils/pin-worker.ts', import.meta.url).pathname;
// maps --json of a busy host is megabytes: a large maxBuffer.
const run = (...args: string[]) => execFileSync(process.execPath, ['--import', 'tsx', cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });

test('a map made and pinned by another process is counted by tsbpf count and tsbpf maps', async (t) => {
  if (!kernelTest(t)) return;
  const path = `/sys/fs/bpf/tsbpf_cli_test_${process.pid}`;
  // A name of this run only: a map left by another run must not make the name ambiguous.
  const name = `sp_${process.pid % 1e6}`;
  const child = spawn(process.execPath, ['--import', 'tsx', worker, path, '777', name], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const m = /^ready (\d+)/.exec(line.toString());
    assert.ok(m, `worker said ${line}`);
    const id = Number(m[1]);
    const byPath = JSON.parse(run('count', path, '--json'));
    assert.equal(byPath.entries, 777);
    assert.equal(byPath.id, id);
    assert.equal(byPath.method, 'kernel');
    for (const method of ['iterate', 'batch', 'foreach']) assert.equal(JSON.parse(run('count', String(id), '--method', method, '--json')).entries, 777, method);
    assert.equal(JSON.parse(run('count', name, '--json')).entries, 777);
    const table = run('count', String(id));
    assert.match(table, new RegExp(`${name}\\s+hash\\s+4/8\\s+4096\\s+777\\s+19\\.0%\\s+kernel`));
    const all = JSON.parse(run('maps', '--json', '--sort', 'fill')) as Array<{ id: number; entries: number; name: string }>;
    assert.equal(all.find((r) => r.id === id)?.entries, 777);
    assert.match(run('maps'), new RegExp(`^${id}\\s+${name}\\s+hash`, 'm'));
  } finally {
    child.stdin.end();
    await once(child, 'exit');
    rmSync(path, { force: true });
  }
  assert.throws(() => run('count', 'no_such_map_name_x'), /no map named "no_such_map_name_x"/);
});

test('tsbpf demo counts the seed map exactly by every method', (t) => {
  if (!kernelTest(t)) return;
  const out = run('demo');
  for (const method of ['seed: refresh_count', 'kernel', 'foreach', 'batch', 'iterate']) assert.match(out, new RegExp(`^${method}.*\\s90000\\s+exact`, 'm'));
  assert.match(out, /tsbpf maps:/);
});

test('tsbpf prog run loads an object and test-runs a program; a verifier refusal exits non-zero with the kernel line', async (t) => {
  if (!kernelTest(t)) return;
  const { compileObject } = await import('../testutils/bpf-objects.js');
  const obj = compileObject('count');
  const out = JSON.parse(run('prog', 'run', obj, 'refresh_count', '--repeat', '3', '--json'));
  assert.equal(out.program, 'refresh_count');
  assert.equal(out.retval, 0, 'a fresh my_map holds nothing');
  assert.equal(out.repeat, 3);
  assert.match(run('prog', 'run', obj, 'refresh_count'), /^program refresh_count: retval 0 \(0x0\), duration \d+ ns/);
  const bad = compileObject('count_bad_ctx');
  assert.throws(() => execFileSync(process.execPath, ['--import', 'tsx', cli, 'prog', 'run', bad, 'refresh_count'], { encoding: 'utf8', stdio: 'pipe' }), (e: unknown) => {
    const err = e as { status: number; stderr: string };
    assert.equal(err.status, 1);
    assert.match(err.stderr, /program refresh_count: load program: EACCES: .*R3 type=map_value expected=fp/);
    return true;
  });
  assert.throws(() => run('prog', 'run', obj, 'nope'), /no program nope \(programs: refresh_count\)/);
  // An endless input is refused, not read (the timeout only keeps a regression from hanging the suite).
  assert.throws(
    () => execFileSync(process.execPath, ['--import', 'tsx', cli, 'prog', 'run', obj, 'refresh_count', '--data-in', '/dev/zero'], { encoding: 'utf8', stdio: 'pipe', timeout: 60_000 }),
    (e: unknown) => {
      const err = e as { status: number; stderr: string };
      assert.equal(err.status, 1);
      assert.match(err.stderr, /prog run: --data-in: \/dev\/zero is a character device; give a regular file \(at most 1048576 bytes\)/);
      return true;
    },
  );
});

test('tsbpf count on a ring buffer shows the bytes pending and the ring size', async (t) => {
  if (!kernelTest(t)) return;
  const { BpfMap, MapType } = await import('../index.js');
  const { ringbufProducer } = await import('../testutils/event-programs.js');
  using rb = BpfMap.create({ name: 'cli_rb', type: MapType.RingBuf, keySize: 0, valueSize: 0, maxEntries: 1 << 16 });
  using producer = ringbufProducer(rb as never, { perRun: 10 });
  producer.run(1);
  // 10 records of 16 bytes, each with an 8-byte header: 240 bytes pending.
  const out = JSON.parse(run('count', String(rb.info().id), '--json'));
  assert.deepEqual(out.ringbuf, { availData: 240, ringSize: 65536, consumerPos: 0, producerPos: 240 });
  assert.match(run('count', String(rb.info().id)), /ring buffer: 240 bytes pending of 65536 \(consumer at 0, producer at 240\)/);
});

test('tsbpf maps --watch redraws the table with the maps filling fastest on top', async (t) => {
  if (!kernelTest(t)) return;
  const { BpfMap, MapType, u32, u64 } = await import('../index.js');
  const { watchMaps } = await import('./maps.js');
  using slow = BpfMap.create({ name: 'watch_slow', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 1000 }, { key: u32, value: u64 });
  using fast = BpfMap.create({ name: 'watch_fast', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 1000 }, { key: u32, value: u64 });
  slow.update(1, 1n);
  const frames: string[] = [];
  const ac = new AbortController();
  // Capture the frames; between the first and second frame, fill `fast`.
  await watchMaps(0.05, {}, ac.signal, {
    write: (chunk: string) => {
      frames.push(chunk);
      if (frames.length === 1) for (let i = 0; i < 500; i++) fast.update(i, 0n);
      if (frames.length === 2) ac.abort();
    },
  });
  assert.equal(frames.length, 2);
  const second = frames[1];
  assert.match(second, /^\x1b\[H\x1b\[2J/, 'each frame clears the screen');
  assert.match(second, /RATE\/s/);
  // Only this test's two maps (another run's maps of the same names may exist meanwhile).
  const ours = new Set([String(slow.info().id), String(fast.info().id)]);
  const lines = second.split('\n').filter((l) => ours.has(l.split(/\s+/)[0]));
  const order = lines.map((l) => l.split(/\s+/)[1]);
  assert.deepEqual(order, ['watch_fast', 'watch_slow'], 'the map filling fastest comes first');
  assert.match(lines.find((l) => l.includes('watch_fast'))!, /\s500\s+50\.0%\s+kernel/);
});

test('tsbpf maps --watch keeps one abort listener however many refreshes it draws', async (t) => {
  if (!kernelTest(t)) return;
  const { EventEmitter } = await import('node:events');
  const getEventListeners = EventEmitter.getEventListeners.bind(EventEmitter);
  const { watchMaps } = await import('./maps.js');
  const ac = new AbortController();
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.name);
  process.on('warning', onWarning);
  const listeners: number[] = [];
  let frames = 0;
  try {
    await watchMaps(0.001, {}, ac.signal, {
      write: () => {
        listeners.push(getEventListeners(ac.signal, 'abort').length);
        if (++frames === 40) ac.abort();
      },
    });
    await new Promise((r) => setImmediate(r)); // let a late warning arrive
  } finally {
    process.off('warning', onWarning);
  }
  assert.equal(frames, 40);
  assert.ok(Math.max(...listeners) <= 1, `abort listeners while drawing: ${listeners.join(',')}`);
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0, 'none left after the watch ends');
  assert.deepEqual(warnings, []);
  await assert.rejects(watchMaps(0, {}), /seconds must be a positive number/);
});
