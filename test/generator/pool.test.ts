/**
 * GeneratorPool: replicas in worker_threads render the same images as the generator itself (the
 * golden official t32 network), keep the batch order, and reject bad input with clear errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { goldenPath, npy } from '../helpers/golden.js';
import { loadGenerator } from '../../src/generator/weights.js';
import { GeneratorPool } from '../../src/generator/parallel/pool.js';
import { channelBounds } from '../../src/generator/stylegan3/generator.js';
import { Rng } from '../../src/generator/rng.js';

test('a 2-worker pool equals Generator.generate (odd batch, truncation, transform)', async () => {
  const gen = await loadGenerator(goldenPath('generators/t32'));
  const zDim = gen.config.zDim;
  const n = 3;
  const z = new Rng(11).normals(n * zDim);
  const zf = Float32Array.from(z);
  const angle = 0.3;
  const transform = [
    [Math.cos(angle), Math.sin(angle), 0.05],
    [-Math.sin(angle), Math.cos(angle), -0.02],
    [0, 0, 1],
  ];
  const pool = await GeneratorPool.create(gen, { workers: 2, backend: 'wasm' });
  try {
    assert.equal(pool.size, 2);
    for (const opts of [{}, { psi: 0.7, transform }]) {
      const zt = tf.tensor2d(zf, [n, zDim]);
      const { image } = gen.generate(zt, opts);
      const ref = image.dataSync();
      const refShape = image.shape;
      image.dispose();
      zt.dispose();
      const out = await pool.generate(new Float32Array(zf), opts);
      assert.deepEqual(out.shape, refShape);
      let maxRef = 0;
      let maxErr = 0;
      for (let i = 0; i < ref.length; i++) {
        maxRef = Math.max(maxRef, Math.abs(ref[i]));
        maxErr = Math.max(maxErr, Math.abs(ref[i] - out.data[i]));
      }
      assert.ok(maxRef > 0.01, `images are not blank (max ${maxRef})`);
      assert.ok(maxErr <= 1e-5 * maxRef, `pool vs generate: max error ${maxErr} > 1e-5·${maxRef}`);
    }
    // Nested rows give the same as the flat latents; a single latent is split by channels.
    const rows = [Array.from(zf.subarray(0, zDim))];
    const one = await pool.generate(rows);
    const first = await pool.generate(new Float32Array(zf));
    const per = one.data.length;
    assert.equal(per, first.data.length / n);
    let diff = 0;
    for (let i = 0; i < per; i++) diff = Math.max(diff, Math.abs(one.data[i] - first.data[i]));
    assert.ok(diff <= 1e-5, `the first image does not depend on the batch split (max diff ${diff})`);
    await assert.rejects(pool.generate(new Float32Array(zDim + 1)), /z must hold N·\d+ numbers/);
    await assert.rejects(pool.generate([[1, 2, 3]]), /z rows must have length \d+/);
    await assert.rejects(pool.generate(Float32Array.from({ length: zDim }, () => NaN)), /finite/);
    await assert.rejects(pool.generate(new Float32Array(zf), { psi: NaN }), /psi must be a finite number/);
  } finally {
    await pool.close();
    gen.dispose();
  }
  await assert.rejects(pool.generate(new Float32Array(zf)), /closed/);
});

test('GeneratorPool.create rejects a bad worker count', async () => {
  const gen = await loadGenerator(goldenPath('generators/t32'));
  try {
    await assert.rejects(
      GeneratorPool.create(gen, { workers: 0 }),
      /workers must be an integer in \[1, 64\], got 0/,
    );
    await assert.rejects(GeneratorPool.create(gen, { workers: 1.5 }), /workers must be an integer/);
  } finally {
    gen.dispose();
  }
});

/** max |a − b| and max |a|. */
function compare(a: ArrayLike<number>, b: ArrayLike<number>): { err: number; max: number } {
  let err = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    max = Math.max(max, Math.abs(a[i]));
    err = Math.max(err, Math.abs(a[i] - b[i]));
  }
  return { err, max };
}

for (const name of ['t32', 'r32'])
  test(`channel mode (${name}): workers split every layer's channels, images equal the golden and generate`, async () => {
    const gen = await loadGenerator(goldenPath(`generators/${name}`));
    const zDim = gen.config.zDim;
    const golden = npy('generators', `${name}/io/img.npy`);
    const zg = npy('generators', `${name}/io/z.npy`);
    const pool = await GeneratorPool.create(gen, { workers: 2, split: 'channels', backend: 'wasm' });
    try {
      assert.equal(pool.split, 'channels');
      // The golden latents, all at once (channel mode runs the whole block on every worker).
      const out = await pool.generate(Float32Array.from(zg.data as ArrayLike<number>));
      assert.deepEqual(out.shape, golden.shape);
      const g = compare(golden.data as ArrayLike<number>, out.data);
      assert.ok(g.max > 0.01 && g.err <= 1e-4 * g.max, `vs golden: ${g.err} > 1e-4·${g.max}`);
      // Truncation and a user transform, one image, against Generator.generate.
      const z = Float32Array.from(new Rng(5).normals(zDim));
      const opts = { psi: 0.6, transform: [1, 0, 0.1, 0, 1, -0.05, 0, 0, 1] };
      const zt = tf.tensor2d(z, [1, zDim]);
      const { image } = gen.generate(zt, opts);
      const one = await pool.generate(new Float32Array(z), opts);
      const r = compare(image.dataSync(), one.data);
      tf.dispose([zt, image]);
      assert.ok(r.max > 0.01 && r.err <= 1e-5 * r.max, `vs generate: ${r.err} > 1e-5·${r.max}`);
      // A failure inside the workers reaches the caller (and leaves the pool usable).
      await assert.rejects(pool.generate(new Float32Array(z), { cutoff: -3 }), /cutoff/);
      const again = await pool.generate(new Float32Array(z), opts);
      assert.equal(compare(one.data, again.data).err, 0);
    } finally {
      await pool.close();
      gen.dispose();
    }
  });

test('channelBounds: contiguous nonempty parts on multiples of 8 where possible', () => {
  assert.deepEqual(channelBounds(256, 2), [0, 128, 256]);
  assert.deepEqual(channelBounds(181, 2), [0, 88, 181]);
  assert.deepEqual(channelBounds(91, 3), [0, 32, 64, 91]);
  assert.deepEqual(channelBounds(5, 2), [0, 3, 5]); // fewer than 8 per part: plain rounding
  for (const [C, parts] of [
    [3, 3],
    [17, 4],
    [64, 7],
    [512, 16],
  ]) {
    const b = channelBounds(C, parts);
    assert.equal(b.length, parts + 1);
    assert.equal(b[0], 0);
    assert.equal(b[parts], C);
    for (let k = 0; k < parts; k++) assert.ok(b[k + 1] > b[k], `${C}/${parts}: part ${k} is empty`);
  }
  assert.throws(() => channelBounds(2, 3), /cannot split 2 channels into 3 nonempty parts/);
});

test('GeneratorPool.create rejects a bad split', async () => {
  const gen = await loadGenerator(goldenPath('generators/t32'));
  try {
    await assert.rejects(
      GeneratorPool.create(gen, { workers: 2, split: 'pixels' as never }),
      /split must be 'auto', 'batch' or 'channels', got pixels/,
    );
  } finally {
    gen.dispose();
  }
});
