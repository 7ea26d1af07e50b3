/**
 * Kernel config values for `__kconfig` externs: read from /proc/config.gz (or
 * /boot/config-$(uname -r)) and laid out in the `.kconfig` map the way libbpf does.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Zlib from 'node:zlib';
import { release } from 'node:os';
import { skipQualifiers, type Spec } from '../btf/index.js';
import type { ExternSpec } from '../spec/index.js';

let cached: Map<string, string> | undefined;

/** Parses `.config` text: `CONFIG_X=value` lines (`# CONFIG_X is not set` means absent). */
export function parseKernelConfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

/**
 * The running kernel's config, read once per process from /proc/config.gz or
 * /boot/config-<release>.
 * @throws {Error} when neither exists (the kernel lacks CONFIG_IKCONFIG_PROC).
 */
export function kernelConfig(): Map<string, string> {
  if (cached) return cached;
  const tries: Array<[string, (b: Buffer) => string]> = [
    // node:zlib is loaded only when a program has kconfig externs: it costs milliseconds to import.
    ['/proc/config.gz', (b) => (createRequire(import.meta.url)('node:zlib') as typeof Zlib).gunzipSync(b).toString('utf8')],
    [`/boot/config-${release()}`, (b) => b.toString('utf8')],
  ];
  for (const [path, decode] of tries) {
    try {
      cached = parseKernelConfig(decode(readFileSync(path)));
      return cached;
    } catch {
      // try the next
    }
  }
  throw new Error(`kconfig: no kernel config found (tried ${tries.map((t) => t[0]).join(', ')})`);
}

/** LINUX_KERNEL_VERSION of a release string like `6.18.44-foo`: major << 16 | minor << 8 | min(patch, 255). */
export function kernelVersionCode(rel = release()): number {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(rel);
  if (!m) return 0;
  return (Number(m[1]) << 16) | (Number(m[2]) << 8) | Math.min(Number(m[3] ?? 0), 255);
}

/** How an extern's C type takes a value. */
type Target = { kind: 'bool' } | { kind: 'tristate' } | { kind: 'char' } | { kind: 'int'; signed: boolean } | { kind: 'string'; size: number };

function targetOf(btf: Spec | undefined, ext: ExternSpec): Target {
  const size = ext.size ?? 0;
  if (!btf || !ext.typeId) return size === 1 ? { kind: 'char' } : { kind: 'int', signed: false };
  const t = btf.typeById(skipQualifiers(btf, ext.typeId));
  if (t.kind === 'int') {
    if (t.encoding === 'bool') return { kind: 'bool' };
    if (t.encoding === 'char' && t.size === 1) return { kind: 'char' };
    return { kind: 'int', signed: t.encoding === 'signed' };
  }
  if (t.kind === 'enum' && t.name === 'libbpf_tristate') return { kind: 'tristate' };
  if (t.kind === 'enum' || t.kind === 'enum64') return { kind: 'int', signed: false };
  if (t.kind === 'array') return { kind: 'string', size };
  return { kind: 'int', signed: false };
}

function writeInt(out: DataView, off: number, size: number, v: bigint, what: string): void {
  const bits = BigInt(size * 8);
  if (![1, 2, 4, 8].includes(size)) throw new Error(`${what}: unsupported size ${size}`);
  if (v < -(1n << (bits - 1n)) || v >= 1n << bits) throw new RangeError(`${what}: value ${v} does not fit in ${size} byte(s)`);
  const u = BigInt.asUintN(Number(bits), v);
  for (let i = 0; i < size; i++) out.setUint8(off + i, Number((u >> BigInt(8 * i)) & 0xffn));
}

/**
 * Fills the value of a `.kconfig` map: each `kconfig` extern at its offset from `config`
 * (default: the running kernel's), LINUX_KERNEL_VERSION from the release. A missing value is
 * zero for a `__weak` extern and an error otherwise.
 * @throws {Error} naming the extern for a missing or malformed value.
 */
export function fillKconfig(size: number, externs: readonly ExternSpec[], btf: Spec | undefined, config?: Map<string, string>): Uint8Array {
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let cfg = config;
  for (const ext of externs) {
    if (ext.kind !== 'kconfig') continue;
    const what = `kconfig ${ext.name}`;
    const off = ext.offset ?? 0;
    const sz = ext.size ?? 0;
    if (off + sz > size) throw new RangeError(`${what}: offset ${off} + size ${sz} past the .kconfig map value (${size} bytes)`);
    const target = targetOf(btf, ext);
    let raw: string | undefined;
    if (ext.name === 'LINUX_KERNEL_VERSION') raw = String(kernelVersionCode());
    else if (ext.name === 'LINUX_HAS_BPF_COOKIE') raw = kernelVersionCode() >= (5 << 16) + (15 << 8) ? '1' : '0';
    else if (ext.name === 'LINUX_HAS_SYSCALL_WRAPPER') raw = '1';
    else {
      if (!cfg) {
        try {
          cfg = kernelConfig();
        } catch (e) {
          if (ext.weak) continue;
          throw new Error(`${what}: ${(e as Error).message}`, { cause: e });
        }
      }
      raw = cfg.get(ext.name);
    }
    if (raw === undefined) {
      if (ext.weak) continue;
      throw new Error(`${what}: not set in the kernel config (declare it __weak to accept that)`);
    }
    if (raw === 'y' || raw === 'n' || raw === 'm') {
      const tri = raw === 'y' ? 1n : raw === 'm' ? 2n : 0n;
      switch (target.kind) {
        case 'bool':
          if (raw === 'm') throw new Error(`${what}: value 'm' does not fit a bool (use enum libbpf_tristate)`);
          out[off] = Number(tri);
          break;
        case 'char':
          out[off] = raw.charCodeAt(0);
          break;
        case 'string':
          throw new Error(`${what}: value '${raw}' does not fit a string`);
        default:
          writeInt(view, off, sz, tri, what);
      }
      continue;
    }
    if (raw.startsWith('"')) {
      if (target.kind !== 'string') throw new Error(`${what}: string value ${raw} does not fit a ${target.kind}`);
      const s = Buffer.from(raw.slice(1, raw.endsWith('"') ? -1 : undefined).replace(/\\(.)/g, '$1'), 'utf8');
      out.set(s.subarray(0, Math.max(0, sz - 1)), off);
      continue;
    }
    let n: bigint;
    try {
      n = BigInt(raw.startsWith('-') ? raw : raw.replace(/^0(?=[0-7])/, '0o'));
    } catch {
      throw new Error(`${what}: cannot parse value ${JSON.stringify(raw)}`);
    }
    if (target.kind === 'bool') {
      // As libbpf does: a bool takes a numeric 0 or 1 (LINUX_HAS_BPF_COOKIE, CONFIG_X=1).
      if (n !== 0n && n !== 1n) throw new Error(`${what}: numeric value ${raw} does not fit a bool (only 0 or 1)`);
      out[off] = Number(n);
      continue;
    }
    if (target.kind === 'string' || target.kind === 'char') throw new Error(`${what}: numeric value ${raw} does not fit a ${target.kind}`);
    writeInt(view, off, sz, n, what);
  }
  return out;
}
