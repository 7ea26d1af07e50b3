/**
 * Errors of `tsbpf gen`: a missing clang, a C file that does not compile, and BTF types that have
 * no TypeScript representation.
 */

/** Any failure of `tsbpf gen`; the message is a `gen: context: cause` chain. */
export class GenError extends Error {}
GenError.prototype.name = 'GenError';

/** No clang was found: not in `$CLANG`, not `clang` on PATH, no `clang-NN` on PATH. */
export class ClangNotFoundError extends GenError {
  constructor() {
    super('gen: clang not found: install it (apt-get install clang libbpf-dev), or set $CLANG to its path');
  }
}
ClangNotFoundError.prototype.name = 'ClangNotFoundError';

/** clang refused the C file; {@link CompileError.stderr} holds its diagnostics. */
export class CompileError extends GenError {
  constructor(
    /** The source file, as given. */
    readonly source: string,
    /** The clang binary that ran. */
    readonly clang: string,
    /** clang's arguments. */
    readonly args: readonly string[],
    /** clang's exit status (null when it was killed by a signal). */
    readonly status: number | null,
    /** What clang printed on stderr: the errors to show the user. */
    readonly stderr: string,
  ) {
    const first = stderr.split('\n').find((l) => /\berror\b/.test(l))?.trim();
    super(`gen: compile ${source}: clang exited with status ${status ?? 'signal'}${first ? `: ${first}` : ''}`);
  }
}
CompileError.prototype.name = 'CompileError';

/** A BTF type that the generator cannot turn into a TypeScript type and codec. */
export class UnsupportedTypeError extends GenError {
  constructor(
    /** The C spelling of the type, e.g. `struct later` or `long double`. */
    readonly typeName: string,
    /** BTF type id in the object's BTF. */
    readonly typeId: number,
    /** Where it was reached from, e.g. `map events: value: struct event: member ts`. */
    readonly path: string,
    /** Why it cannot be represented. */
    readonly reason: string,
  ) {
    super(`gen: ${path ? `${path}: ` : ''}${typeName} (type ${typeId}): ${reason}`);
  }
}
UnsupportedTypeError.prototype.name = 'UnsupportedTypeError';
