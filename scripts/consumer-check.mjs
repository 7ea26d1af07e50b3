#!/usr/bin/env node
// tsbpf as a dependency of a new TypeScript project, end to end (run by src/cli/package.kernel.test.ts):
//   1. npm pack of this checkout (prepare builds dist/, prepack the prebuilt addons);
//   2. a new project installs the tarball with no C compiler on PATH (only node and npm): the
//      prebuilt addon must load, nothing may be compiled (no build/ in node_modules/tsbpf);
//   3. `tsbpf gen` with no arguments generates a program with structs from the project's
//      package.json "tsbpf".gen configuration;
//   4. tsc compiles the project with `tsc --init`'s defaults plus "types": ["node"] (and, on a
//      Node without `using`, the README's target/lib lines);
//   5. the compiled app loads the program into the kernel, updates a struct-keyed map, test-runs
//      the program and reads the map back;
//   6. the same project installs tsbpf from a git URL (git+file:// of this repository, at HEAD:
//      committed work only) and runs again.
// Temporary directories are removed. Prints one line per step with its time, and the package facts.
// Usage: node scripts/consumer-check.mjs [--keep] [--no-git]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const withGit = !args.includes('--no-git');
const npmCli = join(process.execPath, '..', '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

const work = mkdtempSync(join(tmpdir(), 'tsbpf-consumer-'));
const started = Date.now();
let last = started;

function step(what) {
  const now = Date.now();
  console.log(`consumer-check: ${what} (${((now - last) / 1000).toFixed(1)} s)`);
  last = now;
}

function sh(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0) {
    throw new Error(`consumer-check: ${cmd} ${argv.join(' ')} (in ${opts.cwd ?? process.cwd()}) exited with ${r.status ?? r.signal}:\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  }
  return r.stdout;
}

/** This repository's @types/node for the app (npm prunes it on each install: link it again after). */
function linkNodeTypes(app) {
  mkdirSync(join(app, 'node_modules', '@types'), { recursive: true });
  rmSync(join(app, 'node_modules', '@types', 'node'), { recursive: true, force: true });
  symlinkSync(join(root, 'node_modules', '@types', 'node'), join(app, 'node_modules', '@types', 'node'));
}

function npm(argv, opts) {
  return sh(process.execPath, [existsSync(npmCli) ? npmCli : 'npm', ...argv], opts);
}

const C_SOURCE = `// A program with structs: a hash map keyed by a struct, a struct value, a constant.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct key {
  __u32 id;
  char tag[8];
};

struct stats {
  __u64 packets;
  __u32 last_len;
  __u16 flags;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16);
  __type(key, struct key);
  __type(value, struct stats);
} stats SEC(".maps");

const volatile __u32 bump = 1;

SEC("socket")
int count_packets(struct __sk_buff *skb) {
  struct key k = { .id = 7, .tag = "pkt" };
  struct stats *s = bpf_map_lookup_elem(&stats, &k);
  if (s) {
    s->packets += bump;
    s->last_len = skb->len;
  }
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
`;

const MAIN = `import { loadApp, type Stats } from './bpf/app.js';

using obj = loadApp({ constants: { bump: 5 } });
const key = { id: 7, tag: 'pkt' };
obj.maps.stats.update(key, { packets: 10n, last_len: 0, flags: 3 });
const run = obj.programs.count_packets.test(new Uint8Array(64));
const s: Stats | undefined = obj.maps.stats.lookup(key);
console.log(JSON.stringify({ retval: run.retval, packets: String(s?.packets), last_len: s?.last_len, flags: s?.flags }));
`;

// last_len: a socket filter sees the 64-byte packet after the 14-byte Ethernet header is pulled.
const EXPECTED = '{"retval":0,"packets":"15","last_len":50,"flags":3}';

try {
  // 1. The tarball.
  const packDir = join(work, 'pack');
  mkdirSync(packDir);
  // The JSON report follows whatever the lifecycle scripts printed on stdout.
  const report = npm(['pack', '--json', '--pack-destination', packDir], { cwd: root });
  const packed = JSON.parse(report.slice(report.search(/^\[/m)))[0];
  const tarball = join(packDir, packed.filename);
  const files = packed.files.map((f) => f.path);
  const bad = files.filter((p) => /\.test\.|testdata|testutils|test-fixtures|\.map$|^src\//.test(p));
  if (bad.length) throw new Error(`consumer-check: the package carries files a user does not need: ${bad.join(', ')}`);
  for (const need of ['dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', `prebuilds/linux-${process.arch}/tsbpf.glibc.node`]) {
    if (!files.includes(need)) throw new Error(`consumer-check: the package lacks ${need}`);
  }
  step(`npm pack: ${packed.filename}, ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${packed.entryCount} files`);

  // 2. A new project; install with no compiler on PATH.
  const app = join(work, 'app');
  mkdirSync(join(app, 'src', 'bpf'), { recursive: true });
  const pkg = {
    name: 'tsbpf-consumer',
    version: '1.0.0',
    private: true,
    type: 'module',
    allowScripts: { tsbpf: true },
    scripts: { gen: 'tsbpf gen' },
    tsbpf: { gen: { outDir: 'src/bpf', sources: [{ source: 'bpf/app.bpf.c', types: ['struct stats'] }] } },
  };
  writeFileSync(join(app, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const bare = join(work, 'bin');
  mkdirSync(bare);
  for (const b of ['node', 'sh', 'env']) {
    const found = b === 'node' ? process.execPath : ['/bin', '/usr/bin'].map((d) => join(d, b)).find((p) => existsSync(p));
    if (found) symlinkSync(found, join(bare, b));
  }
  for (const cc of ['cc', 'gcc', 'g++', 'c++', 'clang', 'make']) if (existsSync(join(bare, cc))) throw new Error(`consumer-check: ${cc} on the bare PATH`);
  const bareEnv = { ...process.env, PATH: bare };
  delete bareEnv.CC;
  delete bareEnv.CXX;
  npm(['install', '--no-audit', '--no-fund', '--foreground-scripts', tarball], { cwd: app, env: bareEnv });
  const installed = join(app, 'node_modules', 'tsbpf');
  if (existsSync(join(installed, 'build'))) throw new Error('consumer-check: the addon was compiled during install: no prebuild matched');
  step('npm install of the tarball with no compiler on PATH (prebuilt addon)');

  // 3. tsbpf gen from the package.json configuration (clang needed here, as for any gen).
  mkdirSync(join(app, 'bpf'));
  writeFileSync(join(app, 'bpf', 'app.bpf.c'), C_SOURCE);
  const genOut = npm(['run', '--silent', 'gen'], { cwd: app });
  if (!/wrote src\/bpf\/app\.bpf\.o and src\/bpf\/app\.ts/.test(genOut)) throw new Error(`consumer-check: tsbpf gen said: ${genOut}`);
  step('tsbpf gen (no arguments: sources from package.json "tsbpf".gen)');

  // 4. tsc --init defaults, types node; on Node without `using`, the README's target and lib.
  writeFileSync(join(app, 'src', 'main.ts'), MAIN);
  linkNodeTypes(app);
  sh(process.execPath, [tsc, '--init'], { cwd: app });
  let config = readFileSync(join(app, 'tsconfig.json'), 'utf8');
  for (const flag of ['"strict": true', '"exactOptionalPropertyTypes": true', '"noUncheckedIndexedAccess": true', '"verbatimModuleSyntax": true', '"module": "nodenext"']) {
    if (!config.includes(flag)) throw new Error(`consumer-check: tsc --init no longer sets ${flag}`);
  }
  config = config.replace('"types": []', '"types": ["node"]');
  if (Number(process.versions.node.split('.')[0]) < 24) config = config.replace('"target": "esnext"', '"target": "es2022",\n    "lib": ["es2022", "esnext.disposable"]');
  writeFileSync(join(app, 'tsconfig.json'), config);
  sh(process.execPath, [tsc, '-p', app], { cwd: app });
  step('tsc with the tsc --init defaults: no errors');

  // 5. Run it against the kernel.
  const out = sh(process.execPath, [join(app, 'src', 'main.js')], { cwd: app, env: bareEnv }).trim();
  if (out !== EXPECTED) throw new Error(`consumer-check: the app printed ${out}, expected ${EXPECTED}`);
  step(`run: ${out}`);

  // 6. The same project from a git URL.
  if (withGit) {
    const head = sh('git', ['rev-parse', 'HEAD'], { cwd: root }).trim();
    rmSync(join(app, 'node_modules', 'tsbpf'), { recursive: true, force: true });
    npm(['install', '--no-audit', '--no-fund', `git+file://${root}#${head}`], { cwd: app });
    for (const need of ['dist/index.js', 'dist/index.d.ts']) if (!existsSync(join(installed, need))) throw new Error(`consumer-check: the git install lacks ${need}`);
    linkNodeTypes(app);
    sh(process.execPath, [tsc, '-p', app], { cwd: app });
    const again = sh(process.execPath, [join(app, 'src', 'main.js')], { cwd: app }).trim();
    if (again !== EXPECTED) throw new Error(`consumer-check: from git, the app printed ${again}, expected ${EXPECTED}`);
    step(`npm install git+file://…#${head.slice(0, 12)}, tsc, run: ${again}`);
  }
  console.log(`consumer-check: ok in ${((Date.now() - started) / 1000).toFixed(1)} s${keep ? ` (kept ${work})` : ''}`);
  if (readdirSync(work).length === 0) throw new Error('unreachable');
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
}
