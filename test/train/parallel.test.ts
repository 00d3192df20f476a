/**
 * Data-parallel phases: with a per-sample discriminator (minibatch-stddev group 1) the mean of the
 * ranks' gradients equals the single-thread gradient of the whole batch (Gmain, Dreg), as the
 * official all_reduce/num_gpus does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/generator/backend.js';
import { Rng } from '../../src/generator/rng.js';
import { lossPhase } from '../../src/train/loss.js';
import { DataParallelPhases } from '../../src/train/parallel.js';
import type { PhaseCall } from '../../src/train/loop.js';
import { tinyNetworks, tinyTrainConfig } from '../helpers/tiny-training.js';

test('two ranks average to the full-batch gradient (Gmain, Dreg; mbstd group 1)', async () => {
  await setBackend('wasm');
  const cfg = tinyTrainConfig;
  const { G, D } = await tinyNetworks();
  const dp = await DataParallelPhases.start(2, {
    backend: tf.getBackend(),
    gKwargs: cfg.G_kwargs,
    dKwargs: cfg.D_kwargs,
    G,
    D,
    loss: cfg.loss,
  });
  const rng = new Rng(5);
  const local = (call: PhaseCall) =>
    lossPhase(G, D, {
      phase: call.phase,
      realImg: call.realImg,
      genZ: call.genZ,
      gain: call.gain,
      curNimg: 0,
      r1Gamma: cfg.loss.r1Gamma,
      seed: String(call.seed),
    });
  try {
    for (const phase of ['Gmain', 'Dreg'] as const) {
      const realImg = tf.tensor4d(
        Float32Array.from({ length: 4 * 3 * 256 }, () => rng.uniform() * 2 - 1),
        [4, 3, 16, 16],
      );
      const genZ = tf.tensor2d(rng.normals(4 * 8), [4, 8]);
      const call: PhaseCall = {
        phase,
        gain: phase === 'Dreg' ? 16 : 1,
        realImg,
        genZ,
        curNimg: 0,
        plMean: 0,
        seed: 1,
      };
      const full = await local(call);
      const par = await dp.run(call, { G, D }, local);
      const pg = par.grads as Map<string, Float32Array>;
      let checked = 0;
      for (const [k, t] of Object.entries(full.grads)) {
        const want = t.dataSync() as Float32Array;
        const got = pg.get(k)!;
        const scale = Math.max(...want.map(Math.abs), 1e-30);
        for (let i = 0; i < want.length; i++)
          assert.ok(
            Math.abs(got[i] - want[i]) <= 1e-4 * scale,
            `${phase} ${k}[${i}]: ${got[i]} vs ${want[i]} (max ${scale})`,
          );
        t.dispose();
        checked++;
      }
      assert.ok(checked > 5);
      for (const [k, v] of Object.entries(full.reports)) assert.equal(par.reports[k].length, v.length, k);
      realImg.dispose();
      genZ.dispose();
    }
  } finally {
    await dp.close();
    G.dispose();
    D.dispose();
  }
});
