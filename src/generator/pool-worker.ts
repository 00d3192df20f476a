/**
 * Worker side of `GeneratorPool` (pool.ts): rebuild the generator from the copied config and state,
 * then answer requests (a block of latents → its images NCHW) one at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from './backend.js';
import { computeGeometry } from './geometry.js';
import { Generator } from './generator.js';
import type { PoolRequest, PoolResponse, PoolWorkerInit } from './pool.js';
import type { StateDict } from './state.js';

const port = parentPort;
if (!port) throw new Error('pool-worker.ts must run inside a worker_thread (see GeneratorPool)');

async function start(init: PoolWorkerInit): Promise<Generator> {
  await setBackend(init.backend);
  const state: StateDict = new Map(init.state);
  return new Generator(computeGeometry(init.config), state, init.initKwargs);
}

try {
  const gen = await start(workerData as PoolWorkerInit);
  port.on('message', (req: PoolRequest) => {
    const reply: PoolResponse = { id: req.id };
    try {
      const z = tf.tensor2d(req.z, [req.n, gen.config.zDim]);
      try {
        const { image } = gen.generate(z, {
          psi: req.psi,
          cutoff: req.cutoff,
          transform: req.transform ?? undefined,
        });
        // A copy: the worker's wasm heap must never be transferred away.
        reply.data = new Float32Array(image.dataSync() as Float32Array);
        reply.shape = image.shape;
        image.dispose();
      } finally {
        z.dispose();
      }
      port.postMessage(reply, [reply.data.buffer]);
    } catch (err) {
      reply.error = err instanceof Error ? err.message : String(err);
      port.postMessage(reply);
    }
  });
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ ready: false, error: err instanceof Error ? err.message : String(err) });
}
