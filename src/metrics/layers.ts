/**
 * Per-layer measurements of a generator: mean power spectrum, energy above the cutoff, alias energy
 * of an oversampled probe, and fractional-translation equivariance of every layer's output
 * (docs/ladder.md; spec §4.6 for the spectra, §4.3 for the fractional translation).
 *
 * Conventions (spec §0): a map at sampling rate s has s pixels per canvas unit; its `size` pixels are
 * the canvas (the central s × s pixels) plus symmetric margins of (size − s)/2 pixels. Frequencies are
 * in cycles per canvas unit; the image is one canvas unit wide, so a translation by t (fraction of the
 * image width) is t·s pixels at rate s.
 *
 * Definitions (computed over `samples` latents from `Rng(seed)`, ψ = 1, batches of `batch`):
 *
 * - spectrumDb: the avg_spectra method (official `avg_spectra.py` `calc`, `powerSpectrum2d`):
 *   every channel map of the margin-cropped canvas is multiplied by a unit-energy separable Kaiser
 *   window (β = 8), zero-padded to P = nextPow2(spectrumPad·s) bins per axis, |DFT|² averaged over
 *   channels and samples; 10·log10, DC at the centre (index P/2), bin k at (k − P/2)·s/P.
 * - aboveCutoffDb: 10·log10(Σ_{outside} P / Σ P) on that mean spectrum (linear power), "outside" =
 *   max(|f_x|, |f_y|) > f_c for separable layers, √(f_x² + f_y²) > f_c for radial layers (R's jinc
 *   down filters) and the input (its band is a disc); null when f_c ≥ s/2 (no bin above).
 * - aliasDb: 10·log10 of the fraction of energy beyond the square Nyquist band max(|f_x|,|f_y|) > s/2
 *   of the continuous signal the layer samples at its output rate s, estimated on an oversampled
 *   probe (same spectral method, on the canvas of the probe):
 *     · layers with a down filter (d > 1): the layer's own filtered nonlinearity with down = 1
 *       (same fu, fd, u, padding, gain, slope, clamp), i.e. the down-filtered signal at rate d·s of
 *       which every d-th sample is the layer output (the probe's sample d·j is output pixel j);
 *     · layers without one (d = 1: configs D/E and ToRGB): the pre-activation at rate s (the same
 *       nonlinearity with slope = gain = 1, no clamp), upsampled 4× by a long Kaiser low-pass whose
 *       stopband starts at s/2 (so the probe adds nothing beyond s/2 itself), then the layer's
 *       leaky ReLU, gain and clamp at rate 4s.
 *   What the probe does not see: aliasing that happens inside the nonlinearity at its own temporary
 *   rate s' (harmonics beyond s'/2 fold before the down filter) is already in the probe signal and
 *   counts as in-band; and the Kaiser window's main lobe (≈ 2.7 bins of the probe's canvas DFT) lets
 *   some in-band energy just below s/2 leak across, a floor that a linear layer also shows.
 *   Computed on the first `probeChannels` channels of each layer (default 32) to keep it fast.
 * - eqPsnrDb: per-layer fractional-translation equivariance. Per sample, synthesis with the
 *   identity transform (reference) and with the input translated by t = (shift, shift) (input
 *   transform translation −t, the official sign convention of metrics/equivariance.py), both with
 *   every layer captured; each reference layer is translated by t·s pixels with `translateFractional`
 *   (Lanczos-3; it returns the image and the mask of fully determined pixels) and compared with the
 *   translated run's layer on the margin-cropped canvas inside the mask. Squared errors are pooled
 *   over samples, channels and pixels:  PSNR = 10·log10((4·σ_ref)² / MSE), σ_ref = RMS of the
 *   translated reference over the same pixels — for an image with σ = 0.5 this is the standard
 *   I_max = 2 PSNR of EQ-T_frac, and it does not depend on the layer's scale. Null when the mask
 *   leaves no canvas pixel (maps only a few pixels wide).
 */
import * as tf from '@tensorflow/tfjs-core';
import ndarray, { type NdArray } from 'ndarray';
import type { Generator } from '../generator/stylegan3/generator.js';
import { StyleGAN2Generator } from '../generator/stylegan2/generator.js';
import { FilteredLreluPlan, type FilteredLreluParams } from '../generator/ops/filtered-lrelu.js';
import { Rng } from '../generator/rng.js';
import { translateFractional } from '../signal/translate.js';
import { assertFinite, assertInteger } from '../signal/validate.js';
import {
  accumulateSpectrum,
  bandEnergyFractionDb,
  cropPlanes,
  nchwData,
  nextPow2,
  probeUpsampler,
  accumulateEq,
  finishMeasurement,
  type EqAcc,
  type MeasuredMap,
  type SpecAcc,
} from './layer-spectra.js';
import { measureStyleGAN2Layers } from './layers-stylegan2.js';

export { bandEnergyFractionDb };

/** One layer's measurement by `measureLayers`: its geometry, mean power spectrum, alias energy and per-layer EQ. */
export interface LayerMeasurement {
  /** 'input' or the layer name, e.g. 'L3_36_512' (StyleGAN2: the module, e.g. 'b16.conv0'), in execution order. */
  name: string;
  /** Map size incl. margins (pixels). */
  size: number;
  channels: number;
  /** s (samples per canvas unit). */
  samplingRate: number;
  /** f_c (cycles per unit). */
  cutoff: number;
  /** f_h. */
  halfWidth: number;
  /** f_t = f_c + f_h (the geometry's stopband). */
  stopband: number;
  upFactor: number;
  downFactor: number;
  /** Mean power spectrum of the layer (avg_spectra method on the margin-cropped canvas), dB, DC centred, [P,P]; [0,0] when spectra are off. */
  spectrumDb: NdArray<Float64Array>;
  /** The P bin frequencies of spectrumDb, cycles per canvas unit ((k − P/2)·s/P, from −s/2 to +s/2 − s/P). */
  spectrumFreqs: Float64Array;
  /** 10·log10(energy beyond f_c / total) of the layer output; null when f_c ≥ s/2 (no bins above) or spectra are off. */
  aboveCutoffDb: number | null;
  /** 10·log10(energy beyond s/2 / total) of the signal the layer samples at its output rate s (oversampled probe); null for the input. */
  aliasDb: number | null;
  /** Per-layer fractional-translation equivariance PSNR in dB (null if not measured or no valid pixel). */
  eqPsnrDb: number | null;
  /**
   * True for maps without a nonlinearity (the input, ToRGB: slope 1): they create no harmonics, so
   * their aliasDb only shows the probe's own floor (window leakage); `summarizeLayers` skips them.
   */
  linear: boolean;
  /** Why eqPsnrDb is null although the equivariance was asked for (config A: no transformable input). */
  eqNote?: string;
}

/** Options of `measureLayers`: latents averaged, seed, batch and progress callback. */
export interface MeasureLayersOptions {
  /** Latents averaged (default 8). */
  samples?: number;
  /** Seed of the latents (default 0). */
  seed?: number;
  /** Latents per synthesis call (default 4). */
  batch?: number;
  /**
   * Fractional translation of the per-layer EQ, fraction of the image width, applied on both axes.
   * Default 1/16 + 1/(3·res): a non-integer number of pixels at every rate (res/16 + 1/3 px at s_N).
   */
  shift?: number;
  spectra?: boolean;
  alias?: boolean;
  equivariance?: boolean;
  /** Spectrum zero-padding: P = nextPow2(spectrumPad·s) (default 2). */
  spectrumPad?: number;
  /** Channels of each layer used by the alias probe (default 32; the first ones). */
  probeChannels?: number;
  /** Called after every measured step: `done` of `total` steps, `label` names it. */
  onProgress?: (done: number, total: number, label: string) => void;
}

/**
 * Per-layer measurements of a generator (see the module comment for the definitions): for the
 * input and every synthesis layer (StyleGAN2, configs A–C: every official module b4.conv1, b4.torgb,
 * b8.conv0, …, as in layers-stylegan2.ts; A gets no EQ, with `eqNote` saying why), the mean power spectrum, the energy above the cutoff, the alias
 * energy of an oversampled probe and the fractional-translation PSNR. Reads tensors back to the CPU
 * (wasm/cpu/tensorflow backends). Returns one entry per map in execution order.
 */
export async function measureLayers(
  gen: Generator | StyleGAN2Generator,
  opts: MeasureLayersOptions = {},
): Promise<LayerMeasurement[]> {
  const samples = opts.samples ?? 8;
  const seed = opts.seed ?? 0;
  const batch = opts.batch ?? 4;
  const res = gen.config.imgResolution;
  const shift = opts.shift ?? 1 / 16 + 1 / (3 * res);
  const doSpectra = opts.spectra ?? true;
  const doAlias = opts.alias ?? true;
  const doEq = opts.equivariance ?? true;
  const spectrumPad = opts.spectrumPad ?? 2;
  const probeChannels = opts.probeChannels ?? 32;
  assertInteger('samples', samples, 1);
  assertInteger('seed', seed);
  assertInteger('batch', batch, 1);
  assertFinite('shift', shift);
  if (!(Math.abs(shift) < 0.5)) throw new RangeError(`shift must lie in (−0.5, 0.5), got ${shift}`);
  assertFinite('spectrumPad', spectrumPad);
  if (!(spectrumPad >= 1)) throw new RangeError(`spectrumPad must be >= 1, got ${spectrumPad}`);
  assertInteger('probeChannels', probeChannels, 1);
  if (gen instanceof StyleGAN2Generator) {
    return measureStyleGAN2Layers(gen, {
      samples,
      seed,
      batch,
      shift,
      spectra: doSpectra,
      alias: doAlias,
      equivariance: doEq,
      spectrumPad,
      probeChannels,
      onProgress: opts.onProgress,
    });
  }

  const inp = gen.geometry.input;
  const specs = gen.geometry.layers;
  const info = gen.layerInfo();
  const maps: MeasuredMap[] = [
    {
      name: 'input',
      size: inp.size,
      channels: inp.channels,
      s: inp.samplingRate,
      cutoff: inp.bandwidth,
      halfWidth: specs[0]?.inHalfWidth ?? 0,
      stopband: specs[0]?.inStopband ?? inp.bandwidth,
      up: 1,
      down: 1,
      radial: true, // the Fourier features' band is a disc (amplitude fade by ‖f‖)
      linear: true,
    },
    ...info.map((L) => ({
      name: L.name,
      size: L.size,
      channels: L.channels,
      s: L.samplingRate,
      cutoff: L.cutoff,
      halfWidth: L.halfWidth,
      stopband: L.stopband,
      up: L.upFactor,
      down: L.downFactor,
      radial: L.radial,
      linear: specs.find((x) => x.name === L.name)!.slope === 1,
    })),
  ];
  const margin = (m: MeasuredMap) => Math.floor((m.size - m.s) / 2);
  const spec: SpecAcc[] = maps.map((m) => ({
    sum: null,
    planes: 0,
    P: nextPow2(Math.ceil(spectrumPad * m.s)),
  }));
  const alias: SpecAcc[] = maps.map(() => ({ sum: null, planes: 0, P: 0 }));
  const eq: EqAcc[] = maps.map(() => ({ err: 0, ref: 0, count: 0 }));

  const layers = gen.synthesisLayers;
  const params: FilteredLreluParams[] = layers.map((_, i) => gen.layerFilteredLreluParams(i));
  for (const p of params) {
    if (p.down === 1 && p.fd !== null) {
      throw new Error('internal: a layer with d = 1 and a down filter is not supported by the alias probe');
    }
  }
  // Probe plans are compiled once per layer and reused by every batch.
  const plans: { pre: FilteredLreluPlan | null; main: FilteredLreluPlan; rate: number; factor: number }[] =
    [];
  const { zDim } = gen.config;
  const rng = new Rng(seed);
  const batches = Math.ceil(samples / batch);
  const steps = batches * (1 + (doEq ? 1 : 0) + (doAlias ? layers.length : 0));
  let done = 0;
  const tick = (label: string) => opts.onProgress?.(++done, steps, label);
  const t = Math.fround(shift);

  try {
    if (doAlias) {
      layers.forEach((layer, i) => {
        const p = params[i];
        const K = Math.min(probeChannels, maps[i + 1].channels);
        const s = maps[i + 1].s;
        if (p.down > 1) {
          plans.push({
            pre: null,
            main: new FilteredLreluPlan(K, { ...p, down: 1 }),
            rate: p.down * s,
            factor: p.down,
          });
        } else {
          const fu = probeUpsampler(s);
          const pad = (fu.length - 1) / 2;
          plans.push({
            pre: new FilteredLreluPlan(K, { ...p, gain: 1, slope: 1, clamp: null }),
            main: new FilteredLreluPlan(K, {
              fu,
              fd: null,
              up: 4,
              down: 1,
              padding: [pad, pad, pad, pad],
              gain: p.gain,
              slope: p.slope,
              clamp: p.clamp,
            }),
            rate: 4 * s,
            factor: 4,
          });
        }
        void layer;
      });
    }

    for (let b = 0; b < batches; b++) {
      const n = Math.min(batch, samples - b * batch);
      const z = rng.normals(n * zDim);
      const ws = tf.tidy(() => gen.mapping(tf.tensor2d(z, [n, zDim]), { psi: 1 }));
      let refLayers: Record<string, tf.Tensor4D> = {};
      let trLayers: Record<string, tf.Tensor4D> = {};
      try {
        const ref = gen.synthesis(ws, { capture: true });
        ref.image.dispose();
        refLayers = ref.layers!;
        // Spectra of the reference maps (margin-cropped canvas).
        const refData: { data: Float32Array; shape: number[] }[] = [];
        for (let k = 0; k < maps.length; k++) {
          const d = await nchwData(refLayers[maps[k].name], false);
          refData.push(d);
          if (doSpectra) accumulateSpectrum(spec[k], cropPlanes(d.data, d.shape, margin(maps[k]), maps[k].s));
        }
        tick('spectra');
        if (doEq) {
          const tr = gen.synthesis(ws, { transform: [1, 0, -t, 0, 1, -t, 0, 0, 1], capture: true });
          tr.image.dispose();
          trLayers = tr.layers!;
          for (let k = 0; k < maps.length; k++) {
            const m = maps[k];
            const { data, shape } = refData[k];
            const got = (await trLayers[m.name].data()) as Float32Array;
            const tl = (t * m.s) / m.size; // t·s pixels, as a fraction of the map width
            const moved = translateFractional(ndarray(data, shape), tl, tl);
            accumulateEq(eq[k], moved, got, shape, margin(m), margin(m) + m.s);
          }
          tick('equivariance');
        }
        if (doAlias) {
          const w = tf.unstack(ws, 1) as tf.Tensor2D[];
          try {
            for (let i = 0; i < layers.length; i++) {
              const m = maps[i + 1];
              const plan = plans[i];
              const K = Math.min(probeChannels, m.channels);
              const prev = refLayers[maps[i].name];
              const probe = tf.tidy(() => {
                const x = tf.transpose(prev, [0, 2, 3, 1]) as tf.Tensor4D;
                let y = layers[i].convOutput(x, w[i + 1]);
                const bias = layers[i].biasValues();
                const bk = tf.slice(bias, [0], [K]) as tf.Tensor1D;
                if (K < m.channels) y = tf.slice(y, [0, 0, 0, 0], [-1, -1, -1, K]) as tf.Tensor4D;
                if (plan.pre) {
                  const pre = plan.pre.apply(y, bk);
                  return plan.main.apply(pre, null);
                }
                return plan.main.apply(y, bk);
              });
              const d = await nchwData(probe, true);
              probe.dispose();
              // Canvas of the probe: output pixels lo … lo + s − 1 are probe samples f·lo … f·(lo + s − 1).
              const f = plan.factor;
              const len = f * (m.s - 1) + 1;
              if (alias[i + 1].P === 0) alias[i + 1].P = nextPow2(len);
              accumulateSpectrum(alias[i + 1], cropPlanes(d.data, d.shape, f * margin(m), len));
              tick(`alias ${m.name}`);
            }
          } finally {
            tf.dispose(w);
          }
        }
      } finally {
        ws.dispose();
        tf.dispose(Object.values(refLayers));
        tf.dispose(Object.values(trLayers));
      }
    }
  } finally {
    for (const p of plans) {
      p.pre?.dispose();
      p.main.dispose();
    }
  }

  return maps.map((m, k) =>
    finishMeasurement(
      m,
      doSpectra ? spec[k] : null,
      k > 0 && doAlias ? alias[k] : null,
      k > 0 && doAlias ? plans[k - 1].rate : 0,
      doEq ? eq[k] : null,
    ),
  );
}

/** Summary of a generator's per-layer alias energies (`summarizeLayers`), in dB. */
export interface AliasSummary {
  /** Mean of the aliasDb values (dB averaged) of the nonlinear layers (ToRGB and input skipped). */
  meanAliasDb: number | null;
  /** Largest aliasDb and the layer it belongs to. */
  maxAliasDb: number | null;
  worstLayer: string | null;
  /** Mean of the non-null aboveCutoffDb values. */
  meanAboveCutoffDb: number | null;
  /** Smallest finite per-layer eqPsnrDb. */
  minEqPsnrDb: number | null;
}

/**
 * Summary of `measureLayers`: the mean and the worst (largest) aliasDb over the nonlinear layers
 * (linear maps — input, ToRGB — only show the probe's floor), the mean aboveCutoffDb over the maps
 * that have one, and the smallest finite per-layer EQ PSNR.
 */
export function summarizeLayers(ms: LayerMeasurement[]): AliasSummary {
  if (!Array.isArray(ms)) throw new TypeError(`ms must be an array of LayerMeasurement, got ${String(ms)}`);
  const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);
  const al = ms.filter((m) => m.aliasDb !== null && !m.linear) as (LayerMeasurement & { aliasDb: number })[];
  let worst: (typeof al)[number] | null = null;
  for (const m of al) if (!worst || m.aliasDb > worst.aliasDb) worst = m;
  const eqs = ms.map((m) => m.eqPsnrDb).filter((v): v is number => v !== null && Number.isFinite(v));
  return {
    meanAliasDb: mean(al.map((m) => m.aliasDb)),
    maxAliasDb: worst ? worst.aliasDb : null,
    worstLayer: worst ? worst.name : null,
    meanAboveCutoffDb: mean(ms.map((m) => m.aboveCutoffDb).filter((v): v is number => v !== null)),
    minEqPsnrDb: eqs.length ? Math.min(...eqs) : null,
  };
}
