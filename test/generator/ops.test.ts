/**
 * The generator's TensorFlow.js ops against the official reference outputs (golden groups
 * `filtered_lrelu/` incl. its bias_act cases, and `modconv/`), on the wasm backend. Every case of the
 * manifests is checked with |Δ| ≤ 1e-5·max|ref|.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { manifest, npy, assertCloseToMax } from '../helpers/golden.js';
import { setBackend } from '../../src/generator/backend.js';
import {
  FilteredLreluPlan,
  setFilteredLreluAlgorithm,
  type FilteredLreluAlgorithm,
  type FilterTaps,
} from '../../src/generator/ops/filtered-lrelu.js';
import { biasActTf } from '../../src/generator/ops/bias-act.js';
import { modulatedConv2d } from '../../src/generator/ops/modulated-conv.js';

before(async () => {
  await setBackend('wasm');
});

function tensor(group: string, file: string): tf.Tensor {
  const a = npy(group, file);
  return tf.tensor(Float32Array.from(a.data as ArrayLike<number>), a.shape);
}

function filterArg(group: string, file: string | undefined): FilterTaps | null {
  if (!file) return null;
  const a = npy(group, file);
  if (a.shape.length === 2) return { data: a.data as ArrayLike<number>, shape: [a.shape[0], a.shape[1]] };
  return Float64Array.from(a.data as ArrayLike<number>);
}

for (const c of manifest('filtered_lrelu')) {
  // Every filtered_lrelu case runs through both implementations: 'auto' (the fused WebAssembly
  // kernel wherever it applies) and 'ops' (the blocked tfjs-op path other backends use).
  const algorithms: FilteredLreluAlgorithm[] = c.fn.endsWith('bias_act') ? ['auto'] : ['auto', 'ops'];
  for (const alg of algorithms)
    test(`filtered_lrelu golden (${alg}): ${c.name}`, () => {
      const x = tensor('filtered_lrelu', c.inputs.x);
      const b = c.inputs.b ? (tensor('filtered_lrelu', c.inputs.b) as tf.Tensor1D) : null;
      const expected = npy('filtered_lrelu', c.outputs.y);
      let y: tf.Tensor;
      if (c.fn.endsWith('bias_act')) {
        y = biasActTf(x, {
          b,
          act: c.params.act,
          alpha: c.params.alpha,
          gain: c.params.gain,
          clamp: c.params.clamp,
          dim: c.params.dim,
        });
      } else {
        const fu = filterArg('filtered_lrelu', c.inputs.fu);
        const plan = new FilteredLreluPlan(x.shape[1]!, {
          fu,
          fd: filterArg('filtered_lrelu', c.inputs.fd),
          up: c.params.up,
          down: c.params.down,
          padding: c.params.padding,
          gain: c.params.gain,
          slope: c.params.slope,
          clamp: c.params.clamp,
          flipFilter: c.params.flip_filter,
        });
        setFilteredLreluAlgorithm(alg);
        try {
          const path = plan.path();
          if (alg === 'ops') assert.notEqual(path, 'fused');
          // On wasm the fused kernel covers every separable-up case with a positive gain, except
          // the filterless one (ToRGB), which stays a pointwise tfjs op.
          else if (fu === null || fu instanceof Float64Array) {
            const filterless =
              c.params.fu_is_none && c.params.fd_is_none && c.params.up === 1 && c.params.down === 1;
            const expected = filterless ? 'pointwise' : Number(c.params.gain) > 0 ? 'fused' : 'blocked';
            assert.equal(path, expected, `${c.name}: path`);
          }
          y = plan.applyNCHW(x as tf.Tensor4D, b);
        } finally {
          setFilteredLreluAlgorithm('auto');
          plan.dispose();
        }
      }
      assert.deepEqual(y.shape, expected.shape);
      assertCloseToMax(y.dataSync(), expected.data as ArrayLike<number>, 1e-5, c.name);
      tf.dispose([x, y, ...(b ? [b] : [])]);
    });
}

for (const c of manifest('modconv')) {
  test(`modulated_conv2d golden: ${c.name}`, () => {
    const x = tensor('modconv', c.inputs.x) as tf.Tensor4D;
    const w = tensor('modconv', c.inputs.w) as tf.Tensor4D;
    const s = tensor('modconv', c.inputs.s) as tf.Tensor2D;
    let g: tf.Tensor | null = null;
    if (c.inputs.input_gain) {
      const a = npy('modconv', c.inputs.input_gain);
      const data = Float32Array.from(a.data as ArrayLike<number>);
      g = data.length === 1 ? tf.scalar(data[0]) : tf.tensor(data, a.shape);
    }
    const y = modulatedConv2d(x, w, s, {
      demodulate: c.params.demodulate,
      padding: c.params.padding,
      inputGain: g,
    });
    const expected = npy('modconv', c.outputs.y);
    assert.deepEqual(y.shape, expected.shape);
    assertCloseToMax(y.dataSync(), expected.data as ArrayLike<number>, 1e-5, c.name);
    tf.dispose([x, w, s, y, ...(g ? [g] : [])]);
  });
}
