/**
 * The studio's map views, as the official visualiser computes them (spec §4.7, `viz/renderer.py`):
 *
 * - channel view: 3 consecutive channels as RGB or 1 as grey from a base channel; optional
 *   per-channel normalisation by max |x|; gain ×10^(dB/20); display `x·127.5 + 128` clamped to
 *   [0, 255] and truncated to uint8 (as torch's `.to(uint8)`).
 * - FFT view: signal = all channels or the shown ones; each channel minus its spatial mean, times a
 *   separable symmetric Kaiser window (β); |DFT|² summed over channels, DC moved to the centre,
 *   divided by its mean over all bins, in dB; `[−R, +R]` dB mapped through a viridis-like colour map.
 *   Bin k of a map of `size` pixels at rate s is k·s/size cycles per canvas unit.
 *
 * Pure functions on Float32Arrays (no DOM, no tfjs): the worker runs them, the tests call them.
 */
import ndarray from 'ndarray';
import { powerSpectrum2d } from '../signal/spectrum.js';
import { bandEnergyFractionDb } from '../metrics/layers.js';

/** RGBA pixels. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** Options of `channelView`. */
export interface ChannelViewOptions {
  channel: number;
  rgb: boolean;
  normalize: boolean;
  gainDb: number;
}

/** The channels `channelView` shows for a map of C channels: clamped so that they exist. */
export function shownChannels(C: number, channel: number, rgb: boolean): number[] {
  const n = rgb && C >= 3 ? 3 : 1;
  const base = Math.max(0, Math.min(Math.floor(channel), C - n));
  return Array.from({ length: n }, (_, i) => base + i);
}

/**
 * Channel view of one NCHW map [1, C, H, W] (the first sample): RGBA with `v·127.5 + 128` per
 * shown channel after the optional normalisation and the gain (grey: the one channel in R, G, B).
 */
export function channelView(data: Float32Array, shape: readonly number[], opts: ChannelViewOptions): Rgba {
  const [, C, H, W] = shape;
  const chans = shownChannels(C, opts.channel, opts.rgb);
  const gain = 10 ** (opts.gainDb / 20);
  const out = new Uint8ClampedArray(H * W * 4);
  chans.forEach((c, k) => {
    const base = c * H * W;
    let scale = gain;
    if (opts.normalize) {
      let m = 0;
      for (let i = 0; i < H * W; i++) m = Math.max(m, Math.abs(data[base + i]));
      scale = gain / Math.min(Math.max(m, 1e-8), 1e8);
    }
    for (let i = 0; i < H * W; i++) {
      const v = Math.floor(data[base + i] * scale * 127.5 + 128);
      if (chans.length === 1) out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = v;
      else out[4 * i + k] = v;
    }
  });
  for (let i = 0; i < H * W; i++) out[4 * i + 3] = 255;
  return { width: W, height: H, data: out };
}

/**
 * Mean, standard deviation (population) and max |x| over the given channels of an NCHW map
 * [1, C, H, W], as the official layer widget's statistics table shows them.
 */
export function mapStats(
  data: Float32Array,
  shape: readonly number[],
  channels: readonly number[],
): { mean: number; std: number; maxAbs: number } {
  const [, , H, W] = shape;
  let sum = 0;
  let sq = 0;
  let maxAbs = 0;
  for (const c of channels)
    for (let i = c * H * W; i < (c + 1) * H * W; i++) {
      const v = data[i];
      sum += v;
      sq += v * v;
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
  const n = channels.length * H * W;
  const mean = sum / n;
  return { mean, std: Math.sqrt(Math.max(sq / n - mean * mean, 0)), maxAbs };
}

/** Anchor colours of the perceptually uniform map (dark blue → green → yellow), evenly spaced. */
const MAP_ANCHORS: readonly [number, number, number][] = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 74, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [109, 205, 89],
  [180, 222, 44],
  [253, 231, 37],
];

/** Colour of t ∈ [0, 1] (clamped), linearly interpolated between `MAP_ANCHORS`. */
export function colormap(t: number): [number, number, number] {
  const x = Math.min(Math.max(Number.isFinite(t) ? t : 0, 0), 1) * (MAP_ANCHORS.length - 1);
  const i = Math.min(Math.floor(x), MAP_ANCHORS.length - 2);
  const f = x - i;
  const a = MAP_ANCHORS[i];
  const b = MAP_ANCHORS[i + 1];
  return [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])];
}

/** The FFT view's power, not yet in dB: Σ_c |DFT(w·(x_c − mean_c))|², DC at [0, 0], [H·W]. */
export function fftPower(
  data: Float32Array,
  shape: readonly number[],
  channels: readonly number[],
  beta: number,
): Float64Array {
  const [, C, H, W] = shape;
  for (const c of channels)
    if (!(Number.isInteger(c) && c >= 0 && c < C))
      throw new RangeError(`channel ${c} is not in [0, ${C - 1}] of a map with ${C} channels`);
  const planes = new Float32Array(channels.length * H * W);
  channels.forEach((c, k) => {
    let mean = 0;
    for (let i = 0; i < H * W; i++) mean += data[c * H * W + i];
    mean /= H * W;
    for (let i = 0; i < H * W; i++) planes[k * H * W + i] = data[c * H * W + i] - mean;
  });
  // powerSpectrum2d: mean over planes of |DFT(w·x)|² with a unit-energy Kaiser window; the view
  // divides by the mean over bins, so the window's scale and the mean-vs-sum factor cancel.
  const p = powerSpectrum2d(ndarray(planes, [1, channels.length, H, W]), { beta, spectrumSize: [H, W] });
  const out = p.data as Float64Array;
  for (let i = 0; i < out.length; i++) out[i] *= channels.length;
  return out;
}

/** FFT view RGBA from `fftPower`: centred, 10·log10(P / mean P) mapped from [−R, R] dB. */
export function fftView(power: Float64Array, H: number, W: number, rangeDb: number): Rgba {
  let mean = 0;
  for (let i = 0; i < power.length; i++) mean += power[i];
  mean /= power.length;
  const out = new Uint8ClampedArray(H * W * 4);
  const hy = Math.floor(H / 2);
  const hx = Math.floor(W / 2);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const v = power[y * W + x];
      const db = 10 * Math.log10(Math.max(v / (mean || 1), 1e-30));
      const [r, g, b] = colormap((db / rangeDb + 1) / 2);
      const o = 4 * (((y + hy) % H) * W + ((x + hx) % W));
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      out[o + 3] = 255;
    }
  return { width: W, height: H, data: out };
}

/**
 * 10·log10 of the fraction of `power` ([size, size], DC at [0, 0], from a map of `size` pixels at
 * rate s) beyond `limit` cycles per canvas unit (square band, or disc when `radial`); null when no
 * bin lies beyond (limit ≥ s/2) — `bandEnergyFractionDb` with P = size and rate s.
 */
export function energyBeyondDb(
  power: Float64Array,
  size: number,
  samplingRate: number,
  limit: number,
  radial: boolean,
): number | null {
  return bandEnergyFractionDb(power, size, samplingRate, limit, radial);
}
