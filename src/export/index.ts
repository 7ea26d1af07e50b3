/**
 * tsbpf/export: the Prometheus exporter of every BPF map on the host, as a library
 * ({@link startExporter}), with its web config reader (TLS and basic auth).
 */
export { startExporter, parseListen, DEFAULT_CACHE_MS } from './server.js';
export type { Exporter, ExporterOptions, MetricsSource } from './server.js';
export { loadWebConfig, parseWebConfig, WebConfigError } from './web-config.js';
export type { WebConfig, WebTlsConfig, ClientAuthType } from './web-config.js';
export { MapMetrics } from './metrics.js';
export type { MapMetricsOptions } from './metrics.js';
