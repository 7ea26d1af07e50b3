/**
 * Capabilities: the ones this process holds (CapEff in /proc/self/status) and the ones a bpf()
 * command or program type needs, so that a PermissionError names the capability actually
 * missing, or, when none is, points at what else refuses (lockdown, an LSM, memlock).
 */
import { readFileSync } from 'node:fs';
import { ProgTypeId } from './enums.gen.js';

/** The capabilities bpf() and perf_event_open check. */
export type CapabilityName = 'CAP_NET_ADMIN' | 'CAP_SYS_ADMIN' | 'CAP_PERFMON' | 'CAP_BPF';

const BIT: Record<CapabilityName, number> = { CAP_NET_ADMIN: 12, CAP_SYS_ADMIN: 21, CAP_PERFMON: 38, CAP_BPF: 39 };

/** The CapEff mask of a /proc/<pid>/status text, or undefined when it has none. */
export function parseCapEff(status: string): bigint | undefined {
  const m = /^CapEff:\s*([0-9a-fA-F]{1,16})\s*$/m.exec(status);
  return m ? BigInt(`0x${m[1]}`) : undefined;
}

let testMask: bigint | null | undefined;

/** This process's effective capabilities, or undefined where /proc cannot say. */
export function effectiveCapabilities(): bigint | undefined {
  if (testMask !== undefined) return testMask ?? undefined;
  try {
    return parseCapEff(readFileSync('/proc/self/status', 'utf8'));
  } catch {
    return undefined;
  }
}

/** Replaces the effective capabilities seen by the hints (null: unknown); undefined restores the real ones. */
export function setCapabilitiesForTesting(mask: bigint | null | undefined): void {
  testMask = mask;
}

/** The mask of the given capabilities. */
export function capabilityMask(...caps: CapabilityName[]): bigint {
  return caps.reduce((m, c) => m | (1n << BigInt(BIT[c])), 0n);
}

/** Whether `mask` grants `cap`, as the kernel checks it (CAP_SYS_ADMIN also grants CAP_BPF and CAP_PERFMON). */
export function grants(mask: bigint, cap: CapabilityName): boolean {
  const has = (c: CapabilityName): boolean => (mask & (1n << BigInt(BIT[c]))) !== 0n;
  return has(cap) || ((cap === 'CAP_BPF' || cap === 'CAP_PERFMON') && has('CAP_SYS_ADMIN'));
}

/** What a bpf() command needs (Linux 5.8 and later), by its name (`BPF_MAP_GET_NEXT_ID`). */
export function capabilitiesForCommand(command: string): CapabilityName[] {
  if (/^BPF_\w+_GET_(NEXT_ID|FD_BY_ID)$/.test(command) || command === 'BPF_ENABLE_STATS' || command === 'BPF_TASK_FD_QUERY') return ['CAP_SYS_ADMIN'];
  if (command === 'BPF_PROG_QUERY') return ['CAP_NET_ADMIN'];
  return ['CAP_BPF'];
}

const NET_ADMIN_TYPES = new Set<number>([
  ProgTypeId.BPF_PROG_TYPE_SCHED_CLS,
  ProgTypeId.BPF_PROG_TYPE_SCHED_ACT,
  ProgTypeId.BPF_PROG_TYPE_XDP,
  ProgTypeId.BPF_PROG_TYPE_LWT_IN,
  ProgTypeId.BPF_PROG_TYPE_LWT_OUT,
  ProgTypeId.BPF_PROG_TYPE_LWT_XMIT,
  ProgTypeId.BPF_PROG_TYPE_LWT_SEG6LOCAL,
  ProgTypeId.BPF_PROG_TYPE_SK_SKB,
  ProgTypeId.BPF_PROG_TYPE_SK_MSG,
  ProgTypeId.BPF_PROG_TYPE_FLOW_DISSECTOR,
  ProgTypeId.BPF_PROG_TYPE_CGROUP_DEVICE,
  ProgTypeId.BPF_PROG_TYPE_CGROUP_SOCK,
  ProgTypeId.BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
  ProgTypeId.BPF_PROG_TYPE_CGROUP_SOCKOPT,
  ProgTypeId.BPF_PROG_TYPE_CGROUP_SYSCTL,
  ProgTypeId.BPF_PROG_TYPE_SOCK_OPS,
  ProgTypeId.BPF_PROG_TYPE_EXT,
  ProgTypeId.BPF_PROG_TYPE_NETFILTER,
]);

const PERFMON_TYPES = new Set<number>([
  ProgTypeId.BPF_PROG_TYPE_KPROBE,
  ProgTypeId.BPF_PROG_TYPE_TRACEPOINT,
  ProgTypeId.BPF_PROG_TYPE_PERF_EVENT,
  ProgTypeId.BPF_PROG_TYPE_RAW_TRACEPOINT,
  ProgTypeId.BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE,
  ProgTypeId.BPF_PROG_TYPE_TRACING,
  ProgTypeId.BPF_PROG_TYPE_LSM,
  ProgTypeId.BPF_PROG_TYPE_STRUCT_OPS,
  ProgTypeId.BPF_PROG_TYPE_EXT,
]);

/** What loading a program of `type` needs (the checks of the kernel's bpf_prog_load). */
export function capabilitiesForProgramType(type: number): CapabilityName[] {
  const caps: CapabilityName[] = ['CAP_BPF'];
  if (PERFMON_TYPES.has(type)) caps.push('CAP_PERFMON');
  if (NET_ADMIN_TYPES.has(type)) caps.push('CAP_NET_ADMIN');
  return caps;
}

/**
 * Explains an EPERM given what the call needs: the capabilities this process lacks, or, when it
 * has them all, the other causes (kernel lockdown, an LSM, memlock before Linux 5.11).
 * @param mask the effective capabilities (default: this process's; null: unknown).
 */
export function permissionHint(needed: readonly CapabilityName[], mask: bigint | null = effectiveCapabilities() ?? null): string {
  const list = (cs: readonly CapabilityName[]): string => cs.join(' and ');
  if (mask === null) return `operation not permitted (needs root or ${list(needed)})`;
  const missing = needed.filter((c) => !grants(mask, c));
  if (missing.length > 0) return `operation not permitted: this process lacks ${list(missing)} (run as root or grant ${missing.length > 1 ? 'them' : 'it'})`;
  return `operation not permitted although this process has ${list(needed)}: kernel lockdown (/sys/kernel/security/lockdown), an LSM (SELinux, AppArmor, BPF LSM) or, before Linux 5.11, RLIMIT_MEMLOCK refused it`;
}
