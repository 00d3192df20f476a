/**
 * The fused WebAssembly filtered-lrelu kernel (src/generator/kernels): random geometries against
 * the float64 reference of `aliasfree/signal` (an independent implementation of the official ref
 * path), the binary's provenance and memory contract, and the fallback off the wasm backend.
 * (The golden cases run through it in ops.test.ts, the golden generators in generators.test.ts.)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import ndarray from 'ndarray';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/generator/backend.js';
import {
  FilteredLreluPlan,
  setFilteredLreluAlgorithm,
  type FilteredLreluParams,
} from '../../src/generator/ops/filtered-lrelu.js';
import { fusedFilteredLrelu, fusedFilteredLreluSupport } from '../../src/generator/kernels/filtered-lrelu.js';
import { SOURCE_SHA256, WASM_BASE64 } from '../../src/generator/kernels/filtered-lrelu-wasm.js';
import { filteredLrelu } from '../../src/signal/filtered-lrelu.js';
import { Rng } from '../../src/generator/rng.js';
import { trackWasmHeap } from '../helpers/wasm-heap.js';
import { assertHeapKernelModule } from '../helpers/wasm-module.js';

before(async () => {
  await setBackend('wasm');
});
after(() => setFilteredLreluAlgorithm('auto'));

/** n uniform numbers in [lo, hi) from the project's seeded generator, as float32. */
function values(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
}

const caseArb = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    c: fc.integer({ min: 1, max: 19 }),
    h: fc.integer({ min: 2, max: 11 }),
    w: fc.integer({ min: 2, max: 11 }),
    up: fc.integer({ min: 1, max: 4 }),
    down: fc.integer({ min: 1, max: 3 }),
    lu: fc.integer({ min: 1, max: 14 }),
    radial: fc.boolean(),
    // radial taps with mirror-symmetric rows (as the jinc filters): the kernel's paired-tap path
    mirror: fc.boolean(),
    ldh: fc.integer({ min: 1, max: 9 }),
    ldw: fc.integer({ min: 1, max: 9 }),
    pad: fc.array(fc.integer({ min: -3, max: 12 }), { minLength: 4, maxLength: 4 }),
    gain: fc.double({ min: 0.1, max: 3, noNaN: true }),
    slope: fc.constantFrom(0.2, 1, 0, 0.5),
    clamp: fc.option(fc.double({ min: 0.05, max: 2, noNaN: true }), { nil: null }),
    flip: fc.boolean(),
    bias: fc.boolean(),
    seed: fc.integer({ min: 1, max: 1e9 }),
  })
  .map((k) => ({ ...k, ldw: k.radial ? k.ldw : k.ldh }));

test('fused kernel equals the float64 reference on random geometries (1e-5·max)', () => {
  let fusedRuns = 0;
  fc.assert(
    fc.property(caseArb, (k) => {
      const [x0, x1, y0, y1] = k.pad;
      const tw = k.w * k.up + x0 + x1 - k.lu + 1;
      const th = k.h * k.up + y0 + y1 - k.lu + 1;
      fc.pre(tw >= k.ldw && th >= k.ldh);
      const xs = values(k.n * k.c * k.h * k.w, k.seed, -2, 2);
      const fu = Array.from(values(k.lu, k.seed + 1, 0, 1));
      const fdTaps = Array.from(values(k.radial ? k.ldh * k.ldw : k.ldh, k.seed + 2, -0.2, 1));
      if (k.radial && k.mirror)
        for (let a = 0; a < k.ldh; a++)
          for (let b = 0; b < k.ldw; b++)
            fdTaps[a * k.ldw + b] = fdTaps[a * k.ldw + Math.min(b, k.ldw - 1 - b)];
      const fd2 = Array.from({ length: k.ldh }, (_, a) => fdTaps.slice(a * k.ldw, (a + 1) * k.ldw));
      const bias = k.bias ? values(k.c, k.seed + 3, -0.5, 0.5) : null;
      const ref = filteredLrelu(ndarray(Float64Array.from(xs), [k.n, k.c, k.h, k.w]), {
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
      });
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
      setFilteredLreluAlgorithm('fused');
      try {
        assert.equal(plan.path(), 'fused');
        const got = tf.tidy(() => {
          const x = tf.tensor4d(xs, [k.n, k.c, k.h, k.w]);
          const b = bias ? tf.tensor1d(bias) : null;
          return plan.applyNCHW(x, b);
        });
        assert.deepEqual(got.shape, ref.shape);
        const g = got.dataSync();
        got.dispose();
        const r = ref.data;
        let max = 0;
        for (let i = 0; i < r.length; i++) max = Math.max(max, Math.abs(r[i]));
        for (let i = 0; i < r.length; i++)
          assert.ok(Math.abs(g[i] - r[i]) <= 1e-5 * max + 1e-6, `element ${i}: ${g[i]} vs ${r[i]}`);
        fusedRuns++;
      } finally {
        setFilteredLreluAlgorithm('auto');
        plan.dispose();
      }
    }),
    { numRuns: 150, seed: 20261126 },
  );
  assert.ok(fusedRuns >= 75, `only ${fusedRuns} cases ran`);
});

test('the embedded wasm binary is built from the current C source', () => {
  const src = readFileSync(new URL('../../src/generator/kernels/filtered-lrelu.c', import.meta.url));
  assert.equal(
    createHash('sha256').update(src).digest('hex'),
    SOURCE_SHA256,
    'filtered-lrelu.c changed: run scripts/build-kernels.sh',
  );
});

test('the wasm module imports only a memory and has no data segment (it runs in the tfjs heap)', () => {
  assertHeapKernelModule(WASM_BASE64, ['filtered_lrelu', 'scratch_floats'], false);
});

test('fused kernel: bad input is rejected with a clear error', () => {
  const x = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
  const spec = {
    up: 1,
    padX0: 0,
    padY0: 0,
    tw: 4,
    th: 4,
    upX: Float32Array.of(1),
    upY: Float32Array.of(1),
    down: 1,
    downTaps: Float32Array.of(1),
    downShape: null,
    oh: 4,
    ow: 4,
    slope: 0.2,
    clamp: null,
  };
  assert.throws(() => fusedFilteredLrelu(x, tf.zeros([2]) as tf.Tensor1D, spec), /bias must have 3 entries/);
  assert.throws(() => fusedFilteredLrelu(x, null, { ...spec, oh: 5 }), /reads past the temporary/);
  assert.throws(
    () => fusedFilteredLrelu(x, null, { ...spec, downTaps: Float32Array.of(1, 2), downShape: [1, 1] }),
    /does not match 1×1/,
  );
  const ones = fusedFilteredLrelu(tf.ones([1, 4, 4, 3]) as tf.Tensor4D, null, spec);
  assert.deepEqual(Array.from(ones.dataSync()), new Array(48).fill(1));
  tf.dispose([x, ones]);
});

test('off the wasm backend the plan falls back to tfjs ops and says why', async () => {
  await setBackend('cpu');
  try {
    const support = fusedFilteredLreluSupport();
    assert.equal(support.ok, false);
    assert.match(support.reason, /'cpu', not 'wasm'/);
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
    assert.equal(plan.path(), 'blocked');
    setFilteredLreluAlgorithm('fused');
    assert.throws(() => plan.path(), /unavailable: the tfjs backend is 'cpu'/);
    setFilteredLreluAlgorithm('auto');
    plan.dispose();
  } finally {
    setFilteredLreluAlgorithm('auto');
    await setBackend('wasm');
  }
  assert.equal(fusedFilteredLreluSupport().ok, true);
});

test('fused kernel: a failed heap allocation throws a clear error and frees what it took', () => {
  const x = tf.ones([1, 6, 6, 4]) as tf.Tensor4D;
  const spec = {
    up: 2,
    padX0: 1,
    padY0: 1,
    tw: 12,
    th: 12,
    upX: Float32Array.of(0.5, 1, 0.5),
    upY: Float32Array.of(0.5, 1, 0.5),
    down: 2,
    downTaps: Float32Array.of(0.5, 0.5),
    downShape: null,
    oh: 6,
    ow: 6,
    slope: 0.2,
    clamp: null,
  };
  const before = tf.memory().numTensors;
  // The kernel allocates its output, its parameter block, then its scratch: refuse the scratch.
  const { live, allocations, error } = trackWasmHeap(() => fusedFilteredLrelu(x, null, spec), {
    refuseCall: 3,
  });
  assert.match(String(error), /out of wasm memory \(\d+ bytes requested\)/);
  assert.equal(allocations, 3);
  assert.equal(live.size, 0, 'the output and the parameter block were freed');
  assert.equal(tf.memory().numTensors, before);
  const y = fusedFilteredLrelu(x, null, spec); // and the next call works
  assert.deepEqual(y.shape, [1, 6, 6, 4]);
  tf.dispose([x, y]);
});
