// A TCP congestion control written in BPF, registered from TypeScript: load tcpcc.bpf.o,
// register its struct_ops map `tsbpf_cc` (a struct tcp_congestion_ops of BPF programs), run a TCP
// transfer over 127.0.0.1 whose sender selects "tsbpf_cc", and read the counters the programs
// kept. Closing the link unregisters the algorithm.
//
// Run: npx tsx examples/tcpcc/main.ts (as root; needs a C compiler for the transfer helper and
// a kernel with BTF and BPF congestion controls, Linux 5.6+; links need 6.4+).
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { loadTcpcc } from './tcpcc.js';
import { transfer, type TransferResult } from './transfer.js';

/** The congestion controls the kernel offers now. */
export function availableCongestionControls(): string[] {
  return readFileSync('/proc/sys/net/ipv4/tcp_available_congestion_control', 'utf8').trim().split(/\s+/);
}

/** What one run saw. */
export interface TcpccRun {
  /** "tsbpf_cc" was offered while registered. */
  registered: boolean;
  /** The transfer, as its sending socket reported it. */
  transfer: TransferResult;
  /** The programs' counters after the transfer. */
  counters: { cong_avoid_calls: bigint; acked_packets: bigint; ssthresh_calls: bigint; undo_cwnd_calls: bigint };
  /** "tsbpf_cc" was gone once the link was closed. */
  unregistered: boolean;
}

/** Registers tsbpf_cc, sends `bytes` bytes with it over loopback, and unregisters it. */
export function main(bytes = 8 << 20): TcpccRun {
  using obj = loadTcpcc();
  let run: Omit<TcpccRun, 'unregistered'>;
  {
    // Registered until the end of this block: `using` closes the link, which unregisters it.
    using _link = obj.structOps.tsbpf_cc.attach();
    const registered = availableCongestionControls().includes('tsbpf_cc');
    const t = transfer('tsbpf_cc', bytes);
    const v = obj.variables;
    run = {
      registered,
      transfer: t,
      counters: { cong_avoid_calls: v.cong_avoid_calls.get(), acked_packets: v.acked_packets.get(), ssthresh_calls: v.ssthresh_calls.get(), undo_cwnd_calls: v.undo_cwnd_calls.get() },
    };
  }
  return { ...run, unregistered: !availableCongestionControls().includes('tsbpf_cc') };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = main();
  console.log(`registered: ${r.registered}; the sender's socket ran ${r.transfer.congestion}: sent ${r.transfer.sent} bytes, received ${r.transfer.received}`);
  console.log(`cong_avoid called ${r.counters.cong_avoid_calls} times for ${r.counters.acked_packets} acked packets; ssthresh ${r.counters.ssthresh_calls}, undo_cwnd ${r.counters.undo_cwnd_calls}`);
  console.log(`unregistered after close: ${r.unregistered}`);
}
