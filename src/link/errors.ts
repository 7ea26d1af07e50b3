/**
 * Errors of the link module, beyond the syscall errors of src/errors.ts.
 */
import { NotSupportedError } from '../sys/errors.js';
import { Errno } from '../sys/errno.js';

/**
 * The running kernel lacks what an attach needs (built without kprobes, no uprobe PMU, no
 * tracefs): a {@link NotSupportedError} whose message says what is missing, with the feature named.
 *
 * @example
 * try { attachKprobe('do_unlinkat', prog); } catch (e) { if (e instanceof NotSupportedError) skip(e.message); }
 */
export class MissingFeatureError extends NotSupportedError {
  constructor(
    /** The missing feature, e.g. `kprobe`. */
    readonly feature: string,
    /** The whole message, e.g. `kprobe: this kernel was built without kprobes (no /sys/bus/event_source/devices/kprobe)`. */
    message: string,
    options?: ErrorOptions,
  ) {
    super('perf_event_open', feature, Errno.EOPNOTSUPP, feature, undefined, options);
    this.message = message;
  }
}
MissingFeatureError.prototype.name = 'MissingFeatureError';

/** The attach target does not exist: no such tracepoint, symbol, network interface or cgroup. */
export class AttachTargetNotFoundError extends Error {
  constructor(
    /** What was looked up, e.g. `tracepoint syscalls/sys_enter_nope`, `symbol main in /bin/true`. */
    readonly target: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
AttachTargetNotFoundError.prototype.name = 'AttachTargetNotFoundError';

/** A binary given to a uprobe is not an ELF file this module can read (bad magic, truncated, 32-bit). */
export class ElfSymbolError extends Error {
  constructor(
    /** The file. */
    readonly path: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
ElfSymbolError.prototype.name = 'ElfSymbolError';
