import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { StateTensor } from '../../src/generator/state.js';
import { emaBeta } from '../../src/train/ema.js';
import {
  buildPhases,
  trainingLoop,
  TrainingDivergedError,
  type PhaseCall,
  type TrainNetwork,
} from '../../src/train/loop.js';
import { trainConfig } from '../../src/train/config.js';

await tf.setBackend('cpu');

/** A toy network: parameters w (trainable) and a buffer b that the D phase moves (like w_avg). */
function toyNet(prefix: string, init: number[]): TrainNetwork & { buffer: Float32Array } {
  const params = new Map([[`${prefix}.w`, tf.variable(tf.tensor1d(init))]]);
  const buffer = Float32Array.from([0]);
  return {
    params,
    buffer,
    stateDict() {
      const s = new Map<string, StateTensor>();
      s.set(`${prefix}.w`, {
        shape: [init.length],
        data: Float32Array.from(params.get(`${prefix}.w`)!.dataSync()),
      });
      s.set(`${prefix}.b`, { shape: [1], data: Float32Array.from(buffer) });
      return s;
    },
  };
}

function setup(opts: { total: number; nanAt?: number; start?: { curNimg: number; batchIdx: number } }) {
  const G = toyNet('g', [1, -1]);
  const D = toyNet('d', [2]);
  const gEma = G.stateDict();
  const calls: (PhaseCall & { z: number[] })[] = [];
  const phases = buildPhases(
    { lr: 0.0025, betas: [0, 0.99], eps: 1e-8 },
    { lr: 0.002, betas: [0, 0.99], eps: 1e-8 },
    4,
    16,
  );
  return {
    G,
    D,
    gEma,
    calls,
    phases,
    run: (onTick?: Parameters<typeof trainingLoop>[0]['onTick']) =>
      trainingLoop({
        G,
        D,
        gEma,
        zDim: 3,
        batch: 4,
        phases,
        totalKimg: opts.total,
        kimgPerTick: 0.008,
        snapTicks: 1,
        emaKimg: (4 * 10) / 32,
        emaRampup: 0.05,
        start: opts.start,
        nextReals: (n) => ({ data: new Float32Array(n * 3 * 4 * 4), shape: [n, 3, 4, 4] }),
        onTick,
        async runPhase(call) {
          calls.push({ ...call, z: [...call.genZ.dataSync()] });
          const net = call.phase[0] === 'G' ? G : D;
          if (call.phase === 'Dmain') G.buffer[0] += 1; // update_emas of G's buffers
          const w = net.params.values().next().value!;
          const loss = call.curNimg === (opts.nanAt ?? -1) * 4 ? NaN : 0.5;
          return {
            reports: { [`Loss/${call.phase}`]: Float32Array.from([loss, loss + 1]) },
            grads: { [[...net.params.keys()][0]]: tf.mul(w, call.gain) },
          };
        },
      }),
  };
}

test('phase schedule: Gmain/Greg every 4th/Dmain/Dreg every 16th, G before D, gain = interval', async () => {
  const s = setup({ total: 0.068 }); // 17 iterations of batch 4
  const end = await s.run();
  assert.equal(end.curNimg, 68);
  assert.equal(end.batchIdx, 17);
  const count = (n: string) => s.calls.filter((c) => c.phase === n).length;
  assert.equal(count('Gmain'), 17);
  assert.equal(count('Greg'), 5);
  assert.equal(count('Dmain'), 17);
  assert.equal(count('Dreg'), 2);
  assert.deepEqual(
    s.calls.slice(0, 4).map((c) => c.phase),
    ['Gmain', 'Greg', 'Dmain', 'Dreg'],
  );
  assert.deepEqual(
    s.calls.slice(4, 6).map((c) => c.phase),
    ['Gmain', 'Dmain'],
  );
  assert.ok(s.calls.filter((c) => c.phase === 'Greg').every((c) => c.gain === 4));
  assert.ok(s.calls.filter((c) => c.phase === 'Dreg').every((c) => c.gain === 16));
  assert.ok(s.calls.filter((c) => c.phase.endsWith('main')).every((c) => c.gain === 1));
  // Every phase draws its own latents.
  assert.notDeepEqual(s.calls[0].z, s.calls[1].z);
  assert.notDeepEqual(s.calls[0].z, s.calls[2].z);
  assert.deepEqual(s.calls[0].curNimg, 0);
  assert.deepEqual(s.calls[4].curNimg, 4);
  // One Adam per network, lr and β corrected for the lazy interval.
  assert.equal(s.phases[0].opt, s.phases[1].opt);
  assert.equal(s.phases[0].opt.lr, 0.0025 * 0.8);
  assert.equal(s.phases[2].opt.lr, 0.002 * (16 / 17));
  assert.equal(s.phases[2].opt.betas[1], 0.99 ** (16 / 17));
});

test('no lazy interval: one G phase with the plain optimizer', () => {
  const ph = buildPhases(
    { lr: 0.0025, betas: [0, 0.99], eps: 1e-8 },
    { lr: 0.002, betas: [0, 0.99], eps: 1e-8 },
    null,
    16,
  );
  assert.deepEqual(
    ph.map((p) => p.name),
    ['Gmain', 'Dmain', 'Dreg'],
  );
  assert.equal(ph[0].opt.lr, 0.0025);
  assert.deepEqual(ph[0].opt.betas, [0, 0.99]);
});

test('G_ema: β = 0 at cur_nimg 0 (copy of G), then lerp with the ramp-up β; buffers copied', async () => {
  const s = setup({ total: 0.004 });
  await s.run();
  const g = s.G.stateDict();
  assert.deepEqual([...s.gEma.get('g.w')!.data], [...g.get('g.w')!.data]);
  assert.deepEqual([...s.gEma.get('g.b')!.data], [1]);
  // Second iteration: β from cur_nimg 4 → ema_nimg = min(1250, 4·0.05) → β = 0.5^(4/0.2).
  const s2 = setup({ total: 0.008 });
  let g1: Float32Array | null = null;
  await s2.run((r) => {
    if (r.tick === 0) g1 = Float32Array.from(s2.G.stateDict().get('g.w')!.data);
  });
  const beta = emaBeta({ batch: 4, curNimg: 4, emaKimg: 1.25, emaRampup: 0.05 });
  assert.equal(beta, 0.5 ** (4 / 0.2));
  const g2 = s2.G.stateDict().get('g.w')!.data;
  const ema = s2.gEma.get('g.w')!.data;
  for (let i = 0; i < 2; i++) assert.equal(ema[i], Math.fround(g2[i] + beta * (g1![i] - g2[i])));
  assert.deepEqual([...s2.gEma.get('g.b')!.data], [2]);
});

test('ticks, kimg bookkeeping and snapshot flags; resume continues the schedule', async () => {
  const s = setup({ total: 0.016 });
  const ticks: {
    kimg: number;
    tick: number;
    done: boolean;
    snapshot: boolean;
    losses: Record<string, number>;
  }[] = [];
  await s.run((r) => void ticks.push(r));
  assert.deepEqual(
    ticks.map((t) => [t.tick, t.kimg, t.done, t.snapshot]),
    [
      [0, 0.004, false, true],
      [1, 0.012, false, true],
      [2, 0.016, true, true],
    ],
  );
  assert.equal(ticks[0].losses['Loss/Gmain'], 1); // mean of 0.5 and 1.5
  const r = setup({ total: 0.016, start: { curNimg: 8, batchIdx: 2 } });
  const end = await r.run();
  assert.equal(end.curNimg, 16);
  assert.deepEqual(
    r.calls.map((c) => c.phase),
    ['Gmain', 'Dmain', 'Gmain', 'Dmain'],
  );
  const r2 = setup({ total: 0.02, start: { curNimg: 12, batchIdx: 3 } });
  await r2.run();
  assert.deepEqual(
    r2.calls.map((c) => c.phase),
    ['Gmain', 'Dmain', 'Gmain', 'Greg', 'Dmain'],
  ); // batch 4 → Greg
});

test('a non-finite loss stops the run before the tick is reported', async () => {
  const s = setup({ total: 0.04, nanAt: 2 });
  const ticks: number[] = [];
  await assert.rejects(
    s.run((r) => void ticks.push(r.tick)),
    (e: Error) =>
      e instanceof TrainingDivergedError &&
      /Gmain: Loss\/Gmain is NaN at kimg 0.008 \(iteration 2\)/.test(e.message),
  );
  assert.deepEqual(ticks, [0]);
});

test('train.py configuration per --cfg', () => {
  const t = trainConfig({ cfg: 'stylegan3-t', batch: 32, resolution: 256, channels: 3 });
  assert.deepEqual(t.G_kwargs, {
    class_name: 'training.networks_stylegan3.Generator',
    z_dim: 512,
    w_dim: 512,
    mapping_kwargs: { num_layers: 2 },
    channel_base: 32768,
    channel_max: 512,
    magnitude_ema_beta: 0.5 ** (32 / 20000),
    c_dim: 0,
    img_resolution: 256,
    img_channels: 3,
  });
  assert.equal(t.G_opt.lr, 0.0025);
  assert.equal(t.D_opt.lr, 0.002);
  assert.equal(t.loss.r1Gamma, (0.0002 * 256 ** 2) / 32);
  assert.equal(t.G_reg_interval, null);
  assert.equal(t.D_reg_interval, 16);
  assert.equal(t.emaKimg, 10);
  const r = trainConfig({
    cfg: 'stylegan3-r',
    batch: 4,
    resolution: 16,
    channels: 3,
    cbase: 256,
    cmax: 16,
    gamma: 1,
  });
  assert.equal(r.G_kwargs.channel_base, 512);
  assert.equal(r.G_kwargs.channel_max, 32);
  assert.equal(r.G_kwargs.conv_kernel, 1);
  assert.equal(r.G_kwargs.use_radial_filters, true);
  assert.equal(r.D_kwargs.channel_base, 256);
  assert.equal(r.loss.blurInitSigma, 10);
  assert.equal(r.loss.blurFadeKimg, 25);
  assert.equal(r.loss.r1Gamma, 1);
  const s2 = trainConfig({ cfg: 'stylegan2', batch: 8, resolution: 64, channels: 3 });
  assert.equal(s2.G_kwargs.class_name, 'training.networks_stylegan2.Generator');
  assert.deepEqual(s2.G_kwargs.mapping_kwargs, { num_layers: 8 });
  assert.equal(s2.G_kwargs.fused_modconv_default, 'inference_only');
  assert.equal(s2.G_opt.lr, 0.002);
  assert.equal(s2.G_reg_interval, 4);
  assert.equal(s2.loss.plWeight, 2);
  assert.equal(s2.loss.styleMixingProb, 0.9);
  assert.deepEqual(s2.D_kwargs.epilogue_kwargs, { mbstd_group_size: 4 });
  assert.throws(
    () => trainConfig({ cfg: 'stylegan9' as never, batch: 4, resolution: 16, channels: 3 }),
    /cfg must be one of/,
  );
  assert.throws(
    () => trainConfig({ cfg: 'stylegan2', batch: 2, resolution: 16, channels: 3 }),
    /minibatch-stddev group 4/,
  );
  assert.throws(
    () => trainConfig({ cfg: 'stylegan2', batch: 4, resolution: 24, channels: 3 }),
    /power of two/,
  );
});
