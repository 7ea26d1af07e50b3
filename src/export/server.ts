/**
 * The exporter's HTTP(S) server: `GET /metrics` in Prometheus text format, loopback by default,
 * with TLS and basic auth from an exporter-toolkit web config file, scans shared between scrapes,
 * gzip, `HEAD`, a landing page at `/`, 404 for other paths and 405 for other methods.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { once } from 'node:events';
import { MapMetrics, type MapMetricsOptions } from './metrics.js';
import { BasicAuth } from './basic-auth.js';
import { ScrapeCache } from './scrape-cache.js';
import { loadWebConfig, type WebConfig } from './web-config.js';
import { probeScanPrivileges } from './privileges.js';

/** Where to listen: `host:port`, default 127.0.0.1:9435 (loopback only). */
export function parseListen(listen = '127.0.0.1:9435'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(listen);
  if (!m) throw new Error(`export: --listen wants host:port, got ${JSON.stringify(listen)}`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`export: port ${port} out of range`);
  return { host: m[1] ?? m[2], port };
}

/** Where the metrics text comes from; the default scans every map on the host. */
export interface MetricsSource {
  /** The Content-Type of the text. */
  readonly contentType: string;
  /** Produces the metrics text (one scan). */
  metrics(): Promise<string>;
  /** Releases what the source holds. */
  close(): void;
}

/** Options of {@link startExporter}. */
export interface ExporterOptions {
  /** `host:port` to listen on (`127.0.0.1:9435`); port 0 picks a free port. */
  listen?: string;
  /** An exporter-toolkit web config file (TLS, basic auth, headers), read and validated once at start. */
  webConfigFile?: string;
  /**
   * How long a scan's result (or failure) is served to later scrapes, in ms (1000). Scrapes that
   * arrive while a scan runs always share it; 0 turns only the reuse off.
   */
  cacheMs?: number;
  /** Where the metrics come from (a scan of every map on the host, after a privilege probe). */
  source?: MetricsSource;
  /** Receives warnings, such as listening beyond loopback without auth (default: a line on stderr). */
  onWarning?: (message: string) => void;
  /**
   * Also serve every program's run count and run time, turning the kernel's run statistics on
   * until `close()` (see {@link MapMetricsOptions.programStats}); ignored with `source`. Default false.
   */
  programStats?: boolean;
}

/** A running exporter; `close()` stops the server and releases the maps. */
export interface Exporter extends AsyncDisposable {
  /** The server (an `https.Server` when the web config has TLS). */
  readonly server: HttpServer | HttpsServer;
  /** The address it listens on, e.g. `http://127.0.0.1:9435/metrics`. */
  readonly url: string;
  /** The metrics of the host's maps, or undefined when a `source` was given. */
  readonly metrics: MapMetrics | undefined;
  /** The web config in force, if any. */
  readonly webConfig: WebConfig | undefined;
  /** Scans started so far (scrapes served from the cache or a shared scan do not start one). */
  readonly scans: number;
  /** Stops serving. */
  close(): Promise<void>;
}

/** The default time a scan's result is reused, in ms. */
export const DEFAULT_CACHE_MS = 1000;

const LANDING = `<!doctype html>
<html><head><meta charset="utf-8"><title>tsbpf exporter</title></head>
<body><h1>tsbpf exporter</h1><p>Prometheus metrics of every BPF map on this host: <a href="metrics">/metrics</a></p></body></html>
`;

/**
 * Starts the exporter (port 0 picks a free port). A string is the `listen` address. Throws before
 * listening when the web config is invalid or the process cannot scan the host's maps.
 */
export async function startExporter(opts: string | ExporterOptions = {}): Promise<Exporter> {
  const o: ExporterOptions = typeof opts === 'string' ? { listen: opts } : opts;
  const { host, port } = parseListen(o.listen);
  const cacheMs = o.cacheMs ?? DEFAULT_CACHE_MS;
  if (!Number.isFinite(cacheMs) || cacheMs < 0) throw new RangeError(`export: cacheMs must be a number >= 0, got ${cacheMs}`);
  const webConfig = o.webConfigFile === undefined ? undefined : loadWebConfig(o.webConfigFile);
  const warn = o.onWarning ?? ((m: string) => process.stderr.write(`tsbpf export: warning: ${m}\n`));

  let metrics: MapMetrics | undefined;
  let source = o.source;
  if (!source) {
    probeScanPrivileges();
    const mm = (metrics = new MapMetrics({ programStats: o.programStats }));
    source = { contentType: mm.registry.contentType, metrics: () => mm.metrics(), close: () => mm.close() };
  }
  const src = source;
  const cache = new ScrapeCache(() => src.metrics(), cacheMs);
  const auth = webConfig && webConfig.users.size > 0 ? new BasicAuth(webConfig.users) : undefined;
  const headers = webConfig?.headers ?? {};

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    serve(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(req, res, 500, { 'content-type': 'text/plain; charset=utf-8' }, `tsbpf exporter: ${(e as Error).message}\n`);
      else res.destroy();
    });
  };
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    if (auth) {
      const verdict = await auth.check(req.headers.authorization);
      if (verdict === 'busy') return send(req, res, 429, { 'retry-after': '1', 'content-type': 'text/plain; charset=utf-8' }, 'tsbpf exporter: too many password checks waiting, retry\n');
      if (verdict === 'denied') return send(req, res, 401, { 'www-authenticate': 'Basic realm="tsbpf exporter", charset="UTF-8"', 'content-type': 'text/plain; charset=utf-8' }, 'tsbpf exporter: unauthorized\n');
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/' && path !== '/metrics') return send(req, res, 404, { 'content-type': 'text/plain; charset=utf-8' }, 'tsbpf exporter: not found; try /metrics\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(req, res, 405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }, `tsbpf exporter: method ${req.method} not allowed; use GET or HEAD\n`);
    if (path === '/') return send(req, res, 200, { 'content-type': 'text/html; charset=utf-8' }, LANDING);
    let scrape;
    try {
      scrape = await cache.get();
    } catch (e) {
      return send(req, res, 500, { 'content-type': 'text/plain; charset=utf-8' }, `tsbpf exporter: scan failed: ${(e as Error).message}\n`);
    }
    const h = { 'content-type': src.contentType, vary: 'Accept-Encoding' };
    if (acceptsGzip(req.headers['accept-encoding'])) send(req, res, 200, { ...h, 'content-encoding': 'gzip' }, await scrape.gzipped());
    else send(req, res, 200, h, scrape.text);
  };

  const tls = webConfig?.tls;
  let server: HttpServer | HttpsServer;
  if (tls) {
    const requestCert = tls.clientAuthType !== 'NoClientCert';
    server = createHttpsServer(
      {
        cert: tls.cert,
        key: tls.key,
        ca: tls.clientCa,
        requestCert,
        rejectUnauthorized: tls.clientAuthType === 'RequireAndVerifyClientCert',
        minVersion: tls.minVersion,
        maxVersion: tls.maxVersion,
        honorCipherOrder: tls.honorCipherOrder,
        ecdhCurve: tls.ecdhCurve,
      },
      handler,
    );
    if (tls.clientAuthType === 'RequireAnyClientCert' || tls.clientAuthType === 'VerifyClientCertIfGiven') {
      const requireAny = tls.clientAuthType === 'RequireAnyClientCert';
      server.on('secureConnection', (socket: TLSSocket) => {
        const given = Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
        if (requireAny ? !given : given && !socket.authorized) socket.destroy();
      });
    }
  } else {
    server = createHttpServer(handler);
  }

  server.listen(port, host);
  try {
    await once(server, 'listening');
  } catch (e) {
    src.close();
    throw new Error(`export: cannot listen on ${host}:${port}: ${(e as Error).message}`, { cause: e });
  }
  const addr = server.address();
  const actual = typeof addr === 'object' && addr ? addr : { address: host, port };
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const authenticated = auth !== undefined || tls?.clientAuthType === 'RequireAndVerifyClientCert';
  if (!authenticated && !isLoopback(actual.address)) {
    warn(
      `listening on ${shownHost}:${actual.port} beyond loopback without authentication: anyone who can reach the port can read ` +
        'the names and sizes of every BPF map on this host; set basic_auth_users in a --web.config.file',
    );
  }
  const close = async () => {
    server.close();
    server.closeAllConnections();
    src.close();
  };
  return {
    server,
    url: `${tls ? 'https' : 'http'}://${shownHost}:${actual.port}/metrics`,
    metrics,
    webConfig,
    get scans() {
      return cache.scans;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Whether an `Accept-Encoding` header accepts gzip (`gzip`, `x-gzip` or `*`, with q > 0). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let gzipQ: number | undefined;
  let anyQ: number | undefined;
  for (const part of header.split(',')) {
    const [coding, ...params] = part.split(';');
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
      if (m) q = Number(m[1]);
    }
    const c = coding.trim().toLowerCase();
    if (c === 'gzip' || c === 'x-gzip') gzipQ = q;
    else if (c === '*') anyQ = q;
  }
  return (gzipQ ?? anyQ ?? 0) > 0;
}

/** Whether an address is loopback only (127.0.0.0/8, ::1, ::ffff:127.x). */
export function isLoopback(address: string): boolean {
  if (address === 'localhost') return true;
  if (isIP(address) === 4) return address.startsWith('127.');
  if (isIP(address) === 6) return address === '::1' || /^::ffff:127\./i.test(address);
  return false;
}

function send(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...headers, 'content-length': String(bytes.length) });
  if (req.method === 'HEAD') res.end();
  else res.end(bytes);
}
