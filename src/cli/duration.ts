/**
 * Short human durations for the CLI's time-to-full columns.
 */

/**
 * Formats seconds as `42s`, `5m12s`, `3h05m` or `2d04h`; `full` for 0, `-` for null (unknown or
 * not growing), `<1s` below a second.
 */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '-';
  if (seconds === 0) return 'full';
  if (seconds < 1) return '<1s';
  const s = Math.floor(seconds);
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d${pad(Math.floor((s % 86400) / 3600))}h`;
}
