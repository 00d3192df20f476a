/**
 * The fused WebAssembly Winograd kernels of StyleGAN2 (src/generator/kernels/winograd-conv.*):
 * the 3×3 conv F(4×4, 3×3) and the up-sampling conv0 (transposed conv + [1,3,3,1] filter, F(4, 2)
 * on the even phases), each with the layer epilogue, and the 3×3 conv's weight gradient (training),
 * against float64 references written from the definitions here; both builds (plain SIMD, relaxed SIMD); the binary's provenance and memory
 * contract; heap hygiene. The golden StyleGAN2 networks run through them in stylegan2.test.ts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/generator/backend.js';
import {
  prepareWinogradConvWeight,
  prepareWinogradUpConvWeight,
  setWinogradConvBinary,
  winogradConv,
  winogradConvSupport,
  winogradUpConv,
  winogradWeightGradient,
  winogradWeightGradientChannels,
  packWinogradConvWeight,
  winogradConvChannels,
  upsampleImage2x,
  type WinogradConvBinary,
} from '../../src/generator/kernels/winograd-conv.js';
import {
  SOURCE_SHA256,
  WASM_BASE64,
  WASM_RELAXED_BASE64,
} from '../../src/generator/kernels/winograd-conv-wasm.js';
import { prepareUpConv, upConv, upFilterTaps } from '../../src/generator/stylegan2/up-conv.js';
import { upsample2dTf } from '../../src/generator/ops/resample.js';
import { Rng } from '../../src/generator/rng.js';
import { trackWasmHeap } from '../helpers/wasm-heap.js';
import { assertHeapKernelModule } from '../helpers/wasm-module.js';

before(async () => {
  await setBackend('wasm');
});
after(() => setWinogradConvBinary('auto'));

/** A random layer case: sizes, weights, styles, scale, bias, noise, slope and clamp. */
interface Case {
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  x: Float32Array;
  W: Float32Array; // [cout, cin, 3, 3]
  s: Float32Array | null;
  scale: Float32Array | null;
  bias: Float32Array | null;
  noise: Float32Array | null; // [oh·ow] or [n, oh·ow]
  noiseGain: number;
  slope: number | null;
  clamp: number | null;
}

/** An integer in [0, k). */
const below = (rng: Rng, k: number) => Math.floor(rng.uniform() * k);

function randomCase(rng: Rng, up: boolean): Case & { pad: number } {
  const n = 1 + below(rng, 2);
  // Up conv: every other case with H and W multiples of 4 (the kernel's exact-tiling form with
  // separate last row and column), the others any size (whole tiles past the map).
  const aligned = up && rng.uniform() < 0.5;
  const h = aligned ? 4 * (1 + below(rng, 3)) : 1 + below(rng, up ? 9 : 13);
  const w = aligned ? 4 * (1 + below(rng, 3)) : 1 + below(rng, up ? 9 : 13);
  const cin = 4 * (1 + below(rng, 4));
  const cout = 8 * (1 + below(rng, 2));
  const pad = up ? 0 : below(rng, 3);
  const [oh, ow] = up ? [2 * h, 2 * w] : [h + 2 * pad - 2, w + 2 * pad - 2];
  const normals = (k: number) => Float32Array.from(rng.normals(k));
  const maybe = <T>(v: () => T) => (rng.uniform() < 0.7 ? v() : null);
  const perSample = n > 1 && rng.uniform() < 0.5;
  return {
    n, h, w, cin, cout, pad,
    x: normals(n * h * w * cin),
    W: normals(cout * cin * 9),
    s: maybe(() => Float32Array.from(normals(n * cin), (v) => 1 + 0.5 * v)),
    scale: maybe(() => Float32Array.from(normals(n * cout), (v) => 0.5 + 0.2 * v)),
    bias: maybe(() => normals(cout)),
    noise: oh > 0 && ow > 0 ? maybe(() => normals((perSample ? n : 1) * oh * ow)) : null,
    noiseGain: rng.uniform() * 2 - 1,
    slope: rng.uniform() < 0.7 ? 0.2 : null,
    clamp: rng.uniform() < 0.5 ? 1 + 3 * rng.uniform() : null,
  }; // prettier-ignore
}

/**
 * Largest |value| before the leaky ReLU and the clamp in the last reference computed: the scale the
 * rounding errors follow (the clamp can make the outputs much smaller than the sums they come from).
 */
let preActivationMax = 0;

/** The epilogue in float64 (the definition of the kernels' header comments). */
function epilogue(c: Case, acc: number, b: number, p: number, o: number, plane: number): number {
  let v = acc * (c.scale ? c.scale[b * c.cout + o] : 1) + (c.bias ? c.bias[o] : 0);
  if (c.noise) v += c.noiseGain * c.noise[(c.noise.length > plane ? b * plane : 0) + p];
  preActivationMax = Math.max(preActivationMax, Math.abs(v));
  if (c.slope !== null && v < 0) v *= c.slope;
  if (c.clamp !== null) v = Math.min(c.clamp, Math.max(-c.clamp, v));
  return v;
}

/** The modulated 3×3 cross-correlation with zero padding `pad`, then the epilogue, in float64. */
function convReference(c: Case, pad: number): Float64Array {
  const { n, h, w, cin, cout } = c;
  const oh = h + 2 * pad - 2;
  const ow = w + 2 * pad - 2;
  const y = new Float64Array(n * oh * ow * cout);
  for (let b = 0; b < n; b++)
    for (let Y = 0; Y < oh; Y++)
      for (let X = 0; X < ow; X++)
        for (let o = 0; o < cout; o++) {
          let acc = 0;
          for (let r = 0; r < 3; r++)
            for (let q = 0; q < 3; q++) {
              const iy = Y + r - pad;
              const ix = X + q - pad;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              for (let i = 0; i < cin; i++)
                acc +=
                  c.x[((b * h + iy) * w + ix) * cin + i] *
                  (c.s ? c.s[b * cin + i] : 1) *
                  c.W[((o * cin + i) * 3 + r) * 3 + q];
            }
          y[((b * oh + Y) * ow + X) * cout + o] = epilogue(c, acc, b, Y * ow + X, o, oh * ow);
        }
  return y;
}

/**
 * conv0 by its definition, in float64: the transposed conv (stride 2, taps unflipped:
 * T[2m + r, 2k + q] += x[m, k]·W[r, q]), then O[Y] = Σ_t T[Y − 1 + t]·f[t] per axis (T zero
 * outside 0 … 2H), then the epilogue.
 */
function upReference(c: Case, fy: number[], fx: number[]): Float64Array {
  const { n, h, w, cin, cout } = c;
  const Th = 2 * h + 1;
  const Tw = 2 * w + 1;
  const y = new Float64Array(n * 4 * h * w * cout);
  for (let b = 0; b < n; b++) {
    const T = new Float64Array(Th * Tw * cout);
    for (let m = 0; m < h; m++)
      for (let k = 0; k < w; k++)
        for (let i = 0; i < cin; i++) {
          const xv = c.x[((b * h + m) * w + k) * cin + i] * (c.s ? c.s[b * cin + i] : 1);
          for (let r = 0; r < 3; r++)
            for (let q = 0; q < 3; q++)
              for (let o = 0; o < cout; o++)
                T[((2 * m + r) * Tw + 2 * k + q) * cout + o] += xv * c.W[((o * cin + i) * 3 + r) * 3 + q];
        }
    for (let Y = 0; Y < 2 * h; Y++)
      for (let X = 0; X < 2 * w; X++)
        for (let o = 0; o < cout; o++) {
          let acc = 0;
          for (let a = 0; a < 4; a++)
            for (let d = 0; d < 4; d++) {
              const ty = Y - 1 + a;
              const tx = X - 1 + d;
              if (ty < 0 || ty >= Th || tx < 0 || tx >= Tw) continue;
              acc += fy[a] * fx[d] * T[(ty * Tw + tx) * cout + o];
            }
          y[((b * 2 * h + Y) * 2 * w + X) * cout + o] = epilogue(c, acc, b, Y * 2 * w + X, o, 4 * h * w);
        }
  }
  return y;
}

function tensorsOf(c: Case) {
  return {
    x: tf.tensor4d(c.x, [c.n, c.h, c.w, c.cin]),
    styles: c.s ? tf.tensor2d(c.s, [c.n, c.cin]) : null,
    scale: c.scale ? tf.tensor2d(c.scale, [c.n, c.cout]) : null,
    bias: c.bias ? tf.tensor1d(c.bias) : null,
    noise: c.noise ? tf.tensor1d(c.noise) : null,
  };
}

/** The tensors of `tensorsOf` that exist. */
function tensorList(t: ReturnType<typeof tensorsOf>): tf.Tensor[] {
  return [t.x, t.styles, t.scale, t.bias, t.noise].filter((v): v is NonNullable<typeof v> => v !== null);
}

/** max |y − ref| / `scale` (default max |ref|; the error itself when the scale is 0). */
function relError(y: Float32Array, ref: Float64Array, scale?: number): number {
  assert.equal(y.length, ref.length);
  let e = 0;
  let m = 0;
  for (let i = 0; i < y.length; i++) {
    e = Math.max(e, Math.abs(y[i] - ref[i]));
    m = Math.max(m, Math.abs(ref[i]));
  }
  const s = scale ?? m;
  return s === 0 ? e : e / s;
}

/** The error of a kernel output against a reference, relative to the reference's pre-activation max. */
function preActivationError(y: tf.Tensor, reference: () => Float64Array): number {
  preActivationMax = 0;
  const ref = reference();
  return relError(y.dataSync() as Float32Array, ref, preActivationMax);
}

for (const binary of ['plain', 'relaxed'] as WinogradConvBinary[]) {
  test(`3×3 conv (${binary} build): random cases against the float64 definition (1e-5 of the largest pre-activation)`, () => {
    setWinogradConvBinary(binary);
    assert.equal(winogradConvSupport().relaxed, binary === 'relaxed');
    const rng = new Rng(binary === 'plain' ? 11 : 12);
    let ran = 0;
    for (let k = 0; k < 40; k++) {
      const c = randomCase(rng, false);
      if (c.h + 2 * c.pad - 2 < 1 || c.w + 2 * c.pad - 2 < 1) continue;
      const t = tensorsOf(c);
      const wt = prepareWinogradConvWeight(c.W, c.cout, c.cin);
      const y = winogradConv(t.x, wt, {
        ...t,
        pad: c.pad,
        noiseGain: c.noiseGain,
        slope: c.slope,
        clamp: c.clamp,
      });
      const err = preActivationError(y, () => convReference(c, c.pad));
      assert.ok(
        err < 1e-5,
        `case ${k} (${c.n}×${c.h}×${c.w}, ${c.cin}→${c.cout}, pad ${c.pad}): error ${err}`,
      );
      tf.dispose([y, wt.packed, ...tensorList(t)]);
      ran++;
    }
    assert.ok(ran >= 30, `only ${ran} cases ran`);
  });

  test(`up conv (${binary} build): random cases against the float64 definition (1e-5 of the largest pre-activation)`, () => {
    setWinogradConvBinary(binary);
    const rng = new Rng(binary === 'plain' ? 21 : 22);
    for (let k = 0; k < 30; k++) {
      const c = randomCase(rng, true);
      const fy = Array.from(rng.normals(4));
      const fx = Array.from(rng.normals(4));
      const t = tensorsOf(c);
      const wt = prepareWinogradUpConvWeight(c.W, c.cout, c.cin, fy, fx);
      const y = winogradUpConv(t.x, wt, { ...t, noiseGain: c.noiseGain, slope: c.slope, clamp: c.clamp });
      assert.deepEqual(y.shape, [c.n, 2 * c.h, 2 * c.w, c.cout]);
      const err = preActivationError(y, () => upReference(c, fy, fx));
      assert.ok(err < 1e-5, `case ${k} (${c.n}×${c.h}×${c.w}, ${c.cin}→${c.cout}): error ${err}`);
      tf.dispose([y, wt.packed, wt.taps, ...tensorList(t)]);
    }
  });
}

test('up conv equals the tfjs-op conv0 of up-conv.ts with the [1,3,3,1] filter (1e-5·max, 64 channels)', () => {
  setWinogradConvBinary('auto');
  const rng = new Rng(5);
  const [h, cin, cout] = [12, 64, 64];
  const W = Float32Array.from(rng.normals(cout * cin * 9));
  const f = [1, 3, 3, 1];
  const filter = Float32Array.from({ length: 16 }, (_, i) => (f[i >> 2] * f[i & 3]) / 64);
  const k = prepareUpConv(W, cout, cin, { data: filter, shape: [4, 4] });
  const taps = (t: tf.Tensor4D) => Array.from({ length: 4 }, (_, i) => t.dataSync()[i * cout]);
  const wt = prepareWinogradUpConvWeight(W, cout, cin, taps(k.fy), taps(k.fx));
  const x = tf.tensor4d(Float32Array.from(rng.normals(h * h * cin)), [1, h, h, cin]);
  const ref = upConv(x, k, false);
  const y = winogradUpConv(x, wt);
  const err = relError(y.dataSync() as Float32Array, Float64Array.from(ref.dataSync()));
  assert.ok(err < 1e-5, `error ${err}`);
  tf.dispose([x, ref, y, wt.packed, wt.taps, k.ee, k.ed, k.de, k.dd, k.fx, k.fy]);
});

test('the image up-sampling equals the official upsample2d of the tfjs-op path (separable, asymmetric filter)', () => {
  const rng = new Rng(8);
  const f1 = Array.from(rng.normals(4), (v) => 1 + 0.5 * v);
  const f2 = Array.from(rng.normals(4), (v) => 1 + 0.5 * v);
  const filter = {
    data: Float32Array.from({ length: 16 }, (_, i) => f1[i >> 2] * f2[i & 3]),
    shape: [4, 4] as [number, number],
  };
  const { fy, fx } = upFilterTaps(filter);
  const taps = tf.tensor1d([...fy, ...fx]);
  for (const [n, c, h, w] of [
    [1, 3, 4, 4],
    [2, 3, 7, 5],
    [1, 1, 1, 1],
    [1, 3, 32, 32],
  ]) {
    const img = tf.tensor4d(Float32Array.from(rng.normals(n * c * h * w)), [n, c, h, w]);
    const ref = upsample2dTf(img, filter);
    const y = upsampleImage2x(img, taps);
    assert.deepEqual(y.shape, ref.shape);
    const err = relError(y.dataSync() as Float32Array, Float64Array.from(ref.dataSync()));
    assert.ok(err < 1e-6, `${n}×${c}×${h}×${w}: error ${err}`);
    tf.dispose([img, ref, y]);
  }
  tf.dispose(taps);
});

/** ∂L/∂g[a, b, i, o] = Σ_{n, p} x[n, p + (a, b) − pad, i] · dy[n, p, o] in float64 (HWIO). */
function weightGradReference(
  x: Float32Array,
  dy: Float32Array,
  n: number,
  h: number,
  w: number,
  cin: number,
  cout: number,
  pad: number,
): Float64Array {
  const oh = h + 2 * pad - 2;
  const ow = w + 2 * pad - 2;
  const out = new Float64Array(9 * cin * cout);
  for (let b = 0; b < n; b++)
    for (let a = 0; a < 3; a++)
      for (let c = 0; c < 3; c++)
        for (let i = 0; i < oh; i++)
          for (let j = 0; j < ow; j++) {
            const yy = i + a - pad;
            const xx = j + c - pad;
            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
            const xo = ((b * h + yy) * w + xx) * cin;
            const go = ((b * oh + i) * ow + j) * cout;
            const oo = (a * 3 + c) * cin * cout;
            for (let p = 0; p < cin; p++)
              for (let q = 0; q < cout; q++) out[oo + p * cout + q] += x[xo + p] * dy[go + q];
          }
  return out;
}

/**
 * `gradient(x, dy, pad)` for random x [n, h, w, C_in] and dy (the conv's output shape) against the
 * float64 definition, within 1e-5 of the largest reference entry.
 */
function checkWeightGradient(
  gradient: (x: tf.Tensor4D, dy: tf.Tensor4D, pad: number) => tf.Tensor4D,
  rng: Rng,
  [n, h, w, cin, cout, pad]: number[],
  label: string,
): void {
  const oh = h + 2 * pad - 2;
  const ow = w + 2 * pad - 2;
  const x = Float32Array.from(rng.normals(n * h * w * cin));
  const dy = Float32Array.from(rng.normals(n * oh * ow * cout));
  const xt = tf.tensor4d(x, [n, h, w, cin]);
  const dyt = tf.tensor4d(dy, [n, oh, ow, cout]);
  const g = gradient(xt, dyt, pad);
  assert.deepEqual(g.shape, [3, 3, cin, cout]);
  const ref = weightGradReference(x, dy, n, h, w, cin, cout, pad);
  const err = relError(g.dataSync() as Float32Array, ref, Math.max(...ref.map(Math.abs)));
  assert.ok(err < 1e-5, `${label} (${n}×${h}×${w}, ${cin}→${cout}, pad ${pad}): error ${err}`);
  tf.dispose([xt, dyt, g]);
}

for (const binary of ['plain', 'relaxed'] as WinogradConvBinary[]) {
  test(`weight gradient (${binary} build): random cases against the float64 definition (1e-5 of the largest entry)`, () => {
    setWinogradConvBinary(binary);
    const rng = new Rng(binary === 'plain' ? 31 : 32);
    for (let k = 0; k < 24; k++) {
      // Sizes that are and are not multiples of the 4×4 tile, pads 0–2, several chunks of tiles.
      const n = 1 + below(rng, 3);
      const h = 3 + below(rng, k < 20 ? 14 : 40);
      const w = 3 + below(rng, k < 20 ? 14 : 40);
      const cin = 4 * (1 + below(rng, 6));
      const cout = 8 * (1 + below(rng, 4));
      const pad = below(rng, 3);
      checkWeightGradient(winogradWeightGradient, rng, [n, h, w, cin, cout, pad], `case ${k}`);
    }
  });
}

test('weight gradient for any channel counts (padded to the kernel multiples, cropped back) equals the float64 definition', () => {
  const rng = new Rng(33);
  for (const [n, h, w, cin, cout, pad] of [
    [2, 9, 7, 6, 11, 1],
    [1, 12, 10, 3, 5, 2],
    [1, 8, 8, 8, 16, 0],
  ])
    checkWeightGradient(winogradWeightGradientChannels, rng, [n, h, w, cin, cout, pad], 'padded');
});

test('weight gradient: bad input is rejected with a clear error; a call leaves only its output', () => {
  const x = tf.zeros([2, 6, 6, 4]) as tf.Tensor4D;
  const bad = (shape: number[]) => tf.zeros(shape) as unknown as tf.Tensor4D;
  assert.throws(() => winogradWeightGradient(x, bad([2, 6, 6, 8]), 3), /pad must be 0, 1 or 2, got 3/);
  assert.throws(
    () => winogradWeightGradient(x, bad([2, 5, 6, 8]), 1),
    /dy must be \[2, 6, 6, C_out\] for x \[2, 6, 6, 4\] and pad 1, got \[2, 5, 6, 8\]/,
  );
  assert.throws(
    () => winogradWeightGradient(bad([2, 6, 6, 6]), bad([2, 6, 6, 8]), 1),
    /C_in must be a multiple of 4, got 6/,
  );
  assert.throws(
    () => winogradWeightGradient(x, bad([2, 6, 6, 4]), 1),
    /C_out must be a multiple of 8, got 4/,
  );
  const dy = tf.ones([2, 6, 6, 8]) as tf.Tensor4D;
  const ones = tf.ones([2, 6, 6, 4]) as tf.Tensor4D;
  let g: tf.Tensor | null = null;
  const heap = trackWasmHeap(() => {
    g = winogradWeightGradient(ones, dy, 1);
  });
  assert.equal(heap.error, null);
  assert.equal(heap.live.size, 1, 'only the output stays');
  // With x = dy = 1 each tap sums over the output pixels its shift keeps inside the map: the
  // centre tap all 2·36, a corner tap 2·25.
  const v = g!.dataSync();
  assert.ok(Math.abs(v[(1 * 3 + 1) * 32] - 72) < 1e-4, `centre tap ${v[4 * 32]}`);
  assert.ok(Math.abs(v[0] - 50) < 1e-4, `corner tap ${v[0]}`);
  tf.dispose([x, dy, ones, g!]);
});

test('weight packing in the kernel equals the float64 packing (plain and flipped), and pads odd channel counts with zeros', () => {
  const rng = new Rng(41);
  for (const [cin, cout] of [
    [8, 16],
    [12, 8],
    [6, 11],
    [203, 161],
  ]) {
    const hwio = Float32Array.from(rng.normals(9 * cin * cout));
    // The float64 reference: the OIHW packing of prepareWinogradConvWeight on zero-padded weights.
    const oihw = (flip: boolean, ci: number, co: number, ciP: number, coP: number) => {
      const out = new Float32Array(coP * ciP * 9);
      for (let t = 0; t < 9; t++)
        for (let i = 0; i < ci; i++)
          for (let o = 0; o < co; o++)
            out[(o * ciP + i) * 9 + t] = flip
              ? hwio[((8 - t) * co + o) * ci + i]
              : hwio[(t * ci + i) * co + o];
      return out;
    };
    const w = tf.tensor4d(hwio, [3, 3, cin, cout]);
    for (const flipped of [false, true]) {
      const [ci, co] = flipped ? [cout, cin] : [cin, cout];
      const [ciP, coP] = [Math.ceil(ci / 4) * 4, Math.ceil(co / 8) * 8];
      const got = packWinogradConvWeight(w, { flipped });
      assert.equal(got.inChannels, ciP);
      assert.equal(got.outChannels, coP);
      const ref = prepareWinogradConvWeight(oihw(flipped, ci, co, ciP, coP), coP, ciP);
      const err = relError(got.packed.dataSync() as Float32Array, Float64Array.from(ref.packed.dataSync()));
      assert.ok(err < 1e-6, `${cin} → ${cout}${flipped ? ' flipped' : ''}: error ${err}`);
      tf.dispose([got.packed, ref.packed]);
    }
    w.dispose();
  }
  assert.throws(
    () => packWinogradConvWeight(tf.zeros([1, 1, 4, 8]) as tf.Tensor4D),
    /hwio must be a float32 \[3, 3, C_in, C_out\] tensor, got \[1, 1, 4, 8\]/,
  );
});

test('winogradConvChannels: odd channel counts (padded) equal the float64 conv; styles and scale padded too', () => {
  const rng = new Rng(42);
  const [n, h, w, cin, cout] = [2, 9, 7, 6, 11];
  const x = Float32Array.from(rng.normals(n * h * w * cin));
  const hwio = Float32Array.from(rng.normals(9 * cin * cout));
  const s = Float32Array.from(rng.normals(n * cin));
  const sc = Float32Array.from(rng.normals(n * cout));
  const packed = packWinogradConvWeight(tf.tensor4d(hwio, [3, 3, cin, cout]));
  const xt = tf.tensor4d(x, [n, h, w, cin]);
  const y = winogradConvChannels(xt, packed, cout, {
    pad: 1,
    styles: tf.tensor2d(s, [n, cin]),
    scale: tf.tensor2d(sc, [n, cout]),
  });
  assert.deepEqual(y.shape, [n, h, w, cout]);
  const ref = new Float64Array(n * h * w * cout);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let o = 0; o < cout; o++) {
          let acc = 0;
          for (let a = 0; a < 3; a++)
            for (let e = 0; e < 3; e++) {
              const yy = i + a - 1;
              const xx = j + e - 1;
              if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
              for (let q = 0; q < cin; q++)
                acc +=
                  x[((b * h + yy) * w + xx) * cin + q] *
                  s[b * cin + q] *
                  hwio[((a * 3 + e) * cin + q) * cout + o];
            }
          ref[((b * h + i) * w + j) * cout + o] = acc * sc[b * cout + o];
        }
  const err = relError(y.dataSync() as Float32Array, ref);
  assert.ok(err < 1e-5, `error ${err}`);
  assert.throws(
    () => winogradConvChannels(tf.zeros([1, 5, 5, 9]) as tf.Tensor4D, packed, cout),
    /x has 9 channels and 11 are asked for; the weights are packed for 8 → 16/,
  );
  tf.dispose([xt, y, packed.packed]);
});

test('the embedded wasm binaries are built from the current C source', () => {
  const src = readFileSync(new URL('../../src/generator/kernels/winograd-conv.c', import.meta.url));
  assert.equal(
    createHash('sha256').update(src).digest('hex'),
    SOURCE_SHA256,
    'winograd-conv.c changed: run scripts/build-kernels.sh',
  );
});

test('both modules import only a memory, export the kernels and have no data segment', () => {
  const kernels = [
    'image_up2',
    'scratch_floats',
    'up_scratch_floats',
    'weight_grad_scratch_floats',
    'winograd_conv',
    'winograd_up_conv',
    'winograd_weight_grad',
    'pack_weights',
  ];
  assertHeapKernelModule(WASM_BASE64, kernels);
  // The relaxed build validates where the engine has relaxed SIMD (switched on by the kernel).
  if (winogradConvSupport().relaxed) assertHeapKernelModule(WASM_RELAXED_BASE64, kernels);
  // The relaxed build differs from the plain one only in its multiply–adds.
  assert.notEqual(WASM_RELAXED_BASE64, WASM_BASE64);
});

test('bad input is rejected with a clear error', () => {
  assert.throws(
    () => prepareWinogradConvWeight(new Float32Array(6 * 8 * 9), 8, 6),
    /C_in must be a positive multiple of 4, got 6/,
  );
  assert.throws(
    () => prepareWinogradConvWeight(new Float32Array(4 * 4 * 9), 4, 4),
    /C_out must be a positive multiple of 8, got 4/,
  );
  assert.throws(
    () => prepareWinogradConvWeight(new Float32Array(5), 8, 4),
    /must hold C_out·C_in·9 = 288 values, got 5/,
  );
  assert.throws(
    () => prepareWinogradUpConvWeight(new Float32Array(8 * 4 * 9), 8, 4, [1, 2, 3], [1, 2, 3, 4]),
    /4 taps per axis, got 3 and 4/,
  );
  const wt = prepareWinogradConvWeight(new Float32Array(8 * 4 * 9), 8, 4);
  const x = tf.zeros([1, 5, 5, 8]) as tf.Tensor4D;
  assert.throws(() => winogradConv(x, wt), /x has 8 channels, the weights expect 4/);
  const x4 = tf.zeros([1, 5, 5, 4]) as tf.Tensor4D;
  assert.throws(() => winogradConv(x4, wt, { pad: 3 }), /pad must be 0, 1 or 2, got 3/);
  assert.throws(
    () => winogradConv(x4, wt, { bias: tf.zeros([7]) as tf.Tensor1D }),
    /bias must be float32 \[8\]/,
  );
  assert.throws(() => winogradConv(x4, wt, { noise: tf.zeros([24]) }), /noise must be float32 \[25\]/);
  assert.throws(() => setWinogradConvBinary('fast' as 'auto'), /binary must be 'auto', 'plain' or 'relaxed'/);
  tf.dispose([x, x4, wt.packed]);
});

test('a failed heap allocation throws a clear error and frees what the kernel took', () => {
  const rng = new Rng(3);
  const wt = prepareWinogradConvWeight(Float32Array.from(rng.normals(8 * 4 * 9)), 8, 4);
  const x = tf.tensor4d(Float32Array.from(rng.normals(2 * 6 * 6 * 4)), [2, 6, 6, 4]);
  const before = tf.memory().numTensors;
  // The kernel allocates its output, its parameter block, then its scratch: refuse the scratch.
  const { live, allocations, error } = trackWasmHeap(() => winogradConv(x, wt), { refuseCall: 3 });
  assert.match(String(error), /winograd conv: out of wasm memory \(\d+ bytes requested\)/);
  assert.equal(allocations, 3);
  assert.equal(live.size, 0, 'the output and the parameter block were freed');
  assert.equal(tf.memory().numTensors, before);
  // And a normal call leaves only its output allocated.
  let y: tf.Tensor | null = null;
  const ok = trackWasmHeap(() => {
    y = winogradConv(x, wt);
  });
  assert.equal(ok.error, null);
  assert.equal(ok.live.size, 1, 'only the output stays');
  tf.dispose([x, wt.packed, y!]);
});

test('off the wasm backend the kernel says why it is unavailable', async () => {
  await setBackend('cpu');
  try {
    const s = winogradConvSupport();
    assert.equal(s.ok, false);
    assert.match(s.reason, /backend is 'cpu', not 'wasm'/);
  } finally {
    await setBackend('wasm');
  }
  assert.equal(winogradConvSupport().ok, true);
});

test("StyleGAN2's conv layers run through the fused kernels on wasm ('auto') and equal the tfjs-op convs", async () => {
  const { createGenerator } = await import('../../src/generator/weights.js');
  const { configAt } = await import('../../src/generator/config.js');
  const { setConvAlgorithm } = await import('../../src/generator/ops/modulated-conv.js');
  const gen = await createGenerator({ ...configAt('A', 32), channelBase: 512, channelMax: 32 }, { seed: 4 });
  const z = tf.tensor2d(Float32Array.from(new Rng(9).normals(2 * gen.config.zDim)), [2, gen.config.zDim]);
  const render = () => gen.generate(z, { noiseMode: 'const' }).image;
  try {
    setConvAlgorithm('auto');
    let fused: tf.Tensor | null = null;
    const prof = await tf.profile(() => {
      fused = render();
      return fused;
    });
    const names = prof.kernels.map((k) => k.name);
    // b4: conv1; b8 … b32: conv0 and conv1 — 7 conv layers, every one fused.
    assert.equal(names.filter((n) => n === 'AliasfreeWinogradConv').length, 7);
    // The skip image's up-sampling runs in the kernel module too (b8, b16, b32); no tfjs conv is left.
    assert.equal(names.filter((n) => n === 'AliasfreeImageUpsample2x').length, 3);
    assert.ok(!names.some((n) => n.startsWith('Conv2D') || n.startsWith('Depthwise')), names.join(' '));
    setConvAlgorithm('direct');
    const direct = render();
    const err = relError(fused!.dataSync() as Float32Array, Float64Array.from(direct.dataSync()));
    assert.ok(err < 1e-5, `fused vs direct: ${err}`);
    tf.dispose([fused!, direct]);
  } finally {
    setConvAlgorithm('auto');
    tf.dispose(z);
    gen.dispose();
  }
});
