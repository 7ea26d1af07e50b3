/**
 * Snippets for docs/troubleshooting.md. Regions are copied into the docs by
 * scripts/docs-snippets.mjs; `npm run typecheck` compiles them.
 */
import { BpfMap, MapType, PermissionError, VerifierError, loadCollection, type Program } from '../../src/index.js';
import { MissingFeatureError, attachKprobe, attachTracing, type Link } from '../../src/link/index.js';

/** Telling a privilege problem apart from other failures. */
export function permission(): BpfMap | undefined {
  // #region permission-error
  try { return BpfMap.create({ name: 'counts', type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 1024 }); } catch (e) {
    if (e instanceof PermissionError) console.error(`${e.message}\nrun as root, or grant CAP_BPF`); else throw e;
  }
  // #endregion
  return undefined;
}

/** A whole verifier log, or its head and tail. */
export function verifierLog(load: () => Program): void {
  // #region verifier-log
  try { load(); } catch (err) {
    if (!(err instanceof VerifierError)) throw err;
    console.error(err.format({ head: 5, tail: 30 })); // err.log: every line; err.format(): all of them
  }
  // #endregion
}

/** Falling back from kprobes to fentry. */
export function kprobeOrFentry(kprobeProg: Program, fentryProg: Program): Link {
  // #region kprobe-fallback
  try { return attachKprobe('do_unlinkat', kprobeProg); } catch (e) {
    if (!(e instanceof MissingFeatureError)) throw e; // e.feature === 'kprobe'
    return attachTracing(fentryProg);                 // the same function through BTF, no kprobes needed
  }
  // #endregion
}

/** Recognising a kernel that refuses trampolines. */
export function fentryRefused(): string | undefined {
  // #region fentry-eperm
  try { loadCollection('fentry.bpf.o').close(); } catch (e) {
    if (e instanceof VerifierError && e.code === 'EPERM' && e.log.length === 0) return 'fentry/fexit refused by this kernel';
    throw e;
  }
  // #endregion
  return undefined;
}

/** Seeing the fallbacks a load took. */
export function notes(): readonly string[] {
  // #region load-notes
  using coll = loadCollection('count.bpf.o', { debug: (note) => console.warn(note) });
  coll.notes; // the same notes: maps created without BTF, missing __weak kfuncs and ksyms
  // #endregion
  return coll.notes;
}
