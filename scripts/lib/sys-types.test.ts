import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { loadKernelSpec, findMember, type Spec, type StructType, type UnionType } from '../../src/btf/index.js';
import { kernelEnum, SYS_ENUMS } from './sys-types.js';
import * as enums from '../../src/sys/enums.gen.js';
import { HelperId } from '../../src/asm/helpers.gen.js';
import { MapCreateAttr, MapElemAttr, MapBatchAttr, ProgLoadAttr, ObjPinAttr, ProgTestRunAttr, ObjInfoAttr, BtfLoadAttr, RawTracepointOpenAttr, IterCreateAttr, MapInfo, ProgInfo } from '../../src/sys/attrs.js';
import type { Layout, Field } from '../../src/sys/layout.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';
const skip = existsSync(VMLINUX) ? false : `no kernel BTF at ${VMLINUX}`;

test('every committed enum value matches the running kernel (the kernel may add more)', { skip }, () => {
  const spec = loadKernelSpec();
  const files = enums as unknown as Record<string, Record<string, number>>;
  for (const [ts, c] of SYS_ENUMS) {
    const kernel = new Map(kernelEnum(spec, c).map((e) => [e.name, e.value]));
    for (const [name, value] of Object.entries(files[ts])) assert.equal(kernel.get(name), value, `${c} ${name}`);
  }
  const helpers = new Map(kernelEnum(spec, 'bpf_func_id').map((e) => [e.name, e.value]));
  for (const [name, value] of Object.entries(HelperId)) assert.equal(helpers.get(`BPF_FUNC_${name}`), value, name);
});

/** Our field names that the kernel spells differently, by layout. */
const ALIASES: Record<string, Record<string, string>> = {
  map_elem: { value: 'value' },
};

function checkLayout(spec: Spec, container: StructType | UnionType, layout: Layout<Record<string, Field>>): void {
  const names = Object.keys(layout.fields).map((n) => ALIASES[layout.name]?.[n] ?? n);
  // In union bpf_attr, pick the anonymous struct that holds all our fields; info structs are checked directly.
  // A layout named like a named member of the union (`test`, `info`, `iter_create`, `batch`) must match that member.
  const named = container.kind === 'union' ? container.members.find((m) => m.name === (layout.name === 'map_batch' ? 'batch' : layout.name)) : undefined;
  const candidates = named ? [named.type] : container.kind === 'union' ? container.members.filter((m) => !m.name).map((m) => m.type) : [container.id];
  const home = candidates.find((id) => names.every((n) => findMember(spec, id, n) !== undefined));
  assert.ok(home !== undefined, `${layout.name}: no member of ${container.name} holds all of ${names.join(', ')}`);
  for (const [ours, f] of Object.entries(layout.fields)) {
    const m: { byteOffset: number } = findMember(spec, home!, ALIASES[layout.name]?.[ours] ?? ours)!;
    assert.equal(m.byteOffset, f.offset, `${layout.name}.${ours} offset`);
  }
}

test('bpf_attr and info layouts match the running kernel BTF', { skip }, () => {
  const spec = loadKernelSpec();
  const attr = spec.anyTypeByName('bpf_attr', 'union')!;
  for (const l of [MapCreateAttr, MapElemAttr, MapBatchAttr, ProgLoadAttr, ObjPinAttr, ProgTestRunAttr, ObjInfoAttr, BtfLoadAttr, RawTracepointOpenAttr, IterCreateAttr]) {
    checkLayout(spec, attr, l as unknown as Layout<Record<string, Field>>);
  }
  checkLayout(spec, spec.anyTypeByName('bpf_map_info', 'struct')!, MapInfo as unknown as Layout<Record<string, Field>>);
  checkLayout(spec, spec.anyTypeByName('bpf_prog_info', 'struct')!, ProgInfo as unknown as Layout<Record<string, Field>>);
});
