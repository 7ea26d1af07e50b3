/**
 * The exporter's web configuration file (`--web.config.file`): TLS and basic auth in the YAML
 * format of Prometheus' exporter-toolkit, read once at start and validated strictly.
 *
 * Supported: `tls_server_config` (`cert`/`cert_file`, `key`/`key_file`, `client_ca`/
 * `client_ca_file`, `client_auth_type`, `min_version`, `max_version`,
 * `prefer_server_cipher_suites`, `curve_preferences`), `http_server_config.headers`,
 * `http_server_config.http2: false` and `basic_auth_users`. Keys exporter-toolkit knows but tsbpf
 * does not implement (`cipher_suites`, `client_allowed_sans`, `rate_limit`, `http2: true`) and unknown keys are errors,
 * never ignored. Relative paths resolve against the file's directory.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createSecureContext, type SecureVersion } from 'node:tls';
import { LineCounter, parseDocument } from 'yaml';

/** A web config file that cannot be used; `file` is its path, `key` the dotted key at fault. */
export class WebConfigError extends Error {
  constructor(
    /** The config file as given. */
    readonly file: string,
    /** The key at fault (`tls_server_config.cert_file`), or `''` for the file as a whole. */
    readonly key: string,
    cause: string,
    options?: ErrorOptions,
  ) {
    super(`web config ${file}: ${key ? `${key}: ` : ''}${cause}`, options);
  }
}
WebConfigError.prototype.name = 'WebConfigError';

/** exporter-toolkit's `client_auth_type` values (Go's `tls.ClientAuthType` names). */
export type ClientAuthType = 'NoClientCert' | 'RequestClientCert' | 'RequireAnyClientCert' | 'VerifyClientCertIfGiven' | 'RequireAndVerifyClientCert';

/** The TLS part of a web config, resolved to PEM contents and Node option values. */
export interface WebTlsConfig {
  /** The server certificate (PEM). */
  cert: string;
  /** The server key (PEM). */
  key: string;
  /** CAs that client certificates are checked against (PEM), if any. */
  clientCa?: string;
  /** How client certificates are asked for and checked. */
  clientAuthType: ClientAuthType;
  /** Lowest TLS version accepted (`TLSv1.2` unless set). */
  minVersion: SecureVersion;
  /** Highest TLS version accepted (`TLSv1.3` unless set). */
  maxVersion: SecureVersion;
  /** Whether the server's cipher order wins (`prefer_server_cipher_suites`, default true). */
  honorCipherOrder: boolean;
  /** OpenSSL curve list from `curve_preferences`, e.g. `X25519:P-256`, if given. */
  ecdhCurve?: string;
}

/** A validated web config. */
export interface WebConfig {
  /** The file it came from. */
  file: string;
  /** TLS settings, or undefined to serve plain HTTP. */
  tls?: WebTlsConfig;
  /** Users and their bcrypt hashes; empty means no basic auth. */
  users: Map<string, string>;
  /** Extra response headers from `http_server_config.headers`. */
  headers: Record<string, string>;
}

const TLS_VERSIONS: Record<string, SecureVersion> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };
const CURVES: Record<string, string> = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' };
const CLIENT_AUTH: readonly ClientAuthType[] = ['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'];
const HEADERS = ['Content-Security-Policy', 'X-Frame-Options', 'X-Content-Type-Options', 'X-XSS-Protection', 'Strict-Transport-Security'];
/** A bcrypt hash as htpasswd and bcrypt libraries write it: `$2a$`, `$2b$` or `$2y$`, cost, 53 characters of salt and hash. */
const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

const NOT_IMPLEMENTED: Record<string, string> = {
  'tls_server_config.cipher_suites': 'not supported by tsbpf export (Node uses OpenSSL\'s default cipher list); remove it',
  'tls_server_config.client_allowed_sans': 'not supported by tsbpf export; use client_auth_type RequireAndVerifyClientCert with a client CA of your own; remove it',
  rate_limit: 'not supported by tsbpf export (scrapes share one scan, cached for the cache interval); remove it',
};

/** Reads and validates a web config file; throws {@link WebConfigError} naming the file and key. */
export function loadWebConfig(file: string): WebConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new WebConfigError(file, '', `cannot read: ${(e as Error).message}`, { cause: e });
  }
  return parseWebConfig(text, file);
}

/** Validates the text of a web config; `file` names it in errors and anchors relative paths. */
export function parseWebConfig(text: string, file: string): WebConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const at = `line ${lineCounter.linePos(e.pos[0]).line}: `;
    throw new WebConfigError(file, '', `not valid YAML: ${at}${e.message.split('\n')[0]}`);
  }
  const v = new Validator(file, dirname(resolve(file)));
  const root = v.object(doc.toJS() ?? {}, '', ['tls_server_config', 'http_server_config', 'basic_auth_users']);
  const config: WebConfig = { file, users: new Map(), headers: {} };

  const users = v.object(root.basic_auth_users ?? {}, 'basic_auth_users');
  for (const [user, hash] of Object.entries(users)) {
    const key = `basic_auth_users.${user}`;
    if (user === '' || user.includes(':')) throw new WebConfigError(file, key, 'a user name must be non-empty and contain no colon');
    const h = v.string(hash, key);
    const m = BCRYPT.exec(h);
    if (!m) throw new WebConfigError(file, key, 'not a bcrypt hash (want $2y$10$ and 53 characters, e.g. from `htpasswd -nBC 10 "" | tr -d \':\\n\'`)');
    const cost = Number(m[1]);
    if (cost < 4 || cost > 31) throw new WebConfigError(file, key, `bcrypt cost ${cost} out of range 4..31`);
    config.users.set(user, h);
  }

  const http = v.object(root.http_server_config ?? {}, 'http_server_config', ['http2', 'headers']);
  if (http.http2 !== undefined && v.boolean(http.http2, 'http_server_config.http2')) {
    throw new WebConfigError(file, 'http_server_config.http2', 'tsbpf export serves HTTP/1.1 only; set it to false or remove it');
  }
  const headers = v.object(http.headers ?? {}, 'http_server_config.headers', HEADERS);
  for (const [name, value] of Object.entries(headers)) {
    const key = `http_server_config.headers.${name}`;
    const s = v.string(value, key);
    if (s === '') continue;
    if (name === 'X-Frame-Options' && !['deny', 'sameorigin'].includes(s.toLowerCase())) throw new WebConfigError(file, key, `want deny or sameorigin, got ${JSON.stringify(s)}`);
    if (name === 'X-Content-Type-Options' && s.toLowerCase() !== 'nosniff') throw new WebConfigError(file, key, `want nosniff, got ${JSON.stringify(s)}`);
    if (/[\r\n]/.test(s)) throw new WebConfigError(file, key, 'a header value cannot contain a line break');
    config.headers[name] = s;
  }

  const tls = v.object(root.tls_server_config ?? {}, 'tls_server_config', [
    'cert', 'key', 'client_ca', 'cert_file', 'key_file', 'client_auth_type', 'client_ca_file',
    'min_version', 'max_version', 'prefer_server_cipher_suites', 'curve_preferences',
  ]);
  if (Object.keys(tls).length > 0) config.tls = tlsConfig(v, tls);
  return config;
}

function tlsConfig(v: Validator, tls: Record<string, unknown>): WebTlsConfig {
  const file = v.file;
  const at = (k: string) => `tls_server_config.${k}`;
  const cert = v.pem(tls, 'cert', 'cert_file', true)!;
  const key = v.pem(tls, 'key', 'key_file', true)!;
  const clientCa = v.pem(tls, 'client_ca', 'client_ca_file', false);
  try {
    new X509Certificate(cert.pem);
  } catch (e) {
    throw new WebConfigError(file, at(cert.from), `not a PEM certificate: ${(e as Error).message}`, { cause: e });
  }
  try {
    createPrivateKey(key.pem);
  } catch (e) {
    throw new WebConfigError(file, at(key.from), `not a PEM private key: ${(e as Error).message}`, { cause: e });
  }
  if (clientCa) {
    try {
      new X509Certificate(clientCa.pem);
    } catch (e) {
      throw new WebConfigError(file, at(clientCa.from), `not a PEM certificate: ${(e as Error).message}`, { cause: e });
    }
  }
  const clientAuthType = (tls.client_auth_type === undefined ? 'NoClientCert' : v.string(tls.client_auth_type, at('client_auth_type'))) as ClientAuthType;
  if (!CLIENT_AUTH.includes(clientAuthType)) {
    throw new WebConfigError(file, at('client_auth_type'), `unknown value ${JSON.stringify(clientAuthType)} (${CLIENT_AUTH.join(', ')})`);
  }
  const verifies = clientAuthType === 'VerifyClientCertIfGiven' || clientAuthType === 'RequireAndVerifyClientCert';
  if (verifies && !clientCa) throw new WebConfigError(file, at('client_auth_type'), `${clientAuthType} needs client_ca_file or client_ca`);
  if (!verifies && clientCa) throw new WebConfigError(file, at(clientCa.from), `client CAs given but client_auth_type ${clientAuthType} does not verify client certificates`);
  const version = (k: string, dflt: SecureVersion): SecureVersion => {
    if (tls[k] === undefined) return dflt;
    const s = v.string(tls[k], at(k));
    const ver = TLS_VERSIONS[s];
    if (!ver) throw new WebConfigError(file, at(k), `unknown TLS version ${JSON.stringify(s)} (${Object.keys(TLS_VERSIONS).join(', ')})`);
    return ver;
  };
  const minVersion = version('min_version', 'TLSv1.2');
  const maxVersion = version('max_version', 'TLSv1.3');
  if (minVersion > maxVersion) throw new WebConfigError(file, at('min_version'), 'is above max_version');
  const honorCipherOrder = tls.prefer_server_cipher_suites === undefined ? true : v.boolean(tls.prefer_server_cipher_suites, at('prefer_server_cipher_suites'));
  let ecdhCurve: string | undefined;
  if (tls.curve_preferences !== undefined) {
    const names = v.strings(tls.curve_preferences, at('curve_preferences'));
    ecdhCurve = names
      .map((n) => {
        const c = CURVES[n];
        if (!c) throw new WebConfigError(file, at('curve_preferences'), `unknown curve ${JSON.stringify(n)} (${Object.keys(CURVES).join(', ')})`);
        return c;
      })
      .join(':');
  }
  const out: WebTlsConfig = { cert: cert.pem, key: key.pem, clientCa: clientCa?.pem, clientAuthType, minVersion, maxVersion, honorCipherOrder, ecdhCurve };
  try {
    createSecureContext({ cert: out.cert, key: out.key, ca: out.clientCa, minVersion, maxVersion, ecdhCurve });
  } catch (e) {
    const why = /key values mismatch/i.test((e as Error).message) ? `${key.from} does not match ${cert.from}` : (e as Error).message;
    throw new WebConfigError(file, 'tls_server_config', why, { cause: e });
  }
  return out;
}

/** Type checks that name the file and key. */
class Validator {
  constructor(
    readonly file: string,
    readonly dir: string,
  ) {}

  object(x: unknown, key: string, allowed?: readonly string[]): Record<string, unknown> {
    if (x === null) return {};
    if (typeof x !== 'object' || Array.isArray(x)) throw new WebConfigError(this.file, key, `want a mapping, got ${describe(x)}`);
    const o = x as Record<string, unknown>;
    if (allowed) {
      for (const k of Object.keys(o)) {
        const full = key ? `${key}.${k}` : k;
        if (NOT_IMPLEMENTED[full]) throw new WebConfigError(this.file, full, NOT_IMPLEMENTED[full]);
        if (!allowed.includes(k)) throw new WebConfigError(this.file, full, `unknown key (known: ${allowed.join(', ')})`);
      }
    }
    return o;
  }

  string(x: unknown, key: string): string {
    if (typeof x !== 'string') throw new WebConfigError(this.file, key, `want a string, got ${describe(x)}`);
    return x;
  }

  boolean(x: unknown, key: string): boolean {
    if (typeof x !== 'boolean') throw new WebConfigError(this.file, key, `want true or false, got ${describe(x)}`);
    return x;
  }

  strings(x: unknown, key: string): string[] {
    if (!Array.isArray(x)) throw new WebConfigError(this.file, key, `want a list of strings, got ${describe(x)}`);
    return x.map((s, i) => this.string(s, `${key}[${i}]`));
  }

  /** An inline PEM (`inline`) or a file (`fileKey`), exactly one of them (or neither when optional). */
  pem(o: Record<string, unknown>, inline: string, fileKey: string, required: boolean): { pem: string; from: string } | undefined {
    const at = (k: string) => `tls_server_config.${k}`;
    if (o[inline] !== undefined && o[fileKey] !== undefined) throw new WebConfigError(this.file, at(inline), `give ${inline} or ${fileKey}, not both`);
    if (o[inline] !== undefined) return { pem: this.string(o[inline], at(inline)), from: inline };
    if (o[fileKey] === undefined) {
      if (required) throw new WebConfigError(this.file, at(fileKey), `missing (TLS needs ${fileKey} or ${inline})`);
      return undefined;
    }
    const path = resolve(this.dir, this.string(o[fileKey], at(fileKey)));
    try {
      return { pem: readFileSync(path, 'utf8'), from: fileKey };
    } catch (e) {
      throw new WebConfigError(this.file, at(fileKey), `cannot read ${path}: ${(e as Error).message}`, { cause: e });
    }
  }
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'a list';
  if (typeof x === 'object') return 'a mapping';
  return `${typeof x} ${JSON.stringify(x)}`;
}
