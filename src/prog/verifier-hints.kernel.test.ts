// Every entry of the verifier-hint catalog against a real program the 6.18 verifier refuses:
// the message names file:line, quotes the line, and carries the entry's hint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadCollection, VerifierError } from '../index.js';
import { kernelTest } from '../testutils/kernel.js';
import { compileObject, findClang } from '../testutils/bpf-objects.js';
import { HINTS } from './verifier-hints.js';

/** fixture (under testdata/), hint id, source line number, a piece of the quoted line, a piece of the hint. */
const CASES: ReadonlyArray<readonly [string, string, number, string, RegExp]> = [
  ['count_bad_ctx', 'callback-context', 29, 'bpf_for_each_map_elem(&my_map, count_elem, &global_ctx, 0);', /argument 3 of bpf_for_each_map_elem\) must point to the stack/],
  ['count_bad_ret', 'callback-return', 17, 'return *pcount;', /returns 0 to continue or 1 to stop/],
  ['verifier/null_check', 'null-check', 9, 'return *v;', /check the pointer for NULL/],
  ['verifier/packet_bounds', 'packet-bounds', 7, 'data[12]', /data_end/],
  ['verifier/stack_size', 'stack-size', 18, 'return outer(skb->len);', /512 bytes of stack/],
  ['verifier/too_complex', 'too-complex', 8, 'bpf_get_prandom_u32()', /bpf_loop\(\)/],
  ['verifier/gpl_helper', 'gpl-only', 7, 'bpf_trace_printk(msg, sizeof(msg));', /declares license "Proprietary", which is not GPL-compatible/],
  ['verifier/helper_prog_type', 'helper-prog-type', 7, 'bpf_skb_load_bytes(ctx, 0, head, sizeof(head));', /bpf_skb_load_bytes is not available to xdp programs: on this kernel .*sched_cls/],
  ['verifier/sleepable', 'sleepable', 7, 'bpf_copy_from_user(', /must be sleepable/],
  ['verifier/map_value_oob', 'map-value-bounds', 11, 'return v[1];', /8 byte\(s\) at offset 8 of a 8-byte map value/],
  ['verifier/unbounded_index', 'unbounded-access', 12, 'return s->v[skb->len];', /check the index against the array length/],
  ['verifier/no_r0', 'return-unset', 7, 'asm volatile("exit");', /without setting the return value/],
  ['verifier/return_value', 'return-range', 6, 'return 2;', /a cgroup_sysctl program must return a value in \[0, 1\]/],
  ['verifier/ringbuf_leak', 'reference-leak', 11, 'if (skb->len > 100)', /bpf_ringbuf_submit\(\) or bpf_ringbuf_discard\(\)/],
  ['verifier/ctx_access', 'ctx-access', 6, 'return skb->tstamp_type;', /socket_filter program may not access 1 byte\(s\) at offset 180/],
  ['verifier/scalar_deref', 'scalar-deref', 7, 'return *(int *)addr;', /holds a number, not a pointer/],
  ['verifier/core_missing', 'core-relocation', 10, '', /CO-RE relocation of this instruction failed/],
];

function check(e: unknown, file: string, id: string, line: number, quote: string, hint: RegExp): void {
  assert.ok(e instanceof VerifierError, `expected a VerifierError, got ${String(e)}`);
  const base = file.split('/').pop()!;
  assert.match(e.summary, new RegExp(`: ${base.replace(/\./g, '\\.')}\\.bpf\\.c:${line}: `), e.message);
  assert.equal(e.location?.line, line, e.message);
  assert.ok(e.location?.source.includes(quote), e.message);
  assert.ok(e.message.split('\n')[1]?.startsWith(`    ${line} | `), e.message);
  assert.equal(e.hint?.id, id, e.message);
  assert.match(e.hint!.text, hint);
  assert.ok(e.message.includes(`\n  hint: ${e.hint!.text}`));
  // format() marks the failing source line in the log, when the log has it.
  const marked = e.format().split('\n').filter((l) => l.startsWith('>'));
  assert.ok(marked.length <= 1);
}

for (const [file, id, line, quote, hint] of CASES) {
  test(`verifier hint ${id}: ${file}.bpf.c:${line}`, (t) => {
    if (!kernelTest(t)) return;
    if (!findClang()) throw new Error('needs clang (Debian package: clang)');
    assert.throws(() => loadCollection(compileObject(file)), (e: unknown) => {
      check(e, file, id, line, quote, hint);
      return true;
    });
  });
}

test('verifier hint uninit-stack: refused without CAP_PERFMON (child process with only CAP_BPF)', (t) => {
  if (!kernelTest(t)) return;
  if (!findClang()) throw new Error('needs clang (Debian package: clang)');
  const obj = compileObject('verifier/uninit_stack');
  // As root the verifier allows reading uninitialized stack (CAP_PERFMON); with only CAP_BPF it
  // refuses. setpriv (util-linux) drops every other capability for the child.
  const script = fileURLToPath(new URL('../testutils/load-and-report.ts', import.meta.url));
  const out = execFileSync('setpriv', ['--bounding-set', '-all,+bpf', '--inh-caps', '-all', process.execPath, '--import', 'tsx', script, obj], { encoding: 'utf8' });
  const r = JSON.parse(out) as { name: string; summary: string; hint?: string; line?: number; source?: string };
  assert.equal(r.name, 'VerifierError', out);
  assert.match(r.summary, /: uninit_stack\.bpf\.c:7: invalid read from stack R10 off=-64 size=8/);
  assert.equal(r.line, 7);
  assert.equal(r.hint, 'uninit-stack');
});

test('the catalog: ids are unique and every entry is covered by a test above or a unit test', () => {
  const ids = HINTS.map((h) => h.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids.length >= 15, `${ids.length} entries`);
  const covered = new Set([...CASES.map((c) => c[1]), 'uninit-stack', ...UNIT_COVERED]);
  assert.deepEqual(ids.filter((i) => !covered.has(i)), []);
});

/** Entries whose refusal cannot be produced from C on this kernel; verifier-hints.test.ts covers them with logs. */
const UNIT_COVERED = ['infinite-loop', 'kfunc-prog-type', 'register-unset', 'modified-ctx', 'helper-argument', 'unreachable'];
