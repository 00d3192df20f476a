/**
 * Projection with the golden StyleGAN2 network (s2_32, config A): an image it made from a known
 * latent (ψ 0.8, noise_mode 'none') is found again with PSNR ≥ 25 dB within 300 steps when only
 * w is optimised (`noise: 'none'`). With the official noise handling the noise maps are optimised
 * too: they change, stay at zero mean and unit variance, and come back under their official keys.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/generator/backend.js';
import { loadGenerator } from '../../src/generator/weights.js';
import type { StyleGAN2Generator } from '../../src/generator/stylegan2/generator.js';
import { goldenPath } from '../helpers/golden.js';
import { knownImage, projectChecked } from './find-helpers.js';

let G: StyleGAN2Generator;
before(async () => {
  await setBackend('wasm');
  G = await loadGenerator<StyleGAN2Generator>(goldenPath('stylegan2', 's2_32'));
});
after(() => G.dispose());

test('StyleGAN2 (golden s2_32, no noise): the latent of its own image is found again, PSNR >= 25 dB', async () => {
  const { ws, image } = knownImage(G, 7, 'none');
  const steps = 300;
  const r = await projectChecked(G, image, { steps, space: 'w', noise: 'none' });
  const start = r.history[0].psnr;
  process.stdout.write(
    `# StyleGAN2, space w, no noise, ${steps} steps: PSNR ${start.toFixed(2)} → ${r.psnr.toFixed(2)} dB\n`,
  );
  assert.ok(r.psnr >= 25, `PSNR ${r.psnr} dB`);
  assert.ok(r.psnr >= start + 10, `PSNR should rise well above the start (${start} dB), got ${r.psnr}`);
  assert.equal(r.noise.size, 0);
  tf.dispose([ws, image, r.ws, r.image]);
});

test('StyleGAN2 with the official noise handling: the noise maps are optimised and renormalised', async () => {
  const { ws, image } = knownImage(G, 7, 'const');
  const stored = G.stateDict();
  const r = await projectChecked(G, image, { steps: 12, space: 'w+', wAvgSamples: 1000, seed: 5 });
  const keys = [...stored.keys()].filter((k) => k.endsWith('.noise_const'));
  assert.deepEqual([...r.noise.keys()], keys);
  assert.ok(r.history.some((h) => h.noiseReg > 0));
  for (const [k, v] of r.noise) {
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const ms = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
    assert.ok(Math.abs(mean) < 1e-5 && Math.abs(ms - 1) < 1e-4, `${k}: mean ${mean}, variance ${ms}`);
    assert.equal(v.length, stored.get(k)!.data.length);
  }
  // Space w+: one w per layer, and they moved apart.
  const w = r.ws.arraySync()[0];
  assert.equal(w.length, G.numWs);
  assert.notDeepEqual(w[0], w[w.length - 1]);
  assert.ok(r.psnr > r.history[0].psnr, `${r.history[0].psnr} → ${r.psnr}`);
  tf.dispose([ws, image, r.ws, r.image]);
});
