/**
 * Bad input to `project` and the target helpers, with the message that names what is wrong; a
 * run whose loss turns non-finite stops at that step and returns the best step before it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/generator/backend.js';
import { loadGenerator } from '../../src/generator/weights.js';
import type { Generator } from '../../src/generator/stylegan3/generator.js';
import { project } from '../../src/project/projector.js';
import { projectTranslated } from '../../src/project/translated.js';
import { checkTarget, targetFromImage, readTargetPng, imageToUint8 } from '../../src/project/target.js';
import { encodeImage } from '../../src/train/dataset/images.js';
import { parseShift } from '../../src/project/shift.js';
import { goldenPath } from '../helpers/golden.js';

let G: Generator;
before(async () => {
  await setBackend('wasm');
  G = await loadGenerator(goldenPath('generators', 't32'));
});
after(() => G.dispose());

const rgb32 = () => tf.zeros([1, 3, 32, 32]);

test('a target of the wrong size: the error gives both sizes and offers --resize', async () => {
  const t = tf.zeros([1, 3, 16, 16]);
  await assert.rejects(
    project(G, t, { steps: 1 }),
    /target is 16×16 pixels, but the network makes 32×32; .*--resize/,
  );
  t.dispose();
});

test('grayscale for an RGB network and RGB for a grayscale one', async () => {
  const g = tf.zeros([1, 1, 32, 32]);
  await assert.rejects(
    project(G, g, { steps: 1 }),
    /target is grayscale \(1 channel\), but the network makes RGB \(3 channels\) images; give an RGB image/,
  );
  g.dispose();
  const img = { width: 8, height: 8, channels: 3, data: new Uint8Array(3 * 64) };
  assert.throws(
    () => targetFromImage(img, { channels: 1, resolution: 8 }),
    /is RGB \(3 channels\), but the network makes grayscale \(1 channel\) images; give a grayscale image/,
  );
});

test('other bad targets: not a tensor, a batch, non-finite values', async () => {
  await assert.rejects(
    project(G, [1, 2, 3] as unknown as tf.Tensor),
    /target must be a tf.Tensor \[1, 3, 32, 32\]/,
  );
  const batch = tf.zeros([2, 3, 32, 32]);
  await assert.rejects(
    project(G, batch),
    /target must have shape \[1, C, H, W\] \(one NCHW image\), got \[2, 3, 32, 32\]/,
  );
  const d = new Float32Array(3 * 32 * 32);
  d[77] = NaN;
  const nan = tf.tensor4d(d, [1, 3, 32, 32]);
  assert.throws(
    () => checkTarget(nan, { channels: 3, resolution: 32 }),
    /finite values, got NaN at flat index 77/,
  );
  tf.dispose([batch, nan]);
});

test('bad steps, space, seed and options are refused by name', async () => {
  const t = rgb32();
  for (const [opts, re] of [
    [{ steps: 0 }, /steps must be an integer >= 1, got 0/],
    [{ steps: 2.5 }, /steps must be an integer >= 1, got 2.5/],
    [{ steps: '10' }, /steps must be an integer >= 1, got "10"/],
    [{ space: 'z' }, /space must be 'w' or 'w\+', got "z"/],
    [{ seed: -1 }, /seed must be an integer >= 0, got -1/],
    [{ seed: 0.5 }, /seed must be an integer >= 0, got 0.5/],
    [{ onProgress: 3 }, /onProgress must be a function/],
    [{ regularizeNoiseWeight: -1 }, /regularizeNoiseWeight must be a finite number >= 0/],
    [{ initialNoise: 'zeros' }, /initialNoise must be 'random' or 'stored', got "zeros"/],
    [{ schedule: { lrRampupLength: 0 } }, /schedule.lrRampupLength must be a finite number > 0, got 0/],
  ] as const)
    await assert.rejects(project(G, t, opts as never), re as RegExp);
  t.dispose();
});

test('not a generator; a shift that is not two numbers', async () => {
  const t = rgb32();
  await assert.rejects(project({} as never, t, { steps: 1 }), /G must be a loaded generator/);
  await assert.rejects(
    projectTranslated(G, t, { dx: NaN, dy: 0 }),
    /dx must be a finite number of pixels, got NaN/,
  );
  t.dispose();
  assert.deepEqual(parseShift(' 2.5, -1'), [2.5, -1]);
  for (const bad of ['1', '1,2,3', 'a,1', '1,'])
    assert.throws(() => parseShift(bad), /expected two numbers of pixels "dx,dy"/);
});

test('PNG targets: grey and RGB files, transparency refused, --resize resamples', () => {
  const grey = { width: 16, height: 16, channels: 1, data: new Uint8Array(256).fill(128) };
  const back = readTargetPng(encodeImage(grey), 'g.png');
  assert.equal(back.channels, 1);
  const t = targetFromImage(back, { channels: 1, resolution: 8 }, { resize: true });
  assert.deepEqual(t.shape, [1, 1, 8, 8]);
  // A constant image stays constant through the (normalised) Lanczos filter: 128/127.5 − 1.
  for (const v of t.dataSync()) assert.ok(Math.abs(v - (128 / 127.5 - 1)) < 1e-6);
  t.dispose();
  assert.throws(
    () => targetFromImage(back, { channels: 1, resolution: 8 }),
    /is 16×16 pixels, .*give --resize/,
  );
  assert.throws(() => readTargetPng(new Uint8Array([1, 2, 3]), 'x.png'), /x.png: not a readable PNG/);
  const u8 = imageToUint8(tf.tensor4d([-1, 0, 1, 2], [1, 1, 2, 2]));
  assert.deepEqual(Array.from(u8.data), [0, 128, 255, 255]);
});

test('a non-finite loss stops the run at that step and keeps the best step before it', async () => {
  const z = tf.randomNormal([1, 32], 0, 1, 'float32', 1) as tf.Tensor2D;
  const ws = G.mapping(z, { psi: 0.8 });
  const target = G.synthesis(ws).image;
  // A learning rate of 1e30 throws w out of float32 range after the first full-rate step.
  const r = await project(G, target, { steps: 8, wAvgSamples: 500, schedule: { initialLearningRate: 1e30 } });
  assert.ok(r.stopped, 'the run should stop');
  assert.equal(r.stopped.step, r.history.length + 1);
  assert.ok(r.stopped.step < 8);
  assert.match(r.stopped.reason, new RegExp(`not finite at step ${r.stopped.step} of 8`));
  const best = Math.max(...r.history.map((h) => h.psnr));
  assert.equal(r.history[r.stopped.bestStep - 1].psnr, best);
  assert.ok(Number.isFinite(r.psnr) && r.psnr > 5, `best result PSNR ${r.psnr}`);
  for (const v of r.ws.dataSync()) assert.ok(Number.isFinite(v));
  tf.dispose([z, ws, target, r.ws, r.image]);
});
