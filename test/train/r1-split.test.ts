/**
 * The R1 phase (Dreg) per sub-batch of minibatch-stddev groups: the grouping of a sub-batch is
 * the whole batch's (D's logits of the picked samples are the same), and the split phase equals
 * the R1 loss of the whole batch differentiated at once (mean over samples of γ/2·|∂ΣD/∂x_i|²,
 * written out here), parameters and reports, for groups of 2, a whole-batch group and no mbstd;
 * and so does the staged evaluation (`r1StagedGradients`, one stage of D at a time), with the
 * blocks in one chunk and in chunks of one sample, also for the skip architecture and blurred
 * inputs.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/generator/backend.js';
import { Rng } from '../../src/generator/rng.js';
import {
  createDiscriminator,
  discriminatorFeatureElements,
  type Discriminator,
} from '../../src/train/discriminator.js';
import { lossPhase, r1Limits, type LossGenerator } from '../../src/train/loss.js';
import { mbstdSubBatches } from '../../src/train/mbstd-groups.js';
import { ensureTrainingGradients } from '../../src/train/gradients.js';
import { assertCloseToMax } from '../helpers/golden.js';

before(async () => {
  await setBackend('wasm');
  await ensureTrainingGradients();
});

test('mbstdSubBatches: whole groups (i ≡ j mod N/G) in D’s order, at most maxSamples', () => {
  assert.deepEqual(mbstdSubBatches(8, 4, 1, 4), [
    [0, 2, 4, 6],
    [1, 3, 5, 7],
  ]);
  assert.deepEqual(mbstdSubBatches(8, 4, 1, 8), [[0, 1, 2, 3, 4, 5, 6, 7]]);
  // Three groups of 2 (m = 3), two groups per sub-batch: rows r·3 + j, columns j … j + 1.
  assert.deepEqual(mbstdSubBatches(6, 2, 1, 4), [
    [0, 1, 3, 4],
    [2, 5],
  ]);
  assert.deepEqual(mbstdSubBatches(4, null, 1, 1), [[0, 1, 2, 3]]);
  assert.deepEqual(mbstdSubBatches(3, 4, 0, 2), [[0, 1], [2]]);
  assert.throws(
    () => mbstdSubBatches(6, 4, 1, 4),
    /batch size 6 must be a multiple of the minibatch-stddev group size 4/,
  );
  assert.throws(() => mbstdSubBatches(0, 4, 1, 4), /n must be a positive integer, got 0/);
});

function images(n: number, seed: number): tf.Tensor4D {
  return tf.tensor4d(new Rng(seed).normals(n * 3 * 16 * 16), [n, 3, 16, 16]);
}

test('D’s logits of a sub-batch equal those samples’ logits in the whole batch', async () => {
  const D = await createDiscriminator(
    { imgResolution: 16, channelBase: 256, channelMax: 16, mbstdGroupSize: 2 },
    { seed: 1 },
  );
  const x = images(8, 2);
  const all = D.forward(x).dataSync();
  for (const idx of mbstdSubBatches(8, 2, 1, 2)) {
    const sub = tf.gather(x, tf.tensor1d(idx, 'int32'));
    const got = D.forward(sub).dataSync();
    assertCloseToMax(
      got,
      Float32Array.from(idx, (i) => all[i]),
      1e-6,
      `logits of [${idx}]`,
    );
    sub.dispose();
  }
  x.dispose();
  D.dispose();
});

/** The R1 loss of the whole batch at once: mean_i(γ/2·Σ(∂ΣD(x)/∂x_i)²)·gain → ∂/∂θ_D. */
function r1Unsplit(D: Discriminator, x: tf.Tensor4D, c: tf.Tensor2D | null, gamma: number, gain: number) {
  const vars = [...D.params.values()];
  const { value, grads } = tf.variableGrads(() => {
    const g = tf.grad((u: tf.Tensor) => tf.sum(D.forward(u, c)))(x);
    const penalty = tf.sum(tf.square(g), [1, 2, 3]);
    return tf.mul(tf.mean(tf.mul(penalty, gamma / 2)), gain) as tf.Scalar;
  }, vars);
  const penalty = tf.tidy(() =>
    tf.sum(tf.square(tf.grad((u: tf.Tensor) => tf.sum(D.forward(u, c)))(x)), [1, 2, 3]),
  );
  const out = new Map<string, Float32Array>();
  // (Parameters R1 does not reach, such as the output bias, get no entry: zero.)
  for (const [k, v] of D.params)
    out.set(
      k,
      grads[v.name] ? Float32Array.from(grads[v.name].dataSync() as Float32Array) : new Float32Array(v.size),
    );
  const p = Float32Array.from(penalty.dataSync() as Float32Array);
  tf.dispose([value, penalty, ...Object.values(grads)]);
  return { grads: out, penalty: p };
}

/** Dreg needs no generator: one that fails loudly if touched. */
const noG: LossGenerator = {
  params: new Map(),
  numWs: 1,
  mapping: () => {
    throw new Error('Dreg must not run G');
  },
  synthesis: () => {
    throw new Error('Dreg must not run G');
  },
};

/** Set `r1Limits` for the duration of `f`. */
async function withR1Limits<T>(limits: Partial<typeof r1Limits>, f: () => Promise<T>): Promise<T> {
  const saved = { ...r1Limits };
  Object.assign(r1Limits, limits);
  try {
    return await f();
  } finally {
    Object.assign(r1Limits, saved);
  }
}

/** How each Dreg evaluation is configured, and whether it must take the staged path. */
const EVALUATIONS = [
  { name: 'one graph per group', limits: { samples: 1 }, staged: false },
  { name: 'staged, one chunk', limits: { samples: 1, wholeElements: 0 }, staged: true },
  {
    name: 'staged, whole batch, chunks of 1 sample',
    limits: { samples: 8, wholeElements: 0, chunkElements: 1 },
    staged: true,
  },
] as const;

for (const [label, group, channels, cDim, architecture] of [
  ['groups of 2', 2, 1, 0, 'resnet'],
  ['groups of 2, labels', 2, 1, 3, 'resnet'],
  ['one group of the whole batch', null, 1, 0, 'resnet'],
  ['no minibatch stddev', 4, 0, 0, 'resnet'],
  ['skip architecture', 2, 1, 0, 'skip'],
] as const) {
  test(`Dreg by sub-batches and by stages equals the unsplit R1 gradient (${label})`, async () => {
    const D = await createDiscriminator(
      {
        imgResolution: 16,
        channelBase: 256,
        channelMax: 16,
        mbstdGroupSize: group,
        mbstdNumChannels: channels,
        cDim,
        mappingLayers: 2,
        architecture,
      },
      { seed: 3 },
    );
    const n = 8;
    const x = images(n, 4);
    const c = cDim ? tf.tensor2d(new Rng(5).normals(n * cDim), [n, cDim]) : null;
    const gamma = 0.7;
    const gain = 16;
    const ref = r1Unsplit(D, x, c, gamma, gain);
    const expected = group === null ? 1 : channels === 0 ? n : n / group;
    assert.equal(mbstdSubBatches(n, group, channels, 1).length, expected);
    // The staged path asks D for its chain beside any forward (which composes the chain itself).
    const chain = D.chain.bind(D);
    const forward = D.forward.bind(D);
    let chains = 0;
    let forwards = 0;
    D.chain = (cc) => (chains++, chain(cc));
    D.forward = (img, cc) => (forwards++, forward(img, cc));
    for (const ev of EVALUATIONS) {
      chains = forwards = 0;
      await withR1Limits(ev.limits, async () => {
        const tensorsBefore = tf.memory().numTensors;
        const split = await lossPhase(noG, D, {
          phase: 'Dreg',
          realImg: x,
          realC: c,
          genZ: tf.zeros([n, 1]),
          gain,
          r1Gamma: gamma,
        });
        assert.equal(
          tf.memory().numTensors - tensorsBefore,
          Object.keys(split.grads).length + 1, // the gradients and genZ
          `${ev.name}: no tensor left behind`,
        );
        assert.equal(chains > forwards, ev.staged, `${ev.name}: staged path taken`);
        for (const [k, g] of ref.grads) {
          const got = split.grads[k];
          assert.ok(got, `gradient ${k}`);
          assertCloseToMax(got.dataSync(), g, 1e-5, `${ev.name}: ∂/∂${k}`);
        }
        assert.ok(Math.max(...[...ref.grads.values()].map((g) => Math.max(...g.map(Math.abs)))) > 0);
        assertCloseToMax(split.reports['Loss/r1_penalty'], ref.penalty, 1e-5, `${ev.name}: r1_penalty`);
        assertCloseToMax(
          split.reports['Loss/D/reg'],
          ref.penalty.map((v) => (v * gamma) / 2),
          1e-5,
          `${ev.name}: D/reg`,
        );
        const logits = D.forward(x, c);
        assertCloseToMax(
          split.reports['Loss/scores/real'],
          logits.dataSync(),
          1e-5,
          `${ev.name}: scores/real`,
        );
        tf.dispose([logits, ...Object.values(split.grads)]);
      });
    }
    tf.dispose([x, ...(c ? [c] : [])]);
    D.dispose();
  });
}

test('Dreg with blurred inputs (R’s blur fade): the staged path equals the one-graph path', async () => {
  const D = await createDiscriminator(
    { imgResolution: 16, channelBase: 256, channelMax: 16, mbstdGroupSize: 4 },
    { seed: 6 },
  );
  const n = 4;
  const x = images(n, 7);
  const run = () =>
    lossPhase(noG, D, {
      phase: 'Dreg',
      realImg: x,
      genZ: tf.zeros([n, 1]),
      gain: 16,
      r1Gamma: 2,
      blurInitSigma: 10,
      blurFadeKimg: 100,
      curNimg: 20_000, // σ = 8: taps −24 … 24
    });
  const whole = await withR1Limits({ samples: 4 }, run);
  const staged = await withR1Limits({ samples: 4, wholeElements: 0, chunkElements: 1 }, run);
  for (const [k, g] of Object.entries(whole.grads))
    assertCloseToMax(staged.grads[k].dataSync(), g.dataSync(), 1e-5, `∂/∂${k}`);
  assertCloseToMax(staged.reports['Loss/r1_penalty'], whole.reports['Loss/r1_penalty'], 1e-5, 'r1_penalty');
  assert.ok(whole.reports['Loss/r1_penalty'].every((v) => v > 0));
  tf.dispose([x, ...Object.values(whole.grads), ...Object.values(staged.grads)]);
  D.dispose();
});

test('discriminatorFeatureElements: Σ over blocks of res²·C(res) per sample', () => {
  // 64²: 64²·128 + 32²·256 + 16²·256 + 8²·256 (C = min(8192/res, 256)).
  assert.equal(
    discriminatorFeatureElements({ imgResolution: 64, channelBase: 8192, channelMax: 256 }),
    868_352,
  );
  assert.equal(
    discriminatorFeatureElements({ imgResolution: 16, channelBase: 256, channelMax: 16 }),
    16 * 16 * 16 + 8 * 8 * 16,
  );
});
