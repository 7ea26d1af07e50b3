/**
 * attachProgram: attach a program the way its ELF section name (`SEC()`) says, as libbpf's
 * auto-attach does: `tracepoint/<group>/<name>`, `raw_tp/<name>`, `fentry/<fn>`,
 * `kprobe/<fn>[+off]`, `uprobe/<binary>:<symbol>[+off]`, `xdp`, `tcx/ingress`, `iter/<target>`…
 */
import { parseSectionName, type SectionInfo } from '../elf/index.js';
import { AttachTypeId } from '../sys/enums.gen.js';
import { ProgramType, programTypeShortName } from '../types.js';
import { attachTracepoint } from './tracepoint.js';
import { attachRawTracepoint } from './raw-tracepoint.js';
import { attachTracing } from './tracing.js';
import { attachKprobe } from './kprobe.js';
import { attachUprobe } from './uprobe.js';
import { attachUsdt, parseUsdtTarget } from './usdt.js';
import { attachXdp, type XdpMode } from './xdp.js';
import { attachTcx } from './tcx.js';
import { attachCgroup } from './cgroup.js';
import { attachSocketFilter } from './socket-filter.js';
import { attachIter } from './iter.js';
import { programLabel, type ProgramLike } from './program.js';
import type { Link } from './link.js';

/** Options of {@link attachProgram}: where to attach what the section name leaves open. */
export interface AttachProgramOptions {
  /** The SEC() name, when the program object does not carry one (`sectionName`). */
  section?: string;
  /** Replaces the section's attach target: `group/name` for tracepoints, the name for raw tracepoints, `binary:symbol[+off]` for uprobes, `binary:provider:name` for USDT, `symbol[+off]` for kprobes. */
  target?: string;
  /** The network interface, for XDP and tcx. */
  iface?: string | number;
  /** XDP mode. */
  xdpMode?: XdpMode;
  /** The cgroup v2 directory, for cgroup programs. */
  cgroup?: string | number;
  /** The socket fd, for socket filters. */
  socketFd?: number;
  /** For uprobes and USDT: only this process. */
  pid?: number;
  /** bpf_cookie, where the attach type takes one. */
  cookie?: bigint | number;
  /** For map element iterators: the map to walk. */
  map?: { readonly fd: number } | number;
}

const NUM = /^(0x[0-9a-fA-F]+|\d+)$/;

/** Splits `symbol+0x10` into the symbol and the offset. */
export function splitSymbolOffset(s: string): { symbol: string; offset: number } {
  const i = s.lastIndexOf('+');
  if (i > 0 && NUM.test(s.slice(i + 1))) return { symbol: s.slice(0, i), offset: Number(s.slice(i + 1)) };
  return { symbol: s, offset: 0 };
}

/** Splits a uprobe target `binary:symbol[+off]` or `binary:0xOFFSET` (the binary may be an absolute path). */
export function parseUprobeTarget(s: string, context: string): { binary: string; symbol?: string; offset: bigint } {
  const i = s.lastIndexOf(':');
  if (i <= 0 || i === s.length - 1) throw new TypeError(`${context}: uprobe target must be binary:symbol[+offset], got ${JSON.stringify(s)}`);
  const binary = s.slice(0, i);
  const rest = s.slice(i + 1);
  if (NUM.test(rest)) return { binary, offset: BigInt(rest) };
  const { symbol, offset } = splitSymbolOffset(rest);
  return { binary, symbol, offset: BigInt(offset) };
}

function need<T>(v: T | undefined, what: string, context: string): T {
  if (v === undefined) throw new TypeError(`${context}: needs opts.${what}`);
  return v;
}

/**
 * Attaches a program as its section name says. The section comes from `opts.section` or the
 * program's `sectionName`; the rest (interface, cgroup, socket) from `opts`.
 *
 * | section | attach |
 * |---|---|
 * | `tracepoint/<group>/<name>`, `tp/…` | {@link attachTracepoint} |
 * | `raw_tp/<name>`, `raw_tracepoint/…` | {@link attachRawTracepoint} |
 * | `fentry/…`, `fexit/…`, `fmod_ret/…`, `tp_btf/…`, `lsm/…` | {@link attachTracing} |
 * | `kprobe/<fn>[+off]`, `kretprobe/<fn>` | {@link attachKprobe} |
 * | `uprobe/<binary>:<symbol>[+off]`, `uretprobe/…` | {@link attachUprobe} |
 * | `usdt/<binary>:<provider>:<name>`, `usdt` + `opts.target` | {@link attachUsdt} (`opts.cookie`: what `bpf_usdt_cookie()` returns) |
 * | `iter/<target>` | {@link attachIter} (`opts.map` for map iterators) |
 * | `xdp` | {@link attachXdp} (`opts.iface`) |
 * | `tcx/ingress`, `tcx/egress`, `tc/ingress`, `tc/egress` | {@link attachTcx} (`opts.iface`) |
 * | `cgroup*`, `sockops`… | {@link attachCgroup} (`opts.cgroup`) |
 * | `socket` | {@link attachSocketFilter} (`opts.socketFd`) |
 *
 * Without a section, the program's type and expected attach type decide where that is enough
 * (fentry/fexit/lsm/tp_btf, iter, xdp, tcx, cgroup, socket filter).
 *
 * @throws {TypeError} when the section gives no attach target and `opts` does not either, or the kind cannot be attached automatically (kprobe.multi, struct_ops…).
 */
export function attachProgram(program: ProgramLike, opts: AttachProgramOptions = {}): Link {
  const label = `attach ${programLabel(program)}`;
  const section = opts.section ?? program.sectionName;
  let info: SectionInfo | undefined;
  let prefix = '';
  if (section !== undefined) {
    info = parseSectionName(section);
    if (!info) throw new TypeError(`${label}: unknown section name ${JSON.stringify(section)}`);
    prefix = section.split('/')[0];
  } else {
    if (program.type === undefined) throw new TypeError(`${label}: no section name and no program type: pass opts.section`);
    info = { type: program.type as SectionInfo['type'], expectedAttachType: program.expectedAttachType || undefined, flags: 0, attachBtf: false };
  }
  const target = opts.target ?? info.attachTo;
  const at = info.expectedAttachType ?? (program.expectedAttachType || undefined);
  const ctx = section ? `${label} (section ${section})` : label;
  switch (info.type) {
    case ProgramType.TracePoint: {
      const t = need(target, 'target (group/name)', ctx);
      const slash = t.indexOf('/');
      if (slash <= 0) throw new TypeError(`${ctx}: tracepoint target must be group/name, got ${JSON.stringify(t)}`);
      return attachTracepoint(t.slice(0, slash), t.slice(slash + 1), program, { cookie: opts.cookie });
    }
    case ProgramType.RawTracePoint:
    case ProgramType.RawTracePointWritable:
      return attachRawTracepoint(need(target, 'target (tracepoint name)', ctx), program, { cookie: opts.cookie });
    case ProgramType.Tracing:
    case ProgramType.LSM:
      if (at === AttachTypeId.BPF_TRACE_ITER) return attachIter(program, opts.map !== undefined ? { map: opts.map } : {});
      return attachTracing(program, { attachType: at, cookie: opts.cookie });
    case ProgramType.Kprobe: {
      if (prefix === 'usdt' || prefix === 'usdt.s') {
        const u = parseUsdtTarget(need(target, 'target (binary:provider:name)', ctx), ctx);
        return attachUsdt(u.binary, u.provider, u.name, program, { pid: opts.pid, cookie: opts.cookie });
      }
      if (prefix.startsWith('uprobe') || prefix.startsWith('uretprobe')) {
        if (prefix.includes('.multi')) break;
        const u = parseUprobeTarget(need(target, 'target (binary:symbol)', ctx), ctx);
        return attachUprobe(u.binary, u.symbol ?? u.offset, program, {
          retprobe: prefix.startsWith('uretprobe'),
          offset: u.symbol ? u.offset : undefined,
          pid: opts.pid,
          cookie: opts.cookie,
        });
      }
      if (prefix === 'kprobe' || prefix === 'kretprobe' || (section === undefined && target !== undefined)) {
        const k = splitSymbolOffset(need(target, 'target (kernel function)', ctx));
        return attachKprobe(k.symbol, program, { retprobe: prefix === 'kretprobe', offset: k.offset || undefined, cookie: opts.cookie });
      }
      break;
    }
    case ProgramType.XDP:
      if (at !== undefined && at !== AttachTypeId.BPF_XDP) break; // devmap/cpumap programs go into maps
      return attachXdp(need(opts.iface, 'iface', ctx), program, { mode: opts.xdpMode });
    case ProgramType.SchedCls:
      if (at === AttachTypeId.BPF_TCX_INGRESS || at === AttachTypeId.BPF_TCX_EGRESS) {
        return attachTcx(need(opts.iface, 'iface', ctx), program, { direction: at === AttachTypeId.BPF_TCX_INGRESS ? 'ingress' : 'egress' });
      }
      break;
    case ProgramType.SocketFilter:
      return attachSocketFilter(need(opts.socketFd, 'socketFd', ctx), program);
    case ProgramType.CgroupSkb:
    case ProgramType.CgroupSock:
    case ProgramType.CgroupSockAddr:
    case ProgramType.CgroupSockopt:
    case ProgramType.CgroupSysctl:
    case ProgramType.CgroupDevice:
    case ProgramType.SockOps:
      if (at === undefined) throw new TypeError(`${ctx}: no attach type for this cgroup program: use attachCgroup(path, prog, attachType)`);
      return attachCgroup(need(opts.cgroup, 'cgroup', ctx), program, at);
  }
  throw new TypeError(`${ctx}: ${programTypeShortName(info.type)} programs${section ? ` in ${prefix}` : ''} cannot be attached automatically: use an attach function from tsbpf/link`);
}
