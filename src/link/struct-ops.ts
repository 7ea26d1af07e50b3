/**
 * struct_ops: registering a struct_ops map (a kernel struct of callbacks filled with BPF
 * programs, such as a TCP congestion control) with its subsystem.
 *
 * - A map created with `BPF_F_LINK` (`SEC(".struct_ops.link")`) whose value is set is registered
 *   by a struct_ops link ({@link attachStructOps}, BPF_LINK_CREATE with attach type
 *   BPF_STRUCT_OPS); closing the link unregisters it, and {@link StructOpsLink.update} swaps in
 *   another map of the same struct type atomically.
 * - A map without the flag (`SEC(".struct_ops")`) is registered by writing its value (key 0) and
 *   unregistered by deleting it; {@link StructOpsRegistration} is that attachment.
 *
 * Collections do both through `collection.structOps.<name>.attach()`.
 */
import { Cmd, AttachTypeId } from '../sys/enums.gen.js';
import { bpf, bpfFd } from '../sys/syscall.js';
import { Errno } from '../sys/errno.js';
import { LinkCreate, LinkUpdate } from './attrs.js';
import { FdLink, LocalAttachment, registerLinkFactory, type LinkKind } from './link.js';
import { LinkType } from './link-type.js';

/** A struct_ops map as these functions see it: tsbpf's `BpfMap` and `StructOps` satisfy it. */
export interface StructOpsMapLike {
  /** The map fd (a getter that throws `ClosedError` after close is fine). */
  readonly fd: number;
  /** The map's name, for error messages. */
  readonly name?: string;
}

/** BPF_F_REPLACE: update only if the current map is the one given. */
const BPF_F_REPLACE = 1 << 2;

function mapLabel(map: StructOpsMapLike): string {
  if (map.name) return `struct_ops ${map.name}`;
  try {
    return `struct_ops map fd ${map.fd}`;
  } catch {
    return 'struct_ops map';
  }
}

function checkMap(map: StructOpsMapLike, context: string): void {
  if (!map || typeof map !== 'object' || !('fd' in map)) throw new TypeError(`${context}: want a struct_ops map (a BpfMap or collection.structOps.<name>), got ${String(map)}`);
}

/** A struct_ops link: closing it unregisters the map; {@link update} swaps in another one. */
export class StructOpsLink extends FdLink {
  /**
   * Registers `map` in place of the current one, atomically (BPF_LINK_UPDATE with the new map):
   * the subsystem never lacks the struct meanwhile. `map` must be of the same struct type and
   * made for links (`.struct_ops.link`).
   *
   * @param opts.replace swap only if this map is the one registered now (BPF_F_REPLACE)
   * @throws {InvalidArgumentError} when the map does not fit (another struct type, no
   *   `BPF_F_LINK`, value not set) or the subsystem refuses it.
   */
  override update(map: StructOpsMapLike, opts: { replace?: StructOpsMapLike } = {}): void {
    checkMap(map, `${this.label}: update`);
    const fd = this.fd;
    const attr = LinkUpdate.encode({
      link_fd: fd,
      new_map_fd: map.fd,
      flags: opts.replace ? BPF_F_REPLACE : 0,
      old_map_fd: opts.replace ? opts.replace.fd : 0,
    });
    bpf(Cmd.BPF_LINK_UPDATE, attr, `${this.label}: update to ${mapLabel(map)}`, (e) =>
      e === Errno.EPERM && opts.replace
        ? `the registered map is not ${mapLabel(opts.replace)}`
        : e === Errno.EINVAL
          ? 'the new map is not a struct_ops map of the same struct type made for links (.struct_ops.link) with its value set, or the subsystem refused it (dmesg may say why)'
          : undefined,
    );
  }
}

/**
 * Registers a struct_ops map made for links (`BPF_F_LINK`, from `SEC(".struct_ops.link")`) whose
 * value is set, with a struct_ops link (BPF_LINK_CREATE, attach type BPF_STRUCT_OPS). Closing the
 * link unregisters it. Collections call this from `collection.structOps.<name>.attach()`.
 *
 * @throws {InvalidArgumentError} when the map is not a struct_ops map with `BPF_F_LINK` and its
 *   value set; {@link SyscallError} with the subsystem's refusal (EEXIST: a congestion control of
 *   that name is registered already).
 */
export function attachStructOps(map: StructOpsMapLike): StructOpsLink {
  checkMap(map, 'link struct_ops');
  const label = `link ${mapLabel(map)}`;
  const fd = bpfFd(
    Cmd.BPF_LINK_CREATE,
    LinkCreate.encode({ prog_fd: map.fd, attach_type: AttachTypeId.BPF_STRUCT_OPS }),
    `${label}: create link`,
    (e) =>
      e === Errno.EINVAL
        ? 'not a struct_ops map made for links (BPF_F_LINK, SEC(".struct_ops.link")) with its value set, or the subsystem refused it'
        : e === Errno.EEXIST
          ? 'the subsystem has one of that name registered already'
          : undefined,
  );
  return new StructOpsLink('struct_ops', fd, label);
}

/**
 * A struct_ops map registered by a map update (`SEC(".struct_ops")`, no `BPF_F_LINK`): not a
 * kernel link, so it cannot be pinned or updated. Closing it unregisters the map (the deletion is
 * done by `unregister`, given by whoever registered it).
 */
export class StructOpsRegistration extends LocalAttachment {
  readonly kind: LinkKind = 'struct_ops';
  readonly #unregister: () => void;

  /** @param unregister deletes the map's value (key 0), which unregisters it */
  constructor(label: string, unregister: () => void) {
    super(label, 0);
    this.#unregister = unregister;
  }

  protected release(): void {
    this.#unregister();
  }
}

registerLinkFactory(LinkType.StructOps, (fd, _info, label) => new StructOpsLink('struct_ops', fd, label));
