// Per-layer measurements (src/metrics/layers.ts): spectra axes, the band-energy fraction, the alias
// probe (identity with the real layer, a linear floor, filtered vs unfiltered configs), the per-layer
// EQ against the image-level metric, and the golden official generators.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { manifest, goldenPath } from '../helpers/golden.js';
import {
  configAt,
  createGenerator,
  loadGenerator,
  setBackend,
  FilteredLreluPlan,
  Rng,
  type Generator,
  type ConfigName,
} from '../../src/generator/index.js';
import {
  measureLayers,
  summarizeLayers,
  bandEnergyFractionDb,
  type LayerMeasurement,
} from '../../src/metrics/layers.js';
import { equivariance } from '../../src/metrics/equivariance.js';
import { translateFractional } from '../../src/signal/translate.js';
import ndarray from 'ndarray';

before(async () => {
  await setBackend('wasm');
});

/** A tiny ladder config at 32²: capacity C_base 1024, C_max 32, z/w 32 (the golden generators' size). */
async function tiny(name: ConfigName, seed = 0): Promise<Generator> {
  const cfg = {
    ...configAt(name, 32, { ablation: true }),
    channelBase: 1024,
    channelMax: 32,
    zDim: 32,
    wDim: 32,
  };
  return createGenerator(cfg, { seed });
}

const cache = new Map<string, LayerMeasurement[]>();
async function measured(name: ConfigName): Promise<LayerMeasurement[]> {
  if (!cache.has(name)) {
    const gen = await tiny(name);
    try {
      cache.set(name, await measureLayers(gen, { samples: 4 }));
    } finally {
      gen.dispose();
    }
  }
  return cache.get(name)!;
}

test('bandEnergyFractionDb: square and radial bands, null without bins above the limit', () => {
  const P = 8;
  const rate = 8; // bin k ↔ k cycles per unit (k − 8 above 4)
  const power = new Float64Array(P * P);
  power[0] = 1; // DC
  power[0 * P + 3] = 1; // f = (3, 0)
  power[3 * P + 3] = 2; // f = (3, 3): |f| = 4.24
  // Square band of half-width 2: (3,0) and (3,3) are outside → 3/4.
  assert.ok(Math.abs(bandEnergyFractionDb(power, P, rate, 2)! - 10 * Math.log10(3 / 4)) < 1e-12);
  // Half-width 3.5: nothing outside the square, but (3,3) lies outside the disc of radius 3.5.
  assert.equal(bandEnergyFractionDb(power, P, rate, 3.5), -300);
  assert.ok(Math.abs(bandEnergyFractionDb(power, P, rate, 3.5, true)! - 10 * Math.log10(2 / 4)) < 1e-12);
  // Limit at Nyquist: no bin lies beyond (bins run from −4 to 3).
  assert.equal(bandEnergyFractionDb(power, P, rate, 4), null);
  assert.throws(() => bandEnergyFractionDb(power, 7, rate, 2), /power must have P² = 49/);
});

test('spectra: DC-centred [P,P] dB maps with P = nextPow2(2s) bins spanning −s/2 … s/2', async () => {
  const ms = await measured('T');
  assert.equal(ms[0].name, 'input');
  for (const m of ms) {
    const P = m.spectrumFreqs.length;
    assert.equal(P, 2 ** Math.ceil(Math.log2(2 * m.samplingRate)), m.name);
    assert.deepEqual(m.spectrumDb.shape, [P, P]);
    assert.equal(m.spectrumFreqs[0], -m.samplingRate / 2);
    assert.ok(Math.abs(m.spectrumFreqs[P - 1] - (m.samplingRate / 2 - m.samplingRate / P)) < 1e-12);
    assert.equal(m.spectrumFreqs[P / 2], 0);
    for (const v of m.spectrumDb.data) assert.ok(Number.isFinite(v));
    if (m.cutoff >= m.samplingRate / 2) assert.equal(m.aboveCutoffDb, null, m.name);
    else assert.ok(m.aboveCutoffDb! < 0, `${m.name}: ${m.aboveCutoffDb}`);
  }
  // Hidden layers of T keep most energy below f_c, better and better as the band leaves room.
  const mid = ms.find((m) => m.name.startsWith('L8_'))!;
  assert.ok(mid.aboveCutoffDb! < -30, `${mid.name}: ${mid.aboveCutoffDb}`);
});

test('alias probe: the down = 1 variant of a layer, sampled every d-th pixel, is the layer output', async () => {
  for (const name of ['T', 'R', 'E'] as ConfigName[]) {
    const gen = await tiny(name, 3);
    try {
      const ws = gen.mapping(tf.randomNormal([2, 32], 0, 1, 'float32', 5) as tf.Tensor2D);
      const { image, layers } = gen.synthesis(ws, { capture: true });
      image.dispose();
      const w = tf.unstack(ws, 1) as tf.Tensor2D[];
      const L = gen.synthesisLayers;
      let prev = 'input';
      for (let i = 0; i < L.length; i++) {
        const p = gen.layerFilteredLreluParams(i);
        const out = tf.tidy(() => {
          const x = tf.transpose(layers![prev], [0, 2, 3, 1]) as tf.Tensor4D;
          const y = L[i].convOutput(x, w[i + 1]);
          const plan = new FilteredLreluPlan(y.shape[3], { ...p, down: 1 });
          const probe = plan.apply(y, L[i].biasValues());
          const ref = tf.transpose(layers![L[i].spec.name], [0, 2, 3, 1]) as tf.Tensor4D;
          const [n, h, ww, c] = ref.shape;
          const d = p.down;
          const sub = tf.stridedSlice(
            probe,
            [0, 0, 0, 0],
            [n, d * (h - 1) + 1, d * (ww - 1) + 1, c],
            [1, d, d, 1],
          );
          const err = tf.max(tf.abs(tf.sub(sub, ref)));
          const scale = tf.max(tf.abs(ref));
          plan.dispose();
          return tf.stack([err, scale]);
        });
        const [err, scale] = out.dataSync();
        out.dispose();
        assert.ok(err <= 1e-5 * scale, `${name} ${L[i].spec.name}: max error ${err} (scale ${scale})`);
        prev = L[i].spec.name;
      }
      tf.dispose([ws, ...w, ...Object.values(layers!)]);
    } finally {
      gen.dispose();
    }
  }
});

test('alias probe: a linear layer sits at the floor; the unfiltered D aliases more than F and T', async () => {
  const D = await measured('D');
  const F = await measured('F');
  const T = await measured('T');
  for (const ms of [D, F, T]) {
    assert.equal(ms[0].aliasDb, null);
    for (const m of ms.slice(1)) assert.ok(Number.isFinite(m.aliasDb), m.name);
    assert.ok(ms[ms.length - 1].linear && !ms[1].linear);
  }
  // In D the leaky ReLU runs at rate s: its harmonics lie far above the linear ToRGB at the same rate.
  const torgb = D[D.length - 1];
  for (const m of D.slice(1, -1).filter((m) => m.samplingRate === torgb.samplingRate)) {
    assert.ok(m.aliasDb! > torgb.aliasDb! + 10, `${m.name} ${m.aliasDb} vs ToRGB ${torgb.aliasDb}`);
  }
  // Same layer names in D and F (only the filtered nonlinearity differs): F aliases less.
  const sD = summarizeLayers(D);
  const sF = summarizeLayers(F);
  const sT = summarizeLayers(T);
  assert.ok(sF.meanAliasDb! < sD.meanAliasDb! - 3, `F ${sF.meanAliasDb} vs D ${sD.meanAliasDb}`);
  assert.ok(sT.meanAliasDb! < sD.meanAliasDb! - 10, `T ${sT.meanAliasDb} vs D ${sD.meanAliasDb}`);
  assert.ok(sD.worstLayer !== null && D.some((m) => m.name === sD.worstLayer && m.aliasDb === sD.maxAliasDb));
});

test('per-layer EQ: the last layer agrees with the official EQ-T_frac at the same shift and latents', async () => {
  const gen = await tiny('T', 1);
  try {
    // A shift the official draw can produce exactly: t = (2u − 1)·t_max in float32 with u = 0.8.
    const f32 = Math.fround;
    const u = f32(0.8);
    const t = f32(f32(f32(u * 2) - 1) * f32(0.125));
    const samples = 8;
    const ms = await measureLayers(gen, { samples, shift: t, spectra: false, alias: false });
    for (const m of ms) {
      assert.equal(m.aliasDb, null);
      assert.equal(m.spectrumDb.data.length, 0);
    }
    const last = ms[ms.length - 1];
    // The same latents as measureLayers draws (Rng(0), one block of normals per batch of 4).
    const z = new Rng(0).normals(samples * 32);
    const eq = await equivariance(gen, {
      metrics: ['eqt_frac'],
      batch: 4,
      replay: { z, uFrac: new Float32Array(2 * (samples / 4)).fill(u) },
    });
    // Image PSNR uses I_max = 2, ours (4·σ_ref)² with σ_ref² = Σ mask·ref² / Σ mask of the shifted
    // reference: the two differ by exactly 10·log10(4·σ_ref²) (the ToRGB map is the image × 4,
    // which cancels). σ_ref from the shifted reference images:
    const { image } = gen.generate(tf.tensor2d(z, [samples, 32]));
    const nd = ndarray(image.dataSync() as Float32Array, image.shape.slice());
    image.dispose();
    const { image: ref, mask } = translateFractional(nd, t, t);
    let r2 = 0;
    let m = 0;
    for (let i = 0; i < ref.data.length; i++) {
      r2 += mask.data[i] * ref.data[i] ** 2;
      m += mask.data[i];
    }
    const predicted = eq.eqt_frac! + 10 * Math.log10((4 * r2) / m);
    assert.ok(
      Math.abs(last.eqPsnrDb! - predicted) < 0.05,
      `last layer ${last.eqPsnrDb} dB vs EQ-T_frac ${eq.eqt_frac} dB + 10·log10(4σ²) = ${predicted} dB`,
    );
  } finally {
    gen.dispose();
  }
});

for (const c of manifest('generators').filter((c) => c.name.endsWith('_state_dict'))) {
  const tag = c.params.tag as string;
  test(`${tag} (golden official generator): finite per-layer EQ, the input layer is nearly exact`, async () => {
    const gen = await loadGenerator(goldenPath('generators', tag));
    try {
      const ms = await measureLayers(gen, { samples: 4, alias: false });
      assert.equal(ms.length, gen.layerInfo().length + 1);
      for (const m of ms) assert.ok(Number.isFinite(m.eqPsnrDb), `${m.name}: ${m.eqPsnrDb}`);
      // Fractional shift: the Lanczos-3 reference is only approximate for the features' upper
      // band, but the input is still far above a generic layer.
      assert.ok(ms[0].eqPsnrDb! > 45, `input ${ms[0].eqPsnrDb} dB`);
      // A whole-pixel shift at the input rate: Lanczos taps become a unit impulse, so the reference
      // is exact and the input layer — an exact function of the transform — matches to float32
      // rounding (phases computed in float32).
      const s0 = ms[0].samplingRate;
      const whole = await measureLayers(gen, { samples: 4, shift: 1 / s0, spectra: false, alias: false });
      assert.ok(whole[0].eqPsnrDb! > 90, `input, 1-pixel shift: ${whole[0].eqPsnrDb} dB`);
    } finally {
      gen.dispose();
    }
  });
}

test('measureLayers rejects bad options with errors naming the argument', async () => {
  const gen = await tiny('D');
  try {
    await assert.rejects(measureLayers(gen, { samples: 0 }), /samples/);
    await assert.rejects(measureLayers(gen, { batch: 1.5 }), /batch/);
    await assert.rejects(measureLayers(gen, { shift: 0.7 }), /shift must lie in/);
    await assert.rejects(measureLayers(gen, { probeChannels: 0 }), /probeChannels/);
    await assert.rejects(measureLayers(gen, { spectrumPad: 0.5 }), /spectrumPad/);
  } finally {
    gen.dispose();
  }
  assert.throws(() => summarizeLayers(null as unknown as LayerMeasurement[]), TypeError);
});
