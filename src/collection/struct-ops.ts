/**
 * StructOps: a struct_ops map of a collection (a kernel struct of callbacks filled with the
 * collection's programs, such as a TCP congestion control), and the loader stage that creates it.
 */
import { BpfMap, MapFlags } from '../map/map.js';
import type { Program } from '../prog/program.js';
import { attachStructOps, StructOpsRegistration } from '../link/struct-ops.js';
import type { Link } from '../link/link.js';
import { SyscallError } from '../sys/errors.js';
import { bytes, u32 } from '../codec/codec.js';
import { MapType } from '../types.js';
import type { StructOpsPlan } from './struct-ops-plan.js';
import { StructOpsError } from './struct-ops-error.js';

const KEY0 = new Uint8Array(4);

/**
 * A struct_ops map of a collection: `SEC(".struct_ops")` or `SEC(".struct_ops.link")` variable
 * `name`, of kernel type `struct <typeName>`, with programs in its callback members.
 *
 * Loading creates the map; {@link attach} registers it with the kernel subsystem (a TCP
 * congestion control becomes selectable by name) and returns a {@link Link} whose `close()`
 * unregisters it. Closing the collection unregisters a map registered by update; a link keeps
 * its map registered until the link is closed.
 *
 * @example
 * using coll = loadCollection('tcpcc.bpf.o');
 * using link = coll.structOps.tsbpf_cc.attach(); // "tsbpf_cc" in tcp_available_congestion_control
 */
export class StructOps {
  /** The C variable's name, also the map's name. */
  readonly name: string;
  /** The kernel struct's name, e.g. `tcp_congestion_ops`. */
  readonly typeName: string;
  /** The struct_ops map (`BPF_MAP_TYPE_STRUCT_OPS`, one element, key 0). */
  readonly map: BpfMap<number, Buffer>;
  /** Registered through a link (`.struct_ops.link`, `BPF_F_LINK`), else by a map update. */
  readonly usesLink: boolean;
  /** The program in each callback member set, by member name. */
  readonly programs: Readonly<Record<string, Program>>;
  readonly #value: Uint8Array;
  #registration: StructOpsRegistration | undefined;
  #spent = false;

  /** Made by the collection loader ({@link createStructOps}). */
  constructor(parts: { name: string; typeName: string; map: BpfMap<number, Buffer>; usesLink: boolean; programs: Record<string, Program>; value: Uint8Array }) {
    this.name = parts.name;
    this.typeName = parts.typeName;
    this.map = parts.map;
    this.usesLink = parts.usesLink;
    this.programs = parts.programs;
    this.#value = parts.value;
  }

  /** The map's fd, so a StructOps can be given where a struct_ops map is wanted (`link.update(coll.structOps.other)`). */
  get fd(): number {
    return this.map.fd;
  }

  /**
   * Registers the struct with its kernel subsystem: a struct_ops link for `.struct_ops.link`
   * maps (which can be closed and attached again, and updated to another map), else a map
   * update of key 0, undone by closing the returned attachment (once only: the kernel does not
   * take such a map twice).
   *
   * @throws {StructOpsError} when a map registered by update is registered already, or was
   *   unregistered; {@link SyscallError} with the subsystem's refusal (EEXIST: the name is taken).
   */
  attach(): Link {
    if (this.usesLink) return attachStructOps(this.map);
    if (this.#registration && !this.#registration.closed) {
      throw new StructOpsError(this.name, this.typeName, undefined, 'registered already: close that attachment first');
    }
    if (this.#spent) {
      throw new StructOpsError(this.name, this.typeName, undefined, 'was registered by a map update and unregistered: the kernel does not take the same map twice (load again, or declare it in SEC(".struct_ops.link") to attach many times)');
    }
    const label = `link struct_ops ${this.name}`;
    try {
      this.map.updateRaw(KEY0, this.#value);
    } catch (e) {
      throw refused(this, 'register', e);
    }
    this.#spent = true;
    const reg = new StructOpsRegistration(label, () => {
      this.map.delete(0);
    });
    this.#registration = reg;
    return reg;
  }

  /** Unregisters a map registered by update that is still registered; the collection calls it before closing the map. */
  close(): void {
    const reg = this.#registration;
    this.#registration = undefined;
    if (reg && !reg.closed && !this.map.closed) reg.close();
  }

  /** `struct_ops <name> (struct <type>)`. */
  toString(): string {
    return `struct_ops ${this.name} (struct ${this.typeName})`;
  }
}

/** A StructOpsError for a kernel refusal, with a hint for the common errnos. */
function refused(so: { name: string; typeName: string }, what: string, e: unknown): unknown {
  if (!(e instanceof SyscallError)) return e;
  const hint =
    e.code === 'EEXIST'
      ? 'the subsystem has one of that name registered already'
      : e.code === 'EINVAL'
        ? "the kernel refused the value: a required callback is missing, a member's value is not accepted, or a program does not fit its member (dmesg may say which)"
        : e.code === 'EBUSY'
          ? 'the map was registered before'
          : e.code;
  return new StructOpsError(so.name, so.typeName, undefined, `${what}: ${hint} (${e.message})`, { cause: e });
}

/**
 * Loader stage: creates the struct_ops map of `plan` with its value: the data members the plan
 * copied and, in each callback slot, the fd of its program. A `.struct_ops.link` map's value is
 * written now (the kernel checks it, registers nothing, and the map is then ready for links).
 *
 * @param btfFd the object's BTF (the kernel wants one with a struct_ops map)
 * @param add records what is opened, to close on a later failure
 * @throws {StructOpsError} for a callback whose program is not among `programs`, or a value the kernel refuses.
 */
export function createStructOps(plan: StructOpsPlan, programs: Readonly<Record<string, Program>>, btfFd: number | undefined, add: <T extends { close(): void }>(c: T) => T): StructOps {
  const { spec } = plan;
  const value = plan.value.slice();
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const byMember: Record<string, Program> = {};
  for (const s of plan.slots) {
    const p = Object.hasOwn(programs, s.program) ? programs[s.program] : undefined;
    if (!p) throw new StructOpsError(spec.name, spec.typeName, s.member, `program ${s.program} was not loaded`);
    if (s.valueOffset < 0 || s.valueOffset + 8 > value.length) throw new StructOpsError(spec.name, spec.typeName, s.member, `slot at ${s.valueOffset} outside the ${value.length}-byte value`);
    view.setBigUint64(s.valueOffset, BigInt(p.fd), true);
    byMember[s.member] = p;
  }
  if (btfFd === undefined) throw new StructOpsError(spec.name, spec.typeName, undefined, 'the object has no BTF (compile with -g)');
  let map: BpfMap<number, Buffer>;
  try {
    map = add(
      BpfMap.create(
        {
          name: spec.name,
          type: MapType.StructOps,
          keySize: 4,
          valueSize: value.length,
          maxEntries: 1,
          flags: spec.link ? MapFlags.Link : 0,
          btfFd,
          btfVmlinuxValueTypeId: plan.valueTypeId,
        },
        { key: u32, value: bytes(value.length) },
      ),
    );
  } catch (e) {
    throw refused(spec, 'create map', e);
  }
  if (spec.link) {
    try {
      map.updateRaw(KEY0, value);
    } catch (e) {
      throw refused(spec, 'set value', e);
    }
  }
  return add(new StructOps({ name: spec.name, typeName: spec.typeName, map, usesLink: spec.link, programs: byMember, value }));
}
