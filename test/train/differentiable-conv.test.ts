/**
 * `conv2dDiff`'s custom backward, checked
 * against central finite differences of a float64 evaluation: first order (∂L/∂x, ∂L/∂w of
 * L = Σ R ⊙ sin(conv(x, w))) and second order (∂/∂w and ∂/∂x of L₂ = Σ (∂L/∂x)², the shape of R1),
 * for strides 1 and 2, paddings 0 … k − 1 and kernels 1 and 3, on the wasm backend; the
 * Winograd kernels of training-sized stride-1 3 × 3 convs (forward, ∂L/∂x, ∂L/∂w) against float64
 * and against the direct path.
 * The same for tf.conv2d through the Conv2D gradient `ensureGradients` registers (forward
 * convolutions), also with asymmetric padding, padding beyond k − 1 and strides. Also the zero
 * gradients registered for comparisons, and argument errors.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/generator/backend.js';
import {
  conv2dDiff,
  conv2dDiffGradients,
  setTrainingConvAlgorithm,
  withoutWeightGradients,
} from '../../src/train/differentiable-conv.js';
import { ensureTrainingGradients } from '../../src/train/gradients.js';
import { Rng } from '../../src/generator/rng.js';

before(async () => {
  await setBackend('wasm');
  await ensureTrainingGradients();
});

interface Shape {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: number;
  stride: number;
  pad: number;
  /** Asymmetric padding [top, bottom, left, right] (tf.conv2d cases; default `pad` everywhere). */
  pads?: [number, number, number, number];
}

function padsOf(s: Shape): [number, number, number, number] {
  return s.pads ?? [s.pad, s.pad, s.pad, s.pad];
}

/** Float64 conv (NHWC × HWIO, zero padding, stride): y and its output size. */
function conv64(x: Float64Array, w: Float64Array, s: Shape): { y: Float64Array; ho: number; wo: number } {
  const { n, h, w: W, ci, co, k, stride } = s;
  const [pt, pb, pl, pr] = padsOf(s);
  const ho = Math.floor((h + pt + pb - k) / stride) + 1;
  const wo = Math.floor((W + pl + pr - k) / stride) + 1;
  const y = new Float64Array(n * ho * wo * co);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++)
        for (let o = 0; o < co; o++) {
          let acc = 0;
          for (let a = 0; a < k; a++)
            for (let c = 0; c < k; c++) {
              const yi = i * stride + a - pt;
              const xj = j * stride + c - pl;
              if (yi < 0 || yi >= h || xj < 0 || xj >= W) continue;
              for (let q = 0; q < ci; q++)
                acc += x[((b * h + yi) * W + xj) * ci + q] * w[((a * k + c) * ci + q) * co + o];
            }
          y[((b * ho + i) * wo + j) * co + o] = acc;
        }
  return { y, ho, wo };
}

/** L = Σ R ⊙ sin(y) and its exact float64 gradient with respect to x (the transposed conv). */
function loss64(
  x: Float64Array,
  w: Float64Array,
  R: Float64Array,
  s: Shape,
): { L: number; gx: Float64Array } {
  const { n, h, w: W, ci, co, k, stride } = s;
  const [pt, , pl] = padsOf(s);
  const { y, ho, wo } = conv64(x, w, s);
  let L = 0;
  const gx = new Float64Array(x.length);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++)
        for (let o = 0; o < co; o++) {
          const idx = ((b * ho + i) * wo + j) * co + o;
          L += R[idx] * Math.sin(y[idx]);
          const d = R[idx] * Math.cos(y[idx]);
          for (let a = 0; a < k; a++)
            for (let c = 0; c < k; c++) {
              const yi = i * stride + a - pt;
              const xj = j * stride + c - pl;
              if (yi < 0 || yi >= h || xj < 0 || xj >= W) continue;
              for (let q = 0; q < ci; q++)
                gx[((b * h + yi) * W + xj) * ci + q] += d * w[((a * k + c) * ci + q) * co + o];
            }
        }
  return { L, gx };
}

/** L₂ = Σ (∂L/∂x)² in float64. */
function reg64(x: Float64Array, w: Float64Array, R: Float64Array, s: Shape): number {
  const { gx } = loss64(x, w, R, s);
  let acc = 0;
  for (const v of gx) acc += v * v;
  return acc;
}

/** Central differences of f at every element of `v` (step 1e-6, float64). */
function numericGrad(v: Float64Array, f: () => number): Float64Array {
  const g = new Float64Array(v.length);
  const eps = 1e-6;
  for (let i = 0; i < v.length; i++) {
    const keep = v[i];
    v[i] = keep + eps;
    const fp = f();
    v[i] = keep - eps;
    const fm = f();
    v[i] = keep;
    g[i] = (fp - fm) / (2 * eps);
  }
  return g;
}

function assertGradClose(got: ArrayLike<number>, want: Float64Array, tol: number, what: string): void {
  let scale = 0;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  assert.ok(worst <= tol * scale, `${what}: max |Δ| ${worst} > ${tol}·${scale}`);
}

const shapes: Shape[] = [
  { n: 2, h: 5, w: 6, ci: 2, co: 3, k: 3, stride: 1, pad: 0 },
  { n: 2, h: 5, w: 5, ci: 2, co: 3, k: 3, stride: 1, pad: 1 },
  { n: 1, h: 4, w: 5, ci: 3, co: 2, k: 3, stride: 1, pad: 2 },
  { n: 2, h: 7, w: 6, ci: 2, co: 2, k: 3, stride: 2, pad: 1 },
  { n: 2, h: 6, w: 6, ci: 2, co: 3, k: 3, stride: 2, pad: 0 },
  { n: 2, h: 4, w: 4, ci: 3, co: 2, k: 1, stride: 1, pad: 0 },
  { n: 1, h: 6, w: 5, ci: 2, co: 2, k: 1, stride: 2, pad: 0 },
];

type Conv = (x: tf.Tensor4D, w: tf.Tensor4D, s: Shape) => tf.Tensor4D;
const impls: [string, Conv, Shape[]][] = [
  ['conv2dDiff', (x, w, s) => conv2dDiff(x, w, { stride: s.stride, pad: s.pad }), shapes],
  [
    'tf.conv2d (registered Conv2D gradient)',
    (x, w, s) => {
      const [t, b, l, r] = padsOf(s);
      return tf.conv2d(x, w, s.stride, [
        [0, 0],
        [t, b],
        [l, r],
        [0, 0],
      ]);
    },
    [
      ...shapes,
      { n: 2, h: 6, w: 7, ci: 2, co: 2, k: 3, stride: 2, pad: 0, pads: [0, 1, 1, 0] },
      { n: 1, h: 5, w: 4, ci: 2, co: 3, k: 3, stride: 1, pad: 0, pads: [2, 0, 0, 1] },
      { n: 2, h: 3, w: 8, ci: 3, co: 2, k: 4, stride: 2, pad: 0, pads: [3, 3, 0, 3] },
    ],
  ],
];

for (const [name, conv, cases] of impls)
  for (const s of cases) {
    const label = `k ${s.k}, stride ${s.stride}, pads ${padsOf(s).join('/')}, x [${s.n}, ${s.h}, ${s.w}, ${s.ci}] → ${s.co}`;
    test(`${name}: forward, first- and second-order gradients equal float64 finite differences (${label})`, () => {
      const rng = new Rng(`conv ${label}`);
      const x = Float64Array.from(rng.normals(s.n * s.h * s.w * s.ci));
      const w = Float64Array.from(rng.normals(s.k * s.k * s.ci * s.co), (v) => v * 0.5);
      // Round to float32 first, so that both sides see the same inputs.
      for (const a of [x, w]) for (let i = 0; i < a.length; i++) a[i] = Math.fround(a[i]);
      const { y, ho, wo } = conv64(x, w, s);
      const R = Float64Array.from(rng.normals(y.length), Math.fround);
      const xt = tf.tensor4d(Float32Array.from(x), [s.n, s.h, s.w, s.ci]);
      const wt = tf.tensor4d(Float32Array.from(w), [s.k, s.k, s.ci, s.co]);
      const Rt = tf.tensor4d(Float32Array.from(R), [s.n, ho, wo, s.co]);
      const yt = conv(xt, wt, s);
      assert.deepEqual(yt.shape, [s.n, ho, wo, s.co]);
      assertGradClose(yt.dataSync(), y, 1e-6, 'forward');

      const L = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(Rt, tf.sin(conv(a as tf.Tensor4D, b as tf.Tensor4D, s))));
      const [gx, gw] = tf.grads(L)([xt, wt]);
      assertGradClose(
        gx.dataSync(),
        numericGrad(x, () => loss64(x, w, R, s).L),
        1e-5,
        'first order ∂L/∂x',
      );
      assertGradClose(gx.dataSync(), loss64(x, w, R, s).gx, 1e-5, 'first order ∂L/∂x (exact)');
      assertGradClose(
        gw.dataSync(),
        numericGrad(w, () => loss64(x, w, R, s).L),
        1e-5,
        'first order ∂L/∂w',
      );

      // Second order: L₂ = Σ (∂L/∂x)², differentiated with respect to w and x.
      const L2 = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.grad((u: tf.Tensor) => L(u, b))(a)));
      const [g2x, g2w] = tf.grads(L2)([xt, wt]);
      assertGradClose(
        g2w.dataSync(),
        numericGrad(w, () => reg64(x, w, R, s)),
        1e-4,
        'second order ∂L₂/∂w',
      );
      assertGradClose(
        g2x.dataSync(),
        numericGrad(x, () => reg64(x, w, R, s)),
        1e-4,
        'second order ∂L₂/∂x',
      );
      tf.dispose([xt, wt, Rt, yt, gx, gw, g2x, g2w]);
    });
  }

/** ∂L/∂w of L = Σ R ⊙ sin(conv(x, w)) in float64 (stride 1, symmetric padding): Σ x̄ ⊗ (R ⊙ cos y). */
function weightGrad64(x: Float64Array, w: Float64Array, R: Float64Array, s: Shape): Float64Array {
  const { n, h, w: W, ci, co, k, pad } = s;
  const { y, ho, wo } = conv64(x, w, s);
  const gw = new Float64Array(k * k * ci * co);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++)
        for (let o = 0; o < co; o++) {
          const at = ((b * ho + i) * wo + j) * co + o;
          const g = R[at] * Math.cos(y[at]);
          for (let a = 0; a < k; a++)
            for (let c = 0; c < k; c++) {
              const yi = i + a - pad;
              const xj = j + c - pad;
              if (yi < 0 || yi >= h || xj < 0 || xj >= W) continue;
              for (let q = 0; q < ci; q++)
                gw[((a * k + c) * ci + q) * co + o] += x[((b * h + yi) * W + xj) * ci + q] * g;
            }
        }
  return gw;
}

// 24 × 24 outputs per sample (≥ 256 pixels), 3 × 3: the Winograd case, with channel counts that
// are multiples of the kernels' 4 and 8 and with counts that are padded to them (6 → 11).
for (const [ci, co] of [
  [4, 8],
  [6, 11],
])
  for (const pad of [0, 1, 2]) {
    test(`conv2dDiff on wasm, ${ci} → ${co} channels, pad ${pad}: the Winograd kernels run (forward, ∂L/∂x, ∂L/∂w), equal float64, and gradients of both orders equal the direct path's`, async () => {
      const s: Shape = { n: 2, h: 26 - 2 * pad, w: 26 - 2 * pad, ci, co, k: 3, stride: 1, pad };
      const rng = new Rng(`winograd ${pad} ${ci}`);
      const x = Float64Array.from(rng.normals(s.n * s.h * s.w * s.ci), Math.fround);
      const w = Float64Array.from(rng.normals(9 * s.ci * s.co), (v) => Math.fround(v * 0.5));
      const { y, ho, wo } = conv64(x, w, s);
      const R = Float64Array.from(rng.normals(y.length), Math.fround);
      const xt = tf.tensor4d(Float32Array.from(x), [s.n, s.h, s.w, s.ci]);
      const wt = tf.tensor4d(Float32Array.from(w), [3, 3, s.ci, s.co]);
      const Rt = tf.tensor4d(Float32Array.from(R), [s.n, ho, wo, s.co]);
      const conv = (a: tf.Tensor, b: tf.Tensor) => conv2dDiff(a as tf.Tensor4D, b as tf.Tensor4D, { pad });
      const L = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(Rt, tf.sin(conv(a, b))));
      const L2 = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.grad((u: tf.Tensor) => L(u, b))(a)));
      const run = () => {
        const yt = conv(xt, wt);
        const [gx, gw] = tf.grads(L)([xt, wt]);
        const [g2x, g2w] = tf.grads(L2)([xt, wt]);
        const out = [yt, gx, gw, g2x, g2w].map((t) => Float64Array.from(t.dataSync()));
        tf.dispose([yt, gx, gw, g2x, g2w]);
        return out;
      };
      try {
        setTrainingConvAlgorithm('auto');
        const prof = await tf.profile(() => tf.dispose(tf.grads(L)([xt, wt])));
        const count = (name: string) => prof.kernels.filter((k) => k.name === name).length;
        const names = [...new Set(prof.kernels.map((k) => k.name))].join(', ');
        assert.equal(count('AliasfreeWinogradConv'), 2, `forward and ∂L/∂x; kernels: ${names}`);
        assert.equal(count('AliasfreeWinogradWeightGrad'), 1, `∂L/∂w; kernels: ${names}`);
        assert.equal(count('Conv2D') + count('BatchMatMul'), 0, `no direct products; kernels: ${names}`);
        const fast = run();
        setTrainingConvAlgorithm('direct');
        const direct = run();
        assertGradClose(fast[0], y, 1e-5, 'Winograd forward against float64');
        assertGradClose(fast[1], loss64(x, w, R, s).gx, 1e-5, 'first order ∂L/∂x against float64');
        assertGradClose(fast[2], weightGrad64(x, w, R, s), 1e-5, 'first order ∂L/∂w against float64');
        const what = ['forward', '∂L/∂x', '∂L/∂w', '∂L₂/∂x', '∂L₂/∂w'];
        for (let i = 0; i < 5; i++)
          assertGradClose(fast[i], direct[i], i < 3 ? 1e-5 : 1e-4, `${what[i]}: Winograd against direct`);
      } finally {
        setTrainingConvAlgorithm('auto');
        tf.dispose([xt, wt, Rt]);
      }
    });
  }

test('withoutWeightGradients: the same ∂L/∂x, zeros for ∂L/∂w (strides 1 and 2, Winograd-sized and small), nesting', () => {
  for (const s of [
    { n: 2, h: 20, w: 20, ci: 8, co: 8, k: 3, stride: 1, pad: 1 },
    { n: 2, h: 7, w: 6, ci: 2, co: 3, k: 3, stride: 2, pad: 1 },
    { n: 1, h: 5, w: 5, ci: 3, co: 2, k: 1, stride: 1, pad: 0 },
  ] as Shape[]) {
    const rng = new Rng(`frozen ${s.h}`);
    const x = tf.tensor4d(rng.normals(s.n * s.h * s.w * s.ci), [s.n, s.h, s.w, s.ci]);
    const w = tf.tensor4d(rng.normals(s.k * s.k * s.ci * s.co), [s.k, s.k, s.ci, s.co]);
    const L = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.sin(conv2dDiff(a as tf.Tensor4D, b as tf.Tensor4D, { stride: s.stride, pad: s.pad })));
    const [gx, gw] = tf.grads(L)([x, w]);
    const [fx, fw] = withoutWeightGradients(() => withoutWeightGradients(() => tf.grads(L)([x, w])));
    assert.deepEqual(Array.from(fx.dataSync()), Array.from(gx.dataSync()), `∂L/∂x, stride ${s.stride}`);
    assert.ok(
      fw.dataSync().every((v) => v === 0),
      'zeros for ∂L/∂w',
    );
    assert.ok(
      gw.dataSync().some((v) => v !== 0),
      'outside, ∂L/∂w again',
    );
    // After the nested calls return, weight gradients are computed again.
    const [, again] = tf.grads(L)([x, w]);
    assert.deepEqual(Array.from(again.dataSync()), Array.from(gw.dataSync()));
    tf.dispose([x, w, gx, gw, fx, fw, again]);
  }
});

test('conv2dDiffGradients equals the gradients autograd takes through conv2dDiff (strides 1 and 2), and checks dy', () => {
  for (const s of [
    { n: 2, h: 20, w: 20, ci: 8, co: 8, k: 3, stride: 1, pad: 1 },
    { n: 2, h: 9, w: 8, ci: 3, co: 4, k: 3, stride: 2, pad: 1 },
  ] as Shape[]) {
    const rng = new Rng(`gradients ${s.stride}`);
    const x = tf.tensor4d(rng.normals(s.n * s.h * s.w * s.ci), [s.n, s.h, s.w, s.ci]);
    const w = tf.tensor4d(rng.normals(9 * s.ci * s.co), [3, 3, s.ci, s.co]);
    const opts = { stride: s.stride, pad: s.pad };
    const y = conv2dDiff(x, w, opts);
    const dy = tf.tensor4d(rng.normals(y.size), y.shape);
    const [ax, aw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(conv2dDiff(a as tf.Tensor4D, b as tf.Tensor4D, opts), dy)),
    )([x, w]);
    const [gx, gw] = conv2dDiffGradients(x, w, dy, opts);
    assertGradClose(gx.dataSync(), Float64Array.from(ax.dataSync()), 1e-6, `∂L/∂x, stride ${s.stride}`);
    assertGradClose(gw.dataSync(), Float64Array.from(aw.dataSync()), 1e-6, `∂L/∂w, stride ${s.stride}`);
    assert.throws(
      () => conv2dDiffGradients(x, w, tf.zeros([1, 2, 2, s.co]) as tf.Tensor4D, opts),
      /dy must have the conv's output shape \[2, \d+, \d+, \d+\], got \[1, 2, 2, \d+\]/,
    );
    tf.dispose([x, w, y, dy, ax, aw, gx, gw]);
  }
});

test('setTrainingConvAlgorithm refuses an unknown algorithm, naming it', () => {
  assert.throws(() => setTrainingConvAlgorithm('winograd' as 'auto'), /'auto' or 'direct', got "winograd"/);
});

test('comparisons have zero gradients (second-order masks of leaky ReLU and clamp)', () => {
  const x = tf.tensor1d([-1.5, -0.2, 0.3, 2]);
  // d/dx of Σ (∂ Σ lrelu(x)² / ∂x) = Σ 2·slope(x)²·x → 2·slope², mask terms contribute nothing.
  const g = tf.grad((v: tf.Tensor) =>
    tf.sum(tf.grad((u: tf.Tensor) => tf.sum(tf.square(tf.leakyRelu(u, 0.2))))(v)),
  )(x);
  const want = [2 * 0.04, 2 * 0.04, 2, 2];
  Array.from(g.dataSync()).forEach((v, i) =>
    assert.ok(Math.abs(v - want[i]) < 1e-6, `lrelu: ${v} vs ${want[i]}`),
  );
  const c = tf.grad((v: tf.Tensor) =>
    tf.sum(tf.grad((u: tf.Tensor) => tf.sum(tf.square(tf.clipByValue(u, -1, 1))))(v)),
  )(x);
  assert.deepEqual(Array.from(c.dataSync()), [0, 2, 2, 0]);
  tf.dispose([x, g, c]);
});

test('conv2dDiff: argument errors name the argument and the value', () => {
  const x = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
  const w = tf.zeros([3, 3, 2, 1]) as tf.Tensor4D;
  assert.throws(() => conv2dDiff(x, w, { pad: 3 }), /pad must be an integer in \[0, 2\].*got 3/);
  assert.throws(() => conv2dDiff(x, w, { stride: 0 }), /stride must be an integer >= 1, got 0/);
  assert.throws(
    () => conv2dDiff(x, tf.zeros([3, 3, 3, 1]) as tf.Tensor4D),
    /input channels 3 must equal x channels 2/,
  );
  assert.throws(() => conv2dDiff(tf.zeros([4, 4, 2]) as unknown as tf.Tensor4D, w), /x must be rank 4/);
  assert.throws(() => conv2dDiff(tf.zeros([1, 1, 1, 2]) as tf.Tensor4D, w), /smaller than the kernel 3×3/);
  tf.dispose([x, w]);
});
