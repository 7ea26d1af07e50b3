/**
 * StructOpsError: a struct_ops variable of an object cannot become a struct_ops map of the
 * running kernel.
 */

/**
 * A struct_ops variable cannot be matched with the kernel's struct, or cannot be registered:
 * an unknown struct or member, a member whose size differs, a callback whose program is
 * missing. The message names the variable, the struct, the member and the cause:
 * `struct_ops tsbpf_cc: struct tcp_congestion_ops: member foo: not in the kernel's struct`.
 */
export class StructOpsError extends Error {
  constructor(
    /** The struct_ops variable (and map) name. */
    readonly structOps: string,
    /** The struct's name, e.g. `tcp_congestion_ops`. */
    readonly typeName: string,
    /** The member involved, when there is one. */
    readonly member: string | undefined,
    /** What is wrong, without the context. */
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`struct_ops ${structOps}: struct ${typeName}: ${member !== undefined ? `member ${member}: ` : ''}${reason}`, options);
  }
}
StructOpsError.prototype.name = 'StructOpsError';
