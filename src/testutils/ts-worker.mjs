// Worker bootstrap: registers tsx in this thread, then runs the TypeScript module named in workerData.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.__tsFile);
