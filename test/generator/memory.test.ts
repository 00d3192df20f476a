/** No tensor leaks: tf.memory().numTensors stays flat over repeated forwards of every kind. */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { goldenPath } from '../helpers/golden.js';
import { trackWasmHeap } from '../helpers/wasm-heap.js';
import { setBackend } from '../../src/generator/backend.js';
import { loadGenerator, createGenerator } from '../../src/generator/weights.js';
import { configs } from '../../src/generator/config.js';
import { fusedFilteredLreluSupport } from '../../src/generator/kernels/filtered-lrelu.js';

before(async () => {
  await setBackend('wasm');
});

test('repeated forwards leave no tensors behind; dispose frees the generator', async () => {
  const start = tf.memory().numTensors;
  const g = await loadGenerator(goldenPath('generators', 'r32'));
  const z = tf.randomNormal([2, g.config.zDim], 0, 1, 'float32', 1);
  const run = () => {
    const ws = g.mapping(z, { psi: 0.7, cutoff: 4 });
    const a = g.synthesis(ws, { capture: true, transform: [1, 0, 0.1, 0, 1, 0, 0, 0, 1] });
    const b = g.generate(z);
    tf.dispose([ws, a.image, ...Object.values(a.layers!), b.image]);
  };
  run(); // first call compiles the per-size filter kernels (owned by the generator)
  const before = tf.memory().numTensors;
  for (let i = 0; i < 4; i++) run();
  assert.equal(tf.memory().numTensors, before, 'tensor count after 4 more forwards');
  // Failed calls do not leak either.
  assert.throws(() => g.mapping(tf.zeros([1, 3])));
  assert.equal(tf.memory().numTensors, before + 1 /* the tf.zeros argument itself */);
  z.dispose();
  g.dispose();
  assert.ok(tf.memory().numTensors <= start + 1, `after dispose: ${tf.memory().numTensors} vs ${start}`);
  const h = await createGenerator({
    ...configs.T,
    imgResolution: 16,
    channelBase: 256,
    channelMax: 16,
    zDim: 8,
    wDim: 8,
  });
  h.dispose();
  assert.ok(tf.memory().numTensors <= start + 1);
});

test('every heap block allocated during a forward is freed (tensors and fused-kernel scratch)', async () => {
  // Wrap the wasm heap's malloc/free (tfjs and the fused filtered-lrelu kernel both allocate
  // through them) and check that every block allocated during 10 forwards is freed again.
  assert.ok(fusedFilteredLreluSupport().ok, 'the fused kernel runs here');
  const g = await loadGenerator(goldenPath('generators', 't32'));
  const z = tf.randomNormal([1, g.config.zDim], 0, 1, 'float32', 2);
  const run = () => tf.dispose(g.generate(z).image);
  run(); // compiles the per-size kernels the generator keeps
  const { live, allocations, error } = trackWasmHeap(() => {
    for (let i = 0; i < 10; i++) run();
  });
  assert.equal(error, null);
  assert.ok(allocations > 10 * 15, `forwards allocate (${allocations} blocks)`);
  assert.equal(live.size, 0, `${live.size} heap blocks still allocated after 10 forwards`);
  z.dispose();
  g.dispose();
});
