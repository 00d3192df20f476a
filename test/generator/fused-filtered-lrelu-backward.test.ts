/**
 * The fused backward of the filtered leaky ReLU (src/generator/kernels/filtered-lrelu-backward.*)
 * and the trainable path that uses it (`FilteredLreluPlan.applyDifferentiable`): ∂L/∂x and ∂L/∂b
 * against float64 central differences of `aliasfree/signal`'s filtered lrelu (an independent
 * implementation of the official reference) on random geometries, against the op path's autograd
 * gradient on the golden layers, second derivatives, the binary's provenance and its heap use.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import ndarray from 'ndarray';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/generator/backend.js';
import { ensureGradients } from '../../src/generator/ops/gradients.js';
import {
  FilteredLreluPlan,
  setFilteredLreluAlgorithm,
  setFilteredLreluGradient,
  type FilteredLreluParams,
  type FilterTaps,
} from '../../src/generator/ops/filtered-lrelu.js';
import { fusedFilteredLreluBackward } from '../../src/generator/kernels/filtered-lrelu-backward.js';
import { SOURCE_SHA256, WASM_BASE64 } from '../../src/generator/kernels/filtered-lrelu-backward-wasm.js';
import { filteredLrelu } from '../../src/signal/filtered-lrelu.js';
import { Rng } from '../../src/generator/rng.js';
import { manifest, npy } from '../helpers/golden.js';
import { trackWasmHeap } from '../helpers/wasm-heap.js';
import { assertHeapKernelModule } from '../helpers/wasm-module.js';

before(async () => {
  await setBackend('wasm');
  await ensureGradients();
});
after(() => setFilteredLreluGradient('auto'));

/** n uniform numbers in [lo, hi) from the project's seeded generator, as float32. */
function values(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
}

/** NCHW data → NHWC data. */
function toNHWC(a: ArrayLike<number>, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(n * c * h * w);
  for (let s = 0; s < n; s++)
    for (let k = 0; k < c; k++)
      for (let i = 0; i < h * w; i++) out[(s * h * w + i) * c + k] = a[(s * c + k) * h * w + i];
  return out;
}

/**
 * ∂/∂x and ∂/∂b of Σ dy ⊙ plan.applyDifferentiable(x, b) (NHWC x and dy), on the path that
 * `setFilteredLreluGradient` selects; also returns that path.
 */
function planGrads(
  plan: FilteredLreluPlan,
  x: tf.Tensor4D,
  b: tf.Tensor1D | null,
  dy: tf.Tensor4D,
): { dx: Float32Array; db: Float32Array | null; path: string } {
  let path = '';
  const f = (...t: tf.Tensor[]) => {
    path = plan.gradientPath();
    return tf.sum(tf.mul(plan.applyDifferentiable(t[0] as tf.Tensor4D, (t[1] as tf.Tensor1D) ?? null), dy));
  };
  const g = tf.grads(f)(b ? [x, b] : [x]);
  const out = { dx: g[0].dataSync() as Float32Array, db: b ? (g[1].dataSync() as Float32Array) : null, path };
  tf.dispose(g);
  return out;
}

const caseArb = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    c: fc.integer({ min: 1, max: 11 }),
    h: fc.integer({ min: 2, max: 8 }),
    w: fc.integer({ min: 2, max: 8 }),
    up: fc.integer({ min: 1, max: 4 }),
    down: fc.integer({ min: 1, max: 3 }),
    lu: fc.integer({ min: 1, max: 12 }),
    radial: fc.boolean(),
    ldh: fc.integer({ min: 1, max: 8 }),
    ldw: fc.integer({ min: 1, max: 8 }),
    pad: fc.array(fc.integer({ min: -3, max: 10 }), { minLength: 4, maxLength: 4 }),
    gain: fc.double({ min: 0.1, max: 3, noNaN: true }),
    slope: fc.constantFrom(0.2, 1, 0, 0.5),
    clamp: fc.option(fc.double({ min: 0.05, max: 2, noNaN: true }), { nil: null }),
    flip: fc.boolean(),
    bias: fc.boolean(),
    seed: fc.integer({ min: 1, max: 1e9 }),
  })
  .map((k) => ({ ...k, ldw: k.radial ? k.ldw : k.ldh }));

test('fused backward: dx and db equal float64 central differences on random geometries', () => {
  // Tolerances: |Δdx| ≤ 2e-5·max|dx_ref| + 1e-6 element-wise; |Δdb[c]| ≤ 2e-5·Σ|dx_ref[·, c]| + 1e-6.
  // The map is piecewise linear, so central differences (step 1e-7, float64) are exact to ~1e-8
  // away from the kinks of the leaky ReLU and the clamp, which random data does not hit.
  let runs = 0;
  setFilteredLreluGradient('fused');
  try {
    fc.assert(
      fc.property(caseArb, (k) => {
        const [x0, x1, y0, y1] = k.pad;
        const tw = k.w * k.up + x0 + x1 - k.lu + 1;
        const th = k.h * k.up + y0 + y1 - k.lu + 1;
        fc.pre(tw >= k.ldw && th >= k.ldh && !(k.up === 1 && k.down === 1 && k.lu === 1 && k.ldh === 1));
        const shape = [k.n, k.c, k.h, k.w];
        const xs = values(k.n * k.c * k.h * k.w, k.seed, -2, 2);
        const fu = Array.from(values(k.lu, k.seed + 1, 0, 1));
        const fdTaps = Array.from(values(k.radial ? k.ldh * k.ldw : k.ldh, k.seed + 2, -0.2, 1));
        const fd2 = Array.from({ length: k.ldh }, (_, a) => fdTaps.slice(a * k.ldw, (a + 1) * k.ldw));
        const bias = k.bias ? values(k.c, k.seed + 3, -0.5, 0.5) : null;
        const opts = {
          fu,
          fd: k.radial ? fd2 : fdTaps,
          b: bias,
          up: k.up,
          down: k.down,
          padding: k.pad,
          gain: k.gain,
          slope: k.slope,
          clamp: k.clamp,
          flipFilter: k.flip,
        };
        const ref = (data: Float64Array) => filteredLrelu(ndarray(data, shape), opts);
        const y0s = ref(Float64Array.from(xs));
        const [, , oh, ow] = y0s.shape;
        const dys = values(k.n * k.c * oh * ow, k.seed + 4, -1, 1);
        // Central differences: one spatial position of every map at once (maps are independent).
        const eps = 1e-7;
        const dxRef = new Float64Array(xs.length);
        for (let p = 0; p < k.h * k.w; p++) {
          const plus = Float64Array.from(xs);
          const minus = Float64Array.from(xs);
          for (let m = 0; m < k.n * k.c; m++) {
            plus[m * k.h * k.w + p] += eps;
            minus[m * k.h * k.w + p] -= eps;
          }
          const yp = ref(plus).data;
          const ym = ref(minus).data;
          for (let m = 0; m < k.n * k.c; m++) {
            let acc = 0;
            for (let q = 0; q < oh * ow; q++)
              acc += dys[m * oh * ow + q] * (yp[m * oh * ow + q] - ym[m * oh * ow + q]);
            dxRef[m * k.h * k.w + p] = acc / (2 * eps);
          }
        }
        const params: FilteredLreluParams = {
          fu,
          fd: k.radial ? { data: fdTaps, shape: [k.ldh, k.ldw] } : fdTaps,
          up: k.up,
          down: k.down,
          padding: k.pad as [number, number, number, number],
          gain: k.gain,
          slope: k.slope,
          clamp: k.clamp,
          flipFilter: k.flip,
        };
        const plan = new FilteredLreluPlan(k.c, params);
        try {
          const x = tf.tensor4d(toNHWC(xs, shape), [k.n, k.h, k.w, k.c]);
          const b = bias ? tf.tensor1d(bias) : null;
          const dy = tf.tensor4d(toNHWC(dys, [k.n, k.c, oh, ow]), [k.n, oh, ow, k.c]);
          const got = planGrads(plan, x, b, dy);
          tf.dispose([x, b, dy].filter((t) => t !== null) as tf.Tensor[]);
          assert.equal(got.path, 'fused');
          const want = toNHWC(dxRef, shape);
          let max = 0;
          for (const v of want) max = Math.max(max, Math.abs(v));
          for (let i = 0; i < want.length; i++)
            assert.ok(
              Math.abs(got.dx[i] - want[i]) <= 2e-5 * max + 1e-6,
              `dx element ${i}: ${got.dx[i]} vs ${want[i]} (max ${max})`,
            );
          if (bias) {
            for (let c = 0; c < k.c; c++) {
              let sum = 0;
              let abs = 0;
              for (let i = c; i < want.length; i += k.c) {
                sum += want[i];
                abs += Math.abs(want[i]);
              }
              assert.ok(Math.abs(got.db![c] - sum) <= 2e-5 * abs + 1e-6, `db[${c}]: ${got.db![c]} vs ${sum}`);
            }
          }
          runs++;
        } finally {
          plan.dispose();
        }
      }),
      { numRuns: 60, seed: 20261202 },
    );
  } finally {
    setFilteredLreluGradient('auto');
  }
  assert.ok(runs >= 30, `only ${runs} cases ran`);
});

function filterArg(file: string | undefined): FilterTaps | null {
  if (!file) return null;
  const a = npy('filtered_lrelu', file);
  if (a.shape.length === 2) return { data: a.data as ArrayLike<number>, shape: [a.shape[0], a.shape[1]] };
  return Float64Array.from(a.data as ArrayLike<number>);
}

for (const c of manifest('filtered_lrelu').filter(
  (c) => !c.fn.endsWith('bias_act') && (c.inputs.fu || c.inputs.fd),
))
  test(`fused backward equals the op path's autograd gradient (1e-5·max), or 2-D fu → ops: golden ${c.name}`, () => {
    const a = npy('filtered_lrelu', c.inputs.x);
    const [n, ch, h, w] = a.shape;
    const x = tf.tensor4d(toNHWC(a.data as ArrayLike<number>, a.shape), [n, h, w, ch]);
    const b = tf.tensor1d(Float32Array.from(npy('filtered_lrelu', c.inputs.b).data as ArrayLike<number>));
    const fu = filterArg(c.inputs.fu);
    const plan = new FilteredLreluPlan(ch, {
      fu,
      fd: filterArg(c.inputs.fd),
      up: c.params.up,
      down: c.params.down,
      padding: c.params.padding,
      gain: c.params.gain,
      slope: c.params.slope,
      // the golden '_clamped' cases scale x so that the clamp is active
      clamp: c.params.clamp,
      flipFilter: c.params.flip_filter,
    });
    try {
      if (fu && 'shape' in fu) {
        // A 2-D up filter (generic use, no generator layer has one): the op path, by itself.
        assert.equal(plan.gradientPath(), 'ops');
        setFilteredLreluGradient('fused');
        assert.throws(() => plan.gradientPath(), /needs a separable up filter/);
        return;
      }
      const [oh, ow] = plan.outputSize(h, w);
      const dy = tf.tensor4d(values(n * oh * ow * ch, 7, -1, 1), [n, oh, ow, ch]);
      const run = (alg: 'fused' | 'ops') => {
        setFilteredLreluGradient(alg);
        try {
          return planGrads(plan, x, b, dy);
        } finally {
          setFilteredLreluGradient('auto');
        }
      };
      const fused = run('fused');
      const ops = run('ops');
      assert.equal(fused.path, 'fused');
      assert.equal(ops.path, 'ops');
      for (const [what, got, want] of [
        ['dx', fused.dx, ops.dx],
        ['db', fused.db!, ops.db!],
      ] as const) {
        let max = 0;
        for (const v of want) max = Math.max(max, Math.abs(v));
        assert.ok(max > 0, `${what} is not all zeros`);
        for (let i = 0; i < want.length; i++)
          assert.ok(
            Math.abs(got[i] - want[i]) <= 1e-5 * max,
            `${what} ${i}: ${got[i]} vs ${want[i]} (max ${max})`,
          );
      }
      tf.dispose(dy);
    } finally {
      setFilteredLreluGradient('auto');
      plan.dispose();
      tf.dispose([x, b]);
    }
  });

/** A small up-2/down-2 layer with clamp, bias and an 8·k + 3 channel count (a partial block). */
function smallLayer(radial: boolean): { plan: FilteredLreluPlan; x: tf.Tensor4D; b: tf.Tensor1D } {
  const fd = radial
    ? { data: Array.from(values(25, 5, 0, 0.2)), shape: [5, 5] as [number, number] }
    : [0.1, 0.3, 0.3, 0.1];
  const plan = new FilteredLreluPlan(11, {
    fu: [0.1, 0.4, 0.4, 0.1],
    fd,
    up: 2,
    down: 2,
    padding: [3, 2, 3, 2],
    gain: Math.SQRT2,
    slope: 0.2,
    clamp: 0.8,
  });
  const x = tf.tensor4d(values(2 * 6 * 7 * 11, 11, -1, 1), [2, 6, 7, 11]);
  const b = tf.tensor1d(values(11, 12, -0.3, 0.3));
  return { plan, x, b };
}

test('second derivatives: auto takes the op path inside a recorded gradient; forced fused says why', () => {
  for (const radial of [false, true]) {
    const { plan, x, b } = smallLayer(radial);
    const proj = tf.tensor4d(values(2 * 6 * 7 * 11, 13, -1, 1), [2, 6, 7, 11]);
    // ∂/∂x of |∂L/∂x|² needs the gradient of the gradient (like R1 or the path-length penalty).
    const penalty = () =>
      tf.grad((xx: tf.Tensor) => {
        const g = tf.grad((xi: tf.Tensor) => tf.sum(plan.applyDifferentiable(xi as tf.Tensor4D, b)))(xx);
        return tf.sum(tf.mul(tf.square(g), proj));
      })(x);
    const run = (alg: 'auto' | 'ops' | 'fused') => {
      setFilteredLreluGradient(alg);
      try {
        const g = penalty();
        const d = g.dataSync().slice();
        g.dispose();
        return d;
      } finally {
        setFilteredLreluGradient('auto');
      }
    };
    // The second derivative of a piecewise linear map is zero almost everywhere: the op path
    // returns zeros, and 'auto' must agree with it (not fail, not differ).
    assert.deepEqual(Array.from(run('auto')), Array.from(run('ops')));
    assert.throws(() => run('fused'), /first-order gradient only/);
    // One level of gradient: 'auto' runs the fused backward.
    assert.equal(plan.gradientPath(), 'fused');
    tf.dispose([x, b, proj]);
    plan.dispose();
  }
});

test('fused backward: no heap block or tensor left behind; a failed allocation frees what it took', () => {
  for (const radial of [false, true]) {
    const { plan, x, b } = smallLayer(radial);
    const [oh, ow] = plan.outputSize(6, 7);
    const dy = tf.tensor4d(values(2 * oh * ow * 11, 14, -1, 1), [2, oh, ow, 11]);
    setFilteredLreluGradient('fused');
    try {
      const tensors = tf.memory().numTensors;
      const { live, error } = trackWasmHeap(() => {
        const got = planGrads(plan, x, b, dy);
        assert.equal(got.path, 'fused');
      });
      assert.equal(error, null);
      // The plan's cached kernels (compiled once, kept on purpose) are the only blocks allowed.
      assert.equal(live.size, 0, `${live.size} heap blocks left`);
      assert.equal(tf.memory().numTensors, tensors);
    } finally {
      setFilteredLreluGradient('auto');
    }
    // The kernel allocates dx, db, its parameter block, then its scratch: refuse the scratch.
    const spec = (plan as unknown as { fusedSpec(h: number, w: number): never }).fusedSpec(6, 7);
    const tensors = tf.memory().numTensors;
    const { live, allocations, error } = trackWasmHeap(() => fusedFilteredLreluBackward(x, b, dy, spec), {
      refuseCall: 4,
    });
    assert.match(String(error), /out of wasm memory \(\d+ bytes requested\)/);
    assert.equal(allocations, 4);
    assert.equal(live.size, 0, 'dx, db and the parameter block were freed');
    assert.equal(tf.memory().numTensors, tensors);
    assert.throws(
      () => fusedFilteredLreluBackward(x, b, tf.zeros([2, oh + 1, ow, 11]) as tf.Tensor4D, spec),
      /dy must have the output shape \[2, \d+, \d+, 11\]/,
    );
    assert.throws(
      () => fusedFilteredLreluBackward(x, tf.zeros([3]) as tf.Tensor1D, dy, spec),
      /bias must have 11 entries, got 3/,
    );
    tf.dispose([x, b, dy]);
    plan.dispose();
  }
});

test('the embedded backward binary is built from the current C source; memory import only, no data', () => {
  const src = readFileSync(new URL('../../src/generator/kernels/filtered-lrelu-backward.c', import.meta.url));
  assert.equal(
    createHash('sha256').update(src).digest('hex'),
    SOURCE_SHA256,
    'filtered-lrelu-backward.c changed: run scripts/build-kernels.sh',
  );
  assertHeapKernelModule(WASM_BASE64, ['filtered_lrelu_backward', 'scratch_floats'], false);
});

test("'auto' follows a forward forced onto tfjs ops; 'fused' and 'ops' force the gradient path", () => {
  const { plan, x, b } = smallLayer(false);
  try {
    assert.equal(plan.gradientPath(), 'fused');
    setFilteredLreluAlgorithm('ops');
    assert.equal(plan.gradientPath(), 'ops');
    setFilteredLreluGradient('fused');
    assert.equal(plan.gradientPath(), 'fused');
    setFilteredLreluAlgorithm('auto');
    setFilteredLreluGradient('ops');
    assert.equal(plan.gradientPath(), 'ops');
    assert.throws(() => setFilteredLreluGradient('gpu' as never), /'auto', 'fused' or 'ops', got gpu/);
  } finally {
    setFilteredLreluAlgorithm('auto');
    setFilteredLreluGradient('auto');
    tf.dispose([x, b]);
    plan.dispose();
  }
});

test('off the wasm backend the trainable path is the op path', async () => {
  await setBackend('cpu');
  try {
    const plan = new FilteredLreluPlan(2, {
      fu: [0.25, 0.5, 0.25],
      fd: [0.5, 0.5],
      up: 2,
      down: 2,
      padding: 1,
      gain: 1,
      slope: 0.2,
      clamp: null,
    });
    assert.equal(plan.gradientPath(), 'ops');
    setFilteredLreluGradient('fused');
    assert.throws(() => plan.gradientPath(), /unavailable: the tfjs backend is 'cpu'/);
    plan.dispose();
  } finally {
    setFilteredLreluGradient('auto');
    await setBackend('wasm');
  }
});
