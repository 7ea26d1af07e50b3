/**
 * Exporter memory over many scrapes: starts `tsbpf export` as a child process, scrapes it
 * SCRAPES times one after the other over keep-alive connections (every other scrape asks for
 * gzip), and prints the child's resident set size (VmRSS) every SCRAPES/20 scrapes, so a leak
 * shows as a curve that keeps climbing instead of levelling off. It also prints the number of maps
 * on the host at each sample: a scan's memory and text grow with the host's map count, which other
 * processes may change during the run.
 *
 * Run: npx tsx bench/export-rss.ts [SCRAPES=10000] [MAPS=100] [--cache-ms MS (default 1000; 0: scan on every scrape)] [--tls-auth]
 * --tls-auth serves HTTPS with basic auth from a web config (self-signed cert made with openssl).
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { parseArgs } from 'node:util';
import bcrypt from 'bcryptjs';
import { BpfMap, MapType } from '../src/index.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'cache-ms': { type: 'string', default: '1000' }, 'tls-auth': { type: 'boolean' } } });
const SCRAPES = Number(positionals[0] ?? 10000);
const MAPS = Number(positionals[1] ?? 100);
const tlsAuth = values['tls-auth'] ?? false;

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-rss-'));
const maps: BpfMap[] = [];
const args = ['--import', 'tsx', new URL('../src/cli/main.ts', import.meta.url).pathname, 'export', '--listen', '127.0.0.1:0', '--cache-ms', values['cache-ms']!];
let ca: string | undefined;
const auth = `Basic ${Buffer.from('bench:pw').toString('base64')}`;
if (tlsAuth) {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-keyout', join(dir, 's.key'), '-out', join(dir, 's.crt'), '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  ca = readFileSync(join(dir, 's.crt'), 'utf8');
  writeFileSync(join(dir, 'web.yml'), `tls_server_config:\n  cert_file: s.crt\n  key_file: s.key\nbasic_auth_users:\n  bench: '${bcrypt.hashSync('pw', 10)}'\n`);
  args.push('--web.config.file', join(dir, 'web.yml'));
}
for (let i = 0; i < MAPS; i++) {
  const m = BpfMap.create({ name: `rss_${i}`, type: MapType.Hash, keySize: 4, valueSize: 8, maxEntries: 1000 });
  for (let k = 0; k < 10; k++) m.update(Buffer.from(new Uint32Array([k]).buffer), Buffer.alloc(8));
  maps.push(m);
}
const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
try {
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /serving (\S+)/.exec(err);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`exporter exited with ${code}: ${err}`)));
  });
  const agent = tlsAuth ? new HttpsAgent({ keepAlive: true, maxSockets: 1, ca }) : new HttpAgent({ keepAlive: true, maxSockets: 1 });
  const scrape = (gzip: boolean) =>
    new Promise<string | null>((resolve, reject) => {
      const headers: Record<string, string> = gzip ? { 'accept-encoding': 'gzip' } : {};
      if (tlsAuth) headers.authorization = auth;
      const req = (tlsAuth ? httpsRequest : httpRequest)(url, { agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => (res.statusCode === 200 ? resolve(gzip ? null : Buffer.concat(chunks).toString()) : reject(new Error(`status ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end();
    });
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
  const every = Math.max(1, Math.floor(SCRAPES / 20));
  const hostMaps = (text: string) => text.split('\n').filter((l) => l.startsWith('bpf_map_max_entries{')).length;
  console.log(`tsbpf export, ${MAPS} extra maps, --cache-ms ${values['cache-ms']}${tlsAuth ? ', TLS + basic auth' : ''}`);
  console.log(' scrapes  RSS MiB  maps on host');
  console.log(`       0  ${rss().toFixed(1).padStart(7)}`);
  const t0 = performance.now();
  for (let i = 1; i <= SCRAPES; i++) {
    const text = await scrape(i % every !== 0 && i % 2 === 0);
    if (i % every === 0) console.log(`${String(i).padStart(8)}  ${rss().toFixed(1).padStart(7)}  ${String(hostMaps(text!)).padStart(11)}`);
  }
  const ms = performance.now() - t0;
  console.log(`${SCRAPES} scrapes in ${(ms / 1000).toFixed(1)} s (${(ms / SCRAPES).toFixed(2)} ms each)`);
  agent.destroy();
} finally {
  child.kill('SIGTERM');
  for (const m of maps) m.close();
  rmSync(dir, { recursive: true, force: true });
}
