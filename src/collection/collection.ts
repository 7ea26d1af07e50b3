/**
 * Collection: the live objects of one BPF object file (maps, programs, global variables by
 * name), as `loadCollection` (load.ts) made them. It owns every fd: closing it closes them all.
 */
import type { BpfMap } from '../map/map.js';
import type { Program } from '../prog/program.js';
import type { Variable } from './variable.js';
import type { StructOps } from './struct-ops.js';

/** Anything with an idempotent close. */
export interface Closer {
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
  /** struct_ops maps (`SEC(".struct_ops")`, `SEC(".struct_ops.link")` variables) by C identifier; `attach()` registers one. Their maps are in {@link maps} too. */
  readonly structOps: Record<string, StructOps>;
  /** Notes about fallbacks taken while loading (maps created without BTF...). */
  readonly notes: readonly string[];
  /** What the collection was loaded from (an object file name, or `collection`). */
  readonly name: string;
  readonly #closers: Closer[];
  #closed = false;

  /** Made by `loadCollection` (src/collection/load.ts), which hands over everything it opened. */
  constructor(parts: {
    name: string;
    maps: Record<string, BpfMap<any, any>>;
    programs: Record<string, Program>;
    variables: Record<string, Variable>;
    structOps?: Record<string, StructOps>;
    notes: string[];
    closers: Closer[];
  }) {
    this.name = parts.name;
    this.maps = parts.maps;
    this.programs = parts.programs;
    this.variables = parts.variables;
    this.structOps = parts.structOps ?? {};
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

  /** The struct_ops map `name`; throws listing the struct_ops maps there are when it is missing. */
  structOp(name: string): StructOps {
    const s = Object.hasOwn(this.structOps, name) ? this.structOps[name] : undefined;
    if (!s) throw new Error(`collection ${this.name}: no struct_ops ${name} (struct_ops: ${Object.keys(this.structOps).join(', ') || 'none'})`);
    return s;
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Closes every program and map, unmaps variables and unregisters struct_ops maps registered by update; later calls do nothing. */
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

/** Closes `closers` last first, empties the list, and rethrows the first error after trying them all. */
export function closeAll(closers: Closer[]): void {
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
