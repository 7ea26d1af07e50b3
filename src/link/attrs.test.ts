import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { loadKernelSpec, resolveType, type Spec } from '../btf/index.js';
import { IterLinkInfo, LinkCreate, LinkInfoLayout, LinkUpdate } from './attrs.js';
import { PerfEventAttr } from '../sys/perf-attrs.js';
import { BtfInfo as BtfInfoLayout } from '../sys/attrs.js';
import { skipIf } from '../testutils/kernel.js';

/** Offsets of every (nested, anonymous-flattened) member of a struct, as `a.b.c` → byte offset. */
function offsets(spec: Spec, id: number, prefix = '', base = 0, out = new Map<string, number>()): Map<string, number> {
  const t = resolveType(spec, id);
  if (t.kind !== 'struct' && t.kind !== 'union') return out;
  for (const m of t.members) {
    const off = base + m.bitOffset / 8;
    const name = m.name ? `${prefix}${m.name}` : prefix.replace(/\.$/, '');
    if (m.name) out.set(name, off);
    offsets(spec, m.type, m.name ? `${name}.` : prefix, off, out);
  }
  return out;
}

test('link attr layouts match the running kernel BTF', (t) => {
  if (!existsSync('/sys/kernel/btf/vmlinux')) return void skipIf(t, 'needs /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF)');
  const spec = loadKernelSpec();
  const of = (kind: 'struct' | 'union', name: string): Map<string, number> => offsets(spec, spec.anyTypeByName(name, kind)!.id);
  const attr = of('union', 'bpf_attr');
  const check = (fields: Record<string, { offset: number }>, expect: Record<string, string>, from: Map<string, number>): void => {
    for (const [ours, theirs] of Object.entries(expect)) {
      assert.equal(fields[ours].offset, from.get(theirs), `${ours} vs ${theirs}`);
    }
  };
  check(
    LinkCreate.fields,
    {
      prog_fd: 'link_create.prog_fd',
      target_fd: 'link_create.target_fd',
      attach_type: 'link_create.attach_type',
      flags: 'link_create.flags',
      iter_info: 'link_create.iter_info',
      iter_info_len: 'link_create.iter_info_len',
      perf_event_bpf_cookie: 'link_create.perf_event.bpf_cookie',
      tracing_cookie: 'link_create.tracing.cookie',
      tcx_relative_fd: 'link_create.tcx.relative_fd',
      tcx_expected_revision: 'link_create.tcx.expected_revision',
      uprobe_multi_path: 'link_create.uprobe_multi.path',
      uprobe_multi_cnt: 'link_create.uprobe_multi.cnt',
      uprobe_multi_pid: 'link_create.uprobe_multi.pid',
    },
    attr,
  );
  check(
    LinkUpdate.fields,
    { new_prog_fd: 'link_update.new_prog_fd', new_map_fd: 'link_update.new_map_fd', flags: 'link_update.flags', old_prog_fd: 'link_update.old_prog_fd', old_map_fd: 'link_update.old_map_fd' },
    attr,
  );
  const info = of('struct', 'bpf_link_info');
  check(
    LinkInfoLayout.fields,
    {
      prog_id: 'prog_id',
      raw_tp_name_len: 'raw_tracepoint.tp_name_len',
      raw_tp_cookie: 'raw_tracepoint.cookie',
      tracing_target_btf_id: 'tracing.target_btf_id',
      cgroup_attach_type: 'cgroup.attach_type',
      iter_map_id: 'iter.map.map_id',
      iter_task_pid: 'iter.task.pid',
      xdp_ifindex: 'xdp.ifindex',
      tcx_attach_type: 'tcx.attach_type',
      perf_event_type: 'perf_event.type',
      perf_name: 'perf_event.uprobe.file_name',
      perf_offset: 'perf_event.uprobe.offset',
      perf_uprobe_cookie: 'perf_event.uprobe.cookie',
      perf_kprobe_missed: 'perf_event.kprobe.missed',
      perf_kprobe_cookie: 'perf_event.kprobe.cookie',
      perf_tp_cookie: 'perf_event.tracepoint.cookie',
      uprobe_multi_path_size: 'uprobe_multi.path_size',
      uprobe_multi_pid: 'uprobe_multi.pid',
      struct_ops_map_id: 'struct_ops.map_id',
    },
    info,
  );
  const perf = of('struct', 'perf_event_attr');
  check(PerfEventAttr.fields, { config: 'config', sample_type: 'sample_type', wakeup_events: 'wakeup_events', config1: 'config1', config2: 'config2' }, perf);
  assert.equal(PerfEventAttr.size, (spec.anyTypeByName('perf_event_attr', 'struct') as { size: number }).size);
  check(IterLinkInfo.fields, { cgroup_fd: 'cgroup.cgroup_fd', cgroup_id: 'cgroup.cgroup_id', task_pid_fd: 'task.pid_fd' }, of('union', 'bpf_iter_link_info'));
  check(BtfInfoLayout.fields, { name: 'name', name_len: 'name_len', kernel_btf: 'kernel_btf' }, of('struct', 'bpf_btf_info'));
});
