/**
 * `firFilter2d` (per-channel FIR filtering with a constant filter, the discriminator's blur) on the
 * wasm backend against a float64 evaluation written here: the forward, ∂L/∂x of
 * L = Σ R ⊙ sin(fir(x)), and ∂/∂x of L₂ = Σ (∂L/∂x)² (the shape of R1) by central finite
 * differences, for strides 1 and 2, paddings 0 … k − 1 and an asymmetric filter, on the wasm
 * kernel and (off wasm) on depthwise convolutions; argument errors.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/generator/backend.js';
import { ensureTrainingGradients } from '../../src/train/gradients.js';
import { FirFilter, firFilter2d } from '../../src/train/differentiable-fir.js';
import { Rng } from '../../src/generator/rng.js';
import { firFilterKernel } from '../../src/generator/kernels/fir-filter.js';
import { SOURCE_SHA256, WASM_BASE64 } from '../../src/generator/kernels/fir-filter-wasm.js';
import { assertHeapKernelModule } from '../helpers/wasm-module.js';
import { trackWasmHeap } from '../helpers/wasm-heap.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

before(async () => {
  await setBackend('wasm');
  await ensureTrainingGradients();
});

interface Case {
  n: number;
  h: number;
  w: number;
  c: number;
  pad: number;
  stride: number;
}

const K = 4;
/** An asymmetric 4×4 filter (so a wrong flip shows). */
const TAPS = Float64Array.from({ length: K * K }, (_, i) => Math.fround(((i * 7) % 11) / 10 - 0.3));

function outSize(c: Case): [number, number] {
  return [Math.floor((c.h + 2 * c.pad - K) / c.stride) + 1, Math.floor((c.w + 2 * c.pad - K) / c.stride) + 1];
}

/** y = fir(x) in float64 (NHWC). */
function fir64(x: Float64Array, c: Case): Float64Array {
  const [ho, wo] = outSize(c);
  const y = new Float64Array(c.n * ho * wo * c.c);
  for (let b = 0; b < c.n; b++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++)
        for (let ch = 0; ch < c.c; ch++) {
          let acc = 0;
          for (let a = 0; a < K; a++)
            for (let e = 0; e < K; e++) {
              const yi = c.stride * i + a - c.pad;
              const xj = c.stride * j + e - c.pad;
              if (yi < 0 || yi >= c.h || xj < 0 || xj >= c.w) continue;
              acc += x[((b * c.h + yi) * c.w + xj) * c.c + ch] * TAPS[a * K + e];
            }
          y[((b * ho + i) * wo + j) * c.c + ch] = acc;
        }
  return y;
}

/** ∂L/∂x of L = Σ g ⊙ fir(x) (the adjoint of fir64 applied to g). */
function firAdjoint64(g: Float64Array, c: Case): Float64Array {
  const [ho, wo] = outSize(c);
  const gx = new Float64Array(c.n * c.h * c.w * c.c);
  for (let b = 0; b < c.n; b++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++)
        for (let ch = 0; ch < c.c; ch++) {
          const gv = g[((b * ho + i) * wo + j) * c.c + ch];
          for (let a = 0; a < K; a++)
            for (let e = 0; e < K; e++) {
              const yi = c.stride * i + a - c.pad;
              const xj = c.stride * j + e - c.pad;
              if (yi < 0 || yi >= c.h || xj < 0 || xj >= c.w) continue;
              gx[((b * c.h + yi) * c.w + xj) * c.c + ch] += gv * TAPS[a * K + e];
            }
        }
  return gx;
}

/** ∂L/∂x of L = Σ R ⊙ sin(fir(x)). */
function grad64(x: Float64Array, R: Float64Array, c: Case): Float64Array {
  const y = fir64(x, c);
  return firAdjoint64(
    y.map((v, i) => R[i] * Math.cos(v)),
    c,
  );
}

function assertClose(got: ArrayLike<number>, want: Float64Array, tol: number, what: string): void {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    worst = Math.max(worst, Math.abs(got[i] - want[i]));
  }
  assert.ok(worst <= tol * scale, `${what}: max |Δ| ${worst} > ${tol}·${scale}`);
}

const cases: Case[] = [
  { n: 2, h: 6, w: 7, c: 3, pad: 0, stride: 1 },
  { n: 1, h: 6, w: 6, c: 2, pad: 1, stride: 1 },
  { n: 2, h: 5, w: 6, c: 2, pad: 2, stride: 1 },
  { n: 1, h: 5, w: 5, c: 3, pad: 3, stride: 1 },
  { n: 2, h: 8, w: 8, c: 2, pad: 1, stride: 2 },
  { n: 1, h: 7, w: 6, c: 3, pad: 2, stride: 2 },
  { n: 1, h: 9, w: 9, c: 2, pad: 0, stride: 2 },
];

/** The forward, ∂L/∂x and ∂L₂/∂x of case c on the current backend against float64; the kernels that ran. */
async function checkCase(c: Case): Promise<string[]> {
  const rng = new Rng(`fir ${c.pad} ${c.stride} ${c.h}`);
  const x = Float64Array.from(rng.normals(c.n * c.h * c.w * c.c), Math.fround);
  const y = fir64(x, c);
  const R = Float64Array.from(rng.normals(y.length), Math.fround);
  const f = new FirFilter(TAPS, K, K);
  const xt = tf.tensor4d(Float32Array.from(x), [c.n, c.h, c.w, c.c]);
  const [ho, wo] = outSize(c);
  const Rt = tf.tensor4d(Float32Array.from(R), [c.n, ho, wo, c.c]);
  const L = (u: tf.Tensor) => tf.sum(tf.mul(Rt, tf.sin(firFilter2d(u as tf.Tensor4D, f, c.pad, c.stride))));
  const L2 = (u: tf.Tensor) => tf.sum(tf.square(tf.grad(L)(u)));
  const yt = firFilter2d(xt, f, c.pad, c.stride);
  assert.deepEqual(yt.shape, [c.n, ho, wo, c.c]);
  assertClose(yt.dataSync(), y, 1e-6, 'forward');
  const gx = tf.grad(L)(xt);
  assertClose(gx.dataSync(), grad64(x, R, c), 1e-5, '∂L/∂x');
  // ∂L₂/∂x by central differences of the float64 L₂.
  const l2 = (v: Float64Array) => grad64(v, R, c).reduce((s, g) => s + g * g, 0);
  const want = new Float64Array(x.length);
  const eps = 1e-4;
  for (let i = 0; i < x.length; i++) {
    const p = Float64Array.from(x);
    p[i] += eps;
    const m = Float64Array.from(x);
    m[i] -= eps;
    want[i] = (l2(p) - l2(m)) / (2 * eps);
  }
  const prof = await tf.profile(() => tf.dispose(tf.grad(L2)(xt)));
  const g2 = tf.grad(L2)(xt);
  assertClose(g2.dataSync(), want, 1e-4, '∂L₂/∂x');
  tf.dispose([xt, Rt, yt, gx, g2]);
  f.dispose();
  return [...new Set(prof.kernels.map((k) => k.name))];
}

for (const c of cases) {
  test(`firFilter2d pad ${c.pad}, stride ${c.stride}, ${c.h}×${c.w}: forward, first and second order against float64 (wasm kernel)`, async () => {
    const kernels = await checkCase(c);
    assert.ok(kernels.includes('AliasfreeFirFilter'), `kernels: ${kernels.join(', ')}`);
  });
}

test('firFilter2d off the wasm backend runs on depthwise convolutions, with the same values', async () => {
  await setBackend('cpu');
  try {
    for (const c of [cases[1], cases[4], cases[5]]) {
      const kernels = await checkCase(c);
      assert.ok(kernels.includes('DepthwiseConv2dNative'), `kernels: ${kernels.join(', ')}`);
      assert.ok(!kernels.includes('AliasfreeFirFilter'));
    }
  } finally {
    await setBackend('wasm');
  }
});

test('firFilter2d: argument errors name the argument and the value; a disposed filter refuses', () => {
  const f = new FirFilter(TAPS, K, K);
  const x = tf.zeros([1, 6, 6, 2]) as tf.Tensor4D;
  assert.throws(() => firFilter2d(x, f, 4, 1), /pad must be an integer in \[0, 3\], got 4/);
  assert.throws(() => firFilter2d(x, f, 1, 0), /stride must be an integer >= 1, got 0/);
  assert.throws(
    () => firFilter2d(tf.zeros([1, 1, 1, 2]) as tf.Tensor4D, f, 0, 1),
    /smaller than the filter 4×4/,
  );
  assert.throws(() => new FirFilter([1, 2, 3], 2, 2), /a 2×2 filter needs 4 taps, got 3/);
  assert.throws(
    () => firFilter2d(x, new FirFilter([1, 2], 1, 2), 0, 1),
    /the filter must be square, got 1×2/,
  );
  f.dispose();
  assert.throws(() => firFilter2d(x, f, 1, 1), /this FIR filter was disposed/);
  x.dispose();
});

test('the FIR kernel: built from the current C source, imports only a memory, a call leaves only its output, bad input refused', () => {
  const src = readFileSync(new URL('../../src/generator/kernels/fir-filter.c', import.meta.url));
  assert.equal(
    createHash('sha256').update(src).digest('hex'),
    SOURCE_SHA256,
    'fir-filter.c changed: run scripts/build-kernels.sh',
  );
  assertHeapKernelModule(WASM_BASE64, ['fir_filter']);
  const x = tf.ones([1, 5, 5, 3]) as tf.Tensor4D;
  const taps = tf.ones([16]);
  let y: tf.Tensor | null = null;
  const heap = trackWasmHeap(() => {
    y = firFilterKernel(x, taps, { kh: 4, kw: 4, pad: 1, stride: 2 });
  });
  assert.equal(heap.error, null);
  assert.equal(heap.live.size, 1, 'only the output stays');
  // 5 + 2 − 4 = 3 → ⌊3/2⌋ + 1 = 2 outputs per axis; the first sees a 3 × 3 corner of ones.
  assert.deepEqual(y!.shape, [1, 2, 2, 3]);
  assert.equal(y!.dataSync()[0], 9);
  assert.throws(
    () => firFilterKernel(x, tf.ones([9]), { kh: 4, kw: 4, pad: 1, stride: 1 }),
    /taps must be 16 float32 values, got 9/,
  );
  assert.throws(
    () => firFilterKernel(x, taps, { kh: 4, kw: 4, pad: 1, stride: 1, adjoint: true }),
    /the output size must be positive integers, got undefined×undefined/,
  );
  tf.dispose([x, taps, y!]);
});
