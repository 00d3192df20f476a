/**
 * The pyramid distance on images with known values: identical images, a constant offset (δ² at
 * every level), a checkerboard against its one-pixel shift (its 2×2 means vanish, so only the
 * finest level differs), a random pair against a loop-by-loop reference, and its gradient.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/generator/backend.js';
import { ensureTrainingGradients } from '../../src/train/gradients.js';
import { Rng } from '../../src/generator/rng.js';
import { pyramidDistance, pyramidLevels, boxDownsample2x } from '../../src/project/loss.js';

before(async () => {
  await setBackend('wasm');
  await ensureTrainingGradients();
});

const value = (t: tf.Scalar) => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

function checkerboard(c: number, n: number): tf.Tensor4D {
  const d = new Float32Array(c * n * n);
  for (let k = 0; k < c; k++)
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) d[(k * n + y) * n + x] = (x + y) % 2 ? 1 : -1;
  return tf.tensor4d(d, [1, c, n, n]);
}

/** The distance by loops: box pyramid of each image separately, mean squared difference per level. */
function reference(a: Float32Array, b: Float32Array, c: number, n: number, minSize = 4): number {
  let pa = Float64Array.from(a);
  let pb = Float64Array.from(b);
  let size = n;
  let sum = 0;
  let levels = 0;
  for (;;) {
    let s = 0;
    for (let i = 0; i < pa.length; i++) s += (pa[i] - pb[i]) ** 2;
    sum += s / pa.length;
    levels++;
    if (size % 2 !== 0 || size / 2 < minSize) break;
    const h = size / 2;
    const pool = (p: Float64Array) => {
      const o = new Float64Array(c * h * h);
      for (let k = 0; k < c; k++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < h; x++) {
            const at = (yy: number, xx: number) => p[(k * size + yy) * size + xx];
            o[(k * h + y) * h + x] =
              (at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4;
          }
      return o;
    };
    pa = pool(pa);
    pb = pool(pb);
    size = h;
  }
  return sum / levels;
}

test('levels: halve while the side stays >= minSize', () => {
  assert.equal(pyramidLevels(32, 32), 4); // 32, 16, 8, 4
  assert.equal(pyramidLevels(16, 16), 3);
  assert.equal(pyramidLevels(4, 4), 1);
  assert.equal(pyramidLevels(6, 6), 1); // 3 < 4
  assert.equal(pyramidLevels(32, 32, 1), 6);
  assert.equal(pyramidLevels(24, 24, 3), 4); // 24, 12, 6, 3
});

test('identical images: 0', () => {
  const a = tf.randomNormal([1, 3, 32, 32], 0, 1, 'float32', 5) as tf.Tensor4D;
  assert.equal(value(pyramidDistance(a, a)), 0);
  a.dispose();
});

test('a constant offset δ: δ² (every level sees the same offset)', () => {
  const a = tf.randomNormal([1, 3, 32, 32], 0, 1, 'float32', 6) as tf.Tensor4D;
  const b = tf.add(a, 0.25) as tf.Tensor4D;
  const d = value(pyramidDistance(a, b));
  assert.ok(Math.abs(d - 0.0625) < 1e-6, `${d}`);
  tf.dispose([a, b]);
});

test('a ±1 checkerboard against its one-pixel shift: 4 at the finest level, 0 above, so 4/levels', () => {
  const a = checkerboard(3, 32);
  const b = tf.neg(a) as tf.Tensor4D; // shifting a checkerboard by one pixel negates it
  assert.equal(value(pyramidDistance(a, b)), 4 / 4);
  assert.equal(value(pyramidDistance(a, b, { minSize: 32 })), 4); // pixel MSE only
  tf.dispose([a, b]);
});

test('random images: equal to the loop-by-loop reference', () => {
  const rng = new Rng(11);
  const a = rng.normals(3 * 16 * 16);
  const b = rng.normals(3 * 16 * 16);
  const got = value(
    pyramidDistance(tf.tensor4d(a, [1, 3, 16, 16]), tf.tensor4d(b, [1, 3, 16, 16]), { minSize: 2 }),
  );
  const want = reference(a, b, 3, 16, 2);
  assert.ok(Math.abs(got - want) <= 1e-6 * want, `${got} vs ${want}`);
});

test('gradient: equals the central finite difference of the reference', () => {
  const rng = new Rng(12);
  const a = rng.normals(8 * 8);
  const b = rng.normals(8 * 8);
  const bt = tf.tensor4d(b, [1, 1, 8, 8]);
  const g = tf.grad((x: tf.Tensor) => pyramidDistance(x as tf.Tensor4D, bt, { minSize: 2 }))(
    tf.tensor4d(a, [1, 1, 8, 8]),
  );
  const grad = g.dataSync();
  for (const i of [0, 9, 27, 63]) {
    const h = 1e-3;
    const ap = Float32Array.from(a);
    const am = Float32Array.from(a);
    ap[i] += h;
    am[i] -= h;
    const fd = (reference(ap, b, 1, 8, 2) - reference(am, b, 1, 8, 2)) / (2 * h);
    assert.ok(Math.abs(grad[i] - fd) < 1e-4, `element ${i}: ${grad[i]} vs ${fd}`);
  }
  tf.dispose([g, bt]);
});

test('errors: shapes differ, odd sides for the box filter, bad minSize', () => {
  const a = tf.zeros([1, 3, 8, 8]) as tf.Tensor4D;
  const b = tf.zeros([1, 1, 8, 8]) as tf.Tensor4D;
  assert.throws(() => pyramidDistance(a, b), /differ in shape: \[1, 3, 8, 8\] and \[1, 1, 8, 8\]/);
  assert.throws(() => pyramidDistance(a, a, { minSize: 0 }), /minSize must be a positive integer/);
  assert.throws(
    () => boxDownsample2x(tf.zeros([1, 1, 5, 4]) as tf.Tensor4D),
    /even height and width, got 5×4/,
  );
  tf.dispose([a, b]);
});
