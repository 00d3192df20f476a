// Golden parity of filteredLrelu and biasAct: every case of test/golden/filtered_lrelu, dispatched
// by `fn` (official torch_utils.ops.filtered_lrelu.filtered_lrelu and bias_act.bias_act, float32).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NdArray } from 'ndarray';
import { manifest, npy, assertCloseToMax, maxAbs, type GoldenCase } from '../helpers/golden.js';
import { filteredLrelu } from '../../src/signal/filtered-lrelu.js';
import { biasAct } from '../../src/signal/bias-act.js';
import { fromData } from '../../src/signal/array.js';

const GROUP = 'filtered_lrelu';
const TOL = 1e-5;

function input(c: GoldenCase, key: string): NdArray | null {
  return c.inputs[key] ? (npy(GROUP, c.inputs[key]) as NdArray) : null;
}

function run(c: GoldenCase): NdArray {
  const p = c.params;
  const x = input(c, 'x')!;
  switch (c.fn) {
    case 'torch_utils.ops.filtered_lrelu.filtered_lrelu':
      return filteredLrelu(x, {
        fu: p.fu_is_none ? null : input(c, 'fu'),
        fd: p.fd_is_none ? null : input(c, 'fd'),
        b: input(c, 'b'),
        up: p.up,
        down: p.down,
        padding: p.padding,
        gain: p.gain,
        slope: p.slope,
        clamp: p.clamp,
        flipFilter: p.flip_filter,
      });
    case 'torch_utils.ops.bias_act.bias_act':
      return biasAct(x, {
        b: input(c, 'b'),
        dim: p.dim,
        act: p.act,
        alpha: p.alpha,
        gain: p.gain,
        clamp: p.clamp,
      });
    default:
      throw new Error(`no dispatch for fn ${c.fn} (case ${c.name})`);
  }
}

const cases = manifest(GROUP);

test('the filtered_lrelu manifest has both kinds of case', () => {
  const fns = new Set(cases.map((c) => c.fn));
  assert.ok(fns.has('torch_utils.ops.filtered_lrelu.filtered_lrelu'));
  assert.ok(fns.has('torch_utils.ops.bias_act.bias_act'));
});

for (const c of cases) {
  test(`golden filtered_lrelu/${c.name}`, (t) => {
    const y = run(c);
    const ref = npy(GROUP, c.outputs.y) as NdArray;
    assert.deepEqual(y.shape, ref.shape, 'shape');
    assert.ok(y.data instanceof Float32Array, 'float32 in, float32 out');
    const err = assertCloseToMax(y.data, ref.data as Float32Array, TOL, c.name);
    t.diagnostic(`max|Δ|/max|ref| = ${err.toExponential(2)}`);
    if (c.params.clamp !== null && c.params.clamp !== undefined) {
      // The clamp bounds the output of the nonlinearity; after fd the result can overshoot a little,
      // but for bias_act (no filter after the clamp) the bound is exact.
      if (c.fn.endsWith('bias_act')) assert.ok(maxAbs(y.data) <= c.params.clamp * (1 + 1e-7));
    }
    if (c.params.clamp_active) {
      // The same call without the clamp must differ, otherwise the case would not test the clamp.
      const unclamped = filteredLrelu(input(c, 'x')!, {
        fu: c.params.fu_is_none ? null : input(c, 'fu'),
        fd: c.params.fd_is_none ? null : input(c, 'fd'),
        b: input(c, 'b'),
        up: c.params.up,
        down: c.params.down,
        padding: c.params.padding,
        gain: c.params.gain,
        slope: c.params.slope,
        clamp: null,
        flipFilter: c.params.flip_filter,
      });
      const scale = maxAbs(ref.data as Float32Array);
      let differs = false;
      for (let i = 0; i < unclamped.data.length && !differs; i++)
        differs = Math.abs(unclamped.data[i] - y.data[i]) > TOL * scale;
      assert.ok(differs, 'clamp_active: the clamp changes the output');
    }
  });
}

test('biasAct: the other official activations follow their formulas and default gains', () => {
  const xs = [-25, -3, -0.5, 0, 0.25, 2, 30];
  const x = fromData(Float64Array.from(xs), [xs.length, 1]);
  const b = [0.125];
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const formulas: Record<string, [(v: number) => number, number]> = {
    relu: [(v) => Math.max(v, 0), Math.SQRT2],
    tanh: [Math.tanh, 1],
    sigmoid: [sig, 1],
    elu: [(v) => (v > 0 ? v : Math.exp(v) - 1), 1],
    selu: [(v) => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * (Math.exp(v) - 1)), 1],
    softplus: [(v) => (v > 20 ? v : Math.log(1 + Math.exp(v))), 1],
    swish: [(v) => v * sig(v), Math.SQRT2],
  };
  for (const [act, [fn, gain]] of Object.entries(formulas)) {
    const y = biasAct(x, { b, act: act as never });
    xs.forEach((v, i) => {
      const want = gain * fn(v + b[0]);
      assert.ok(Math.abs(y.data[i] - want) <= 1e-14 * (1 + Math.abs(want)), `${act}(${v})`);
    });
    const clamped = biasAct(x, { b, act: act as never, gain: 3, clamp: 1 });
    xs.forEach((v, i) => {
      const want = Math.max(-1, Math.min(1, 3 * fn(v + b[0])));
      assert.ok(Math.abs(clamped.data[i] - want) <= 1e-14, `${act}(${v}) clamped`);
    });
  }
});
