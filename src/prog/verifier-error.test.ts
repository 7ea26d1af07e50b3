// VerifierError summaries on real 6.18 verifier logs (captured from hand-assembled programs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BtfLoadError, VerifierError, formatWithLog, splitLog, summarizeLog } from './verifier-error.js';
import { SyscallError } from '../sys/errors.js';
import { Errno } from '../sys/errno.js';

const badCtxLog = [
  '0: R1=ctx() R10=fp0',
  '0: (7a) *(u64 *)(r10 -8) = 0          ; R10=fp0 fp-8=0',
  '1: (18) r1 = 0xffff88810a60a400       ; R1=map_ptr(map=cnt,ks=4,vs=8)',
  '3: (18) r2 = 0x7                      ; R2=func()',
  '5: (18) r3 = 0xffff888104701338       ; R3=map_value(map=arr,ks=4,vs=8)',
  '7: (b7) r4 = 0                        ; R4=0',
  '8: (85) call bpf_for_each_map_elem#164',
  'R3 type=map_value expected=fp',
  'processed 6 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0',
];

const badRetLog = [
  '0: R1=ctx() R10=fp0',
  '8: (85) call bpf_for_each_map_elem#164 11: frame1: R1=map_ptr(map=cnt,ks=4,vs=8) R2=map_key(map=cnt,ks=4,vs=8) R3=map_value(map=cnt,ks=4,vs=8) R4=fp[0]-8 R10=fp0 cb',
  '14: (bf) r0 = r1                      ; frame1: R0=2 R1=2 cb',
  '15: (95) exit',
  'At callback return the register R0 has smin=2 smax=2 should have been in [0, 1]',
  'processed 22 insns (limit 1000000) max_states_per_insn 1 total_states 2 peak_states 2 mark_read 0',
];

test('register complaint: the failing instruction and the R line, trailer dropped', () => {
  const e = new VerifierError('refresh_count', Errno.EACCES, badCtxLog);
  assert.equal(
    e.summary,
    'program refresh_count: load program: EACCES: 8: (85) call bpf_for_each_map_elem#164: R3 type=map_value expected=fp (7 line(s) omitted)',
  );
  // No line info in a hand-assembled program's log: no source line, but the catalog's hint.
  assert.equal(e.location, undefined);
  assert.equal(e.hint?.id, 'callback-context');
  assert.equal(e.message, `${e.summary}\n  hint: ${e.hint?.text}`);
  assert.ok(e instanceof SyscallError);
  assert.equal(e.name, 'VerifierError');
  assert.equal(e.code, 'EACCES');
  assert.equal(e.errno, Errno.EACCES);
  assert.equal(e.command, 'BPF_PROG_LOAD');
  assert.equal(e.programName, 'refresh_count');
  assert.deepEqual(e.log, badCtxLog);
});

test('callback return: the exit instruction before it explains where', () => {
  const e = new VerifierError('refresh_count', Errno.EINVAL, badRetLog);
  assert.match(e.summary, /^program refresh_count: load program: EINVAL: 15: \(95\) exit: At callback return the register R0 has smin=2 smax=2 should have been in \[0, 1\] \(4 line\(s\) omitted\)$/);
  assert.equal(e.hint?.id, 'callback-return');
});

test('a line after a non-instruction line stands alone', () => {
  const log = ['func#0 @0', 'missing btf func_info', 'verification time 5 usec', 'stack depth 8', 'processed 0 insns (limit 1000000)'];
  assert.deepEqual(summarizeLog(log), { lines: ['missing btf func_info'], omitted: 4, instruction: undefined, reason: 'missing btf func_info' });
  const e = new VerifierError('p', Errno.EINVAL, log);
  assert.equal(e.message, 'program p: load program: EINVAL: missing btf func_info (4 line(s) omitted)');
});

test('map access error: register line after an explanation keeps both', () => {
  const log = [
    '5: (79) r0 = *(u64 *)(r0 +8)',
    'invalid access to map value, value_size=8 off=8 size=8',
    'R0 min value is outside of the allowed memory range',
    'processed 7 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0',
    '',
  ];
  const s = summarizeLog(log);
  assert.deepEqual(s.lines, ['invalid access to map value, value_size=8 off=8 size=8', 'R0 min value is outside of the allowed memory range']);
  assert.equal(s.omitted, 2);
});

test('long register-state context lines are cut', () => {
  const state = `7: R0=${'x'.repeat(1000)}`;
  const s = summarizeLog([state, 'R1 !read_ok']);
  assert.equal(s.lines.length, 2);
  assert.ok(s.lines[0].length <= 240);
  assert.ok(s.lines[0].endsWith('...'));
});

test('empty logs get errno hints; truncated logs say so', () => {
  assert.match(new VerifierError('p', Errno.EPERM, []).message, /^program p: load program: EPERM: .*CAP_BPF.*MEMLOCK/);
  assert.match(new VerifierError('p', Errno.EFAULT, []).message, /EFAULT: .*verifier bug.*dmesg/);
  assert.match(new VerifierError('p', Errno.EFAULT, ['0: (95) exit', 'verifier internal error']).message, /verifier internal error .*verifier bug/);
  assert.match(new VerifierError('p', Errno.EINVAL, ['only trailer'].slice(1)).message, /EINVAL: invalid argument/);
  assert.match(new VerifierError('p', Errno.EACCES, badCtxLog, true).summary, /\(7 line\(s\) omitted\) \(log truncated\)$/);
  // A log made only of the statistics trailer has no verdict line.
  assert.match(new VerifierError('p', Errno.EPERM, ['processed 1 insns (limit 1000000)']).message, /EPERM: .*MEMLOCK.* \(1 line\(s\) omitted\)$/);
});

test('format: whole log, head, tail, head and tail', () => {
  const e = new VerifierError('p', Errno.EACCES, badCtxLog);
  const m = e.message.split('\n').length; // the summary and the hint
  assert.equal(m, 2);
  const all = e.format().split('\n');
  assert.equal(all.slice(0, m).join('\n'), e.message);
  assert.equal(all[m], 'verifier log:');
  assert.equal(all.length, m + 1 + badCtxLog.length);
  const tail = e.format({ tail: 2 }).split('\n');
  assert.deepEqual(tail.slice(m + 1), ['\t... (7 line(s) omitted) ...', `\t${badCtxLog[7]}`, `\t${badCtxLog[8]}`]);
  const head = e.format({ head: 1 }).split('\n');
  assert.deepEqual(head.slice(m + 1), [`\t${badCtxLog[0]}`, '\t... (8 line(s) omitted) ...']);
  const both = e.format({ head: 5, tail: 5 }).split('\n');
  assert.equal(both.length, m + 1 + badCtxLog.length); // overlap: nothing omitted, nothing repeated
  assert.ok(!both.some((l) => l.includes('omitted) ...')));
  assert.throws(() => e.format({ tail: -1 }), RangeError);
  assert.equal(formatWithLog('m', []), 'm');
});

test('splitLog: NUL-terminated buffers, trailing blanks and whitespace', () => {
  const buf = new Uint8Array(64);
  buf.set(Buffer.from('a  \nb\n\n\n'));
  assert.deepEqual(splitLog(buf), ['a', 'b']);
  assert.deepEqual(splitLog(new Uint8Array(8)), []);
  assert.deepEqual(splitLog('x\ny'), ['x', 'y']);
});

test('BtfLoadError names the object and shows the kernel line', () => {
  const log = ['magic: 0xeb9f', 'version: 1', 'flags: 0x0', 'hdr_len: 24', '[3] FUNC 0bad type_id=2 Invalid name', ''];
  const e = new BtfLoadError('count.bpf.o', Errno.EINVAL, splitLog(log.join('\n')));
  assert.equal(e.message, 'btf count.bpf.o: load: EINVAL: [3] FUNC 0bad type_id=2 Invalid name (4 line(s) omitted)');
  assert.equal(e.name, 'BtfLoadError');
  assert.equal(e.command, 'BPF_BTF_LOAD');
  assert.match(e.format({ tail: 1 }), /\t\[3\] FUNC/);
});
