/**
 * Specs: the plain-data description of BPF objects before anything exists in the kernel.
 *
 * A {@link CollectionSpec} is what `loadCollectionSpec()` (in `src/elf`) reads from a clang
 * `-target bpf` object: {@link ProgramSpec}s, {@link MapSpec}s, {@link VariableSpec}s, externs and
 * BTF. Specs are serialisable data with no fds; loading one gives live kernel objects. The same
 * ELF gives the same spec on every machine: nothing here depends on the running kernel.
 */
export * from './collection.js';
export * from './program.js';
export * from './map.js';
export * from './struct-ops.js';
