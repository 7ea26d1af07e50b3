/**
 * Link: the common interface of every attachment, and FdLink, the base of those backed by a
 * kernel `bpf_link` fd.
 */
import { Cmd } from '../sys/enums.gen.js';
import { GetIdAttr } from '../sys/attrs.js';
import { bpf } from '../sys/syscall.js';
import { Errno } from '../sys/errno.js';
import { Fd } from '../sys/fd.js';
import { ClosedError, InvalidArgumentError, syscallError } from '../sys/errors.js';
import { openPinned, pinFd, unpinPath } from '../sys/pin.js';
import { checkObjectId } from '../sys/object-kind.js';
import { LinkDetach, LinkUpdate } from './attrs.js';
import { readLinkInfo, type LinkInfo } from './info.js';
import { LinkType, linkTypeName } from './link-type.js';
import { type ProgramLike } from './program.js';

/** What a link attaches to; the kind of the attach function that made it. */
export type LinkKind =
  | 'tracepoint'
  | 'raw_tracepoint'
  | 'tracing'
  | 'kprobe'
  | 'uprobe'
  | 'uprobe_multi'
  | 'usdt'
  | 'perf_event'
  | 'socket_filter'
  | 'xdp'
  | 'tcx'
  | 'cgroup'
  | 'iter'
  | 'netns'
  | 'struct_ops'
  | 'other';

/** Options of {@link Link.update}. */
export interface LinkUpdateOptions {
  /** Replace only if this program is the one attached (BPF_F_REPLACE with `old_prog_fd`). */
  replace?: ProgramLike;
}

/**
 * An attached program. Closing it (or leaving a `using` block) detaches the program, unless the
 * link is pinned: a pinned link stays attached until the pin is removed and every fd is closed.
 *
 * `close()` is idempotent; every other method throws {@link ClosedError} after it (except
 * `unpin`, which only removes the file).
 */
export interface Link extends Disposable {
  /** What this link attaches to. */
  readonly kind: LinkKind;
  /** Whether this is a kernel `bpf_link` with an fd (pin, update, info). Socket filters and perf events attached by ioctl are not. */
  readonly isBpfLink: boolean;
  /** The link fd; throws {@link ClosedError} after close, `NotSupportedError` when `isBpfLink` is false. */
  readonly fd: number;
  /** Whether close() was called. */
  readonly closed: boolean;
  /** The bpffs path this link was pinned at by {@link Link.pin} or opened from, if any. */
  readonly pinnedPath: string | undefined;
  /** Pins the link at a bpffs path (BPF_OBJ_PIN), mounting /sys/fs/bpf if needed; the attachment then outlives the process. */
  pin(path: string): void;
  /** Removes the pin file (the link stays attached while this object is open). */
  unpin(): void;
  /** The kernel's description of the link: id, type, program id and the kind-specific fields. */
  info(): LinkInfo;
  /** Replaces the attached program atomically (BPF_LINK_UPDATE); not every link type supports it. */
  update(program: ProgramLike, opts?: LinkUpdateOptions): void;
  /** Detaches the program now while keeping the fd (BPF_LINK_DETACH), e.g. to force-detach a pinned link. */
  detach(): void;
  /** Detaches (unless pinned) and releases every fd. Later calls do nothing. */
  close(): void;
}

/** Link kinds whose kernel link type has no update operation. */
const NOT_UPDATABLE = new Set<LinkKind>(['raw_tracepoint', 'tracepoint', 'kprobe', 'uprobe', 'uprobe_multi', 'perf_event', 'tracing']);

type LinkFactory = (fd: Fd, info: LinkInfo, label: string) => Link;
const factories = new Map<number, LinkFactory>();

/** Lets a link module build its own class for links of `type` opened by {@link Link.fromPinned} and {@link Link.fromId}. */
export function registerLinkFactory(type: number, f: LinkFactory): void {
  factories.set(type, f);
}

/** The kind of a link as the kernel describes it. */
export function kindOfInfo(info: LinkInfo): LinkKind {
  switch (info.type) {
    case LinkType.RawTracepoint:
      return 'raw_tracepoint';
    case LinkType.Tracing:
      return 'tracing';
    case LinkType.Cgroup:
      return 'cgroup';
    case LinkType.Iter:
      return 'iter';
    case LinkType.Netns:
      return 'netns';
    case LinkType.XDP:
      return 'xdp';
    case LinkType.TCX:
      return 'tcx';
    case LinkType.UprobeMulti:
      return 'uprobe_multi';
    case LinkType.StructOps:
      return 'struct_ops';
    case LinkType.PerfEvent: {
      const k = info.perfEvent?.kind;
      if (k === 'tracepoint') return 'tracepoint';
      if (k === 'kprobe' || k === 'kretprobe') return 'kprobe';
      if (k === 'uprobe' || k === 'uretprobe') return 'uprobe';
      return 'perf_event';
    }
    default:
      return 'other';
  }
}

function wrap(fd: Fd, label: string, pinnedPath?: string): Link {
  try {
    const info = readLinkInfo(fd.raw(label), label);
    const f = factories.get(info.type);
    const link = f ? f(fd, info, label) : new FdLink(kindOfInfo(info), fd, label);
    if (pinnedPath !== undefined && link instanceof FdLink) link.setPinnedPath(pinnedPath);
    return link;
  } catch (e) {
    fd.close();
    throw e;
  }
}

/** Functions that open existing links. */
export const Link = {
  /**
   * Opens a link pinned on bpffs (BPF_OBJ_GET). Closing the returned object does not detach a
   * link that is still pinned; `unpin()` then `close()` does.
   * @throws {KeyNotFoundError} when nothing is pinned there; {@link TypeError} when a map or program is pinned there (the message says which).
   */
  fromPinned(path: string): Link {
    const label = `link ${path}`;
    return wrap(Fd.own(openPinned(path, label, 'link')), label, path);
  },

  /**
   * Opens a link by kernel-wide id (BPF_LINK_GET_FD_BY_ID).
   * @throws {KeyNotFoundError} when no link has that id; {@link RangeError} for an id that is not an integer in [1, 2^32 - 1].
   */
  fromId(id: number): Link {
    checkObjectId('link', id);
    const label = `link id ${id}`;
    const raw = bpf(Cmd.BPF_LINK_GET_FD_BY_ID, GetIdAttr.encode({ id }), `${label}: open`, (e) => (e === Errno.ENOENT ? 'no link with this id' : undefined));
    return wrap(Fd.own(raw), label);
  },
};

/**
 * A link backed by a kernel `bpf_link` fd. Extra fds (the perf event of a tracepoint or probe)
 * are closed with it.
 */
export class FdLink implements Link {
  readonly kind: LinkKind;
  readonly isBpfLink = true;
  #fd: Fd;
  #extra: Fd[];
  #label: string;
  #pinned: string | undefined;

  /** Takes ownership of `fd` and `extra`. */
  constructor(kind: LinkKind, fd: Fd, label: string, extra: Fd[] = []) {
    this.kind = kind;
    this.#fd = fd;
    this.#extra = extra;
    this.#label = label;
  }

  /** The label that starts this link's error messages, e.g. `link tracepoint syscalls/sys_enter_getpid`. */
  get label(): string {
    return this.#label;
  }

  get fd(): number {
    return this.#fd.raw(this.#label);
  }

  get closed(): boolean {
    return this.#fd.closed;
  }

  get pinnedPath(): string | undefined {
    return this.#pinned;
  }

  /** @internal Records where the link is pinned (for links opened with fromPinned). */
  setPinnedPath(path: string): void {
    this.#pinned = path;
  }

  pin(path: string): void {
    pinFd(this.fd, path, this.#label);
    this.#pinned = path;
  }

  unpin(): void {
    if (this.#pinned !== undefined) unpinPath(this.#pinned, this.#label, true);
    this.#pinned = undefined;
  }

  info(): LinkInfo {
    return readLinkInfo(this.fd, this.#label);
  }

  update(program: ProgramLike, opts: LinkUpdateOptions = {}): void {
    const fd = this.fd;
    const attr = LinkUpdate.encode({
      link_fd: fd,
      new_prog_fd: program.fd,
      flags: opts.replace ? 1 << 2 : 0, // BPF_F_REPLACE
      old_prog_fd: opts.replace ? opts.replace.fd : 0,
    });
    try {
      bpf(Cmd.BPF_LINK_UPDATE, attr, `${this.#label}: update`, (e) =>
        e === Errno.EPERM && opts.replace ? 'the attached program is not the one given in `replace`' : e === Errno.EINVAL ? 'the new program does not fit this link (type or attach type)' : undefined,
      );
    } catch (e) {
      // The kernel answers EINVAL for link types without update support.
      if (e instanceof InvalidArgumentError && NOT_UPDATABLE.has(this.kind)) {
        throw syscallError('bpf', 'BPF_LINK_UPDATE', Errno.EOPNOTSUPP, `${this.#label}: update`, `${this.kind.replace(/_/g, ' ')} links cannot be updated: close and attach again`, e);
      }
      throw e;
    }
  }

  detach(): void {
    bpf(Cmd.BPF_LINK_DETACH, LinkDetach.encode({ link_fd: this.fd }), `${this.#label}: detach`);
  }

  close(): void {
    if (this.#fd.closed) return;
    let first: unknown;
    for (const f of [this.#fd, ...this.#extra]) {
      try {
        f.close();
      } catch (e) {
        first ??= e;
      }
    }
    if (first) throw first;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    return this.#label;
  }
}

/**
 * Base of attachments that are not kernel links (socket filters, perf events attached by ioctl):
 * no fd to pin, no kernel link info. `info()` reports what is known locally.
 */
export abstract class LocalAttachment implements Link {
  abstract readonly kind: LinkKind;
  readonly isBpfLink = false;
  #closed = false;
  readonly #label: string;
  readonly #programId: number;

  constructor(label: string, programId: number) {
    this.#label = label;
    this.#programId = programId;
  }

  /** The label that starts this attachment's error messages. */
  get label(): string {
    return this.#label;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get pinnedPath(): string | undefined {
    return undefined;
  }

  protected check(): void {
    if (this.#closed) throw new ClosedError(this.#label);
  }

  #unsupported(what: string, command: string): never {
    this.check();
    throw syscallError('bpf', command, Errno.EOPNOTSUPP, `${this.#label}: ${what}`, `a ${this.kind.replace(/_/g, ' ')} attachment is not a bpf link`);
  }

  get fd(): number {
    return this.#unsupported('fd', 'BPF_LINK_CREATE');
  }

  pin(_path: string): void {
    this.#unsupported('pin', 'BPF_OBJ_PIN');
  }

  unpin(): void {
    // Never pinned.
  }

  info(): LinkInfo {
    this.check();
    return { id: 0, type: LinkType.Unspec, typeName: linkTypeName(LinkType.Unspec), programId: this.#programId };
  }

  update(_program: ProgramLike): void {
    this.#unsupported('update', 'BPF_LINK_UPDATE');
  }

  detach(): void {
    this.close();
  }

  /** Undoes the attachment; called once by close(). */
  protected abstract release(): void;

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.release();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    return this.#label;
  }
}
