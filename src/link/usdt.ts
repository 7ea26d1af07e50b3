/**
 * USDT: attach a program written against libbpf's `<bpf/usdt.bpf.h>` (`SEC("usdt")`,
 * `BPF_USDT(...)`, `bpf_usdt_arg()`) to a statically defined probe of a user-space binary
 * (`<sys/sdt.h>`'s `STAP_PROBE`/`DTRACE_PROBE`), as libbpf's `bpf_program__attach_usdt` does.
 *
 * For each site of the probe: its argument description becomes a `struct __bpf_usdt_spec` in the
 * program's `__bpf_usdt_specs` map, and a uprobe at the site's file offset carries the spec id
 * as its BPF cookie; the probe's semaphore goes to the kernel as `ref_ctr_offset`, so it counts
 * up while attached and the guarded code runs.
 */
import { release } from 'node:os';
import { AttachTypeId } from '../sys/enums.gen.js';
import { NotSupportedError } from '../sys/errors.js';
import { Errno } from '../sys/errno.js';
import { ProgramType } from '../types.js';
import type { Spec } from '../btf/index.js';
import { LocalAttachment, type Link } from './link.js';
import { attachUprobe, resolveBinaryPath } from './uprobe.js';
import { attachUprobeMulti } from './uprobe-multi.js';
import { checkProgramType, programId, type ProgramLike } from './program.js';
import { findUsdtProbes, type UsdtProbe } from './usdt-probes.js';
import { parseUsdtArgs, ptRegsOffsets, type UsdtArg } from './usdt-args.js';
import { encodeUsdtSpec } from './usdt-spec.js';
import { UsdtMaps, type UsdtMapOptions } from './usdt-maps.js';
import { processAddress } from './process-maps.js';

/** Options of {@link attachUsdt}. */
export interface UsdtOptions extends UsdtMapOptions {
  /** Only this process (default: every process that runs the binary). Needed on kernels without BPF cookies. */
  pid?: number;
  /** The value `bpf_usdt_cookie()` returns in the program (default 0); the BPF cookie itself carries the spec id. */
  cookie?: bigint | number;
  /** The kernel BTF to read `struct pt_regs` from (default: /sys/kernel/btf/vmlinux). */
  kernelBtf?: Spec;
}

/**
 * Whether the running kernel has BPF cookies for perf links (Linux 5.15): the same test that
 * gives `usdt.bpf.h`'s `LINUX_HAS_BPF_COOKIE` its `.kconfig` value.
 */
export function kernelHasBpfCookie(rel = release()): boolean {
  const m = /^(\d+)\.(\d+)/.exec(rel);
  return m !== null && (Number(m[1]) > 5 || (Number(m[1]) === 5 && Number(m[2]) >= 15));
}

/**
 * A program attached to every site of a USDT probe: the uprobes (one perf link per site, or one
 * uprobe_multi link) and the spec map entries. Not a kernel link itself: `close()` detaches the
 * uprobes (the kernel then decrements the semaphore) and clears the spec entries.
 */
export class UsdtLink extends LocalAttachment {
  readonly kind = 'usdt' as const;
  /** The probe sites attached, in note order. */
  readonly probes: readonly UsdtProbe[];
  /** The spec id of each site (the BPF cookie of its uprobe), in the order of {@link UsdtLink.probes}. */
  readonly specIds: readonly number[];
  readonly #links: Link[];
  readonly #maps: UsdtMaps;

  /** @internal Takes ownership of `links` and `maps`. */
  constructor(label: string, progId: number, probes: readonly UsdtProbe[], specIds: readonly number[], links: Link[], maps: UsdtMaps) {
    super(label, progId);
    this.probes = probes;
    this.specIds = specIds;
    this.#links = links;
    this.#maps = maps;
  }

  /** The kernel links underneath: a perf link per site, or one uprobe_multi link. */
  get links(): readonly Link[] {
    this.check();
    return this.#links;
  }

  protected release(): void {
    let first: unknown;
    for (const l of this.#links) {
      try {
        l.close();
      } catch (e) {
        first ??= e;
      }
    }
    try {
      this.#maps.close();
    } catch (e) {
      first ??= e;
    }
    if (first) throw first;
  }
}

function checkName(v: unknown, what: string, label: string): string {
  if (typeof v !== 'string' || v === '' || v.includes('\0')) throw new TypeError(`${label}: ${what} must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Attaches `prog` (a `SEC("usdt")` program using `<bpf/usdt.bpf.h>`) to USDT probe
 * `provider:name` of the executable or shared library `binaryPath`, at every site of the probe.
 *
 * The program's `__bpf_usdt_specs` and `__bpf_usdt_ip_to_spec_id` maps are found among the maps
 * it uses (or given in `opts`). Each site's argument description is written there as libbpf
 * lays it out, so `bpf_usdt_arg()`, `bpf_usdt_arg_cnt()`, `bpf_usdt_cookie()` and `BPF_USDT()`
 * work unchanged; the uprobe's BPF cookie is the spec id. With `pid`, the IP map also gets each
 * site's address in that process (what the program reads on kernels without BPF cookies).
 * A probe with a semaphore gets it incremented by the kernel while attached (`ref_ctr_offset`).
 *
 * A program loaded with expected attach type `BPF_TRACE_UPROBE_MULTI` is attached with one
 * uprobe_multi link (Linux 6.6); others with one perf link per site.
 *
 * @example
 * using link = attachUsdt('/usr/bin/python3', 'python', 'function__entry', coll.programs.on_entry);
 * @remarks x86-64 only (argument registers are read from `struct pt_regs`). Needs BPF cookies
 *   (Linux 5.15), or `pid` on older kernels.
 * @throws {AttachTargetNotFoundError} when the binary or the probe does not exist, or `pid` does not map the binary.
 * @throws {UsdtArgError} for an argument description this module cannot read (`sym(%rip)`, an index register).
 * @throws {TypeError} when the program uses no `__bpf_usdt_specs` map, or for bad arguments.
 * @throws {ElfSymbolError} when the binary is not a readable ELF file.
 */
export function attachUsdt(binaryPath: string, provider: string, name: string, prog: ProgramLike, opts: UsdtOptions = {}): UsdtLink {
  const label = `link usdt ${binaryPath}:${provider}:${name}`;
  checkName(provider, 'provider', label);
  checkName(name, 'name', label);
  checkProgramType(prog, [ProgramType.Kprobe], label);
  if (opts.pid !== undefined && (!Number.isInteger(opts.pid) || opts.pid < 0)) throw new RangeError(`${label}: pid must be a process id, got ${opts.pid}`);
  let cookie = 0n;
  if (opts.cookie !== undefined) {
    if (typeof opts.cookie === 'number' && !Number.isSafeInteger(opts.cookie)) throw new RangeError(`${label}: cookie must be an integer, got ${opts.cookie}`);
    cookie = BigInt(opts.cookie);
    if (cookie < -(1n << 63n) || cookie >= 1n << 64n) throw new RangeError(`${label}: cookie out of 64-bit range`);
  }
  if (process.arch !== 'x64') throw new NotSupportedError('perf_event_open', 'usdt', Errno.EOPNOTSUPP, label, `USDT arguments are supported on x86-64 only (running ${process.arch})`);
  const path = resolveBinaryPath(binaryPath, label);
  const probes = findUsdtProbes(path, provider, name, label);
  // Everything that can be refused without touching the kernel first.
  const args: UsdtArg[][] = probes.map((p) => parseUsdtArgs(p.args));
  const regs = ptRegsOffsets(opts.kernelBtf);
  const regOffset = (field: string): number => regs.get(field)!;
  const cookies = kernelHasBpfCookie();

  const maps = UsdtMaps.open(prog, opts, label);
  const links: Link[] = [];
  try {
    if (!cookies && (opts.pid === undefined || !maps.hasIpMap)) {
      throw new NotSupportedError('perf_event_open', 'usdt', Errno.EOPNOTSUPP, label, 'this kernel has no BPF cookies (Linux 5.15): pass opts.pid so probe addresses can go to the IP-to-spec-id map');
    }
    // One spec per distinct argument description.
    const byArgs = new Map<string, number>();
    const specIds = probes.map((p, i) => {
      let id = byArgs.get(p.args);
      if (id === undefined) {
        id = maps.addSpec(encodeUsdtSpec(args[i], regOffset, cookie));
        byArgs.set(p.args, id);
      }
      return id;
    });
    if (opts.pid !== undefined && maps.hasIpMap) {
      probes.forEach((p, i) => maps.addIp(processAddress(opts.pid!, path, p.offset, label), specIds[i]));
    }
    if (prog.expectedAttachType === AttachTypeId.BPF_TRACE_UPROBE_MULTI) {
      links.push(
        attachUprobeMulti(
          path,
          probes.map((p) => p.offset),
          prog,
          {
            pid: opts.pid,
            cookies: cookies ? specIds : undefined,
            refCtrOffsets: probes.some((p) => p.semaphoreOffset !== 0n) ? probes.map((p) => p.semaphoreOffset) : undefined,
          },
        ),
      );
    } else {
      probes.forEach((p, i) => {
        links.push(
          attachUprobe(path, p.offset, prog, {
            pid: opts.pid,
            refCtrOffset: p.semaphoreOffset !== 0n ? p.semaphoreOffset : undefined,
            cookie: cookies ? specIds[i] : undefined,
          }),
        );
      });
    }
    return new UsdtLink(label, programId(prog), probes, specIds, links, maps);
  } catch (e) {
    for (const l of links) {
      try {
        l.close();
      } catch {
        // the attach error matters more
      }
    }
    try {
      maps.close();
    } catch {
      // idem
    }
    throw e;
  }
}

/**
 * Splits a USDT section target `<binary>:<provider>:<name>` (libbpf's `usdt/<path>:<provider>:<name>`);
 * the binary may contain `:`, provider and name may not.
 * @throws {TypeError} for another shape.
 */
export function parseUsdtTarget(s: string, context: string): { binary: string; provider: string; name: string } {
  const j = s.lastIndexOf(':');
  const i = j > 0 ? s.lastIndexOf(':', j - 1) : -1;
  if (i <= 0 || j === i + 1 || j === s.length - 1) throw new TypeError(`${context}: usdt target must be <binary>:<provider>:<name>, got ${JSON.stringify(s)}`);
  return { binary: s.slice(0, i), provider: s.slice(i + 1, j), name: s.slice(j + 1) };
}
