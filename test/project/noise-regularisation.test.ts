/**
 * StyleGAN2's noise penalty on known maps (checkerboard, constant, a random map against a
 * loop-by-loop reference), its gradient direction, and the renormalisation after each step.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/generator/backend.js';
import { ensureTrainingGradients } from '../../src/train/gradients.js';
import { Rng } from '../../src/generator/rng.js';
import {
  noiseRegularisation,
  normaliseNoise,
  REGULARIZE_NOISE_WEIGHT,
} from '../../src/project/noise-regularisation.js';

before(async () => {
  await setBackend('wasm');
  await ensureTrainingGradients();
});

const value = (t: tf.Scalar) => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

function checker(n: number): tf.Tensor2D {
  const d = new Float32Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) d[y * n + x] = (x + y) % 2 ? 1 : -1;
  return tf.tensor2d(d, [n, n]);
}

/** R(n) by loops: circular lag-1 products along x and y, then 2×2 means, down to 8×8. */
function reference(map: Float32Array, n: number): number {
  let m = Float64Array.from(map);
  let size = n;
  let r = 0;
  for (;;) {
    let sx = 0;
    let sy = 0;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const v = m[y * size + x];
        sx += v * m[y * size + ((x - 1 + size) % size)];
        sy += v * m[((y - 1 + size) % size) * size + x];
      }
    r += (sx / (size * size)) ** 2 + (sy / (size * size)) ** 2;
    if (size <= 8) break;
    const h = size / 2;
    const o = new Float64Array(h * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < h; x++)
        o[y * h + x] =
          (m[2 * y * size + 2 * x] +
            m[2 * y * size + 2 * x + 1] +
            m[(2 * y + 1) * size + 2 * x] +
            m[(2 * y + 1) * size + 2 * x + 1]) /
          4;
    m = o;
    size = h;
  }
  return r;
}

test('the official weight is 1e5', () => {
  assert.equal(REGULARIZE_NOISE_WEIGHT, 1e5);
});

test('a ±1 checkerboard: (−1)² + (−1)² at 16², its 2×2 means vanish at 8²: 2', () => {
  assert.equal(value(noiseRegularisation([checker(16)])), 2);
});

test('a constant map: 1 + 1 per level (32², 16², 8²): 6; maps add up', () => {
  const ones = tf.ones([32, 32]);
  assert.equal(value(noiseRegularisation([ones])), 6);
  assert.equal(value(noiseRegularisation([ones, checker(16), tf.ones([4, 4])])), 6 + 2 + 2);
  assert.equal(value(noiseRegularisation([])), 0);
});

test('a random 32² map: equal to the loop-by-loop reference; white noise scores near 0', () => {
  const d = new Rng(3).normals(32 * 32);
  const got = value(noiseRegularisation([tf.tensor2d(d, [32, 32])]));
  const want = reference(d, 32);
  assert.ok(Math.abs(got - want) <= 1e-5 * want + 1e-9, `${got} vs ${want}`);
  assert.ok(got < 0.05, `white noise should be nearly uncorrelated, got ${got}`);
});

test('gradient descent on R makes a correlated map whiter', () => {
  // A smooth map (strongly correlated neighbours) and one small step against the gradient.
  const d = new Float32Array(16 * 16);
  for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) d[y * 16 + x] = Math.sin(x / 3) + Math.cos(y / 4);
  const m = tf.tensor2d(d, [16, 16]);
  const g = tf.grad((x: tf.Tensor) => noiseRegularisation([x]))(m);
  const stepped = tf.sub(m, tf.mul(g, 0.05));
  const before = reference(d, 16);
  const after = value(noiseRegularisation([stepped]));
  assert.ok(after < before, `R should fall: ${before} → ${after}`);
  tf.dispose([m, g, stepped]);
});

test('normaliseNoise: zero mean, unit variance; a constant map becomes zeros', () => {
  const v = tf.variable(tf.tensor2d([1, 2, 3, 4], [2, 2]));
  normaliseNoise(v);
  const got = Array.from(v.dataSync());
  const want = [-1.5, -0.5, 0.5, 1.5].map((x) => x / Math.sqrt(1.25));
  got.forEach((x, i) => assert.ok(Math.abs(x - want[i]) < 1e-6, `${got} vs ${want}`));
  const c = tf.variable(tf.fill([3, 3], 7));
  normaliseNoise(c);
  assert.deepEqual(Array.from(c.dataSync()), new Array(9).fill(0));
  tf.dispose([v, c]);
});

test('errors: a map that is not a square 2-D tensor is named', () => {
  assert.throws(
    () => noiseRegularisation([tf.zeros([4, 4]), tf.zeros([4, 8])]),
    /maps\[1\] must be a square tf.Tensor2D \[H, H\], got \[4, 8\]/,
  );
});
