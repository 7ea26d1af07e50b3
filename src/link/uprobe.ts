/**
 * Uprobes: a kprobe-type program on a user-space function, through the `uprobe` PMU
 * (perf_event_open with the binary path and the function's file offset).
 */
import { existsSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { ProgramType } from '../types.js';
import { Errno } from '../sys/errno.js';
import { attachPerfEvent, openPerfEvent, pmuFormatBit, pmuType, type PerfAttachOptions } from './perf-event.js';
import { symbolFileOffset } from './elf-symbols.js';
import { AttachTargetNotFoundError } from './errors.js';
import { checkProgramType, type ProgramLike } from './program.js';
import type { Link } from './link.js';

/** Options of {@link attachUprobe}. */
export interface UprobeOptions extends PerfAttachOptions {
  /** Only this process (default: every process that runs the binary). */
  pid?: number;
  /** Fire on return (a uretprobe) instead of on entry. */
  retprobe?: boolean;
  /** Bytes added to the symbol's offset (default 0). */
  offset?: number | bigint;
  /** File offset of a USDT semaphore the kernel increments while attached (`ref_ctr_offset`). */
  refCtrOffset?: number | bigint;
}

/**
 * Resolves a binary name as the kernel must see it: an absolute path; a bare name is looked up
 * on $PATH.
 * @throws {AttachTargetNotFoundError} when there is no such file.
 */
export function resolveBinaryPath(binary: string, context: string): string {
  if (typeof binary !== 'string' || binary === '' || binary.includes('\0')) throw new TypeError(`${context}: binary path must be a non-empty string`);
  let path: string | undefined;
  if (binary.includes('/')) {
    path = isAbsolute(binary) ? binary : resolve(binary);
  } else {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (dir && existsSync(join(dir, binary))) {
        path = join(dir, binary);
        break;
      }
    }
  }
  let ok = false;
  try {
    ok = path !== undefined && statSync(path).isFile();
  } catch {
    ok = false;
  }
  if (!ok || path === undefined) throw new AttachTargetNotFoundError(`binary ${binary}`, `${context}: ${binary}: no such file${binary.includes('/') ? '' : ' on $PATH'}`);
  return path;
}

function toOffset(v: number | bigint, what: string, context: string): bigint {
  if (typeof v === 'number' && (!Number.isSafeInteger(v) || v < 0)) throw new RangeError(`${context}: ${what} must be a non-negative integer, got ${v}`);
  const b = BigInt(v);
  if (b < 0n || b >= 1n << 64n) throw new RangeError(`${context}: ${what} out of range`);
  return b;
}

let uprobeRetBit: number | undefined;

/**
 * Attaches a uprobe (or, with `retprobe`, a uretprobe) program to function `symbol` of the
 * executable or shared library `binaryPath`, or to a file offset given as a number.
 *
 * The symbol is looked up in the ELF symbol table (.symtab, else .dynsym) and its address
 * mapped to a file offset through the PT_LOAD segment that holds it. Without `pid` the probe
 * fires in every process that maps the file.
 *
 * @example
 * using link = attachUprobe('/usr/bin/bash', 'readline', prog, { retprobe: true });
 * @throws {TypeError} for a program that is not a kprobe-type program.
 * @throws {AttachTargetNotFoundError} when the binary does not exist.
 * @throws {ElfSymbolError} when the binary is not ELF or lacks the symbol.
 * @throws {MissingFeatureError} when the kernel has no uprobe PMU (CONFIG_UPROBE_EVENTS off).
 */
export function attachUprobe(binaryPath: string, symbolOrOffset: string | number | bigint, prog: ProgramLike, opts: UprobeOptions = {}): Link {
  const kind = opts.retprobe ? 'uretprobe' : 'uprobe';
  const label = `link ${kind} ${binaryPath}:${typeof symbolOrOffset === 'string' ? symbolOrOffset : `0x${symbolOrOffset.toString(16)}`}`;
  checkProgramType(prog, [ProgramType.Kprobe], label);
  if (opts.pid !== undefined && (!Number.isInteger(opts.pid) || opts.pid < -1)) throw new RangeError(`${label}: pid must be a process id, got ${opts.pid}`);
  const path = resolveBinaryPath(binaryPath, label);
  let offset =
    typeof symbolOrOffset === 'string'
      ? symbolFileOffset(path, symbolOrOffset)
      : toOffset(symbolOrOffset, 'offset', label);
  if (opts.offset !== undefined) offset += toOffset(opts.offset, 'opts.offset', label);
  const type = pmuType('uprobe', 'uprobe: this kernel was built without uprobes (no /sys/bus/event_source/devices/uprobe)');
  let config = 0n;
  if (opts.retprobe) config |= 1n << BigInt((uprobeRetBit ??= pmuFormatBit('uprobe', 'retprobe')));
  if (opts.refCtrOffset !== undefined) {
    const ref = toOffset(opts.refCtrOffset, 'refCtrOffset', label);
    if (ref >= 1n << 32n) throw new RangeError(`${label}: refCtrOffset must fit in 32 bits`);
    config |= ref << 32n; // format/ref_ctr_offset: config:32-63
  }
  const perf = openPerfEvent(
    { type, config, config1Str: path, config2: offset, pid: opts.pid, command: 'uprobe' },
    `${label}: perf_event_open`,
    (e) => (e === Errno.ESRCH ? `no process ${opts.pid}` : e === Errno.EINVAL ? 'the kernel refused the probe (offset not at an instruction, or a bad pid?)' : undefined),
  );
  return attachPerfEvent('uprobe', prog, perf, label, opts);
}

/** Same as {@link attachUprobe} with `retprobe: true`: fires when the function returns. */
export function attachUretprobe(binaryPath: string, symbolOrOffset: string | number | bigint, prog: ProgramLike, opts: Omit<UprobeOptions, 'retprobe'> = {}): Link {
  return attachUprobe(binaryPath, symbolOrOffset, prog, { ...opts, retprobe: true });
}
