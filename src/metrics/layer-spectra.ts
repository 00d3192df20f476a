/**
 * Building blocks of the per-layer measurements (`measureLayers`, src/metrics/layers.ts,
 * and its StyleGAN2 form in layers-stylegan2.ts): cropping NCHW maps, accumulating the avg_spectra
 * power spectrum, band-energy fractions, the centred dB spectrum, and the 4× Kaiser upsampler of the
 * alias probe of layers that have no down filter, the EQ-PSNR sums, and the finished measurement of
 * a map. Definitions: the module comment of layers.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import ndarray, { type NdArray } from 'ndarray';
import { powerSpectrum2d } from '../signal/spectrum.js';
import { designLowpassFilter } from '../signal/design.js';
import { kaiserAtten } from '../signal/kaiser.js';
import { assertFinite, assertInteger } from '../signal/validate.js';
import type { LayerMeasurement } from './layers.js';

/** Smallest power of two ≥ n. */
export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Running sum of power spectra (Σ over planes of |DFT|²) and plane count. */
export interface SpecAcc {
  sum: Float64Array | null;
  planes: number;
  P: number;
}

/**
 * Copy the square region [off, off + n) × [off, off + n) of the first `channels` channels of an
 * NCHW float array into a dense [N, channels, n, n] ndarray.
 */
export function cropPlanes(
  data: ArrayLike<number>,
  shape: readonly number[],
  off: number,
  n: number,
  channels = shape[1],
): NdArray<Float32Array> {
  const [N, C, H, W] = shape;
  if (off < 0 || off + n > H || off + n > W) {
    throw new RangeError(`internal: crop [${off}, ${off + n}) outside a ${H}×${W} map`);
  }
  const out = new Float32Array(N * channels * n * n);
  let o = 0;
  for (let b = 0; b < N; b++)
    for (let c = 0; c < channels; c++) {
      const base = (b * C + c) * H * W;
      for (let y = 0; y < n; y++) {
        const row = base + (y + off) * W + off;
        for (let x = 0; x < n; x++) out[o++] = data[row + x];
      }
    }
  return ndarray(out, [N, channels, n, n]);
}

/** Add the avg_spectra power spectrum of `planes` (P bins per axis) to the accumulator. */
export function accumulateSpectrum(acc: SpecAcc, planes: NdArray<Float32Array>): void {
  const [n, c] = planes.shape;
  const mean = powerSpectrum2d(planes, { beta: 8, spectrumSize: acc.P });
  if (!acc.sum) acc.sum = new Float64Array(acc.P * acc.P);
  const k = n * c;
  for (let i = 0; i < acc.sum.length; i++) acc.sum[i] += mean.data[i] * k;
  acc.planes += k;
}

/**
 * 10·log10 of the fraction of a power spectrum's energy outside a band (`powerSpectrum2d` layout:
 * [P, P], DC at [0, 0], bin k at fk = (k < P/2 ? k : k − P)·rate/P cycles per unit). Outside =
 * max(|f_x|, |f_y|) > limit (square band) or √(f_x² + f_y²) > limit (`radial`). Returns null when no
 * bin lies outside, and −300 when those bins hold no energy.
 */
export function bandEnergyFractionDb(
  power: ArrayLike<number>,
  P: number,
  rate: number,
  limit: number,
  radial = false,
): number | null {
  assertInteger('P', P, 1);
  assertFinite('rate', rate);
  assertFinite('limit', limit);
  if (power.length !== P * P)
    throw new RangeError(`power must have P² = ${P * P} values, got ${power.length}`);
  const f = new Float64Array(P);
  for (let k = 0; k < P; k++) f[k] = ((k < P / 2 ? k : k - P) * rate) / P;
  const eps = 1e-9 * rate;
  let total = 0;
  let out = 0;
  let bins = 0;
  for (let y = 0; y < P; y++) {
    for (let x = 0; x < P; x++) {
      const v = power[y * P + x];
      total += v;
      const beyond = radial
        ? Math.hypot(f[x], f[y]) > limit + eps
        : Math.max(Math.abs(f[x]), Math.abs(f[y])) > limit + eps;
      if (beyond) {
        out += v;
        bins++;
      }
    }
  }
  if (bins === 0) return null;
  return out > 0 && total > 0 ? Math.max(10 * Math.log10(out / total), -300) : -300;
}

/** Centred dB spectrum (DC at P/2) and its bin frequencies from a mean power spectrum. */
export function centredDb(
  power: Float64Array,
  P: number,
  rate: number,
): { db: NdArray<Float64Array>; freqs: Float64Array } {
  const db = new Float64Array(P * P);
  const h = P / 2;
  for (let y = 0; y < P; y++)
    for (let x = 0; x < P; x++) {
      const v = power[y * P + x];
      db[((y + h) % P) * P + ((x + h) % P)] = 10 * Math.log10(Math.max(v, 1e-30));
    }
  const freqs = new Float64Array(P);
  for (let k = 0; k < P; k++) freqs[k] = ((k - h) * rate) / P;
  return { db: ndarray(db, [P, P]), freqs };
}

/** NHWC tensor → NCHW Float32Array (read synchronously: wasm/cpu backends). */
export async function nchwData(
  t: tf.Tensor4D,
  fromNHWC: boolean,
): Promise<{ data: Float32Array; shape: number[] }> {
  const x = fromNHWC ? tf.transpose(t, [0, 3, 1, 2]) : t;
  const data = (await x.data()) as Float32Array;
  const shape = x.shape.slice();
  if (x !== t) x.dispose();
  return { data, shape };
}

/**
 * The 4× Kaiser upsampler of the d = 1 alias probe at output rate s: numtaps 193 at fs = 4s (≈ 48
 * taps per input sample), transition width from the Kaiser formula for 80 dB, cutoff s/2 − f_h so
 * that the stopband starts at s/2. Unit DC gain (the plan multiplies by u² for zero insertion).
 */
export function probeUpsampler(s: number): Float64Array {
  const numtaps = 193;
  const fs = 4 * s;
  // kaiserAtten(numtaps, width/(fs/2)) = 80 dB  ⇔  width = (80 − 7.95)/(2.285·π·(numtaps − 1))·fs/2.
  const width = ((80 - 7.95) / (2.285 * Math.PI * (numtaps - 1))) * (fs / 2);
  const atten = kaiserAtten(numtaps, width / (fs / 2));
  if (!(atten > 79 && atten < 81)) throw new Error(`internal: probe filter attenuation ${atten}`);
  return designLowpassFilter({ numtaps, cutoff: s / 2 - width / 2, width, fs }) as Float64Array;
}

/** Running sums of one map's fractional-translation PSNR: Σ err², Σ ref² and the pixel count. */
export interface EqAcc {
  err: number;
  ref: number;
  count: number;
}

/**
 * Add one batch to `acc`: the reference maps moved by the translation (`moved`: values and the
 * validity mask of `translateFractional`, NCHW `shape`) against `got`, the maps the translated
 * input produced, over the square [lo, hi)² of every plane (the canvas, margins left out).
 */
export function accumulateEq(
  acc: EqAcc,
  moved: { image: NdArray; mask: NdArray },
  got: ArrayLike<number>,
  shape: readonly number[],
  lo: number,
  hi: number,
): void {
  const img = moved.image.data as ArrayLike<number>;
  const mask = moved.mask.data as ArrayLike<number>;
  const [N, C, H, W] = shape;
  for (let p = 0; p < N * C; p++) {
    const base = p * H * W;
    for (let y = lo; y < hi; y++)
      for (let x = lo; x < hi; x++) {
        const i = base + y * W + x;
        if (mask[i] === 0) continue;
        const r = img[i];
        const e = r - got[i];
        acc.err += e * e;
        acc.ref += r * r;
        acc.count++;
      }
  }
}

/** The geometry of one measured map (what its `LayerMeasurement` reports). */
export interface MeasuredMap {
  name: string;
  size: number;
  channels: number;
  s: number;
  cutoff: number;
  halfWidth: number;
  stopband: number;
  up: number;
  down: number;
  radial: boolean;
  linear: boolean;
}

/**
 * One map's `LayerMeasurement` from its accumulators (null where not measured):
 * - spectrum: the mean power spectrum as centred dB, and 10·log10(energy beyond f_c / total)
 *   (null when f_c ≥ s/2 leaves no bin above it; a disc for radial filters);
 * - alias: 10·log10(energy beyond s/2 / total) of the probe sampled at `aliasRate`;
 * - EQ-PSNR: 10·log10(16·Σref² / Σerr²), i.e. a peak of 4·σ_ref (+∞ for an exact match).
 */
export function finishMeasurement(
  m: MeasuredMap,
  sp: SpecAcc | null,
  al: SpecAcc | null,
  aliasRate: number,
  e: EqAcc | null,
): LayerMeasurement {
  let spectrumDb = ndarray(new Float64Array(0), [0, 0]);
  let spectrumFreqs = new Float64Array(0);
  let aboveCutoffDb: number | null = null;
  if (sp?.sum) {
    const mean = sp.sum.map((v) => v / sp.planes);
    const c = centredDb(mean, sp.P, m.s);
    spectrumDb = c.db;
    spectrumFreqs = c.freqs;
    aboveCutoffDb = m.cutoff >= m.s / 2 ? null : bandEnergyFractionDb(mean, sp.P, m.s, m.cutoff, m.radial);
  }
  let aliasDb: number | null = null;
  if (al?.sum) {
    const mean = al.sum.map((v) => v / al.planes);
    aliasDb = bandEnergyFractionDb(mean, al.P, aliasRate, m.s / 2);
  }
  const eqPsnrDb = e && e.count > 0 ? (e.err > 0 ? 10 * Math.log10((16 * e.ref) / e.err) : Infinity) : null;
  return {
    name: m.name,
    size: m.size,
    channels: m.channels,
    samplingRate: m.s,
    cutoff: m.cutoff,
    halfWidth: m.halfWidth,
    stopband: m.stopband,
    upFactor: m.up,
    downFactor: m.down,
    spectrumDb,
    spectrumFreqs,
    aboveCutoffDb,
    aliasDb,
    eqPsnrDb,
    linear: m.linear,
  };
}
