import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { kernelTest } from '../testutils/kernel.js';
import { counterMap, loadTestProgram, mapIdIterator } from '../testutils/link-programs.js';
import { AttachType, ProgramType } from '../types.js';
import { findMember, loadKernelSpec } from '../btf/index.js';
import { attachIter, attachProgram, resolveAttachTarget, LinkType, Link } from './index.js';

function loadMapIdIterator(): ReturnType<typeof loadTestProgram> {
  const spec = loadKernelSpec();
  const idOffset = findMember(spec, spec.anyTypeByName('bpf_map', 'struct')!.id, 'id')!.byteOffset;
  return loadTestProgram('iter_map_ids', ProgramType.Tracing, mapIdIterator(idOffset), {
    expectedAttachType: AttachType.TRACE_ITER,
    attachBtfId: resolveAttachTarget(ProgramType.Tracing, AttachType.TRACE_ITER, 'bpf_map').btfId,
  });
}

test('iter/bpf_map prints the id of every map, read as text, and again on each open', (t) => {
  if (!kernelTest(t)) return;
  using a = counterMap('iter_a');
  using b = counterMap('iter_b');
  using prog = loadMapIdIterator();
  using link = attachIter(prog);
  const ids = (text: string): Set<number> => new Set(text.trim().split('\n').map(Number));
  const first = ids(link.readAll());
  assert.ok(first.has(a.info().id) && first.has(b.info().id), 'both maps listed');
  for (const id of first) assert.ok(Number.isInteger(id) && id > 0);
  const bId = b.info().id;
  b.close();
  using it = link.open();
  const second = ids(it.readAll());
  assert.ok(second.has(a.info().id));
  assert.ok(!second.has(bId), 'a closed map is gone on the next pass');
  assert.equal(it.closed, true, 'readAll closes the iterator');
  assert.throws(() => it.fd, /already closed/);
  const info = link.info();
  assert.equal(info.type, LinkType.Iter);
  assert.equal(info.iter?.target, 'bpf_map');
  assert.equal(link.kind, 'iter');
});

test('an iterator read as a Node stream; attachProgram picks attachIter from iter/ sections', async (t) => {
  if (!kernelTest(t)) return;
  using m = counterMap('iter_stream');
  using prog = loadMapIdIterator();
  using link = attachProgram({ fd: prog.fd, name: prog.name, type: prog.type, expectedAttachType: prog.expectedAttachType }, { section: 'iter/bpf_map' });
  assert.equal(link.kind, 'iter');
  const it = (link as ReturnType<typeof attachIter>).open();
  let text = '';
  for await (const chunk of it.stream({ highWaterMark: 64 })) text += String(chunk);
  assert.ok(text.split('\n').map(Number).includes(m.info().id));
  assert.equal(it.closed, true, 'the stream closed the iterator at its end');
});

test('an iterator link pinned on bpffs reopens as an IterLink that still iterates', (t) => {
  if (!kernelTest(t)) return;
  using m = counterMap('iter_pinned');
  using prog = loadMapIdIterator();
  const path = `/sys/fs/bpf/tsbpf-iter-${process.pid}`;
  const link = attachIter(prog);
  link.pin(path);
  try {
    link.close();
    using again = Link.fromPinned(path);
    assert.equal(again.pinnedPath, path);
    assert.equal(again.kind, 'iter');
    assert.ok((again as ReturnType<typeof attachIter>).readAll().split('\n').map(Number).includes(m.info().id));
  } finally {
    rmSync(path, { force: true });
  }
});
