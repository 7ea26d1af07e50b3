// Loads an object in this (child) process and prints the outcome as JSON: used to load with
// fewer capabilities than the test runner has.
import { loadCollection, VerifierError } from '../index.js';

try {
  loadCollection(process.argv[2]).close();
  process.stdout.write(JSON.stringify({ name: 'ok' }));
} catch (e) {
  const v = e instanceof VerifierError ? e : undefined;
  process.stdout.write(JSON.stringify({ name: (e as Error).name, summary: v?.summary ?? (e as Error).message, hint: v?.hint?.id, line: v?.location?.line, source: v?.location?.source }));
}
