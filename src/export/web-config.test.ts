import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { loadWebConfig, parseWebConfig, WebConfigError } from './web-config.js';
import { makeCertDir } from '../testutils/tls.js';

const HASH = bcrypt.hashSync('secret', 4);

/** Writes `text` as web.yml in `dir` and loads it; returns the error when it throws. */
function load(dir: string, text: string) {
  const file = join(dir, 'web.yml');
  writeFileSync(file, text);
  return loadWebConfig(file);
}

function refuses(dir: string, text: string, key: string, cause: RegExp) {
  const file = join(dir, 'web.yml');
  assert.throws(
    () => load(dir, text),
    (e: unknown) => {
      assert.ok(e instanceof WebConfigError, String(e));
      assert.equal(e.file, file);
      assert.equal(e.key, key);
      assert.ok(e.message.startsWith(`web config ${file}: ${key ? `${key}: ` : ''}`), e.message);
      assert.match(e.message, cause);
      return true;
    },
  );
}

test('a web config with TLS files relative to its directory, users and headers loads', () => {
  using certs = makeCertDir();
  const c = load(certs.dir, [
    'tls_server_config:',
    '  cert_file: server.crt',
    '  key_file: server.key',
    '  min_version: TLS13',
    '  curve_preferences: [X25519, CurveP256]',
    'http_server_config:',
    '  http2: false',
    '  headers:',
    '    X-Frame-Options: deny',
    'basic_auth_users:',
    `  alice: '${HASH}'`,
    `  bob: $2y$10$LHWzcvSD9z388YrgV97aeOC6HS.xN7faTk5YctfbwNvjoRUzpG5KW`,
  ].join('\n'));
  assert.equal(c.tls?.cert, certs.cert);
  assert.equal(c.tls?.key, certs.key);
  assert.equal(c.tls?.minVersion, 'TLSv1.3');
  assert.equal(c.tls?.maxVersion, 'TLSv1.3');
  assert.equal(c.tls?.clientAuthType, 'NoClientCert');
  assert.equal(c.tls?.ecdhCurve, 'X25519:P-256');
  assert.deepEqual([...c.users.keys()], ['alice', 'bob']);
  assert.deepEqual(c.headers, { 'X-Frame-Options': 'deny' });
});

test('an empty web config means plain HTTP without auth; inline PEMs work', () => {
  using certs = makeCertDir();
  const empty = parseWebConfig('', 'web.yml');
  assert.equal(empty.tls, undefined);
  assert.equal(empty.users.size, 0);
  const inline = parseWebConfig(`tls_server_config:\n  cert: ${JSON.stringify(certs.cert)}\n  key: ${JSON.stringify(certs.key)}\n`, 'web.yml');
  assert.equal(inline.tls?.cert, certs.cert);
});

test('a bad web config is refused naming the file and the key', () => {
  using certs = makeCertDir();
  using other = makeCertDir();
  const d = certs.dir;
  mkdirSync(join(d, 'sub'));
  refuses(d, 'tls_server_config:\n  cert_file: nope.crt\n  key_file: server.key\n', 'tls_server_config.cert_file', new RegExp(`cannot read ${join(d, 'nope.crt')}: ENOENT`));
  refuses(d, 'tls_server_config:\n  cert_file: server.crt\n', 'tls_server_config.key_file', /missing/);
  refuses(d, 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cert_fil: x\n', 'tls_server_config.cert_fil', /unknown key/);
  refuses(d, 'basic_auth_user:\n  alice: x\n', 'basic_auth_user', /unknown key/);
  refuses(d, 'basic_auth_users:\n  alice: secret\n', 'basic_auth_users.alice', /not a bcrypt hash/);
  refuses(d, `basic_auth_users:\n  alice: '${HASH.slice(0, -1)}'\n`, 'basic_auth_users.alice', /not a bcrypt hash/);
  refuses(d, 'basic_auth_users:\n  alice: $2y$03$LHWzcvSD9z388YrgV97aeOC6HS.xN7faTk5YctfbwNvjoRUzpG5KW\n', 'basic_auth_users.alice', /cost 3/);
  refuses(d, 'basic_auth_users:\n  alice: 12\n', 'basic_auth_users.alice', /want a string, got number 12/);
  refuses(d, 'basic_auth_users: [alice]\n', 'basic_auth_users', /want a mapping/);
  refuses(d, `tls_server_config:\n  cert_file: server.crt\n  key_file: ${join(other.dir, 'server.key')}\n`, 'tls_server_config', /key_file does not match cert_file/);
  refuses(d, 'tls_server_config:\n  cert_file: server.key\n  key_file: server.key\n', 'tls_server_config.cert_file', /not a PEM certificate/);
  refuses(d, 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.crt\n', 'tls_server_config.key_file', /not a PEM private key/);
  refuses(d, `tls_server_config:\n  cert: x\n  cert_file: server.crt\n  key_file: server.key\n`, 'tls_server_config.cert', /not both/);
  refuses(d, 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS14\n', 'tls_server_config.min_version', /unknown TLS version/);
  refuses(d, 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS13\n  max_version: TLS12\n', 'tls_server_config.min_version', /above max_version/);
  refuses(d, 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n', 'tls_server_config.client_auth_type', /needs client_ca_file/);
  refuses(d, 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: server.crt\n', 'tls_server_config.client_ca_file', /does not verify/);
  refuses(d, 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: Maybe\n', 'tls_server_config.client_auth_type', /unknown value "Maybe"/);
  refuses(d, 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n', 'tls_server_config.cipher_suites', /not supported/);
  refuses(d, 'rate_limit:\n  interval: 1s\n  burst: 20\n', 'rate_limit', /not supported/);
  refuses(d, 'http_server_config:\n  http2: true\n', 'http_server_config.http2', /HTTP\/1.1 only/);
  refuses(d, 'http_server_config:\n  headers:\n    X-Frame-Options: allow\n', 'http_server_config.headers.X-Frame-Options', /deny or sameorigin/);
  refuses(d, 'http_server_config:\n  headers:\n    X-Custom: 1\n', 'http_server_config.headers.X-Custom', /unknown key/);
  refuses(d, 'basic_auth_users:\n  alice: a\n  alice: b\n', '', /not valid YAML: line 3/);
  refuses(d, '- a\n- b\n', '', /want a mapping/);
  assert.throws(() => loadWebConfig(join(d, 'missing.yml')), /^WebConfigError: web config .*missing\.yml: cannot read: ENOENT/);
});
