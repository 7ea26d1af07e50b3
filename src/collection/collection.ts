/**
 * loadCollection: everything in a BPF object file, live in the kernel.
 *
 * Loading reads the object (or takes a {@link CollectionSpec}), loads its BTF once, creates its
 * maps (reusing pinned ones), writes `.rodata` constants before freezing, resolves each
 * program's references, applies CO-RE relocations against the kernel's BTF and loads the
 * programs. The result owns every fd: closing the {@link Collection} closes them all, and a
 * failure part-way closes whatever was opened before the error escapes.
 */
import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BpfMap, MapFlags, type MapCodecs } from '../map/map.js';
import { Program, type ProgramLoadOptions } from '../prog/program.js';
import { BtfObject } from '../prog/btf-object.js';
import { Variable, DataSection, codecForBtfType, type VariableValue } from './variable.js';
import { fillKconfig } from './kconfig.js';
import { checkLogOptions, type LogOptions } from '../prog/log-retry.js';
import { ensureBpffs, DEFAULT_BPFFS } from '../sys/bpffs.js';
import { bytes, perCpu, possibleCpus, type Codec } from '../codec/codec.js';
import { MapType, mapTypeShortName, isPerCpuType } from '../types.js';
import { loadCollectionSpec } from '../elf/index.js';
import { loadKernelSpec, type Spec } from '../btf/index.js';
import { isKsymLoad, withChanges, type Instruction } from '../asm/index.js';
import type { CollectionSpec, ProgramSpec, VariableSpec } from '../spec/index.js';
import type { MapSpec } from '../spec/map.js';

/** A value for a `.rodata` constant: an integer (number or bigint), a boolean, or the exact bytes. */
export type ConstantValue = number | bigint | boolean | Uint8Array;

/** Options of {@link loadCollection}. */
export interface CollectionOptions extends LogOptions {
  /** Values of `volatile const` globals (`.rodata`), written before the map is frozen. */
  constants?: Readonly<Record<string, ConstantValue>>;
  /** Existing maps to use instead of creating the object's map of that name (checked for compatibility; the collection opens its own fd). */
  mapReplacements?: Readonly<Record<string, BpfMap<any, any>>>;
  /** Directory for maps declared `pinning: LIBBPF_PIN_BY_NAME` (default /sys/fs/bpf). */
  pinPath?: string;
  /** Codecs by map name; default: from BTF (integers as number/bigint, anything else Buffer). */
  codecs?: Readonly<Record<string, MapCodecs<any, any>>>;
  /** Load only these programs (default: all). Maps are all created. */
  programs?: readonly string[];
  /** Kernel BTF for kfuncs, ksyms, attach targets and CO-RE (default /sys/kernel/btf/vmlinux). */
  kernelBtf?: Spec;
  /** Receives notes about fallbacks (e.g. a map created without BTF). */
  debug?: (note: string) => void;
}

const KNOWN_OPTIONS = new Set(['constants', 'mapReplacements', 'pinPath', 'codecs', 'programs', 'kernelBtf', 'debug', 'logLevel', 'logSize', 'maxLogSize']);

/** Anything with an idempotent close. */
interface Closer {
  close(): void;
}

/**
 * The live objects of a BPF object file: maps, programs and global variables by name.
 * Owns every fd; `close()` (or `using`) releases them all and unmaps variables.
 *
 * @example
 * using coll = loadCollection('count.bpf.o');
 * coll.maps.my_map.update(1, 10n);
 * coll.programs.refresh_count.test(Buffer.alloc(14)).retval; // 1
 */
export class Collection implements Disposable {
  /** Maps by name: `.maps` definitions by C identifier, data sections as `.data`, `.rodata`, `.bss`... */
  readonly maps: Record<string, BpfMap<any, any>>;
  /** Programs by C function name. */
  readonly programs: Record<string, Program>;
  /** Global variables by C identifier. */
  readonly variables: Record<string, Variable>;
  /** Notes about fallbacks taken while loading (maps created without BTF...). */
  readonly notes: readonly string[];
  /** What the collection was loaded from (an object file name, or `collection`). */
  readonly name: string;
  readonly #closers: Closer[];
  #closed = false;

  /** Made by {@link loadCollection}. */
  constructor(parts: { name: string; maps: Record<string, BpfMap<any, any>>; programs: Record<string, Program>; variables: Record<string, Variable>; notes: string[]; closers: Closer[] }) {
    this.name = parts.name;
    this.maps = parts.maps;
    this.programs = parts.programs;
    this.variables = parts.variables;
    this.notes = parts.notes;
    this.#closers = parts.closers;
  }

  /** The program `name`; throws listing the programs there are when it is missing. */
  program(name: string): Program {
    const p = Object.hasOwn(this.programs, name) ? this.programs[name] : undefined;
    if (!p) throw new Error(`collection ${this.name}: no program ${name} (programs: ${Object.keys(this.programs).join(', ') || 'none'})`);
    return p;
  }

  /** The map `name`; throws listing the maps there are when it is missing. */
  map(name: string): BpfMap<any, any> {
    const m = Object.hasOwn(this.maps, name) ? this.maps[name] : undefined;
    if (!m) throw new Error(`collection ${this.name}: no map ${name} (maps: ${Object.keys(this.maps).join(', ') || 'none'})`);
    return m;
  }

  /** The variable `name`; throws listing the variables there are when it is missing. */
  variable(name: string): Variable {
    const v = Object.hasOwn(this.variables, name) ? this.variables[name] : undefined;
    if (!v) throw new Error(`collection ${this.name}: no variable ${name} (variables: ${Object.keys(this.variables).join(', ') || 'none'})`);
    return v;
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Closes every program and map and unmaps variables; later calls do nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeAll(this.#closers);
  }

  /** Same as {@link Collection.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

function closeAll(closers: Closer[]): void {
  let first: unknown;
  for (let i = closers.length - 1; i >= 0; i--) {
    try {
      closers[i].close();
    } catch (e) {
      first ??= e;
    }
  }
  closers.length = 0;
  if (first !== undefined) throw first;
}

/** Writes an integer of `size` bytes, little-endian, accepting signed or unsigned values. */
function putInt(out: Uint8Array, off: number, size: number, v: bigint, what: string): void {
  const bits = BigInt(size * 8);
  if (v < -(1n << (bits - 1n)) || v >= 1n << bits) throw new RangeError(`${what}: ${v} does not fit in ${size} byte(s)`);
  const u = BigInt.asUintN(size * 8, v);
  for (let i = 0; i < size; i++) out[off + i] = Number((u >> BigInt(8 * i)) & 0xffn);
}

/** Encodes a constant for a variable of `v.size` bytes. */
export function encodeConstant(v: VariableSpec, value: ConstantValue, what: string): Uint8Array {
  const out = new Uint8Array(v.size);
  if (value instanceof Uint8Array) {
    if (value.length !== v.size) throw new RangeError(`${what}: got ${value.length} bytes, the constant is ${v.size}`);
    out.set(value);
  } else if (typeof value === 'boolean') {
    if (v.size > 0) out[0] = value ? 1 : 0;
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new TypeError(`${what}: ${value} is not a safe integer (use a bigint)`);
    if (![1, 2, 4, 8].includes(v.size)) throw new TypeError(`${what}: the constant is ${v.size} bytes, not an integer: pass a Uint8Array`);
    putInt(out, 0, v.size, BigInt(value), what);
  } else {
    throw new TypeError(`${what}: expected a number, bigint, boolean or Uint8Array, got ${typeof value}`);
  }
  return out;
}

/** Checks options and resolves constants to per-map patches, before any syscall. */
function prepare(spec: CollectionSpec, opts: CollectionOptions, label: string): Map<string, Array<{ offset: number; bytes: Uint8Array }>> {
  if (!opts || typeof opts !== 'object') throw new TypeError(`${label}: options must be an object`);
  for (const k of Object.keys(opts)) {
    if (!KNOWN_OPTIONS.has(k)) throw new TypeError(`${label}: unknown option ${k} (known: ${[...KNOWN_OPTIONS].join(', ')})`);
  }
  checkLogOptions(opts, label);
  const patches = new Map<string, Array<{ offset: number; bytes: Uint8Array }>>();
  const constants = Object.values(spec.variables).filter((v) => v.constant && !v.mapName.startsWith('.kconfig') && !v.isStatic);
  for (const [name, value] of Object.entries(opts.constants ?? {})) {
    const v = Object.hasOwn(spec.variables, name) ? spec.variables[name] : undefined;
    if (!v || v.mapName.startsWith('.kconfig')) {
      throw new TypeError(`${label}: constants: unknown constant ${name} (constants: ${constants.map((c) => c.name).join(', ') || 'none'})`);
    }
    if (!v.constant) throw new TypeError(`${label}: constants: ${name} is a variable in ${v.mapName}, not a constant: set it with collection.variables.${name}.set() after loading`);
    const list = patches.get(v.mapName) ?? [];
    list.push({ offset: v.offset, bytes: encodeConstant(v, value, `${label}: constant ${name}`) });
    patches.set(v.mapName, list);
  }
  for (const name of Object.keys(opts.mapReplacements ?? {})) {
    if (!Object.hasOwn(spec.maps, name)) throw new TypeError(`${label}: mapReplacements: no map ${name} (maps: ${Object.keys(spec.maps).join(', ')})`);
  }
  for (const name of opts.programs ?? []) {
    if (!Object.hasOwn(spec.programs, name)) throw new TypeError(`${label}: no program ${name} (programs: ${Object.keys(spec.programs).join(', ') || 'none'})`);
  }
  if (opts.pinPath !== undefined && (typeof opts.pinPath !== 'string' || opts.pinPath === '')) throw new TypeError(`${label}: pinPath must be a non-empty string`);
  return patches;
}

/** Default codecs for a map from its BTF key and value types. */
function btfCodecs(ms: MapSpec, btf: Spec | undefined): MapCodecs<unknown, unknown> {
  const key: Codec<VariableValue> = ms.btfKeyTypeId ? codecForBtfType(btf, ms.btfKeyTypeId, ms.keySize) : bytes(ms.keySize);
  const value: Codec<VariableValue> = ms.btfValueTypeId ? codecForBtfType(btf, ms.btfValueTypeId, ms.valueSize) : bytes(ms.valueSize);
  return { key, value: isPerCpuType(ms.type) ? (perCpu(value) as Codec<unknown>) : value };
}

/** What makes a pinned or replacement map unusable in place of `ms`, or undefined. */
function incompatibility(ms: MapSpec, m: { type: number; keySize: number; valueSize: number; maxEntries: number; flags: number }): string | undefined {
  const diffs: string[] = [];
  if (m.type !== ms.type) diffs.push(`type ${mapTypeShortName(m.type)}, want ${mapTypeShortName(ms.type)}`);
  if (m.keySize !== ms.keySize) diffs.push(`key size ${m.keySize}, want ${ms.keySize}`);
  if (m.valueSize !== ms.valueSize) diffs.push(`value size ${m.valueSize}, want ${ms.valueSize}`);
  if (m.maxEntries !== ms.maxEntries) diffs.push(`max entries ${m.maxEntries}, want ${ms.maxEntries}`);
  if (m.flags !== (ms.flags ?? 0)) diffs.push(`flags 0x${m.flags.toString(16)}, want 0x${(ms.flags ?? 0).toString(16)}`);
  return diffs.length ? diffs.join(', ') : undefined;
}

function withoutBtf(ms: MapSpec): MapSpec {
  const out: MapSpec = { ...ms, btfFd: undefined, btfKeyTypeId: 0, btfValueTypeId: 0 };
  if (ms.innerMap) out.innerMap = withoutBtf(ms.innerMap);
  return out;
}

/** Map types the kernel takes no key/value BTF for (libbpf drops it for them too). */
const NO_BTF_TYPES = new Set<number>([
  MapType.PerfEventArray,
  MapType.CgroupArray,
  MapType.StackTrace,
  MapType.ArrayOfMaps,
  MapType.HashOfMaps,
  MapType.DevMap,
  MapType.DevMapHash,
  MapType.CpuMap,
  MapType.XskMap,
  MapType.SockMap,
  MapType.SockHash,
  MapType.Queue,
  MapType.Stack,
  MapType.Arena,
]);

function withBtf(ms: MapSpec, fd: number): MapSpec {
  if (NO_BTF_TYPES.has(ms.type)) return { ...withoutBtf(ms), innerMap: ms.innerMap && withBtf(ms.innerMap, fd) };
  const out: MapSpec = { ...ms, btfFd: ms.btfKeyTypeId || ms.btfValueTypeId ? fd : undefined };
  if (ms.innerMap) out.innerMap = withBtf(ms.innerMap, fd);
  return out;
}

/** Rewrites loads of missing `__weak` kernel variables into `r = 0`, as libbpf does. */
function dropMissingKsyms(insns: readonly Instruction[], missing: ReadonlySet<string>): Instruction[] {
  if (missing.size === 0) return insns.slice();
  return insns.map((ins) => (isKsymLoad(ins) && ins.reference && missing.has(ins.reference) ? withChanges(ins, { src: 0, imm: 0, immHi: 0, reference: undefined }) : ins));
}

/**
 * Loads a BPF object (a path, its bytes, or a {@link CollectionSpec}) into the kernel.
 *
 * - BTF is loaded once; maps get their key/value BTF (a map the kernel refuses with BTF is
 *   created without, and a note says so).
 * - Maps declared `pinning: LIBBPF_PIN_BY_NAME` are reused from `pinPath` when a compatible one
 *   is pinned there, else created and pinned (an incompatible pinned map is an error).
 * - `.rodata` constants are written from `constants` before the map is frozen; `.kconfig`
 *   externs are filled from the running kernel's config.
 * - Programs get map fds, kfunc/ksym BTF ids and attach targets from vmlinux BTF, and CO-RE
 *   relocations applied against it (unsatisfiable ones poisoned, as libbpf does).
 *
 * @throws {TypeError} for an unknown option, constant, map replacement or program name (before any syscall).
 * @throws {VerifierError} when a program is refused; {@link BtfLoadError}; {@link SyscallError} for maps.
 *   Whatever was opened before the error is closed first.
 */
export function loadCollection(input: string | Uint8Array | CollectionSpec, opts: CollectionOptions = {}): Collection {
  const spec = typeof input === 'string' || input instanceof Uint8Array ? loadCollectionSpec(input) : input;
  const name = typeof input === 'string' ? basename(input) : 'collection';
  const label = `collection ${name}`;
  const patches = prepare(spec, opts, label);
  const notes: string[] = [];
  const note = (s: string): void => {
    notes.push(s);
    opts.debug?.(s);
  };
  const closers: Closer[] = [];
  const createdPins: string[] = [];
  let btf: BtfObject | undefined;
  try {
    if (spec.btfBytes && spec.btfBytes.length > 0) {
      btf = BtfObject.load(spec.btfBytes, { name, logLevel: opts.logLevel ? opts.logLevel : undefined, logSize: opts.logSize, maxLogSize: opts.maxLogSize });
      closers.push(btf);
    }
    const maps: Record<string, BpfMap<any, any>> = {};
    const pinDir = opts.pinPath ?? DEFAULT_BPFFS;
    let pinReady = false;
    const kernelBtf = (): Spec => opts.kernelBtf ?? loadKernelSpec();

    for (const [mapName, original] of Object.entries(spec.maps)) {
      const codecs = opts.codecs?.[mapName] ?? btfCodecs(original, spec.btf);
      let ms: MapSpec = original;
      const replacement = opts.mapReplacements?.[mapName];
      if (replacement) {
        const info = replacement.info();
        const why = incompatibility(ms, info);
        if (why) throw new Error(`${label}: map ${mapName}: replacement ${replacement.name} is incompatible: ${why}`);
        const m = BpfMap.fromId(info.id, opts.codecs?.[mapName] ?? { key: replacement.keyCodec, value: replacement.valueCodec });
        closers.push(m);
        maps[mapName] = m;
        continue;
      }
      // Initial contents: kconfig values, constants.
      const kconfigExterns = Object.values(spec.externs).filter((e) => e.kind === 'kconfig');
      if (mapName === '.kconfig' && kconfigExterns.length > 0) {
        const value = fillKconfig(ms.valueSize, kconfigExterns, spec.btf);
        ms = { ...ms, contents: [{ key: new Uint8Array(4), value }] };
      }
      const p = patches.get(mapName);
      if (p) {
        const value = new Uint8Array(ms.valueSize);
        const prev = ms.contents?.[0]?.value;
        if (prev) value.set(prev.subarray(0, ms.valueSize));
        for (const { offset, bytes: b } of p) value.set(b, offset);
        ms = { ...ms, contents: [{ key: new Uint8Array(4), value }] };
      }
      if (ms.type === MapType.PerfEventArray && ms.maxEntries === 0) {
        // As libbpf does: a perf event array without max_entries gets one slot per possible CPU.
        ms = { ...ms, maxEntries: possibleCpus() };
      }
      let pinPath: string | undefined;
      if (ms.pinning === 'by-name') {
        pinPath = join(pinDir, mapName);
        if (!pinReady) {
          if (pinDir === DEFAULT_BPFFS || pinDir.startsWith(`${DEFAULT_BPFFS}/`)) ensureBpffs();
          mkdirSync(pinDir, { recursive: true });
          pinReady = true;
        }
        if (existsSync(pinPath)) {
          const m = BpfMap.fromPinned(pinPath, codecs);
          closers.push(m);
          const why = incompatibility(ms, m);
          if (why) throw new Error(`${label}: map ${mapName}: pinned map at ${pinPath} is incompatible: ${why} (unpin it, or use another pinPath)`);
          maps[mapName] = m;
          continue;
        }
      }
      let m: BpfMap<any, any>;
      const wantsBtf = btf !== undefined && Boolean(ms.btfKeyTypeId || ms.btfValueTypeId || ms.innerMap?.btfKeyTypeId || ms.innerMap?.btfValueTypeId);
      if (wantsBtf) {
        try {
          m = BpfMap.create(withBtf(ms, btf!.fd), codecs);
        } catch (e) {
          m = BpfMap.create(withoutBtf(ms), codecs);
          note(`map ${mapName}: created without BTF: the kernel refused it with BTF (${(e as Error).message})`);
        }
      } else {
        m = BpfMap.create(withoutBtf(ms), codecs);
      }
      closers.push(m);
      maps[mapName] = m;
      if (pinPath) {
        m.pin(pinPath);
        createdPins.push(pinPath);
      }
    }

    // Statically initialised map-in-map slots.
    const progSlots: Array<{ outer: string; index: number; target: string }> = [];
    for (const [outer, slots] of Object.entries(spec.mapSlots)) {
      for (const { index, target } of slots) {
        if (Object.hasOwn(spec.programs, target)) {
          progSlots.push({ outer, index, target });
          continue;
        }
        const inner = maps[target];
        if (!inner) throw new Error(`${label}: map ${outer}: slot ${index}: no map ${target}`);
        const key = new Uint8Array(4);
        new DataView(key.buffer).setUint32(0, index, true);
        const value = new Uint8Array(4);
        new DataView(value.buffer).setUint32(0, inner.fd, true);
        maps[outer].updateRaw(key, value);
      }
    }

    // Programs.
    const programs: Record<string, Program> = {};
    const wanted = opts.programs ? new Set(opts.programs) : undefined;
    const kfuncs: Record<string, number | null> = {};
    const missingKsyms = new Set<string>();
    for (const ext of Object.values(spec.externs)) {
      if (!ext.weak || (ext.kind !== 'kfunc' && ext.kind !== 'ksym')) continue;
      const found = kernelBtf().anyTypeByName(ext.name, ext.kind === 'kfunc' ? 'func' : 'var');
      if (found) continue;
      if (ext.kind === 'kfunc') kfuncs[ext.name] = null;
      else missingKsyms.add(ext.name);
      note(`${ext.kind} ${ext.name}: not in the kernel; __weak, so ${ext.kind === 'kfunc' ? 'calls are poisoned' : 'loads give 0'}`);
    }
    const loadOpts: ProgramLoadOptions = {
      maps,
      btf,
      kfuncs,
      logLevel: opts.logLevel,
      logSize: opts.logSize,
      maxLogSize: opts.maxLogSize,
      kernelBtf: opts.kernelBtf,
    };
    for (const [progName, ps0] of Object.entries(spec.programs)) {
      if (wanted && !wanted.has(progName)) continue;
      let ps: ProgramSpec = { ...ps0, instructions: dropMissingKsyms(ps0.instructions, missingKsyms) };
      if (ps.coreRelos.length > 0 && !spec.btf) throw new Error(`${label}: program ${progName}: has CO-RE relocations but the object has no BTF`);
      const prog = Program.load(ps, { ...loadOpts, localBtf: spec.btf });
      closers.push(prog);
      programs[progName] = prog;
    }
    for (const { outer, index, target } of progSlots) {
      const prog = programs[target];
      if (!prog) continue; // not loaded (filtered out)
      const key = new Uint8Array(4);
      new DataView(key.buffer).setUint32(0, index, true);
      const value = new Uint8Array(4);
      new DataView(value.buffer).setUint32(0, prog.fd, true);
      maps[outer].updateRaw(key, value);
    }

    // Variables over their data sections.
    const sections = new Map<string, DataSection>();
    const variables: Record<string, Variable> = {};
    for (const v of Object.values(spec.variables)) {
      const m = maps[v.mapName];
      if (!m) continue;
      let section = sections.get(v.mapName);
      if (!section) {
        const ms = spec.maps[v.mapName];
        const mmap = (m.flags & MapFlags.Mmapable) !== 0;
        section = new DataSection(m, { mmap, readOnly: Boolean(ms?.freeze) || (m.flags & MapFlags.ReadOnly) !== 0 });
        sections.set(v.mapName, section);
        closers.push(section);
      }
      variables[v.name] = new Variable(v, section, codecForBtfType(spec.btf, v.typeId, v.size));
    }

    // Programs and maps hold their own references to the BTF.
    btf?.close();
    return new Collection({ name, maps, programs, variables, notes, closers });
  } catch (e) {
    try {
      closeAll(closers);
    } catch {
      // the load error matters more
    }
    for (const p of createdPins) {
      try {
        unlinkSync(p);
      } catch {
        // already gone
      }
    }
    throw e;
  }
}

