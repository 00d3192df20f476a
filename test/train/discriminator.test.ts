/**
 * The official StyleGAN2 discriminator: logits of the golden training discriminators on their real
 * images (the `Loss/scores/real` the official Dmain reported, 1e-4·max), the state dict in the
 * official key order and values, the `D` of an official snapshot pickle, fresh seeded networks
 * (official initial distributions), the orig/skip architectures and labels, and argument errors.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { manifest, npy, goldenPath, assertCloseToMax } from '../helpers/golden.js';
import { setBackend } from '../../src/generator/backend.js';
import {
  createDiscriminator,
  loadDiscriminator,
  discriminatorLayout,
  discriminatorConfigFromInitKwargs,
  Discriminator,
  type DiscriminatorConfig,
} from '../../src/train/discriminator.js';
import { readFileSync } from 'node:fs';

const cases = manifest('training');

before(async () => {
  await setBackend('wasm');
});

function tensor(file: string): tf.Tensor {
  const a = npy('training', file);
  return tf.tensor(Float32Array.from(a.data as ArrayLike<number>), a.shape);
}

for (const c of cases.filter((c) => c.params.phase === 'Dmain' && c.params.blur_sigma === 0)) {
  test(`D(real) of ${c.params.D_dir} equals the official logits (${c.name} Loss/scores/real)`, async () => {
    const D = await loadDiscriminator(goldenPath('training', c.params.D_dir));
    const img = tensor(c.inputs.real_img);
    const logits = D.forward(img);
    assert.deepEqual(logits.shape, [img.shape[0], 1]);
    const ref = npy('training', c.outputs['report.Loss/scores/real']).data as Float32Array;
    assertCloseToMax(logits.dataSync(), ref, 1e-4, `${c.name} logits`);
    tf.dispose([img, logits]);
    D.dispose();
  });
}

for (const c of cases.filter((c) => c.fn.endsWith('Discriminator.state_dict'))) {
  test(`${c.name}: stateDict() has the official keys, order and values`, async () => {
    const D = await loadDiscriminator(goldenPath('training', `${c.params.tag}/D`));
    const state = D.stateDict();
    assert.deepEqual([...state.keys()], c.params.state_dict_keys);
    const kw = JSON.parse(readFileSync(goldenPath('training', `${c.params.tag}/D/init_kwargs.json`), 'utf8'));
    assert.deepEqual(
      discriminatorLayout(discriminatorConfigFromInitKwargs(kw)).map((e) => e.key),
      c.params.state_dict_keys,
    );
    for (const [k, file] of Object.entries(c.outputs)) {
      const a = npy('training', file);
      const e = state.get(k)!;
      assert.deepEqual(e.shape, a.shape, k);
      assert.deepEqual(Array.from(e.data), Array.from(a.data as Float32Array), k);
    }
    // Trainable parameters: everything but the resample filters.
    assert.deepEqual(
      [...D.params.keys()],
      c.params.state_dict_keys.filter((k: string) => !k.endsWith('resample_filter')),
    );
    D.dispose();
  });
}

test('loadDiscriminator reads the D of an official snapshot pickle', async () => {
  const D = await loadDiscriminator(goldenPath('generators', 't32', 'network.pkl'));
  assert.equal(D.config.imgResolution, 32);
  assert.equal(D.config.channelBase, 1024);
  assert.equal(D.initKwargs.class_name, 'training.networks_stylegan2.Discriminator');
  assert.deepEqual(D.stateDict().get('b32.resample_filter')!.shape, [4, 4]);
  const img = tf.randomUniform([4, 3, 32, 32], -1, 1, 'float32', 5);
  const y = D.forward(img);
  assert.deepEqual(y.shape, [4, 1]);
  for (const v of y.dataSync()) assert.ok(Number.isFinite(v));
  tf.dispose([img, y]);
  D.dispose();
});

test('createDiscriminator: seeded, official initial distributions', async () => {
  const config: DiscriminatorConfig = { imgResolution: 32, channelBase: 512, channelMax: 32 };
  const a = await createDiscriminator(config, { seed: 3 });
  const b = await createDiscriminator(config, { seed: 3 });
  const c = await createDiscriminator(config, { seed: 4 });
  const sa = a.stateDict();
  const sb = b.stateDict();
  const sc = c.stateDict();
  let conv: number[] = [];
  for (const [k, e] of sa) {
    assert.deepEqual(Array.from(e.data), Array.from(sb.get(k)!.data), `same seed, same ${k}`);
    if (k.endsWith('.bias'))
      assert.ok(
        e.data.every((v) => v === 0),
        `${k} starts at 0`,
      );
    if (k.endsWith('resample_filter')) {
      const f = [1, 3, 3, 1];
      assert.deepEqual(
        Array.from(e.data),
        f.flatMap((u) => f.map((v) => Math.fround((u * v) / 64))),
      );
    }
    if (k.endsWith('.weight')) {
      conv = conv.concat(Array.from(e.data));
      assert.notDeepEqual(Array.from(e.data), Array.from(sc.get(k)!.data), `other seed, other ${k}`);
    }
  }
  const mean = conv.reduce((s, v) => s + v, 0) / conv.length;
  const sd = Math.sqrt(conv.reduce((s, v) => s + (v - mean) ** 2, 0) / conv.length);
  // N(0, 1) weights: with n ≈ 5·10⁴ draws the sample mean is within 4/√n and the sd within 2 %.
  assert.ok(Math.abs(mean) < 4 / Math.sqrt(conv.length), `mean ${mean}`);
  assert.ok(Math.abs(sd - 1) < 0.02, `sd ${sd}`);
  for (const D of [a, b, c]) D.dispose();
});

test('architectures orig and skip, labels: the official layout and a forward', async () => {
  const base = { imgResolution: 16, channelBase: 128, channelMax: 16 };
  const orig = discriminatorLayout({ ...base, architecture: 'orig' }).map((e) => e.key);
  assert.ok(!orig.some((k) => k.includes('skip')));
  assert.ok(orig.includes('b16.fromrgb.weight') && !orig.includes('b8.fromrgb.weight'));
  const skip = discriminatorLayout({ ...base, architecture: 'skip' }).map((e) => e.key);
  for (const k of ['b16.fromrgb.weight', 'b8.fromrgb.weight', 'b4.fromrgb.weight'])
    assert.ok(skip.includes(k), k);
  const cond = discriminatorLayout({ ...base, cDim: 5, mappingLayers: 2 });
  const keys = cond.map((e) => e.key);
  // The label mapping is registered between the blocks and the epilogue (official order).
  assert.ok(keys.indexOf('mapping.embed.weight') > keys.indexOf('b8.skip.weight'));
  assert.ok(keys.indexOf('mapping.fc1.bias') < keys.indexOf('b4.conv.weight'));
  assert.deepEqual(cond.find((e) => e.key === 'b4.out.weight')!.shape, [16, 16]); // cmap_dim = C(4) = min(128/4, 16)
  const img = tf.randomUniform([4, 3, 16, 16], -1, 1, 'float32', 1);
  for (const architecture of ['orig', 'skip'] as const) {
    const D = await createDiscriminator({ ...base, architecture }, { seed: 1 });
    const y = D.forward(img);
    assert.deepEqual(y.shape, [4, 1]);
    D.dispose();
  }
  const D = await createDiscriminator({ ...base, cDim: 5, mappingLayers: 2 }, { seed: 2 });
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 4], 'int32'), 5);
  const y = D.forward(img, labels);
  assert.deepEqual(y.shape, [4, 1]);
  assert.throws(() => D.forward(img), /c \(labels \[N, 5\]\) is required/);
  tf.dispose([img, labels, y]);
  D.dispose();
});

test('minibatch stddev: sample i belongs to group i mod N/G', async () => {
  // With group size 2 and N = 4, samples {0, 2} and {1, 3} form the groups: swapping samples 0 and
  // 2 permutes the logits the same way, swapping 0 and 1 changes them.
  const D = await createDiscriminator(
    { imgResolution: 8, channelBase: 64, channelMax: 8, mbstdGroupSize: 2 },
    { seed: 7 },
  );
  const img = tf.randomUniform([4, 3, 8, 8], -1, 1, 'float32', 9);
  const y = D.forward(img).dataSync();
  const swap = (i: number, j: number) => {
    const order = [0, 1, 2, 3];
    [order[i], order[j]] = [order[j], order[i]];
    return tf.gather(img, tf.tensor1d(order, 'int32'));
  };
  const s02 = swap(0, 2);
  const y02 = D.forward(s02).dataSync();
  assert.ok(
    Math.abs(y02[0] - y[2]) < 1e-5 && Math.abs(y02[2] - y[0]) < 1e-5 && Math.abs(y02[1] - y[1]) < 1e-5,
  );
  const s01 = swap(0, 1);
  const y01 = D.forward(s01).dataSync();
  assert.ok(Math.abs(y01[1] - y[0]) > 1e-4, 'a sample moved to the other group sees another stddev');
  assert.throws(
    () => D.forward(tf.slice(img, [0], [3])),
    /batch size 3 must be a multiple of the minibatch-stddev group size 2/,
  );
  tf.dispose([img, s02, s01]);
  D.dispose();
});

test('discriminator argument errors name the argument and the value', async () => {
  await assert.rejects(
    createDiscriminator({ imgResolution: 24 }),
    /imgResolution must be a power of two >= 4, got 24/,
  );
  await assert.rejects(
    createDiscriminator({ imgResolution: 16, architecture: 'dense' as 'orig' }),
    /architecture must be/,
  );
  await assert.rejects(
    createDiscriminator({ imgResolution: 16, convClamp: -1 }),
    /convClamp must be null or a number > 0, got -1/,
  );
  await assert.rejects(loadDiscriminator('/nonexistent/D'), /does not exist/);
  assert.throws(
    () =>
      discriminatorConfigFromInitKwargs({
        class_name: 'training.networks_stylegan3.Generator',
        img_resolution: 16,
      }),
    /class_name must be 'training.networks_stylegan2.Discriminator'/,
  );
  assert.throws(
    () => new Discriminator({ imgResolution: 8 }, new Map()),
    /discriminator state has no entry b8.resample_filter/,
  );
  const D = await createDiscriminator({ imgResolution: 8, channelBase: 64, channelMax: 8 });
  const bad = tf.zeros([2, 3, 16, 16]);
  assert.throws(() => D.forward(bad), /img must have shape \[N, 3, 8, 8\], got \[2, 3, 16, 16\]/);
  D.dispose();
  assert.throws(() => D.forward(bad), /disposed/);
  bad.dispose();
});
