/**
 * Paths and readers of the shipped deploy/ files, for the tests that check them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The deploy/ folder. */
export const deployDir = join(repoRoot, 'deploy');

/** The PromQL expressions of the Grafana dashboard, its `$instance` variable set to match everything. */
export function dashboardQueries(): string[] {
  const dash = JSON.parse(readFileSync(join(deployDir, 'grafana/tsbpf-dashboard.json'), 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
  return dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr.replaceAll('$instance', '.*')));
}
