/**
 * The configuration `tsbpf gen` reads when given no C file (the `go generate` of a project): a
 * `gen` section in `tsbpf.config.json`, or under the `tsbpf` key of package.json, listing the
 * sources with their types, flags and output directory.
 *
 * ```json
 * "tsbpf": {
 *   "gen": {
 *     "outDir": "src/bpf",
 *     "embed": true,
 *     "sources": ["bpf/counter.bpf.c", { "source": "bpf/events.bpf.c", "types": ["event"], "cflags": ["-DDEBUG"] }]
 *   }
 * }
 * ```
 *
 * Paths are relative to the directory of the file that holds the configuration. Settings at the
 * `gen` level apply to every source; a source object overrides them, except `cflags`, which add to
 * the shared ones.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as v from 'valibot';
import { GenError } from './errors.js';
import type { GenerateOptions } from './generate.js';

/** The configuration file or package.json has no usable `gen` section. */
export class GenConfigError extends GenError {}
GenConfigError.prototype.name = 'GenConfigError';

/** The file names looked for, in this order, in the directory `tsbpf gen` runs in. */
export const CONFIG_FILES = ['tsbpf.config.json', 'package.json'] as const;

const Shared = {
  outDir: v.optional(v.pipe(v.string(), v.minLength(1))),
  cflags: v.optional(v.array(v.string())),
  target: v.optional(v.pipe(v.string(), v.minLength(1))),
  embed: v.optional(v.boolean()),
  importFrom: v.optional(v.pipe(v.string(), v.minLength(1))),
};

const SharedObject = v.object(Shared);

const SourceEntry = v.union([
  v.pipe(v.string(), v.endsWith('.c', 'a C file name (ends with .c)')),
  v.strictObject({
    source: v.pipe(v.string(), v.endsWith('.c', 'a C file name (ends with .c)')),
    types: v.optional(v.array(v.pipe(v.string(), v.minLength(1)))),
    ...Shared,
  }),
]);

const GenSection = v.strictObject({
  sources: v.pipe(v.array(SourceEntry), v.minLength(1, 'list at least one C file')),
  ...Shared,
});

const ConfigFile = v.object({ gen: GenSection });

/** One source to generate, with its options resolved. */
export interface GenJob {
  /** The C file, resolved against the configuration's directory. */
  source: string;
  /** Options for {@link generate}. */
  options: GenerateOptions;
}

/** A configuration read from disk. */
export interface GenConfig {
  /** The file it came from. */
  file: string;
  /** The sources in the order listed. */
  jobs: GenJob[];
}

/**
 * Finds and reads the configuration: `explicit` when given, else the first of
 * {@link CONFIG_FILES} in `dir` that has one (package.json only counts with a `tsbpf` key).
 *
 * @throws {GenConfigError} when there is none, or it is not valid (naming the file, the setting and the cause).
 */
export function loadGenConfig(dir: string, explicit?: string): GenConfig {
  if (explicit !== undefined) return readConfig(resolve(dir, explicit), false);
  for (const name of CONFIG_FILES) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    if (name === 'package.json') {
      const pkg = parseJson(file) as { tsbpf?: unknown } | null;
      if (pkg === null || typeof pkg !== 'object' || !('tsbpf' in pkg)) continue;
      return readConfig(file, true);
    }
    return readConfig(file, false);
  }
  throw new GenConfigError(
    `gen: no C file given and no configuration found in ${dir}: give a file (tsbpf gen foo.bpf.c), or list sources under "tsbpf": { "gen": { "sources": [...] } } in package.json or in tsbpf.config.json`,
  );
}

function parseJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new GenConfigError(`gen: ${file}: ${(e as Error).message}`);
  }
}

function readConfig(file: string, inPackageJson: boolean): GenConfig {
  if (!existsSync(file)) throw new GenConfigError(`gen: ${file}: no such file`);
  const raw = parseJson(file);
  const section = inPackageJson ? (raw as { tsbpf: unknown }).tsbpf : raw;
  const where = inPackageJson ? `${file}: "tsbpf"` : file;
  const r = v.safeParse(ConfigFile, section);
  if (!r.success) {
    const issue = r.issues[0];
    const path = v.getDotPath(issue);
    throw new GenConfigError(`gen: ${where}${path ? `: ${path}` : ''}: ${issue.message.replace(/^Invalid /, 'invalid ')}`);
  }
  const base = dirname(file);
  const gen = r.output.gen;
  const jobs = gen.sources.map((entry): GenJob => {
    const e = typeof entry === 'string' ? { source: entry } : entry;
    const own: v.InferOutput<typeof SharedObject> & { types?: string[] | undefined } = typeof entry === 'string' ? {} : entry;
    const outDir = own.outDir ?? gen.outDir;
    return {
      source: resolve(base, e.source),
      options: {
        outDir: outDir === undefined ? undefined : resolve(base, outDir),
        types: own.types,
        cflags: [...(gen.cflags ?? []), ...(own.cflags ?? [])],
        target: own.target ?? gen.target,
        embed: own.embed ?? gen.embed,
        importFrom: own.importFrom ?? gen.importFrom,
      },
    };
  });
  return { file, jobs };
}
