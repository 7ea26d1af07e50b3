/**
 * Snippets for docs/api.md: the Prometheus exporter as a library.
 * Regions are copied into the docs by scripts/docs-snippets.mjs; `npm run typecheck` compiles them.
 */
import { startExporter } from '../../src/export/index.js';

/** startExporter with TLS and basic auth. */
export async function serve(): Promise<void> {
  // #region export-start
  await using ex = await startExporter({
    listen: '0.0.0.0:9435',
    webConfigFile: '/etc/tsbpf/web.yml', // TLS and basic auth, exporter-toolkit format
    cacheMs: 1000,                        // scrapes within 1 s of a scan share its result
  });
  console.log(`serving ${ex.url}`);       // https://0.0.0.0:9435/metrics
  // #endregion
}
