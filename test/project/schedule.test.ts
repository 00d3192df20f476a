/**
 * The projector's schedule against its formulas at chosen steps (values derived by hand, written
 * in another form: ½(1 − cos x) = sin²(x/2)).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROJECTION_DEFAULTS, learningRate, wNoiseScale } from '../../src/project/schedule.js';

const close = (a: number, b: number, tol = 1e-15) =>
  assert.ok(Math.abs(a - b) <= tol, `${a} differs from ${b} by more than ${tol}`);

test('the official constants', () => {
  assert.deepEqual(
    { ...PROJECTION_DEFAULTS },
    {
      initialLearningRate: 0.1,
      lrRampdownLength: 0.25,
      lrRampupLength: 0.05,
      initialNoiseFactor: 0.05,
      noiseRampLength: 0.75,
    },
  );
});

test('learning rate: zero at the start, linear ramp-up over 5 %, flat, half-cosine ramp-down over 25 %', () => {
  close(learningRate(0, 1000), 0);
  close(learningRate(10, 1000), 0.1 * (0.01 / 0.05)); // t = 0.01 on the ramp-up
  close(learningRate(25, 1000), 0.05);
  close(learningRate(50, 1000), 0.1); // ramp-up just ended
  close(learningRate(500, 1000), 0.1);
  close(learningRate(750, 1000), 0.1); // ramp-down starts at t = 0.75
  close(learningRate(875, 1000), 0.05); // half-way down: sin²(π/4) = ½
  close(learningRate(999, 1000), 0.1 * Math.sin((Math.PI * 0.004) / 2) ** 2, 1e-18);
  // A short run: the ramp-up is shorter than one step, so step 1 is already at full rate.
  close(learningRate(1, 4), 0.1);
  close(learningRate(3, 4), 0.1 * Math.sin(Math.PI / 2) ** 2);
});

test('w noise: σ = w_std · 0.05 · (1 − t/0.75)², zero in the last quarter', () => {
  close(wNoiseScale(0, 1000, 2), 0.1);
  close(wNoiseScale(375, 1000, 2), 2 * 0.05 * 0.25);
  close(wNoiseScale(600, 1000, 4), 4 * 0.05 * 0.2 ** 2, 1e-15);
  assert.equal(wNoiseScale(750, 1000, 2), 0);
  assert.equal(wNoiseScale(999, 1000, 2), 0);
});

test('custom constants replace the official ones', () => {
  const s = { ...PROJECTION_DEFAULTS, initialLearningRate: 0.02, lrRampupLength: 0.5 };
  close(learningRate(25, 100, s), 0.02 * (0.25 / 0.5));
});

test('bad steps, step and w_std are refused by name', () => {
  assert.throws(() => learningRate(0, 0), /steps must be a positive integer, got 0/);
  assert.throws(() => learningRate(10, 10), /step must be an integer in \[0, 9\], got 10/);
  assert.throws(() => learningRate(-1, 10), /step must be an integer/);
  assert.throws(() => learningRate(1.5, 10), /step must be an integer/);
  assert.throws(() => wNoiseScale(0, 10, -1), /wStd must be a finite number >= 0, got -1/);
  assert.throws(() => wNoiseScale(0, 10, NaN), /wStd/);
});
