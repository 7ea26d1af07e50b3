/**
 * `tsbpf prog run <obj.o> <program>`: load an object and run one program with BPF_PROG_TEST_RUN,
 * like `bpftool prog run`.
 */
import { readFileSync } from 'node:fs';
import { loadCollection } from '../collection/collection.js';
import { VerifierError } from '../prog/verifier-error.js';

/** Options of `tsbpf prog run`. */
export interface ProgRunOptions {
  /** File whose bytes are the input packet/data (default: 14 zero bytes, an Ethernet header's worth, for packet programs; none for others). */
  dataIn?: string;
  /** File whose bytes are the input context (`ctx_in`). */
  ctxIn?: string;
  /** Number of runs (default 1). */
  repeat?: number;
  /** JSON output. */
  json?: boolean;
  /** Print the verifier log (level 1, with the C source lines) before the result; on a refusal, the whole log with the failing line marked. */
  log?: boolean;
}

const PACKET_TYPES = new Set([1, 3, 4, 6, 8, 22]); // socket filter, sched_cls/act, xdp, cgroup_skb, flow dissector

/** Runs the program and returns the output text. */
export function runProg(objectPath: string, programName: string, opts: ProgRunOptions = {}): string {
  let coll;
  try {
    coll = loadCollection(objectPath, { programs: [programName], logLevel: opts.log ? 5 : 0 }); // 5: the failing path's trace and the statistics
  } catch (e) {
    // With --log the whole annotated log replaces the one-line summary.
    if (opts.log && e instanceof VerifierError) throw new Error(e.format(), { cause: e });
    throw e;
  }
  using _coll = coll;
  // loadCollection already refused a name the object does not have, listing the ones it has.
  const prog = coll.programs[programName];
  const dataIn = opts.dataIn ? readFileSync(opts.dataIn) : PACKET_TYPES.has(prog.type) ? Buffer.alloc(14) : Buffer.alloc(0);
  const ctxIn = opts.ctxIn ? readFileSync(opts.ctxIn) : undefined;
  const r = prog.test(dataIn, { repeat: opts.repeat, ctxIn });
  if (opts.json) {
    return JSON.stringify({ program: programName, ...(opts.log ? { verifierLog: prog.verifierLog } : {}), retval: r.retval, durationNs: r.durationNs, repeat: opts.repeat ?? 1, dataOut: r.dataOut.toString('hex'), ctxOut: r.ctxOut?.toString('hex') }, null, 2);
  }
  const lines = opts.log ? ['verifier log:', ...prog.verifierLog.map((l) => `\t${l}`)] : [];
  lines.push(`program ${programName}: retval ${r.retval} (0x${r.retval.toString(16)}), duration ${r.durationNs} ns${(opts.repeat ?? 1) > 1 ? ` (average of ${opts.repeat} runs)` : ''}`);
  if (r.dataOut.length) lines.push(`data out (${r.dataOut.length} bytes): ${r.dataOut.toString('hex')}`);
  if (r.ctxOut?.length) lines.push(`ctx out (${r.ctxOut.length} bytes): ${r.ctxOut.toString('hex')}`);
  return lines.join('\n');
}
