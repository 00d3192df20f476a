/**
 * Worker side of `GeneratorPool` (pool.ts): rebuild the generator (StyleGAN3 or StyleGAN2) from
 * the copied config and state, then answer requests (a block of latents → its images NCHW) one at
 * a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../backend.js';
import { computeGeometry } from '../stylegan3/geometry.js';
import { Generator, parseTransform } from '../stylegan3/generator.js';
import { StyleGAN2Generator } from '../stylegan2/generator.js';
import { styleGAN2Layout } from '../stylegan2/layout.js';
import { barrier, abortBarrier } from './barrier.js';
import type { PoolRequest, PoolResponse, PoolWorkerInit } from './pool.js';
import type { StateDict } from '../state.js';

const port = parentPort;
if (!port) throw new Error('pool-worker.ts must run inside a worker_thread (see GeneratorPool)');

async function start(init: PoolWorkerInit): Promise<Generator | StyleGAN2Generator> {
  await setBackend(init.backend);
  const state: StateDict = new Map(init.state);
  return init.network === 'stylegan2'
    ? new StyleGAN2Generator(styleGAN2Layout(init.config), state, init.initKwargs)
    : new Generator(computeGeometry(init.config), state, init.initKwargs);
}

/** The options of `mapping` and `synthesis` of a request (StyleGAN2 adds its noise options). */
function requestOptions(req: PoolRequest) {
  return { psi: req.psi, cutoff: req.cutoff, transform: req.transform, ...req.noise };
}

/**
 * The exchange of channel mode: write this worker's slice of layer `step` into the shared buffer,
 * wait for the others, and read the whole activation back. Steps alternate between the buffer's
 * two halves: a worker may start writing step i + 1 while another still reads step i.
 */
function exchanger(req: PoolRequest) {
  const { part, parts, data, ctrl } = req.split!;
  const sync = new Int32Array(ctrl);
  const buf = new Float32Array(data);
  const half = buf.length / 2;
  return (step: number, slice: tf.Tensor4D, bounds: number[]): tf.Tensor4D => {
    const [n, h, w, c] = slice.shape;
    const pixels = n * h * w;
    if (2 * pixels * bounds[parts] > buf.length)
      throw new Error(`shared buffer too small for layer ${step} (${pixels}×${bounds[parts]})`);
    const base = (step % 2) * half;
    if (c !== bounds[part + 1] - bounds[part]) throw new Error(`slice of layer ${step} has ${c} channels`);
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
  };
}

/** Channel mode: this worker's share of every layer; slices meet in the shared buffer. */
function renderPart(
  gen: Generator | StyleGAN2Generator,
  z: tf.Tensor2D,
  req: PoolRequest,
): tf.Tensor4D | null {
  const { part, parts, ctrl } = req.split!;
  const opts = requestOptions(req);
  try {
    const ws = gen.mapping(z, opts);
    try {
      const exchange = exchanger(req);
      if (gen instanceof StyleGAN2Generator) return gen.synthesisPart(ws, opts, part, parts, exchange);
      const user = req.transform ? parseTransform(req.transform) : null;
      return gen.synthesisPart(ws, user, part, parts, exchange);
    } finally {
      ws.dispose();
    }
  } catch (err) {
    abortBarrier(new Int32Array(ctrl)); // release the others from the barrier
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
        const image = req.split ? renderPart(gen, z, req) : gen.generate(z, requestOptions(req)).image;
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
