/**
 * Kprobes: a kprobe program on a kernel function, through the `kprobe` PMU (perf_event_open with
 * the symbol name and an offset). Kernels built without CONFIG_KPROBES have no such PMU; use
 * fentry/fexit ({@link attachTracing}) there.
 */
import { existsSync } from 'node:fs';
import { ProgramType } from '../types.js';
import { Errno } from '../sys/errno.js';
import { attachPerfEvent, openPerfEvent, pmuFormatBit, pmuType, type PerfAttachOptions } from './perf-event.js';
import { MissingFeatureError } from './errors.js';
import { checkProgramType, type ProgramLike } from './program.js';
import type { Link } from './link.js';

/** Where the kprobe PMU lives; absent when the kernel has no kprobes. */
export const KPROBE_PMU_DIR = '/sys/bus/event_source/devices/kprobe';

/** Options of {@link attachKprobe}. */
export interface KprobeOptions extends PerfAttachOptions {
  /** Fire on return (a kretprobe) instead of on entry. */
  retprobe?: boolean;
  /** Bytes into the function (default 0; entry only). */
  offset?: number;
}

/** The message of the error thrown when the kernel has no kprobes. */
export const NO_KPROBES = `kprobe: this kernel was built without kprobes (no ${KPROBE_PMU_DIR})`;

/** Whether this kernel offers kprobes through the perf PMU. */
export function haveKprobes(): boolean {
  return existsSync(KPROBE_PMU_DIR);
}

let kprobeRetBit: number | undefined;

/**
 * Attaches a kprobe (or, with `retprobe`, a kretprobe) program to kernel function `symbol`.
 *
 * @example
 * using link = attachKprobe('do_unlinkat', prog);
 * @throws {MissingFeatureError} (a NotSupportedError) when the kernel was built without kprobes.
 * @throws {SyscallError} ENOENT/EINVAL when the symbol does not exist or cannot be probed.
 */
export function attachKprobe(symbol: string, prog: ProgramLike, opts: KprobeOptions = {}): Link {
  const kind = opts.retprobe ? 'kretprobe' : 'kprobe';
  const label = `link ${kind} ${symbol}`;
  if (typeof symbol !== 'string' || symbol === '' || symbol.includes('\0')) throw new TypeError(`${label}: symbol must be a non-empty string`);
  checkProgramType(prog, [ProgramType.Kprobe], label);
  if (opts.offset !== undefined && (!Number.isSafeInteger(opts.offset) || opts.offset < 0)) throw new RangeError(`${label}: offset must be a non-negative integer`);
  if (opts.retprobe && opts.offset) throw new RangeError(`${label}: a kretprobe takes no offset`);
  if (!haveKprobes()) throw new MissingFeatureError('kprobe', NO_KPROBES);
  const type = pmuType('kprobe', NO_KPROBES);
  const config = opts.retprobe ? 1n << BigInt((kprobeRetBit ??= pmuFormatBit('kprobe', 'retprobe'))) : 0n;
  const perf = openPerfEvent(
    { type, config, config1Str: symbol, config2: BigInt(opts.offset ?? 0), command: 'kprobe' },
    `${label}: perf_event_open`,
    (e) => (e === Errno.ENOENT || e === Errno.EINVAL ? `no traceable kernel function ${symbol} (see /sys/kernel/tracing/available_filter_functions)` : undefined),
  );
  return attachPerfEvent('kprobe', prog, perf, label, opts);
}

/** Same as {@link attachKprobe} with `retprobe: true`. */
export function attachKretprobe(symbol: string, prog: ProgramLike, opts: Omit<KprobeOptions, 'retprobe'> = {}): Link {
  return attachKprobe(symbol, prog, { ...opts, retprobe: true });
}
