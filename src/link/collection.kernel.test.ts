import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTest } from '../testutils/kernel.js';
import { fixtureBytes } from '../testutils/bpf-objects.js';
import { linkHelperPath, linkHelperUnavailable, runLinkHelper } from '../testutils/link-helper.js';
import { loadCollection } from '../collection/load.js';
import { loadCollectionSpec } from '../elf/index.js';
import { u32, u64 } from '../codec/codec.js';
import type { Link } from './index.js';

const N = 19;

test('programs compiled from C attach themselves by their section names (tracepoint, tp_btf, uprobe, uretprobe)', async (t) => {
  if (!kernelTest(t, { reason: linkHelperUnavailable })) return;
  const bytes = fixtureBytes(t, 'link_attach');
  if (!bytes) return;
  const spec = loadCollectionSpec(bytes);
  using coll = loadCollection(spec);
  const counts = coll.map('counts').withCodecs({ key: u32, value: u64 });
  const helper = linkHelperPath();
  const links: Link[] = [];
  try {
    for (const [name, p] of Object.entries(coll.programs)) {
      const section = p.sectionName ?? '';
      assert.equal(section, spec.programs[name].sectionName, 'the loaded program keeps its section name');
      const target = section.startsWith('uprobe') || section.startsWith('uretprobe') ? `${helper}:tsbpf_uprobe_target` : undefined;
      links.push(p.attach({ target }));
    }
    assert.deepEqual(links.map((l) => l.kind).sort(), ['raw_tracepoint', 'tracepoint', 'uprobe', 'uprobe']);
    await runLinkHelper(['getpid', String(N)], (pid) => coll.variable('target_pid').set(pid));
    await runLinkHelper(['uprobe', String(N)], (pid) => coll.variable('target_pid').set(pid));
    assert.equal(counts.lookup(0), BigInt(N), 'tracepoint: getpid calls');
    assert.ok(counts.lookup(1)! >= BigInt(N), 'tp_btf sys_enter: at least the getpid calls');
    assert.equal(counts.lookup(2), BigInt(N), 'uprobe: calls');
    assert.equal(counts.lookup(3), BigInt(N), 'uretprobe: returns');
  } finally {
    for (const l of links) l.close();
    counts.close();
  }
});
