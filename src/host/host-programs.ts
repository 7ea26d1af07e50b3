/**
 * Host programs: every BPF program on the host with its run statistics.
 *
 * A scan walks program ids (BPF_PROG_GET_NEXT_ID) and, for each, opens the program by id, reads
 * its `bpf_prog_info` and closes it again before moving on: like the map scan, it holds nothing
 * past the scan, so a program whose owner exits is unloaded by the kernel and is gone from the
 * next scan. Walking ids and opening programs by id need CAP_SYS_ADMIN.
 *
 * `runCount` and `runTimeNs` grow only while the kernel's run statistics are on
 * (see {@link enableRunStats}); they are totals since the program was loaded.
 */
import { Cmd } from '../sys/enums.gen.js';
import { GetIdAttr, ProgInfo } from '../sys/attrs.js';
import { native } from '../sys/native.js';
import { objInfo, retError } from '../sys/syscall.js';
import { Errno, errnoName } from '../sys/errno.js';
import { programTypeShortName } from '../types.js';

/** One program as a scan saw it. */
export interface ProgramSummary {
  /** Kernel-wide id. */
  id: number;
  /** The name the kernel keeps (at most 15 characters). */
  name: string;
  /** Program type number. */
  type: number;
  /** Short type name (`socket_filter`, `tracepoint`, `xdp`, ...). */
  typeName: string;
  /** The program's tag (hash of its instructions), as hex. */
  tag: string;
  /** Runs counted while run statistics were on (`run_cnt`). */
  runCount: bigint;
  /** Time those runs took in ns (`run_time_ns`). */
  runTimeNs: bigint;
  /** Instructions the verifier processed when it loaded the program. */
  verifiedInstructions: number;
  /** Why the program could not be opened or read, when it could not (the other fields are then empty). */
  error?: string;
}

/** Options of {@link scanPrograms}. */
export interface ProgramScanOptions {
  /** Keep only the programs this returns true for (decided after reading each program's info). Default: every program. */
  where?: (prog: { id: number; name: string; type: number }) => boolean;
}

const infoBuf = new Uint8Array(ProgInfo.size);
const idAttr = new Uint8Array(GetIdAttr.size);

/**
 * The ids of every BPF program on the host, in increasing order (BPF_PROG_GET_NEXT_ID).
 * Programs loaded or unloaded during the walk may or may not appear.
 * @throws {PermissionError} without CAP_SYS_ADMIN.
 */
export function* programIds(): Generator<number, void, undefined> {
  let id = 0;
  const attr = new Uint8Array(GetIdAttr.size);
  const view = new DataView(attr.buffer);
  for (;;) {
    view.setUint32(0, id, true);
    view.setUint32(4, 0, true);
    const r = native().bpfRet(Cmd.BPF_PROG_GET_NEXT_ID, attr);
    if (r === -Errno.ENOENT) return;
    if (r < 0) throw retError(Cmd.BPF_PROG_GET_NEXT_ID, r, 'programs: list ids', r === -Errno.EPERM ? 'walking program ids needs CAP_SYS_ADMIN' : undefined);
    id = view.getUint32(4, true);
    yield id;
  }
}

/**
 * Lists every program on the host with its run statistics. Each program is opened by id, read
 * and closed before the next one; nothing stays open when this returns.
 * @throws {PermissionError} without CAP_SYS_ADMIN (from the id walk).
 * @throws {TypeError} when `where` is not a function.
 */
export function scanPrograms(opts: ProgramScanOptions = {}): ProgramSummary[] {
  const where = opts.where;
  if (where !== undefined && typeof where !== 'function') throw new TypeError('programs: scan: where must be a function');
  const out: ProgramSummary[] = [];
  for (const id of programIds()) {
    const s = readById(id);
    if (!s) continue;
    if (where && !where(s)) continue;
    out.push(s);
  }
  return out;
}

/** Opens program `id`, reads its info into the shared buffer and closes it; undefined when it is gone. */
function readById(id: number): ProgramSummary | undefined {
  const a = native();
  GetIdAttr.encode({ id }, idAttr);
  const fd = a.bpfRet(Cmd.BPF_PROG_GET_FD_BY_ID, idAttr);
  if (fd === -Errno.ENOENT) return undefined; // unloaded since the id walk saw it
  if (fd < 0) return failed(id, `program id ${id}: open: ${errnoName(-fd)}`);
  try {
    // Encoded into the shared buffer, zeroed first: the kernel reads the info struct's pointer
    // fields (map_ids, jited_*, ...) before writing it back, so none may be left over.
    objInfo(fd, ProgInfo.encode({}, infoBuf), `program id ${id}`);
  } catch (e) {
    return failed(id, (e as Error).message);
  } finally {
    a.close(fd);
  }
  const type = ProgInfo.u32(infoBuf, 'type');
  const tagOff = ProgInfo.fields.tag.offset;
  return {
    id,
    name: ProgInfo.string(infoBuf, 'name'),
    type,
    typeName: programTypeShortName(type),
    tag: Buffer.from(infoBuf.subarray(tagOff, tagOff + 8)).toString('hex'),
    runCount: ProgInfo.u64(infoBuf, 'run_cnt'),
    runTimeNs: ProgInfo.u64(infoBuf, 'run_time_ns'),
    verifiedInstructions: ProgInfo.u32(infoBuf, 'verified_insns'),
  };
}

function failed(id: number, why: string): ProgramSummary {
  return { id, name: '', type: 0, typeName: '?', tag: '', runCount: 0n, runTimeNs: 0n, verifiedInstructions: 0, error: why };
}
