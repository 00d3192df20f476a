/**
 * GeneratorPool: replicas in worker_threads render the same images as the generator itself (the
 * golden official t32 network), keep the batch order, and reject bad input with clear errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { goldenPath } from '../helpers/golden.js';
import { loadGenerator } from '../../src/generator/weights.js';
import { GeneratorPool } from '../../src/generator/pool.js';
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
    // Nested rows give the same as the flat latents; a single latent uses one worker.
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
