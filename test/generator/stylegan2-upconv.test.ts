/**
 * StyleGAN2's up-sampling conv0 (stylegan2/up-conv.ts) in both forms — four direct phase
 * correlations, and Winograd F(2, 2) on their 2-tap axes — against a float64 evaluation of the
 * operation straight from its definition: the transposed 3×3 conv (weights unflipped: a full
 * convolution of the zero-inserted input), then the 4×4 filter × up² with the official alignment
 * O[Y] = Σ_t T[Y − 1 + t]·F[3 − t] (which the golden tests confirm against the official network
 * for its symmetric filter; an asymmetric filter here pins the orientation).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/generator/backend.js';
import {
  prepareUpConv,
  upConv,
  disposeUpConv,
  upConvWinogradPays,
  F22_BT,
  F22_G,
} from '../../src/generator/stylegan2/up-conv.js';
import { Rng } from '../../src/generator/rng.js';

before(async () => {
  await setBackend('wasm');
});

/** conv0 from its definition in float64: x [H, W, I] (HWC), w [O, I, 3, 3], f 4×4 row-major → [2H, 2W, O]. */
function reference(
  x: Float64Array,
  h: number,
  wd: number,
  I: number,
  w: Float64Array,
  O: number,
  f: Float64Array,
) {
  // Transposed conv = full conv of the zero-inserted input: T[2m + a][2n + b] += x[m][n]·W[a][b].
  const TH = 2 * h + 1;
  const TW = 2 * wd + 1;
  const T = new Float64Array(TH * TW * O);
  for (let m = 0; m < h; m++)
    for (let n = 0; n < wd; n++)
      for (let i = 0; i < I; i++) {
        const v = x[(m * wd + n) * I + i];
        for (let o = 0; o < O; o++)
          for (let a = 0; a < 3; a++)
            for (let b = 0; b < 3; b++)
              T[((2 * m + a) * TW + 2 * n + b) * O + o] += v * w[((o * I + i) * 3 + a) * 3 + b];
      }
  // The filter × up² = 4: output Y reads T[Y − 1 … Y + 2] against f[3 … 0] (per axis).
  const out = new Float64Array(4 * h * wd * O);
  for (let Y = 0; Y < 2 * h; Y++)
    for (let X = 0; X < 2 * wd; X++)
      for (let o = 0; o < O; o++) {
        let s = 0;
        for (let t = 0; t < 4; t++)
          for (let u = 0; u < 4; u++) {
            const ty = Y - 1 + t;
            const tx = X - 1 + u;
            if (ty < 0 || tx < 0 || ty >= TH || tx >= TW) continue;
            s += T[(ty * TW + tx) * O + o] * 4 * f[(3 - t) * 4 + (3 - u)];
          }
        out[(Y * 2 * wd + X) * O + o] = s;
      }
  return out;
}

test('F(2, 2) transforms: Aᵀ[(G g) ⊙ (Bᵀ d)] is the 2-tap correlation of any d, g', () => {
  const rng = new Rng(3);
  for (let k = 0; k < 5; k++) {
    const d = rng.normals(3);
    const g = rng.normals(2);
    const m = F22_BT.map(
      (row, i) => row.reduce((a, c, j) => a + c * d[j], 0) * (F22_G[i][0] * g[0] + F22_G[i][1] * g[1]),
    );
    assert.ok(Math.abs(m[0] + m[1] - (d[0] * g[0] + d[1] * g[1])) < 1e-12);
    assert.ok(Math.abs(m[1] + m[2] - (d[1] * g[0] + d[2] * g[1])) < 1e-12);
  }
});

for (const [h, wd, I, O] of [
  [4, 4, 3, 5],
  [8, 6, 16, 12],
  [2, 8, 8, 8],
])
  test(`conv0 ${h}×${wd}, ${I} → ${O}: direct and Winograd phases equal the official op (float64) within 1e-5·max`, () => {
    const rng = new Rng(h * 100 + I);
    const x = Float64Array.from(rng.normals(h * wd * I));
    const w = Float64Array.from(rng.normals(O * I * 9));
    // The binomial filter of config A, and an asymmetric separable one (catches a flipped filter).
    for (const f1 of [
      [1, 3, 3, 1],
      [1, 2, 5, -1],
    ]) {
      const sum = f1.reduce((a, b) => a + b, 0);
      const f = Float64Array.from(
        { length: 16 },
        (_, e) => (f1[Math.floor(e / 4)] * f1[e % 4]) / (sum * sum),
      );
      const ref = reference(x, h, wd, I, w, O, f);
      const scale = ref.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
      const k = prepareUpConv(Float32Array.from(w), O, I, { data: Float32Array.from(f), shape: [4, 4] });
      const xt = tf.tensor4d(Float32Array.from(x), [1, h, wd, I]);
      for (const winograd of [false, true]) {
        const y = upConv(xt, k, winograd);
        assert.deepEqual(y.shape, [1, 2 * h, 2 * wd, O]);
        const got = y.dataSync();
        let err = 0;
        for (let e = 0; e < ref.length; e++) err = Math.max(err, Math.abs(got[e] - ref[e]));
        assert.ok(
          scale > 0.1 && err <= 1e-5 * scale,
          `winograd ${winograd}, f ${f1}: ${err} > 1e-5·${scale}`,
        );
        y.dispose();
      }
      xt.dispose();
      const before = tf.memory().numTensors;
      disposeUpConv(k);
      assert.ok(tf.memory().numTensors < before, 'disposeUpConv frees the prepared tensors');
    }
  });

test('conv0 preparation: a non-separable or non-4-tap filter is refused', () => {
  const w = new Float32Array(2 * 2 * 9).fill(1);
  const bumpy = Float32Array.from({ length: 16 }, (_, e) => (e === 5 ? 1 : 0.01));
  assert.throws(() => prepareUpConv(w, 2, 2, { data: bumpy, shape: [4, 4] }), /must be separable/);
  const three = Float32Array.from({ length: 9 }, () => 1 / 9);
  assert.throws(
    () => prepareUpConv(w, 2, 2, { data: three, shape: [3, 3] }),
    /needs a 4-tap filter, got 3×3/,
  );
});

test("the 'auto' rule takes F(2, 2) only for wide, big conv0s (measured, see upConvWinogradPays)", () => {
  assert.equal(upConvWinogradPays(16, 16, 512, 512), true);
  assert.equal(upConvWinogradPays(32, 32, 512, 256), true);
  assert.equal(upConvWinogradPays(4, 4, 512, 512), false); // fixed cost of the small ops
  assert.equal(upConvWinogradPays(128, 128, 128, 64), false); // transforms outweigh the products
});
