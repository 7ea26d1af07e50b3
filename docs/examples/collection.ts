/**
 * Snippets for docs/api.md: loading objects, collections and global variables.
 *
 * Each region between `// #region name` and `// #endregion` is copied into the docs by
 * scripts/docs-snippets.mjs; `npm run typecheck` compiles this file, so the docs cannot drift
 * from the API. The object files named here are the repository's examples (count.bpf.o is
 * examples/seed/seed.bpf.o).
 */
import { loadCollection, loadCollectionSpec, u32, u64, type Collection, type Variable } from '../../src/index.js';

/** loadCollection with a `.rodata` constant, then a test run that changes a `.bss` variable. */
export function loadWithConstants(): bigint {
  // #region load-collection
  using coll = loadCollection('globals.bpf.o', { constants: { sample_every: 3 } });
  coll.programs.sample.test(); // one run; coll.variables.seen.get() is now 1n
  // #endregion
  return coll.variables.seen.get() as bigint;
}

/** loadCollection with explicit codecs and a pin directory. */
export function loadWithOptions(): void {
  // #region load-collection-options
  using coll = loadCollection('count.bpf.o', { codecs: { my_map: { key: u32, value: u64 } }, pinPath: '/sys/fs/bpf/myapp' });
  coll.maps.my_map.update(1, 10n);
  // #endregion
}

/** Reading an object without loading anything. */
export function readSpec(): void {
  // #region load-collection-spec
  const spec = loadCollectionSpec('count.bpf.o'); // plain data: no syscall, same result on every machine
  console.log(spec.maps.my_map.maxEntries, spec.programs.refresh_count.sectionName); // 102400 socket
  // #endregion
}

/** Looking objects up by name, with an error that lists what there is. */
export function byName(coll: Collection): number {
  // #region collection-by-name
  const prog = coll.program('refresh_count'); // like coll.programs.refresh_count, but throws when missing
  const m = coll.map('my_map');                // Error: collection count.bpf.o: no map ... (maps: my_map)
  // #endregion
  return prog.test().retval + m.count();
}

/** Closing a collection. */
export function closeCollection(coll: Collection): boolean {
  // #region collection-close
  coll.close(); // closes every program and map, unmaps variables; a second call does nothing
  coll.closed;  // true; coll.maps.my_map.lookup(1) now throws ClosedError
  // #endregion
  return coll.closed;
}

/** Reading and writing global variables. */
export function variables(coll: Collection): void {
  // #region variable-get-set
  coll.variables.seen.get();                               // 0n: a __u64 in .bss, read from the mapping
  coll.variables.label.set(Buffer.from('hello'.padEnd(16, '\0'))); // char[16] in .data: exactly 16 bytes
  // #endregion
}

/** A typed view of a variable. */
export function typedVariable(coll: Collection): bigint {
  // #region variable-as
  const seen: Variable<bigint> = coll.variables.seen.as(u64);
  seen.set(seen.get() + 1n); // programs see the new value on their next access
  // #endregion
  return seen.get();
}
