/**
 * `--cfg` for the paper's ladder (A–R): `trainConfig` gives each config its generator (official
 * class and arguments; the full config where those cannot describe the network) and the loss
 * settings of its train.py family; a real `lossPhase` on a 16² network of each family (C:
 * StyleGAN2 with Fourier features and no noise; D and F: rigid StyleGAN3 steps) gives finite,
 * non-zero gradients under the official parameter names; `train` refuses B–H with the reason.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../src/generator/backend.js';
import { Rng } from '../../src/generator/rng.js';
import { LADDER_CFGS, trainConfig, type TrainCfg } from '../../src/train/config.js';
import { createDiscriminator, discriminatorConfigFromInitKwargs } from '../../src/train/discriminator.js';
import { lossPhase } from '../../src/train/loss.js';
import { seededGeneratorState, trainingGenerator } from '../../src/train/networks.js';
import { train } from '../../src/train/run.js';
import { main } from '../../src/cli/main.js';
import { stateLayout } from '../../src/generator/state.js';
import { computeGeometry } from '../../src/generator/stylegan3/geometry.js';
import type { GeneratorConfig } from '../../src/generator/types.js';
import type { StyleGAN2Config } from '../../src/generator/stylegan2/config.js';

before(async () => {
  await setBackend('wasm');
});

const args = (cfg: TrainCfg) => ({
  cfg,
  batch: 8,
  resolution: 16,
  channels: 3,
  cbase: 512,
  cmax: 32,
  zDim: 16,
  wDim: 16,
});

test('trainConfig A, T, R: the networks and settings of stylegan2, stylegan3-t, stylegan3-r', () => {
  for (const [letter, name] of [
    ['A', 'stylegan2'],
    ['T', 'stylegan3-t'],
    ['R', 'stylegan3-r'],
  ] as const) {
    const a = trainConfig(args(letter));
    const b = trainConfig(args(name));
    assert.equal(a.cfg, letter);
    assert.equal(a.G_config, null, `${letter}: official kwargs describe it`);
    assert.deepEqual({ ...a, cfg: name }, b, letter);
  }
});

test('trainConfig B, C: StyleGAN2 with Fourier features (C: no noise), stylegan2 loss settings', () => {
  for (const name of ['B', 'C'] as const) {
    const c = trainConfig(args(name));
    const g = c.G_config as StyleGAN2Config;
    assert.equal(g.network, 'stylegan2');
    assert.equal(g.input, 'fourier');
    assert.equal(g.useNoise, name === 'B');
    assert.equal(g.architecture, 'skip');
    assert.deepEqual(
      [g.imgResolution, g.channelBase, g.channelMax, g.zDim, g.wDim, g.mappingLayers],
      [16, 512, 32, 16, 16, 8],
    );
    assert.equal(c.G_kwargs.class_name, 'training.networks_stylegan2.Generator');
    assert.equal(c.G_kwargs.use_noise, name === 'B');
    assert.equal(c.G_kwargs.fused_modconv_default, 'inference_only');
    assert.deepEqual(c.G_kwargs.mapping_kwargs, { num_layers: 8, lr_multiplier: 0.01, w_avg_beta: 0.998 });
    assert.deepEqual(c.loss, { ...trainConfig(args('stylegan2')).loss });
    assert.equal(c.loss.plWeight, 2);
    assert.equal(c.loss.styleMixingProb, 0.9);
    assert.equal(c.G_reg_interval, 4);
    assert.equal(c.G_opt.lr, 0.002);
  }
});

test('trainConfig D–H: the rigid ladder steps, stylegan3-t loss settings (no pl, no mixing, no blur)', () => {
  const expect: Record<string, [number, number, string, string, boolean]> = {
    // margin, m (lrelu upsampling), cutoff rule, up filter, learned input transform (spec §2.2)
    D: [0, 1, 'critical', 'binomial', false],
    E: [10, 1, 'critical', 'kaiser', false],
    F: [10, 2, 'critical', 'kaiser', false],
    G: [10, 2, 'noncritical', 'kaiser', false],
    H: [10, 2, 'noncritical', 'kaiser', true],
  };
  const t = trainConfig(args('stylegan3-t'));
  for (const [name, [margin, m, cutoff, upFilter, learned]] of Object.entries(expect)) {
    const c = trainConfig(args(name as TrainCfg));
    const g = c.G_config as GeneratorConfig;
    assert.equal(g.ladder!.schedule, 'rigid', name);
    assert.equal(g.ladder!.cutoff, cutoff, name);
    assert.equal(g.ladder!.upFilter, upFilter, name);
    assert.equal(g.ladder!.learnedInputTransform, learned, name);
    assert.equal(g.marginSize, margin, name);
    assert.equal(g.lreluUpsampling, m, name);
    assert.deepEqual(
      [g.imgResolution, g.channelBase, g.channelMax, g.zDim, g.wDim, g.mappingLayers],
      [16, 512, 32, 16, 16, 2],
    );
    assert.equal(g.magnitudeEmaBeta, 0.5 ** (8 / 20000), name);
    // The official class and the arguments it has (the network itself needs G_config).
    assert.equal(c.G_kwargs.class_name, 'training.networks_stylegan3.Generator');
    assert.equal(c.G_kwargs.margin_size, margin);
    assert.equal(c.G_kwargs.lrelu_upsampling, m);
    assert.equal(c.G_kwargs.magnitude_ema_beta, t.G_kwargs.magnitude_ema_beta);
    assert.deepEqual(c.loss, t.loss, name);
    assert.equal(c.loss.plWeight, 0);
    assert.equal(c.loss.blurInitSigma, 0);
    assert.equal(c.G_reg_interval, null);
    assert.deepEqual([c.G_opt, c.D_opt, c.D_kwargs], [t.G_opt, t.D_opt, t.D_kwargs], name);
  }
  assert.deepEqual([...LADDER_CFGS], ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'T', 'R']);
  assert.throws(
    () => trainConfig(args('Q' as TrainCfg)),
    /cfg must be one of stylegan3-t, stylegan3-r, stylegan2, A, B, C, D, E, F, G, H, T, R, got "Q"/,
  );
});

for (const [name, phases] of [
  ['C', ['Gmain', 'Greg']],
  ['D', ['Gmain']],
  ['F', ['Gmain']],
] as const) {
  test(`lossPhase on config ${name} at 16²: finite, non-zero gradients under the official names (${phases.join(', ')})`, async () => {
    const cfg = trainConfig({ ...args(name), batch: 4, cbase: 256, cmax: 16 });
    const G = await trainingGenerator(
      cfg.G_kwargs,
      await seededGeneratorState(cfg.G_kwargs, 0, cfg.G_config),
      cfg.G_config,
    );
    const D = await createDiscriminator(discriminatorConfigFromInitKwargs(cfg.D_kwargs), { seed: 1 });
    const rng = new Rng(2);
    const realImg = tf.tensor4d(rng.normals(4 * 3 * 16 * 16), [4, 3, 16, 16]);
    const genZ = tf.tensor2d(rng.normals(4 * 16), [4, 16]);
    const names = [...G.params.keys()];
    if (name === 'C') {
      for (const k of ['synthesis.b4.input.weight', 'synthesis.b4.conv1.weight', 'mapping.fc7.weight'])
        assert.ok(names.includes(k), `C has ${k}`);
      assert.ok(!names.some((k) => k.includes('noise_strength')), 'C has no noise inputs');
    } else {
      const geo = computeGeometry(cfg.G_config as GeneratorConfig);
      const official = stateLayout(geo).map((e) => e.key);
      assert.deepEqual(
        names.filter((k) => !official.includes(k)),
        [],
        'every parameter has an official state-dict name',
      );
      assert.ok(names.includes(`synthesis.${geo.layers[0].name}.weight`), `${geo.layers[0].name}.weight`);
    }
    for (const phase of phases) {
      const r = await lossPhase(G, D, {
        phase,
        realImg,
        genZ,
        styleMixingProb: cfg.loss.styleMixingProb,
        plWeight: cfg.loss.plWeight,
        r1Gamma: cfg.loss.r1Gamma,
        seed: 3,
      });
      assert.deepEqual(Object.keys(r.grads).sort(), [...names].sort(), phase);
      const zero: string[] = [];
      for (const [k, g] of Object.entries(r.grads)) {
        const v = g.dataSync();
        assert.ok(v.every(Number.isFinite), `${phase} ∂/∂${k} finite`);
        if (v.every((x) => x === 0)) zero.push(k);
      }
      // Every parameter reaches the loss, except (path length: ∂img/∂ws does not see them) the
      // ToRGB biases in Greg.
      assert.deepEqual(
        zero.sort(),
        phase === 'Greg' ? names.filter((k) => k.endsWith('torgb.bias')).sort() : [],
        `${phase}: parameters without gradient`,
      );
      tf.dispose(Object.values(r.grads));
    }
    tf.dispose([realImg, genZ]);
    G.dispose();
    D.dispose();
  });
}

test('train refuses B–H (no official class builds them), naming the config and why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ladder-'));
  try {
    const zip = join(dir, 'd.zip');
    assert.equal(
      await main(['dataset', '--procedural', '--count', '4', '--resolution', '16', '--out', zip, '-q']),
      0,
    );
    const opts = { data: zip, batch: 4, kimg: 0.004, out: dir, cbase: 256, cmax: 16 };
    await assert.rejects(
      train({ ...opts, cfg: 'C' }),
      /cfg C: no official generator class builds config C \(training\.networks_stylegan2\.Generator has no Fourier-feature input\)/,
    );
    await assert.rejects(
      train({ ...opts, cfg: 'E' }),
      /cfg E: no official generator class builds config E \(training\.networks_stylegan3\.Generator builds only the flexible layers of T and R\)/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
