/**
 * The training speed-ups that must not change a value: the wasm `LeakyRelu` override (x·step(x, α))
 * and the `BatchMatMul` override (transposed operands made explicit) give the original kernels'
 * bits, the sharing `Identity` keeps clones valid and frees memory
 * exactly once, and the float-op gradients of LeakyRelu and ClipByValue equal tfjs-core's
 * gradients bit for bit (also at 0, −0 and the clip bounds), central float64 finite differences
 * away from the kinks, and the analytic second derivative of a penalty of the R1 shape.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/generator/backend.js';
import { Rng } from '../../src/generator/rng.js';
import { installWasmKernelOverrides } from '../../src/train/wasm-kernel-overrides.js';
import { ensureTrainingGradients } from '../../src/train/gradients.js';
import { trackWasmHeap } from '../helpers/wasm-heap.js';
import { leakyReluGradConfig } from '@tensorflow/tfjs-core/dist/gradients/LeakyRelu_grad.js';
import { clipByValueGradConfig } from '@tensorflow/tfjs-core/dist/gradients/ClipByValue_grad.js';

const bits = (t: tf.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));

/** Random values plus the special ones: 0, −0, ±clamp, just inside and outside, NaN-free. */
function values(n: number, clamp: number): Float32Array {
  const r = new Rng(7).normals(n);
  const v = Float32Array.from(r, (x) => x * clamp);
  v.set([
    0,
    -0,
    clamp,
    -clamp,
    Math.fround(clamp * (1 + 2 ** -20)),
    -Math.fround(clamp * (1 - 2 ** -20)),
    1e-30,
    -1e-30,
  ]);
  return v;
}

let originalLrelu: number[] = [];
const x0 = values(4096, 3);

/** Matrix-product cases [batch, m, k, n] and flags, and the original kernel's bits for each. */
const mmCases: [number[], boolean, boolean][] = [
  [[1, 37, 29, 11], false, true],
  [[1, 37, 29, 11], true, false],
  [[3, 16, 40, 24], true, true],
  [[2, 65, 300, 33], false, true],
];
const mmOperands = mmCases.map(([[b, m, k, n], ta, tb], i) => {
  const rng = new Rng(100 + i);
  return {
    a: { data: Float32Array.from(rng.normals(b * m * k)), shape: ta ? [b, k, m] : [b, m, k] },
    b: { data: Float32Array.from(rng.normals(b * k * n)), shape: tb ? [b, n, k] : [b, k, n] },
  };
});
let originalMatMul: number[][] = [];
const matMulBits = () =>
  mmCases.map(([, ta, tb], i) => {
    const o = mmOperands[i];
    const a = tf.tensor3d(o.a.data, o.a.shape as [number, number, number]);
    const b = tf.tensor3d(o.b.data, o.b.shape as [number, number, number]);
    const y = tf.matMul(a, b, ta, tb);
    const out = bits(y);
    tf.dispose([a, b, y]);
    return out;
  });

before(async () => {
  await setBackend('wasm');
  // The original wasm kernel first (the overrides are process-wide once installed).
  const y = tf.leakyRelu(tf.tensor1d(x0), 0.2);
  originalLrelu = bits(y);
  y.dispose();
  originalMatMul = matMulBits();
  installWasmKernelOverrides();
  await ensureTrainingGradients();
});

test('wasm LeakyRelu override: the original kernel’s bits (α 0.2, with ±0 and tiny values)', () => {
  const x = tf.tensor1d(x0);
  const y = tf.leakyRelu(x, 0.2);
  assert.deepEqual(bits(y), originalLrelu);
  tf.dispose([x, y]);
});

test('wasm BatchMatMul override: transposed operands give the original kernel’s bits and free their copies', () => {
  const before = tf.memory().numTensors;
  let got: number[][] = [];
  const heap = trackWasmHeap(() => {
    got = matMulBits();
  });
  assert.equal(heap.error, null);
  assert.equal(heap.live.size, 0, 'no heap block left');
  assert.equal(tf.memory().numTensors, before);
  got.forEach((g, i) => assert.deepEqual(g, originalMatMul[i], `case ${i}: ${mmCases[i]}`));
  // The flags still reach the values: Aᵀ·B differs from A·B for a square A.
  const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
  const e = tf.eye(2);
  assert.deepEqual(Array.from(tf.matMul(a, e, true, false).dataSync()), [1, 3, 2, 4]);
  tf.dispose([a, e]);
});

test('wasm Identity override: clones share data, stay valid after the source is freed, free once', () => {
  const { live, allocations, error } = trackWasmHeap(() => {
    const x = tf.tensor1d(x0);
    const c = tf.clone(x);
    assert.equal(c.dataId, x.dataId, 'the clone shares the data');
    const want = bits(x);
    x.dispose();
    assert.deepEqual(bits(c), want);
    const v = tf.variable(c);
    const z = tf.zerosLike(v);
    v.assign(z); // assignment swaps the variable's data; c keeps its own
    assert.deepEqual(bits(c), want);
    tf.dispose([c, v, z]);
  });
  assert.equal(error, null);
  assert.ok(allocations >= 2, `${allocations} allocations`);
  assert.equal(live.size, 0, 'everything freed');
});

function gradOf(cfg: tf.GradConfig, x: tf.Tensor, dy: tf.Tensor, attrs: Record<string, unknown>): tf.Tensor {
  const g = cfg.gradFunc(dy, [x], attrs as unknown as tf.NamedAttrMap) as Record<string, () => tf.Tensor>;
  return g.x();
}

test('LeakyRelu and ClipByValue gradients: tfjs-core’s values bit for bit (kinks and bounds included)', () => {
  const x = tf.tensor1d(x0);
  const dy = tf.tensor1d(new Rng(8).normals(x0.length));
  const reg = (name: string) => tf.getGradient(name)!;
  for (const alpha of [0.2, 0.01]) {
    const ours = gradOf(reg('LeakyRelu'), x, dy, { alpha });
    const ref = gradOf(leakyReluGradConfig, x, dy, { alpha });
    assert.deepEqual(bits(ours), bits(ref), `LeakyRelu α ${alpha}`);
    tf.dispose([ours, ref]);
  }
  for (const [lo, hi] of [
    [-3, 3],
    [-1, 2.5],
  ]) {
    const attrs = { clipValueMin: lo, clipValueMax: hi };
    const ours = gradOf(reg('ClipByValue'), x, dy, attrs);
    const ref = gradOf(clipByValueGradConfig, x, dy, attrs);
    // Equal as numbers (outside the bounds ours may be −0 where tfjs-core gives +0).
    assert.deepEqual(Array.from(ours.dataSync()), Array.from(ref.dataSync()), `clip [${lo}, ${hi}]`);
    // x[2] = 3, x[3] = −3: on the bounds of [−3, 3] (inside), outside [−1, 2.5].
    const inside = lo === -3;
    assert.equal(ours.dataSync()[2], inside ? dy.dataSync()[2] : 0, `x = 3, clip [${lo}, ${hi}]`);
    assert.equal(ours.dataSync()[3], inside ? dy.dataSync()[3] : 0, `x = −3, clip [${lo}, ${hi}]`);
    tf.dispose([ours, ref]);
  }
  tf.dispose([x, dy]);
});

test('float64 finite differences: L = Σ r·clip(lrelu(x·w)·g, ±c) and the R1-shaped second order', () => {
  const n = 64;
  const rng = new Rng(9);
  const xs = Array.from({ length: n }, () => rng.normal() * 2);
  const rs = Array.from({ length: n }, () => rng.normal());
  const alpha = 0.2;
  const gain = Math.SQRT2;
  const c = 1.5;
  const w = 1.3;
  // Float64 reference of L(w) and of P(w) = Σ (∂L/∂x_i)².
  const L64 = (wv: number) =>
    xs.reduce((s, xi, i) => {
      const u = xi * wv;
      return s + rs[i] * Math.min(Math.max((u > 0 ? u : alpha * u) * gain, -c), c);
    }, 0);
  const P64 = (wv: number) =>
    xs.reduce((s, xi, i) => {
      const u = xi * wv;
      const y = (u > 0 ? u : alpha * u) * gain;
      const d = Math.abs(y) <= c ? rs[i] * gain * (u > 0 ? 1 : alpha) * wv : 0;
      return s + d * d;
    }, 0);
  // Keep the sample points off the kinks for the finite differences (|u| and |y| − c not tiny).
  for (const xi of xs) {
    const u = xi * w;
    assert.ok(Math.abs(u) > 1e-3 && Math.abs(Math.abs((u > 0 ? u : alpha * u) * gain) - c) > 1e-3, `x ${xi}`);
  }
  const h = 1e-6;
  const fd = (f: (v: number) => number) => (f(w + h) - f(w - h)) / (2 * h);
  const x = tf.tensor1d(xs);
  const r = tf.tensor1d(rs);
  const f = (wt: tf.Tensor) =>
    tf.sum(tf.mul(r, tf.clipByValue(tf.mul(tf.leakyRelu(tf.mul(x, wt), alpha), gain), -c, c)));
  const wT = tf.scalar(w);
  const g1 = tf.grad(f)(wT).dataSync()[0];
  assert.ok(Math.abs(g1 - fd(L64)) <= 1e-4 * Math.max(1, Math.abs(fd(L64))), `∂L/∂w ${g1} vs ${fd(L64)}`);
  // Second order: P(w) = Σ (∂L/∂x)², differentiated with respect to w through the masks.
  const P = (wt: tf.Tensor) =>
    tf.sum(
      tf.square(
        tf.grad((xt: tf.Tensor) =>
          tf.sum(tf.mul(r, tf.clipByValue(tf.mul(tf.leakyRelu(tf.mul(xt, wt), alpha), gain), -c, c))),
        )(x),
      ),
    );
  const p = P(wT).dataSync()[0];
  assert.ok(Math.abs(p - P64(w)) <= 1e-5 * P64(w), `P ${p} vs ${P64(w)}`);
  const g2 = tf.grad(P)(wT).dataSync()[0];
  assert.ok(Math.abs(g2 - fd(P64)) <= 1e-4 * Math.abs(fd(P64)), `∂P/∂w ${g2} vs ${fd(P64)}`);
  assert.ok(Math.abs(fd(P64)) > 1, 'the second-order term is not trivially zero');
  tf.dispose([x, r, wT]);
});
