// A worker thread's entry point: the project runs its TypeScript through tsx, whose loader is
// registered per thread (cli/govshare.js does the same for the main one); then the module named
// in workerData runs.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
