/**
 * Writes the TypeScript bindings of a compiled BPF object: its types and codecs, name constants
 * for its maps, programs and variables, `loadXSpec()` and a typed `loadX()`.
 *
 * Pure: bytes of a `.bpf.o` in, the text of the `.ts` out. The same object and options always
 * give the same text (no dates, no paths of this machine), formatted like the rest of tsbpf.
 */
import { loadCollectionSpec } from '../elf/index.js';
import { formatCDecl, resolveType, sizeof, type Spec, type Type } from '../btf/index.js';
import { MapType, mapTypeName, programTypeName } from '../types.js';
import type { CollectionSpec } from '../spec/index.js';
import type { MapSpec } from '../spec/map.js';
import { GenError, UnsupportedTypeError } from './errors.js';
import { helperImport } from './helpers.js';
import { NameTable, camelCase, pascalCase, propertyKey, quote } from './names.js';
import { TypeEmitter, type CodecRef } from './types.js';

/** Options of {@link generateBindings}. */
export interface BindingsOptions {
  /** The object's stem: `counter` for `counter.bpf.c`; names `loadCounter()` and friends. */
  name: string;
  /** The C file's name without directories, for the header: `counter.bpf.c`. */
  sourceName: string;
  /** The object's file name, found next to the `.ts` at run time: `counter.bpf.o`. */
  objectName: string;
  /** More types to declare (`--type`): `event`, `struct event`, `union u`, `enum e`, a typedef name. */
  types?: readonly string[] | undefined;
  /** The module the generated code imports tsbpf from (default `tsbpf`). */
  importFrom?: string | undefined;
  /**
   * Carry the object's bytes inside the module (base64, `--embed`) instead of reading
   * {@link BindingsOptions.objectName} next to it at run time: a bundled or compiled app then
   * needs no loose file.
   */
  embed?: boolean | undefined;
  /** The `--target` the object was compiled for, recorded in the header so it regenerates alike. */
  target?: string | undefined;
}

/**
 * Maps with no elements to look up: ring buffers are read with `RingBufReader` (user ring
 * buffers written with their own API), and the kernel refuses element operations on them. They are
 * typed `BpfMap<never, never>`: usable as a map source for a reader, while `lookup()` or `update()`
 * on them does not compile.
 */
const NO_ELEMENTS = new Set<number>([MapType.RingBuf, MapType.UserRingBuf]);

/** Base64 characters per line of an embedded object. */
const EMBED_LINE = 96;

/** Per-CPU map types: values are one element per possible CPU. */
const PER_CPU = new Set<number>([MapType.PerCpuHash, MapType.PerCpuArray, MapType.LruPerCpuHash, MapType.PerCpuCgroupStorage]);

/** A map with its typed codecs. */
interface TypedMap {
  name: string;
  spec: MapSpec;
  key: CodecRef;
  value: CodecRef;
  keyC: string;
  valueC: string;
}

/**
 * Generates the bindings for a compiled BPF object.
 *
 * @throws {UnsupportedTypeError} naming a type (and where it was used) that has no TypeScript form.
 * @throws {GenError} when a `--type` name is unknown or ambiguous.
 * @throws {ElfParseError} when the bytes are not a BPF object.
 */
export function generateBindings(object: Uint8Array, opts: BindingsOptions): string {
  const spec = loadCollectionSpec(object);
  return new BindingsWriter(spec, object, opts).write();
}

class BindingsWriter {
  readonly #spec: CollectionSpec;
  readonly #bytes: Uint8Array;
  readonly #btf: Spec | undefined;
  readonly #opts: BindingsOptions;
  readonly #stem: string;
  readonly #names = new NameTable();
  readonly #types: TypeEmitter | undefined;

  constructor(spec: CollectionSpec, bytes: Uint8Array, opts: BindingsOptions) {
    this.#spec = spec;
    this.#bytes = bytes;
    this.#btf = spec.btf;
    this.#opts = opts;
    this.#stem = pascalCase(opts.name);
    const s = this.#stem;
    this.#names.reserve(
      `${s}MapNames`,
      `${s}ProgramNames`,
      `${s}VariableNames`,
      `${s}Constants`,
      `${s}Options`,
      `${s}Maps`,
      `${s}Programs`,
      `${s}Variables`,
      `${s}StructOps`,
      `${s}Objects`,
      `${s}ProgramName`,
      `load${s}`,
      `load${s}Spec`,
      `${camelCase(opts.name)}ObjectPath`,
      `${camelCase(opts.name)}Object`,
      'objectSource',
      'constantCodecs',
      'encodeConstants',
    );
    this.#types = this.#btf ? new TypeEmitter(this.#btf, this.#names) : undefined;
  }

  /** The codec of a map key or value, from BTF when there is a type id of the right size. */
  #mapCodec(typeId: number | undefined, size: number, hint: string, path: string): { ref: CodecRef; c: string } {
    if (this.#btf && this.#types && typeId) {
      let actual = -1;
      try {
        actual = sizeof(this.#btf, typeId);
      } catch {
        // fall through to bytes
      }
      if (actual === size) return { ref: this.#types.codecFor(typeId, hint, path), c: cType(this.#btf, typeId) };
    }
    return { ref: { ts: 'Buffer', codec: `tsbpf.bytes(${size})` }, c: size === 0 ? 'none' : `${size} byte(s)` };
  }

  write(): string {
    const spec = this.#spec;
    const o = this.#opts;
    const s = this.#stem;
    const isDataSection = (n: string): boolean => n.startsWith('.');

    // Maps (data sections are reached through variables).
    const maps: TypedMap[] = [];
    for (const [name, ms] of Object.entries(spec.maps)) {
      if (isDataSection(name)) continue;
      const key = this.#mapCodec(ms.btfKeyTypeId, ms.keySize, `${pascalCase(name)}Key`, `map ${name}: key`);
      const value = this.#mapCodec(ms.btfValueTypeId, ms.valueSize, `${pascalCase(name)}Value`, `map ${name}: value`);
      maps.push({ name, spec: ms, key: key.ref, value: value.ref, keyC: key.c, valueC: value.c });
    }

    // Variables: non-static globals of data sections (not .kconfig).
    const vars: Array<{ name: string; ref: CodecRef; c: string; constant: boolean; section: string }> = [];
    for (const v of Object.values(spec.variables)) {
      if (v.isStatic || v.mapName.startsWith('.kconfig') || !Object.hasOwn(spec.maps, v.mapName)) continue;
      let ref: CodecRef = { ts: 'Buffer', codec: `tsbpf.bytes(${v.size})` };
      let c = `${v.size} byte(s) ${v.name}`;
      if (this.#btf && this.#types && v.typeId) {
        ref = this.#types.codecFor(v.typeId, pascalCase(v.name), `variable ${v.name}`);
        c = oneLine(formatCDecl(this.#btf, v.typeId, v.name));
      }
      vars.push({ name: v.name, ref, c, constant: v.constant, section: v.mapName });
    }

    const structOps = Object.values(spec.structOps ?? {});

    // Types named on the command line.
    for (const t of o.types ?? []) this.#declareNamed(t);

    const helpers = new Set(this.#types?.helpers ?? []);
    const constants = vars.filter((v) => v.constant);
    if (constants.length > 0) helpers.add('encodeWith');

    const out: string[] = [];
    out.push(`// Code generated by tsbpf gen from ${o.sourceName}; DO NOT EDIT.`);
    const flags = [
      ...(o.types ?? []).map((t) => `--type ${shellWord(t)}`),
      ...(o.importFrom && o.importFrom !== 'tsbpf' ? [`--import-from ${shellWord(o.importFrom)}`] : []),
      ...(o.target ? [`--target ${shellWord(o.target)}`] : []),
      ...(o.embed ? ['--embed'] : []),
    ];
    if (flags.length > 0) out.push(`// tsbpf gen options: ${flags.join(' ')}`);
    out.push('');
    out.push('/**');
    out.push(` * TypeScript bindings for ${o.objectName}, compiled from ${o.sourceName}: the C types its maps and`);
    out.push(` * variables use, with codecs that match clang's layout byte for byte, and {@link load${s}}, which loads`);
    out.push(' * the object and returns typed maps, programs and variables.');
    out.push(' *');
    out.push(` * Regenerate with \`tsbpf gen ${o.sourceName}${flags.length ? ` ${flags.join(' ')}` : ''}\`.`);
    out.push(' */');
    if (!o.embed) out.push("import { fileURLToPath } from 'node:url';");
    out.push(`import * as tsbpf from ${quote(o.importFrom ?? 'tsbpf')};`);
    out.push('');

    const uses = helperImport(helpers);
    if (uses) out.push(uses, '');
    for (const d of this.#types?.declarations ?? []) out.push(d, '');

    // Name constants.
    out.push(...nameConsts(`${s}MapNames`, `The maps of ${o.objectName} by name (data sections such as \`.bss\` are reached through variables).`, maps.map((m) => m.name)));
    out.push(...nameConsts(`${s}ProgramNames`, `The programs of ${o.objectName} by name.`, Object.keys(spec.programs)));
    out.push(...nameConsts(`${s}VariableNames`, `The global variables of ${o.objectName} by name.`, vars.map((v) => v.name)));

    if (o.embed) {
      const objConst = `${camelCase(o.name)}Object`;
      const b64 = Buffer.from(this.#bytes).toString('base64');
      out.push(`/** The bytes of ${o.objectName} (${this.#bytes.length} bytes), embedded by \`tsbpf gen --embed\`. */`);
      out.push(`export const ${objConst}: Uint8Array = Buffer.from(`);
      out.push('  [');
      for (let i = 0; i < b64.length; i += EMBED_LINE) out.push(`    '${b64.slice(i, i + EMBED_LINE)}',`);
      out.push("  ].join(''),");
      out.push("  'base64',");
      out.push(');');
      out.push('');
      out.push(`/** What the object is loaded from: its embedded bytes. */`);
      out.push(`function objectSource(): Uint8Array {`);
      out.push(`  return ${objConst};`);
      out.push('}');
    } else {
      const pathConst = `${camelCase(o.name)}ObjectPath`;
      out.push(`/** The path of ${o.objectName}, next to this file. */`);
      out.push(`export const ${pathConst}: string = fileURLToPath(new URL(${quote(`./${o.objectName}`)}, import.meta.url));`);
      out.push('');
      out.push(`/** What the object is loaded from: ${o.objectName} next to this file; when missing, an error says where it looked and how to fix it. */`);
      out.push(`function objectSource(): string {`);
      out.push(`  return tsbpf.findObjectFile(${pathConst}, ${quote(o.sourceName)});`);
      out.push('}');
    }
    out.push('');
    out.push(`/** Reads ${o.objectName} into a CollectionSpec: plain data, nothing is loaded into the kernel. */`);
    out.push(`export function load${s}Spec(): tsbpf.CollectionSpec {`);
    out.push('  return tsbpf.loadCollectionSpec(objectSource());');
    out.push('}');
    out.push('');

    // Constants.
    if (constants.length > 0) {
      out.push(`/** Values for the constants (\`.rodata\`) of ${o.sourceName}, written before the programs load. */`);
      out.push(`export interface ${s}Constants {`);
      for (const c of constants) {
        out.push(`  /** \`${c.c}\` in ${c.section}. */`);
        out.push(`  ${propertyKey(c.name)}?: ${c.ref.ts};`);
      }
      out.push('}');
    } else {
      out.push(`/** ${o.sourceName} has no constants (\`.rodata\` globals). */`);
      out.push(`export type ${s}Constants = Record<string, never>;`);
    }
    out.push('');
    const progNames = Object.keys(spec.programs);
    const P = `${s}ProgramName`;
    out.push(`/** The name of a program of ${o.objectName}. */`);
    out.push(`export type ${P} = ${progNames.length ? progNames.map((n) => quote(n)).join(' | ') : 'never'};`);
    out.push('');
    out.push(`/** Options of {@link load${s}}: those of \`loadCollection\`, with typed constants (codecs come from BTF). */`);
    out.push(`export interface ${s}Options<P extends ${P} = ${P}> extends Omit<tsbpf.CollectionOptions, 'constants' | 'codecs' | 'programs'> {`);
    out.push('  /** Values of constants, set before loading. */');
    out.push(`  constants?: ${s}Constants;`);
    out.push('  /** Load only these programs (default: all); the others are absent from `programs`. */');
    out.push('  programs?: readonly P[];');
    out.push('}');
    out.push('');

    // Handles.
    out.push(`/** The maps of ${o.objectName}, with typed keys and values. */`);
    out.push(`export interface ${s}Maps {`);
    for (const m of maps) {
      const perCpu = PER_CPU.has(m.spec.type);
      const kv = NO_ELEMENTS.has(m.spec.type)
        ? 'no elements (read it with an event reader)'
        : `key ${m.keyC === 'none' ? 'none' : `\`${m.keyC}\``}, value ${m.valueC === 'none' ? 'none' : `\`${m.valueC}\``}${perCpu ? ' per CPU' : ''}`;
      out.push(`  /** ${mapTypeName(m.spec.type)}: ${kv}, max_entries ${m.spec.maxEntries}. */`);
      out.push(`  readonly ${propertyKey(m.name)}: ${mapType(m)};`);
    }
    out.push('}');
    out.push('');
    out.push(`/** The programs of ${o.objectName}. */`);
    out.push(`export interface ${s}Programs {`);
    for (const [name, p] of Object.entries(spec.programs)) {
      out.push(`  /** SEC(${JSON.stringify(p.sectionName)}): ${programTypeName(p.type)}. */`);
      out.push(`  readonly ${propertyKey(name)}: tsbpf.Program;`);
    }
    out.push('}');
    out.push('');
    out.push(`/** The global variables of ${o.objectName}; constants can be read, and \`set()\` throws for them. */`);
    out.push(`export interface ${s}Variables {`);
    for (const v of vars) {
      out.push(`  /** \`${v.c}\` in ${v.section}${v.constant ? ' (a constant: set it with `constants` when loading)' : ''}. */`);
      out.push(`  readonly ${propertyKey(v.name)}: tsbpf.Variable<${v.ref.ts}>;`);
    }
    out.push('}');
    out.push('');
    if (structOps.length > 0) {
      out.push(`/** The struct_ops maps of ${o.objectName}: \`attach()\` registers one with its kernel subsystem. */`);
      out.push(`export interface ${s}StructOps {`);
      for (const so of structOps) {
        const slots = so.programs.map((p) => `${p.member}: ${p.program}`).join(', ');
        out.push(`  /** SEC(${JSON.stringify(so.section)}): \`struct ${so.typeName}\`${slots ? ` (${slots})` : ''}. */`);
        out.push(`  readonly ${propertyKey(so.name)}: tsbpf.StructOps;`);
      }
      out.push('}');
      out.push('');
    }
    out.push(`/** ${o.objectName} loaded into the kernel. Owns every fd: \`close()\` it, or declare it with \`using\`. */`);
    out.push(`export interface ${s}Objects<P extends ${P} = ${P}> extends Disposable {`);
    out.push('  /** Maps with the codecs generated from BTF. */');
    out.push(`  readonly maps: ${s}Maps;`);
    out.push('  /** Programs by C function name: those loaded (all, unless `programs` named some). */');
    out.push(`  readonly programs: Pick<${s}Programs, P>;`);
    out.push('  /** Global variables with typed `get()` and `set()`. */');
    out.push(`  readonly variables: ${s}Variables;`);
    if (structOps.length > 0) {
      out.push('  /** struct_ops maps by C variable name; `attach()` registers one. Those whose programs `programs` leaves out are absent. */');
      out.push(`  readonly structOps: ${P} extends P ? ${s}StructOps : Partial<${s}StructOps>;`);
    }
    out.push('  /** The untyped collection underneath (data section maps, notes...). */');
    out.push('  readonly collection: tsbpf.Collection;');
    out.push('  /** Closes every map and program; later calls do nothing. */');
    out.push('  close(): void;');
    out.push('}');
    out.push('');

    if (constants.length > 0) {
      out.push('/** Codecs of the constants, to encode them before loading. */');
      out.push('const constantCodecs: Record<string, tsbpf.Codec<unknown>> = {');
      for (const c of constants) out.push(`  ${propertyKey(c.name)}: ${c.ref.codec},`);
      out.push('};');
      out.push('');
      out.push('/** Encodes typed constants to bytes; unknown names pass through for loadCollection to report. */');
      out.push(`function encodeConstants(c: ${s}Constants): Record<string, tsbpf.ConstantValue> {`);
      out.push('  const out: Record<string, tsbpf.ConstantValue> = {};');
      out.push('  for (const [name, value] of Object.entries(c)) {');
      out.push('    if (value === undefined) continue;');
      out.push('    const codec = Object.hasOwn(constantCodecs, name) ? constantCodecs[name] : undefined;');
      out.push('    out[name] = codec ? encodeWith(codec, value) : (value as tsbpf.ConstantValue);');
      out.push('  }');
      out.push('  return out;');
      out.push('}');
      out.push('');
    }

    out.push('/**');
    out.push(` * Loads ${o.objectName} into the kernel (see \`loadCollection\`) and returns its maps, programs and`);
    out.push(' * variables with the types of the C source. Programs are loaded, not attached.');
    out.push(' *');
    out.push(' * @throws {VerifierError} when the kernel refuses a program; {@link SyscallError} for maps.');
    out.push(' *   Whatever was opened before the error is closed first.');
    out.push(' * @example');
    out.push(` * using obj = load${s}();`);
    out.push(' */');
    out.push(`export function load${s}<P extends ${P} = ${P}>(opts: ${s}Options<P> = {}): ${s}Objects<P> {`);
    out.push('  const { constants, programs, ...rest } = opts;');
    out.push('  const coll = tsbpf.loadCollection(objectSource(), {');
    out.push('    ...rest,');
    if (constants.length > 0) out.push('    ...(constants === undefined ? {} : { constants: encodeConstants(constants) }),');
    else out.push('    ...(constants === undefined ? {} : { constants }),');
    out.push('    ...(programs === undefined ? {} : { programs }),');
    out.push('    codecs: {');
    for (const m of maps) {
      const value = PER_CPU.has(m.spec.type) ? `tsbpf.perCpu(${m.value.codec})` : m.value.codec;
      out.push(`      ${propertyKey(m.name)}: { key: ${m.key.codec}, value: ${value} },`);
    }
    out.push('    },');
    out.push('  });');
    out.push('  try {');
    if (progNames.length > 0) {
      out.push(`    const loaded: Partial<Record<${P}, tsbpf.Program>> = {};`);
      out.push(`    for (const name of programs ?? Object.values(${s}ProgramNames)) loaded[name] = coll.program(name);`);
    }
    out.push('    return {');
    out.push('      maps: {');
    for (const m of maps) out.push(`        ${propertyKey(m.name)}: coll.map(${quote(m.name)}) as ${mapType(m)},`);
    out.push('      },');
    out.push(progNames.length === 0 ? '      programs: {},' : `      programs: loaded as Pick<${s}Programs, P>,`);
    out.push('      variables: {');
    for (const v of vars) out.push(`        ${propertyKey(v.name)}: coll.variable(${quote(v.name)}).as(${v.ref.codec}),`);
    out.push('      },');
    if (structOps.length > 0) {
      out.push('      structOps: {');
      for (const so of structOps) {
        out.push(`        ...(Object.hasOwn(coll.structOps, ${quote(so.name)}) ? { ${propertyKey(so.name)}: coll.structOp(${quote(so.name)}) } : {}),`);
      }
      out.push(`      } as ${s}Objects<P>['structOps'],`);
    }
    out.push('      collection: coll,');
    out.push('      close: () => coll.close(),');
    out.push('      [Symbol.dispose]: () => coll.close(),');
    out.push('    };');
    out.push('  } catch (e) {');
    out.push('    coll.close();');
    out.push('    throw e;');
    out.push('  }');
    out.push('}');

    return `${tidy(out.join('\n').split('\n')).join('\n')}\n`;
  }

  #declareNamed(want: string): void {
    const btf = this.#btf;
    if (!btf || !this.#types) throw new GenError(`gen: --type ${want}: the object has no BTF (compile with -g)`);
    const m = /^(struct|union|enum)\s+(\S+)$/.exec(want.trim());
    const name = m ? m[2] : want.trim();
    const kinds = m ? (m[1] === 'enum' ? ['enum', 'enum64'] : [m[1]]) : ['struct', 'union', 'enum', 'enum64', 'typedef'];
    const all = btf.typesByName(name);
    const found = all.filter((t) => kinds.includes(t.kind));
    const path = `--type ${want}`;
    if (found.length === 0) {
      const fwd = all.find((t) => t.kind === 'fwd' && (!m || t.fwdKind === m[1]));
      if (fwd) throw new UnsupportedTypeError(`${fwd.kind === 'fwd' ? fwd.fwdKind : 'struct'} ${name}`, fwd.id, path, "a forward declaration: the object's BTF has no definition, so its layout is unknown");
      const other = all.find((t) => t.kind !== 'fwd');
      if (other) throw new UnsupportedTypeError(name, other.id, path, `a ${other.kind} is not a data type`);
      throw new GenError(
        `gen: ${path}: no type named ${name} in the object's BTF: clang only emits types the program uses in a global, a map or a function signature; add e.g. \`const struct ${name} *unused_${name} __attribute__((unused));\``,
      );
    }
    // typedef struct foo foo: the struct and the typedef are one type to the user.
    const direct = found.filter((t) => t.kind !== 'typedef');
    const pick: Type | undefined = direct.length === 1 ? direct[0] : direct.length === 0 && found.length === 1 ? found[0] : undefined;
    if (!pick) {
      throw new GenError(`gen: ${path}: ambiguous: ${found.map((t) => describeKind(t)).join(', ')}; write e.g. --type 'struct ${name}'`);
    }
    this.#types.declareNamed(pick.id, path);
  }
}

function describeKind(t: Type): string {
  return t.kind === 'enum64' ? `enum ${t.name}` : `${t.kind} ${t.name}`;
}

function nameConsts(name: string, doc: string, names: readonly string[]): string[] {
  const out = [`/** ${doc} */`];
  if (names.length === 0) {
    out.push(`export const ${name} = {} as const;`, '');
    return out;
  }
  out.push(`export const ${name} = {`);
  for (const n of names) out.push(`  ${propertyKey(n)}: ${quote(n)},`);
  out.push('} as const;', '');
  return out;
}

/** `T[]`, parenthesised when T is a union type. */
function arrayOf(ts: string): string {
  return /[|&]/.test(ts) ? `(${ts})[]` : `${ts}[]`;
}

/** The TypeScript type of a generated map handle. */
function mapType(m: TypedMap): string {
  if (NO_ELEMENTS.has(m.spec.type)) return 'tsbpf.BpfMap<never, never>';
  return `tsbpf.BpfMap<${m.key.ts}, ${PER_CPU.has(m.spec.type) ? arrayOf(m.value.ts) : m.value.ts}>`;
}

/** Closes an empty `{` line into `{}` so empty interfaces and objects print on one line. */
function tidy(lines: string[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.endsWith('{') && /^\s*}[,;]?$/.test(l)) {
      out[out.length - 1] = prev + l.trim();
      continue;
    }
    out.push(l);
  }
  return out;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ');
}

/** A short C spelling of a type for doc comments. */
function cType(btf: Spec, id: number): string {
  const t = btf.typeById(id);
  if (t.kind === 'typedef' || t.kind === 'int') return t.name;
  const r = resolveType(btf, id);
  if ((r.kind === 'struct' || r.kind === 'union') && r.name) return `${r.kind} ${r.name}`;
  if ((r.kind === 'enum' || r.kind === 'enum64') && r.name) return `enum ${r.name}`;
  return oneLine(formatCDecl(btf, id, '')).trim();
}

/** A word as a shell would need it quoted. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_./@:=+-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}
