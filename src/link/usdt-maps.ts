/**
 * The two maps `<bpf/usdt.bpf.h>` declares in every object that uses it: `__bpf_usdt_specs`
 * (array, spec id → `struct __bpf_usdt_spec`) and `__bpf_usdt_ip_to_spec_id` (hash, probe
 * address → spec id, read only on kernels without BPF cookies). An attach finds them among the
 * maps its program uses (the kernel keeps the first 15 characters of their names), opens its own
 * fds of them, takes free spec ids and writes the entries; {@link UsdtMaps.close} removes them.
 *
 * Spec ids are handed out per spec map (by kernel map id) within this process; two processes
 * attaching through one shared (pinned) spec map would clash, as with libbpf.
 */
import { Cmd } from '../sys/enums.gen.js';
import { GetIdAttr, MapElemAttr, MapInfo, ProgInfo } from '../sys/attrs.js';
import { bpf, bpfFd, objInfo } from '../sys/syscall.js';
import { Errno } from '../sys/errno.js';
import { Fd } from '../sys/fd.js';
import { KeyNotFoundError } from '../sys/errors.js';
import { sanitizeName } from '../sys/object-name.js';
import { MapType } from '../types.js';
import { programLabel, type ProgramLike } from './program.js';
import { USDT_SPEC_SIZE } from './usdt-spec.js';

/** The spec map's name in usdt.bpf.h. */
export const USDT_SPECS_MAP = '__bpf_usdt_specs';
/** The IP-to-spec-id map's name in usdt.bpf.h. */
export const USDT_IP_MAP = '__bpf_usdt_ip_to_spec_id';

/** A map given by fd, or any object with a map fd (a `BpfMap`). */
export type UsdtMapSource = number | { readonly fd: number };

/** Which maps to write; by default the ones named as in usdt.bpf.h among the program's maps. */
export interface UsdtMapOptions {
  /** The `__bpf_usdt_specs` map (default: found among the program's maps). */
  specsMap?: UsdtMapSource;
  /** The `__bpf_usdt_ip_to_spec_id` map (default: found among the program's maps, if it uses one). */
  ipToSpecIdMap?: UsdtMapSource;
}

interface OpenedMap {
  fd: Fd;
  id: number;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  name: string;
}

/** Spec ids in use, by spec map id. */
const usedIds = new Map<number, Set<number>>();

function mapInfo(fd: number, context: string): Omit<OpenedMap, 'fd'> {
  const info = objInfo(fd, MapInfo.encode({}), `${context}: map`);
  return {
    id: MapInfo.u32(info, 'id'),
    type: MapInfo.u32(info, 'type'),
    keySize: MapInfo.u32(info, 'key_size'),
    valueSize: MapInfo.u32(info, 'value_size'),
    maxEntries: MapInfo.u32(info, 'max_entries'),
    name: MapInfo.string(info, 'name'),
  };
}

function openById(id: number, context: string): Fd {
  return bpfFd(Cmd.BPF_MAP_GET_FD_BY_ID, GetIdAttr.encode({ id }), `${context}: open map id ${id}`);
}

/** The ids of the maps a loaded program uses (bpf_prog_info.map_ids). */
function programMapIds(prog: ProgramLike, context: string): number[] {
  const read = (ids: Uint32Array | null): Uint8Array =>
    // The encoder checks map_ids against nr_map_ids: the kernel writes at most that many u32s.
    objInfo(prog.fd, ProgInfo.encode(ids ? { nr_map_ids: ids.length, map_ids: new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength) } : {}), `${context}: program`);
  const n = ProgInfo.u32(read(null), 'nr_map_ids');
  if (n === 0) return [];
  const ids = new Uint32Array(n);
  const got = ProgInfo.u32(read(ids), 'nr_map_ids');
  return [...ids.subarray(0, Math.min(n, got))];
}

/** Opens our own fd of a map given by the caller (by its id, so the caller may close theirs). */
function openGiven(src: UsdtMapSource, what: string, context: string): OpenedMap {
  const raw = typeof src === 'number' ? src : src?.fd;
  if (!Number.isInteger(raw) || (raw as number) < 0) throw new TypeError(`${context}: ${what} must be a map fd or an object with one, got ${String(src)}`);
  const info = mapInfo(raw as number, `${context}: ${what}`);
  return { fd: openById(info.id, `${context}: ${what}`), ...info };
}

function check(m: OpenedMap, what: string, type: number, keySize: number, valueSize: number, context: string): void {
  if (m.type !== type || m.keySize !== keySize || m.valueSize !== valueSize) {
    throw new TypeError(
      `${context}: ${what} (map ${m.name || m.id}) has type ${m.type}, key ${m.keySize} and value ${m.valueSize} bytes; usdt.bpf.h's has type ${type}, key ${keySize} and value ${valueSize} bytes`,
    );
  }
}

/** The USDT maps of one attach, with the spec ids and addresses it wrote; closing undoes it. */
export class UsdtMaps {
  readonly #specs: OpenedMap;
  readonly #ips: OpenedMap | undefined;
  readonly #context: string;
  readonly #ids: number[] = [];
  readonly #ipKeys: bigint[] = [];
  #closed = false;

  private constructor(specs: OpenedMap, ips: OpenedMap | undefined, context: string) {
    this.#specs = specs;
    this.#ips = ips;
    this.#context = context;
  }

  /**
   * Opens the spec map (and the IP map, when the program uses one) of `prog`, or the ones in `opts`.
   * @throws {TypeError} when the program uses no spec map (not built with usdt.bpf.h) or a map has the wrong shape.
   */
  static open(prog: ProgramLike, opts: UsdtMapOptions, context: string): UsdtMaps {
    const opened: OpenedMap[] = [];
    try {
      let specs = opts.specsMap !== undefined ? openGiven(opts.specsMap, 'specsMap', context) : undefined;
      if (specs) opened.push(specs);
      let ips = opts.ipToSpecIdMap !== undefined ? openGiven(opts.ipToSpecIdMap, 'ipToSpecIdMap', context) : undefined;
      if (ips) opened.push(ips);
      if (!specs || !ips) {
        const specsName = sanitizeName(USDT_SPECS_MAP);
        const ipName = sanitizeName(USDT_IP_MAP);
        for (const id of programMapIds(prog, context)) {
          if (specs && ips) break;
          const fd = openById(id, context);
          const info = mapInfo(fd.raw(), context);
          if (!specs && info.name === specsName) opened.push((specs = { fd, ...info }));
          else if (!ips && info.name === ipName) opened.push((ips = { fd, ...info }));
          else fd.close();
        }
      }
      if (!specs) {
        throw new TypeError(`${context}: ${programLabel(prog)} uses no ${USDT_SPECS_MAP} map: build it with #include <bpf/usdt.bpf.h> and read arguments with bpf_usdt_arg(), or pass opts.specsMap`);
      }
      check(specs, USDT_SPECS_MAP, MapType.Array, 4, USDT_SPEC_SIZE, context);
      if (ips) check(ips, USDT_IP_MAP, MapType.Hash, 8, 4, context);
      return new UsdtMaps(specs, ips, context);
    } catch (e) {
      for (const m of opened) m.fd.close();
      throw e;
    }
  }

  /** Whether the program has an IP-to-spec-id map. */
  get hasIpMap(): boolean {
    return this.#ips !== undefined;
  }

  /**
   * Takes a free spec id and writes `spec` there.
   * @throws {RangeError} when every slot of the spec map is taken (raise BPF_USDT_MAX_SPEC_CNT).
   */
  addSpec(spec: Uint8Array): number {
    let used = usedIds.get(this.#specs.id);
    if (!used) usedIds.set(this.#specs.id, (used = new Set()));
    let id = 0;
    while (used.has(id)) id++;
    if (id >= this.#specs.maxEntries) {
      throw new RangeError(`${this.#context}: all ${this.#specs.maxEntries} slots of ${USDT_SPECS_MAP} are taken (define BPF_USDT_MAX_SPEC_CNT larger in the BPF program)`);
    }
    if (spec.length !== USDT_SPEC_SIZE) throw new RangeError(`${this.#context}: spec is ${spec.length} bytes, expected ${USDT_SPEC_SIZE}`);
    const key = new Uint8Array(4);
    new DataView(key.buffer).setUint32(0, id, true);
    bpf(Cmd.BPF_MAP_UPDATE_ELEM, MapElemAttr.encode({ map_fd: this.#specs.fd.raw(), key, value: spec, flags: 0n }), `${this.#context}: write spec ${id}`);
    used.add(id);
    this.#ids.push(id);
    return id;
  }

  /**
   * Maps probe address `ip` (as the traced process sees it) to spec `id` in the IP map.
   * @throws {TypeError} when the program has no IP map.
   */
  addIp(ip: bigint, id: number): void {
    if (!this.#ips) throw new TypeError(`${this.#context}: the program has no ${USDT_IP_MAP} map`);
    const key = new Uint8Array(8);
    new DataView(key.buffer).setBigUint64(0, BigInt.asUintN(64, ip), true);
    const value = new Uint8Array(4);
    new DataView(value.buffer).setUint32(0, id, true);
    bpf(Cmd.BPF_MAP_UPDATE_ELEM, MapElemAttr.encode({ map_fd: this.#ips.fd.raw(), key, value, flags: 1n /* BPF_NOEXIST */ }), `${this.#context}: map address 0x${ip.toString(16)}`, (e) =>
      e === Errno.EEXIST ? `another attach already maps this address in ${USDT_IP_MAP}` : undefined,
    );
    this.#ipKeys.push(ip);
  }

  /** Removes the entries this attach wrote, frees its spec ids and closes the map fds; later calls do nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    let first: unknown;
    const del = (m: OpenedMap, key: Uint8Array, what: string): void => {
      try {
        bpf(Cmd.BPF_MAP_DELETE_ELEM, MapElemAttr.encode({ map_fd: m.fd.raw(), key }), `${this.#context}: remove ${what}`);
      } catch (e) {
        if (!(e instanceof KeyNotFoundError)) first ??= e;
      }
    };
    if (this.#ips) {
      for (const ip of this.#ipKeys) {
        const key = new Uint8Array(8);
        new DataView(key.buffer).setBigUint64(0, BigInt.asUintN(64, ip), true);
        del(this.#ips, key, `address 0x${ip.toString(16)}`);
      }
    }
    const used = usedIds.get(this.#specs.id);
    for (const id of this.#ids) {
      // Array entries cannot be deleted: zero the slot, then free the id.
      const key = new Uint8Array(4);
      new DataView(key.buffer).setUint32(0, id, true);
      try {
        bpf(Cmd.BPF_MAP_UPDATE_ELEM, MapElemAttr.encode({ map_fd: this.#specs.fd.raw(), key, value: new Uint8Array(USDT_SPEC_SIZE), flags: 0n }), `${this.#context}: clear spec ${id}`);
      } catch (e) {
        first ??= e;
      }
      used?.delete(id);
    }
    if (used?.size === 0) usedIds.delete(this.#specs.id);
    this.#specs.fd.close();
    this.#ips?.fd.close();
    if (first) throw first;
  }
}
