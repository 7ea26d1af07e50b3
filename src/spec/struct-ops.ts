/**
 * StructOpsSpec: a struct_ops map as an object file declares it (a variable in `.struct_ops` or
 * `.struct_ops.link` whose type is a kernel struct of function pointers, such as
 * `struct tcp_congestion_ops`), before it is matched against the running kernel's struct.
 */

/** A function pointer member of a struct_ops variable that points at a program. */
export interface StructOpsProgramSlot {
  /** The member's name in the object's struct (the kernel's member of the same name gets the program). */
  member: string;
  /** Byte offset of the member in the object's struct. */
  offset: number;
  /** The program (C function name, a key of `CollectionSpec.programs`) the member points at. */
  program: string;
}

/** A data member of a struct_ops variable (anything but a function pointer), copied by name into the kernel's struct. */
export interface StructOpsDataMember {
  /** The member's name. */
  name: string;
  /** Byte offset in the object's struct. */
  offset: number;
  /** Size in bytes in the object's struct (checked against the kernel's member). */
  size: number;
  /** BTF id of the member's type in the object's BTF. */
  typeId: number;
}

/** One struct_ops variable: the map it becomes, the programs in its slots and its data. */
export interface StructOpsSpec {
  /** The variable's C name: also the name of its map. */
  name: string;
  /** The ELF section: `.struct_ops` (registered by a map update) or `.struct_ops.link` (registered by a link, `BPF_F_LINK`). */
  section: string;
  /** The name of the struct, e.g. `tcp_congestion_ops`: the kernel's struct of that name is the target. */
  typeName: string;
  /** BTF id of the struct in the object's BTF. */
  typeId: number;
  /** The variable's bytes as initialised in C (function pointer slots hold no meaning here). */
  data: Uint8Array;
  /** Registered through a `bpf_link` (`.struct_ops.link`, map flag `BPF_F_LINK`) rather than by a map update. */
  link: boolean;
  /** Function pointer members set to a program, in member order. */
  programs: StructOpsProgramSlot[];
  /** Function pointer members left unset (NULL in C): the kernel's default, or no callback. */
  emptyFunctions: string[];
  /** Data members, in member order. */
  dataMembers: StructOpsDataMember[];
}
