/**
 * Error classes of the BTF module.
 *
 * Every error thrown by `src/btf` on bad input or an impossible request is a {@link BtfError}.
 * Messages are chains of lowercase `context: cause` segments, innermost cause last, e.g.
 * `btf: type 17: member 3: type id 999 out of range (have 120 types)`.
 */

/** Base class of every error thrown by the BTF module. */
export class BtfError extends Error {}
BtfError.prototype.name = 'BtfError';

/** What was wrong with a blob that {@link BtfParseError} rejected. */
export type BtfParseErrorReason =
  | 'truncated' // the data ends before a header, record or section it declares
  | 'bad-magic' // not a BTF blob
  | 'big-endian' // a BTF blob in big-endian byte order, which this parser does not read
  | 'bad-version' // a header version other than 1
  | 'bad-header' // a header length or section offset/length that is inconsistent
  | 'bad-string-table' // a string table that does not start or end with NUL
  | 'bad-string-offset' // a name or string offset outside the string table
  | 'bad-type-id' // a reference to a type id that does not exist
  | 'unknown-kind' // a type kind this parser does not know
  | 'bad-vlen' // a vlen whose records run past the end of the type section
  | 'bad-value' // a field with a value the format does not allow (int encoding, linkage, record size)
  | 'unknown-relocation-kind'; // a CO-RE relocation kind this parser does not know

/**
 * A `.BTF` or `.BTF.ext` blob is malformed.
 *
 * `reason` says what kind of problem it is; `offset` is the byte offset in the blob where it was
 * detected, and `typeId` the type being read, when known.
 */
export class BtfParseError extends BtfError {
  constructor(
    readonly reason: BtfParseErrorReason,
    message: string,
    readonly offset?: number,
    readonly typeId?: number,
  ) {
    super(message);
  }
}
BtfParseError.prototype.name = 'BtfParseError';

/** What went wrong while {@link BtfResolveError} walked the type graph. */
export type BtfResolveErrorReason =
  | 'bad-type-id' // a type id that does not exist in the spec
  | 'cycle' // a chain of references longer than the walk allows: a loop in the type graph
  | 'unsized' // the type has no size (void, func, func_proto, fwd, decl_tag)
  | 'bad-kind' // the type has the wrong kind for the request (member of a non-struct …)
  | 'bad-index' // a member or element index out of range
  | 'overflow'; // a size that does not fit in a safe integer

/**
 * A walk over the types of a spec (sizeof, alignof, skipQualifiers, printing) could not finish.
 *
 * `typeId` is the type where the walk stopped.
 */
export class BtfResolveError extends BtfError {
  constructor(
    readonly reason: BtfResolveErrorReason,
    readonly typeId: number,
    message: string,
  ) {
    super(message);
  }
}
BtfResolveError.prototype.name = 'BtfResolveError';

/** A spec could not be encoded to bytes: a value does not fit its field. */
export class BtfMarshalError extends BtfError {
  constructor(
    readonly typeId: number,
    message: string,
  ) {
    super(message);
  }
}
BtfMarshalError.prototype.name = 'BtfMarshalError';

/**
 * The running kernel exposes no BTF at the expected path.
 *
 * Kernels built without `CONFIG_DEBUG_INFO_BTF` (or, for modules, `CONFIG_DEBUG_INFO_BTF_MODULES`)
 * have no `/sys/kernel/btf/vmlinux`.
 */
export class KernelBtfNotFoundError extends BtfError {
  constructor(
    readonly path: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
KernelBtfNotFoundError.prototype.name = 'KernelBtfNotFoundError';

/** Why a CO-RE relocation could not be computed or applied ({@link CoreRelocationError}). */
export type CoreRelocationErrorReason =
  | 'bad-type-id' // the relocation's local type id does not exist
  | 'bad-access-string' // the access string does not fit the local type
  | 'anonymous-type' // the local root type has no name, so there is nothing to search for
  | 'ambiguous' // several target candidates give different answers
  | 'unresolvable' // a size or bitfield the relocation needs cannot be computed
  | 'too-complex' // the type comparison exceeded its work budget (pathological BTF)
  | 'bad-instruction' // the instruction cannot carry this relocation
  | 'unexpected-value' // the instruction does not hold the value clang computed locally
  | 'value-too-big'; // the new value does not fit the instruction field

/**
 * A CO-RE relocation could not be resolved against the target BTF, or its fixup could not be
 * applied to the instruction.
 *
 * A relocation that merely finds no match is not an error: it yields a poisoned fixup instead,
 * as libbpf does, so the verifier reports the instruction only if it is reachable.
 */
export class CoreRelocationError extends BtfError {
  constructor(
    readonly reason: CoreRelocationErrorReason,
    /** Byte offset of the relocated instruction in its ELF section. */
    readonly insnByteOffset: number,
    message: string,
  ) {
    super(message);
  }
}
CoreRelocationError.prototype.name = 'CoreRelocationError';
