// Bad arguments of the resampling ops throw RangeError/TypeError whose message names the argument.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromData, zeros } from '../../src/signal/array.js';
import { upfirdn } from '../../src/signal/upfirdn.js';
import { upfirdn2d, setupFilter, filter2d, upsample2d, downsample2d } from '../../src/signal/upfirdn2d.js';
import { filteredLrelu } from '../../src/signal/filtered-lrelu.js';
import { biasAct } from '../../src/signal/bias-act.js';

/** Assert that `fn` throws `type` with a message mentioning `name` (the argument) at the start. */
function throwsNaming(fn: () => unknown, type: typeof RangeError | typeof TypeError, name: string) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
    assert.ok(
      (err as Error).message.startsWith(name),
      `message should name ${name}: ${(err as Error).message}`,
    );
    return true;
  });
}

const x4 = zeros([1, 2, 8, 8], 'float32');
const f = [0.25, 0.5, 0.25];

test('upfirdn: up/down must be integers >= 1, h and x non-empty and finite', () => {
  throwsNaming(() => upfirdn(f, [1, 2, 3], 0), RangeError, 'up');
  throwsNaming(() => upfirdn(f, [1, 2, 3], -2), RangeError, 'up');
  throwsNaming(() => upfirdn(f, [1, 2, 3], 1.5), TypeError, 'up');
  throwsNaming(() => upfirdn(f, [1, 2, 3], 1, 0), RangeError, 'down');
  throwsNaming(() => upfirdn(f, [1, 2, 3], 1, 2.5), TypeError, 'down');
  throwsNaming(() => upfirdn([], [1, 2, 3]), RangeError, 'h');
  throwsNaming(() => upfirdn(f, []), RangeError, 'x');
  throwsNaming(() => upfirdn([1, NaN], [1, 2]), TypeError, 'h');
  throwsNaming(() => upfirdn([1], [1, Infinity]), TypeError, 'x');
  throwsNaming(() => upfirdn(null as unknown as number[], [1]), TypeError, 'h');
});

test('upfirdn2d: x must have rank 2, 3 or 4', () => {
  throwsNaming(() => upfirdn2d(zeros([8]), f), RangeError, 'x');
  throwsNaming(() => upfirdn2d(zeros([1, 1, 1, 8, 8]), f), RangeError, 'x');
  throwsNaming(() => upfirdn2d({} as never, f), TypeError, 'x');
  throwsNaming(() => upfirdn2d(fromData(Float32Array.of(1, NaN, 0, 0), [2, 2]), null), TypeError, 'x');
});

test('upfirdn2d: up/down negative, zero, non-integer or of the wrong length', () => {
  throwsNaming(() => upfirdn2d(x4, f, { up: 0 }), RangeError, 'up');
  throwsNaming(() => upfirdn2d(x4, f, { up: -1 }), RangeError, 'up');
  throwsNaming(() => upfirdn2d(x4, f, { up: 2.5 }), TypeError, 'up');
  throwsNaming(() => upfirdn2d(x4, f, { up: [2, 0] }), RangeError, 'up[1]');
  throwsNaming(() => upfirdn2d(x4, f, { up: [2, 2, 2] }), RangeError, 'up');
  throwsNaming(() => upfirdn2d(x4, f, { down: 0 }), RangeError, 'down');
  throwsNaming(() => upfirdn2d(x4, f, { down: [1.5, 1] }), TypeError, 'down[0]');
  throwsNaming(() => upfirdn2d(x4, f, { down: '2' as never }), TypeError, 'down');
});

test('upfirdn2d: padding of the wrong length, non-integer, or cropping below the filter size', () => {
  throwsNaming(() => upfirdn2d(x4, f, { padding: [1, 2, 3] }), RangeError, 'padding');
  throwsNaming(() => upfirdn2d(x4, f, { padding: [1, 2, 3, 4, 5] }), RangeError, 'padding');
  throwsNaming(() => upfirdn2d(x4, f, { padding: [1, 0.5] }), TypeError, 'padding[1]');
  throwsNaming(() => upfirdn2d(x4, f, { padding: 1.5 }), TypeError, 'padding');
  throwsNaming(() => upfirdn2d(x4, f, { padding: [-3, -3, 0, 0] }), RangeError, 'padding');
  throwsNaming(() => downsample2d(x4, f, { padding: -4 }), RangeError, 'padding');
});

test('upfirdn2d family: filters with NaN, no taps or rank 3 are rejected', () => {
  throwsNaming(() => upfirdn2d(x4, [0.5, NaN]), TypeError, 'f');
  throwsNaming(() => upfirdn2d(x4, fromData(Float32Array.of(1, Infinity, 0, 0), [2, 2])), TypeError, 'f');
  throwsNaming(() => upfirdn2d(x4, []), RangeError, 'f');
  throwsNaming(() => upfirdn2d(x4, zeros([2, 2, 2])), RangeError, 'f');
  throwsNaming(() => upfirdn2d(x4, [[1, 2], [3]]), RangeError, 'f');
  throwsNaming(() => filter2d(x4, [NaN]), TypeError, 'f');
  throwsNaming(() => upsample2d(x4, [NaN, 1]), TypeError, 'f');
  throwsNaming(() => setupFilter([1, NaN]), TypeError, 'f');
  throwsNaming(() => setupFilter([1, -1]), RangeError, 'f');
  throwsNaming(() => setupFilter(zeros([2, 2]), { separable: true }), RangeError, 'separable');
  throwsNaming(() => upfirdn2d(x4, f, { gain: NaN }), TypeError, 'gain');
  throwsNaming(() => upfirdn2d(x4, f, { flipFilter: 1 as never }), TypeError, 'flipFilter');
});

test('filteredLrelu: rank, bias length, factors, padding, filters, gain/slope/clamp', () => {
  const fu = [0.1, 0.4, 0.4, 0.1];
  throwsNaming(() => filteredLrelu(zeros([8]), { fu }), RangeError, 'x');
  throwsNaming(() => filteredLrelu(x4, { b: [1, 2, 3] }), RangeError, 'b');
  throwsNaming(() => filteredLrelu(x4, { b: zeros([2, 1]) }), RangeError, 'b');
  throwsNaming(() => filteredLrelu(x4, { b: [1, NaN] }), TypeError, 'b');
  throwsNaming(() => filteredLrelu(x4, { up: 0 }), RangeError, 'up');
  throwsNaming(() => filteredLrelu(x4, { up: -2 }), RangeError, 'up');
  throwsNaming(() => filteredLrelu(x4, { up: 1.5 }), TypeError, 'up');
  throwsNaming(() => filteredLrelu(x4, { down: 0 }), RangeError, 'down');
  throwsNaming(() => filteredLrelu(x4, { down: 2.2 }), TypeError, 'down');
  throwsNaming(() => filteredLrelu(x4, { padding: [1, 2, 3] }), RangeError, 'padding');
  throwsNaming(() => filteredLrelu(x4, { fu, padding: -8 }), RangeError, 'padding');
  throwsNaming(() => filteredLrelu(x4, { fu: [1, NaN] }), TypeError, 'fu');
  throwsNaming(() => filteredLrelu(x4, { fd: [[1, NaN]] }), TypeError, 'fd');
  throwsNaming(() => filteredLrelu(x4, { gain: 0 }), RangeError, 'gain');
  throwsNaming(() => filteredLrelu(x4, { slope: -0.1 }), RangeError, 'slope');
  throwsNaming(() => filteredLrelu(x4, { clamp: -1 }), RangeError, 'clamp');
  throwsNaming(() => filteredLrelu(x4, { clamp: NaN }), TypeError, 'clamp');
});

test('biasAct: bias length, dim, act, clamp', () => {
  throwsNaming(() => biasAct(x4, { b: [1, 2, 3] }), RangeError, 'b');
  throwsNaming(() => biasAct(x4, { b: [1, 2], dim: 4 }), RangeError, 'dim');
  throwsNaming(() => biasAct(x4, { b: [1, 2], dim: -1 }), RangeError, 'dim');
  throwsNaming(() => biasAct(x4, { act: 'gelu' as never }), RangeError, 'act');
  throwsNaming(() => biasAct(x4, { clamp: -1 }), RangeError, 'clamp');
  throwsNaming(() => biasAct(x4, { alpha: NaN, act: 'lrelu' }), TypeError, 'alpha');
  throwsNaming(() => biasAct(null as never), TypeError, 'x');
});
