/**
 * Worker side of `GeneratorPool` (pool.ts): rebuild the generator from the copied config and state,
 * then answer requests (a block of latents → its images NCHW) one at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../backend.js';
import { computeGeometry } from '../stylegan3/geometry.js';
import { Generator, parseTransform } from '../stylegan3/generator.js';
import { barrier, abortBarrier } from './barrier.js';
import type { PoolRequest, PoolResponse, PoolWorkerInit } from './pool.js';
import type { StateDict } from '../state.js';

const port = parentPort;
if (!port) throw new Error('pool-worker.ts must run inside a worker_thread (see GeneratorPool)');

async function start(init: PoolWorkerInit): Promise<Generator> {
  await setBackend(init.backend);
  const state: StateDict = new Map(init.state);
  return new Generator(computeGeometry(init.config), state, init.initKwargs);
}

/** Channel mode: this worker's share of every layer; slices meet in the shared buffer. */
function renderPart(gen: Generator, z: tf.Tensor2D, req: PoolRequest): tf.Tensor4D | null {
  const { part, parts, data, ctrl } = req.split!;
  const sync = new Int32Array(ctrl);
  const buf = new Float32Array(data);
  const half = buf.length / 2;
  try {
    const ws = gen.mapping(z, { psi: req.psi, cutoff: req.cutoff });
    try {
      const user = req.transform ? parseTransform(req.transform) : null;
      return gen.synthesisPart(ws as tf.Tensor3D, user, part, parts, (layer, slice, bounds) => {
        const [n, h, w, c] = slice.shape;
        const pixels = n * h * w;
        if (2 * pixels * bounds[parts] > buf.length)
          throw new Error(`shared buffer too small for layer ${layer} (${pixels}×${bounds[parts]})`);
        // Layers alternate between the two halves: a worker may start writing layer i + 1 while
        // another still reads layer i.
        const base = (layer % 2) * half;
        if (c !== bounds[part + 1] - bounds[part])
          throw new Error(`slice of layer ${layer} has ${c} channels`);
        buf.set(slice.dataSync() as Float32Array, base + pixels * bounds[part]);
        barrier(sync, parts);
        const pieces = [];
        for (let j = 0; j < parts; j++) {
          const piece = buf.subarray(base + pixels * bounds[j], base + pixels * bounds[j + 1]);
          pieces.push(tf.tensor4d(piece, [n, h, w, bounds[j + 1] - bounds[j]]));
        }
        const full = tf.concat(pieces, 3) as tf.Tensor4D;
        tf.dispose(pieces);
        return full;
      });
    } finally {
      ws.dispose();
    }
  } catch (err) {
    abortBarrier(sync); // release the others from the barrier
    throw err;
  }
}

try {
  const gen = await start(workerData as PoolWorkerInit);
  port.on('message', (req: PoolRequest) => {
    const reply: PoolResponse = { id: req.id };
    try {
      const z = tf.tensor2d(req.z, [req.n, gen.config.zDim]);
      try {
        const image = req.split
          ? renderPart(gen, z, req)
          : gen.generate(z, {
              psi: req.psi,
              cutoff: req.cutoff,
              transform: req.transform ?? undefined,
            }).image;
        if (image) {
          // A copy: the worker's wasm heap must never be transferred away.
          reply.data = new Float32Array(image.dataSync() as Float32Array);
          reply.shape = image.shape;
          image.dispose();
        }
      } finally {
        z.dispose();
      }
      port.postMessage(reply, reply.data ? [reply.data.buffer] : []);
    } catch (err) {
      reply.error = err instanceof Error ? err.message : String(err);
      port.postMessage(reply);
    }
  });
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ ready: false, error: err instanceof Error ? err.message : String(err) });
}
