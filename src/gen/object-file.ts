/**
 * Run-time support of generated bindings (exported from the main `tsbpf` module): finding the
 * object file that bindings made without `--embed` read next to themselves.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';

/** The object file of generated bindings is not where they look for it. */
export class ObjectFileNotFoundError extends Error {
  constructor(
    /** Where the object was looked for. */
    readonly path: string,
    /** The C file it is compiled from, for the fix. */
    readonly sourceName: string,
  ) {
    const name = basename(path);
    super(
      `${name}: object file not found: looked for ${path}, next to the generated bindings; ` +
        `copy ${name} there with the compiled module (tsc and bundlers do not copy it), ` +
        `or regenerate the bindings with \`tsbpf gen ${sourceName} --embed\` to carry the object inside the module`,
    );
  }
}
ObjectFileNotFoundError.prototype.name = 'ObjectFileNotFoundError';

/**
 * Returns `path` when it is a file. Generated bindings call this before loading their object.
 *
 * @throws {ObjectFileNotFoundError} saying where the object was looked for and how to fix it.
 */
export function findObjectFile(path: string, sourceName: string): string {
  try {
    if (statSync(path).isFile()) return path;
  } catch {
    // reported below
  }
  throw new ObjectFileNotFoundError(path, sourceName);
}
