/**
 * Run statistics of BPF programs: while statistics are on, the kernel counts each program's
 * runs and the time they took (`run_cnt` and `run_time_ns` of `bpf_prog_info`, read by
 * {@link Program.info} or a host program scan). They cost a few ns per run, so the kernel keeps
 * them off unless asked.
 *
 * {@link enableRunStats} asks through BPF_ENABLE_STATS (Linux 5.8+, CAP_SYS_ADMIN): the kernel
 * counts while the returned handle's fd is open. Closing it (or the process ending, however it
 * ends) withdraws the request. The kernel counts while any such fd is open in any process or
 * the sysctl `kernel.bpf_stats_enabled` is 1; the sysctl shows only its own setting, never the
 * fds, so {@link runStatsActive} asks the kernel by running a program instead.
 */
import { readFileSync } from 'node:fs';
import { Cmd } from '../sys/enums.gen.js';
import { BPF_STATS_RUN_TIME, EnableStatsAttr } from '../sys/attrs.js';
import { bpfFd } from '../sys/syscall.js';
import { Errno } from '../sys/errno.js';
import type { Fd } from '../sys/fd.js';
import { Assembler, R0 } from '../asm/index.js';
import { ProgramType } from '../types.js';
import { Program } from './program.js';

let probeInsns: ReturnType<Assembler['build']> | undefined;

/**
 * Whether the kernel counts program runs right now, whoever asked (a BPF_ENABLE_STATS fd in any
 * process, or the sysctl): loads a two-instruction socket filter, test-runs it once and reads its
 * run count, then unloads it.
 * @throws {SyscallError} when the probe cannot be loaded or run (no CAP_BPF, ...).
 */
export function runStatsActive(): boolean {
  probeInsns ??= new Assembler().mov64(R0, 0).exit().build();
  using prog = Program.load({ name: 'tsbpf_stats_probe', type: ProgramType.SocketFilter, license: 'GPL', instructions: probeInsns });
  prog.test();
  return prog.info().runCount > 0n;
}

/** Where the kernel shows whether run statistics are on (`kernel.bpf_stats_enabled`). */
export const RUN_STATS_SYSCTL = '/proc/sys/kernel/bpf_stats_enabled';

/**
 * The sysctl `kernel.bpf_stats_enabled` (1: an administrator turned run statistics on for
 * everyone), or undefined when it cannot be read (no /proc, a kernel before 5.1). It does not
 * show BPF_ENABLE_STATS requests: see {@link runStatsActive} for whether the kernel counts.
 */
export function runStatsSysctl(): boolean | undefined {
  try {
    return readFileSync(RUN_STATS_SYSCTL, 'utf8').trim() !== '0';
  } catch {
    return undefined;
  }
}

/** A request that the kernel count program runs; close it to withdraw the request. */
export class RunStats implements Disposable {
  #fd: Fd;

  private constructor(fd: Fd) {
    this.#fd = fd;
  }

  /**
   * Turns run statistics on (BPF_ENABLE_STATS with BPF_STATS_RUN_TIME) until {@link RunStats.close}.
   * @throws {PermissionError} without CAP_SYS_ADMIN.
   * @throws {InvalidArgumentError} on kernels before 5.8, which do not know the command.
   */
  static enable(): RunStats {
    const fd = bpfFd(Cmd.BPF_ENABLE_STATS, EnableStatsAttr.encode({ type: BPF_STATS_RUN_TIME }), 'program stats: enable', (errno) =>
      errno === Errno.EPERM ? 'BPF_ENABLE_STATS needs CAP_SYS_ADMIN' : errno === Errno.EINVAL ? 'BPF_ENABLE_STATS needs Linux 5.8 or later' : undefined,
    );
    return new RunStats(fd);
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#fd.closed;
  }

  /** Withdraws the request (closes the stats fd). Later calls do nothing. */
  close(): void {
    this.#fd.close();
  }

  /** Same as {@link RunStats.close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** Same as {@link RunStats.enable}: run statistics on until the handle is closed. */
export function enableRunStats(): RunStats {
  return RunStats.enable();
}
