/**
 * Projection finds an image the golden StyleGAN3-T network made from a known latent (ψ 0.8):
 * PSNR ≥ 25 dB within 300 steps (here 60 steps of the official schedule), well above where it
 * started (w_avg), in both W and W+.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/generator/backend.js';
import { loadGenerator } from '../../src/generator/weights.js';
import type { Generator } from '../../src/generator/stylegan3/generator.js';
import { goldenPath } from '../helpers/golden.js';
import { knownImage, projectChecked } from './find-helpers.js';

let G: Generator;
before(async () => {
  await setBackend('wasm');
  G = await loadGenerator(goldenPath('generators', 't32'));
});
after(() => G.dispose());

test('T (golden t32): the latent of its own image is found again, PSNR >= 25 dB', async () => {
  const { ws, image } = knownImage(G, 7);
  const steps = 60;
  const r = await projectChecked(G, image, { steps, space: 'w' });
  const start = r.history[0].psnr;
  process.stdout.write(`# T, space w, ${steps} steps: PSNR ${start.toFixed(2)} → ${r.psnr.toFixed(2)} dB\n`);
  assert.ok(r.psnr >= 25, `PSNR ${r.psnr} dB`);
  assert.ok(r.psnr >= start + 8, `PSNR should rise well above the start (${start} dB), got ${r.psnr}`);
  // Space w: one w for every layer, as the official output.
  const w = r.ws.arraySync()[0];
  for (const row of w) assert.deepEqual(row, w[0]);
  tf.dispose([ws, image, r.ws, r.image]);
});
