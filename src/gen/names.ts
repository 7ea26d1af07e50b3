/**
 * Identifier spelling for generated bindings: C names to PascalCase type names, object file stems
 * to function names, and a table that keeps every generated top-level name unique.
 */

/** Words TypeScript does not allow as a type or const name. */
const RESERVED = new Set([
  'Array', 'BigInt', 'Boolean', 'DataView', 'Date', 'Error', 'Function', 'Map', 'Math', 'Number', 'Object',
  'Promise', 'Record', 'Set', 'String', 'Symbol', 'Uint8Array', 'Partial', 'Readonly', 'Required', 'Omit',
  'Pick', 'Disposable', 'TextDecoder', 'TextEncoder', 'Buffer', 'URL', 'RangeError', 'TypeError', 'ArrayLike',
  'Infinity', 'NaN', 'JSON', 'Reflect', 'Proxy', 'WeakMap', 'WeakSet', 'Iterable', 'Exclude', 'Extract',
]);

/**
 * Converts a C identifier or file stem to PascalCase: `task_info` → `TaskInfo`, `xdp-pass` →
 * `XdpPass`, `__sk_buff` → `SkBuff`. Letters after the first of each word keep their case.
 * A result that would start with a digit or be empty gets a `T` in front.
 */
export function pascalCase(name: string): string {
  const out = name
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
  return out === '' || /^[0-9]/.test(out) ? `T${out}` : out;
}

/** `pascalCase` with a lower-case first letter: `xdp_pass` → `xdpPass`. */
export function camelCase(name: string): string {
  const p = pascalCase(name);
  return p[0].toLowerCase() + p.slice(1);
}

/** Whether `s` can be written as a bare property name or identifier in TypeScript. */
export function isIdentifier(s: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s);
}

/** A property key as it must be written in an object literal or interface: bare or quoted. */
export function propertyKey(s: string): string {
  return isIdentifier(s) ? s : quote(s);
}

/** A single-quoted TypeScript string literal. */
export function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

/** Hands out unique top-level names: a taken name gets the suffix `2`, `3`… in request order. */
export class NameTable {
  readonly #taken = new Set<string>(RESERVED);

  /** Marks names as used (the generated functions and interfaces), so types cannot take them. */
  reserve(...names: string[]): void {
    for (const n of names) this.#taken.add(n);
  }

  /**
   * Returns `want` if it is free, else `alternative` (e.g. `RecordStruct` for `Record`) if given
   * and free, else `want` with the smallest numeric suffix that is still free; and takes it.
   */
  take(want: string, alternative?: string): string {
    if (alternative !== undefined && this.#taken.has(want) && !this.#taken.has(alternative)) {
      this.#taken.add(alternative);
      return alternative;
    }
    let name = want;
    for (let i = 2; this.#taken.has(name); i++) name = `${want}${i}`;
    this.#taken.add(name);
    return name;
  }
}
