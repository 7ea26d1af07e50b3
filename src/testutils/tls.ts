/**
 * TLS test fixtures made at test time with the `openssl` CLI: a self-signed certificate for
 * 127.0.0.1 and localhost, and an HTTPS request helper that trusts it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** A temporary directory with `server.crt` and `server.key` (EC P-256, self-signed). */
export interface CertDir extends Disposable {
  /** The directory. */
  dir: string;
  /** The certificate (PEM). */
  cert: string;
  /** The key (PEM). */
  key: string;
}

/** Makes a self-signed certificate for 127.0.0.1/localhost in a new temporary directory (named `name`). */
export function makeCertDir(name = 'server'): CertDir {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-tls-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`), '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  return {
    dir,
    cert: readFileSync(join(dir, `${name}.crt`), 'utf8'),
    key: readFileSync(join(dir, `${name}.key`), 'utf8'),
    [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The answer to {@link get}. */
export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One request without keep-alive (HTTPS trusting `ca` when the URL is https), body undecoded. */
export function get(url: string, opts: { method?: string; headers?: Record<string, string>; ca?: string; cert?: string; key?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const o = { method: opts.method ?? 'GET', headers: opts.headers, agent: false as const };
    const done = (res: import('node:http').IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    };
    const req = u.protocol === 'https:' ? httpsRequest(u, { ...o, ca: opts.ca, cert: opts.cert, key: opts.key }, done) : httpRequest(u, o, done);
    req.on('error', reject);
    req.end();
  });
}

/** `Authorization` header value for basic auth. */
export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
