// Golden parity of the upfirdn family: every case of test/golden/upfirdn, dispatched by `fn`
// (official torch_utils.ops.upfirdn2d.* in float32, scipy.signal.upfirdn in float64).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NdArray } from 'ndarray';
import { manifest, npy, assertCloseToMax, type GoldenCase } from '../helpers/golden.js';
import { upfirdn, upfirdnLength } from '../../src/signal/upfirdn.js';
import { upfirdn2d, setupFilter, filter2d, upsample2d, downsample2d } from '../../src/signal/upfirdn2d.js';

const GROUP = 'upfirdn';
const F32_TOL = 1e-5;
const F64_TOL = 1e-12;

function input(c: GoldenCase, key: string): NdArray {
  return npy(GROUP, c.inputs[key]) as NdArray;
}

/** The filter argument: absent from the case (None in the official call) → null. */
function filterInput(c: GoldenCase): NdArray | null {
  return c.inputs.f && !c.params.f_is_none ? input(c, 'f') : null;
}

function run(c: GoldenCase): { actual: NdArray | Float64Array; expected: NdArray; tol: number } {
  const p = c.params;
  switch (c.fn) {
    case 'scipy.signal.upfirdn': {
      const h = input(c, 'h').data as Float64Array;
      const x = input(c, 'x').data as Float64Array;
      return {
        actual: upfirdn(h, x, p.up, p.down),
        expected: npy(GROUP, c.outputs.y) as NdArray,
        tol: F64_TOL,
      };
    }
    case 'torch_utils.ops.upfirdn2d.upfirdn2d': {
      const f = filterInput(c);
      const y = upfirdn2d(input(c, 'x'), f, {
        up: p.up,
        down: p.down,
        padding: p.padding,
        flipFilter: p.flip_filter,
        gain: p.gain,
      });
      return { actual: y, expected: npy(GROUP, c.outputs.y) as NdArray, tol: F32_TOL };
    }
    case 'torch_utils.ops.upfirdn2d.filter2d': {
      const y = filter2d(input(c, 'x'), filterInput(c), {
        padding: p.padding,
        flipFilter: p.flip_filter,
        gain: p.gain,
      });
      return { actual: y, expected: npy(GROUP, c.outputs.y) as NdArray, tol: F32_TOL };
    }
    case 'torch_utils.ops.upfirdn2d.upsample2d': {
      const y = upsample2d(input(c, 'x'), filterInput(c), {
        up: p.up,
        padding: p.padding,
        flipFilter: p.flip_filter,
        gain: p.gain,
      });
      return { actual: y, expected: npy(GROUP, c.outputs.y) as NdArray, tol: F32_TOL };
    }
    case 'torch_utils.ops.upfirdn2d.downsample2d': {
      const y = downsample2d(input(c, 'x'), filterInput(c), {
        down: p.down,
        padding: p.padding,
        flipFilter: p.flip_filter,
        gain: p.gain,
      });
      return { actual: y, expected: npy(GROUP, c.outputs.y) as NdArray, tol: F32_TOL };
    }
    case 'torch_utils.ops.upfirdn2d.setup_filter': {
      const y = setupFilter(filterInput(c), {
        normalize: p.normalize,
        flipFilter: p.flip_filter,
        gain: p.gain,
        separable: p.separable,
      });
      return { actual: y, expected: npy(GROUP, c.outputs.f_out) as NdArray, tol: F32_TOL };
    }
    default:
      throw new Error(`no dispatch for fn ${c.fn} (case ${c.name})`);
  }
}

const cases = manifest(GROUP);

test('the upfirdn manifest has cases of every kind', () => {
  const fns = new Set(cases.map((c) => c.fn));
  for (const fn of [
    'scipy.signal.upfirdn',
    'torch_utils.ops.upfirdn2d.upfirdn2d',
    'torch_utils.ops.upfirdn2d.setup_filter',
  ])
    assert.ok(fns.has(fn), fn);
});

for (const c of cases) {
  test(`golden upfirdn/${c.name} (${c.fn.split('.').pop()})`, (t) => {
    const { actual, expected, tol } = run(c);
    if (actual instanceof Float64Array) {
      assert.equal(actual.length, expected.shape[0], 'length');
      assert.equal(
        upfirdnLength(input(c, 'h').shape[0], input(c, 'x').shape[0], c.params.up, c.params.down),
        actual.length,
      );
      t.diagnostic(
        `max|Δ|/max|ref| = ${assertCloseToMax(actual, expected.data as Float64Array, tol, c.name).toExponential(2)}`,
      );
    } else {
      assert.deepEqual(actual.shape, expected.shape, `${c.name}: shape`);
      // Output dtype follows the input dtype (float32 here, as in the official op).
      assert.ok(actual.data instanceof Float32Array, `${c.name}: float32 output`);
      t.diagnostic(
        `max|Δ|/max|ref| = ${assertCloseToMax(actual.data, expected.data as Float32Array, tol, c.name).toExponential(2)}`,
      );
    }
  });
}
