import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Adam, ADAM_DEFAULTS, lazyRegularisation, sanitizeGradient } from '../../src/train/optim.js';

const close = (a: number, b: number, rel = 1e-6, what = '') =>
  assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(b), 1e-30), `${what}: ${a} vs ${b}`);

test('official defaults: betas (0, 0.99), eps 1e-8', () => {
  assert.deepEqual(ADAM_DEFAULTS.betas, [0, 0.99]);
  assert.equal(ADAM_DEFAULTS.eps, 1e-8);
});

test('lazy regularisation: lr·r and β^r with r = interval/(interval+1)', () => {
  const d = lazyRegularisation(0.002, [0, 0.99], 16);
  assert.equal(d.ratio, 16 / 17);
  assert.equal(d.lr, 0.002 * (16 / 17));
  assert.equal(d.betas[0], 0);
  assert.equal(d.betas[1], 0.99 ** (16 / 17));
  close(d.betas[1], 0.9905855, 1e-7, 'β2^(16/17)'); // exp(16/17·ln 0.99) = exp(−0.0094591)
  const g = lazyRegularisation(0.0025, [0, 0.99], 4);
  assert.equal(g.lr, 0.0025 * 0.8);
  assert.equal(g.betas[1], 0.99 ** 0.8);
  const none = lazyRegularisation(0.0025, [0, 0.99], null);
  assert.deepEqual(none, { lr: 0.0025, betas: [0, 0.99], ratio: 1 });
  assert.throws(() => lazyRegularisation(0.002, [0, 0.99], 0), /interval/);
  assert.throws(() => lazyRegularisation(-1, [0, 0.99], 4), /lr/);
  assert.throws(() => lazyRegularisation(0.002, [0, 1], 4), /betas/);
});

test('sanitizeGradient: NaN → 0, +∞ → 1e5, −∞ → −1e5, finite values untouched', () => {
  const g = Float32Array.from([NaN, Infinity, -Infinity, 3.5, -0.25]);
  assert.equal(sanitizeGradient(g), 3);
  assert.deepEqual([...g], [0, 1e5, -1e5, 3.5, -0.25]);
});

test('Adam with β1 = 0: two steps against the hand-evaluated formula', () => {
  const lr = 0.01;
  const b2 = 0.99;
  const eps = 1e-8;
  const opt = new Adam({ lr, betas: [0, b2], eps });
  const p = Float32Array.from([1, -2]);
  const params = new Map([['w', p]]);
  // Step 1: m = g, v = (1−β2)g², bias corrections 1 and (1−β2): update lr·g/(|g| + eps).
  opt.step(params, new Map([['w', Float32Array.from([0.5, -4])]]));
  close(p[0], Math.fround(1 - (lr * 0.5) / (0.5 + eps)), 1e-7, 'p0 step 1');
  close(p[1], Math.fround(-2 + (lr * 4) / (4 + eps)), 1e-7, 'p1 step 1');
  const p0 = p[0];
  // Step 2 with g = −0.25: v = β2·(1−β2)·0.25 + (1−β2)·0.0625, denominator √v/√(1−β2²) + eps.
  opt.step(params, new Map([['w', Float32Array.from([-0.25, 0])]]));
  const v = b2 * (1 - b2) * 0.25 + (1 - b2) * 0.0625;
  const expected = p0 + (lr * 0.25) / (Math.sqrt(v) / Math.sqrt(1 - b2 * b2) + eps);
  close(p[0], expected, 1e-6, 'p0 step 2');
  assert.equal(opt.slot('w')!.step, 2);
  // A zero gradient leaves the parameter where it was (m = 0) while v decays.
  const v1 = opt.slot('w')!.v[1];
  close(v1, b2 * (1 - b2) * 16, 1e-6, 'v1 decays');
});

test('Adam with β1 > 0 uses the bias correction 1/(1−β1^t)', () => {
  const opt = new Adam({ lr: 0.1, betas: [0.5, 0.9], eps: 0 + 1e-12 });
  const p = Float32Array.from([0]);
  opt.step(new Map([['x', p]]), new Map([['x', Float32Array.from([2])]]));
  // m = 1, v = 0.4; m̂ = 2, v̂ = 4 → update 0.1·2/2 = 0.1
  close(p[0], -0.1, 1e-6, 'step 1');
  opt.step(new Map([['x', p]]), new Map([['x', Float32Array.from([2])]]));
  // m = 1.5, v = 0.76; m̂ = 1.5/0.75 = 2, v̂ = 0.76/0.19 = 4 → another 0.1
  close(p[0], -0.2, 1e-6, 'step 2');
});

test('Adam sanitises non-finite gradients and skips parameters without a gradient', () => {
  const opt = new Adam({ lr: 0.5 });
  const a = Float32Array.from([1, 1, 1]);
  const b = Float32Array.from([7]);
  const grads = new Map([['a', Float32Array.from([NaN, Infinity, -Infinity])]]);
  assert.equal(
    opt.step(
      new Map([
        ['a', a],
        ['b', b],
      ]),
      grads,
    ),
    3,
  );
  assert.equal(a[0], 1); // NaN → 0 → no move
  close(a[1], 1 - 0.5, 1e-6, '+inf → 1e5 → −lr');
  close(a[2], 1 + 0.5, 1e-6, '−inf → −1e5 → +lr');
  assert.equal(b[0], 7);
  assert.equal(opt.slot('b'), undefined);
  assert.equal(grads.get('a')![1], Infinity, 'caller gradient not modified');
  assert.throws(
    () => opt.step(new Map([['a', a]]), new Map([['zz', Float32Array.from([1])]])),
    /unknown parameter "zz"/,
  );
  assert.throws(() => opt.step(new Map([['a', a]]), new Map([['a', Float32Array.from([1])]])), /1 values/);
});

test('Adam updates tf.Variables through assign', async () => {
  await tf.setBackend('cpu');
  const v = tf.variable(tf.tensor([[1, 2]]));
  const opt = new Adam({ lr: 0.1 });
  opt.step(new Map([['v', v]]), new Map([['v', tf.tensor([[1, -1]])]]));
  const got = v.dataSync();
  close(got[0], 0.9, 1e-6, 'v0');
  close(got[1], 2.1, 1e-6, 'v1');
  assert.deepEqual(v.shape, [1, 2]);
  v.dispose();
});
