/**
 * Translated projection on the golden T network: project its own image; rendered with its input
 * moved by (7.5, −3.5) px, the projection fits the moved image as well as it fit the original and
 * better than the unmoved projection does (the numbers of the second projection, of the moved
 * image, are printed: see docs/projection.md).
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

test('T (golden t32): the projection, moved by its input transform, fits the moved image', async () => {
  // Seed 6 has the most contrast of seeds 0–9; the untrained images are smooth, so the shift is
  // large (7.5, −3.5 px, a sub-pixel part included) for it to change the image clearly.
  const { ws, image } = knownImage(G, 6);
  const before = tf.memory().numTensors;
  const steps = 40;
  const r = await projectTranslated(G, image, { dx: 7.5, dy: -3.5, steps, wAvgSamples: 2000 });
  process.stdout.write(
    `# translate (7.5, −3.5) px, ${steps} steps each: shift changes the target to ${r.psnrShift.toFixed(2)} dB; ` +
      `projection ${r.original.psnr.toFixed(2)} dB; moved projection vs moved target ${r.psnrRenderedVsTarget.toFixed(2)} dB ` +
      `(unmoved ${r.psnrUnmovedVsTarget.toFixed(2)} dB); projection of the moved target ${r.shifted.psnr.toFixed(2)} dB, ` +
      `vs moved projection ${r.psnrFollows.toFixed(2)} dB (vs unmoved ${r.psnrUnmoved.toFixed(2)} dB)\n`,
  );
  assert.ok(r.psnrShift < 30, `the shift should change the image clearly, PSNR ${r.psnrShift} dB`);
  assert.ok(r.original.psnr >= 22, `projection ${r.original.psnr} dB`);
  // Equivariance carries the projection along: it fits the moved image as well as the original…
  assert.ok(
    r.psnrRenderedVsTarget >= r.original.psnr - 1.5,
    `moved projection vs moved target ${r.psnrRenderedVsTarget} dB, projection ${r.original.psnr} dB`,
  );
  // …and better than the projection left where it was. (The margin is small on this untrained
  // network: its images are smooth, and 40 steps leave a residual of the size of the shift's
  // effect; docs/projection.md has the 100-step figures.)
  assert.ok(
    r.psnrRenderedVsTarget >= r.psnrUnmovedVsTarget + 0.5,
    `moved ${r.psnrRenderedVsTarget} dB vs unmoved ${r.psnrUnmovedVsTarget} dB`,
  );
  // The mask removes the border that the Lanczos taps cannot fill; the centre is valid.
  const m = r.mask.dataSync();
  assert.equal(m[16 * 32 + 16], 1);
  assert.ok(Array.from(m).reduce((s, v) => s + v, 0) < 32 * 32);
  assert.ok(Number.isFinite(r.psnrFollows) && Number.isFinite(r.psnrUnmoved));
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
