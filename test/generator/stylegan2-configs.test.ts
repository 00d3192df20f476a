/**
 * StyleGAN2 presets A, B, C: layer tables and trainable parameter counts at 256² against the
 * official formulas (networks_stylegan2.py), the kwargs conversion, the other architectures
 * (orig, resnet) and B/C's Fourier input through both paths, bad input, and memory.
 *
 * Parameter counts at 256² (C_base 16384, C_max 512; C = 512 for 4–32, 256 / 128 / 64 at
 * 64 / 128 / 256), from the official constructors:
 *   mapping: 8 · (512·512 + 512)                                      = 2 101 248
 *   SynthesisLayer I→O: 9·I·O + O (bias) + 512·I + I (affine) + 1 (noise strength)
 *   ToRGB I: 3·I + 3 + 512·I + I;   const 512·4·4 = 8 192
 *   synthesis: b4 2 894 852, b8/b16/b32 5 509 125 each, b64 2 296 069, b128 705 669, b256 242 245
 *   A = 22 666 210 + 2 101 248 = 24 767 458
 *   B = A − 8 192 (const) + 512·512 (Fourier mixing weight) = 25 021 410
 *   C = B − 13 (no noise strengths in its 13 conv layers)   = 25 021 397
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/generator/backend.js';
import { configs, configAt } from '../../src/generator/config.js';
import {
  createGenerator,
  generatorFromSnapshot,
  loadGenerator,
  type AnyGenerator,
} from '../../src/generator/weights.js';
import { setConvAlgorithm } from '../../src/generator/ops/modulated-conv.js';
import { ensureGradients } from '../../src/generator/ops/gradients.js';
import {
  resolveStyleGAN2Config,
  styleGAN2ConfigFromInitKwargs,
  type StyleGAN2Config,
} from '../../src/generator/stylegan2/config.js';
import { styleGAN2Layout, styleGAN2ParameterBreakdown } from '../../src/generator/stylegan2/layout.js';
import { StyleGAN2Generator } from '../../src/generator/stylegan2/generator.js';
import { goldenPath, assertCloseToMax, npy } from '../helpers/golden.js';
import { trackWasmHeap } from '../helpers/wasm-heap.js';

before(async () => {
  await setBackend('wasm');
  await ensureGradients();
});

/** Official trainable-parameter formula of the StyleGAN2 generator (see the file comment). */
function officialCount(c: StyleGAN2Config): number {
  const r = resolveStyleGAN2Config(c);
  const ch = (res: number) => Math.min(Math.floor(r.channelBase / res), r.channelMax);
  const w = r.wDim;
  let n = r.mappingLayers * (w * w + w) + (r.zDim - w) * w; // fc0 reads z (zDim) instead of w
  const layer = (I: number, O: number) => 9 * I * O + O + w * I + I + (r.useNoise ? 1 : 0);
  const torgb = (I: number) => r.imgChannels * I + r.imgChannels + w * I + I;
  n += r.input === 'const' ? ch(4) * 16 : ch(4) * ch(4);
  for (let res = 4; res <= r.imgResolution; res *= 2) {
    if (res > 4) n += layer(ch(res / 2), ch(res));
    n += layer(ch(res), ch(res));
    if (r.architecture === 'skip' || res === r.imgResolution) n += torgb(ch(res));
    if (r.architecture === 'resnet' && res > 4) n += ch(res / 2) * ch(res);
  }
  return n;
}

test('parameter counts at 256²: A 24 767 458, B 25 021 410, C 25 021 397 (official formulas)', () => {
  const count = (c: StyleGAN2Config) =>
    styleGAN2ParameterBreakdown(styleGAN2Layout(resolveStyleGAN2Config(c))).total;
  assert.equal(count(configs.A), 24_767_458);
  assert.equal(count(configs.B), 25_021_410);
  assert.equal(count(configs.C), 25_021_397);
  for (const c of [configs.A, configs.B, configs.C]) assert.equal(count(c), officialCount(c));
  const bA = styleGAN2ParameterBreakdown(styleGAN2Layout(resolveStyleGAN2Config(configs.A)));
  assert.equal(bA.mapping, 2_101_248);
  assert.equal(bA.input, 8192);
  assert.equal(bA.synthesis, 22_666_210);
  for (const arch of ['orig', 'resnet'] as const) {
    const c = { ...configs.A, architecture: arch, imgResolution: 64 };
    assert.equal(count(c), officialCount(c), arch);
  }
});

test('layer tables of A, B, C at 256²: official names, sizes, channels, up factors, noise', async () => {
  for (const name of ['A', 'B', 'C'] as const) {
    const layout = styleGAN2Layout(resolveStyleGAN2Config(configs[name]));
    assert.equal(layout.numWs, 14, `${name} num_ws`);
    assert.equal(layout.blocks.length, 7);
    const names = layout.blocks.flatMap((b) =>
      [b.conv0, b.conv1, b.torgb].filter(Boolean).map((l) => l!.name),
    );
    assert.deepEqual(names.slice(0, 6), [
      'b4.conv1',
      'b4.torgb',
      'b8.conv0',
      'b8.conv1',
      'b8.torgb',
      'b16.conv0',
    ]);
    assert.equal(names.length, 13 + 7, `${name}: 13 conv layers and 7 ToRGB`);
    const convs = layout.blocks.flatMap((b) => [b.conv0, b.conv1].filter(Boolean).map((l) => l!));
    assert.equal(convs.length, 13);
    assert.ok(
      convs.every((l) => l.noise === (name !== 'C')),
      `${name} noise`,
    );
    const ch = layout.blocks.map((b) => b.outChannels);
    assert.deepEqual(ch, [512, 512, 512, 512, 256, 128, 64]);
    const b64 = layout.blocks[4];
    assert.equal(b64.conv0!.up, 2);
    assert.equal(b64.conv0!.inChannels, 512);
    assert.equal(b64.conv0!.outChannels, 256);
    assert.equal(b64.torgb!.kernel, 1);
    assert.equal(b64.torgb!.demodulate, false);
    // The ToRGB shares its w with the next block's conv0 (w index advances by num_conv only).
    assert.equal(layout.blocks[1].torgb!.wIndex, layout.blocks[2].conv0!.wIndex);
  }
  // layerInfo of a (small) generator describes every layer the same way.
  const g = await createGenerator({
    ...configs.B,
    imgResolution: 16,
    channelBase: 256,
    channelMax: 16,
    zDim: 8,
    wDim: 8,
  });
  const info = g.layerInfo();
  assert.deepEqual(
    info.map((l) => `${l.name}:${l.size}:${l.channels}:${l.upFactor}`),
    [
      'b4.conv1:4:16:1',
      'b4.torgb:4:3:1',
      'b8.conv0:8:16:2',
      'b8.conv1:8:16:1',
      'b8.torgb:8:3:1',
      'b16.conv0:16:16:2',
      'b16.conv1:16:16:1',
      'b16.torgb:16:3:1',
    ],
  );
  assert.ok(info.every((l) => l.samplingRate === l.size && l.cutoff === l.size / 2));
  g.dispose();
});

test('presets: A–C are plain StyleGAN2 configs; configAt copies them; kwargs round trip', () => {
  assert.equal(configs.A.network, 'stylegan2');
  assert.equal(configs.B.input, 'fourier');
  assert.equal(configs.C.useNoise, false);
  assert.equal(configs.A.mappingLayers, 8);
  const a = configAt('A', 64);
  assert.equal(a.imgResolution, 64);
  assert.notEqual(a.resampleFilter, configs.A.resampleFilter);
  // stylegan2-ada-pytorch's nested synthesis_kwargs (conv_clamp default None there).
  const ada = styleGAN2ConfigFromInitKwargs({
    class_name: 'training.networks.Generator',
    z_dim: 512,
    w_dim: 512,
    c_dim: 0,
    img_resolution: 256,
    img_channels: 3,
    mapping_kwargs: { num_layers: 8 },
    synthesis_kwargs: { channel_base: 16384, channel_max: 512, num_fp16_res: 4, conv_clamp: 256 },
  });
  const r = resolveStyleGAN2Config(ada);
  assert.equal(r.channelBase, 16384);
  assert.equal(r.convClamp, 256);
  assert.equal(
    resolveStyleGAN2Config(
      styleGAN2ConfigFromInitKwargs({
        class_name: 'training.networks.Generator',
        z_dim: 8,
        w_dim: 8,
        img_resolution: 8,
        img_channels: 3,
      }),
    ).convClamp,
    null,
  );
  // The pickle reader names both classes training.networks_stylegan2.Generator (pickles record no
  // module name): the nested synthesis_kwargs mark stylegan2-ada-pytorch's form.
  const nested = resolveStyleGAN2Config(
    styleGAN2ConfigFromInitKwargs({
      class_name: 'training.networks_stylegan2.Generator',
      z_dim: 8,
      w_dim: 8,
      img_resolution: 8,
      img_channels: 3,
      synthesis_kwargs: { channel_base: 64, channel_max: 8, architecture: 'skip' },
    }),
  );
  assert.equal(nested.convClamp, null);
  assert.equal(nested.channelBase, 64);
});

/** A tiny generator of `config` with random (non-initial) biases, noise strengths and w_avg. */
async function tiny(config: Partial<StyleGAN2Config>, seed = 1): Promise<StyleGAN2Generator> {
  const g = await createGenerator(
    {
      ...configs.A,
      imgResolution: 16,
      channelBase: 128,
      channelMax: 16,
      zDim: 8,
      wDim: 8,
      ...config,
    } as StyleGAN2Config,
    { seed },
  );
  const sd = g.stateDict();
  const upd = new Map<string, { shape: number[]; data: Float32Array }>();
  let k = 0;
  for (const [key, e] of sd) {
    if (/(\.bias|noise_strength|w_avg)$/.test(key)) {
      const data = Float32Array.from(e.data, (_, i) => 0.3 * Math.sin(1.7 * (i + 1) + k));
      upd.set(key, { shape: e.shape, data });
      k++;
    }
  }
  g.loadState(upd);
  return g;
}

for (const [name, cfg] of [
  ['A skip', {}],
  ['orig', { architecture: 'orig' }],
  ['resnet', { architecture: 'resnet' }],
  ['B (Fourier input)', { input: 'fourier' }],
  ['C (no noise)', { input: 'fourier', useNoise: false }],
] as [string, Partial<StyleGAN2Config>][]) {
  test(`fast path equals the reference path: ${name} (direct and Winograd convs, captures)`, async () => {
    const g = await tiny(cfg);
    const ws = tf.randomNormal([2, g.numWs, 8], 0, 1, 'float32', 3) as tf.Tensor3D;
    const noiseMode = cfg.useNoise === false ? 'none' : 'const';
    const transform = cfg.input === 'fourier' ? [0.8, -0.6, 0.1, 0.6, 0.8, -0.05, 0, 0, 1] : null;
    const ref = g.synthesisWith(null, ws, { noiseMode, capture: true, captureLayers: true, transform });
    for (const alg of ['direct', 'winograd'] as const) {
      setConvAlgorithm(alg);
      try {
        const fast = g.synthesis(ws, { noiseMode, capture: true, captureLayers: true, transform });
        assert.deepEqual(Object.keys(fast.layers!).sort(), Object.keys(ref.layers!).sort());
        for (const k of Object.keys(ref.layers!)) {
          assertCloseToMax(
            fast.layers![k].dataSync(),
            ref.layers![k].dataSync(),
            1e-4,
            `${name} ${alg} ${k}`,
          );
        }
        assertCloseToMax(fast.image.dataSync(), ref.image.dataSync(), 1e-4, `${name} ${alg} image`);
        tf.dispose([fast.image, ...Object.values(fast.layers!)]);
      } finally {
        setConvAlgorithm('auto');
      }
    }
    // Every layer by its module name; without resnet skips a block's x is its conv1's output.
    for (const L of g.layerInfo()) assert.ok(ref.layers![L.name], `captured ${L.name}`);
    if (cfg.architecture !== 'resnet') {
      for (const b of g.layout.blocks) {
        assert.deepEqual(
          Array.from(ref.layers![`b${b.resolution}.conv1`].dataSync()),
          Array.from(ref.layers![`b${b.resolution}.x`].dataSync()),
        );
      }
    }
    if (cfg.architecture === 'orig')
      assert.deepEqual(
        Object.keys(ref.layers!).filter((k) => k.endsWith('.img')),
        ['b16.img'],
      );
    tf.dispose([ws, ref.image, ...Object.values(ref.layers!)]);
    g.dispose();
  });
}

test('the golden StyleGAN2 generator with Winograd convs forced stays within 1e-4', async () => {
  const g = await loadGenerator<AnyGenerator>(goldenPath('stylegan2', 's2_32'));
  if (!(g instanceof StyleGAN2Generator)) throw new Error('not a StyleGAN2 generator');
  const a = npy('stylegan2', 's2_32/io/ws.npy');
  const ws = tf.tensor3d(Float32Array.from(a.data as ArrayLike<number>), a.shape as [number, number, number]);
  setConvAlgorithm('winograd');
  try {
    const { image } = g.synthesis(ws, { noiseMode: 'const' });
    assertCloseToMax(
      image.dataSync(),
      npy('stylegan2', 's2_32/io/img_const.npy').data as ArrayLike<number>,
      1e-4,
      'winograd',
    );
    image.dispose();
  } finally {
    setConvAlgorithm('auto');
  }
  ws.dispose();
  g.dispose();
});

test('B: an integer translation of the Fourier input moves the 4×4 input map by whole pixels', async () => {
  const g = await tiny({ input: 'fourier', useNoise: false });
  const ws = tf.randomNormal([1, g.numWs, 8], 0, 1, 'float32', 4) as tf.Tensor3D;
  // transform = inverse of a translation by one input pixel (1/4 canvas) along x.
  const a = g.synthesis(ws, { capture: true, noiseMode: 'none' });
  const b = g.synthesis(ws, { capture: true, noiseMode: 'none', transform: [1, 0, -0.25, 0, 1, 0, 0, 0, 1] });
  assert.notDeepEqual(Array.from(a.image.dataSync()), Array.from(b.image.dataSync()));
  tf.dispose([ws, a.image, b.image, ...Object.values(a.layers!), ...Object.values(b.layers!)]);
  g.dispose();
});

test('gradients of the reference path: directional derivatives w.r.t. a conv weight and ws', async () => {
  const g = await tiny({ architecture: 'skip' });
  const params = g.params();
  const key = 'synthesis.b8.conv0.weight';
  const ws = tf.randomNormal([2, g.numWs, 8], 0, 1, 'float32', 6) as tf.Tensor3D;
  const r = tf.randomNormal([2, 3, 16, 16], 0, 1, 'float32', 7);
  const loss = (p: Map<string, tf.Tensor>, w: tf.Tensor3D) =>
    tf.sum(tf.mul(g.synthesisWith(p, w, { noiseMode: 'none' }).image, r)) as tf.Scalar;
  const { grads } = tf.variableGrads(
    () => loss(params as unknown as Map<string, tf.Tensor>, ws),
    [params.get(key)!],
  );
  const gW = grads[params.get(key)!.name];
  const gWs = tf.grad((w: tf.Tensor) => loss(params as unknown as Map<string, tf.Tensor>, w as tf.Tensor3D))(
    ws,
  );
  // Central differences in float32 along one random direction. The loss (a sum over every pixel
  // with cancellations) carries float32 rounding of ~1e−5 relative, so a single step is either
  // biased by curvature or by rounding: take the median over steps 1e−2 … 1e−4.
  const dirW = tf.randomNormal(gW.shape, 0, 1, 'float32', 8);
  const dirWs = tf.randomNormal(ws.shape, 0, 1, 'float32', 9);
  const at = (dw: number, dws: number) =>
    tf.tidy(() => {
      const p = new Map<string, tf.Tensor>(params as unknown as Map<string, tf.Tensor>);
      p.set(key, tf.add(params.get(key)!, tf.mul(dirW, dw)));
      return loss(p, tf.add(ws, tf.mul(dirWs, dws)) as tf.Tensor3D).dataSync()[0];
    });
  const fd = (f: (e: number) => number) => {
    const d = [1e-2, 3e-3, 1e-3, 3e-4, 1e-4].map((h) => (f(h) - f(-h)) / (2 * h)).sort((x, y) => x - y);
    return d[2];
  };
  const fdW = fd((e) => at(e, 0));
  const fdWs = fd((e) => at(0, e));
  const anW = tf.sum(tf.mul(gW, dirW)).dataSync()[0];
  const anWs = tf.sum(tf.mul(gWs, dirWs)).dataSync()[0];
  assert.ok(
    Math.abs(fdW - anW) <= 3e-2 * Math.abs(anW) + 1e-3,
    `weight: finite difference ${fdW} vs gradient ${anW}`,
  );
  assert.ok(
    Math.abs(fdWs - anWs) <= 3e-2 * Math.abs(anWs) + 1e-3,
    `ws: finite difference ${fdWs} vs gradient ${anWs}`,
  );
  // Every trainable synthesis parameter gets a gradient of its own shape.
  const lossConst = () =>
    tf.sum(tf.mul(g.synthesisWith(null, ws, { noiseMode: 'const' }).image, r)) as tf.Scalar;
  const all = tf.variableGrads(
    lossConst,
    [...params].filter(([k]) => k.startsWith('synthesis.')).map(([, v]) => v),
  );
  for (const [k, v] of params)
    if (k.startsWith('synthesis.')) assert.deepEqual(all.grads[v.name]?.shape, v.shape, k);
  tf.dispose([ws, r, gW, gWs, dirW, dirWs, ...Object.values(all.grads), all.value]);
  g.dispose();
});

test('bad input: clear errors naming the argument', async () => {
  assert.throws(
    () => resolveStyleGAN2Config({ ...configs.A, architecture: 'dense' as never }),
    /architecture must be 'orig', 'skip' or 'resnet', got "dense"/,
  );
  assert.throws(
    () => resolveStyleGAN2Config({ ...configs.A, imgResolution: 48 }),
    /imgResolution must be a power of two/,
  );
  assert.throws(
    () =>
      styleGAN2ConfigFromInitKwargs({
        class_name: 'training.networks_stylegan2.Generator',
        z_dim: 8,
        w_dim: 8,
        img_resolution: 8,
        img_channels: 3,
        channel_bass: 4,
      }),
    /kwargs.channel_bass is not a known StyleGAN2 Generator argument/,
  );
  const g = await tiny({});
  // A snapshot whose blocks do not match its kwargs (weights of a 16² network, kwargs of 32²).
  const kw = {
    class_name: 'training.networks_stylegan2.Generator',
    z_dim: 8,
    w_dim: 8,
    c_dim: 0,
    img_resolution: 32,
    img_channels: 3,
    mapping_kwargs: { num_layers: 8 },
    channel_base: 128,
    channel_max: 16,
  };
  await assert.rejects(
    generatorFromSnapshot({ initKwargs: kw, state: g.stateDict() }),
    /snapshot state is missing synthesis.b32/,
  );
  const kw8 = { ...kw, img_resolution: 8 };
  await assert.rejects(
    generatorFromSnapshot({ initKwargs: kw8, state: g.stateDict() }),
    /does not use.*synthesis.b16/,
  );
  const bad = tf.zeros([1, g.numWs - 1, 8]);
  assert.throws(() => g.synthesis(bad), /ws must have shape \[N, 6, 8\] \(num_ws = 6\), got \[1, 5, 8\]/);
  const ws = tf.zeros([1, g.numWs, 8]);
  assert.throws(
    () => g.synthesis(ws, { noiseMode: 'fixed' as never }),
    /noiseMode must be 'const', 'none' or 'random', got "fixed"/,
  );
  assert.throws(
    () => g.synthesis(ws, { transform: [1, 0, 0.1, 0, 1, 0, 0, 0, 1] }),
    /transform needs a Fourier-feature input/,
  );
  const c = await tiny({ input: 'fourier', useNoise: false });
  assert.throws(
    () => c.synthesis(ws, { noiseMode: 'const' }),
    /noiseMode "const" needs noise inputs, but this generator has none/,
  );
  assert.throws(() => g.mapping([[1, 2]]), /z rows must have 8 entries, got 2/);
  tf.dispose([bad, ws]);
  g.dispose();
  c.dispose();
  g.dispose(); // twice is harmless
  assert.throws(() => g.synthesis(ws), /disposed/);
});

test('no leaks: synthesis, capture, reference path and dispose free every tensor and wasm block', async () => {
  const before = tf.memory().numTensors;
  let g: StyleGAN2Generator | null = null;
  g = await tiny({ architecture: 'resnet' });
  const ws = tf.randomNormal([1, g.numWs, 8], 0, 1, 'float32', 5) as tf.Tensor3D;
  // Warm up (Winograd weights are made on first use and kept by the layer).
  setConvAlgorithm('winograd');
  tf.dispose(g.synthesis(ws, { noiseMode: 'random' }).image);
  // The reference path makes the variables of params() and the buffer tensors on first use.
  tf.dispose(g.synthesisWith(null, ws, { noiseMode: 'none' }).image);
  const n0 = tf.memory().numTensors;
  const heap = trackWasmHeap(() => {
    for (let i = 0; i < 2; i++) {
      const r = g!.synthesis(ws, { noiseMode: 'random', capture: true });
      tf.dispose([r.image, ...Object.values(r.layers!)]);
      const q = g!.synthesisWith(null, ws, { noiseMode: 'none', capture: true });
      tf.dispose([q.image, ...Object.values(q.layers!)]);
      tf.dispose(g!.mapping([[1, 2, 3, 4, 5, 6, 7, 8]], { psi: 0.5, cutoff: 2 }));
    }
  });
  setConvAlgorithm('auto');
  assert.equal(heap.error, null);
  assert.equal(heap.live.size, 0, 'wasm heap blocks still allocated after the runs');
  assert.equal(tf.memory().numTensors, n0, 'tensors after the runs');
  ws.dispose();
  g.dispose();
  assert.equal(tf.memory().numTensors, before, 'tensors after dispose');
});

test('a stylegan2-ada-pytorch snapshot (nested synthesis_kwargs) loads and runs like the same StyleGAN2', async () => {
  const g = await tiny({ convClamp: null });
  const kw = {
    class_name: 'training.networks.Generator',
    z_dim: 8,
    w_dim: 8,
    c_dim: 0,
    img_resolution: 16,
    img_channels: 3,
    mapping_kwargs: { num_layers: 8 },
    synthesis_kwargs: { channel_base: 128, channel_max: 16, num_fp16_res: 0 },
  };
  const ada = await generatorFromSnapshot<AnyGenerator>({ initKwargs: kw, state: g.stateDict() });
  if (!(ada instanceof StyleGAN2Generator)) throw new Error('not a StyleGAN2 generator');
  assert.equal(ada.config.convClamp, null);
  const z = tf.randomNormal([2, 8], 0, 1, 'float32', 11) as tf.Tensor2D;
  const a = g.generate(z, { noiseMode: 'const', psi: 0.7 });
  const b = ada.generate(z, { noiseMode: 'const', psi: 0.7 });
  assert.deepEqual(Array.from(b.image.dataSync()), Array.from(a.image.dataSync()));
  tf.dispose([z, a.image, b.image]);
  g.dispose();
  ada.dispose();
});

test('saveGenerator / loadGenerator round trip of a StyleGAN2 B (Fourier input: restored from the config file)', async () => {
  const { saveGenerator } = await import('../../src/generator/weights.js');
  const { mkdtempSync, rmSync, existsSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'aliasfree-sg2-'));
  try {
    const g = await tiny({ input: 'fourier' });
    saveGenerator(g, dir);
    assert.ok(existsSync(join(dir, 'state', 'synthesis.b4.input.freqs.npy')));
    const h = await loadGenerator<AnyGenerator>(dir);
    if (!(h instanceof StyleGAN2Generator)) throw new Error('not a StyleGAN2 generator');
    assert.equal(h.config.input, 'fourier');
    const z = tf.randomNormal([1, 8], 0, 1, 'float32', 12) as tf.Tensor2D;
    const a = g.generate(z, { noiseMode: 'const' });
    const b = h.generate(z, { noiseMode: 'const' });
    assert.deepEqual(Array.from(b.image.dataSync()), Array.from(a.image.dataSync()));
    tf.dispose([z, a.image, b.image]);
    g.dispose();
    h.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("noiseSeed: repeatable 'random' noise, the same on both paths; other seeds differ; misuse is named", async () => {
  const g = (await loadGenerator<AnyGenerator>(goldenPath('stylegan2', 's2_32'))) as StyleGAN2Generator;
  try {
    const ws = tf.tensor3d(Float32Array.from(npy('stylegan2', 's2_32/io/ws.npy').data as Float32Array), [
      2,
      g.numWs,
      g.config.wDim,
    ]);
    const grab = (opts: { noiseSeed?: number; noiseMode?: 'random' | 'const' }) => {
      const { image } = g.synthesis(ws, { noiseMode: 'random', ...opts });
      const v = Float32Array.from(image.dataSync());
      image.dispose();
      return v;
    };
    const a = grab({ noiseSeed: 7 });
    const b = grab({ noiseSeed: 7 });
    assert.deepEqual(a, b, 'the same seed draws the same noise');
    const c = grab({ noiseSeed: 8 });
    const maxDiff = (x: Float32Array, y: Float32Array) =>
      x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
    assert.ok(maxDiff(a, c) > 1e-3, 'another seed draws other noise (the golden strengths are non-zero)');
    const ref = g.synthesisWith(null, ws, { noiseMode: 'random', noiseSeed: 7 }).image;
    const r = Float32Array.from(ref.dataSync());
    ref.dispose();
    const peak = r.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(
      maxDiff(a, r) <= 1e-4 * peak,
      `fast and reference paths add the same seeded noise (${maxDiff(a, r)})`,
    );
    assert.throws(
      () => g.synthesis(ws, { noiseMode: 'const', noiseSeed: 1 }),
      /noiseSeed .*noiseMode "const"/,
    );
    assert.throws(() => g.synthesis(ws, { noiseSeed: -1 }), /noiseSeed must be a non-negative integer/);
    assert.throws(() => g.synthesis(ws, { noiseSeed: '3' as unknown as number }), /noiseSeed .*got "3"/);
  } finally {
    g.dispose();
  }
});
