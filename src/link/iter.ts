/**
 * BPF iterators: an `iter/<target>` program (bpf_map, bpf_map_elem, task, task_file, tcp…)
 * becomes an iterator link (BPF_LINK_CREATE with BPF_TRACE_ITER); each {@link IterLink.open}
 * (BPF_ITER_CREATE) makes a new file whose read() runs the program over every object and
 * returns what it printed with bpf_seq_printf/bpf_seq_write.
 */
import { read as fsRead, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Cmd, AttachTypeId } from '../sys/enums.gen.js';
import { IterCreateAttr } from '../sys/attrs.js';
import { bpfFd } from '../sys/syscall.js';
import { Errno } from '../sys/errno.js';
import { Fd } from '../sys/fd.js';
import { ClosedError } from '../sys/errors.js';
import { ProgramType } from '../types.js';
import { IterLinkInfo, LinkCreate } from './attrs.js';
import { FdLink, registerLinkFactory } from './link.js';
import { LinkType } from './link-type.js';
import { checkProgramType, programLabel, type ProgramLike } from './program.js';

/** The order of a cgroup iterator's walk. */
export type CgroupIterOrder = 'self' | 'descendants_pre' | 'descendants_post' | 'ancestors_up';

const CGROUP_ORDER: Record<CgroupIterOrder, number> = { self: 1, descendants_pre: 2, descendants_post: 3, ancestors_up: 4 };

/** Options of {@link attachIter}: the iterator's parameters (`union bpf_iter_link_info`), at most one. */
export interface IterOptions {
  /** The map to walk, for `iter/bpf_map_elem`, `iter/sockmap`, `iter/bpf_sk_storage_map`. */
  map?: { readonly fd: number } | number;
  /** The cgroup to start from, for `iter/cgroup`: an fd of its directory or its id. */
  cgroup?: { fd?: number; id?: bigint | number; order?: CgroupIterOrder };
  /** Restrict `iter/task*` to one thread (`tid`), one process (`pid`) or a pidfd's process. */
  task?: { tid?: number; pid?: number; pidFd?: number };
}

/**
 * One pass of an iterator: a readable file. Each read runs the program over more objects. Owns
 * its fd; close it (or read it to the end with {@link BpfIter.readAll}, which closes it).
 */
export class BpfIter implements Disposable {
  #fd: Fd;
  #label: string;
  #pending = 0;
  #closeWhenIdle = false;

  /** @internal */
  constructor(fd: Fd, label: string) {
    this.#fd = fd;
    this.#label = label;
  }

  /** The iterator's fd; throws {@link ClosedError} after close. */
  get fd(): number {
    if (this.#closeWhenIdle) throw new ClosedError(this.#label);
    return this.#fd.raw(this.#label);
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#closeWhenIdle;
  }

  /** Reads up to `buf.length` bytes; 0 at the end. */
  read(buf: Uint8Array): number {
    try {
      return readSync(this.fd, buf, 0, buf.length, null);
    } catch (e) {
      if (e instanceof ClosedError) throw e;
      throw new Error(`${this.#label}: read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
    }
  }

  /** Reads to the end and closes: the whole output as bytes. */
  readAllBytes(): Buffer {
    try {
      const chunks: Buffer[] = [];
      const buf = Buffer.allocUnsafe(64 * 1024);
      for (;;) {
        const n = this.read(buf);
        if (n === 0) break;
        chunks.push(Buffer.from(buf.subarray(0, n)));
      }
      return Buffer.concat(chunks);
    } finally {
      this.close();
    }
  }

  /** Reads to the end and closes: the whole output as UTF-8 text. */
  readAll(): string {
    return this.readAllBytes().toString('utf8');
  }

  /**
   * A Node Readable over the output, read on the libuv thread pool; the iterator is closed when
   * the stream ends or is destroyed.
   */
  stream(opts: { highWaterMark?: number } = {}): Readable {
    const fd = this.fd;
    const r = new Readable({
      highWaterMark: opts.highWaterMark ?? 64 * 1024,
      read: (size) => {
        this.#pending++;
        const buf = Buffer.allocUnsafe(Math.max(size, 4096));
        fsRead(fd, buf, 0, buf.length, null, (err, n) => {
          this.#pending--;
          if (this.#closeWhenIdle) {
            this.#finishClose();
            return;
          }
          if (err) r.destroy(new Error(`${this.#label}: read: ${err.code ?? err.message}`, { cause: err }));
          else r.push(n > 0 ? buf.subarray(0, n) : null);
        });
      },
      destroy: (err, cb) => {
        this.close();
        cb(err);
      },
    });
    r.once('end', () => this.close());
    return r;
  }

  #finishClose(): void {
    if (this.#pending === 0) this.#fd.close();
  }

  /** Closes the iterator's fd (after an in-flight stream read completes). Later calls do nothing. */
  close(): void {
    if (this.#closeWhenIdle) return;
    this.#closeWhenIdle = true;
    this.#finishClose();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** An iterator link: a program bound to an iterator target, ready to be {@link IterLink.open | opened} any number of times. */
export class IterLink extends FdLink {
  /** Starts one pass of the iterator (BPF_ITER_CREATE): a new file to read. */
  open(): BpfIter {
    const fd = bpfFd(Cmd.BPF_ITER_CREATE, IterCreateAttr.encode({ link_fd: this.fd }), `${this.label}: open iterator`);
    return new BpfIter(fd, `${this.label}: iterator`);
  }

  /** Runs one pass and returns its whole output as text. */
  readAll(): string {
    return this.open().readAll();
  }
}

function iterInfo(opts: IterOptions, label: string): Uint8Array | undefined {
  const given = [opts.map, opts.cgroup, opts.task].filter((x) => x !== undefined).length;
  if (given > 1) throw new TypeError(`${label}: give at most one of map, cgroup, task`);
  if (opts.map !== undefined) return IterLinkInfo.encode({ map_fd: typeof opts.map === 'number' ? opts.map : opts.map.fd }).bytes;
  if (opts.cgroup) {
    const c = opts.cgroup;
    if (c.order !== undefined && !(c.order in CGROUP_ORDER)) throw new TypeError(`${label}: cgroup.order must be one of ${Object.keys(CGROUP_ORDER).join(', ')}`);
    return IterLinkInfo.encode({ cgroup_order: c.order ? CGROUP_ORDER[c.order] : 0, cgroup_fd: c.fd ?? 0, cgroup_id: BigInt(c.id ?? 0) }).bytes;
  }
  if (opts.task) return IterLinkInfo.encode({ task_tid: opts.task.tid ?? 0, task_pid: opts.task.pid ?? 0, task_pid_fd: opts.task.pidFd ?? 0 }).bytes;
  return undefined;
}

/**
 * Makes an iterator link from an `iter/<target>` program (type tracing, attach type
 * BPF_TRACE_ITER, loaded with the BTF id of `bpf_iter_<target>`).
 *
 * @example
 * using link = attachIter(prog);            // SEC("iter/bpf_map")
 * console.log(link.readAll());              // one line per map, as the program printed it
 * using elems = attachIter(prog2, { map: counts }); // SEC("iter/bpf_map_elem")
 * @throws {TypeError} for a program that is not an iterator program.
 */
export function attachIter(prog: ProgramLike, opts: IterOptions = {}): IterLink {
  const label = `link iter ${prog?.name ?? ''}`.trimEnd();
  checkProgramType(prog, [ProgramType.Tracing], label);
  if (prog.expectedAttachType !== undefined && prog.expectedAttachType !== 0 && prog.expectedAttachType !== AttachTypeId.BPF_TRACE_ITER) {
    throw new TypeError(`${label}: ${programLabel(prog)} was not loaded as an iterator (expected attach type trace_iter)`);
  }
  const info = iterInfo(opts, label);
  const fd = bpfFd(
    Cmd.BPF_LINK_CREATE,
    LinkCreate.encode({ prog_fd: prog.fd, attach_type: AttachTypeId.BPF_TRACE_ITER, iter_info: info, iter_info_len: info ? info.length : 0 }),
    `${label}: create link`,
    (e) => (e === Errno.EINVAL ? `the kernel refused ${programLabel(prog)} (a map iterator needs opts.map; loaded with the BTF id of bpf_iter_<target>?)` : undefined),
  );
  return new IterLink('iter', fd, label);
}

registerLinkFactory(LinkType.Iter, (fd, _info, label) => new IterLink('iter', fd, label));
