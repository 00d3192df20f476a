/**
 * The studio's equivariance conventions on real networks (in Node, with the studio's own modules):
 * a frame rendered with the input transform M⁻¹ (M = the widget's rotation) and the untransformed
 * frame moved by M agree for R — rotation equivariant by design, > 60 dB — and not for T; moving
 * the reference by the opposite rotation instead loses > 30 dB for R, so the sign is the one that
 * matches the render. Untransform (moving the render back by M⁻¹) brings R's frame back to the
 * reference as well.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend, Rng } from '../../src/generator/index.js';
import { configNetwork, networkInfo, STUDIO_CONFIGS } from '../../src/studio/networks.js';
import { configs } from '../../src/generator/config.js';
import { isStyleGAN2Config } from '../../src/generator/stylegan2/config.js';
import { imageTransform, invertAffine, mapEqPsnrDb, moveMap } from '../../src/studio/transform.js';

before(async () => {
  await setBackend('wasm');
});

function frames(name: string, turns: number) {
  const gen = configNetwork(name, 32, 16, 0);
  const z = tf.tensor2d(new Rng(1).normals(gen.config.zDim), [1, gen.config.zDim]);
  const ws = gen.mapping(z);
  const M = imageTransform(0, 0, turns);
  const ref = gen.synthesis(ws, { transform: [1, 0, 0, 0, 1, 0, 0, 0, 1] }).image;
  const got = gen.synthesis(ws, { transform: invertAffine(M) }).image;
  const out = {
    ref: ref.dataSync() as Float32Array,
    got: got.dataSync() as Float32Array,
    shape: ref.shape,
    M,
  };
  tf.dispose([z, ws, ref, got]);
  gen.dispose();
  return out;
}

test('rotation: R reads > 60 dB, the opposite sign > 30 dB less, T far less', (t) => {
  const turns = 0.125;
  const r = frames('R', turns);
  const right = mapEqPsnrDb(r.ref, r.got, r.shape, r.M, 32)!;
  const wrong = mapEqPsnrDb(r.ref, r.got, r.shape, imageTransform(0, 0, -turns), 32)!;
  const tt = frames('T', turns);
  const tRight = mapEqPsnrDb(tt.ref, tt.got, tt.shape, tt.M, 32)!;
  t.diagnostic(`R ${right.toFixed(1)} dB (opposite sign ${wrong.toFixed(1)} dB), T ${tRight.toFixed(1)} dB`);
  assert.ok(right > 60, `R: ${right}`);
  assert.ok(right - wrong > 30, `R opposite sign: ${wrong}`);
  assert.ok(right - tRight > 30, `T: ${tRight}`);
  // Untransform: R's rotated frame moved back by M⁻¹ matches the reference inside the mask.
  const back = moveMap(r.got, r.shape, invertAffine(r.M), 32);
  let err = 0;
  let ref = 0;
  for (let i = 0; i < back.image.length; i++) {
    if (!back.mask[i]) continue;
    err += (back.image[i] - r.ref[i]) ** 2;
    ref += r.ref[i] ** 2;
  }
  assert.ok(10 * Math.log10((16 * ref) / err) > 50, 'untransform does not bring R back');
});

test('every preset of the library is offered; StyleGAN2 presets build with their block maps', () => {
  assert.deepEqual([...STUDIO_CONFIGS], Object.keys(configs).sort());
  for (const name of STUDIO_CONFIGS) {
    const preset = (configs as Readonly<Record<string, unknown>>)[name];
    const gen = configNetwork(name, 16, 8, 0);
    try {
      const info = networkInfo(gen, name);
      assert.equal(info.resolution, 16);
      assert.equal(info.layers[info.layers.length - 1].name, 'output');
      if (isStyleGAN2Config(preset)) {
        assert.equal(info.architecture, 'stylegan2');
        assert.equal(info.hasNoise, preset.useNoise ?? true, name);
        assert.equal(info.hasTransform, preset.input === 'fourier', name);
        assert.deepEqual(
          info.layers.filter((l) => l.name.endsWith('.x')).map((l) => l.name),
          ['b4.x', 'b8.x', 'b16.x'],
        );
      } else {
        assert.equal(info.architecture, 'stylegan3');
        assert.equal(info.layers[0].name, 'input');
        assert.ok(info.hasTransform && !info.hasNoise);
      }
    } finally {
      gen.dispose();
    }
  }
});
