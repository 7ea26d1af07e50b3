/**
 * `tsbpf prog run <obj.o> <program>`: load an object and run one program with BPF_PROG_TEST_RUN,
 * like `bpftool prog run`.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { loadCollection } from '../collection/load.js';
import { VerifierError } from '../prog/verifier-error.js';

/** Options of `tsbpf prog run`. */
export interface ProgRunOptions {
  /** Regular file whose bytes (at most {@link MAX_INPUT_BYTES}) are the input packet/data (default: 14 zero bytes, an Ethernet header's worth, for packet programs; none for others). */
  dataIn?: string;
  /** Regular file whose bytes (at most {@link MAX_INPUT_BYTES}) are the input context (`ctx_in`). */
  ctxIn?: string;
  /** Number of runs (default 1). */
  repeat?: number;
  /** JSON output. */
  json?: boolean;
  /** Print the verifier log (level 1, with the C source lines) before the result; on a refusal, the whole log with the failing line marked. */
  log?: boolean;
}

const PACKET_TYPES = new Set([1, 3, 4, 6, 8, 22]); // socket filter, sched_cls/act, xdp, cgroup_skb, flow dissector

/**
 * The most bytes `--data-in` and `--ctx-in` read (1 MiB): far above what the kernel takes in a
 * test run (about a page of packet for most types), and a bound on what a wrong file can cost.
 */
export const MAX_INPUT_BYTES = 1 << 20;

function fileKind(st: Stats): string {
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  return 'not a regular file';
}

/**
 * Reads an input file of `prog run`: only a regular file, of at most `max` bytes. A device, FIFO
 * or socket is refused before any read (it could be endless, like /dev/zero, or never answer), and
 * opening does not block (O_NONBLOCK), so nothing here can hang.
 * @throws {Error} starting with `what` naming the file and the cause.
 */
export function readInputFile(path: string, what: string, max = MAX_INPUT_BYTES): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw new Error(`${what}: ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`${what}: ${path} is ${fileKind(st)}; give a regular file (at most ${max} bytes)`);
    if (st.size > max) throw new Error(`${what}: ${path} is ${st.size} bytes, more than the ${max} a test run input may have`);
    // Read to the end, but never past max + 1 bytes, in case the file grows while we read.
    const buf = Buffer.alloc(max + 1);
    let n = 0;
    for (let r; n < buf.length && (r = readSync(fd, buf, n, buf.length - n, null)) > 0; ) n += r;
    if (n > max) throw new Error(`${what}: ${path} holds more than the ${max} bytes a test run input may have`);
    return Buffer.from(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

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
  const dataIn = opts.dataIn ? readInputFile(opts.dataIn, 'prog run: --data-in') : PACKET_TYPES.has(prog.type) ? Buffer.alloc(14) : Buffer.alloc(0);
  const ctxIn = opts.ctxIn ? readInputFile(opts.ctxIn, 'prog run: --ctx-in') : undefined;
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
