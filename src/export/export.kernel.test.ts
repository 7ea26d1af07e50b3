import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { kernelTest } from '../testutils/kernel.js';
import { BpfMap, MapType, u32, u64 } from '../index.js';
import { startExporter, parseListen } from './server.js';
import { get } from '../testutils/tls.js';

const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Array<{
  name: string;
  type: string;
  metrics: Array<{ value: string; labels?: Record<string, string> }>;
}>;

test('parseListen reads host:port and refuses junk', () => {
  assert.deepEqual(parseListen(), { host: '127.0.0.1', port: 9435 });
  assert.deepEqual(parseListen('[::1]:80'), { host: '::1', port: 80 });
  assert.throws(() => parseListen('nope'), /host:port/);
  assert.throws(() => parseListen('a:70000'), /out of range/);
});

test('the exporter answers a scrape a Prometheus parser reads, with the figures of tsbpf maps --json', async (t) => {
  if (!kernelTest(t)) return;
  using a = BpfMap.create({ name: 'exp_hash', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 100 }, { key: u32, value: u64 });
  using b = BpfMap.create({ name: 'exp_array', type: MapType.Array, keySize: 4, valueSize: 8, maxEntries: 7 });
  for (let i = 0; i < 42; i++) a.update(i, 1n);
  await using ex = await startExporter({ listen: '127.0.0.1:0' });
  // node:http rather than fetch: the first scan of a busy host can block the event loop (shared
  // with this client) past undici's 10 s connect timeout.
  const res = await get(ex.url);
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'] ?? '', /text\/plain/);
  const families = parsePrometheus(res.body.toString());
  const byName = new Map(families.map((f) => [f.name, f]));
  for (const n of ['bpf_map_entries', 'bpf_map_max_entries', 'bpf_map_fill_ratio', 'bpf_map_count_duration_seconds', 'bpf_maps_scan_duration_seconds']) {
    assert.ok(byName.has(n), `missing ${n}`);
  }
  const value = (metric: string, id: number) => {
    const m = byName.get(metric)!.metrics.find((x) => x.labels?.id === String(id));
    assert.ok(m, `${metric} has no sample for map ${id}`);
    return Number(m.value);
  };
  const idA = a.info().id;
  const idB = b.info().id;
  assert.equal(value('bpf_map_entries', idA), 42);
  assert.equal(value('bpf_map_max_entries', idA), 100);
  assert.equal(value('bpf_map_fill_ratio', idA), 0.42);
  assert.equal(value('bpf_map_entries', idB), 7);
  const labels = byName.get('bpf_map_entries')!.metrics.find((x) => x.labels?.id === String(idA))!.labels!;
  assert.deepEqual(labels, { id: String(idA), name: 'exp_hash', type: 'hash' });
  const method = byName.get('bpf_map_count_duration_seconds')!.metrics.find((x) => x.labels?.id === String(idA))!.labels!.method;
  assert.equal(method, 'kernel');

  // The same figures as `tsbpf maps --json`, run as a separate process.
  const cli = new URL('../cli/main.ts', import.meta.url).pathname;
  const json = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', cli, 'maps', '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 })) as Array<{ id: number; entries: number; maxEntries: number }>;
  for (const id of [idA, idB]) {
    const row = json.find((r) => r.id === id)!;
    assert.equal(row.entries, value('bpf_map_entries', id));
    assert.equal(row.maxEntries, value('bpf_map_max_entries', id));
  }
  assert.equal((await get(ex.url.replace('/metrics', '/nope'))).status, 404);
});

test('50 concurrent scrapes of the real exporter cause one scan of the host', async (t) => {
  if (!kernelTest(t)) return;
  using a = BpfMap.create({ name: 'exp_conc', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 10 }, { key: u32, value: u64 });
  a.update(1, 1n);
  // A long cache interval, so that the count does not depend on how fast this machine is.
  await using ex = await startExporter({ listen: '127.0.0.1:0', cacheMs: 60_000 });
  assert.equal(ex.scans, 0, 'starting probes privileges but does not scan');
  const bodies = await Promise.all(Array.from({ length: 50 }, async () => {
    const r = await get(ex.url);
    assert.equal(r.status, 200);
    return r.body.toString();
  }));
  assert.equal(ex.scans, 1);
  assert.ok(bodies.every((b) => b === bodies[0]));
  assert.match(bodies[0], new RegExp(`bpf_map_entries\\{id="${a.info().id}",name="exp_conc",type="hash"\\} 1\\n`));
  const head = await get(ex.url, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.equal(ex.scans, 1);
});

test('tsbpf export without the privileges to scan stops at start with one line', (t) => {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!kernelTest(t, { reason: () => (!root ? 'needs root to drop privileges with setpriv' : !existsSync('/usr/bin/setpriv') ? 'needs setpriv (util-linux)' : null) })) return;
  const cli = new URL('../cli/main.ts', import.meta.url).pathname;
  const run = (caps: string[]) =>
    spawnSync('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...caps, process.execPath, '--import', 'tsx', cli, 'export', '--listen', '127.0.0.1:0'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
  const none = run(['--inh-caps=-all']);
  assert.equal(none.status, 1, none.stderr);
  assert.match(none.stderr, /^tsbpf: export: cannot create a BPF map: .*EPERM.*the exporter needs root, or CAP_BPF and CAP_SYS_ADMIN/);
  assert.equal(none.stderr.trim().split('\n').length, 1, none.stderr);
  // CAP_BPF alone creates maps but may not walk the host's map ids.
  const bpfOnly = run(['--inh-caps=+bpf', '--ambient-caps=+bpf']);
  assert.equal(bpfOnly.status, 1, bpfOnly.stderr);
  assert.match(bpfOnly.stderr, /^tsbpf: export: cannot list the host's maps: .*EPERM/);
  assert.equal(bpfOnly.stderr.trim().split('\n').length, 1, bpfOnly.stderr);
});
