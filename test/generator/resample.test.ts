/**
 * The tfjs resampling ops (src/generator/ops/resample.ts) against the official upfirdn2d family
 * (every float32 case of test/golden/upfirdn, |Δ| ≤ 1e-5·max|ref|) and conv2d_resample against a
 * float64 reference built from src/signal (upfirdn2d, then a direct correlation — the definition
 * that the official fast paths implement). Gradients are checked through the adjoint identity of a
 * linear map: for y = A(x), tf.grad of ⟨y, r⟩ is Aᵀr, so ⟨Aᵀr, x₂⟩ must equal ⟨A x₂, r⟩ for any x₂.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import ndarray from 'ndarray';
import type { NdArray } from 'ndarray';
import { manifest, npy, assertCloseToMax, type GoldenCase } from '../helpers/golden.js';
import { setBackend } from '../../src/generator/backend.js';
import { Rng } from '../../src/generator/rng.js';
import { upfirdn2d } from '../../src/signal/upfirdn2d.js';
import {
  upfirdn2dTf,
  filter2dTf,
  upsample2dTf,
  downsample2dTf,
  conv2dResampleTf,
  type ResampleFilter,
} from '../../src/generator/ops/resample.js';
import { ensureGradients } from '../../src/generator/ops/gradients.js';

before(async () => {
  await setBackend('wasm');
  await ensureGradients();
});

const GROUP = 'upfirdn';

function tensorOf(file: string): tf.Tensor4D {
  const a = npy(GROUP, file);
  return tf.tensor4d(
    Float32Array.from(a.data as ArrayLike<number>),
    a.shape as [number, number, number, number],
  );
}

function filterOf(c: GoldenCase): ResampleFilter | null {
  if (!c.inputs.f || c.params.f_is_none) return null;
  const a = npy(GROUP, c.inputs.f);
  const data = Float64Array.from(a.data as ArrayLike<number>);
  return a.shape.length === 2 ? { data, shape: [a.shape[0], a.shape[1]] } : data;
}

const OPS: Record<string, (x: tf.Tensor4D, f: ResampleFilter | null, p: Record<string, any>) => tf.Tensor4D> =
  {
    'torch_utils.ops.upfirdn2d.upfirdn2d': (x, f, p) =>
      upfirdn2dTf(x, f, {
        up: p.up,
        down: p.down,
        padding: p.padding,
        flipFilter: p.flip_filter,
        gain: p.gain,
      }),
    'torch_utils.ops.upfirdn2d.filter2d': (x, f, p) =>
      filter2dTf(x, f, { padding: p.padding, flipFilter: p.flip_filter, gain: p.gain }),
    'torch_utils.ops.upfirdn2d.upsample2d': (x, f, p) =>
      upsample2dTf(x, f, { up: p.up, padding: p.padding, flipFilter: p.flip_filter, gain: p.gain }),
    'torch_utils.ops.upfirdn2d.downsample2d': (x, f, p) =>
      downsample2dTf(x, f, { down: p.down, padding: p.padding, flipFilter: p.flip_filter, gain: p.gain }),
  };

const cases = manifest(GROUP).filter((c) => c.fn in OPS);
test('the upfirdn golden group has tfjs-comparable cases', () => {
  assert.ok(cases.length >= 20, `only ${cases.length} cases`);
});
for (const c of cases) {
  test(`upfirdn2dTf golden: ${c.name}`, () => {
    const x = tensorOf(c.inputs.x);
    const y = OPS[c.fn](x, filterOf(c), c.params);
    const expected = npy(GROUP, c.outputs.y);
    assert.deepEqual(y.shape, expected.shape);
    assertCloseToMax(y.dataSync(), expected.data as ArrayLike<number>, 1e-5, c.name);
    tf.dispose([x, y]);
  });
}

// ---------------------------------------------------------------------------------------------
// conv2d_resample against a float64 reference
// ---------------------------------------------------------------------------------------------

/** Float64 correlation of NCHW x with OIHW w (stride s, no padding). */
function correlate(x: NdArray<Float64Array>, w: Float64Array, wShape: number[], s: number) {
  const [n, c, h, wd] = x.shape;
  const [o, , kh, kw] = wShape;
  const oh = Math.floor((h - kh) / s) + 1;
  const ow = Math.floor((wd - kw) / s) + 1;
  const out = new Float64Array(n * o * oh * ow);
  for (let b = 0; b < n; b++)
    for (let q = 0; q < o; q++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let acc = 0;
          for (let p = 0; p < c; p++)
            for (let u = 0; u < kh; u++)
              for (let v = 0; v < kw; v++)
                acc += x.get(b, p, i * s + u, j * s + v) * w[((q * c + p) * kh + u) * kw + v];
          out[((b * o + q) * oh + i) * ow + j] = acc;
        }
  return ndarray(out, [n, o, oh, ow]);
}

/**
 * The definition conv2d_resample implements: x ↑up with f (gain up², padding adjusted as the
 * official function does), correlation with w (flipped when flipWeight is false) at stride `down`
 * — with the filter before the strided conv when downsampling.
 */
function referenceConvResample(
  x: NdArray<Float64Array>,
  w: Float64Array,
  wShape: number[],
  f: number[],
  up: number,
  down: number,
  pad: number,
  flipWeight: boolean,
): NdArray<Float64Array> {
  const [, , kh, kw] = wShape;
  const fw = f.length;
  const fl = Math.floor;
  let p0 = pad;
  let p1 = pad;
  if (up > 1) {
    p0 += fl((fw + up - 1) / 2);
    p1 += fl((fw - up) / 2);
  }
  if (down > 1) {
    p0 += fl((fw - down + 1) / 2);
    p1 += fl((fw - down) / 2);
  }
  let wk = w;
  if (!flipWeight) {
    wk = new Float64Array(w.length);
    const per = kh * kw;
    for (let base = 0; base < w.length; base += per)
      for (let i = 0; i < per; i++) wk[base + i] = w[base + per - 1 - i];
  }
  if (up > 1) {
    const xu = upfirdn2d(x, f, { up, padding: [p0, p1, p0, p1], gain: up * up }) as NdArray<Float64Array>;
    return correlate(xu, wk, wShape, 1);
  }
  if (down > 1) {
    const xf = upfirdn2d(x, f, { padding: [p0, p1, p0, p1] }) as NdArray<Float64Array>;
    return correlate(xf, wk, wShape, down);
  }
  const xp = upfirdn2d(x, null, { padding: [p0, p1, p0, p1] }) as NdArray<Float64Array>;
  return correlate(xp, wk, wShape, 1);
}

const F1331 = [1, 3, 3, 1];
const convCases: { name: string; k: number; up: number; down: number; pad: number; flipWeight: boolean }[] = [
  {
    name: '3×3 up 2 (SynthesisLayer conv0: padding 1, flip_weight False)',
    k: 3,
    up: 2,
    down: 1,
    pad: 1,
    flipWeight: false,
  },
  { name: '3×3 up 2, flip_weight True', k: 3, up: 2, down: 1, pad: 1, flipWeight: true },
  {
    name: '3×3 down 2 (DiscriminatorBlock conv1: padding 1)',
    k: 3,
    up: 1,
    down: 2,
    pad: 1,
    flipWeight: true,
  },
  { name: '1×1 down 2 (resnet skip of D)', k: 1, up: 1, down: 2, pad: 0, flipWeight: true },
  { name: '1×1 up 2 (resnet skip of G)', k: 1, up: 2, down: 1, pad: 0, flipWeight: false },
  { name: '3×3 plain, padding 1', k: 3, up: 1, down: 1, pad: 1, flipWeight: true },
  { name: '3×3 plain, flipped, padding 0', k: 3, up: 1, down: 1, pad: 0, flipWeight: false },
];

for (const cc of convCases) {
  test(`conv2dResampleTf vs float64 definition: ${cc.name}`, () => {
    const rng = new Rng(`conv2d_resample ${cc.name}`);
    const [n, cin, cout, h, wd] = [2, 3, 4, 7, 6];
    const xd = Float64Array.from(rng.normals(n * cin * h * wd));
    const wShape = [cout, cin, cc.k, cc.k];
    const wd64 = Float64Array.from(rng.normals(cout * cin * cc.k * cc.k));
    const expected = referenceConvResample(
      ndarray(xd, [n, cin, h, wd]),
      wd64,
      wShape,
      F1331,
      cc.up,
      cc.down,
      cc.pad,
      cc.flipWeight,
    );
    const x = tf.tensor4d(Float32Array.from(xd), [n, cin, h, wd]);
    const w = tf.tensor4d(Float32Array.from(wd64), wShape as [number, number, number, number]);
    const opts = { f: F1331, up: cc.up, down: cc.down, padding: cc.pad, flipWeight: cc.flipWeight };
    const y = conv2dResampleTf(x, w, opts);
    assert.deepEqual(y.shape, expected.shape);
    assertCloseToMax(y.dataSync(), expected.data, 1e-5, cc.name);

    // Gradients (adjoint identity) with respect to x and to w.
    const r = tf.tensor4d(rng.normals(y.size), y.shape);
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(conv2dResampleTf(a as tf.Tensor4D, b as tf.Tensor4D, opts), r)),
    )([x, w]);
    const x2 = Float64Array.from(rng.normals(x.size));
    const w2 = Float64Array.from(rng.normals(w.size));
    const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      let s = 0;
      for (let i = 0; i < a.length; i++) s += a[i] * b[i];
      return s;
    };
    const rd = r.dataSync();
    const ax2 = referenceConvResample(
      ndarray(x2, x.shape),
      wd64,
      wShape,
      F1331,
      cc.up,
      cc.down,
      cc.pad,
      cc.flipWeight,
    );
    const aw2 = referenceConvResample(
      ndarray(xd, x.shape),
      w2,
      wShape,
      F1331,
      cc.up,
      cc.down,
      cc.pad,
      cc.flipWeight,
    );
    const lhsX = dot(gx.dataSync(), x2);
    const lhsW = dot(gw.dataSync(), w2);
    const rhsX = dot(ax2.data, rd);
    const rhsW = dot(aw2.data, rd);
    const scale = Math.sqrt(x.size * y.size) * 3;
    assert.ok(Math.abs(lhsX - rhsX) <= 1e-4 * scale, `⟨∂/∂x, x₂⟩ ${lhsX} vs ⟨A x₂, r⟩ ${rhsX}`);
    assert.ok(Math.abs(lhsW - rhsW) <= 1e-4 * scale, `⟨∂/∂w, w₂⟩ ${lhsW} vs ⟨A(w₂), r⟩ ${rhsW}`);
    tf.dispose([x, w, y, r, gx, gw]);
  });
}

test('upfirdn2dTf gradient with respect to x (up 2, down 2, crop, 2-D filter) is the adjoint', () => {
  const rng = new Rng('upfirdn adjoint');
  const f = { data: Float64Array.from(rng.normals(12)), shape: [3, 4] as [number, number] };
  const opts = {
    up: [2, 1] as [number, number],
    down: [1, 2] as [number, number],
    padding: [2, -1, 3, 1] as [number, number, number, number],
    gain: 1.5,
  };
  const x = tf.tensor4d(rng.normals(2 * 2 * 5 * 6), [2, 2, 5, 6]);
  const y = upfirdn2dTf(x, f, opts);
  const r = tf.tensor4d(rng.normals(y.size), y.shape);
  const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(upfirdn2dTf(a as tf.Tensor4D, f, opts), r)))(x);
  const x2 = Float64Array.from(rng.normals(x.size));
  const y2 = upfirdn2d(ndarray(x2, x.shape), f.data.length ? ndarray(f.data, f.shape) : null, opts);
  const rd = r.dataSync();
  const gd = g.dataSync();
  let lhs = 0;
  let rhs = 0;
  for (let i = 0; i < x2.length; i++) lhs += gd[i] * x2[i];
  for (let i = 0; i < rd.length; i++) rhs += (y2.data as Float64Array)[i] * rd[i];
  assert.ok(Math.abs(lhs - rhs) <= 1e-4 * Math.sqrt(x.size * y.size) * 3, `${lhs} vs ${rhs}`);
  tf.dispose([x, y, r, g]);
});

test('resample ops: bad arguments throw errors naming them', () => {
  const x = tf.zeros([1, 1, 4, 4]) as tf.Tensor4D;
  const w = tf.zeros([2, 1, 3, 3]) as tf.Tensor4D;
  assert.throws(() => upfirdn2dTf(x, [1, 3, 3, 1], { up: 0 }), /up must be an integer >= 1/);
  assert.throws(() => upfirdn2dTf(x, [1, NaN], {}), /f\[1\] must be a finite number/);
  assert.throws(() => upfirdn2dTf(x, [1], { padding: [1, 2, 3] as never }), /padding must be/);
  assert.throws(() => upfirdn2dTf(x, [1, 3, 3, 1], { padding: -4 }), /has no output/);
  assert.throws(() => upfirdn2dTf(tf.zeros([4, 4]) as never, null), /x must be rank 4/);
  assert.throws(() => conv2dResampleTf(x, w, { up: 1.5 }), /up must be an integer >= 1, got 1.5/);
  assert.throws(() => conv2dResampleTf(tf.zeros([1, 3, 4, 4]) as tf.Tensor4D, w), /x must have 1 channels/);
  tf.dispose([x, w]);
});

test('resample ops leave no tensors behind', () => {
  const x = tf.ones([1, 2, 5, 5]) as tf.Tensor4D;
  const w = tf.ones([3, 2, 3, 3]) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  for (const opts of [{ up: 2, padding: 1 }, { down: 2, padding: 1 }, { padding: 1 }]) {
    tf.dispose(conv2dResampleTf(x, w, { f: F1331, ...opts }));
  }
  tf.dispose(upsample2dTf(x, F1331));
  tf.dispose(downsample2dTf(x, F1331));
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, w]);
});
