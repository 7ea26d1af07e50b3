import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration } from './duration.js';

test('formatDuration: short human durations, full and unknown', () => {
  const cases: Array<[number | null, string]> = [
    [null, '-'], [Infinity, '-'], [-1, '-'], [0, 'full'], [0.2, '<1s'], [42.9, '42s'], [312, '5m12s'],
    [3600 * 3 + 5 * 60, '3h05m'], [86400 * 2 + 3600 * 4 + 10, '2d04h'],
  ];
  for (const [s, want] of cases) assert.equal(formatDuration(s), want, String(s));
});
