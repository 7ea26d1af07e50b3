// The example's TCP transfer: transfer.c (a sender and a receiver over 127.0.0.1, the sender
// with setsockopt(TCP_CONGESTION)), built with the host C compiler on first use. Node's `net`
// cannot choose a socket's congestion control; a few lines of C can.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the sending socket reported after a transfer. */
export interface TransferResult {
  /** getsockopt(TCP_CONGESTION) of the sending socket: the algorithm that ran it. */
  congestion: string;
  /** Bytes written by the sender. */
  sent: number;
  /** Bytes the receiver read. */
  received: number;
}

let built: string | undefined;

/** Builds transfer.c with `$CC` (default `cc`) into a temporary directory, once per process; returns the binary's path. */
export function transferBinary(): string {
  if (built) return built;
  const src = fileURLToPath(new URL('./transfer.c', import.meta.url));
  const out = join(mkdtempSync(join(tmpdir(), 'tsbpf-tcpcc-')), 'transfer');
  const cc = process.env.CC ?? 'cc';
  try {
    execFileSync(cc, ['-O2', '-Wall', '-o', out, src], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`tcpcc: building transfer.c with ${cc} failed: ${(e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message}`, { cause: e });
  }
  built = out;
  return out;
}

/**
 * Sends `bytes` bytes over a TCP connection on 127.0.0.1 whose sender uses congestion control
 * `congestion`, and returns what its socket reported.
 * @throws {Error} when the kernel refuses the congestion control (not registered) or the transfer fails.
 */
export function transfer(congestion: string, bytes: number): TransferResult {
  let out: string;
  try {
    out = execFileSync(transferBinary(), [congestion, String(bytes)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; status?: number };
    throw new Error(`tcpcc: transfer with ${congestion}: ${(x.stdout || x.stderr || (e as Error).message).trim()}`, { cause: e });
  }
  const m = /^congestion=(\S*) sent=(\d+) received=(-?\d+)$/m.exec(out);
  if (!m) throw new Error(`tcpcc: transfer with ${congestion}: unexpected output ${JSON.stringify(out)}`);
  return { congestion: m[1], sent: Number(m[2]), received: Number(m[3]) };
}
