import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTest } from '../../src/testutils/kernel.js';
import { ProgramType } from '../../src/index.js';
import { availableCongestionControls, main } from './main.js';
import { loadTcpcc, loadTcpccSpec } from './tcpcc.js';
import { transferBinary } from './transfer.js';

/** Privileges are required (CI fails without them); so is a C compiler for the transfer helper. */
function canRun(t: TestContext): boolean {
  return kernelTest(t, {
    reason: () => {
      try {
        transferBinary();
        return null;
      } catch (e) {
        return `needs a C compiler for examples/tcpcc/transfer.c: ${(e as Error).message.split('\n')[0]}`;
      }
    },
  });
}

test('example tcpcc: tsbpf_cc is a struct tcp_congestion_ops of three struct_ops programs', () => {
  const spec = loadTcpccSpec();
  const so = spec.structOps?.tsbpf_cc;
  assert.ok(so);
  assert.equal(so.typeName, 'tcp_congestion_ops');
  assert.equal(so.section, '.struct_ops.link');
  assert.deepEqual(
    so.programs.map((p) => [p.member, p.program]),
    [
      ['ssthresh', 'tsbpf_ssthresh'],
      ['cong_avoid', 'tsbpf_cong_avoid'],
      ['undo_cwnd', 'tsbpf_undo_cwnd'],
    ],
  );
  for (const p of so.programs) assert.equal(spec.programs[p.program].type, ProgramType.StructOps);
});

test('example tcpcc: a loopback transfer runs on tsbpf_cc, its counters move, and closing unregisters it', (t) => {
  if (!canRun(t)) return;
  assert.equal(availableCongestionControls().includes('tsbpf_cc'), false, 'not registered before');
  const bytes = 8 << 20;
  const r = main(bytes);
  assert.equal(r.registered, true, 'offered in tcp_available_congestion_control while the link is open');
  assert.equal(r.transfer.congestion, 'tsbpf_cc', "getsockopt(TCP_CONGESTION) of the sender's socket");
  assert.equal(r.transfer.sent, bytes);
  assert.equal(r.transfer.received, bytes);
  assert.ok(r.counters.cong_avoid_calls > 0n, `cong_avoid calls ${r.counters.cong_avoid_calls}`);
  assert.ok(r.counters.acked_packets >= r.counters.cong_avoid_calls, `acked ${r.counters.acked_packets} >= calls ${r.counters.cong_avoid_calls}`);
  assert.equal(r.unregistered, true, 'gone once the link is closed');
  // A second run registers again from a fresh load: nothing of the first is left behind.
  const again = main(4 << 20);
  assert.equal(again.transfer.congestion, 'tsbpf_cc');
  assert.ok(again.counters.cong_avoid_calls > 0n);
  assert.equal(again.unregistered, true);
});

test('example tcpcc: one callback loads alone; the struct_ops map needing the others is then absent', (t) => {
  if (!canRun(t)) return;
  using obj = loadTcpcc({ programs: ['tsbpf_cong_avoid'] });
  assert.deepEqual(Object.keys(obj.programs), ['tsbpf_cong_avoid']);
  assert.equal(obj.structOps.tsbpf_cc, undefined);
  assert.ok(obj.collection.notes.some((n) => n.startsWith('struct_ops tsbpf_cc: not created')));
});
