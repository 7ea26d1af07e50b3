/**
 * The struct_ops tests' TCP transfer: examples/tcpcc/transfer.c (a sender with
 * setsockopt(TCP_CONGESTION) and a receiver over 127.0.0.1), built with the host C compiler into
 * testdata/build/tcp-transfer (rebuilt when the source is newer).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildDir, repoRoot } from './bpf-objects.js';

/** What the sending socket reported. */
export interface TransferResult {
  /** getsockopt(TCP_CONGESTION) of the sender. */
  congestion: string;
  /** Bytes sent. */
  sent: number;
  /** Bytes the receiver read. */
  received: number;
}

/** Path of the built helper; builds it on first use. @throws {Error} with the compiler's output. */
export function tcpTransferPath(): string {
  const src = join(repoRoot, 'examples', 'tcpcc', 'transfer.c');
  const out = join(buildDir, 'tcp-transfer');
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs) return out;
  mkdirSync(buildDir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const cc = process.env.CC ?? 'cc';
  try {
    execFileSync(cc, ['-O2', '-Wall', '-o', tmp, src], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`tcp-transfer: ${cc} failed: ${(e as { stderr?: Buffer }).stderr?.toString() ?? (e as Error).message}`, { cause: e });
  }
  renameSync(tmp, out);
  return out;
}

/** Why the helper cannot be built here (no C compiler), or null. */
export function tcpTransferUnavailable(): string | null {
  try {
    tcpTransferPath();
    return null;
  } catch (e) {
    return `needs a C compiler to build examples/tcpcc/transfer.c: ${(e as Error).message.split('\n')[0]}`;
  }
}

/** Sends `bytes` bytes over 127.0.0.1 with congestion control `congestion` on the sender. @throws {Error} when it fails (e.g. the algorithm is not registered). */
export function tcpTransfer(congestion: string, bytes: number): TransferResult {
  let out: string;
  try {
    out = execFileSync(tcpTransferPath(), [congestion, String(bytes)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string };
    throw new Error(`tcp-transfer ${congestion}: ${(x.stdout || x.stderr || (e as Error).message).trim()}`, { cause: e });
  }
  const m = /^congestion=(\S*) sent=(\d+) received=(-?\d+)$/m.exec(out);
  if (!m) throw new Error(`tcp-transfer ${congestion}: unexpected output ${JSON.stringify(out)}`);
  return { congestion: m[1], sent: Number(m[2]), received: Number(m[3]) };
}
