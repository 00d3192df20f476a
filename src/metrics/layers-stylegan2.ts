/**
 * `measureLayers` for StyleGAN2 generators (configs A–C, official `networks_stylegan2.py`): the same
 * four per-layer numbers as for StyleGAN3 (definitions in the module comment of layers.ts), on the
 * official modules `b4.conv1`, `b4.torgb`, `b8.conv0`, `b8.conv1`, `b8.torgb`, … (and `b<res>.skip`
 * for the resnet architecture), in execution order.
 *
 * What differs from the StyleGAN3 layers, and why:
 * - Geometry: every map is critically sampled without margins (size = s = the block resolution,
 *   f_c = s/2, f_h = 0), so the whole map is the canvas and aboveCutoffDb is null (no bin lies
 *   beyond f_c = s/2), as for the critically sampled layers of D.
 * - Alias probe: no StyleGAN2 layer has a down filter, so every layer is probed like the d = 1
 *   layers of D/E: the pre-activation at rate s, upsampled 4× by the long Kaiser low-pass of
 *   `probeUpsampler` (stopband from s/2), then the layer's leaky ReLU (slope 0.2) and clamp at rate
 *   4s; aliasDb is the energy fraction beyond s/2 of that signal. The pre-activation is recovered
 *   from the captured output by inverting the leaky ReLU, which is exact because the slope is
 *   positive: with y = clamp(a·lrelu(v)), a > 0 the activation gain, a·v = y for y ≥ 0 and y/0.2
 *   otherwise; the probe works in these gain units (lrelu(a·v) = a·lrelu(v)), so it needs no gain.
 *   A pixel at the clamp (|y| = clamp) comes back as ±clamp and stays clamped in the probe, so the
 *   probe's output agrees with the layer's there too. ToRGB and the resnet skips are linear (the
 *   probe only shows its floor: `linear: true`, skipped by `summarizeLayers`).
 *   The maps have no margins, so the Kaiser upsampler sees the zero padding beyond the border; the
 *   probe's own Kaiser window (β = 8) weighs the border samples down by ≥ 30 dB.
 * - Per-layer EQ: only for a Fourier-feature input (B, C): the input is translated by t = (shift,
 *   shift) as for StyleGAN3 and every layer compared with its reference translated by t·s pixels
 *   inside the mask of fully determined pixels on the whole map. A (learned 4×4 constant) has no
 *   transformable input: eqPsnrDb is null and `eqNote` says why, as the paper leaves A's EQ empty.
 * - Noise: per-pixel noise uses each layer's stored `noise_const` (noise_mode 'const'), as the
 *   official metrics render, so reference and translated runs add the same noise — which, fixed to
 *   the pixel grid, is exactly what B's translation test is meant to catch.
 */
import * as tf from '@tensorflow/tfjs-core';
import ndarray from 'ndarray';
import type { StyleGAN2Generator } from '../generator/stylegan2/generator.js';
import { FilteredLreluPlan } from '../generator/ops/filtered-lrelu.js';
import { Rng } from '../generator/rng.js';
import { translateFractional } from '../signal/translate.js';
import {
  accumulateSpectrum,
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
import type { LayerMeasurement } from './layers.js';

/** `measureLayers` options after defaults and validation (shared by both architectures). */
export interface ResolvedLayerOptions {
  samples: number;
  seed: number;
  batch: number;
  shift: number;
  spectra: boolean;
  alias: boolean;
  equivariance: boolean;
  spectrumPad: number;
  probeChannels: number;
  onProgress?: (done: number, total: number, label: string) => void;
}

/** Why a StyleGAN2 generator with a learned constant input (config A) has no EQ numbers. */
export const NO_TRANSFORMABLE_INPUT =
  'no transformable input: the synthesis starts from a learned 4×4 constant (config A), so there is nothing to translate or rotate (the paper leaves A’s EQ empty)';

/** Negative slope of every StyleGAN2 conv layer's leaky ReLU (official bias_act 'lrelu', α = 0.2). */
const SLOPE = 0.2;

/**
 * Per-layer measurements of a StyleGAN2 generator (see the module comment): one entry per layer of
 * `gen.layerInfo()`, in execution order. Called by `measureLayers` with resolved options.
 */
export async function measureStyleGAN2Layers(
  gen: StyleGAN2Generator,
  o: ResolvedLayerOptions,
): Promise<LayerMeasurement[]> {
  const cfg = gen.config;
  const canTransform = cfg.input === 'fourier';
  const doEq = o.equivariance && canTransform;
  const noiseMode = cfg.useNoise ? ('const' as const) : ('none' as const);
  const info = gen.layerInfo();
  const maps: MeasuredMap[] = info.map((L) => ({
    name: L.name,
    size: L.size,
    channels: L.channels,
    s: L.samplingRate,
    cutoff: L.cutoff,
    halfWidth: L.halfWidth,
    stopband: L.stopband,
    up: L.upFactor,
    down: L.downFactor,
    radial: false,
    // ToRGB (modulated 1×1, bias, no activation) and the resnet skips (1×1 conv) are linear.
    linear: L.torgb || L.name.endsWith('.skip'),
  }));
  const spec: SpecAcc[] = maps.map((m) => ({
    sum: null,
    planes: 0,
    P: nextPow2(Math.ceil(o.spectrumPad * m.s)),
  }));
  const alias: SpecAcc[] = maps.map(() => ({ sum: null, planes: 0, P: 0 }));
  const eq: EqAcc[] = maps.map(() => ({ err: 0, ref: 0, count: 0 }));
  const PROBE_UP = 4;

  // One probe plan per layer, compiled once: 4× Kaiser upsampling, then the layer's activation.
  const plans: FilteredLreluPlan[] = [];
  const batches = Math.ceil(o.samples / o.batch);
  const steps = batches * (1 + (doEq ? 1 : 0) + (o.alias ? maps.length : 0));
  let done = 0;
  const tick = (label: string) => o.onProgress?.(++done, steps, label);
  const t = Math.fround(o.shift);
  const rng = new Rng(o.seed);
  const { zDim } = cfg;
  try {
    if (o.alias) {
      for (const m of maps) {
        const K = Math.min(o.probeChannels, m.channels);
        const fu = probeUpsampler(m.s);
        const pad = (fu.length - 1) / 2;
        plans.push(
          new FilteredLreluPlan(K, {
            fu,
            fd: null,
            up: PROBE_UP,
            down: 1,
            padding: [pad, pad, pad, pad],
            gain: 1,
            slope: m.linear ? 1 : SLOPE,
            clamp: m.linear ? null : cfg.convClamp,
          }),
        );
      }
    }
    for (let b = 0; b < batches; b++) {
      const n = Math.min(o.batch, o.samples - b * o.batch);
      const z = rng.normals(n * zDim);
      const ws = tf.tidy(() => gen.mapping(tf.tensor2d(z, [n, zDim]), { psi: 1 }));
      let refLayers: Record<string, tf.Tensor4D> = {};
      let trLayers: Record<string, tf.Tensor4D> = {};
      try {
        const ref = gen.synthesis(ws, { noiseMode, capture: true, captureLayers: true });
        ref.image.dispose();
        refLayers = ref.layers!;
        const refData: { data: Float32Array; shape: number[] }[] = [];
        for (let k = 0; k < maps.length; k++) {
          const d = await nchwData(refLayers[maps[k].name], false);
          refData.push(d);
          if (o.spectra) accumulateSpectrum(spec[k], cropPlanes(d.data, d.shape, 0, maps[k].s));
        }
        tick('spectra');
        if (doEq) {
          const tr = gen.synthesis(ws, {
            noiseMode,
            capture: true,
            captureLayers: true,
            transform: [1, 0, -t, 0, 1, -t, 0, 0, 1],
          });
          tr.image.dispose();
          trLayers = tr.layers!;
          for (let k = 0; k < maps.length; k++) {
            const m = maps[k];
            const { data, shape } = refData[k];
            const got = (await trLayers[m.name].data()) as Float32Array;
            const tl = (t * m.s) / m.size; // t·s pixels as a fraction of the map width (size = s)
            const moved = translateFractional(ndarray(data, shape), tl, tl);
            accumulateEq(eq[k], moved, got, shape, 0, m.size); // no margins: the whole map
          }
          tick('equivariance');
        }
        if (o.alias) {
          for (let k = 0; k < maps.length; k++) {
            const m = maps[k];
            const K = Math.min(o.probeChannels, m.channels);
            const { data, shape } = refData[k];
            // Pre-activation in gain units (exact inverse of the leaky ReLU; identity for linear maps).
            const pre = cropPlanes(data, shape, 0, m.s, K);
            if (!m.linear) {
              const v = pre.data;
              for (let i = 0; i < v.length; i++) if (v[i] < 0) v[i] /= SLOPE;
            }
            const probe = tf.tidy(() =>
              plans[k].apply(
                tf.transpose(tf.tensor4d(pre.data, [shape[0], K, m.s, m.s]), [0, 2, 3, 1]) as tf.Tensor4D,
                null,
              ),
            );
            const d = await nchwData(probe, true);
            probe.dispose();
            // Output pixel j is probe sample 4j: the canvas of the probe is samples 0 … 4(s − 1).
            const len = PROBE_UP * (m.s - 1) + 1;
            if (alias[k].P === 0) alias[k].P = nextPow2(len);
            accumulateSpectrum(alias[k], cropPlanes(d.data, d.shape, 0, len));
            tick(`alias ${m.name}`);
          }
        }
      } finally {
        ws.dispose();
        tf.dispose(Object.values(refLayers));
        tf.dispose(Object.values(trLayers));
      }
    }
  } finally {
    for (const p of plans) p.dispose();
  }

  return maps.map((m, k) => {
    const out = finishMeasurement(
      m,
      o.spectra ? spec[k] : null,
      o.alias ? alias[k] : null,
      PROBE_UP * m.s,
      doEq ? eq[k] : null,
    );
    if (o.equivariance && !canTransform) out.eqNote = NO_TRANSFORMABLE_INPUT;
    return out;
  });
}
