/**
 * The BTF type model: one plain object per type, discriminated by `kind`.
 *
 * Types refer to each other by type id (a number). Id 0 is `void`; the types of a spec are
 * `spec.typeById(0 … spec.typeCount - 1)`. Names are decoded strings (`''` when anonymous).
 * The objects a {@link Spec} hands out are cached and mutable: a loader may change them (a
 * DATASEC's size, a VAR's offset, a FUNC's linkage) before marshalling the spec again.
 */

/** Every BTF kind, spelled like the kernel's `BTF_KIND_*` names in lower case. */
export type TypeKind =
  | 'void'
  | 'int'
  | 'ptr'
  | 'array'
  | 'struct'
  | 'union'
  | 'enum'
  | 'fwd'
  | 'typedef'
  | 'volatile'
  | 'const'
  | 'restrict'
  | 'func'
  | 'func_proto'
  | 'var'
  | 'datasec'
  | 'float'
  | 'decl_tag'
  | 'type_tag'
  | 'enum64';

/** `BTF_KIND_*` numbers by C-style name, for readers that work on raw records. */
export const BtfKind = {
  Void: 0,
  Int: 1,
  Ptr: 2,
  Array: 3,
  Struct: 4,
  Union: 5,
  Enum: 6,
  Fwd: 7,
  Typedef: 8,
  Volatile: 9,
  Const: 10,
  Restrict: 11,
  Func: 12,
  FuncProto: 13,
  Var: 14,
  Datasec: 15,
  Float: 16,
  DeclTag: 17,
  TypeTag: 18,
  Enum64: 19,
} as const;

/** The `BTF_KIND_*` number of each kind, as stored in the `info` word. */
export const KIND_NUMBER: Readonly<Record<TypeKind, number>> = {
  void: 0,
  int: 1,
  ptr: 2,
  array: 3,
  struct: 4,
  union: 5,
  enum: 6,
  fwd: 7,
  typedef: 8,
  volatile: 9,
  const: 10,
  restrict: 11,
  func: 12,
  func_proto: 13,
  var: 14,
  datasec: 15,
  float: 16,
  decl_tag: 17,
  type_tag: 18,
  enum64: 19,
};

/** The kind of each `BTF_KIND_*` number (index = number). */
export const KIND_BY_NUMBER: readonly TypeKind[] = [
  'void', 'int', 'ptr', 'array', 'struct', 'union', 'enum', 'fwd', 'typedef', 'volatile',
  'const', 'restrict', 'func', 'func_proto', 'var', 'datasec', 'float', 'decl_tag', 'type_tag',
  'enum64',
];

/** The type id 0, which always means `void`. */
export const VOID_ID = 0;

/** `void`: type id 0, implicit in every spec. */
export interface VoidType {
  kind: 'void';
  id: number;
  name: string;
}

/**
 * How an INT's bits are interpreted (`BTF_INT_SIGNED`, `BTF_INT_CHAR`, `BTF_INT_BOOL`, or none).
 * The kernel allows at most one of them.
 */
export type IntEncoding = 'unsigned' | 'signed' | 'char' | 'bool';

/** An integer type (`BTF_KIND_INT`): `int`, `unsigned char`, `_Bool`, `__int128`… */
export interface IntType {
  kind: 'int';
  id: number;
  name: string;
  /** Size in bytes. */
  size: number;
  encoding: IntEncoding;
  /** Number of value bits (`BTF_INT_BITS`); less than `size * 8` only for old-style bitfields. */
  bits: number;
  /** Bit offset of the value inside the storage (`BTF_INT_OFFSET`); 0 except old-style bitfields. */
  offset: number;
}

/** A pointer (`BTF_KIND_PTR`); `type` is the pointee (0 for `void *`). */
export interface PtrType {
  kind: 'ptr';
  id: number;
  name: string;
  type: number;
}

/** An array (`BTF_KIND_ARRAY`) of `nelems` elements of type `type`. */
export interface ArrayType {
  kind: 'array';
  id: number;
  name: string;
  /** Element type id. */
  type: number;
  /** Index type id (an INT; informational). */
  indexType: number;
  nelems: number;
}

/**
 * A member of a struct or union.
 *
 * `bitfieldSize` is non-zero only for bitfields encoded the modern way (`kind_flag` set on the
 * parent); old-style bitfields have `bitfieldSize` 0 and an INT member type whose `bits` is
 * narrower than its size (see `memberLayout` in layout.ts, which handles both).
 */
export interface Member {
  /** `''` for an anonymous (embedded) struct or union member. */
  name: string;
  type: number;
  /** Offset from the start of the parent, in bits. */
  bitOffset: number;
  /** Width in bits if this member is a bitfield, else 0. */
  bitfieldSize: number;
}

/** A struct (`BTF_KIND_STRUCT`). */
export interface StructType {
  kind: 'struct';
  id: number;
  name: string;
  /** Size in bytes. */
  size: number;
  members: Member[];
}

/** A union (`BTF_KIND_UNION`). */
export interface UnionType {
  kind: 'union';
  id: number;
  name: string;
  /** Size in bytes. */
  size: number;
  members: Member[];
}

/** One enumerator of a 32-bit enum; `value` is an int32 if the enum is signed, else a uint32. */
export interface EnumValue {
  name: string;
  value: number;
}

/** An enum with 32-bit values (`BTF_KIND_ENUM`). */
export interface EnumType {
  kind: 'enum';
  id: number;
  name: string;
  /** Size in bytes (1, 2, 4 or 8). */
  size: number;
  /** Whether values are signed (`kind_flag`); BTF from before Linux 6.0 never sets it. */
  signed: boolean;
  values: EnumValue[];
}

/** One enumerator of a 64-bit enum; `value` is an int64 if the enum is signed, else a uint64. */
export interface Enum64Value {
  name: string;
  value: bigint;
}

/** An enum with 64-bit values (`BTF_KIND_ENUM64`, Linux 6.0+). */
export interface Enum64Type {
  kind: 'enum64';
  id: number;
  name: string;
  /** Size in bytes. */
  size: number;
  signed: boolean;
  values: Enum64Value[];
}

/** A forward declaration (`BTF_KIND_FWD`) of a struct or union. */
export interface FwdType {
  kind: 'fwd';
  id: number;
  name: string;
  fwdKind: 'struct' | 'union';
}

/** A typedef (`BTF_KIND_TYPEDEF`) naming `type`. */
export interface TypedefType {
  kind: 'typedef';
  id: number;
  name: string;
  type: number;
}

/** `volatile` applied to `type`. */
export interface VolatileType {
  kind: 'volatile';
  id: number;
  name: string;
  type: number;
}

/** `const` applied to `type`. */
export interface ConstType {
  kind: 'const';
  id: number;
  name: string;
  type: number;
}

/** `restrict` applied to `type`. */
export interface RestrictType {
  kind: 'restrict';
  id: number;
  name: string;
  type: number;
}

/** Linkage of a FUNC (`BTF_FUNC_STATIC`, `BTF_FUNC_GLOBAL`, `BTF_FUNC_EXTERN`). */
export type FuncLinkage = 'static' | 'global' | 'extern';

/** A function (`BTF_KIND_FUNC`); `type` is its FUNC_PROTO. */
export interface FuncType {
  kind: 'func';
  id: number;
  name: string;
  type: number;
  linkage: FuncLinkage;
}

/** A parameter of a function prototype. */
export interface FuncParam {
  name: string;
  type: number;
}

/** A function prototype (`BTF_KIND_FUNC_PROTO`). */
export interface FuncProtoType {
  kind: 'func_proto';
  id: number;
  name: string;
  /** Return type id (0 for `void`). */
  returnType: number;
  params: FuncParam[];
  /** True if the prototype ends in `...` (encoded as a last parameter with type 0). */
  variadic: boolean;
}

/** Linkage of a VAR (`BTF_VAR_STATIC`, `BTF_VAR_GLOBAL_ALLOCATED`, `BTF_VAR_GLOBAL_EXTERN`). */
export type VarLinkage = 'static' | 'global' | 'extern';

/** A global or static variable (`BTF_KIND_VAR`). */
export interface VarType {
  kind: 'var';
  id: number;
  name: string;
  type: number;
  linkage: VarLinkage;
}

/** A variable's place inside a DATASEC (`struct btf_var_secinfo`). */
export interface VarSecinfo {
  /** The VAR (or, for `.ksyms`, FUNC) type id. */
  type: number;
  /** Byte offset inside the section. */
  offset: number;
  /** Size in bytes. */
  size: number;
}

/** A data section such as `.data`, `.bss`, `.rodata` or `.maps` (`BTF_KIND_DATASEC`). */
export interface DatasecType {
  kind: 'datasec';
  id: number;
  name: string;
  /** Size in bytes (clang leaves 0; loaders fill it in from the ELF section). */
  size: number;
  vars: VarSecinfo[];
}

/** A floating-point type (`BTF_KIND_FLOAT`). */
export interface FloatType {
  kind: 'float';
  id: number;
  name: string;
  size: number;
}

/**
 * A declaration tag (`BTF_KIND_DECL_TAG`, `__attribute__((btf_decl_tag("name")))`) on `type`.
 *
 * `componentIdx` is -1 when the tag applies to the type itself, else the index of the member
 * or parameter it applies to.
 */
export interface DeclTagType {
  kind: 'decl_tag';
  id: number;
  name: string;
  type: number;
  componentIdx: number;
}

/** A type tag (`BTF_KIND_TYPE_TAG`, `__attribute__((btf_type_tag("name")))`) on `type`. */
export interface TypeTagType {
  kind: 'type_tag';
  id: number;
  name: string;
  type: number;
}

/** Any BTF type. Narrow it with `t.kind`. */
export type Type =
  | VoidType
  | IntType
  | PtrType
  | ArrayType
  | StructType
  | UnionType
  | EnumType
  | Enum64Type
  | FwdType
  | TypedefType
  | VolatileType
  | ConstType
  | RestrictType
  | FuncType
  | FuncProtoType
  | VarType
  | DatasecType
  | FloatType
  | DeclTagType
  | TypeTagType;

/** The type object of a given kind, e.g. `TypeOfKind<'struct'>` is {@link StructType}. */
export type TypeOfKind<K extends TypeKind> = Extract<Type, { kind: K }>;

/** A type without its id, for building specs by hand with `Spec.fromTypes`. */
export type TypeInit = Type extends infer T ? (T extends Type ? Omit<T, 'id'> & { id?: number } : never) : never;

/** A struct or union. */
export type CompositeType = StructType | UnionType;

/** Any enum, 32- or 64-bit. */
export type AnyEnumType = EnumType | Enum64Type;

/** Types whose single reference is a `type` field that is skipped by `skipQualifiers`. */
export type QualifierType = TypedefType | VolatileType | ConstType | RestrictType | TypeTagType;

/** True for struct and union. */
export function isComposite(t: Type): t is CompositeType {
  return t.kind === 'struct' || t.kind === 'union';
}

/** True for enum and enum64. */
export function isAnyEnum(t: Type): t is AnyEnumType {
  return t.kind === 'enum' || t.kind === 'enum64';
}

/** True for typedef, const, volatile, restrict and type_tag. */
export function isQualifier(t: Type): t is QualifierType {
  return (
    t.kind === 'typedef' ||
    t.kind === 'const' ||
    t.kind === 'volatile' ||
    t.kind === 'restrict' ||
    t.kind === 'type_tag'
  );
}

/**
 * Returns the enumerators of an enum or enum64 as `{ name, value: bigint }`, so callers need not
 * care which of the two kinds it is.
 *
 * @example
 * for (const { name, value } of enumEntries(spec.anyTypeByName('bpf_map_type', 'enum')!)) …
 */
export function enumEntries(t: AnyEnumType): { name: string; value: bigint }[] {
  if (t.kind === 'enum64') return t.values.map((v) => ({ name: v.name, value: v.value }));
  return t.values.map((v) => ({ name: v.name, value: BigInt(v.value) }));
}
