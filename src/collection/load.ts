/**
 * loadCollection: everything in a BPF object file, live in the kernel, in stages.
 *
 * Read this file top to bottom. {@link loadCollection} calls each stage once, in order:
 *
 * 1. {@link checkOptions}: options, constants, replacement and program names; no syscall yet.
 * 2. {@link prepareMapSpecs}: each map's final spec (constants, `.kconfig` values, perf array size).
 * 3. {@link loadObjectBtf}: the object's BTF into the kernel, once, for maps and programs.
 * 4. {@link openMaps}: each map replaced, opened from its pin, or created (and pinned).
 * 5. {@link loadPrograms}: each program with map fds, kfuncs, CO-RE and its attach target resolved.
 * 6. {@link fillSlots}: statically initialised prog array and map-in-map slots.
 * 7. {@link createStructOpsMaps}: struct_ops maps with their programs and data (struct-ops.ts).
 * 8. {@link bindVariables}: global variables over their data section maps.
 *
 * struct_ops variables are matched with the kernel's structs between stages 2 and 3
 * ({@link prepareStructOps}, struct-ops-plan.ts), which gives their programs an attach target.
 *
 * Everything a stage opens goes into {@link Opened}; when a later stage throws, everything opened
 * so far is closed and the pins this load made are removed before the error escapes. On success
 * the {@link Collection} takes it all over.
 */
import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BpfMap, MapFlags, type MapCodecs } from '../map/map.js';
import { Program } from '../prog/program.js';
import { BtfObject } from '../prog/btf-object.js';
import { checkLogOptions, type LogOptions } from '../prog/log-retry.js';
import { Collection, closeAll, type Closer } from './collection.js';
import { Variable, DataSection, codecForBtfType, type VariableValue } from './variable.js';
import { encodeConstant, type ConstantValue } from './constants.js';
import { fillKconfig } from './kconfig.js';
import { prepareStructOps, type StructOpsPlan } from './struct-ops-plan.js';
import { createStructOps, type StructOps } from './struct-ops.js';
import { ensureBpffs, DEFAULT_BPFFS } from '../sys/bpffs.js';
import { bytes, perCpu, possibleCpus, type Codec } from '../codec/codec.js';
import { MapType, mapTypeShortName, isPerCpuType } from '../types.js';
import { loadCollectionSpec } from '../elf/index.js';
import { loadKernelSpec, type Spec } from '../btf/index.js';
import { isKsymLoad, withChanges, type Instruction } from '../asm/index.js';
import type { CollectionSpec, MapSpec, ProgramSpec } from '../spec/index.js';

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
  const load = new Load(spec, opts, name);
  const constants = checkOptions(load);
  const mapSpecs = prepareMapSpecs(load, constants);
  const structOps = prepareStructOps(spec, () => load.kernelBtf());
  for (const n of structOps.notes) load.note(n);
  try {
    const btf = loadObjectBtf(load);
    const maps = openMaps(load, mapSpecs, btf);
    const programs = loadPrograms(load, structOps.programs, maps, btf);
    fillSlots(load, maps, programs);
    const structOpsMaps = createStructOpsMaps(load, structOps.plans, programs, maps, btf);
    const variables = bindVariables(load, maps);
    // Programs and maps hold their own references to the BTF.
    btf?.close();
    return new Collection({ name, maps, programs, variables, structOps: structOpsMaps, notes: load.notes, closers: load.opened.closers });
  } catch (e) {
    load.opened.abort();
    throw e;
  }
}

/** One load in progress: its input, options, notes, and what it has opened so far. */
class Load {
  /** `collection <name>`: the start of every error message. */
  readonly label: string;
  /** Notes about fallbacks taken (see {@link Collection.notes}). */
  readonly notes: string[] = [];
  /** Everything opened so far. */
  readonly opened = new Opened();

  constructor(
    readonly spec: CollectionSpec,
    readonly opts: CollectionOptions,
    readonly name: string,
  ) {
    this.label = `collection ${name}`;
  }

  /** Records a note about a fallback, and hands it to `opts.debug`. */
  note(s: string): void {
    this.notes.push(s);
    this.opts.debug?.(s);
  }

  /** The kernel BTF (the option's, else the running kernel's, read on first use). */
  kernelBtf(): Spec {
    return this.opts.kernelBtf ?? loadKernelSpec();
  }
}

/** What a load has opened: fds to close, and pins it made to remove, if a later stage fails. */
class Opened {
  /** Everything to close, in the order opened (closed last first). */
  readonly closers: Closer[] = [];
  readonly #pins: string[] = [];

  /** Keeps `c` to close on failure (the collection's on success); returns it. */
  add<T extends Closer>(c: T): T {
    this.closers.push(c);
    return c;
  }

  /** Remembers a pin this load made, to remove on failure. */
  pinned(path: string): void {
    this.#pins.push(path);
  }

  /** Closes everything and removes this load's pins; the load's own error matters more than theirs. */
  abort(): void {
    try {
      closeAll(this.closers);
    } catch {
      // the load error matters more
    }
    for (const p of this.#pins) {
      try {
        unlinkSync(p);
      } catch {
        // already gone
      }
    }
  }
}

/** Byte patches of a data section map's value, from constants. */
type Patches = Map<string, Array<{ offset: number; bytes: Uint8Array }>>;

/** Stage 1: checks options and resolves constants to per-map patches, before any syscall. */
function checkOptions({ spec, opts, label }: Load): Patches {
  if (!opts || typeof opts !== 'object') throw new TypeError(`${label}: options must be an object`);
  for (const k of Object.keys(opts)) {
    if (!KNOWN_OPTIONS.has(k)) throw new TypeError(`${label}: unknown option ${k} (known: ${[...KNOWN_OPTIONS].join(', ')})`);
  }
  checkLogOptions(opts, label);
  const patches: Patches = new Map();
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

/**
 * Stage 2: the spec each map is created from (replaced maps have none): `.kconfig` filled from
 * the kernel's config, constants written into their section's initial value, and a perf event
 * array without `max_entries` given one slot per possible CPU (as libbpf does). No syscall.
 */
function prepareMapSpecs({ spec, opts }: Load, constants: Patches): Map<string, MapSpec> {
  const out = new Map<string, MapSpec>();
  const kconfigExterns = Object.values(spec.externs).filter((e) => e.kind === 'kconfig');
  for (const [mapName, original] of Object.entries(spec.maps)) {
    if (opts.mapReplacements?.[mapName]) continue;
    let ms = original;
    if (mapName === '.kconfig' && kconfigExterns.length > 0) {
      ms = { ...ms, contents: [{ key: new Uint8Array(4), value: fillKconfig(ms.valueSize, kconfigExterns, spec.btf) }] };
    }
    const patches = constants.get(mapName);
    if (patches) {
      const value = new Uint8Array(ms.valueSize);
      const prev = ms.contents?.[0]?.value;
      if (prev) value.set(prev.subarray(0, ms.valueSize));
      for (const { offset, bytes: b } of patches) value.set(b, offset);
      ms = { ...ms, contents: [{ key: new Uint8Array(4), value }] };
    }
    if (ms.type === MapType.PerfEventArray && ms.maxEntries === 0) ms = { ...ms, maxEntries: possibleCpus() };
    out.set(mapName, ms);
  }
  return out;
}

/** Stage 3: loads the object's BTF (when it has any) for map key/value types and program func/line info. */
function loadObjectBtf({ spec, opts, name, opened }: Load): BtfObject | undefined {
  if (!spec.btfBytes || spec.btfBytes.length === 0) return undefined;
  return opened.add(BtfObject.load(spec.btfBytes, { name, logLevel: opts.logLevel ? opts.logLevel : undefined, logSize: opts.logSize, maxLogSize: opts.maxLogSize }));
}

/**
 * Stage 4: every map of the object, by name: a replacement the caller gave, a compatible map
 * pinned under `pinPath` (for `pinning: LIBBPF_PIN_BY_NAME`), or a new map (then pinned when
 * asked). Map-in-maps get their inner map template from the spec (see `BpfMap.create`).
 */
function openMaps(load: Load, mapSpecs: ReadonlyMap<string, MapSpec>, btf: BtfObject | undefined): Record<string, BpfMap<any, any>> {
  const { spec, opts } = load;
  const maps: Record<string, BpfMap<any, any>> = {};
  const pinDir = lazyPinDir(opts.pinPath ?? DEFAULT_BPFFS);
  for (const [mapName, original] of Object.entries(spec.maps)) {
    const codecs = opts.codecs?.[mapName] ?? btfCodecs(original, spec.btf);
    const replacement = opts.mapReplacements?.[mapName];
    if (replacement) {
      maps[mapName] = openReplacement(load, mapName, original, replacement);
      continue;
    }
    const ms = mapSpecs.get(mapName)!;
    if (ms.pinning !== 'by-name') {
      maps[mapName] = createMap(load, mapName, ms, codecs, btf);
      continue;
    }
    const pinPath = join(pinDir(), mapName);
    if (existsSync(pinPath)) {
      maps[mapName] = openPinnedMap(load, mapName, ms, codecs, pinPath);
      continue;
    }
    const m = createMap(load, mapName, ms, codecs, btf);
    m.pin(pinPath);
    load.opened.pinned(pinPath);
    maps[mapName] = m;
  }
  return maps;
}

/** The pin directory, made ready (bpffs mounted, directory created) on first use. */
function lazyPinDir(dir: string): () => string {
  let ready = false;
  return () => {
    if (!ready) {
      if (dir === DEFAULT_BPFFS || dir.startsWith(`${DEFAULT_BPFFS}/`)) ensureBpffs();
      mkdirSync(dir, { recursive: true });
      ready = true;
    }
    return dir;
  };
}

/** A new fd of a replacement map, after checking it can stand in for `ms`. */
function openReplacement({ opts, label, opened }: Load, mapName: string, ms: MapSpec, replacement: BpfMap<any, any>): BpfMap<any, any> {
  const info = replacement.info();
  const why = incompatibility(ms, info);
  if (why) throw new Error(`${label}: map ${mapName}: replacement ${replacement.name} is incompatible: ${why}`);
  return opened.add(BpfMap.fromId(info.id, opts.codecs?.[mapName] ?? { key: replacement.keyCodec, value: replacement.valueCodec }));
}

/** The map pinned at `pinPath`, which must be compatible with `ms`. */
function openPinnedMap({ label, opened }: Load, mapName: string, ms: MapSpec, codecs: MapCodecs<unknown, unknown>, pinPath: string): BpfMap<any, any> {
  const m = opened.add(BpfMap.fromPinned(pinPath, codecs));
  const why = incompatibility(ms, m);
  if (why) throw new Error(`${label}: map ${mapName}: pinned map at ${pinPath} is incompatible: ${why} (unpin it, or use another pinPath)`);
  return m;
}

/** Creates a map, with its key/value BTF when it has some (without, and a note, when the kernel refuses it). */
function createMap(load: Load, mapName: string, ms: MapSpec, codecs: MapCodecs<unknown, unknown>, btf: BtfObject | undefined): BpfMap<any, any> {
  const wantsBtf = btf !== undefined && Boolean(ms.btfKeyTypeId || ms.btfValueTypeId || ms.innerMap?.btfKeyTypeId || ms.innerMap?.btfValueTypeId);
  if (!wantsBtf) return load.opened.add(BpfMap.create(withoutBtf(ms), codecs));
  try {
    return load.opened.add(BpfMap.create(withBtf(ms, btf.fd), codecs));
  } catch (e) {
    const m = load.opened.add(BpfMap.create(withoutBtf(ms), codecs));
    load.note(`map ${mapName}: created without BTF: the kernel refused it with BTF (${(e as Error).message})`);
    return m;
  }
}

/**
 * Stage 5: the programs asked for (all by default). Missing `__weak` kfuncs are poisoned and
 * missing `__weak` kernel variables read as 0; `Program.load` then resolves map fds, kfuncs and
 * the attach target, applies CO-RE relocations, and loads (subprograms are already appended to
 * each program's instructions by the ELF reader).
 */
function loadPrograms(load: Load, specs: Readonly<Record<string, ProgramSpec>>, maps: Record<string, BpfMap<any, any>>, btf: BtfObject | undefined): Record<string, Program> {
  const { spec, opts, label, opened } = load;
  const { kfuncs, missingKsyms } = weakExterns(load);
  const programs: Record<string, Program> = {};
  const wanted = opts.programs ? new Set(opts.programs) : undefined;
  for (const [progName, ps] of Object.entries(specs)) {
    if (wanted && !wanted.has(progName)) continue;
    if ((ps.coreRelos?.length ?? 0) > 0 && !spec.btf) throw new Error(`${label}: program ${progName}: has CO-RE relocations but the object has no BTF`);
    programs[progName] = opened.add(
      Program.load(
        { ...ps, instructions: dropMissingKsyms(ps.instructions, missingKsyms) },
        { maps, btf, kfuncs, logLevel: opts.logLevel, logSize: opts.logSize, maxLogSize: opts.maxLogSize, kernelBtf: opts.kernelBtf, localBtf: spec.btf },
      ),
    );
  }
  return programs;
}

/** The `__weak` kfuncs (to poison, as `null`) and kernel variables the running kernel lacks. */
function weakExterns(load: Load): { kfuncs: Record<string, number | null>; missingKsyms: Set<string> } {
  const kfuncs: Record<string, number | null> = {};
  const missingKsyms = new Set<string>();
  for (const ext of Object.values(load.spec.externs)) {
    if (!ext.weak || (ext.kind !== 'kfunc' && ext.kind !== 'ksym')) continue;
    if (load.kernelBtf().anyTypeByName(ext.name, ext.kind === 'kfunc' ? 'func' : 'var')) continue;
    if (ext.kind === 'kfunc') kfuncs[ext.name] = null;
    else missingKsyms.add(ext.name);
    load.note(`${ext.kind} ${ext.name}: not in the kernel; __weak, so ${ext.kind === 'kfunc' ? 'calls are poisoned' : 'loads give 0'}`);
  }
  return { kfuncs, missingKsyms };
}

/** Rewrites loads of missing `__weak` kernel variables into `r = 0`, as libbpf does. */
function dropMissingKsyms(insns: readonly Instruction[], missing: ReadonlySet<string>): Instruction[] {
  if (missing.size === 0) return insns.slice();
  return insns.map((ins) => (isKsymLoad(ins) && ins.reference && missing.has(ins.reference) ? withChanges(ins, { src: 0, imm: 0, immHi: 0, reference: undefined }) : ins));
}

/**
 * Stage 6: the statically initialised slots of outer maps (`.values = { [1] = &inner }` in C):
 * a map fd in a map-in-map slot, a program fd in a prog array slot (skipped when that program
 * was not loaded).
 */
function fillSlots({ spec, label }: Load, maps: Record<string, BpfMap<any, any>>, programs: Record<string, Program>): void {
  for (const [outer, slots] of Object.entries(spec.mapSlots)) {
    for (const { index, target } of slots) {
      let fd: number;
      if (Object.hasOwn(spec.programs, target)) {
        if (!Object.hasOwn(programs, target)) continue; // not loaded (filtered out)
        fd = programs[target].fd;
      } else {
        const inner = Object.hasOwn(maps, target) ? maps[target] : undefined;
        if (!inner) throw new Error(`${label}: map ${outer}: slot ${index}: no map ${target}`);
        fd = inner.fd;
      }
      const key = new Uint8Array(4);
      new DataView(key.buffer).setUint32(0, index, true);
      const value = new Uint8Array(4);
      new DataView(value.buffer).setUint32(0, fd, true);
      maps[outer].updateRaw(key, value);
    }
  }
}

/**
 * Stage 7: each struct_ops map, created with its value (data members, program fds) and added to
 * the maps by its variable's name; `.struct_ops.link` maps get their value now and are ready
 * for links. Registering is `collection.structOps.<name>.attach()`. A map whose programs the
 * `programs` option left out is not created (a note says so), so one program can be loaded alone
 * (as `tsbpf check` does).
 */
function createStructOpsMaps(
  load: Load,
  plans: readonly StructOpsPlan[],
  programs: Readonly<Record<string, Program>>,
  maps: Record<string, BpfMap<any, any>>,
  btf: BtfObject | undefined,
): Record<string, StructOps> {
  const { opened } = load;
  const out: Record<string, StructOps> = {};
  for (const plan of plans) {
    const left = [...new Set(plan.slots.map((s) => s.program).filter((p) => !Object.hasOwn(programs, p)))];
    if (left.length > 0) {
      load.note(`struct_ops ${plan.spec.name}: not created: the programs option left out ${left.join(', ')}`);
      continue;
    }
    const so = createStructOps(plan, programs, btf?.fd, (c) => opened.add(c));
    out[so.name] = so;
    maps[so.name] = so.map;
  }
  return out;
}

/**
 * Stage 8: a {@link Variable} for each global, over its data section map: one
 * {@link DataSection} per map, mmapped when the map is BPF_F_MMAPABLE (read-only when frozen).
 */
function bindVariables({ spec, opened }: Load, maps: Record<string, BpfMap<any, any>>): Record<string, Variable> {
  const sections = new Map<string, DataSection>();
  const variables: Record<string, Variable> = {};
  for (const v of Object.values(spec.variables)) {
    const m = maps[v.mapName];
    if (!m) continue;
    let section = sections.get(v.mapName);
    if (!section) {
      const ms = spec.maps[v.mapName];
      const mmap = (m.flags & MapFlags.Mmapable) !== 0;
      section = opened.add(new DataSection(m, { mmap, readOnly: Boolean(ms?.freeze) || (m.flags & MapFlags.ReadOnly) !== 0 }));
      sections.set(v.mapName, section);
    }
    variables[v.name] = new Variable(v, section, codecForBtfType(spec.btf, v.typeId, v.size));
  }
  return variables;
}

// Map spec helpers.

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

/** `ms` (and its inner map) with the BTF object `fd` for its key/value types, where the kernel takes them. */
function withBtf(ms: MapSpec, fd: number): MapSpec {
  if (NO_BTF_TYPES.has(ms.type)) return { ...withoutBtf(ms), innerMap: ms.innerMap && withBtf(ms.innerMap, fd) };
  const out: MapSpec = { ...ms, btfFd: ms.btfKeyTypeId || ms.btfValueTypeId ? fd : undefined };
  if (ms.innerMap) out.innerMap = withBtf(ms.innerMap, fd);
  return out;
}

/** `ms` (and its inner map) with no BTF. */
function withoutBtf(ms: MapSpec): MapSpec {
  const out: MapSpec = { ...ms, btfFd: undefined, btfKeyTypeId: 0, btfValueTypeId: 0 };
  if (ms.innerMap) out.innerMap = withoutBtf(ms.innerMap);
  return out;
}
