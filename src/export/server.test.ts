import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import bcrypt from 'bcryptjs';
import { acceptsGzip, isLoopback, startExporter, type MetricsSource } from './server.js';
import { makeCertDir, get, basic } from '../testutils/tls.js';

const TEXT = '# HELP t_total A test counter.\n# TYPE t_total counter\n' + 't_total{i="1"} 1\n'.repeat(500);

/** A source that counts its scans and returns TEXT, optionally waiting for `gate` first. */
function source(gate?: Promise<void>): MetricsSource & { scans: number; closed: boolean } {
  return {
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
    scans: 0,
    closed: false,
    async metrics() {
      this.scans++;
      await gate;
      return TEXT;
    },
    close() {
      this.closed = true;
    },
  };
}

test('acceptsGzip and isLoopback', () => {
  assert.equal(acceptsGzip('gzip'), true);
  assert.equal(acceptsGzip('deflate, gzip;q=0.5'), true);
  assert.equal(acceptsGzip('gzip;q=0'), false);
  assert.equal(acceptsGzip('*'), true);
  assert.equal(acceptsGzip('*;q=0, identity'), false);
  assert.equal(acceptsGzip('br'), false);
  assert.equal(acceptsGzip(undefined), false);
  assert.equal(isLoopback('127.0.0.1'), true);
  assert.equal(isLoopback('127.1.2.3'), true);
  assert.equal(isLoopback('::1'), true);
  assert.equal(isLoopback('::ffff:127.0.0.1'), true);
  assert.equal(isLoopback('0.0.0.0'), false);
  assert.equal(isLoopback('::'), false);
  assert.equal(isLoopback('10.0.0.1'), false);
});

test('TLS and basic auth from a web config: a real HTTPS client, 401 with WWW-Authenticate, then 200', async () => {
  using certs = makeCertDir();
  const file = join(certs.dir, 'web.yml');
  writeFileSync(file, `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nhttp_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\nbasic_auth_users:\n  alice: '${bcrypt.hashSync('secret', 4)}'\n`);
  const src = source();
  const warnings: string[] = [];
  const ex = await startExporter({ listen: '127.0.0.1:0', webConfigFile: file, source: src, onWarning: (m) => warnings.push(m) });
  try {
    assert.match(ex.url, /^https:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const none = await get(ex.url, { ca: certs.cert });
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Basic realm="tsbpf exporter", charset="UTF-8"');
    const wrong = await get(ex.url, { ca: certs.cert, headers: { authorization: basic('alice', 'wrong') } });
    assert.equal(wrong.status, 401);
    assert.ok(wrong.headers['www-authenticate']);
    assert.equal((await get(ex.url.replace('/metrics', '/nope'), { ca: certs.cert })).status, 401, 'auth comes before routing');
    const ok = await get(ex.url, { ca: certs.cert, headers: { authorization: basic('alice', 'secret') } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.toString(), TEXT);
    assert.equal(ok.headers['x-content-type-options'], 'nosniff');
    // An untrusting client refuses the self-signed certificate: it really is TLS with that cert.
    await assert.rejects(get(ex.url), /self.signed/);
    // Plain HTTP to the TLS port gets no metrics.
    await assert.rejects(get(ex.url.replace('https:', 'http:')));
    assert.deepEqual(warnings, []);
  } finally {
    await ex.close();
  }
  assert.equal(src.closed, true);
});

test('gzip, HEAD, query strings, the landing page, 404 and 405', async () => {
  await using ex = await startExporter({ listen: '127.0.0.1:0', source: source(), cacheMs: 60_000 });
  const plain = await get(ex.url);
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.headers.vary, 'Accept-Encoding');
  const zipped = await get(ex.url, { headers: { 'accept-encoding': 'gzip, deflate' } });
  assert.equal(zipped.headers['content-encoding'], 'gzip');
  assert.equal(Number(zipped.headers['content-length']), zipped.body.length);
  assert.ok(zipped.body.length < plain.body.length);
  assert.equal(gunzipSync(zipped.body).toString(), plain.body.toString());
  const head = await get(ex.url, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.equal(Number(head.headers['content-length']), plain.body.length);
  assert.equal(head.headers['content-type'], plain.headers['content-type']);
  const query = await get(`${ex.url}?name[]=x&debug=1`);
  assert.equal(query.status, 200);
  assert.equal(query.body.toString(), TEXT);
  const landing = await get(ex.url.replace('/metrics', '/'));
  assert.equal(landing.status, 200);
  assert.match(landing.headers['content-type'] ?? '', /text\/html/);
  assert.match(landing.body.toString(), /<a href="metrics">/);
  assert.equal((await get(ex.url.replace('/metrics', '/metricsx'))).status, 404);
  assert.equal((await get(ex.url.replace('/metrics', '/favicon.ico'))).status, 404);
  const post = await get(ex.url, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
  assert.equal((await get(ex.url, { method: 'DELETE' })).status, 405);
  assert.equal(ex.scans, 1);
});

test('50 concurrent scrapes during one scan share it, with caching off', async () => {
  let open!: () => void;
  const src = source(new Promise<void>((r) => (open = r)));
  await using ex = await startExporter({ listen: '127.0.0.1:0', source: src, cacheMs: 0 });
  let arrived = 0;
  ex.server.on('request', () => {
    if (++arrived === 50) open(); // the scan ends only once all 50 requests are in
  });
  const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => get(ex.url, i % 2 ? { headers: { 'accept-encoding': 'gzip' } } : {})));
  assert.equal(arrived, 50);
  assert.ok(replies.every((r) => r.status === 200));
  assert.ok(replies.every((r) => (r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.body) : r.body).toString() === TEXT));
  assert.equal(src.scans, 1);
  assert.equal(ex.scans, 1);
  // With caching off the next scrape scans again.
  assert.equal((await get(ex.url)).status, 200);
  assert.equal(src.scans, 2);
});

test('listening beyond loopback without auth warns; with auth it does not; a scan failure is a 500', async () => {
  const warnings: string[] = [];
  const failing: MetricsSource = { contentType: 'text/plain', metrics: () => Promise.reject(new Error('no maps today')), close() {} };
  {
    await using ex = await startExporter({ listen: '0.0.0.0:0', source: failing, onWarning: (m) => warnings.push(m) });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /^listening on 0\.0\.0\.0:\d+ beyond loopback without authentication: .*basic_auth_users/);
    const r = await get(ex.url.replace('0.0.0.0', '127.0.0.1'));
    assert.equal(r.status, 500);
    assert.match(r.body.toString(), /scan failed: no maps today/);
  }
  {
    await using ex = await startExporter({ listen: '127.0.0.1:0', source: source(), onWarning: (m) => warnings.push(m) });
    assert.ok(ex.url);
  }
  using certs = makeCertDir();
  const file = join(certs.dir, 'web.yml');
  writeFileSync(file, `basic_auth_users:\n  alice: '${bcrypt.hashSync('secret', 4)}'\n`);
  {
    await using ex = await startExporter({ listen: '0.0.0.0:0', webConfigFile: file, source: source(), onWarning: (m) => warnings.push(m) });
    assert.match(ex.url, /^http:/);
  }
  assert.equal(warnings.length, 1);
  await assert.rejects(startExporter({ listen: '127.0.0.1:0', webConfigFile: join(certs.dir, 'missing.yml'), source: source() }), /web config .*missing\.yml: cannot read/);
  await assert.rejects(startExporter({ listen: '127.0.0.1:0', cacheMs: -1, source: source() }), /cacheMs/);
});

test('client_auth_type RequireAndVerifyClientCert: a client without a trusted certificate is refused at the handshake', async () => {
  using certs = makeCertDir();
  using client = makeCertDir('client');
  using stranger = makeCertDir('client');
  const file = join(certs.dir, 'web.yml');
  writeFileSync(file, `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${join(client.dir, 'client.crt')}\n`);
  const warnings: string[] = [];
  await using ex = await startExporter({ listen: '127.0.0.1:0', webConfigFile: file, source: source(), onWarning: (m) => warnings.push(m) });
  const ok = await get(ex.url, { ca: certs.cert, cert: client.cert, key: client.key });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.toString(), TEXT);
  await assert.rejects(get(ex.url, { ca: certs.cert }));
  await assert.rejects(get(ex.url, { ca: certs.cert, cert: stranger.cert, key: stranger.key }));
  assert.deepEqual(warnings, []);
});
