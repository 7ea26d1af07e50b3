/**
 * Starts TypeScript worker threads under tsx, as the tests run.
 */
import { Worker } from 'node:worker_threads';

/** Starts `file` (a .ts URL) in a worker thread with `data` (an object) as workerData. */
export function startTsWorker(file: URL, data: Record<string, unknown>): Worker {
  return new Worker(new URL('./ts-worker.mjs', import.meta.url), { workerData: { ...data, __tsFile: file.href } });
}
