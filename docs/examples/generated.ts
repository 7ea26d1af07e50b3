/**
 * Snippets for docs/api.md: the API that `tsbpf gen` writes, shown with the repository's
 * generated examples (examples/globals, examples/globalmap, examples/counting, examples/ringbuf).
 * Regions are copied into the docs by scripts/docs-snippets.mjs; `npm run typecheck` compiles them
 * against the committed bindings, so a change of the generator that breaks them fails CI.
 */
import { RingBufReader } from '../../src/ringbuf/index.js';
import { GlobalsVariableNames, loadGlobals, loadGlobalsSpec } from '../../examples/globals/globals.js';
import { GlobalmapProgramNames, loadGlobalmap, type Stats } from '../../examples/globalmap/globalmap.js';
import { Command, Op } from '../../examples/counting/counting.js';
import { Event, loadRingbuf } from '../../examples/ringbuf/ringbuf.js';

/** loadX with typed constants and variables. */
export function load(): bigint {
  // #region gen-load
  using obj = loadGlobals({ constants: { sample_every: 2 } }); // constants typed from .rodata
  obj.programs.sample.test(); obj.variables.seen.get();         // Variable<bigint>: a __u64 in .bss
  // #endregion
  return obj.variables.sampled.get();
}

/** Typed maps with struct codecs. */
export function maps(): Stats | undefined {
  // #region gen-maps
  using obj = loadGlobalmap();
  obj.maps.config.update(0, { enabled: true, min_len: 60 }); // BpfMap<number, Config>: codec from BTF
  const stats: Stats | undefined = obj.maps.stats.lookup(0);  // { packets, bytes, last_len }
  // #endregion
  return stats;
}

/** The spec and the name constants. */
export function specAndNames(): boolean {
  // #region gen-spec
  const spec = loadGlobalsSpec(); // the CollectionSpec of globals.bpf.o, found next to globals.ts
  spec.variables[GlobalsVariableNames.sample_every].constant; // true; name constants catch typos at compile time
  // #endregion
  return spec.variables.sample_every.constant;
}

/** The untyped collection underneath. */
export function collection(): number {
  // #region gen-collection
  using obj = loadGlobalmap({ logLevel: 1 }); // every loadCollection option but constants and codecs
  obj.collection.program(GlobalmapProgramNames.account).info().id; // the Collection underneath
  // #endregion
  return obj.collection.program(GlobalmapProgramNames.account).info().id;
}

/** Struct codecs and enums on their own. */
export function codecs(): Command {
  // #region gen-codec
  const buf = new DataView(new ArrayBuffer(Command.size)); // 16: clang's size and offsets
  Command.encode({ op: Op.OP_UPSERT, key: 7, value: 70n }, buf, 0); Command.decode(buf, 0);
  // #endregion
  return Command.decode(buf, 0);
}

/** Decoding ring buffer events with a generated codec. */
export function events(): Event[] {
  const out: Event[] = [];
  // #region gen-events
  using obj = loadRingbuf({ constants: { target_pid: process.pid } });
  using reader = new RingBufReader(obj.maps.events);
  reader.drain((bytes, off, len, view) => out.push(Event.decode(view, off))); // `--type event`
  // #endregion
  return out;
}
