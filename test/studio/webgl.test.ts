/**
 * The studio's GPU code path without a GPU: headless Chromium with SwiftShader's WebGL, the page
 * asked for `?backend=webgl`, renders T at 16² (C_max 8) translated by a fraction of a pixel; the
 * image and one layer must equal the library's wasm render in Node within 1e-3·max (WebGL float32
 * textures, other summation orders), and the page must say that WebGL runs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { configAt, createGenerator, ladderCapacity, setBackend, Rng } from '../../src/generator/index.js';
import { buildTemp, openStudio, relMaxError, setAndRead, type StudioPage } from './harness.js';

let built: Awaited<ReturnType<typeof buildTemp>>;
let studio: StudioPage;

before(async () => {
  await setBackend('wasm');
  built = await buildTemp();
  studio = await openStudio({
    app: built.app,
    query: '?backend=webgl',
    hash: '#net=T,16,8,0&eq=0',
    webgl: true,
  });
});
after(async () => {
  await studio?.close();
  built?.cleanup();
});

test('WebGL (SwiftShader) renders the same image and layer as wasm in Node within 1e-3·max', async (t) => {
  const backend = (await studio.page.getByTestId('backend').textContent()) ?? '';
  assert.match(backend, /^backend: webgl/);
  const cfg = configAt('T', 16, { ablation: true });
  Object.assign(cfg, ladderCapacity(8).T);
  const gen = await createGenerator(cfg, { seed: 0 });
  const [tx, ty] = [0.15, -0.0625 / 3];
  const layer = gen.layerInfo()[6].name;
  const [frame] = await setAndRead(studio.page, { seed: 5, tx, ty, layer });
  const z = tf.tensor2d(new Rng(5).normals(gen.config.zDim), [1, gen.config.zDim]);
  const ws = gen.mapping(z);
  const ref = gen.synthesis(ws, { transform: [1, 0, -tx, 0, 1, -ty, 0, 0, 1], capture: true });
  try {
    assert.equal(frame.layer, layer);
    const eImage = relMaxError(frame.image.data, ref.image.dataSync());
    const eLayer = relMaxError(frame.map.data, ref.layers![layer].dataSync());
    t.diagnostic(`max|Δ|/max|ref|: image ${eImage.toExponential(2)}, ${layer} ${eLayer.toExponential(2)}`);
    assert.ok(eImage <= 1e-3, `image: ${eImage}`);
    assert.ok(eLayer <= 1e-3, `${layer}: ${eLayer}`);
  } finally {
    tf.dispose([z, ws, ref.image, ...Object.values(ref.layers!)]);
    gen.dispose();
  }
  assert.deepEqual(studio.outside, []);
  assert.deepEqual(studio.errors, []);
});
