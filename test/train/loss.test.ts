/**
 * `lossPhase` against the official `StyleGAN2Loss.accumulate_gradients` (golden `training/`): for
 * every case of the manifest, every parameter gradient of the phase's network within
 * 2e-4·max|ref| of that tensor, every report within 1e-4·max|ref|, G's buffers after Dmain and
 * pl_mean after Greg (the recorded pl_noise passed in).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { manifest, npy, goldenPath, assertCloseToMax, type GoldenCase } from '../helpers/golden.js';
import { setBackend } from '../../src/generator/backend.js';
import { loadGenerator } from '../../src/generator/weights.js';
import { Generator } from '../../src/generator/stylegan3/generator.js';
import { loadDiscriminator } from '../../src/train/discriminator.js';
import { StyleGAN2Training } from '../../src/train/stylegan2-generator.js';
import type { StyleGAN2Generator } from '../../src/generator/stylegan2/generator.js';
import { lossPhase, blurSigma, blurFilter, type LossGenerator } from '../../src/train/loss.js';

const GRAD_TOL = 2e-4;
const REPORT_TOL = 1e-4;
const cases = manifest('training').filter((c) => c.fn.endsWith('accumulate_gradients'));

before(async () => {
  await setBackend('wasm');
});

function tensor(file: string): tf.Tensor {
  const a = npy('training', file);
  return tf.tensor(Float32Array.from(a.data as ArrayLike<number>), a.shape);
}
function ref(file: string): Float32Array {
  return Float32Array.from(npy('training', file).data as ArrayLike<number>);
}

type TrainingG = LossGenerator & { stateDict(): Map<string, { data: ArrayLike<number> }>; dispose(): void };

/** The golden generator in training form: StyleGAN3 `trainable()`, StyleGAN2 through its variables. */
async function trainingGenerator(dir: string): Promise<TrainingG> {
  const G = await loadGenerator(goldenPath('training', dir));
  if (G instanceof Generator) {
    const T = G.trainable();
    G.dispose();
    return T;
  }
  const S = G as unknown as StyleGAN2Generator;
  return Object.assign(new StyleGAN2Training(S), { dispose: () => S.dispose() });
}

for (const c of cases) {
  test(`lossPhase ${c.name} equals the official accumulate_gradients`, async () => {
    const p = c.params;
    const G = await trainingGenerator(p.G_dir);
    const D = await loadDiscriminator(goldenPath('training', p.D_dir));
    const realImg = tensor(c.inputs.real_img);
    const genZ = tensor(c.inputs.gen_z);
    const plNoise = c.inputs.pl_noise ? tensor(c.inputs.pl_noise) : null;
    const lk = p.loss_kwargs;
    assert.equal(blurSigma(p.cur_nimg, lk.blur_init_sigma, lk.blur_fade_kimg), p.blur_sigma);
    const { grads, reports, plMean } = await lossPhase(G, D, {
      phase: p.phase,
      realImg,
      genZ,
      gain: p.gain,
      curNimg: p.cur_nimg,
      r1Gamma: lk.r1_gamma,
      styleMixingProb: lk.style_mixing_prob,
      plWeight: lk.pl_weight,
      plBatchShrink: p.pl_batch_shrink,
      plDecay: p.pl_decay,
      plMean: 0,
      plNoise,
      blurInitSigma: lk.blur_init_sigma,
      blurFadeKimg: lk.blur_fade_kimg,
    });
    const net = p.phase.startsWith('G') ? G : D;
    const expectedGrads = Object.keys(c.outputs).filter((k) => k.startsWith('grad.'));
    assert.deepEqual(
      Object.keys(grads).sort(),
      expectedGrads.map((k) => k.slice(5)).sort(),
      'gradient names = every parameter of the phase network',
    );
    assert.equal(net.params.size, expectedGrads.length);
    for (const k of expectedGrads) {
      const g = grads[k.slice(5)];
      assertCloseToMax(g.dataSync(), ref(c.outputs[k]), GRAD_TOL, `${c.name} ${k}`);
    }
    for (const k of Object.keys(c.outputs).filter((k) => k.startsWith('report.'))) {
      const got = reports[k.slice(7)];
      assert.ok(got, `${c.name}: report ${k.slice(7)} missing (have ${Object.keys(reports).join(', ')})`);
      assertCloseToMax(got, ref(c.outputs[k]), REPORT_TOL, `${c.name} ${k}`);
    }
    const buffers = Object.keys(c.outputs).filter((k) => k.startsWith('G_buffer.'));
    if (p.phase === 'Dmain') assert.ok(buffers.length > 0, 'Dmain records the moved G buffers');
    if (buffers.length) {
      const state = G.stateDict();
      for (const k of buffers) {
        const e = state.get(k.slice(9));
        assert.ok(e, `G state has ${k.slice(9)}`);
        assertCloseToMax(e.data, ref(c.outputs[k]), REPORT_TOL, `${c.name} ${k}`);
      }
    }
    if (c.outputs.pl_mean) {
      assert.ok(plMean !== undefined);
      assertCloseToMax([plMean], ref(c.outputs.pl_mean), REPORT_TOL, `${c.name} pl_mean`);
    }
    tf.dispose([realImg, genZ, ...(plNoise ? [plNoise] : []), ...Object.values(grads)]);
    G.dispose();
    D.dispose();
  });
}

test('blur filter and σ: the official formulas', () => {
  assert.equal(blurSigma(0, 10, 0), 0); // no fade, no blur
  assert.equal(blurSigma(1000, 10, 25), 10 * (1 - 1000 / 25000));
  assert.equal(blurSigma(30000, 10, 25), 0);
  assert.equal(blurFilter(0.3), null); // ⌊3σ⌋ = 0
  const f = blurFilter(2)!;
  assert.equal(f.length, 13);
  const raw = Array.from({ length: 13 }, (_, i) => 2 ** -(((i - 6) / 2) ** 2));
  const sum = raw.reduce((a, b) => a + b, 0);
  raw.forEach((v, i) => assert.ok(Math.abs(f[i] - v / sum) < 1e-7, `tap ${i}`));
});

test('lossPhase: style mixing, path length on StyleGAN3 and the skipped phases', async () => {
  const G = await trainingGenerator('t16/G');
  const D = await loadDiscriminator(goldenPath('training', 't16/D'));
  const realImg = tensor('t16/real_img.npy');
  const genZ = tensor('t16/gen_z.npy');
  const base = { realImg, genZ, r1Gamma: 2 };
  // Mixing with probability 1 changes the images D sees (other scores), deterministically per seed.
  const plain = await lossPhase(G, D, { ...base, phase: 'Gmain' });
  const mixed = await lossPhase(G, D, { ...base, phase: 'Gmain', styleMixingProb: 1, seed: 5 });
  const again = await lossPhase(G, D, { ...base, phase: 'Gmain', styleMixingProb: 1, seed: 5 });
  assert.notDeepEqual(mixed.reports['Loss/scores/fake'], plain.reports['Loss/scores/fake']);
  assert.deepEqual(mixed.reports['Loss/scores/fake'], again.reports['Loss/scores/fake']);
  // Path length through the StyleGAN3 generator (second order): finite, pl_mean moves by decay·mean.
  const greg = await lossPhase(G, D, {
    ...base,
    phase: 'Greg',
    plWeight: 2,
    plDecay: 0.01,
    gain: 4,
    seed: 1,
  });
  const pen = greg.reports['Loss/pl_penalty'];
  assert.equal(pen.length, 2);
  assert.ok(greg.plMean! > 0 && Number.isFinite(greg.plMean!));
  for (const g of Object.values(greg.grads)) assert.ok(g.dataSync().every(Number.isFinite));
  // pl_weight 0 skips Greg, γ 0 skips Dreg (official): zero gradients, no reports.
  const none = await lossPhase(G, D, { ...base, phase: 'Greg', plWeight: 0 });
  assert.deepEqual(none.reports, {});
  assert.equal(none.plMean, 0);
  for (const g of Object.values(none.grads)) assert.ok(g.dataSync().every((v) => v === 0));
  const noR1 = await lossPhase(G, D, { ...base, phase: 'Dreg', r1Gamma: 0 });
  assert.equal(Object.keys(noR1.grads).length, D.params.size);
  for (const r of [plain, mixed, again, greg, none, noR1]) tf.dispose(Object.values(r.grads));
  tf.dispose([realImg, genZ]);
  G.dispose();
  D.dispose();
});

test('Gmain runs the frozen D once (forward and backward off G’s tape), with G’s gradients only', async () => {
  const G = await trainingGenerator('t16/G');
  const D = await loadDiscriminator(goldenPath('training', 't16/D'));
  const realImg = tensor('t16/real_img.npy');
  const genZ = tensor('t16/gen_z.npy');
  // (A first call may fill caches that live with G, e.g. packed weights.)
  tf.dispose(Object.values((await lossPhase(G, D, { phase: 'Gmain', realImg, genZ })).grads));
  const forward = D.forward.bind(D);
  let forwards = 0;
  D.forward = (img, c) => (forwards++, forward(img, c));
  const before = tf.memory().numTensors;
  const r = await lossPhase(G, D, { phase: 'Gmain', realImg, genZ });
  assert.equal(forwards, 1);
  assert.equal(tf.memory().numTensors - before, Object.keys(r.grads).length, 'only the gradients remain');
  assert.deepEqual(Object.keys(r.grads).sort(), [...G.params.keys()].sort());
  assert.ok(Object.values(r.grads).some((g) => g.dataSync().some((v) => v !== 0)));
  tf.dispose([realImg, genZ, ...Object.values(r.grads)]);
  G.dispose();
  D.dispose();
});

test('lossPhase: argument errors name the argument and the value', async () => {
  const G = await trainingGenerator('t16/G');
  const D = await loadDiscriminator(goldenPath('training', 't16/D'));
  const realImg = tensor('t16/real_img.npy');
  const genZ = tensor('t16/gen_z.npy');
  const ok = { phase: 'Gmain' as const, realImg, genZ };
  await assert.rejects(
    lossPhase(G, D, { ...ok, phase: 'Gboth' as 'Gmain' }),
    /phase must be 'Gmain', 'Greg', 'Dmain' or 'Dreg', got "Gboth"/,
  );
  await assert.rejects(lossPhase(G, D, { ...ok, realImg: tf.zeros([4, 16]) }), /realImg must have rank 4/);
  await assert.rejects(
    lossPhase(G, D, { ...ok, genZ: [[1]] as unknown as tf.Tensor }),
    /genZ must be a tf.Tensor/,
  );
  await assert.rejects(
    lossPhase(G, D, { ...ok, r1Gamma: -1 }),
    /r1Gamma must be a finite number >= 0, got -1/,
  );
  await assert.rejects(
    lossPhase(G, D, { ...ok, styleMixingProb: 2 }),
    /styleMixingProb must be in \[0, 1\], got 2/,
  );
  await assert.rejects(lossPhase(G, D, { ...ok, gain: NaN }), /gain must be a finite number/);
  await assert.rejects(
    lossPhase(G, D, { ...ok, plBatchShrink: 1.5 }),
    /plBatchShrink must be an integer >= 1, got 1.5/,
  );
  await assert.rejects(
    lossPhase(G, D, { ...ok, phase: 'Greg', plWeight: 2, plNoise: tf.zeros([2, 3, 8, 8]) }),
    /plNoise must have shape \[2, 3, 16, 16\], got \[2, 3, 8, 8\]/,
  );
  await assert.rejects(lossPhase({} as LossGenerator, D, ok), /G must be a training generator/);
  await assert.rejects(lossPhase(G, {} as never, ok), /D must be a Discriminator/);
  tf.dispose([realImg, genZ]);
  G.dispose();
  D.dispose();
});
