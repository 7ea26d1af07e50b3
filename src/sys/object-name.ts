/**
 * Kernel object names (`BPF_OBJ_NAME_LEN`): maps and programs carry at most 15 characters of
 * letters, digits, `_` and `.`.
 */

/** The name the kernel will accept for `name`: other characters become `_`, cut to 15. */
export function sanitizeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, 15);
}
