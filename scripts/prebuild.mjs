#!/usr/bin/env node
// Builds the prebuilt addons shipped in the package (run by `npm pack` through `prepack`):
// prebuilds/linux-<arch>/tsbpf.napi.glibc.node, found at run time by node-gyp-build (see
// src/sys/native.ts), so that installing where one matches needs no C compiler.
//
// Usage: node scripts/prebuild.mjs [--arch ARCH ...]
//   default: the host's architecture, plus arm64 on an x64 host when a cross compiler
//   (aarch64-linux-gnu-gcc, Debian package gcc-aarch64-linux-gnu) is on PATH.
//
// Each build is one N-API build (`prebuildify --napi`: any Node >= 20 loads it) for glibc
// (`--tag-libc`; musl machines find no match and build from source), stripped. The build runs in a
// temporary copy of binding.gyp and native/, so the checkout's build/ (the developer's addon) is
// left alone. CI on an arm64 runner produces the arm64 build natively with the same command.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { arch as hostArch, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const args = process.argv.slice(2);

/** Cross toolchains by Node architecture name (Debian's cross gcc packages). */
const CROSS = {
  arm64: 'aarch64-linux-gnu',
  x64: 'x86_64-linux-gnu',
};

function onPath(bin) {
  return (process.env.PATH ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, bin)));
}

function wanted() {
  const given = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--arch') given.push(args[++i]);
    else throw new Error(`prebuild: unknown argument ${JSON.stringify(args[i])}`);
  }
  if (given.length) return given;
  const out = [hostArch()];
  if (hostArch() === 'x64' && onPath(`${CROSS.arm64}-gcc`)) out.push('arm64');
  else if (hostArch() === 'x64') console.error('prebuild: no aarch64-linux-gnu-gcc on PATH: skipping linux-arm64 (apt-get install gcc-aarch64-linux-gnu)');
  return out;
}

const prebuildify = join(root, 'node_modules', '.bin', 'prebuildify');
if (!existsSync(prebuildify)) throw new Error('prebuild: prebuildify is not installed: run npm install');

/** node-gyp: on PATH inside npm scripts; else the copy bundled with npm, next to this node. */
function nodeGyp() {
  if (onPath('node-gyp')) return 'node-gyp';
  const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(bundled)) return bundled;
  throw new Error('prebuild: node-gyp not found: run it as `npm run prebuild`');
}

rmSync(join(root, 'prebuilds'), { recursive: true, force: true });
const work = mkdtempSync(join(tmpdir(), 'tsbpf-prebuild-'));
try {
  cpSync(join(root, 'binding.gyp'), join(work, 'binding.gyp'));
  cpSync(join(root, 'native'), join(work, 'native'), { recursive: true });
  cpSync(join(root, 'package.json'), join(work, 'package.json'));
  for (const arch of wanted()) {
    const env = { ...process.env, PREBUILD_NODE_GYP: nodeGyp() };
    // Build against this node's own headers when it has them (no download): N-API builds load
    // in any later Node.
    const prefix = join(dirname(process.execPath), '..');
    if (!env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) env.npm_config_nodedir = prefix;
    if (arch !== hostArch()) {
      const t = CROSS[arch];
      if (!t || !onPath(`${t}-gcc`)) throw new Error(`prebuild: cannot cross-build for ${arch}: no ${t ?? arch}-gcc on PATH`);
      Object.assign(env, { CC: `${t}-gcc`, CXX: `${t}-g++`, LINK: `${t}-gcc`, AR: `${t}-ar`, PREBUILD_STRIP_BIN: `${t}-strip` });
    }
    const r = spawnSync(prebuildify, ['--napi', '--target', `node@${process.versions.node}`, '--strip', '--tag-libc', '--arch', arch, '--out', root], { cwd: work, env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`prebuild: prebuildify for linux-${arch} failed (status ${r.status})`);
    rmSync(join(work, 'build'), { recursive: true, force: true });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
for (const dir of readdirSync(join(root, 'prebuilds'))) {
  for (const f of readdirSync(join(root, 'prebuilds', dir))) {
    console.error(`prebuild: prebuilds/${dir}/${f} (${statSync(join(root, 'prebuilds', dir, f)).size} bytes)`);
  }
}
