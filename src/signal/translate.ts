/**
 * Reference translations of the equivariance metrics (official `metrics/equivariance.py`,
 * `apply_integer_translation` and `apply_fractional_translation`; paper App. E.1–E.2; spec §4.2–4.3).
 *
 * Shifts `tx`, `ty` are fractions of the image width/height (the official convention): the content
 * moves by `tx·W` pixels to the right and `ty·H` pixels down. Each function returns the shifted
 * image (zero-filled where no source exists) and a mask of the pixels whose value is fully
 * determined by the input, both with the input's shape and dtype (rank 2, 3 or 4, NCHW).
 */
import ndarray, { type NdArray } from 'ndarray';
import { asNCHW, fromNCHW, type FloatArray } from './array.js';
import { assertFinite, assertInteger, assertOptions } from './validate.js';

/** Image and validity mask of a reference transform. */
export interface TransformResult<T extends FloatArray = FloatArray> {
  image: NdArray<T>;
  mask: NdArray<T>;
}

/** Round half to even (torch.round / numpy.round). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  // Math.round rounds .5 up; step back to the even neighbour on exact ties.
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function sameKind(x: FloatArray, n: number): FloatArray {
  return x instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
}

/**
 * The official shift in pixels: `tx·W` evaluated in float64 and then cast to float32 (the official
 * code builds a float32 tensor from the product), which decides rounding ties exactly as it does.
 */
function pixelShift(t: number, size: number): number {
  return Math.fround(t * size);
}

/**
 * Integer translation by whole pixels (official apply_integer_translation): with
 * `ix = round(tx·W)`, `iy = round(ty·H)` (half to even), `out[y, x] = x[y − iy, x − ix]` where the
 * source exists and 0 elsewhere; `mask = 1` on `max(ix,0) ≤ x < W + min(ix,0)` (same for y). A shift
 * of a whole image size or more leaves zeros. `tx`, `ty`: fractions of the width/height.
 */
export function translateInteger<T extends FloatArray>(
  x: NdArray<T>,
  tx: number,
  ty: number,
): TransformResult<T> {
  assertFinite('tx', tx);
  assertFinite('ty', ty);
  const { x: v } = asNCHW('x', x);
  const [, , h, w] = v.shape;
  return translateIntegerPixelsImpl(
    x,
    roundHalfEven(pixelShift(tx, w)),
    roundHalfEven(pixelShift(ty, h)),
  ) as TransformResult<T>;
}

/**
 * Integer translation by `dx`, `dy` whole pixels (right/down positive), the same operation as
 * `translateInteger` with the shift given directly in pixels; non-integer shifts are rejected.
 */
export function translateIntegerPixels<T extends FloatArray>(
  x: NdArray<T>,
  dx: number,
  dy: number,
): TransformResult<T> {
  assertInteger('dx', dx);
  assertInteger('dy', dy);
  return translateIntegerPixelsImpl(x, dx, dy) as TransformResult<T>;
}

function translateIntegerPixelsImpl(x: NdArray, ix: number, iy: number): TransformResult {
  const { x: v, rank } = asNCHW('x', x);
  const [n, c, h, w] = v.shape;
  const src = v.data;
  const out = sameKind(src, src.length);
  const mask = sameKind(src, src.length);
  if (Math.abs(ix) < w && Math.abs(iy) < h) {
    const x0 = Math.max(ix, 0);
    const x1 = w + Math.min(ix, 0);
    const y0 = Math.max(iy, 0);
    const y1 = h + Math.min(iy, 0);
    for (let p = 0; p < n * c; p++) {
      const base = p * h * w;
      for (let y = y0; y < y1; y++) {
        for (let xx = x0; xx < x1; xx++) {
          out[base + y * w + xx] = src[base + (y - iy) * w + (xx - ix)];
          mask[base + y * w + xx] = 1;
        }
      }
    }
  }
  return {
    image: fromNCHW(ndarray(out, [n, c, h, w]), rank),
    mask: fromNCHW(ndarray(mask, [n, c, h, w]), rank),
  };
}

/** Normalised sinc sin(πx)/(πx), 1 at 0. */
function sinc(x: number): number {
  if (x === 0) return 1;
  const y = Math.PI * x;
  return Math.sin(y) / y;
}

/**
 * The `2a` Lanczos taps for a sub-pixel shift `frac ∈ [0,1)`: tap `k = −(a−1) … a` weighs the
 * sample `k` pixels to the left of the target, `L(k − frac) = sinc(k − frac)·sinc((k − frac)/a)`,
 * normalised to sum 1 so that a constant image stays constant (partition of unity).
 */
export function lanczosShiftTaps(frac: number, a = 3): Float64Array {
  assertFinite('frac', frac);
  assertInteger('a', a, 1);
  const taps = new Float64Array(2 * a);
  let s = 0;
  for (let j = 0; j < 2 * a; j++) {
    const t = j - (a - 1) - frac;
    s += taps[j] = sinc(t) * sinc(t / a);
  }
  for (let j = 0; j < 2 * a; j++) taps[j] /= s;
  return taps;
}

/**
 * Fractional translation with separable Lanczos-`a` interpolation (official
 * apply_fractional_translation, `a = 3`): with `t = tx·W` (float32, as the official code),
 * `i = ⌊t⌋`, `φ = t − i`, each row becomes `out[x] = Σ_{k=−(a−1)}^{a} L_k·x[x − i − k]`
 * (`L` from `lanczosShiftTaps(φ, a)`, zero outside the image), then the same along columns with
 * `ty·H`. `mask = 1` where every tap reads inside the image: `max(i + a, 0) ≤ x < W + min(i − a + 1, 0)`
 * per axis. `tx`, `ty` are fractions of the width/height; the result keeps the input's dtype.
 */
export function translateFractional<T extends FloatArray>(
  x: NdArray<T>,
  tx: number,
  ty: number,
  opts: { a?: number } = {},
): TransformResult<T> {
  assertOptions('opts', opts, { a: true });
  const { a = 3 } = opts;
  assertFinite('tx', tx);
  assertFinite('ty', ty);
  assertInteger('a', a, 1);
  const { x: v, rank } = asNCHW('x', x);
  const [n, c, h, w] = v.shape;
  const sx = pixelShift(tx, w);
  const sy = pixelShift(ty, h);
  const ix = Math.floor(sx);
  const iy = Math.floor(sy);
  const kx = lanczosShiftTaps(sx - ix, a);
  const ky = lanczosShiftTaps(sy - iy, a);
  const b = a - 1;
  const src = v.data;
  const out = sameKind(src, src.length);
  const mask = sameKind(src, src.length);
  const row = new Float64Array(w * h);
  for (let p = 0; p < n * c; p++) {
    const base = p * h * w;
    // Along x: row[y, xo] = Σ_k kx[k]·src[y, xo − ix − k].
    for (let y = 0; y < h; y++) {
      for (let xo = 0; xo < w; xo++) {
        let s = 0;
        for (let j = 0; j < 2 * a; j++) {
          const xi = xo - ix - (j - b);
          if (xi >= 0 && xi < w) s += kx[j] * src[base + y * w + xi];
        }
        row[y * w + xo] = s;
      }
    }
    // Along y.
    for (let yo = 0; yo < h; yo++) {
      for (let xo = 0; xo < w; xo++) {
        let s = 0;
        for (let j = 0; j < 2 * a; j++) {
          const yi = yo - iy - (j - b);
          if (yi >= 0 && yi < h) s += ky[j] * row[yi * w + xo];
        }
        out[base + yo * w + xo] = s;
      }
    }
    const mx0 = Math.max(ix + a, 0);
    const mx1 = Math.min(ix - b, 0) + w;
    const my0 = Math.max(iy + a, 0);
    const my1 = Math.min(iy - b, 0) + h;
    for (let y = my0; y < my1; y++) for (let xx = mx0; xx < mx1; xx++) mask[base + y * w + xx] = 1;
  }
  return {
    image: fromNCHW(ndarray(out, [n, c, h, w]), rank) as NdArray<T>,
    mask: fromNCHW(ndarray(mask, [n, c, h, w]), rank) as NdArray<T>,
  };
}
