import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Namespace, Service } from 'kubernetes-models/v1';
import { DaemonSet } from 'kubernetes-models/apps/v1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { dashboardQueries, deployDir, repoRoot } from '../testutils/deploy.js';
import { skipIf } from '../testutils/kernel.js';

const root = repoRoot;
const deploy = deployDir;

/** The path of promtool, or skips (fails under CI, whose setup installs it). */
function promtool(t: TestContext): string | undefined {
  const r = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  if (r.status === 0) return 'promtool';
  const why = 'promtool not installed (Debian package prometheus; bash scripts/setup.sh installs it)';
  if (process.env.CI || process.env.TSBPF_REQUIRE_PRIVILEGES === '1') throw new Error(`${why}; CI must have it`);
  skipIf(t, why);
  return undefined;
}

test('alerting rules: promtool checks them and their unit tests pass', (t) => {
  const tool = promtool(t);
  if (!tool) return;
  const check = spawnSync(tool, ['check', 'rules', 'prometheus/tsbpf.rules.yml'], { cwd: deploy, encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /SUCCESS: 5 rules found/);
  const run = spawnSync(tool, ['test', 'rules', 'prometheus/tsbpf.rules.test.yml'], { cwd: deploy, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /SUCCESS/);
  // Every alert of the rules file has a unit test.
  const rules = readFileSync(join(deploy, 'prometheus/tsbpf.rules.yml'), 'utf8');
  const tests = readFileSync(join(deploy, 'prometheus/tsbpf.rules.test.yml'), 'utf8');
  const alerts = [...rules.matchAll(/^\s+- alert: (\w+)$/gm)].map((m) => m[1]);
  assert.deepEqual(alerts, ['BpfMapNearlyFull', 'BpfMapFillingUp', 'TsbpfExporterDown', 'TsbpfExporterAbsent', 'TsbpfExporterSlowScrape']);
  for (const a of alerts) assert.match(tests, new RegExp(`alertname: ${a}\\n\\s+exp_alerts:\\n\\s+- exp_labels`), `${a} has a test where it fires`);
});

/** Every object of every YAML file under deploy/kubernetes, validated against its schema. */
function kubernetesObjects(): Array<{ file: string; kind: string; obj: Record<string, any> }> {
  const models: Record<string, new (data: any) => { validate(): void }> = { Namespace, Service, DaemonSet, ServiceMonitor };
  const out: Array<{ file: string; kind: string; obj: Record<string, any> }> = [];
  for (const file of readdirSync(join(deploy, 'kubernetes')).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(deploy, 'kubernetes', file), 'utf8'))) {
      assert.deepEqual(doc.errors, [], `${file}: YAML errors`);
      const obj = doc.toJS() as Record<string, any>;
      const Model = models[obj.kind];
      assert.ok(Model, `${file}: no schema for kind ${obj.kind}`);
      const m = new Model(obj);
      assert.doesNotThrow(() => m.validate(), `${file}: ${obj.kind} ${obj.metadata?.name} is invalid`);
      out.push({ file, kind: obj.kind, obj });
    }
  }
  return out;
}

test('kubernetes objects: valid against the Kubernetes and Prometheus operator schemas', () => {
  const objs = kubernetesObjects();
  assert.deepEqual(objs.map((o) => o.kind).sort(), ['DaemonSet', 'Namespace', 'Service', 'ServiceMonitor']);
  // The schemas catch mistakes: a capability given as a number, a bad scrape interval.
  const ds = structuredClone(objs.find((o) => o.kind === 'DaemonSet')!.obj);
  ds.spec.template.spec.containers[0].securityContext.capabilities.add[0] = 7;
  assert.throws(() => new DaemonSet(ds as never).validate(), /capabilities\/add\/0 must be string/);
  const sm = structuredClone(objs.find((o) => o.kind === 'ServiceMonitor')!.obj);
  sm.spec.endpoints[0].interval = '30 seconds';
  assert.throws(() => new ServiceMonitor(sm as never).validate(), /interval must match pattern/);
});

test('kubernetes objects: least privilege, and the Service, ServiceMonitor and rules agree', () => {
  const objs = kubernetesObjects();
  const get = (kind: string) => objs.find((o) => o.kind === kind)!.obj;
  const ds = get('DaemonSet');
  const pod = ds.spec.template.spec;
  assert.equal(pod.hostPID, false);
  assert.equal(pod.hostNetwork, false);
  assert.equal(pod.containers.length, 1);
  const c = pod.containers[0];
  const sc = c.securityContext;
  assert.deepEqual(sc.capabilities, { drop: ['ALL'], add: ['BPF', 'PERFMON', 'SYS_ADMIN'] });
  assert.equal(sc.readOnlyRootFilesystem, true);
  assert.equal(sc.allowPrivilegeEscalation, false);
  assert.equal(sc.privileged, false);
  assert.equal(pod.volumes, undefined, 'no host paths');
  const text = readFileSync(join(deploy, 'kubernetes/daemonset.yaml'), 'utf8');
  for (const cap of ['BPF', 'PERFMON', 'SYS_ADMIN']) assert.match(text, new RegExp(`# CAP_${cap}: .+\\n(\\s+# .+\\n)*\\s+- ${cap}\\n`), `a comment says why CAP_${cap}`);
  assert.deepEqual(c.args.slice(0, 1), ['export']);
  assert.ok(c.args.includes('--program-stats'), `args ${c.args.join(' ')}`);

  const labels = ds.spec.template.metadata.labels;
  assert.deepEqual(ds.spec.selector.matchLabels, labels);
  const svc = get('Service');
  for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(labels[k], v, `the Service selects the pods (${k})`);
  assert.equal(svc.spec.ports[0].targetPort, c.ports[0].name);
  assert.equal(c.ports[0].containerPort, 9435);
  const sm = get('ServiceMonitor');
  for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) assert.equal(svc.metadata.labels[k], v, `the ServiceMonitor selects the Service (${k})`);
  assert.deepEqual(sm.spec.namespaceSelector.matchNames, [svc.metadata.namespace]);
  assert.equal(sm.spec.endpoints[0].port, svc.spec.ports[0].name);
  // The job label the rules expect is the Service label jobLabel names.
  assert.equal(svc.metadata.labels[sm.spec.jobLabel], 'tsbpf');
  assert.match(readFileSync(join(deploy, 'prometheus/tsbpf.rules.yml'), 'utf8'), /up\{job="tsbpf"\}/);
  for (const o of objs) if (o.kind !== 'Namespace') assert.equal(o.obj.metadata.namespace, get('Namespace').metadata.name);
});

/** The exporter's metric names, from the prom-client definitions in metrics.ts. */
function exportedMetrics(): Set<string> {
  const src = readFileSync(join(root, 'src/export/metrics.ts'), 'utf8');
  return new Set([...src.matchAll(/name: '(bpf_[a-z_]+)'/g)].map((m) => m[1]));
}

test('grafana dashboard: unique panel ids, a data source variable, and queries of metrics the exporter serves', () => {
  const dash = JSON.parse(readFileSync(join(deploy, 'grafana/tsbpf-dashboard.json'), 'utf8'));
  const ids = dash.panels.map((p: { id: number }) => p.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(dash.templating.list.some((v: { type: string }) => v.type === 'datasource'), 'a data source variable');
  const known = exportedMetrics();
  assert.ok(known.has('bpf_program_runs_total') && known.has('bpf_map_growth_entries_per_second'), `metrics found: ${[...known].join(', ')}`);
  const queries = dashboardQueries();
  assert.ok(queries.length >= 10, `${queries.length} queries`);
  for (const q of queries) {
    for (const [name] of q.matchAll(/\b(bpf_[a-z_]+)\b/g)) assert.ok(known.has(name), `${q}: the exporter has no metric ${name}`);
    assert.doesNotMatch(q, /\$(?!__)/, `${q}: an unknown variable`);
  }
});

test('Dockerfile: what it copies from the checkout exists, and its entry point is the CLI the build makes', () => {
  const text = readFileSync(join(deploy, 'Dockerfile'), 'utf8');
  const copies = [...text.matchAll(/^COPY (?!--from)(.+)$/gm)].map((m) => m[1].trim().split(/\s+/).slice(0, -1));
  assert.ok(copies.length >= 3, `${copies.length} COPY lines`);
  for (const src of copies.flat()) assert.ok(existsSync(join(root, src)), `COPY ${src}: not in the checkout`);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  assert.match(text, new RegExp(`ENTRYPOINT \\["node", "${pkg.bin.tsbpf}"\\]`));
  assert.match(text, /npm run build/);
  // The runtime stage has what the addon loader looks for: the package root (binding.gyp) and the addon.
  assert.match(text, /^COPY --from=build .*\/src\/binding\.gyp/m);
  assert.match(text, /^COPY --from=build \/src\/build\/Release\/tsbpf\.node \.\/build\/Release\/tsbpf\.node$/m);
  const k8sArgs = readFileSync(join(deploy, 'kubernetes/daemonset.yaml'), 'utf8');
  assert.match(k8sArgs, /image: tsbpf:0\.1\.0/);
  assert.match(text, /docker build -f deploy\/Dockerfile -t tsbpf:0\.1\.0 \./);
});
