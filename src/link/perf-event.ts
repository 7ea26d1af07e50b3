/**
 * Perf event links: a program attached to a perf event (tracepoint, kprobe, uprobe) opened with
 * perf_event_open. The kernel's BPF_LINK_TYPE_PERF_EVENT (BPF_LINK_CREATE with BPF_PERF_EVENT,
 * Linux 5.15), or before that PERF_EVENT_IOC_SET_BPF + PERF_EVENT_IOC_ENABLE on the perf fd.
 */
import { readFileSync } from 'node:fs';
import { native } from '../sys/native.js';
import { Cmd, AttachTypeId } from '../sys/enums.gen.js';
import { errnoOf, Errno } from '../sys/errno.js';
import { bpf } from '../sys/syscall.js';
import { Fd } from '../sys/fd.js';
import { syscallError, SyscallError } from '../sys/errors.js';
import { LinkCreate } from './attrs.js';
import { PerfEventAttr } from '../sys/perf-attrs.js';
import { FdLink, LocalAttachment, registerLinkFactory, kindOfInfo, type LinkKind } from './link.js';
import { LinkType } from './link-type.js';
import { MissingFeatureError } from './errors.js';
import { programId, programLabel, type ProgramLike } from './program.js';

/** perf_event_attr.type for tracepoints. */
export const PERF_TYPE_TRACEPOINT = 2;
/** PERF_SAMPLE_RAW. */
const PERF_SAMPLE_RAW = 1 << 10;
/** PERF_FLAG_FD_CLOEXEC. */
export const PERF_FLAG_FD_CLOEXEC = 1 << 3;
/** _IOW('$', 8, __u32) */
const PERF_EVENT_IOC_SET_BPF = 0x40042408;
/** _IO('$', 0) */
const PERF_EVENT_IOC_ENABLE = 0x2400;
/** _IO('$', 1) */
const PERF_EVENT_IOC_DISABLE = 0x2401;

/** What to open with perf_event_open. */
export interface PerfEventOpenSpec {
  /** perf_event_attr.type: PERF_TYPE_TRACEPOINT or a PMU's dynamic type. */
  type: number;
  /** perf_event_attr.config: tracepoint id, or retprobe bit. */
  config: bigint;
  /** config1 as a string (kprobe function, uprobe path) passed by pointer. */
  config1Str?: string;
  /** config1 as a number (kprobe address when config1Str is absent). */
  config1?: bigint;
  /** config2: probe offset. */
  config2?: bigint;
  /** Process to watch (-1: every process). */
  pid?: number;
  /** Short description of the call for errors, e.g. `PERF_TYPE_TRACEPOINT`. */
  command: string;
}

/**
 * perf_event_open with the settings every BPF perf event uses: sample period 1, raw samples,
 * wakeup per event; pid -1 and cpu 0, or the pid on every CPU. Returns an owned fd.
 * @throws {SyscallError} starting with `context`.
 */
export function openPerfEvent(spec: PerfEventOpenSpec, context: string, detail?: (errno: number) => string | undefined): Fd {
  const pid = spec.pid ?? -1;
  const cpu = pid === -1 ? 0 : -1;
  const str = spec.config1Str !== undefined ? Buffer.from(`${spec.config1Str}\0`) : undefined;
  const { bytes, ptrs } = PerfEventAttr.encode({
    type: spec.type,
    size: PerfEventAttr.size,
    config: spec.config,
    sample_period: 1,
    sample_type: PERF_SAMPLE_RAW,
    wakeup_events: 1,
    config1: str ? undefined : (spec.config1 ?? 0n),
    config1_ptr: str,
    config2: spec.config2 ?? 0n,
  });
  try {
    return Fd.own(native().perfEventOpen(bytes, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC, ptrs));
  } catch (e) {
    const errno = errnoOf(e);
    if (!errno) throw e;
    throw syscallError('perf_event_open', spec.command, errno, context, detail?.(errno), e);
  }
}

/**
 * A PMU's dynamic type from /sys/bus/event_source/devices/<pmu>/type (`kprobe`, `uprobe`).
 * @throws {MissingFeatureError} when the PMU is absent.
 */
export function pmuType(pmu: string, missing: string): number {
  const path = `/sys/bus/event_source/devices/${pmu}/type`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new MissingFeatureError(pmu, missing, { cause: e });
  }
  const n = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(n)) throw new Error(`${pmu}: ${path} holds ${JSON.stringify(text.trim())}, not a PMU type`);
  return n;
}

/**
 * The bit a PMU format file names, e.g. `config:0` in .../uprobe/format/retprobe → 0.
 * @throws {Error} when the file is missing or not `config:N`.
 */
export function pmuFormatBit(pmu: string, field: string): number {
  const path = `/sys/bus/event_source/devices/${pmu}/format/${field}`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new Error(`${pmu}: read ${path}: ${(e as Error).message}`, { cause: e });
  }
  const m = /^config:(\d+)$/.exec(text);
  if (!m) throw new Error(`${pmu}: ${path} holds ${JSON.stringify(text)}, expected config:N`);
  const bit = Number(m[1]);
  if (bit > 63) throw new Error(`${pmu}: ${path}: bit ${bit} out of range`);
  return bit;
}

/** A perf event with a BPF program attached through a bpf_link (BPF_LINK_TYPE_PERF_EVENT). */
export class PerfEventLink extends FdLink {}

/** A perf event with a program attached by ioctl (kernels before 5.15): closing the perf fd detaches it. */
export class PerfEventIoctlAttachment extends LocalAttachment {
  readonly kind: LinkKind;
  #perf: Fd;
  constructor(kind: LinkKind, perf: Fd, label: string, progId: number) {
    super(label, progId);
    this.kind = kind;
    this.#perf = perf;
  }
  protected release(): void {
    try {
      native().ioctl(this.#perf.raw(), PERF_EVENT_IOC_DISABLE, 0);
    } catch {
      // Closing detaches anyway.
    }
    this.#perf.close();
  }
}

/** Options shared by attaches that go through a perf event. */
export interface PerfAttachOptions {
  /** bpf_cookie readable with bpf_get_attach_cookie() (needs the bpf_link path, Linux 5.15). */
  cookie?: bigint | number;
}

/**
 * Attaches `prog` to the perf event `perf` (taking ownership of it, closed on failure too):
 * BPF_LINK_CREATE with BPF_PERF_EVENT, falling back to PERF_EVENT_IOC_SET_BPF + ENABLE when the
 * kernel refuses the link with EINVAL (no perf links before 5.15) and no cookie is wanted.
 */
export function attachPerfEvent(kind: LinkKind, prog: ProgramLike, perf: Fd, label: string, opts: PerfAttachOptions = {}, detail?: (errno: number) => string | undefined): FdLink | PerfEventIoctlAttachment {
  try {
    const perfRaw = perf.raw(label);
    const progFd = prog.fd;
    let linkErr: unknown;
    try {
      const raw = bpf(
        Cmd.BPF_LINK_CREATE,
        LinkCreate.encode({ prog_fd: progFd, target_fd: perfRaw, attach_type: AttachTypeId.BPF_PERF_EVENT, perf_event_bpf_cookie: BigInt(opts.cookie ?? 0) }),
        `${label}: create link`,
        (e) => detail?.(e) ?? (e === Errno.EINVAL ? `the kernel refused ${programLabel(prog)} for this event (wrong program type or attach type?)` : undefined),
      );
      return new PerfEventLink(kind, Fd.own(raw), label, [perf]);
    } catch (e) {
      if (!(e instanceof SyscallError) || e.errno !== Errno.EINVAL || opts.cookie) throw e;
      linkErr = e;
    }
    // Older kernels: attach by ioctl. If that fails too, the link error says more.
    try {
      native().ioctl(perfRaw, PERF_EVENT_IOC_SET_BPF, progFd);
      native().ioctl(perfRaw, PERF_EVENT_IOC_ENABLE, 0);
    } catch {
      throw linkErr;
    }
    return new PerfEventIoctlAttachment(kind, perf, label, programId(prog));
  } catch (e) {
    perf.close();
    throw e;
  }
}

registerLinkFactory(LinkType.PerfEvent, (fd, info, label) => new PerfEventLink(kindOfInfo(info), fd, label));
