/**
 * The running kernel's BTF: `/sys/kernel/btf/vmlinux` and, per loaded module,
 * `/sys/kernel/btf/<module>` (split BTF over vmlinux). Each is read and parsed once per process,
 * lazily: records are located up front, each type is checked and decoded on first access, and
 * names are found through a hash index. vmlinux and its index are also cached on disk (see
 * kernel-cache.ts), so a new process reads the parts of one regular file it uses instead of sysfs.
 */
import { readFileSync } from 'node:fs';
import { KernelBtfNotFoundError } from './errors.js';
import { kernelBtfCacheDir, loadKernelBtfCached } from './kernel-cache.js';
import { parseBtfLazily } from './parse.js';
import type { Spec } from './spec.js';

/** Directory where the kernel exposes BTF (`CONFIG_DEBUG_INFO_BTF`). */
export const KERNEL_BTF_DIR = '/sys/kernel/btf';

let kernelSpec: Spec | undefined;
const moduleSpecs = new Map<string, Spec>();

function hint(what: string): string {
  if (what === 'load kernel spec') return ' (kernel built without CONFIG_DEBUG_INFO_BTF?)';
  if (what.startsWith('load module spec')) return ' (module not loaded, or kernel built without CONFIG_DEBUG_INFO_BTF_MODULES?)';
  return '';
}

function readBtfFile(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new KernelBtfNotFoundError(
        path,
        `btf: ${what}: ${path}: not found${hint(what)}`,
        { cause: e },
      );
    }
    throw new KernelBtfNotFoundError(path, `btf: ${what}: ${path}: ${code ?? String(e)}`, { cause: e });
  }
}

/**
 * Reads and parses a raw BTF file such as `/sys/kernel/btf/vmlinux` or a saved copy of it
 * (uncached). With `opts.base` the file is split BTF over that spec. Like the kernel's BTF, each
 * type is checked when first accessed.
 *
 * @throws {KernelBtfNotFoundError} if the file is missing or unreadable.
 * @throws {BtfParseError} if its header, string table or record layout is malformed (and later,
 *   from `typeById` and name lookups, if a type's record is).
 */
export function loadSpecFile(path: string, opts: { base?: Spec } = {}): Spec {
  return parseBtfLazily(readBtfFile(path, opts.base ? 'load split spec' : 'load spec'), opts.base);
}

/**
 * Returns the running kernel's BTF, read from `/sys/kernel/btf/vmlinux` (or the on-disk cache
 * of it) on the first call and kept for the life of the process. Types are checked and decoded
 * on first access.
 *
 * @throws {KernelBtfNotFoundError} if the file is missing or unreadable.
 * @throws {BtfParseError} if it is malformed.
 */
export function loadKernelSpec(): Spec {
  if (!kernelSpec) {
    const path = `${KERNEL_BTF_DIR}/vmlinux`;
    kernelSpec = loadKernelBtfCached(path, () => readBtfFile(path, 'load kernel spec'), kernelBtfCacheDir());
  }
  return kernelSpec;
}

/**
 * Returns the split BTF of kernel module `name` (as listed in `/sys/kernel/btf`), layered over
 * {@link loadKernelSpec}, cached per module.
 *
 * @throws {TypeError} if `name` is not a plain file name.
 * @throws {KernelBtfNotFoundError} if the module is not loaded or has no BTF.
 */
export function loadModuleSpec(name: string): Spec {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new TypeError(`loadModuleSpec: invalid module name ${JSON.stringify(name)}`);
  }
  if (name === 'vmlinux') return loadKernelSpec();
  let spec = moduleSpecs.get(name);
  if (!spec) {
    const base = loadKernelSpec();
    spec = parseBtfLazily(readBtfFile(`${KERNEL_BTF_DIR}/${name}`, `load module spec ${name}`), base);
    moduleSpecs.set(name, spec);
  }
  return spec;
}
