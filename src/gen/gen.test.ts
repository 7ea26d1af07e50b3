// tsbpf gen with clang: compile errors, reproducible objects, --type, vmlinux.h. Skips (saying why)
// when clang is not installed; fails instead under CI=true.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClangNotFoundError, CompileError, findClang, generate, stemOf, targetArch } from './index.js';
import { runGen } from '../cli/gen.js';
import { skipIf } from '../testutils/kernel.js';

const fixtures = fileURLToPath(new URL('./testdata/', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

function haveClang(t: TestContext): boolean {
  try {
    findClang();
    return true;
  } catch (e) {
    if (!(e instanceof ClangNotFoundError)) throw e;
    if (process.env.CI === 'true') throw e;
    skipIf(t, 'needs clang (Debian package: clang)');
    return false;
  }
}

function tempDir(t: TestContext): string {
  const d = mkdtempSync(join(tmpdir(), 'tsbpf-gen-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runGen(
    argv,
    (s) => (out += s),
    (s) => (err += s),
  );
  return { code, out, err };
}

test('stem and arch names', () => {
  assert.equal(stemOf('dir/foo.bpf.c'), 'foo');
  assert.equal(stemOf('bar.c'), 'bar');
  assert.equal(targetArch('x64'), 'x86');
  assert.equal(targetArch('arm64'), 'arm64');
  assert.equal(targetArch('s390x'), 's390');
});

test('a clear error when there is no clang', () => {
  assert.throws(() => findClang({ PATH: '/nonexistent' }), (e: Error) => e instanceof ClangNotFoundError && /apt-get install clang/.test(e.message));
});

test('a C file that does not compile: clang errors shown, exit status 1, nothing written', async (t) => {
  if (!haveClang(t)) return;
  const d = tempDir(t);
  const src = join(d, 'broken.bpf.c');
  writeFileSync(src, '#include <linux/bpf.h>\nint f(void) { return undeclared_thing; }\n');
  const r = await capture([src]);
  assert.equal(r.code, 1);
  assert.match(r.err, /broken\.bpf\.c:2:\d+: error: use of undeclared identifier 'undeclared_thing'/);
  assert.match(r.err, /tsbpf: gen: compile .*broken\.bpf\.c: clang exited with status 1/);
  assert.ok(!existsSync(join(d, 'broken.bpf.o')) && !existsSync(join(d, 'broken.ts')));
  assert.throws(() => generate(src), (e: Error) => e instanceof CompileError && e.status === 1 && e.stderr.includes('undeclared_thing'));
});

test('the object is byte-identical wherever the source lives, carries no path, and matches the committed one', (t) => {
  if (!haveClang(t)) return;
  const a = tempDir(t);
  const b = join(tempDir(t), 'deeper', 'dir');
  const outA = generate(join(fixtures, 'layouts.bpf.c'), { outDir: a, importFrom: '../../index.js' });
  // A copy of the source in another directory (another absolute path) with output elsewhere.
  const copyDir = tempDir(t);
  copyFileSync(join(fixtures, 'layouts.bpf.c'), join(copyDir, 'layouts.bpf.c'));
  const outB = generate(join(copyDir, 'layouts.bpf.c'), { outDir: b, importFrom: '../../index.js' });
  const objA = readFileSync(outA.object);
  const objB = readFileSync(outB.object);
  assert.ok(objA.equals(objB), 'objects differ between directories');
  assert.equal(readFileSync(outA.bindings, 'utf8'), readFileSync(outB.bindings, 'utf8'));
  for (const p of [repoRoot, a, copyDir, tmpdir()]) assert.equal(objA.indexOf(p), -1, `${p} appears in the object`);
  assert.ok(objA.equals(readFileSync(join(fixtures, 'layouts.bpf.o'))), 'committed layouts.bpf.o is stale: run node scripts/check-generated.mjs --update');
  assert.equal(readFileSync(outA.bindings, 'utf8'), readFileSync(join(fixtures, 'layouts.ts'), 'utf8'));
});

test('TSBPF_CFLAGS and extra flags reach clang, after the defaults', (t) => {
  if (!haveClang(t)) return;
  const d = tempDir(t);
  const src = join(d, 'flags.bpf.c');
  writeFileSync(
    src,
    [
      '#include <linux/bpf.h>',
      '#include <bpf/bpf_helpers.h>',
      '#if !defined(FROM_ENV) || !defined(FROM_ARGS) || !defined(__TARGET_ARCH_' + targetArch() + ')',
      '#error flags missing',
      '#endif',
      'struct event { __u32 pid; char comm[16]; };',
      'const struct event *unused_event __attribute__((unused));',
      'SEC("socket") int prog(void *ctx) { return 0; }',
      'char LICENSE[] SEC("license") = "GPL";',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, TSBPF_CFLAGS: ' -DFROM_ENV=1  ' };
  const r = generate(src, { env, cflags: ['-DFROM_ARGS'], types: ['event'] });
  assert.ok(r.command.includes('-DFROM_ENV=1') && r.command.includes('-DFROM_ARGS'));
  assert.ok(r.command.indexOf('-DFROM_ARGS') > r.command.indexOf('-DFROM_ENV=1'));
  const text = readFileSync(r.bindings, 'utf8');
  assert.match(text, /^export interface Event \{$/m);
  assert.match(text, /^  comm: string;$/m);
  assert.throws(() => generate(src, { env: { ...process.env, TSBPF_CFLAGS: '' } }), CompileError);
});

test('tsbpf gen --vmlinux writes a vmlinux.h that clang compiles a CO-RE program against', async (t) => {
  if (!haveClang(t)) return;
  if (!existsSync('/sys/kernel/btf/vmlinux')) {
    skipIf(t, 'needs /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF)');
    return;
  }
  const d = tempDir(t);
  const r = await capture(['--vmlinux', d]);
  assert.equal(r.code, 0);
  const header = readFileSync(join(d, 'vmlinux.h'), 'utf8');
  assert.match(header, /struct task_struct \{/);
  writeFileSync(
    join(d, 'task.bpf.c'),
    [
      '#include "vmlinux.h"',
      '#include <bpf/bpf_helpers.h>',
      '#include <bpf/bpf_core_read.h>',
      'struct info { int pid; char comm[16]; };',
      'struct { __uint(type, BPF_MAP_TYPE_ARRAY); __type(key, __u32); __type(value, struct info); __uint(max_entries, 1); } infos SEC(".maps");',
      'SEC("tp_btf/sched_process_exec") int on_exec(u64 *ctx) {',
      '  struct task_struct *task = (void *)bpf_get_current_task_btf();',
      '  __u32 k = 0; struct info *i = bpf_map_lookup_elem(&infos, &k);',
      '  if (i) { i->pid = BPF_CORE_READ(task, pid); }',
      '  return 0;',
      '}',
      'char LICENSE[] SEC("license") = "GPL";',
      '',
    ].join('\n'),
  );
  const g = generate(join(d, 'task.bpf.c'));
  assert.match(readFileSync(g.bindings, 'utf8'), /readonly infos: tsbpf\.BpfMap<number, Info>;/);
});

/** A program that only compiles when the configured flags and architecture reached clang. */
function flagProbe(arch: string, define: string): string {
  return [
    '#include <linux/bpf.h>',
    '#include <bpf/bpf_helpers.h>',
    `#if !defined(${define}) || !defined(__TARGET_ARCH_${arch})`,
    '#error flags missing',
    '#endif',
    'struct event { __u32 pid; };',
    'const struct event *unused_event __attribute__((unused));',
    'SEC("socket") int prog(void *ctx) { return 0; }',
    'char LICENSE[] SEC("license") = "GPL";',
    '',
  ].join('\n');
}

test('--target sets __TARGET_ARCH_* like bpf2go -target, and is recorded in the bindings', async (t) => {
  if (!haveClang(t)) return;
  const d = tempDir(t);
  const src = join(d, 'arch.bpf.c');
  writeFileSync(src, flagProbe('arm64', 'ANY'));
  const r = await capture([src, '--target', 'arm64', '--', '-DANY']);
  assert.equal(r.code, 0, r.err);
  assert.match(readFileSync(join(d, 'arch.ts'), 'utf8'), /^\/\/ tsbpf gen options: --target arm64$/m);
  assert.equal((await capture([src, '--target', 'x64', '--', '-DANY'])).code, 1, 'x64 defines __TARGET_ARCH_x86, not arm64');
  assert.equal(targetArch('amd64'), 'x86');
  assert.throws(() => targetArch('vax'), /gen: --target vax: unknown architecture/);
});

test('tsbpf gen with no file generates every source of package.json "tsbpf".gen', async (t) => {
  if (!haveClang(t)) return;
  const d = tempDir(t);
  writeFileSync(join(d, 'one.bpf.c'), flagProbe('arm64', 'SHARED'));
  writeFileSync(join(d, 'two.bpf.c'), flagProbe('arm64', 'OWN'));
  const gen = { outDir: 'out', target: 'arm64', cflags: ['-DSHARED'], sources: ['one.bpf.c', { source: 'two.bpf.c', types: ['event'], cflags: ['-DOWN'], embed: true }] };
  writeFileSync(join(d, 'package.json'), JSON.stringify({ name: 'app', tsbpf: { gen } }));
  const cwd = process.cwd();
  process.chdir(d);
  try {
    const r = await capture([]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'wrote out/one.bpf.o and out/one.ts\nwrote out/two.bpf.o and out/two.ts\n');
    const two = readFileSync(join(d, 'out', 'two.ts'), 'utf8');
    assert.match(two, /^\/\/ tsbpf gen options: --type event --target arm64 --embed$/m);
    assert.match(two, /^export interface Event \{$/m);
    assert.match(readFileSync(join(d, 'out', 'one.ts'), 'utf8'), /tsbpf\.findObjectFile\(oneObjectPath, 'one\.bpf\.c'\)/);
    // A configuration file wins over package.json; a bad one names the file, the setting and the cause.
    writeFileSync(join(d, 'tsbpf.config.json'), JSON.stringify({ gen: { sources: ['one.bpf.c'], embedd: true } }));
    await assert.rejects(() => capture([]), (e: Error) => e.message.startsWith(`gen: ${join(d, 'tsbpf.config.json')}: gen.embedd: invalid key`));
    writeFileSync(join(d, 'bad.json'), JSON.stringify({ gen: { sources: ['one.bpf.h'] } }));
    await assert.rejects(() => capture(['--config', 'bad.json']), /gen: .*bad\.json: gen\.sources\.0: .*C file/);
    rmSync(join(d, 'tsbpf.config.json'));
    rmSync(join(d, 'package.json'));
    await assert.rejects(() => capture([]), /gen: no C file given and no configuration found in .*: give a file/);
  } finally {
    process.chdir(cwd);
  }
});
