/**
 * Job worker of workers.test.ts: squares numbers, reporting two progress steps; a negative job
 * fails; `workerData.failInit` makes the start-up fail.
 */
import { workerData, threadId } from 'node:worker_threads';
import { serveJobs } from '../../src/generator/parallel/workers.js';

serveJobs<number, { square: number; thread: number }, number>(
  async () => {
    if ((workerData as { failInit?: boolean }).failInit) throw new Error('no backend here');
  },
  async (n, progress) => {
    progress(0.5);
    if (n < 0) throw new Error(`job ${n} is negative`);
    await new Promise((r) => setTimeout(r, 5));
    progress(1);
    return { square: n * n, thread: threadId };
  },
);
