/** Worker side of `ladderInWorkers` (ladder-parallel.ts): `ladderRow` for one config per job. */
import { workerData } from 'node:worker_threads';
import { setBackend, type BackendName } from '../generator/backend.js';
import { serveJobs } from '../generator/parallel/workers.js';
import { ladderRow, type LadderRow } from './ladder.js';
import type { LadderJob, LadderProgress } from './ladder-parallel.js';

serveJobs<LadderJob, LadderRow, LadderProgress>(
  async () => void (await setBackend((workerData as { backend: BackendName | 'auto' }).backend)),
  (job, progress) => ladderRow(job.name, job.params, (msg, fraction) => progress({ msg, fraction })),
);
