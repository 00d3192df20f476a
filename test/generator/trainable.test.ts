/**
 * The StyleGAN3 generator in training form (`Generator.trainable()`): its image equals the official
 * one (golden `generators/<tag>`, 1e-4·max) with and without layer checkpointing; the checkpointed
 * gradients (fast kernels forward; backward from the kept conv outputs, or recomputed, whole or
 * in chunks of samples) equal the plain differentiable ones; the known-conv op's gradients equal
 * float64 central differences; the state dict round-trips; `updateEmas` moves only the EMA
 * buffers; errors.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { npy, goldenPath, assertCloseToMax } from '../helpers/golden.js';
import { setBackend } from '../../src/generator/backend.js';
import { loadGenerator } from '../../src/generator/weights.js';
import { Generator } from '../../src/generator/stylegan3/generator.js';
import { demodulatedConvKnown, recomputeLimits } from '../../src/generator/stylegan3/trainable.js';
import { Rng } from '../../src/generator/rng.js';
import { ensureTrainingGradients } from '../../src/train/gradients.js';
import { setFilteredLreluAlgorithm } from '../../src/generator/ops/filtered-lrelu.js';
import { setConvAlgorithm } from '../../src/generator/ops/modulated-conv.js';

const tags = readdirSync(goldenPath('generators')).filter((d) =>
  statSync(goldenPath('generators', d)).isDirectory(),
);

before(async () => {
  await setBackend('wasm');
  await ensureTrainingGradients();
});

function tensor(tag: string, file: string): tf.Tensor {
  const a = npy('generators', `${tag}/io/${file}`);
  return tf.tensor(Float32Array.from(a.data as ArrayLike<number>), a.shape);
}

async function load(tag: string): Promise<Generator> {
  const G = await loadGenerator(goldenPath('generators', tag));
  assert.ok(G instanceof Generator);
  return G;
}

for (const tag of tags) {
  test(`trainable ${tag}: official image with and without checkpointing; same gradients both ways`, async () => {
    const G = await load(tag);
    const T = G.trainable();
    const z = tensor(tag, 'z.npy') as tf.Tensor2D;
    const ref = npy('generators', `${tag}/io/img.npy`).data as Float32Array;
    const ws = T.mapping(z);
    assertCloseToMax(ws.dataSync(), npy('generators', `${tag}/io/ws.npy`).data as Float32Array, 1e-4, 'ws');
    for (const secondOrder of [false, true]) {
      const img = T.synthesis(ws, { secondOrder });
      assertCloseToMax(img.dataSync(), ref, 1e-4, `${tag} image (secondOrder ${secondOrder})`);
      img.dispose();
    }
    // Gradients of a fixed random projection of the image, checkpointed vs plain. The checkpointed
    // forward runs the inference kernels; with those set to the op path (same float32 values as
    // the differentiable recomputation) the two gradients must agree to rounding.
    setFilteredLreluAlgorithm('ops');
    setConvAlgorithm('direct');
    const proj = tf.randomNormal([2, 3, G.config.imgResolution, G.config.imgResolution], 0, 1, 'float32', 3);
    const vars = [...T.params.values()];
    const grads = (secondOrder: boolean) =>
      tf.variableGrads(
        () => tf.sum(tf.mul(T.synthesis(T.mapping(z), { secondOrder }), proj)) as tf.Scalar,
        vars,
      );
    let a: ReturnType<typeof grads>;
    let b: ReturnType<typeof grads>;
    try {
      a = grads(false);
      b = grads(true);
    } finally {
      setFilteredLreluAlgorithm('auto');
      setConvAlgorithm('auto');
    }
    for (const [k, v] of T.params) {
      const ga = a.grads[v.name];
      const gb = b.grads[v.name];
      assert.ok(ga && gb, `${k} has a gradient`);
      assertCloseToMax(ga.dataSync(), gb.dataSync(), 1e-5, `${tag} ∂/∂${k} checkpointed vs plain`);
    }
    tf.dispose([z, ws, proj, a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads)]);
    T.dispose();
    G.dispose();
  });
}

test('trainable: kept conv outputs, the recomputed backward and its chunks of samples give the same gradients', async () => {
  const tag = tags[0];
  const G = await load(tag);
  const T = G.trainable();
  const z = tf.randomNormal([3, G.config.zDim], 0, 1, 'float32', 11) as tf.Tensor2D;
  const proj = tf.randomNormal([3, 3, G.config.imgResolution, G.config.imgResolution], 0, 1, 'float32', 12);
  const vars = [...T.params.values()];
  const grads = () =>
    tf.variableGrads(() => tf.sum(tf.mul(T.synthesis(T.mapping(z)), proj)) as tf.Scalar, vars);
  // Forward calls of the fused nonlinearity in one gradient: one per filtered layer when their
  // conv outputs are kept, two (forward and recomputation) when not.
  const flForwards = async () => {
    const prof = await tf.profile(() => {
      const g = grads();
      tf.dispose([g.value, ...Object.values(g.grads)]);
    });
    return prof.kernels.filter((k) => k.name === 'AliasfreeFusedFilteredLrelu').length;
  };
  const { elements, keptElements } = recomputeLimits;
  const variants: Record<string, ReturnType<typeof grads>> = {};
  const forwards: Record<string, number> = {};
  try {
    for (const [name, limits] of [
      ['kept', { elements, keptElements }],
      ['recomputed', { elements, keptElements: 0 }],
      ['chunked', { elements: 1, keptElements: 0 }], // one sample per chunk in every layer
    ] as const) {
      Object.assign(recomputeLimits, limits);
      variants[name] = grads();
      forwards[name] = await flForwards();
    }
  } finally {
    Object.assign(recomputeLimits, { elements, keptElements });
  }
  const filtered = T.geometry.layers.filter((l) => !l.isTorgb).length;
  assert.equal(forwards.kept, filtered, 'kept: no recomputed forward');
  assert.equal(forwards.recomputed, 2 * filtered, 'recomputed: forward and recomputation');
  for (const name of ['recomputed', 'chunked'])
    for (const [k, v] of T.params)
      assertCloseToMax(
        variants[name].grads[v.name].dataSync(),
        variants.kept.grads[v.name].dataSync(),
        1e-5,
        `∂/∂${k} ${name} against kept`,
      );
  tf.dispose([z, proj, ...Object.values(variants).flatMap((g) => [g.value, ...Object.values(g.grads)])]);
  T.dispose();
  G.dispose();
});

test('trainable: stateDict round-trips; updateEmas moves w_avg and magnitude_ema only', async () => {
  const G = await load(tags[0]);
  const T = G.trainable();
  const before = G.stateDict();
  const s0 = T.stateDict();
  assert.deepEqual([...s0.keys()], [...before.keys()]);
  for (const [k, e] of before) assert.deepEqual(Array.from(s0.get(k)!.data), Array.from(e.data), k);
  const z = tensor(tags[0], 'z.npy') as tf.Tensor2D;
  const img = T.synthesis(T.mapping(z, null, { updateEmas: true }), { updateEmas: true });
  const s1 = T.stateDict();
  for (const [k, e] of before) {
    const moved = Array.from(s1.get(k)!.data).some((v, i) => v !== e.data[i]);
    const ema = k === 'mapping.w_avg' || k.endsWith('.magnitude_ema');
    assert.equal(moved, ema, `${k} ${ema ? 'moves' : 'stays'}`);
  }
  // A forward without updates leaves everything as it is.
  tf.dispose(T.synthesis(T.mapping(z)));
  const s2 = T.stateDict();
  for (const [k, e] of s1) assert.deepEqual(Array.from(s2.get(k)!.data), Array.from(e.data), k);
  // Back to inference form: the same image as the training forward (no further updates).
  const G2 = new Generator(T.geometry, s2, T.initKwargs);
  const img2 = G2.synthesis(T.mapping(z)).image;
  const img3 = T.synthesis(T.mapping(z));
  assertCloseToMax(img2.dataSync(), img3.dataSync(), 1e-5, 'inference from the trained state');
  tf.dispose([z, img, img2, img3]);
  for (const g of [G, G2, T]) g.dispose();
});

test('trainable: argument errors', async () => {
  const G = await load(tags[0]);
  const T = G.trainable();
  const zDim = G.config.zDim;
  assert.throws(
    () => T.mapping(tf.zeros([2, zDim + 1]) as tf.Tensor2D),
    /z must be a tf.Tensor \[N, \d+\], got \[2, \d+\]/,
  );
  assert.throws(
    () => T.synthesis(tf.zeros([1, 2, 3]) as tf.Tensor3D),
    /ws must be a tf.Tensor \[N, \d+, \d+\], got \[1, 2, 3\]/,
  );
  T.dispose();
  assert.throws(() => T.mapping(tf.zeros([1, zDim]) as tf.Tensor2D), /disposed/);
  G.dispose();
  assert.throws(() => G.trainable(), /disposed/);
});

test('demodulatedConvKnown: gradients of Σ R ⊙ sin(d ⊙ conv(xm, w)) with respect to xm, w and d against float64 central differences', () => {
  const [n, h, ci, co, pad] = [2, 5, 3, 4, 2];
  const rng = new Rng('known conv');
  const xm = Float64Array.from(rng.normals(n * h * h * ci), Math.fround);
  const w = Float64Array.from(rng.normals(9 * ci * co), (v) => Math.fround(v * 0.5));
  const d = Float64Array.from(rng.normals(n * co), (v) => Math.fround(0.5 + Math.abs(v)));
  const ho = h + 2 * pad - 2;
  const R = Float64Array.from(rng.normals(n * ho * ho * co), Math.fround);
  /** y = d ⊙ conv(xm, w) in float64 (NHWC × HWIO, zero padding). */
  const y64 = (x: Float64Array, g: Float64Array, dd: Float64Array) => {
    const y = new Float64Array(n * ho * ho * co);
    for (let b = 0; b < n; b++)
      for (let i = 0; i < ho; i++)
        for (let j = 0; j < ho; j++)
          for (let o = 0; o < co; o++) {
            let acc = 0;
            for (let a = 0; a < 3; a++)
              for (let e = 0; e < 3; e++) {
                const yy = i + a - pad;
                const xx = j + e - pad;
                if (yy < 0 || yy >= h || xx < 0 || xx >= h) continue;
                for (let q = 0; q < ci; q++)
                  acc += x[((b * h + yy) * h + xx) * ci + q] * g[((a * 3 + e) * ci + q) * co + o];
              }
            y[((b * ho + i) * ho + j) * co + o] = acc * dd[b * co + o];
          }
    return y;
  };
  const L64 = (x: Float64Array, g: Float64Array, dd: Float64Array) =>
    y64(x, g, dd).reduce((s, v, i) => s + R[i] * Math.sin(v), 0);
  const fd = (which: 0 | 1 | 2) => {
    const args = [xm, w, d];
    const out = new Float64Array(args[which].length);
    for (let i = 0; i < out.length; i++) {
      const p = args.map((a) => Float64Array.from(a));
      const m = args.map((a) => Float64Array.from(a));
      p[which][i] += 1e-4;
      m[which][i] -= 1e-4;
      out[i] = (L64(p[0], p[1], p[2]) - L64(m[0], m[1], m[2])) / 2e-4;
    }
    return out;
  };
  const known = tf.tensor4d(Float32Array.from(y64(xm, w, d)), [n, ho, ho, co]);
  const Rt = tf.tensor4d(Float32Array.from(R), [n, ho, ho, co]);
  const ts = [
    tf.tensor4d(Float32Array.from(xm), [n, h, h, ci]),
    tf.tensor4d(Float32Array.from(w), [3, 3, ci, co]),
    tf.tensor2d(Float32Array.from(d), [n, co]),
  ];
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
    tf.sum(
      tf.mul(
        Rt,
        tf.sin(demodulatedConvKnown(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor2D, known, pad)),
      ),
    ),
  )(ts);
  ['∂/∂xm', '∂/∂w', '∂/∂d'].forEach((what, k) =>
    assertCloseToMax(grads[k].dataSync(), fd(k as 0 | 1 | 2), 1e-4, what),
  );
  tf.dispose([known, Rt, ...ts, ...grads]);
});
