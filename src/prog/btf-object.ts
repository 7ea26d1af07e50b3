/**
 * BtfObject: BTF loaded into the kernel (BPF_BTF_LOAD), owning its fd.
 *
 * Programs refer to it for their func_info and line_info, and maps for the types of their keys
 * and values. The kernel keeps the BTF alive while a program or map uses it, so a loader may close
 * the BtfObject once everything that needs it is loaded.
 */
import { checkObjectId } from '../sys/object-kind.js';
import { Cmd } from '../sys/enums.gen.js';
import { BtfInfo, BtfLoadAttr, GetIdAttr } from '../sys/attrs.js';
import { bpf, objInfo } from '../sys/syscall.js';
import { Errno } from '../sys/errno.js';
import { Fd } from '../sys/fd.js';
import { BtfLoadError } from './verifier-error.js';
import { checkLogOptions, loadWithLog, type LogOptions } from './log-retry.js';

/** What the kernel reports about a loaded BTF object. */
export interface BtfObjectInfo {
  /** Kernel-wide BTF object id. */
  id: number;
  /** Size of the raw BTF in bytes. */
  size: number;
  /** The kernel's name for it (`vmlinux`, a module name, or '' for user BTF). */
  name: string;
  /** True for the kernel's own BTF (vmlinux or a module). */
  kernel: boolean;
}

/** Options of {@link BtfObject.load}. */
export interface BtfLoadOptions extends LogOptions {
  /** What the BTF belongs to, for error messages (default `object`). */
  name?: string;
}

/**
 * BTF loaded into the kernel; owns the fd. `close()` is idempotent, and `fd` throws
 * {@link ClosedError} afterwards.
 *
 * @example
 * using btf = BtfObject.load(spec.btfBytes!, { name: 'counter.bpf.o' });
 */
export class BtfObject implements Disposable {
  /** What the BTF belongs to (for messages). */
  readonly name: string;
  /** The BTF log when loaded with `logLevel` > 0, else empty. */
  readonly log: readonly string[];
  #fd: Fd;

  private constructor(fd: Fd, name: string, log: readonly string[]) {
    this.#fd = fd;
    this.name = name;
    this.log = log;
  }

  /**
   * Loads raw BTF bytes (a `.BTF` blob, as `marshalBtf` writes it) with BPF_BTF_LOAD.
   *
   * The first attempt runs without a log; a failure is retried with the kernel's BTF log, whose
   * buffer grows on ENOSPC.
   * @throws {BtfLoadError} naming the object, with the kernel's log line in the message.
   */
  static load(bytes: Uint8Array, opts: BtfLoadOptions = {}): BtfObject {
    const name = opts.name ?? 'object';
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new TypeError(`btf ${name}: load: bytes must be a non-empty Uint8Array`);
    checkLogOptions(opts, `btf ${name}: load`);
    const out = loadWithLog(
      Cmd.BPF_BTF_LOAD,
      (level, buf) => {
        const attr = BtfLoadAttr.encode({
          btf: bytes,
          btf_size: bytes.length,
          btf_log_buf: buf,
          btf_log_size: buf ? buf.length : 0,
          btf_log_level: level,
        });
        return { ...attr, trueSize: () => BtfLoadAttr.u32(attr.bytes, 'btf_log_true_size') };
      },
      opts,
    );
    if (!out.ok) throw new BtfLoadError(name, out.errno, out.log, out.truncated, { cause: out.cause });
    return new BtfObject(Fd.own(out.fd), name, out.log);
  }

  /**
   * Opens a BTF object by kernel-wide id (BPF_BTF_GET_FD_BY_ID), e.g. a program's or map's `btfId`.
   * @throws {KeyNotFoundError} when no BTF object has that id; {@link RangeError} for an id that is not an integer in [1, 2^32 - 1].
   */
  static fromId(id: number): BtfObject {
    checkObjectId('btf', id);
    const raw = bpf(Cmd.BPF_BTF_GET_FD_BY_ID, GetIdAttr.encode({ id }), `btf id ${id}: open`, (e) => (e === Errno.ENOENT ? 'no BTF object with this id' : undefined));
    return new BtfObject(Fd.own(raw), `id ${id}`, []);
  }

  /** The raw fd; throws {@link ClosedError} after close. */
  get fd(): number {
    return this.#fd.raw(`btf ${this.name}`);
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#fd.closed;
  }

  /** Reads the kernel's info about this BTF object (id, size, name). */
  info(): BtfObjectInfo {
    const nameBuf = new Uint8Array(64);
    const info = objInfo(this.fd, BtfInfo.encode({ name_len: nameBuf.length, name: nameBuf }), `btf ${this.name}`);
    const end = nameBuf.indexOf(0);
    return {
      id: BtfInfo.u32(info, 'id'),
      size: BtfInfo.u32(info, 'btf_size'),
      name: Buffer.from(nameBuf.subarray(0, end < 0 ? nameBuf.length : end)).toString('utf8'),
      kernel: BtfInfo.u32(info, 'kernel_btf') !== 0,
    };
  }

  /** Closes the fd; later calls do nothing. */
  close(): void {
    this.#fd.close();
  }

  /** Same as {@link BtfObject.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}
