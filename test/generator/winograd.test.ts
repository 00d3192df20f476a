/**
 * Winograd F(2×2,3×3) and F(4×4,3×3) (src/generator/ops/winograd.ts) against the direct
 * cross-correlation: the transform matrices exactly (float64), random shapes (fast-check: odd sizes,
 * batch > 1, C_in ≠ C_out, padding 0/1/2) against a float64 host reference and `tf.conv2d`, the
 * modulated conv and both official tiny generators with Winograd forced (golden, 1e-4·max|ref|),
 * as tfjs ops and as the fused WebAssembly kernel; the fused kernel for channel counts it pads;
 * no tensor leaks, argument errors.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { manifest, npy, assertCloseToMax, goldenPath, maxAbs } from '../helpers/golden.js';
import { setBackend } from '../../src/generator/backend.js';
import { loadGenerator } from '../../src/generator/weights.js';
import {
  WINOGRAD_AT,
  WINOGRAD_BT,
  WINOGRAD_G,
  prepareWinogradWeight,
  winogradConv3x3NHWC,
  disposeWinogradWeight,
  type WinogradTile,
} from '../../src/generator/ops/winograd.js';
import {
  modulatedConv2d,
  prepareModConvWeight,
  setConvAlgorithm,
  convAlgorithm,
  useWinograd,
  useFusedKernel,
  disposeModConvWeight,
  modulatedConv2dNHWC,
} from '../../src/generator/ops/modulated-conv.js';

/** Relative tolerances (|Δ| ≤ tol·max|y|) against the float64 reference, per tile size. */
const TOL: Record<WinogradTile, number> = { 2: 2e-6, 4: 2e-5 };

before(async () => {
  await setBackend('wasm');
});
after(() => setConvAlgorithm('auto'));

/** Seeded uniform values in [−1, 1). */
function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** Float64 reference: y[n,y,x,o] = Σ_{a,b,i} x_pad[n, y+a, x+b, i] · g[a, b, i, o]. */
function conv3x3Ref(
  x: Float32Array,
  [n, h, w, ci]: number[],
  g: Float32Array,
  co: number,
  p: number,
): { data: Float64Array; shape: number[] } {
  const ho = h + 2 * p - 2;
  const wo = w + 2 * p - 2;
  const y = new Float64Array(n * ho * wo * co);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < ho; oy++)
      for (let ox = 0; ox < wo; ox++)
        for (let ky = 0; ky < 3; ky++) {
          const iy = oy + ky - p;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < 3; kx++) {
            const ix = ox + kx - p;
            if (ix < 0 || ix >= w) continue;
            for (let i = 0; i < ci; i++) {
              const xv = x[((b * h + iy) * w + ix) * ci + i];
              const gOff = ((ky * 3 + kx) * ci + i) * co;
              const yOff = ((b * ho + oy) * wo + ox) * co;
              for (let o = 0; o < co; o++) y[yOff + o] += xv * g[gOff + o];
            }
          }
        }
  return { data: y, shape: [n, ho, wo, co] };
}

test('transform matrices: Aᵀ[(G g) ⊙ (Bᵀ d)] is the 1-D correlation (float64, exact to 1e-13)', () => {
  for (const m of [2, 4] as const) {
    const alpha = m + 2;
    const d = Array.from(rand(alpha, 7 + m), Number);
    const g = Array.from(rand(3, 11 + m), Number);
    const gt = WINOGRAD_G[m].map((row) => row[0] * g[0] + row[1] * g[1] + row[2] * g[2]);
    const bt = WINOGRAD_BT[m].map((row) => row.reduce((s, v, k) => s + v * d[k], 0));
    const prod = gt.map((v, k) => v * bt[k]);
    const y = WINOGRAD_AT[m].map((row) => row.reduce((s, v, k) => s + v * prod[k], 0));
    for (let k = 0; k < m; k++) {
      const want = g[0] * d[k] + g[1] * d[k + 1] + g[2] * d[k + 2];
      assert.ok(Math.abs(y[k] - want) < 1e-13, `F(${m},3) output ${k}: ${y[k]} vs ${want}`);
    }
  }
});

/** Run one case through both tile sizes; return the relative errors vs the float64 reference. */
function checkCase(n: number, h: number, w: number, ci: number, co: number, p: number, seed: number) {
  const xs = rand(n * h * w * ci, seed);
  const gs = rand(9 * ci * co, seed + 1);
  const ref = conv3x3Ref(xs, [n, h, w, ci], gs, co, p);
  const scale = maxAbs(ref.data) || 1;
  const x = tf.tensor4d(xs, [n, h, w, ci]);
  const g = tf.tensor4d(gs, [3, 3, ci, co]);
  const direct = tf.conv2d(
    x,
    g,
    1,
    [
      [0, 0],
      [p, p],
      [p, p],
      [0, 0],
    ],
    'NHWC',
  );
  const errs: Record<string, number> = {};
  const rel = (a: ArrayLike<number>) => {
    let e = 0;
    for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - ref.data[i]));
    return e / scale;
  };
  errs.direct = rel(direct.dataSync());
  for (const m of [2, 4] as const) {
    const ww = prepareWinogradWeight(g, m);
    const y = winogradConv3x3NHWC(x, ww, p);
    assert.deepEqual(y.shape, ref.shape, `F(${m},3) shape`);
    errs[`F${m}`] = rel(y.dataSync());
    y.dispose();
    disposeWinogradWeight(ww);
  }
  tf.dispose([x, g, direct]);
  return errs;
}

test('random shapes (fast-check): Winograd F(2,3) and F(4,3) equal the float64 conv', () => {
  const worst: Record<string, number> = { direct: 0, F2: 0, F4: 0 };
  const before = tf.memory().numTensors;
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 13 }),
      fc.integer({ min: 1, max: 13 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 1, max: 1e6 }),
      (n, h, w, ci, co, p, seed) => {
        fc.pre(h + 2 * p >= 3 && w + 2 * p >= 3);
        const e = checkCase(n, h, w, ci, co, p, seed);
        for (const k of Object.keys(worst)) worst[k] = Math.max(worst[k], e[k]);
        return e.F2 <= TOL[2] && e.F4 <= TOL[4];
      },
    ),
    { numRuns: 60, seed: 20261126 },
  );
  assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
  console.log(`  worst relative error over random shapes: ${JSON.stringify(worst)}`);
});

test('wider channels (batch 2, 48 → 40, odd size 23, padding 2): errors stay within tolerance', () => {
  const e = checkCase(2, 23, 19, 48, 40, 2, 99);
  console.log(`  relative error 2×23×19×48→40: ${JSON.stringify(e)}`);
  assert.ok(e.F2 <= TOL[2], `F(2,3): ${e.F2}`);
  assert.ok(e.F4 <= TOL[4], `F(4,3): ${e.F4}`);
});

test('repeated Winograd calls leave no tensors; prepare/dispose is balanced', () => {
  const x = tf.tensor4d(rand(2 * 9 * 11 * 5, 3), [2, 9, 11, 5]);
  const g = tf.tensor4d(rand(9 * 5 * 6, 4), [3, 3, 5, 6]);
  const start = tf.memory().numTensors;
  for (const m of [2, 4] as const) {
    const ww = prepareWinogradWeight(g, m);
    tf.dispose(winogradConv3x3NHWC(x, ww, 2)); // warm-up
    const mid = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(tf.tidy(() => winogradConv3x3NHWC(x, ww, 1)));
    for (let i = 0; i < 3; i++) tf.dispose(winogradConv3x3NHWC(x, ww, 0));
    assert.equal(tf.memory().numTensors, mid);
    disposeWinogradWeight(ww);
  }
  assert.equal(tf.memory().numTensors, start);
  tf.dispose([x, g]);
});

test('argument errors name the argument and the allowed values', () => {
  const x = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
  const g = tf.zeros([3, 3, 2, 3]) as tf.Tensor4D;
  const ww = prepareWinogradWeight(g, 4);
  assert.throws(() => winogradConv3x3NHWC(x, ww, -1), { name: 'RangeError', message: /padding.*-1/ });
  assert.throws(() => winogradConv3x3NHWC(x, ww, 1.5), { name: 'RangeError', message: /padding.*1\.5/ });
  assert.throws(() => winogradConv3x3NHWC(tf.zeros([1, 4, 4, 3]) as tf.Tensor4D, ww, 1), {
    name: 'RangeError',
    message: /2 channels, got 3/,
  });
  assert.throws(() => winogradConv3x3NHWC(tf.zeros([1, 1, 4, 2]) as tf.Tensor4D, ww, 0), {
    name: 'RangeError',
    message: /too small/,
  });
  assert.throws(() => prepareWinogradWeight(g, 3 as WinogradTile), {
    name: 'RangeError',
    message: /m .*2 or 4, got 3/,
  });
  assert.throws(() => prepareWinogradWeight(tf.zeros([1, 1, 2, 3]) as tf.Tensor4D, 4), {
    name: 'RangeError',
    message: /hwio must be \[3, 3, C_in, C_out\], got \[1, 1, 2, 3\]/,
  });
  assert.throws(() => setConvAlgorithm('fast' as 'auto'), {
    name: 'RangeError',
    message: /algorithm.*'auto'.*got fast/,
  });
  assert.throws(() => setConvAlgorithm('winograd', 3 as WinogradTile), {
    name: 'RangeError',
    message: /tile must be 2 or 4, got 3/,
  });
  disposeWinogradWeight(ww);
  tf.dispose([x, g]);
});

test('the auto rule: 1×1 convs and tiny convs run direct, large 3×3 convs on wasm run Winograd', () => {
  const big = prepareModConvWeight(tf.zeros([64, 64, 3, 3]) as tf.Tensor4D, true);
  const one = prepareModConvWeight(tf.zeros([64, 64, 1, 1]) as tf.Tensor4D, true);
  try {
    setConvAlgorithm('auto');
    assert.equal(useWinograd(big, 64, 64), true);
    assert.equal(useWinograd(big, 2, 2), false);
    assert.equal(useWinograd(one, 256, 256), false);
    setConvAlgorithm('direct');
    assert.equal(useWinograd(big, 64, 64), false);
    setConvAlgorithm('winograd', 2);
    assert.equal(useWinograd(big, 2, 2), true);
    assert.equal(useWinograd(one, 2, 2), false);
    assert.deepEqual(convAlgorithm(), { algorithm: 'winograd', tile: 2 });
  } finally {
    setConvAlgorithm('auto');
    disposeModConvWeight(big);
    disposeModConvWeight(one);
  }
});

test("'auto' on wasm runs large 3×3 modulated convs on the fused kernel, equal to the direct conv, padded channel counts included", async () => {
  // 61 → 45 channels (neither a multiple of 4 nor of 8), 40² outputs: ≥ 4e7 MAC per sample.
  for (const [ci, co, pad] of [
    [64, 48, 1],
    [61, 45, 2],
  ]) {
    const n = 2;
    const side = 42 - 2 * pad;
    const x = tf.tensor4d(rand(n * side * side * ci, 3), [n, side, side, ci]);
    const weight = tf.tensor4d(rand(co * ci * 9, 4), [co, ci, 3, 3]);
    const styles = tf.tensor2d(rand(n * ci, 5), [n, ci]);
    const gains: (tf.Tensor | null)[] = [
      null,
      tf.scalar(0.7),
      tf.tensor1d(rand(ci, 6)),
      tf.tensor2d(rand(n * ci, 7), [n, ci]),
    ];
    const w = prepareModConvWeight(weight, true);
    try {
      setConvAlgorithm('auto');
      assert.equal(useFusedKernel(w, 40, 40, pad), true);
      for (const gain of gains) {
        const prof = await tf.profile(() => tf.dispose(modulatedConv2dNHWC(x, w, styles, pad, gain)));
        assert.ok(
          prof.kernels.some((k) => k.name === 'AliasfreeWinogradConv'),
          'the fused kernel ran',
        );
        const fused = modulatedConv2dNHWC(x, w, styles, pad, gain);
        setConvAlgorithm('direct');
        const direct = modulatedConv2dNHWC(x, w, styles, pad, gain);
        setConvAlgorithm('auto');
        assert.deepEqual(fused.shape, [n, 40, 40, co]);
        assertCloseToMax(fused.dataSync(), direct.dataSync(), 2e-5, `${ci} → ${co}, gain ${gain?.shape}`);
        tf.dispose([fused, direct]);
      }
      // The packed weights are kept with the prepared weight and freed with it.
      const before = tf.memory().numTensors;
      disposeModConvWeight(w);
      assert.equal(tf.memory().numTensors, before - 3, 'hwio, sq and the packed weights');
    } finally {
      setConvAlgorithm('auto');
      tf.dispose([x, weight, styles, ...gains.filter((g): g is tf.Tensor => g !== null)]);
    }
  }
});

// The official modulated_conv2d cases (golden modconv/) with the 3×3 convs forced to Winograd.
for (const c of manifest('modconv')) {
  test(`modconv golden with Winograd forced: ${c.name}`, () => {
    const tensor = (file: string) => {
      const a = npy('modconv', file);
      return tf.tensor(Float32Array.from(a.data as ArrayLike<number>), a.shape);
    };
    const x = tensor(c.inputs.x) as tf.Tensor4D;
    const w = tensor(c.inputs.w) as tf.Tensor4D;
    const s = tensor(c.inputs.s) as tf.Tensor2D;
    let gain: tf.Tensor | null = null;
    if (c.inputs.input_gain) {
      const a = npy('modconv', c.inputs.input_gain);
      const data = Float32Array.from(a.data as ArrayLike<number>);
      gain = data.length === 1 ? tf.scalar(data[0]) : tf.tensor(data, a.shape); // as ops.test.ts
    }
    const expected = npy('modconv', c.outputs.y);
    for (const m of [2, 4, 'fused'] as const) {
      setConvAlgorithm(m === 'fused' ? 'fused' : 'winograd', m === 'fused' ? 4 : m);
      try {
        const y = modulatedConv2d(x, w, s, {
          demodulate: c.params.demodulate,
          padding: c.params.padding,
          inputGain: gain,
        });
        assert.deepEqual(y.shape, expected.shape);
        assertCloseToMax(y.dataSync(), expected.data as ArrayLike<number>, 1e-5, `${c.name} F(${m},3)`);
        y.dispose();
      } finally {
        setConvAlgorithm('auto');
      }
    }
    tf.dispose([x, w, s, ...(gain ? [gain] : [])]);
  });
}

// Both official tiny generators with every 3×3 conv as Winograd F(4,3) and F(2,3): the images of
// the golden Generator.forward cases stay within the generator tolerance 1e-4·max|ref|.
for (const tag of ['t32', 'r32']) {
  test(`generator ${tag} golden images with Winograd forced (1e-4·max)`, async () => {
    const cases = manifest('generators').filter(
      (k) => (k.params.tag ?? k.name.split('_')[0]) === tag && k.fn.endsWith('Generator.forward'),
    );
    assert.ok(cases.length > 0, `no Generator.forward cases for ${tag}`);
    const g = await loadGenerator(goldenPath('generators', tag));
    try {
      for (const m of [4, 2, 'fused'] as const) {
        setConvAlgorithm(m === 'fused' ? 'fused' : 'winograd', m === 'fused' ? 4 : m);
        for (const c of cases) {
          const a = npy('generators', c.inputs.z);
          const z = tf.tensor(Float32Array.from(a.data as ArrayLike<number>), a.shape);
          const { image } = g.generate(z, { psi: c.params.truncation_psi });
          const ref = npy('generators', c.outputs.img).data as ArrayLike<number>;
          const got = image.dataSync();
          let e = 0;
          for (let i = 0; i < got.length; i++) e = Math.max(e, Math.abs(got[i] - ref[i]));
          console.log(`  ${c.name} F(${m},3): max|Δ|/max|ref| = ${(e / maxAbs(ref)).toExponential(2)}`);
          assertCloseToMax(got, ref, 1e-4, `${c.name} F(${m},3)`);
          tf.dispose([z, image]);
        }
      }
    } finally {
      setConvAlgorithm('auto');
      g.dispose();
    }
  });
}
