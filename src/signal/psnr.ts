/**
 * Peak signal-to-noise ratio as the StyleGAN3 equivariance metrics pool it (paper Eqs. 3, 17–19;
 * official `compute_equivariance_metrics`; spec §4.1).
 */
import type { NdArray } from 'ndarray';
import { toDense, type FloatArray } from './array.js';
import { assertOptions, assertPositive, show } from './validate.js';

/** Masked squared-error sums, to be pooled over batches before taking the PSNR. */
export interface MaskedSse {
  /** `Σ mask·(a − b)²` over every element (mask broadcast over channels). */
  sse: number;
  /** `Σ mask` over the same elements (each channel counts). */
  weight: number;
}

function checkNd(name: string, x: NdArray): void {
  if (!x || !Array.isArray(x.shape)) throw new TypeError(`${name} must be an ndarray, got ${show(x)}`);
}

/**
 * Masked sums of squared differences: `sse = Σ m·(a − b)²`, `weight = Σ m`, the sums running over
 * every element of `a` (all images, channels and pixels) with `m` broadcast NumPy-style to `a`'s
 * shape (e.g. `[N,1,H,W]` or `[H,W]` masks count once per channel). Without a mask `m = 1`.
 * `a`, `b` must have the same shape. Pool these over batches, then call `psnrFromMse`.
 */
export function maskedSquaredError(a: NdArray, b: NdArray, mask?: NdArray): MaskedSse {
  checkNd('a', a);
  checkNd('b', b);
  if (a.shape.length !== b.shape.length || a.shape.some((s, i) => s !== b.shape[i])) {
    throw new RangeError(`b must have the shape of a [${a.shape}], got [${b.shape}]`);
  }
  const ad = toDense(a).data as FloatArray;
  const bd = toDense(b).data as FloatArray;
  const size = ad.length;
  if (!mask) {
    let sse = 0;
    for (let i = 0; i < size; i++) {
      const d = ad[i] - bd[i];
      sse += d * d;
    }
    if (!Number.isFinite(sse)) throw new TypeError(`a and b must contain only finite numbers`);
    return { sse, weight: size };
  }
  checkNd('mask', mask);
  const rank = a.shape.length;
  if (mask.shape.length > rank) {
    throw new RangeError(`mask must broadcast to a's shape [${a.shape}], got [${mask.shape}]`);
  }
  // Right-align the mask's axes with a's and give broadcast axes stride 0.
  const md = toDense(mask).data as FloatArray;
  const mshape = new Array<number>(rank - mask.shape.length).fill(1).concat(mask.shape);
  const mstride = new Array<number>(rank).fill(0);
  let st = 1;
  for (let d = rank - 1; d >= 0; d--) {
    if (mshape[d] !== 1 && mshape[d] !== a.shape[d]) {
      throw new RangeError(`mask must broadcast to a's shape [${a.shape}], got [${mask.shape}]`);
    }
    mstride[d] = mshape[d] === 1 ? 0 : st;
    st *= mshape[d];
  }
  const idx = new Array<number>(rank).fill(0);
  let sse = 0;
  let weight = 0;
  let mi = 0;
  for (let i = 0; i < size; i++) {
    const m = md[mi];
    if (m !== 0) {
      const d = ad[i] - bd[i];
      sse += m * d * d;
      weight += m;
    }
    for (let d = rank - 1; d >= 0; d--) {
      mi += mstride[d];
      if (++idx[d] < a.shape[d]) break;
      mi -= mstride[d] * idx[d];
      idx[d] = 0;
    }
  }
  if (!Number.isFinite(sse) || !Number.isFinite(weight)) {
    throw new TypeError(`a, b and mask must contain only finite numbers`);
  }
  return { sse, weight };
}

/**
 * `PSNR = 10·log10(peak²/mse) = 20·log10(peak) − 10·log10(mse)` dB (the official metric writes
 * `20·log10(2) − 10·log10(mse)` for images in [−1, 1], i.e. `peak = 2`, the full range).
 * `mse = 0` gives `+Infinity` (identical images).
 */
export function psnrFromMse(mse: number, peak = 2): number {
  if (typeof mse !== 'number' || !(mse >= 0) || mse === Infinity) {
    throw new RangeError(`mse must be a finite number >= 0, got ${mse}`);
  }
  assertPositive('peak', peak);
  return 20 * Math.log10(peak) - 10 * Math.log10(mse);
}

/**
 * PSNR in dB between `a` and `b` (same shape, any rank, typically NCHW images in [−1, 1]) as the
 * equivariance metrics use it: one pooled `mse = Σ m·(a − b)² / Σ m` over all images, channels and
 * pixels (the mask `m` broadcast over channels; default all ones), then
 * `PSNR = 20·log10(peak) − 10·log10(mse)` with `peak = 2` by default (the [−1, 1] range). Throws when
 * the mask is all zero (no valid pixels). Identical images give `+Infinity`.
 */
export function psnr(a: NdArray, b: NdArray, opts: { mask?: NdArray; peak?: number } = {}): number {
  assertOptions('opts', opts, { mask: true, peak: true });
  const { mask, peak = 2 } = opts;
  assertPositive('peak', peak);
  const { sse, weight } = maskedSquaredError(a, b, mask);
  if (!(weight > 0))
    throw new RangeError(`mask must select at least one element (Σ mask > 0), got ${weight}`);
  return psnrFromMse(sse / weight, peak);
}
