/**
 * Prints BTF types as C: single declarations ({@link formatCType}, {@link formatCDecl},
 * {@link formatCDefinition}) and a whole `vmlinux.h` ({@link formatVmlinuxHeader}) that clang can
 * compile for `-target bpf`, like `bpftool btf dump file … format c`.
 *
 * Struct layouts are reproduced exactly: gaps become unnamed bitfields (`long: 64;`), which do not
 * change a struct's alignment, and structs whose offsets need it get `__attribute__((packed))`.
 */
import { CPrinter, type CPrinterOptions } from './c-declarator.js';
import { HeaderEmitter } from './c-header.js';
import { Names } from './c-names.js';
import type { Spec } from './spec.js';

export type { CPrinterOptions } from './c-declarator.js';

/** Options of {@link formatVmlinuxHeader}. */
export interface VmlinuxHeaderOptions extends CPrinterOptions {
  /** Include guard macro; default `__VMLINUX_H__`. */
  guard?: string;
  /**
   * Declare the kernel's kfuncs (FUNCs tagged `bpf_kfunc`) as `extern … __weak __ksym;`
   * (default true), inside `#ifndef BPF_NO_KFUNC_PROTOTYPES`.
   */
  kfuncPrototypes?: boolean;
  /**
   * Wrap the types in `#pragma clang attribute push (__attribute__((preserve_access_index)),
   * apply_to = record)` so every struct access is CO-RE relocatable (default true). Programs can
   * still opt out by defining `BPF_NO_PRESERVE_ACCESS_INDEX` before the include.
   */
  preserveAccessIndex?: boolean;
}

/**
 * Returns the C spelling of type `id` as an abstract declarator (no identifier), e.g.
 * `struct task_struct *`, `int (*)(void *)` or `unsigned int [16]`.
 */
export function formatCType(spec: Spec, id: number, opts: CPrinterOptions = {}): string {
  const p = new CPrinter(spec, new Names(), opts);
  return p.decl(id, '', 0);
}

/**
 * Returns a C declaration of `name` with type `id`, e.g. `int (*handler)(void *)` or
 * `char comm[16]`. Anonymous structs, unions and enums are printed inline.
 */
export function formatCDecl(spec: Spec, id: number, name: string, opts: CPrinterOptions = {}): string {
  return new CPrinter(spec, new Names(), opts).decl(id, name, 0);
}

/**
 * Returns the C definition of a struct, union, enum or typedef, ending in `;`, e.g.
 * `struct foo {\n\tint a;\n};` or `typedef unsigned int __u32;`. For other kinds it returns
 * the type as in {@link formatCType}.
 */
export function formatCDefinition(spec: Spec, id: number, opts: CPrinterOptions = {}): string {
  const p = new CPrinter(spec, new Names(), opts);
  const t = spec.typeById(id);
  switch (t.kind) {
    case 'struct':
    case 'union':
      return `${p.body(t, 0, 0)};`;
    case 'enum':
    case 'enum64':
      return `${p.enumBody(t, 0)};`;
    case 'typedef':
      return `typedef ${p.decl(t.type, t.name, 0)};`;
    case 'fwd':
      return `${t.fwdKind} ${t.name};`;
    default:
      return formatCType(spec, id, opts);
  }
}

/**
 * Returns a complete `vmlinux.h` for `spec`: every named struct, union, enum and typedef (plus
 * anonymous enums, whose constants programs use) in dependency order, with forward declarations,
 * anonymous nested types inline, bitfields, exact padding, an include guard, the
 * `preserve_access_index` pragma that makes field accesses CO-RE relocatable, and `__ksym`
 * prototypes of the kernel's kfuncs.
 *
 * Types with duplicate names get a `___N` suffix, which CO-RE ignores when matching.
 *
 * @throws {BtfResolveError} if the spec contains a reference cycle that C cannot express.
 * @example
 * writeFileSync('vmlinux.h', formatVmlinuxHeader(loadKernelSpec()));
 */
export function formatVmlinuxHeader(spec: Spec, opts: VmlinuxHeaderOptions = {}): string {
  const guard = opts.guard ?? '__VMLINUX_H__';
  const pai = opts.preserveAccessIndex ?? true;
  const emitter = new HeaderEmitter(spec, opts);
  const body = emitter.run();
  const kfuncs = (opts.kfuncPrototypes ?? true) ? emitter.kfuncs() : '';
  const parts = [`#ifndef ${guard}\n#define ${guard}\n\n`];
  if (pai) {
    parts.push(
      '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n' +
        '#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n' +
        '#endif\n\n',
    );
  }
  parts.push(body);
  if (kfuncs !== '') {
    parts.push(
      '#ifndef BPF_NO_KFUNC_PROTOTYPES\n' +
        '#ifndef __ksym\n#define __ksym __attribute__((section(".ksyms")))\n#endif\n' +
        '#ifndef __weak\n#define __weak __attribute__((weak))\n#endif\n\n' +
        kfuncs +
        '\n#endif /* BPF_NO_KFUNC_PROTOTYPES */\n\n',
    );
  }
  if (pai) parts.push('#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n');
  parts.push(`#endif /* ${guard} */\n`);
  return parts.join('');
}
