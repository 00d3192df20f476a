/**
 * Worker side of `DataParallelPhases` (parallel.ts): rebuild G and D from the copied kwargs and
 * state, then evaluate one phase per job on its share of the batch (in rounds of `batchGpu`) and
 * return the gradients.
 */
import { workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../generator/backend.js';
import { setFilteredLreluGradient } from '../generator/ops/filtered-lrelu.js';
import { serveJobs } from '../generator/parallel/workers.js';
import { discriminatorFromState, type Discriminator } from './discriminator.js';
import { lossPhaseInRounds } from './rounds.js';
import { trainingGenerator, type TrainG } from './networks.js';
import type { PhaseJob, PhaseJobResult, PhaseWorkerInit } from './parallel.js';

const init = workerData as PhaseWorkerInit;
let G: TrainG;
let D: Discriminator;

function assign(params: Map<string, tf.Variable>, values: [string, Float32Array][]): void {
  for (const [k, data] of values) {
    const v = params.get(k);
    if (!v) throw new RangeError(`worker has no parameter ${k}`);
    const t = tf.tensor(data, v.shape, 'float32');
    v.assign(t);
    t.dispose();
  }
}

serveJobs<PhaseJob, PhaseJobResult, never>(
  async () => {
    await setBackend(init.backend as 'auto');
    setFilteredLreluGradient(init.filteredLreluGradient);
    G = await trainingGenerator(init.gKwargs, new Map(init.gState));
    D = await discriminatorFromState(init.dKwargs, new Map(init.dState));
  },
  async (job) => {
    if (job.g) assign(G.params, job.g);
    if (job.d) assign(D.params, job.d);
    const realImg = tf.tensor4d(job.real.data, job.real.shape as [number, number, number, number]);
    const genZ = tf.tensor2d(job.z.data, job.z.shape as [number, number]);
    try {
      const out = await lossPhaseInRounds(
        G,
        D,
        init.loss,
        {
          phase: job.phase,
          realImg,
          genZ,
          gain: job.gain,
          curNimg: job.curNimg,
          plMean: job.plMean,
          seed: job.seed,
        },
        init.batchGpu ?? realImg.shape[0],
      );
      const grads: [string, Float32Array][] = Object.entries(out.grads).map(([k, t]) => {
        const data = Float32Array.from(t.dataSync() as Float32Array);
        t.dispose();
        return [k, data];
      });
      return { reports: out.reports, grads, plMean: out.plMean };
    } finally {
      realImg.dispose();
      genZ.dispose();
    }
  },
);
