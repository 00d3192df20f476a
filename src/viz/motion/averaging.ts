/**
 * The averaging experiment of texture sticking (paper Fig. 1, left), as numbers.
 *
 * Average K frames whose content changes or moves (a latent interpolation, a small neighbourhood
 * of a latent, a translation of the input). Detail that moves with the content lands at different
 * pixels in different frames and cancels in the mean; detail glued to the pixel grid lands on the
 * same pixels every time and survives. So the fraction of a band's energy that survives averaging,
 *
 *   retention(band) = E_band(mean of the frames) / mean_k E_band(frame k),
 *
 * is ≈ 1 for detail that stays put and falls towards 1/K for detail that moves (exactly 1/K when
 * the frames' band contents are uncorrelated with equal energy). Comparing the high band with the
 * low band separates sticking from frames that simply barely change: content that changes little
 * keeps both bands; sticking keeps the high band while the low band changes.
 *
 * E_band is the energy Σ|X[ky, kx]|² of the planes' 2-D DFTs (unnormalised, as numpy.fft.fft2) over
 * the bins whose frequency f = max(|fx|, |fy|) in cycles per pixel lies in the band; DC (the plane
 * means) never counts. The square band edge matches the separable (non-radial) grid the sticking
 * lives on.
 */
import ndarray from 'ndarray';
import { fft2 } from '../../signal/fft.js';
import { assertFinite } from '../../signal/validate.js';

/** A band of spatial frequency, `lo ≤ max(|fx|, |fy|) < hi` in cycles per pixel (DC excluded). */
export interface FrequencyBand {
  lo: number;
  hi: number;
}

/** The default high band: the upper half of the frequencies up to Nyquist (¼ to ½ cycle/pixel). */
export const HIGH_BAND: FrequencyBand = { lo: 0.25, hi: Infinity };
/** The default low band: above DC, below ⅛ cycle/pixel (the image's coarse layout). */
export const LOW_BAND: FrequencyBand = { lo: 0, hi: 0.125 };

function checkFrame(
  data: ArrayLike<number>,
  shape: readonly number[],
  name: string,
): [number, number, number] {
  if (shape.length !== 3 || !shape.every((s) => Number.isSafeInteger(s) && s >= 1))
    throw new RangeError(`shape must be [C, H, W] with positive integers, got [${shape.join(', ')}]`);
  const [c, h, w] = shape;
  if (data.length !== c * h * w)
    throw new RangeError(`${name} has ${data.length} values, shape [${shape.join(', ')}] needs ${c * h * w}`);
  return [c, h, w];
}

function checkBand(band: FrequencyBand, name: string): void {
  if (band === null || typeof band !== 'object' || typeof band.lo !== 'number' || typeof band.hi !== 'number')
    throw new TypeError(`${name} must be { lo, hi } in cycles per pixel`);
  assertFinite(`${name}.lo`, band.lo);
  if (!(band.lo >= 0 && band.hi > band.lo))
    throw new RangeError(`${name} must have 0 <= lo < hi, got lo ${band.lo}, hi ${band.hi}`);
}

/**
 * Energy of `image` (C·H·W values, planes [C, H, W]) in a frequency band: Σ over planes and over
 * the DFT bins with `band.lo ≤ max(|fx|, |fy|) < band.hi` of |X|² (DC excluded; see the module
 * comment).
 *
 * @example
 * ```ts
 * // A checkerboard is all Nyquist: its whole energy (H·W per unit-amplitude plane, squared) is high.
 * const board = Float32Array.from({ length: 64 }, (_, i) => ((i >> 3) + i) % 2 ? 1 : -1);
 * bandEnergy(board, [1, 8, 8], HIGH_BAND); // 64² = 4096
 * ```
 */
export function bandEnergy(image: ArrayLike<number>, shape: readonly number[], band: FrequencyBand): number {
  const [c, h, w] = checkFrame(image, shape, 'image');
  checkBand(band, 'band');
  const X = fft2(ndarray(Float64Array.from(image), [c, h, w]));
  const re = X.re.data as Float64Array;
  const im = X.im.data as Float64Array;
  let e = 0;
  for (let ky = 0; ky < h; ky++) {
    const fy = Math.min(ky, h - ky) / h;
    for (let kx = 0; kx < w; kx++) {
      const fx = Math.min(kx, w - kx) / w;
      const f = Math.max(fx, fy);
      if (f === 0 || f < band.lo || f >= band.hi) continue;
      for (let p = 0; p < c; p++) {
        const i = (p * h + ky) * w + kx;
        e += re[i] * re[i] + im[i] * im[i];
      }
    }
  }
  return e;
}

/**
 * The pixel-wise mean of frames of equal length.
 *
 * @example
 * ```ts
 * meanFrame([Float32Array.of(0, 2), Float32Array.of(2, 4)]); // Float32Array [1, 3]
 * ```
 */
export function meanFrame(frames: readonly ArrayLike<number>[]): Float32Array {
  if (!Array.isArray(frames) || frames.length === 0)
    throw new RangeError('frames must hold at least one frame');
  const n = frames[0].length;
  const sum = new Float64Array(n);
  for (const [k, f] of frames.entries()) {
    if (f.length !== n) throw new RangeError(`frames[${k}] has ${f.length} values, frames[0] has ${n}`);
    for (let i = 0; i < n; i++) sum[i] += f[i];
  }
  return Float32Array.from(sum, (v) => v / frames.length);
}

/** What `averagingRetention` measures. */
export interface AveragingRetention {
  /** Frames averaged, K. */
  frames: number;
  /** Share of the high band's energy that survives averaging (≈ 1: glued to pixels; → 1/K: moves). */
  high: number;
  /** The same for the low band (how much the coarse content changed at all). */
  low: number;
  /** The high band's share of the frames' energy above DC (how much fine detail there is to judge). */
  highShare: number;
}

/** Options of `averagingRetention`. */
export interface AveragingRetentionOptions {
  /** Default `HIGH_BAND` (¼ to ½ cycle/pixel). */
  high?: FrequencyBand;
  /** Default `LOW_BAND` (0 to ⅛ cycle/pixel, DC excluded). */
  low?: FrequencyBand;
}

/**
 * The averaging experiment on `frames` (each C·H·W values, planes `shape` = [C, H, W]): the
 * retention of the high and the low band and the high band's share (module comment). A band in
 * which the frames carry no energy gives NaN.
 *
 * @example
 * ```ts
 * const r = averagingRetention(frames, [3, 32, 32]);
 * console.log(`high band kept ${(100 * r.high).toFixed(0)} %, low band ${(100 * r.low).toFixed(0)} %`);
 * ```
 */
export function averagingRetention(
  frames: readonly ArrayLike<number>[],
  shape: readonly number[],
  opts: AveragingRetentionOptions = {},
): AveragingRetention {
  const high = opts.high ?? HIGH_BAND;
  const low = opts.low ?? LOW_BAND;
  checkBand(high, 'high');
  checkBand(low, 'low');
  const mean = meanFrame(frames);
  frames.forEach((f, k) => checkFrame(f, shape, `frames[${k}]`));
  const all: FrequencyBand = { lo: 0, hi: Infinity };
  let eHigh = 0;
  let eLow = 0;
  let eAll = 0;
  for (const f of frames) {
    eHigh += bandEnergy(f, shape, high);
    eLow += bandEnergy(f, shape, low);
    eAll += bandEnergy(f, shape, all);
  }
  const k = frames.length;
  return {
    frames: k,
    high: bandEnergy(mean, shape, high) / (eHigh / k),
    low: bandEnergy(mean, shape, low) / (eLow / k),
    highShare: eHigh / eAll,
  };
}
