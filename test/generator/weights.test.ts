/**
 * Weights: golden-format save/reload round trip, official pickles, fresh seeded initialisation
 * (shapes equal to the official state for the same config, official initial distributions, filter
 * buffers equal to the official ones), and every preset running at a small size.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { manifest, npy, assertCloseToMax, goldenPath } from '../helpers/golden.js';
import { setBackend } from '../../src/generator/backend.js';
import {
  createGenerator,
  loadGenerator,
  saveGenerator,
  stateLayout,
  initialState,
} from '../../src/generator/weights.js';
import { configFromInitKwargs, configs } from '../../src/generator/config.js';
import { computeGeometry } from '../../src/generator/stylegan3/geometry.js';
import { stateDictShapes } from '../../src/generator/stylegan3/parameters.js';
import { readNpy } from '../../src/io/npy.js';

const tags = ['t32', 'r32'].filter((t) => existsSync(goldenPath('generators', t)));
const cases = manifest('generators');

before(async () => {
  await setBackend('wasm');
});

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}
function std(a: ArrayLike<number>): number {
  const m = mean(a);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - m) ** 2;
  return Math.sqrt(s / a.length);
}

for (const tag of tags) {
  test(`${tag}: save → reload gives identical state and image`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aliasfree-gen-'));
    try {
      const g = await loadGenerator(goldenPath('generators', tag));
      saveGenerator(g, dir);
      // Same files as the golden directory, byte-identical data.
      const golden = readdirSync(goldenPath('generators', tag, 'state')).sort();
      assert.deepEqual(readdirSync(join(dir, 'state')).sort(), golden);
      for (const f of golden) {
        const a = readNpy(goldenPath('generators', tag, 'state', f));
        const b = readNpy(join(dir, 'state', f));
        assert.deepEqual(b.shape, a.shape, f);
        assert.deepEqual(Array.from(b.data), Array.from(a.data), f);
      }
      assert.deepEqual(
        JSON.parse(readFileSync(join(dir, 'init_kwargs.json'), 'utf8')),
        JSON.parse(readFileSync(goldenPath('generators', tag, 'init_kwargs.json'), 'utf8')),
      );
      const g2 = await loadGenerator(dir);
      assert.deepEqual(g2.config, g.config);
      const z = tf.tensor(Float32Array.from(npy('generators', `${tag}/io/z.npy`).data as ArrayLike<number>), [
        2,
        g.config.zDim,
      ]);
      const a = g.generate(z).image;
      const b = g2.generate(z).image;
      assertCloseToMax(b.dataSync(), a.dataSync(), 0, 'reloaded image');
      tf.dispose([z, a, b]);
      g.dispose();
      g2.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`${tag}: fresh generator has the official state layout, distributions and filters`, async () => {
    const kwargs = JSON.parse(readFileSync(goldenPath('generators', tag, 'init_kwargs.json'), 'utf8'));
    const config = configFromInitKwargs(kwargs);
    const geometry = computeGeometry(config);
    const layout = stateLayout(geometry);
    // Keys: exactly the golden files, in the official state_dict order.
    const sd = cases.find((c) => c.name === `${tag}_state_dict`)!;
    assert.deepEqual(
      layout.map((l) => l.key),
      sd.params.state_dict_keys,
    );
    // Our layout agrees with the parameter inventory of parameters.ts.
    assert.deepEqual(
      layout.map((l) => [l.key, l.shape]),
      stateDictShapes(geometry).map((e) => [e.key, e.shape]),
    );
    const state = initialState(geometry, 1234);
    for (const { key, shape } of layout) {
      const ref = readNpy(goldenPath('generators', tag, 'state', `${key}.npy`));
      const got = state.get(key)!;
      assert.equal(got.data.length, ref.data.length, key);
      assert.deepEqual(got.shape.length === 0 ? [1] : got.shape, ref.shape, key);
      assert.deepEqual(got.shape, shape, key);
      if (key.endsWith('_filter')) {
        // Buffers are designed, not random: equal to the official float32 buffers.
        assertCloseToMax(got.data, ref.data as ArrayLike<number>, 2e-7, key);
      }
    }
    const v = (k: string) => state.get(k)!.data;
    const lr = geometry.config.mappingLrMultiplier;
    // N(0,1)/lr mapping weights, N(0,1) conv and style weights (pooled over all layers).
    const convW: number[] = [];
    const styleW: number[] = [];
    for (const L of geometry.layers) {
      convW.push(...v(`synthesis.${L.name}.weight`));
      styleW.push(...v(`synthesis.${L.name}.affine.weight`));
      assert.ok(v(`synthesis.${L.name}.affine.bias`).every((x) => x === 1));
      assert.ok(v(`synthesis.${L.name}.bias`).every((x) => x === 0));
      assert.deepEqual(Array.from(v(`synthesis.${L.name}.magnitude_ema`)), [1]);
    }
    assert.ok(Math.abs(std(convW) - 1) < 0.02, `conv weight std ${std(convW)}`);
    assert.ok(Math.abs(mean(convW)) < 0.02, `conv weight mean ${mean(convW)}`);
    assert.ok(Math.abs(std(styleW) - 1) < 0.05, `style weight std ${std(styleW)}`);
    const fc0 = v('mapping.fc0.weight');
    assert.ok(
      Math.abs(std(fc0) * lr - 1) < 0.1,
      `mapping weight std ${std(fc0)} (expected 1/lr = ${1 / lr})`,
    );
    assert.ok(v('mapping.w_avg').every((x) => x === 0));
    assert.ok(Math.abs(std(v('synthesis.input.weight')) - 1) < 0.1);
    assert.deepEqual(Array.from(v('synthesis.input.transform')), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    assert.deepEqual(Array.from(v('synthesis.input.affine.bias')), [1, 0, 0, 0]);
    assert.ok(v('synthesis.input.affine.weight').every((x) => x === 0));
    // Frequencies uniform in the disc of radius bandwidth: all inside, mean radius² = bw²/2.
    const f = v('synthesis.input.freqs');
    const bw = geometry.input.bandwidth;
    const r2: number[] = [];
    for (let i = 0; i < f.length; i += 2) r2.push(f[i] ** 2 + f[i + 1] ** 2);
    assert.ok(Math.max(...r2) <= bw * bw + 1e-6);
    assert.ok(Math.abs(mean(r2) / (bw * bw) - 0.5) < 0.2, `mean r² / bw² = ${mean(r2) / (bw * bw)}`);
    const ph = v('synthesis.input.phases');
    assert.ok(ph.every((x) => x >= -0.5 && x < 0.5));
    // Seeded: same seed, same weights; another seed, other weights.
    const convKey = `synthesis.${geometry.layers[0].name}.weight`;
    assert.deepEqual(Array.from(initialState(geometry, 1234).get(convKey)!.data), Array.from(v(convKey)));
    assert.notDeepEqual(Array.from(initialState(geometry, 99).get(convKey)!.data), Array.from(v(convKey)));
  });

  test(`${tag}: network.pkl loads to the same image`, async () => {
    const c = cases.find((k) => k.name === `${tag}_network_pkl`)!;
    const pkl = goldenPath('generators', c.inputs.pkl);
    if (existsSync(new URL('../../src/io/pickle/network.ts', import.meta.url))) {
      const g = await loadGenerator(pkl);
      const z = tf.tensor(Float32Array.from(npy('generators', c.inputs.z).data as ArrayLike<number>), [
        2,
        g.config.zDim,
      ]);
      const { image } = g.generate(z, { psi: c.params.truncation_psi });
      assertCloseToMax(
        image.dataSync(),
        npy('generators', c.outputs.img).data as ArrayLike<number>,
        1e-4,
        c.name,
      );
      tf.dispose([z, image]);
      g.dispose();
    } else {
      await assert.rejects(loadGenerator(pkl), /Cannot find module|network/);
    }
  });
}

test('every preset runs at 16 px with small capacity, output finite and shaped', async () => {
  for (const [name, preset] of Object.entries(configs)) {
    const g = await createGenerator(
      { ...preset, imgResolution: 16, channelBase: 256, channelMax: 16, zDim: 8, wDim: 8 },
      { seed: 3 },
    );
    const { image } = g.generate(tf.randomNormal([1, 8], 0, 1, 'float32', 5) as tf.Tensor2D);
    assert.deepEqual(image.shape, [1, 3, 16, 16], name);
    assert.ok(
      image.dataSync().every((x) => Number.isFinite(x)),
      `${name}: finite`,
    );
    // StyleGAN2 presets (A–C, skip architecture): 2·blocks − 1 convs and one ToRGB per block.
    const layers = 'geometry' in g ? g.geometry.layers.length : 3 * g.layout.blocks.length - 1;
    assert.equal(g.layerInfo().length, layers);
    image.dispose();
    g.dispose();
  }
});

test('a fresh ladder-config generator saves and reloads identically (config incl. ladder switches)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aliasfree-fresh-'));
  try {
    const cfg = { ...configs.G, imgResolution: 16, channelBase: 256, channelMax: 16, zDim: 8, wDim: 8 };
    const g = await createGenerator(cfg, { seed: 11 });
    saveGenerator(g, dir);
    const g2 = await loadGenerator(dir);
    assert.deepEqual(g2.config, g.config);
    assert.deepEqual(g2.config.ladder, g.config.ladder);
    const z = tf.randomNormal([2, 8], 0, 1, 'float32', 2) as tf.Tensor2D;
    const a = g.generate(z, { psi: 0.8 }).image;
    const b = g2.generate(z, { psi: 0.8 }).image;
    assertCloseToMax(b.dataSync(), a.dataSync(), 0, 'reloaded fresh image');
    tf.dispose([z, a, b]);
    g.dispose();
    g2.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
