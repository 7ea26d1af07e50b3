/**
 * Tracepoints: a `tracepoint` program on a perf event of type PERF_TYPE_TRACEPOINT.
 */
import { ProgramType } from '../types.js';
import { attachPerfEvent, openPerfEvent, PERF_TYPE_TRACEPOINT, type PerfAttachOptions } from './perf-event.js';
import { tracepointId } from './tracefs.js';
import { checkProgramType, type ProgramLike } from './program.js';
import type { Link } from './link.js';

/** Options of {@link attachTracepoint}. */
export interface TracepointOptions extends PerfAttachOptions {}

/**
 * Attaches a tracepoint program to tracepoint `<group>/<name>` (as listed in tracefs
 * `events/`), e.g. `attachTracepoint('syscalls', 'sys_enter_openat', prog)`.
 *
 * Reads the event id from tracefs (mounting it at /sys/kernel/tracing when missing), opens the
 * event with perf_event_open (every process, CPU 0: the program runs on every CPU) and attaches
 * the program with a perf link (BPF_LINK_CREATE, BPF_PERF_EVENT; PERF_EVENT_IOC_SET_BPF before
 * Linux 5.15). Closing the link detaches the program.
 *
 * @throws {TypeError} for a bad name or a program that is not a tracepoint program.
 * @throws {AttachTargetNotFoundError} when the kernel has no such tracepoint.
 * @throws {MissingFeatureError} when tracefs is missing and cannot be mounted.
 * @throws {SyscallError} (PermissionError…) when perf_event_open or BPF_LINK_CREATE fail.
 */
export function attachTracepoint(group: string, name: string, prog: ProgramLike, opts: TracepointOptions = {}): Link {
  const label = `link tracepoint ${group}/${name}`;
  checkProgramType(prog, [ProgramType.TracePoint], label);
  const id = tracepointId(group, name);
  const perf = openPerfEvent({ type: PERF_TYPE_TRACEPOINT, config: BigInt(id), command: 'PERF_TYPE_TRACEPOINT' }, `${label}: perf_event_open`);
  return attachPerfEvent('tracepoint', prog, perf, label, opts);
}
