/**
 * uprobe_multi: one bpf_link for many uprobes in one binary (BPF_LINK_CREATE with
 * BPF_TRACE_UPROBE_MULTI, Linux 6.6). The program must be loaded with expected attach type
 * BPF_TRACE_UPROBE_MULTI (`SEC("uprobe.multi/...")`).
 */
import { Cmd, AttachTypeId } from '../sys/enums.gen.js';
import { bpfFd } from '../sys/syscall.js';
import { Errno } from '../sys/errno.js';
import { ProgramType } from '../types.js';
import { LinkCreate } from './attrs.js';
import { withElfFile } from './elf-symbols.js';
import { FdLink, registerLinkFactory, type Link } from './link.js';
import { LinkType } from './link-type.js';
import { resolveBinaryPath } from './uprobe.js';
import { checkProgramType, programLabel, type ProgramLike } from './program.js';

/** Options of {@link attachUprobeMulti}. */
export interface UprobeMultiOptions {
  /** Only this process (default: every process). */
  pid?: number;
  /** Fire on return (BPF_F_UPROBE_MULTI_RETURN). */
  retprobe?: boolean;
  /** One bpf_cookie per target, in order. */
  cookies?: readonly (bigint | number)[];
  /** One USDT semaphore offset per target, in order. */
  refCtrOffsets?: readonly (bigint | number)[];
}

/** A uprobe_multi link. */
export class UprobeMultiLink extends FdLink {}

function u64Array(values: readonly bigint[]): Uint8Array {
  const b = new Uint8Array(values.length * 8);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setBigUint64(i * 8, BigInt.asUintN(64, x), true));
  return b;
}

/**
 * Attaches a uprobe.multi program to several functions (symbols or file offsets) of one binary
 * with a single link.
 *
 * @example
 * using link = attachUprobeMulti('/usr/lib/x86_64-linux-gnu/libc.so.6', ['malloc', 'free'], prog);
 * @throws {ElfSymbolError} when a symbol is missing; {@link TypeError} for mismatched arrays.
 */
export function attachUprobeMulti(binaryPath: string, targets: readonly (string | number | bigint)[], prog: ProgramLike, opts: UprobeMultiOptions = {}): Link {
  const label = `link uprobe_multi ${binaryPath}`;
  checkProgramType(prog, [ProgramType.Kprobe], label);
  if (!Array.isArray(targets) || targets.length === 0) throw new TypeError(`${label}: targets must be a non-empty array of symbols or offsets`);
  for (const [k, arr] of [['cookies', opts.cookies], ['refCtrOffsets', opts.refCtrOffsets]] as const) {
    if (arr !== undefined && arr.length !== targets.length) throw new TypeError(`${label}: ${k} has ${arr.length} entries for ${targets.length} targets`);
  }
  const path = resolveBinaryPath(binaryPath, label);
  const offsets = withElfFile(path, (f) =>
    targets.map((t) => {
      if (typeof t === 'string') return f.symbolOffset(t);
      if ((typeof t === 'number' && (!Number.isSafeInteger(t) || t < 0)) || BigInt(t) < 0n) throw new RangeError(`${label}: offset ${t} must be a non-negative integer`);
      return BigInt(t);
    }),
  );
  const pathBuf = Buffer.from(`${path}\0`);
  const fd = bpfFd(
    Cmd.BPF_LINK_CREATE,
    LinkCreate.encode({
      prog_fd: prog.fd,
      attach_type: AttachTypeId.BPF_TRACE_UPROBE_MULTI,
      uprobe_multi_path: pathBuf,
      uprobe_multi_offsets: u64Array(offsets),
      uprobe_multi_ref_ctr_offsets: opts.refCtrOffsets ? u64Array(opts.refCtrOffsets.map((x) => BigInt(x))) : undefined,
      uprobe_multi_cookies: opts.cookies ? u64Array(opts.cookies.map((x) => BigInt(x))) : undefined,
      uprobe_multi_cnt: offsets.length,
      uprobe_multi_flags: opts.retprobe ? 1 : 0,
      uprobe_multi_pid: opts.pid ?? 0,
    }),
    `${label}: create link`,
    (e) => (e === Errno.EINVAL ? `the kernel refused ${programLabel(prog)} (loaded with expected attach type trace_uprobe_multi?)` : e === Errno.ESRCH ? `no process ${opts.pid}` : undefined),
  );
  return new UprobeMultiLink('uprobe_multi', fd, label);
}

registerLinkFactory(LinkType.UprobeMulti, (fd, _info, label) => new UprobeMultiLink('uprobe_multi', fd, label));
