/**
 * Training differentiates the filtered nonlinearity with the fused backward kernel on the wasm
 * backend ('auto'): on the golden StyleGAN3 training cases (t16, r16) the StyleGAN3 generator's
 * phases run it (and the op path with `setFilteredLreluGradient('ops')` does not), and the
 * gradients of both paths agree within 1e-5·max per parameter. (The golden comparison with the
 * official gradients, `loss.test.ts`, runs with the default, i.e. the fused path.)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { manifest, npy, goldenPath, assertCloseToMax } from '../helpers/golden.js';
import { setBackend } from '../../src/generator/backend.js';
import { loadGenerator } from '../../src/generator/weights.js';
import { Generator } from '../../src/generator/stylegan3/generator.js';
import {
  setFilteredLreluGradient,
  type FilteredLreluGradient,
} from '../../src/generator/ops/filtered-lrelu.js';
import { loadDiscriminator } from '../../src/train/discriminator.js';
import { lossPhase } from '../../src/train/loss.js';

before(async () => {
  await setBackend('wasm');
});
after(() => setFilteredLreluGradient('auto'));

const BACKWARD_KERNEL = 'AliasfreeFusedFilteredLreluBackward';

function tensor(file: string): tf.Tensor {
  const a = npy('training', file);
  return tf.tensor(Float32Array.from(a.data as ArrayLike<number>), a.shape);
}

/** Run `f` counting the engine's calls of the fused backward kernel. */
async function countBackwardCalls<T>(f: () => Promise<T>): Promise<{ value: T; calls: number }> {
  const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
  const original = engine.runKernel;
  let calls = 0;
  engine.runKernel = function (name: string, ...rest: unknown[]) {
    if (name === BACKWARD_KERNEL) calls++;
    return original.call(this, name, ...rest);
  };
  try {
    return { value: await f(), calls };
  } finally {
    engine.runKernel = original;
  }
}

const cases = manifest('training').filter(
  (c) => c.fn.endsWith('accumulate_gradients') && c.params.phase === 'Gmain' && /^[tr]16/.test(c.name),
);

test('the golden StyleGAN3 cases include Gmain of T and R', () => {
  assert.deepEqual(cases.map((c) => c.name).sort(), ['r16_Gmain', 't16_Gmain']);
});

for (const c of cases)
  test(`${c.name}: Gmain runs the fused backward; its gradients equal the op path's (1e-5·max)`, async () => {
    const p = c.params;
    const loaded = await loadGenerator(goldenPath('training', p.G_dir));
    assert.ok(loaded instanceof Generator);
    const G = loaded.trainable();
    loaded.dispose();
    const D = await loadDiscriminator(goldenPath('training', p.D_dir));
    const realImg = tensor(c.inputs.real_img);
    const genZ = tensor(c.inputs.gen_z);
    const run = async (alg: FilteredLreluGradient) => {
      setFilteredLreluGradient(alg);
      try {
        return await countBackwardCalls(() =>
          lossPhase(G, D, {
            phase: 'Gmain',
            realImg,
            genZ,
            gain: p.gain,
            curNimg: p.cur_nimg,
            r1Gamma: p.loss_kwargs.r1_gamma,
            styleMixingProb: p.loss_kwargs.style_mixing_prob,
            blurInitSigma: p.loss_kwargs.blur_init_sigma,
            blurFadeKimg: p.loss_kwargs.blur_fade_kimg,
          }),
        );
      } finally {
        setFilteredLreluGradient('auto');
      }
    };
    const fused = await run('auto');
    const ops = await run('ops');
    // Every synthesis layer but ToRGB (pointwise only: no filters) runs the kernel once (16²: one
    // chunk of samples per layer).
    const layers = [...G.params.keys()].filter((k) => /^synthesis\.L\d+_[^.]+\.bias$/.test(k));
    assert.ok(layers.length > 2);
    assert.equal(fused.calls, layers.length - 1);
    assert.equal(ops.calls, 0);
    for (const [k, g] of Object.entries(fused.value.grads))
      assertCloseToMax(g.dataSync(), ops.value.grads[k].dataSync(), 1e-5, `${c.name} ∂/∂${k} fused vs ops`);
    tf.dispose([realImg, genZ, ...Object.values(fused.value.grads), ...Object.values(ops.value.grads)]);
    G.dispose();
    D.dispose();
  });
