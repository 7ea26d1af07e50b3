/**
 * The exporter's HTTP server: `GET /metrics` in Prometheus text format, loopback by default.
 */
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { MapMetrics } from './metrics.js';

/** Where to listen: `host:port`, default 127.0.0.1:9435 (loopback only). */
export function parseListen(listen = '127.0.0.1:9435'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(listen);
  if (!m) throw new Error(`export: --listen wants host:port, got ${JSON.stringify(listen)}`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`export: port ${port} out of range`);
  return { host: m[1] ?? m[2], port };
}

/** A running exporter; `close()` stops the server and releases the maps. */
export interface Exporter extends AsyncDisposable {
  /** The server. */
  readonly server: Server;
  /** The address it listens on, e.g. `http://127.0.0.1:9435/metrics`. */
  readonly url: string;
  /** The metrics source. */
  readonly metrics: MapMetrics;
  /** Stops serving. */
  close(): Promise<void>;
}

/** Starts the exporter (port 0 picks a free port). */
export async function startExporter(listen?: string): Promise<Exporter> {
  const { host, port } = parseListen(listen);
  const metrics = new MapMetrics();
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url !== '/metrics' && req.url !== '/')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('tsbpf exporter: try /metrics\n');
      return;
    }
    metrics.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`tsbpf exporter: ${(e as Error).message}\n`),
    );
  });
  server.listen(port, host);
  try {
    await once(server, 'listening');
  } catch (e) {
    metrics.close();
    throw new Error(`export: cannot listen on ${host}:${port}: ${(e as Error).message}`, { cause: e });
  }
  const addr = server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const close = async () => {
    server.close();
    server.closeAllConnections();
    metrics.close();
  };
  return { server, url: `http://${shownHost}:${actual}/metrics`, metrics, close, [Symbol.asyncDispose]: close };
}
