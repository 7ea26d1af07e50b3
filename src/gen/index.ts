/**
 * `tsbpf gen`: the bpf2go of TypeScript. Compiles a BPF C file with clang and writes typed
 * TypeScript bindings next to the object.
 *
 * - {@link generate} compiles `foo.bpf.c` into `foo.bpf.o` and writes `foo.ts`: an interface and
 *   a `Codec` for every type a map key or value, a global variable or a `--type` name uses (exact
 *   offsets, sizes and padding from BTF), name constants for maps, programs and variables,
 *   `loadFooSpec()` and `loadFoo()`, which returns typed `BpfMap`s, `Program`s and `Variable`s.
 * - {@link generateBindings} does the second half alone, from the bytes of any BPF object.
 * - {@link writeVmlinuxHeader} writes `vmlinux.h` from the running kernel's BTF.
 * - {@link loadGenConfig} reads the sources to generate from package.json (`"tsbpf": { "gen": ... }`)
 *   or tsbpf.config.json: what `tsbpf gen` with no file does, like `go generate`.
 * - Options: `target` sets `__TARGET_ARCH_*` (bpf2go's `-target`); `embed` puts the object's bytes
 *   in the bindings, so an app needs no loose `.bpf.o` (without it, {@link findObjectFile} reports
 *   a missing object with where it looked and how to fix it).
 *
 * Compilation needs clang (Debian: `apt-get install clang libbpf-dev`; libbpf-dev provides
 * `<bpf/bpf_helpers.h>`). The output is deterministic: the same C file and options give the same
 * bytes on any machine with the same clang, because paths are mapped away with
 * `-ffile-prefix-map`. Generated code imports tsbpf as `import * as tsbpf from 'tsbpf'` (or the
 * specifier given with `importFrom`) and nothing else but `node:url`.
 *
 * How C types become TypeScript is described in types.ts (and in the README's `tsbpf gen`
 * section): 64-bit integers are bigint, `char[N]` is a string, unions decode every member and
 * encode the first one set, enums are `as const` objects with a literal union type.
 *
 * @module
 */
export { generate, writeVmlinuxHeader, stemOf } from './generate.js';
export type { GenerateOptions, GenerateResult } from './generate.js';
export { generateBindings } from './bindings.js';
export type { BindingsOptions } from './bindings.js';
export { compileBpf, findClang, targetArch, envCflags, tsbpfIncludeDir } from './clang.js';
export type { CompileResult } from './clang.js';
export { GenError, ClangNotFoundError, CompileError, UnsupportedTypeError } from './errors.js';
export { loadGenConfig, GenConfigError, CONFIG_FILES } from './config.js';
export type { GenConfig, GenJob } from './config.js';
export { findObjectFile, ObjectFileNotFoundError } from './object-file.js';
export { pascalCase, camelCase } from './names.js';
