/**
 * Translated projection on the golden T network: project its own image and the same image moved
 * by a sub-pixel amount; the first projection rendered with its input moved by that amount
 * matches the second (the projection follows the shift), far better than the unmoved projection.
 * A network with a learned constant input (StyleGAN2 config A) is refused.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/generator/backend.js';
import { loadGenerator } from '../../src/generator/weights.js';
import type { Generator } from '../../src/generator/stylegan3/generator.js';
import { projectTranslated, disposeTranslated } from '../../src/project/translated.js';
import { goldenPath } from '../helpers/golden.js';
import { knownImage } from './find-helpers.js';

let G: Generator;
before(async () => {
  await setBackend('wasm');
  G = await loadGenerator(goldenPath('generators', 't32'));
});
after(() => G.dispose());

test('T (golden t32): the projection of a shifted image is the projection rendered shifted', async () => {
  const { ws, image } = knownImage(G, 7);
  const before = tf.memory().numTensors;
  const r = await projectTranslated(G, image, { dx: 2.5, dy: -1.5, steps: 40, wAvgSamples: 2000 });
  process.stdout.write(
    `# translate (2.5, −1.5) px, 40 steps each: follows ${r.psnrFollows.toFixed(2)} dB, unmoved ${r.psnrUnmoved.toFixed(2)} dB, ` +
      `rendered vs shifted target ${r.psnrRenderedVsTarget.toFixed(2)} dB, projections ${r.original.psnr.toFixed(2)} / ${r.shifted.psnr.toFixed(2)} dB\n`,
  );
  assert.ok(r.psnrFollows >= 22, `follows: ${r.psnrFollows} dB`);
  assert.ok(r.psnrFollows >= r.psnrUnmoved + 6, `follows ${r.psnrFollows} dB vs unmoved ${r.psnrUnmoved} dB`);
  assert.ok(r.psnrRenderedVsTarget >= 22, `rendered vs shifted target: ${r.psnrRenderedVsTarget} dB`);
  // The mask removes the border that the Lanczos taps cannot fill; the centre is valid.
  const m = r.mask.dataSync();
  assert.equal(m[16 * 32 + 16], 1);
  assert.ok(Array.from(m).reduce((s, v) => s + v, 0) < 32 * 32);
  disposeTranslated(r);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([ws, image]);
});

test('a network with a learned constant input cannot be translated', async () => {
  const A = await loadGenerator(goldenPath('stylegan2', 's2_32'));
  const t = tf.zeros([1, 3, 32, 32]);
  await assert.rejects(
    projectTranslated(A, t, { dx: 1, dy: 0, steps: 1 }),
    /learned constant .*Fourier-feature input/,
  );
  t.dispose();
  A.dispose();
});
