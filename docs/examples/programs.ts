/**
 * Snippets for docs/api.md: loading, test-running, attaching and pinning programs, and reading
 * verifier errors. Regions are copied into the docs by scripts/docs-snippets.mjs;
 * `npm run typecheck` compiles them.
 */
import { BpfMap, Program, ProgramType, VerifierError, type Collection, type ProgramSpec } from '../../src/index.js';
import { Assembler, R1 } from '../../src/asm/index.js';

/** Loading a hand-assembled program that uses a map. */
export function load(m: BpfMap<number, bigint>): number {
  // #region program-load
  const insns = new Assembler().ldMapFd(R1, 'counted').callKfunc('bpf_map_sum_elem_count').exit().build();
  using prog = Program.load({ name: 'count', type: ProgramType.SocketFilter, license: 'GPL', instructions: insns }, { maps: { counted: m } });
  // #endregion
  return prog.test().retval;
}

/** Test runs. */
export function testRun(prog: Program): number {
  // #region program-test
  const { retval, durationNs } = prog.test(Buffer.alloc(14)); // one run on an empty Ethernet frame
  const avg = prog.test(undefined, { repeat: 1000 }).durationNs; // default input, average of 1000 runs
  // #endregion
  return retval + durationNs + avg;
}

/** Attaching where the section name says. */
export function attach(coll: Collection): void {
  // #region program-attach
  using link = coll.programs.handle_openat.attach();                      // SEC("tracepoint/syscalls/sys_enter_openat")
  using xdp = coll.programs.xdp_filter.attach({ iface: 'veth0', xdpMode: 'skb' }); // SEC("xdp") needs the interface
  // #endregion
}

/** Pinning and reopening. */
export function pin(prog: Program): void {
  // #region program-pin
  prog.pin('/sys/fs/bpf/count_prog');                       // stays loaded after this process exits
  using again = Program.fromPinned('/sys/fs/bpf/count_prog'); // later, or from another process
  // #endregion
  prog.unpin('/sys/fs/bpf/count_prog');
}

/** Opening a program by id. */
export function byId(id: number): number[] {
  // #region program-from-id
  using loaded = Program.fromId(id);                   // a program of any process; needs CAP_SYS_ADMIN
  console.log(`${loaded}`, loaded.info().mapIds);      // program refresh_count (socket_filter) [ 12 ]
  // #endregion
  return loaded.info().mapIds;
}

/** Kernel info. */
export function info(prog: Program): number {
  // #region program-info
  const { id, tag, mapIds, verifiedInstructions } = prog.info();
  console.log(`${prog} id ${id} tag ${tag}`); // program count (socket_filter) id 57 tag 3b185187f1855c4c
  // #endregion
  return mapIds.length + verifiedInstructions;
}

/** Printing a verifier refusal. */
export function verifierError(spec: ProgramSpec): Program | undefined {
  // #region verifier-error
  try { return Program.load(spec); } catch (err) {
    if (err instanceof VerifierError) console.error(err.format({ tail: 20 })); else throw err;
  }
  // #endregion
  return undefined;
}

/** Keeping the verifier log of a successful load. */
export function logLevel(spec: ProgramSpec): readonly string[] {
  // #region program-log-level
  using traced = Program.load(spec, { logLevel: 2 }); // the log is kept even when loading succeeds
  console.log(traced.verifierLog.at(-1));              // processed 2 insns (limit 1000000) ...
  // #endregion
  return traced.verifierLog;
}
