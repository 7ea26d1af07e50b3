/**
 * Snippets for docs/api.md: the attach functions of tsbpf/link and the Link interface.
 * Regions are copied into the docs by scripts/docs-snippets.mjs; `npm run typecheck` compiles them.
 */
import { AttachType, BpfMap, ProgramType, loadCollection, type Program } from '../../src/index.js';
import {
  Link,
  attachCgroup,
  attachIter,
  attachKprobe,
  attachKretprobe,
  attachLsm,
  attachProgram,
  attachRawTracepoint,
  attachSocketFilter,
  attachTcx,
  attachTracepoint,
  attachTracing,
  attachUprobe,
  attachUprobeMulti,
  attachUretprobe,
  attachUsdt,
  attachXdp,
  haveKprobes,
  listUsdtProbes,
  resolveAttachTarget,
} from '../../src/link/index.js';

/** Tracepoints. */
export function tracepoint(prog: Program): void {
  // #region attach-tracepoint
  using link = attachTracepoint('syscalls', 'sys_enter_openat', prog);
  link.info().perfEvent?.name; // 'sys_enter_openat'
  // #endregion
}

/** Raw tracepoints. */
export function rawTracepoint(prog: Program): void {
  // #region attach-raw-tracepoint
  using link = attachRawTracepoint('sys_enter', prog); // the bare name, without the group
  link.info().rawTracepoint?.name;                     // 'sys_enter'
  // #endregion
}

/** fentry and friends. */
export function tracing(): void {
  // #region attach-tracing
  using coll = loadCollection('fentry.bpf.o');           // SEC("fentry/do_unlinkat"): the target is fixed at load
  using link = attachTracing(coll.programs.unlink_entry); // same as coll.programs.unlink_entry.attach()
  // #endregion
}

/** BPF LSM. */
export function lsm(prog: Program): void {
  // #region attach-lsm
  using link = attachLsm(prog); // SEC("lsm/file_open"); needs bpf in the kernel's active LSMs
  // #endregion
}

/** Finding a BTF attach target by hand. */
export function attachTarget(): number {
  // #region resolve-attach-target
  const t = resolveAttachTarget(ProgramType.Tracing, AttachType.TRACE_FENTRY, 'do_unlinkat');
  console.log(t.btfId, t.typeName, t.module ?? 'vmlinux'); // 76293 func do_unlinkat vmlinux (ids vary by kernel)
  // #endregion
  t.btfObjFd?.close();
  return t.btfId;
}

/** kprobes. */
export function kprobe(prog: Program, retProg: Program): void {
  if (!haveKprobes()) return;
  // #region attach-kprobe
  using entry = attachKprobe('do_unlinkat', prog); // MissingFeatureError on kernels without kprobes
  using exit = attachKretprobe('do_unlinkat', retProg);
  // #endregion
}

/** uprobes. */
export function uprobe(prog: Program, retProg: Program, pid: number): void {
  // #region attach-uprobe
  using entry = attachUprobe('/usr/bin/bash', 'readline', prog);      // every process running bash
  using exit = attachUretprobe('bash', 'readline', retProg, { pid }); // bare names are looked up on $PATH
  // #endregion
}

/** uprobe_multi. */
export function uprobeMulti(prog: Program): void {
  // #region attach-uprobe-multi
  const libc = '/usr/lib/x86_64-linux-gnu/libc.so.6';
  using link = attachUprobeMulti(libc, ['malloc', 'free'], prog, { cookies: [1n, 2n] }); // one link, two probes
  // #endregion
}

/** USDT probes, for a program built with <bpf/usdt.bpf.h>. */
export function usdt(prog: Program, pid: number): void {
  // #region attach-usdt
  for (const p of listUsdtProbes('/usr/bin/python3')) console.log(`${p.provider}:${p.name} ${p.args}`); // what readelf -n shows
  using link = attachUsdt('/usr/bin/python3', 'python', 'function__entry', prog, { pid, cookie: 1n }); // bpf_usdt_cookie() == 1
  // #endregion
}

/** Socket filters. */
export function socketFilter(socketFd: number, prog: Program): void {
  // #region attach-socket-filter
  using filter = attachSocketFilter(socketFd, prog); // the program returns how many bytes to keep: 0 drops
  filter.isBpfLink;                                  // false: nothing to pin or update
  // #endregion
}

/** XDP. */
export function xdp(prog: Program): void {
  // #region attach-xdp
  using link = attachXdp('eth0', prog, { mode: 'skb' }); // or an ifindex; default mode: the kernel picks
  link.info().xdp?.ifindex;                              // 2
  // #endregion
}

/** tcx. */
export function tcx(first: Program, second: Program): void {
  // #region attach-tcx
  using a = attachTcx('eth0', first, { direction: 'ingress' });
  using b = attachTcx('eth0', second, { direction: 'ingress', before: a }); // b runs before a
  // #endregion
}

/** cgroups. */
export function cgroup(prog: Program): void {
  // #region attach-cgroup
  using link = attachCgroup('/sys/fs/cgroup/my.slice', prog, AttachType.CGROUP_INET_EGRESS);
  // #endregion
}

/** Iterators. */
export function iter(prog: Program, elemProg: Program, counts: BpfMap<number, bigint>): string {
  // #region attach-iter
  using maps = attachIter(prog);                      // SEC("iter/bpf_map")
  const text = maps.readAll();                        // one pass: what the program printed
  using elems = attachIter(elemProg, { map: counts }); // SEC("iter/bpf_map_elem") walks one map
  elems.open().stream().pipe(process.stdout);          // or stream a pass
  // #endregion
  return text;
}

/** attachProgram. */
export function byProgram(prog: Program): void {
  // #region attach-program
  using link = attachProgram(prog, { iface: 'eth0' }); // prog.attach({ iface: 'eth0' }) does the same
  // #endregion
}

/** Pinned links. */
export function pinned(prog: Program): void {
  // #region link-pin
  const link = attachTracepoint('syscalls', 'sys_enter_openat', prog);
  link.pin('/sys/fs/bpf/openat_link'); link.close(); // stays attached after this process exits
  using again = Link.fromPinned('/sys/fs/bpf/openat_link');
  again.unpin();                                       // closing `again` now detaches the program
  // #endregion
}

/** Swapping the program of a link. */
export function update(oldProg: Program, newProg: Program): void {
  // #region link-update
  using link = attachXdp('eth0', oldProg);
  link.update(newProg, { replace: oldProg }); // atomic; EPERM if oldProg is no longer the one attached
  // #endregion
}
