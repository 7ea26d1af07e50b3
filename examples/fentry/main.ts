// fentry/fexit: attach two programs to the kernel's do_unlinkat(), unlink a few files, and read
// what the programs saw: the path (a `char[64]` map key, a string in TypeScript), the return
// value and how long the call took.
//
// Run: npx tsx examples/fentry/main.ts (as root; needs a kernel with BTF, Linux 5.5+).
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadFentry, type UnlinkResult } from './fentry.js';

/** Unlinks `names` in a fresh directory (missing ones fail with ENOENT) and returns what the programs recorded. */
export function main(create: readonly string[] = ['a.txt', 'b.txt'], missing: readonly string[] = ['nope.txt']): Map<string, UnlinkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'fentry-'));
  try {
    using obj = loadFentry({ constants: { target_pid: process.pid } });
    // Attached until the end of this block: `using` closes (detaches) the links.
    using _entry = obj.programs.unlink_entry.attach();
    using _exit = obj.programs.unlink_exit.attach();
    for (const n of create) writeFileSync(join(dir, n), 'x');
    for (const n of [...create, ...missing]) {
      try {
        unlinkSync(join(dir, n));
      } catch {
        // ENOENT for the missing ones: the fexit program sees -2
      }
    }
    return new Map(obj.maps.unlinks.entries());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [path, r] of main()) {
    console.log(`unlink(${path}) = ${r.ret}${r.ret < 0 ? ' (-errno)' : ''} in ${r.duration_ns} ns, pid ${r.pid}`);
  }
}
