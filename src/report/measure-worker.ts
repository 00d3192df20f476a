/**
 * Worker side of `measureInWorkers` (parallel.ts): build one generator per job (a preset config
 * with seeded weights, or a weights path), run `measureConfig` on it, stream its progress and send
 * back the measured config (report JSON, PNG assets, dashboard figure).
 */
import { workerData } from 'node:worker_threads';
import { setBackend, type BackendName } from '../generator/backend.js';
import { serveJobs } from '../generator/parallel/workers.js';
import { LAYERS_API } from './layers-api.js';
import { measureConfig } from './measure.js';
import {
  buildFromSource,
  type MeasureJob,
  type MeasureWorkerProgress,
  type MeasureWorkerResult,
} from './parallel.js';

serveJobs<MeasureJob, MeasureWorkerResult, MeasureWorkerProgress>(
  async () => void (await setBackend((workerData as { backend: BackendName | 'auto' }).backend)),
  async (job, progress) => {
    const gen = await buildFromSource(job);
    try {
      const m = await measureConfig(gen, {
        ...job.measure,
        layersApi: job.layers ? LAYERS_API : null,
        onProgress: (fraction, note) => progress({ fraction, note }),
      });
      return { report: m.report, assets: [...m.assets], aliasingFigure: m.aliasingFigure };
    } finally {
      gen.dispose();
    }
  },
);
