/**
 * Worker side of `measureInWorkers` (parallel.ts): build one generator per request (a preset
 * config with seeded weights, or a weights path), run `measureConfig` on it, stream its progress
 * and send back the measured config (report JSON, PNG assets, dashboard figure).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setBackend } from '../generator/backend.js';
import { createGenerator, loadGenerator } from '../generator/weights.js';
import { LAYERS_API } from './layers-api.js';
import { measureConfig } from './measure.js';
import type { MeasureWorkerInit, MeasureWorkerReply, MeasureWorkerRequest } from './parallel.js';

const port = parentPort;
if (!port) throw new Error('measure-worker.ts must run inside a worker_thread (see measureInWorkers)');

try {
  const init = workerData as MeasureWorkerInit;
  await setBackend(init.backend);
  port.on('message', async (req: MeasureWorkerRequest) => {
    const reply = (m: MeasureWorkerReply) => port.postMessage(m);
    try {
      const gen = req.weights
        ? await loadGenerator(req.weights)
        : await createGenerator(req.generatorConfig!, { seed: req.weightSeed });
      try {
        const m = await measureConfig(gen, {
          ...req.measure,
          layersApi: req.layers ? LAYERS_API : null,
          onProgress: (fraction, note) => reply({ id: req.id, progress: { fraction, note } }),
        });
        reply({
          id: req.id,
          result: { report: m.report, assets: [...m.assets], aliasingFigure: m.aliasingFigure },
        });
      } finally {
        gen.dispose();
      }
    } catch (err) {
      reply({ id: req.id, error: err instanceof Error ? err.message : String(err) });
    }
  });
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ ready: false, error: err instanceof Error ? err.message : String(err) });
}
