/**
 * A rank's share of a phase in rounds of `batchGpu` samples (train.py `--batch-gpu`): the official
 * loop sums the rounds' gradients (each a mean over its round), concatenates the reports and moves
 * pl_mean round after round. With a per-sample discriminator (minibatch-stddev group 1) two rounds
 * of 2 give twice the gradient of one round of 4.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/generator/backend.js';
import { Rng } from '../../src/generator/rng.js';
import type { Discriminator } from '../../src/train/discriminator.js';
import { lossPhase } from '../../src/train/loss.js';
import type { TrainG } from '../../src/train/networks.js';
import { lossPhaseInRounds, type RankPhaseCall } from '../../src/train/rounds.js';
import { assertCloseToMax } from '../helpers/golden.js';
import { tinyNetworks, tinyTrainConfig } from '../helpers/tiny-training.js';

const cfg = tinyTrainConfig;
let G: TrainG;
let D: Discriminator;
let realImg: tf.Tensor4D;
let genZ: tf.Tensor2D;

before(async () => {
  await setBackend('wasm');
  ({ G, D } = await tinyNetworks());
  const rng = new Rng(5);
  realImg = tf.tensor4d(
    Float32Array.from({ length: 4 * 3 * 256 }, () => rng.uniform() * 2 - 1),
    [4, 3, 16, 16],
  );
  genZ = tf.tensor2d(rng.normals(4 * 8), [4, 8]);
});
after(() => {
  tf.dispose([realImg, genZ]);
  G.dispose();
  D.dispose();
});

const call = (phase: RankPhaseCall['phase'], gain = 1): RankPhaseCall => ({
  phase,
  gain,
  realImg,
  genZ,
  curNimg: 0,
  plMean: 0.5,
  seed: 's',
});

const plain = (c: RankPhaseCall, loss = cfg.loss) =>
  lossPhase(G, D, {
    phase: c.phase,
    realImg: c.realImg,
    genZ: c.genZ,
    gain: c.gain,
    curNimg: c.curNimg,
    plMean: c.plMean,
    seed: c.seed,
    r1Gamma: loss.r1Gamma,
    styleMixingProb: loss.styleMixingProb,
    plWeight: loss.plWeight,
    plBatchShrink: loss.plBatchShrink,
    plDecay: loss.plDecay,
    blurInitSigma: loss.blurInitSigma,
    blurFadeKimg: loss.blurFadeKimg,
  });

test('one round of the whole share is the plain lossPhase call, bit for bit', async () => {
  const want = await plain(call('Dreg', 16));
  const got = await lossPhaseInRounds(G, D, cfg.loss, call('Dreg', 16), 4);
  for (const [k, t] of Object.entries(want.grads)) {
    assert.deepEqual(got.grads[k].dataSync(), t.dataSync(), k);
    tf.dispose([t, got.grads[k]]);
  }
  assert.deepEqual(got.reports, want.reports);
});

for (const [phase, gain] of [
  ['Gmain', 1],
  ['Dreg', 16],
] as const) {
  test(`${phase} in two rounds of 2: twice the one-round gradient, reports in sample order`, async () => {
    const whole = await plain(call(phase, gain));
    const tensorsBefore = tf.memory().numTensors;
    const rounds = await lossPhaseInRounds(G, D, cfg.loss, call(phase, gain), 2);
    assert.equal(
      tf.memory().numTensors - tensorsBefore,
      Object.keys(rounds.grads).length,
      'only the gradients remain',
    );
    let nonzero = 0;
    for (const [k, t] of Object.entries(whole.grads)) {
      const want = (t.dataSync() as Float32Array).map((v) => 2 * v);
      assertCloseToMax(rounds.grads[k].dataSync(), want, 1e-4, `${phase} ∂/∂${k}`);
      if (want.some((v) => v !== 0)) nonzero++;
      tf.dispose([t, rounds.grads[k]]);
    }
    assert.ok(nonzero > 5, `${nonzero} non-zero gradients`);
    for (const [k, v] of Object.entries(whole.reports)) {
      assert.equal(rounds.reports[k].length, 4, k);
      assertCloseToMax(rounds.reports[k], v, 1e-5, k);
    }
  });
}

test('Greg in two rounds: pl_mean moves round after round, gradients summed', async () => {
  const loss = { ...cfg.loss, plWeight: 2 };
  const got = await lossPhaseInRounds(G, D, loss, call('Greg', 4), 2);
  // The official loop: accumulate_gradients on samples 0–1, then on 2–3 with the pl_mean it left.
  const half = (i: number) => ({ realImg: tf.slice(realImg, 2 * i, 2), genZ: tf.slice(genZ, 2 * i, 2) });
  const h0 = half(0);
  const first = await plain({ ...call('Greg', 4), ...h0 }, loss);
  const h1 = half(1);
  const second = await plain({ ...call('Greg', 4), ...h1, plMean: first.plMean!, seed: 's:round1' }, loss);
  assert.ok(first.plMean !== 0.5 && second.plMean !== first.plMean);
  assert.equal(got.plMean, second.plMean);
  for (const [k, t] of Object.entries(got.grads)) {
    const want = tf.add(first.grads[k], second.grads[k]);
    assertCloseToMax(t.dataSync(), want.dataSync(), 1e-6, `∂/∂${k}`);
    tf.dispose([t, want, first.grads[k], second.grads[k]]);
  }
  assert.deepEqual(
    got.reports['Loss/pl_penalty'],
    Float32Array.from([...first.reports['Loss/pl_penalty'], ...second.reports['Loss/pl_penalty']]),
  );
  tf.dispose([h0.realImg, h0.genZ, h1.realImg, h1.genZ]);
});

test('batchGpu must divide the share', async () => {
  await assert.rejects(
    () => lossPhaseInRounds(G, D, cfg.loss, call('Dreg', 16), 3),
    /batchGpu must be a positive divisor of the rank's batch 4, got 3/,
  );
  await assert.rejects(() => lossPhaseInRounds(G, D, cfg.loss, call('Dreg', 16), 0), /got 0/);
});
