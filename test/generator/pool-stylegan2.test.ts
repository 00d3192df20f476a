/**
 * GeneratorPool with StyleGAN2 replicas: both work splits (whole images per worker; every worker a
 * slice of each layer's channels) give the images of `StyleGAN2Generator.generate` on the whole
 * batch in one thread (float32 rounding), for every noise mode — 'random' through its seed — and
 * the official images of the golden s2_32 generator.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { goldenPath, npy } from '../helpers/golden.js';
import { createGenerator, loadGenerator, type AnyGenerator } from '../../src/generator/weights.js';
import { configs } from '../../src/generator/config.js';
import {
  StyleGAN2Generator,
  type StyleGAN2SynthesisOptions,
} from '../../src/generator/stylegan2/generator.js';
import { GeneratorPool, type PoolGenerateOptions } from '../../src/generator/parallel/pool.js';
import { Rng } from '../../src/generator/rng.js';

/** max |a − b| and max |a|. */
function compare(a: ArrayLike<number>, b: ArrayLike<number>): { err: number; max: number } {
  assert.equal(a.length, b.length);
  let err = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    max = Math.max(max, Math.abs(a[i]));
    err = Math.max(err, Math.abs(a[i] - b[i]));
  }
  return { err, max };
}

async function golden(): Promise<StyleGAN2Generator> {
  const g = await loadGenerator<AnyGenerator>(goldenPath('stylegan2', 's2_32'));
  if (!(g instanceof StyleGAN2Generator)) throw new Error('s2_32 did not load as a StyleGAN2 generator');
  return g;
}

/** The images of `gen.generate` for the whole batch in this thread. */
function single(gen: StyleGAN2Generator, z: Float32Array, opts: PoolGenerateOptions): Float32Array {
  const zt = tf.tensor2d(z, [z.length / gen.config.zDim, gen.config.zDim]);
  const { image } = gen.generate(zt, opts as StyleGAN2SynthesisOptions & PoolGenerateOptions);
  const data = image.dataSync() as Float32Array;
  tf.dispose([zt, image]);
  return data;
}

/** Pool images equal the one-thread images of the same call within float32 rounding (1e-5·max). */
async function assertSameAsSingle(
  pool: GeneratorPool,
  gen: StyleGAN2Generator,
  z: Float32Array,
  opts: PoolGenerateOptions,
  what: string,
): Promise<Float32Array> {
  const ref = single(gen, z, opts);
  const out = await pool.generate(new Float32Array(z), opts);
  assert.equal(out.shape[0], z.length / gen.config.zDim, `${what}: batch size`);
  const r = compare(ref, out.data);
  assert.ok(r.max > 0.01 && r.err <= 1e-5 * r.max, `${what}: pool vs generate ${r.err} > 1e-5·${r.max}`);
  return out.data;
}

/** The golden z (2 images) at ψ = 0.7 with stored noise: the official image, within 1e-4·max. */
async function assertGolden(pool: GeneratorPool): Promise<void> {
  const z = npy('stylegan2', 's2_32/io/z.npy');
  const ref = npy('stylegan2', 's2_32/io/img_psi07_const.npy');
  const out = await pool.generate(Float32Array.from(z.data as ArrayLike<number>), {
    psi: 0.7,
    noiseMode: 'const',
  });
  assert.deepEqual(out.shape, ref.shape);
  const g = compare(ref.data as ArrayLike<number>, out.data);
  assert.ok(g.max > 0.01 && g.err <= 1e-4 * g.max, `vs golden: ${g.err} > 1e-4·${g.max}`);
}

for (const split of ['batch', 'channels'] as const)
  test(`StyleGAN2 pool, split '${split}' (s2_32): the golden images, and every noise mode as generate`, async () => {
    const gen = await golden();
    const zDim = gen.config.zDim;
    const pool = await GeneratorPool.create(gen, { workers: 2, split, backend: 'wasm' });
    try {
      assert.equal(pool.split, split);
      assert.equal(pool.network, 'stylegan2');
      await assertGolden(pool);
      // Three images: 2 + 1 by image, or all three by channels; one image: 1 + 0 or by channels.
      for (const n of [3, 1]) {
        const z = Float32Array.from(new Rng(20 + n).normals(n * zDim));
        const none = await assertSameAsSingle(pool, gen, z, { noiseMode: 'none', psi: 0.8 }, `${n} none`);
        const cst = await assertSameAsSingle(pool, gen, z, { noiseMode: 'const' }, `${n} const`);
        const rnd = await assertSameAsSingle(
          pool,
          gen,
          z,
          { noiseMode: 'random', noiseSeed: 9 },
          `${n} random`,
        );
        // The noise is really there: the three modes give different images.
        assert.ok(compare(none, cst).err > 1e-3, 'const noise changes the image');
        assert.ok(compare(cst, rnd).err > 1e-3, 'random noise differs from the stored noise');
      }
      // Unseeded random noise: fresh draws (channel mode draws one seed per call for all workers).
      const z = Float32Array.from(new Rng(3).normals(zDim));
      const a = await pool.generate(new Float32Array(z));
      const b = await pool.generate(new Float32Array(z));
      assert.ok(compare(a.data, b.data).err > 1e-3, 'two unseeded calls draw different noise');
      await assert.rejects(
        pool.generate(z, { noiseMode: 'const', noiseSeed: 1 }),
        /noiseSeed seeds the draws/,
      );
      await assert.rejects(
        pool.generate(z, { noiseMode: 'sometimes' as never }),
        /noiseMode must be 'const', 'none' or 'random', got "sometimes"/,
      );
    } finally {
      await pool.close();
      gen.dispose();
    }
  });

test("StyleGAN2 pool 'auto' (resnet, Fourier input): 2 + 2 images by image, the fifth by channels, seeded noise continues", async () => {
  const gen = (await createGenerator(
    {
      ...configs.B,
      imgResolution: 16,
      channelBase: 256,
      channelMax: 16,
      zDim: 16,
      wDim: 16,
      mappingLayers: 2,
      architecture: 'resnet',
    },
    { seed: 4 },
  )) as StyleGAN2Generator;
  const pool = await GeneratorPool.create(gen, { workers: 2, backend: 'wasm' });
  try {
    assert.equal(pool.split, 'auto');
    const z = Float32Array.from(new Rng(8).normals(5 * gen.config.zDim));
    const transform = [1, 0, 0.2, 0, 1, -0.1, 0, 0, 1];
    await assertSameAsSingle(pool, gen, z, { noiseMode: 'random', noiseSeed: 123, transform }, 'random');
    await assertSameAsSingle(pool, gen, z, { noiseMode: 'const', psi: 0.5, cutoff: 2 }, 'const');
  } finally {
    await pool.close();
    gen.dispose();
  }
});

test('noiseOffset: a part of a seeded batch draws the noise that part gets in the whole batch (both paths)', async () => {
  const gen = await golden();
  try {
    const z = tf.tensor2d(Float32Array.from(new Rng(1).normals(3 * gen.config.zDim)), [3, gen.config.zDim]);
    const ws = gen.mapping(z);
    const tail = tf.slice(ws, [1, 0, 0], [2, -1, -1]);
    const seeded = { noiseMode: 'random', noiseSeed: 77 } as const;
    for (const run of [
      (w: tf.Tensor3D, o: StyleGAN2SynthesisOptions) => gen.synthesis(w, o).image,
      (w: tf.Tensor3D, o: StyleGAN2SynthesisOptions) => gen.synthesisWith(null, w, o).image,
    ]) {
      const whole = run(ws, seeded);
      const part = run(tail, { ...seeded, noiseOffset: 1 });
      const first = run(tail, seeded);
      const ref = tf.slice(whole, [1, 0, 0, 0], [2, -1, -1, -1]);
      const r = compare(ref.dataSync(), part.dataSync());
      assert.ok(r.max > 0.01 && r.err <= 1e-6 * r.max, `offset part vs whole batch: ${r.err}`);
      assert.ok(compare(ref.dataSync(), first.dataSync()).err > 1e-3, 'without the offset the noise differs');
      tf.dispose([whole, part, first, ref]);
    }
    assert.throws(() => gen.synthesis(ws, { noiseOffset: 1 }), /noiseOffset .* needs noiseSeed/);
    assert.throws(
      () => gen.synthesis(ws, { ...seeded, noiseOffset: -1 }),
      /noiseOffset must be a non-negative integer, got -1/,
    );
    tf.dispose([z, ws, tail]);
  } finally {
    gen.dispose();
  }
});

test('a StyleGAN3 pool rejects the StyleGAN2 noise options', async () => {
  const gen = await loadGenerator(goldenPath('generators/t32'));
  const pool = await GeneratorPool.create(gen, { workers: 1, backend: 'wasm' });
  try {
    assert.equal(pool.network, 'stylegan3');
    await assert.rejects(
      pool.generate(new Float32Array(gen.config.zDim), { noiseMode: 'const' }),
      /noiseMode and noiseSeed apply to StyleGAN2 generators; this pool runs StyleGAN3/,
    );
  } finally {
    await pool.close();
    gen.dispose();
  }
});

test('StyleGAN2Generator.synthesisPart: one part equals synthesis, frees its tensors; random noise needs a seed to split', async () => {
  const gen = await golden();
  try {
    const z = tf.tensor2d(Float32Array.from(new Rng(2).normals(2 * gen.config.zDim)), [2, gen.config.zDim]);
    const ws = gen.mapping(z, { psi: 0.9 });
    let steps = 0;
    const whole = (step: number, slice: tf.Tensor4D, bounds: number[]) => {
      assert.equal(step, steps++);
      assert.deepEqual(bounds, [0, slice.shape[3]]);
      return slice.clone();
    };
    const opts = { noiseMode: 'random', noiseSeed: 4 } as const;
    tf.dispose(gen.synthesisPart(ws, opts, 0, 1, whole)!); // first call prepares the sliced layers
    steps = 0;
    const before = tf.memory().numTensors;
    const part = gen.synthesisPart(ws, opts, 0, 1, whole)!;
    assert.equal(tf.memory().numTensors, before + 1, 'only the image is left');
    assert.equal(steps, 1 + 2 * (gen.layout.blocks.length - 1), 'one exchange per conv layer');
    const { image } = gen.synthesis(ws, opts);
    const r = compare(image.dataSync(), part.dataSync());
    assert.ok(r.max > 0.01 && r.err <= 1e-6 * r.max, `synthesisPart vs synthesis: ${r.err}`);
    assert.throws(
      () => gen.synthesisPart(ws, { noiseMode: 'random' }, 0, 2, whole),
      /channel-split synthesis with noiseMode 'random' needs a noiseSeed/,
    );
    assert.throws(
      () => gen.synthesisPart(ws, {}, 2, 2, whole),
      /part must be an integer in \[0, parts\), got part 2 of 2/,
    );
    tf.dispose([z, ws, part, image]);
  } finally {
    gen.dispose();
  }
});
