/**
 * Reference rotations of the EQ-R metric (official `metrics/equivariance.py`:
 * `construct_affine_bandlimit_filter`, `apply_affine_transformation`, `apply_fractional_rotation`,
 * `apply_fractional_pseudo_rotation`; paper App. E.3; spec §4.4).
 *
 * Coordinates: pixels of the input image; x = column (right), y = row (down). A 3×3 matrix `mat`
 * (row-major, homogeneous) maps input coordinates to output coordinates with translations in
 * units of half the image size, exactly as the official code hands it to `affine_grid`.
 * Computation is float64 (the official code runs float32); output images keep the input's dtype.
 */
import ndarray, { type NdArray } from 'ndarray';
import { asNCHW, fromNCHW, toDense, type FloatArray } from './array.js';
import { fft1d, fft2Interleaved } from './fft.js';
import type { TransformResult } from './translate.js';
import { roundHalfEven } from './translate.js';
import { assertFinite, assertInteger, assertOptions, assertPositive } from './validate.js';

/** A 3×3 matrix: 9 numbers row-major, rows as `number[][]`, or a `[3,3]` ndarray. */
export type Mat3 = readonly number[] | readonly (readonly number[])[] | NdArray;

/** Parse a 3×3 matrix argument into 9 row-major numbers (checked finite). */
export function toMat3(name: string, mat: Mat3): number[] {
  let flat: number[];
  if (mat && typeof mat === 'object' && 'shape' in mat && Array.isArray((mat as NdArray).shape)) {
    const m = mat as NdArray;
    if (m.shape.length !== 2 || m.shape[0] !== 3 || m.shape[1] !== 3) {
      throw new RangeError(`${name} must be a 3×3 matrix, got shape [${m.shape}]`);
    }
    flat = Array.from(toDense(m).data as FloatArray);
  } else if (Array.isArray(mat) && mat.length === 3 && mat.every((r) => Array.isArray(r))) {
    const rows = mat as readonly (readonly number[])[];
    if (rows.some((r) => r.length !== 3))
      throw new RangeError(`${name} must be a 3×3 matrix (rows of 3 numbers)`);
    flat = rows.flat();
  } else if (Array.isArray(mat) && mat.length === 9) {
    flat = (mat as readonly number[]).slice();
  } else {
    throw new TypeError(`${name} must be a 3×3 matrix: 9 numbers row-major, number[][] or a [3,3] ndarray`);
  }
  flat.forEach((v, i) => assertFinite(`${name}[${Math.floor(i / 3)}][${i % 3}]`, v));
  return flat;
}

/**
 * The official `rotation_matrix(angle)` in float32: `[[cos α, sin α, 0], [−sin α, cos α, 0], [0, 0, 1]]`
 * (row-major 9 numbers, each rounded to float32 like the official tensor; `angle` in radians, itself
 * cast to float32 first).
 */
export function rotationMatrix(angle: number): number[] {
  assertFinite('angle', angle);
  const a = Math.fround(angle);
  const c = Math.fround(Math.cos(a));
  const s = Math.fround(Math.sin(a));
  return [c, s, 0, -s, c, 0, 0, 0, 1];
}

/** Normalised sinc with the official guard (1 where |πx| < 1e-30). */
function sinc(x: number): number {
  const y = Math.abs(x * Math.PI);
  return y < 1e-30 ? 1 : Math.sin(y) / y;
}

/** Lanczos window of radius `a`: `sinc(|x|/a)` inside `|x| < a`, 0 outside. */
function lanczosWindow(x: number, a: number): number {
  const t = Math.abs(x) / a;
  return t < 1 ? sinc(t) : 0;
}

/** Options of `affineBandlimitFilter`. */
export interface BandlimitFilterOptions {
  /** Lanczos window radius in input pixels (default 3). */
  a?: number;
  /** Half-size of the returned filter in input pixels (default 16; rotations use 2a). */
  amax?: number;
  /** Half-size of the internal evaluation grid in input pixels (default 64). */
  aflt?: number;
  /** Upsampling factor = taps per input pixel (default 4). */
  up?: number;
  /** Cutoff of the input-space sinc in units of the input Nyquist rate (default 1). */
  cutoffIn?: number;
  /** Cutoff of the output-space sinc (default 1). */
  cutoffOut?: number;
}

/** The keys of `BandlimitFilterOptions` (unknown keys are rejected). */
const BANDLIMIT_KEYS: Record<keyof BandlimitFilterOptions, true> = {
  a: true,
  amax: true,
  aflt: true,
  up: true,
  cutoffIn: true,
  cutoffOut: true,
};

/**
 * The official `construct_affine_bandlimit_filter`: the 2-D filter that band-limits an image both
 * in its own frame and in the frame of the transform `mat` (only its linear 2×2 part matters).
 * On a grid of spacing `1/up` input pixels covering `±aflt` pixels (`L = 2·aflt·up − 1` points,
 * periodic), it forms
 * `f = (s_in ⊛ s_out) · (w_in ⊛ w_out)`, where `s_in(x, y) = sinc(cᵢx)·sinc(cᵢy)`,
 * `s_out = sinc(c_o·x')·sinc(c_o·y')` with `(x', y') = M·(x, y)`, `w_in`, `w_out` the separable Lanczos
 * windows (radius `a`) in the two frames, and `⊛` the circular convolution of the grid (computed by
 * FFT, sum over grid points without the `1/up²` area factor, as the official code). The result is
 * cropped to `±amax` pixels (`2·amax·up − 1` taps per axis, centre tap at `amax·up − 1`) and every
 * one of the `up²` polyphase components is scaled to sum `1/up²` (unit DC gain per output phase
 * after the `up²` gain of upsampling). Float64; returns `[2·amax·up − 1]²`.
 */
export function affineBandlimitFilter(mat: Mat3, opts: BandlimitFilterOptions = {}): NdArray<Float64Array> {
  assertOptions('opts', opts, BANDLIMIT_KEYS);
  const { a = 3, amax = 16, aflt = 64, up = 4, cutoffIn = 1, cutoffOut = 1 } = opts;
  const m = toMat3('mat', mat);
  assertPositive('a', a);
  assertInteger('amax', amax, 1);
  assertInteger('aflt', aflt, 1);
  assertInteger('up', up, 1);
  assertPositive('cutoffIn', cutoffIn);
  assertPositive('cutoffOut', cutoffOut);
  if (!(a <= amax && amax < aflt)) {
    throw new RangeError(
      `a, amax, aflt must satisfy a <= amax < aflt, got a=${a}, amax=${amax}, aflt=${aflt}`,
    );
  }
  const m00 = m[0];
  const m01 = m[1];
  const m10 = m[3];
  const m11 = m[4];
  const len = 2 * aflt * up - 1;
  // Periodic grid with tap 0 at index 0: positions k/up, then the negative half wrapped around.
  const taps = new Float64Array(len);
  for (let k = 0; k < len; k++) taps[k] = (k < aflt * up ? k : k - len) / up;

  // Input-frame terms are separable, so their 2-D spectra are outer products of 1-D spectra.
  const sIn = new Float64Array(len);
  const wIn = new Float64Array(len);
  for (let k = 0; k < len; k++) {
    sIn[k] = sinc(taps[k] * cutoffIn);
    wIn[k] = lanczosWindow(taps[k], a);
  }
  const S = fft1d(sIn);
  const W = fft1d(wIn);

  // Output-frame terms: one complex 2-D FFT of (s_out + i·w_out); both parts are real, so their
  // spectra separate through Hermitian symmetry: X[k] = (Z[k] + conj Z[−k])/2, Y[k] = (Z[k] − conj Z[−k])/(2i).
  const z = new Float64Array(2 * len * len);
  for (let r = 0; r < len; r++) {
    const yi = taps[r];
    for (let c = 0; c < len; c++) {
      const xi = taps[c];
      const xo = m00 * xi + m01 * yi;
      const yo = m10 * xi + m11 * yi;
      const o = 2 * (r * len + c);
      z[o] = sinc(xo * cutoffOut) * sinc(yo * cutoffOut);
      z[o + 1] = lanczosWindow(xo, a) * lanczosWindow(yo, a);
    }
  }
  fft2Interleaved(z, len, len);
  // Multiply: F = FFT(s_in)·FFT(s_out), G = FFT(w_in)·FFT(w_out); pack F + i·G for one inverse FFT
  // whose real part is s_in ⊛ s_out and imaginary part w_in ⊛ w_out (both real).
  const prod = new Float64Array(2 * len * len);
  for (let r = 0; r < len; r++) {
    const rn = r === 0 ? 0 : len - r;
    for (let c = 0; c < len; c++) {
      const cn = c === 0 ? 0 : len - c;
      const o = 2 * (r * len + c);
      const on = 2 * (rn * len + cn);
      const zr = z[o];
      const zi = z[o + 1];
      const nr = z[on];
      const ni = -z[on + 1]; // conj Z[−k]
      const xr = (zr + nr) / 2;
      const xim = (zi + ni) / 2;
      const yr = (zi - ni) / 2;
      const yim = -(zr - nr) / 2;
      // Input spectra (outer products).
      const sr = S.re[r] * S.re[c] - S.im[r] * S.im[c];
      const si = S.re[r] * S.im[c] + S.im[r] * S.re[c];
      const wr = W.re[r] * W.re[c] - W.im[r] * W.im[c];
      const wi = W.re[r] * W.im[c] + W.im[r] * W.re[c];
      const fr = sr * xr - si * xim;
      const fi = sr * xim + si * xr;
      const gr = wr * yr - wi * yim;
      const gi = wr * yim + wi * yr;
      prod[o] = fr - gi;
      prod[o + 1] = fi + gr;
    }
  }
  fft2Interleaved(prod, len, len, { inverse: true });

  // Crop to ±amax pixels around lag 0 and multiply the sinc and window convolutions.
  const n = 2 * amax * up - 1;
  const centre = amax * up - 1;
  const f = new Float64Array(n * n);
  for (let qy = 0; qy < n; qy++) {
    const ly = (qy - centre + len) % len;
    for (let qx = 0; qx < n; qx++) {
      const lx = (qx - centre + len) % len;
      const o = 2 * (ly * len + lx);
      f[qy * n + qx] = prod[o] * prod[o + 1];
    }
  }
  // Polyphase normalisation: taps q ≡ p (mod up) form phase p of each axis.
  const sums = new Float64Array(up * up);
  for (let qy = 0; qy < n; qy++)
    for (let qx = 0; qx < n; qx++) sums[(qy % up) * up + (qx % up)] += f[qy * n + qx];
  for (let qy = 0; qy < n; qy++) {
    for (let qx = 0; qx < n; qx++) f[qy * n + qx] /= sums[(qy % up) * up + (qx % up)] * up * up;
  }
  return ndarray(f, [n, n]);
}

/** 3×3 inverse (float64, adjugate / determinant). */
function invert3(m: number[]): number[] {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!(Math.abs(det) > 0) || !Number.isFinite(det))
    throw new RangeError(`mat must be invertible, got det = ${det}`);
  return [
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  ];
}

/** Options of `applyAffineTransformation`. */
export type AffineOptions = BandlimitFilterOptions;

/**
 * The official `apply_affine_transformation`: resample `x` (`[H,W]`, `[C,H,W]` or `[N,C,H,W]`) under
 * the 3×3 transform `mat`. Steps: build `f = affineBandlimitFilter(mat, opts)` (`p = ⌊taps/2⌋`),
 * upsample ×`up` with `f` (zero insertion, gain `up²`, `p` extra pixels on every side: the official
 * upsample2d), then for each output pixel look up the upsampled image bilinearly (zeros outside) at
 * the position `affine_grid` gives for `θ = mat⁻¹` with its translation doubled, shifted by
 * `1/(up·W)`, `1/(up·H)` to the upsampled pixel centres and rescaled by `W/(W + 2p/up)`,
 * `H/(H + 2p/up)` to the padded canvas (all of this is `grid_sample` with `align_corners=False`).
 * The mask is 1 where the nearest upsampled pixel lies at least `2p + 1` pixels inside the padded
 * upsampled image (a fully supported footprint). Grid coordinates follow the official float32
 * arithmetic so that the nearest-pixel mask decisions agree; the image is computed in float64.
 */
export function applyAffineTransformation<T extends FloatArray>(
  x: NdArray<T>,
  mat: Mat3,
  opts: AffineOptions = {},
): TransformResult<T> {
  assertOptions('opts', opts, BANDLIMIT_KEYS);
  const m = toMat3('mat', mat).map(Math.fround);
  const up = opts.up ?? 4;
  assertInteger('up', up, 1);
  const f = affineBandlimitFilter(m, { ...opts, up });
  const { x: v, rank } = asNCHW('x', x);
  const [n, c, h, w] = v.shape;
  const fn = f.shape[0];
  const p = Math.floor(fn / 2);
  const f32 = Math.fround;

  // θ as the official code derives it (float32 tensor arithmetic).
  const th = invert3(m).map(f32);
  th[2] = f32(th[2] * 2);
  th[5] = f32(th[5] * 2);
  th[2] = f32(th[2] + f32(1 / up / w));
  th[5] = f32(th[5] + f32(1 / up / h));
  const sx = f32(w / (w + (p / up) * 2));
  const sy = f32(h / (h + (p / up) * 2));
  for (let j = 0; j < 3; j++) {
    th[j] = f32(th[j] * sx);
    th[3 + j] = f32(th[3 + j] * sy);
  }

  // Upsampled image geometry (official upsample2d with padding p): size up·H + 2p, and output
  // pixel u reads zero-stuffed input sample (u + fh − 1 − pad0 − t)/up for filter tap t.
  const hy = h * up + 2 * p;
  const wy = w * up + 2 * p;
  const pad0 = p + Math.floor((fn + up - 1) / 2);
  const fdata = f.data;
  const gain = up * up;
  // Polyphase form of the zero-stuffed convolution: upsampled row u reads filter rows
  // t = φ + up·m (φ = a0 mod up, a0 = u + fh − 1 − pad0) against input rows imax − m,
  // imax = (a0 − φ)/up; m is clipped to the rows that exist. Same for columns.
  const kmax = Math.ceil(fn / up);
  const phaseTable = (count: number, size: number): PhaseTable => {
    const phase = new Int32Array(count);
    const imax = new Int32Array(count);
    const mlo = new Int32Array(count);
    const mhi = new Int32Array(count);
    for (let u = 0; u < count; u++) {
      const a0 = u + fn - 1 - pad0;
      const ph = ((a0 % up) + up) % up;
      const im = (a0 - ph) / up;
      const taps = Math.ceil((fn - ph) / up);
      phase[u] = ph;
      imax[u] = im;
      mlo[u] = Math.max(0, im - size + 1);
      mhi[u] = Math.min(taps - 1, im);
    }
    return { phase, imax, mlo, mhi };
  };
  const rowTab = phaseTable(hy, h);
  const colTab = phaseTable(wy, w);
  // Sub-filters sub[(φy·up + φx)·kmax² + my·kmax + mx] = gain·f[φy + up·my, φx + up·mx] (0 past the end).
  const sub = new Float64Array(up * up * kmax * kmax);
  for (let py = 0; py < up; py++) {
    for (let px = 0; px < up; px++) {
      for (let my = 0; my < kmax; my++) {
        const ty = py + up * my;
        if (ty >= fn) continue;
        for (let mx = 0; mx < kmax; mx++) {
          const tx = px + up * mx;
          if (tx < fn) sub[(py * up + px) * kmax * kmax + my * kmax + mx] = gain * fdata[ty * fn + tx];
        }
      }
    }
  }
  const src = v.data;
  const planes = n * c;
  const hw = h * w;

  // Pass 1 (shared by all planes): sampling positions, bilinear corners and the mask.
  const cornerUy = new Int32Array(4 * hw);
  const cornerUx = new Int32Array(4 * hw);
  const cornerW = new Float64Array(4 * hw);
  const inside = new Uint8Array(hw);
  const baseX = linspaceNeg1(w);
  const baseY = linspaceNeg1(h);
  const border = 2 * p + 1;
  const halfW = f32(wy / 2);
  const halfH = f32(hy / 2);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const gx = f32(f32(f32(baseX[j] * th[0]) + f32(baseY[i] * th[1])) + th[2]);
      const gy = f32(f32(f32(baseX[j] * th[3]) + f32(baseY[i] * th[4])) + th[5]);
      // grid_sample (align_corners=False): pixel coordinate = (g + 1)·size/2 − 1/2.
      const px = f32(f32(f32(gx + 1) * halfW) - 0.5);
      const py = f32(f32(f32(gy + 1) * halfH) - 0.5);
      // Nearest lookup into the interior mask (round half to even, zeros outside).
      const nx = roundHalfEven(px);
      const ny = roundHalfEven(py);
      const o = i * w + j;
      inside[o] = nx >= border && nx < wy - border && ny >= border && ny < hy - border ? 1 : 0;
      // Bilinear corners inside the upsampled image (zero padding drops the others).
      const x0 = Math.floor(px);
      const y0 = Math.floor(py);
      const ax = px - x0;
      const ay = py - y0;
      let k = 4 * o;
      for (let dy = 0; dy < 2; dy++) {
        const uy = y0 + dy;
        const wyt = dy ? ay : 1 - ay;
        for (let dx = 0; dx < 2; dx++, k++) {
          const ux = x0 + dx;
          const wt = wyt * (dx ? ax : 1 - ax);
          if (uy < 0 || uy >= hy || ux < 0 || ux >= wy || wt === 0) continue;
          cornerUy[k] = uy;
          cornerUx[k] = ux;
          cornerW[k] = wt;
        }
      }
    }
  }

  // Pass 2: per plane, each corner's upsampled value is the polyphase sum
  // Σ_a Σ_b f[ty_a, tx_b]·x[iy_a, ix_b] (the official upsample2d evaluated only where it is read).
  const out = src instanceof Float32Array ? new Float32Array(src.length) : new Float64Array(src.length);
  const mask = src instanceof Float32Array ? new Float32Array(src.length) : new Float64Array(src.length);
  for (let pl = 0; pl < planes; pl++) {
    resamplePlane(src, pl * hw, w, hw, out, cornerUy, cornerUx, cornerW, rowTab, colTab, sub, kmax, up);
    for (let o = 0; o < hw; o++) mask[pl * hw + o] = inside[o];
  }
  return {
    image: fromNCHW(ndarray(out, [n, c, h, w]), rank) as NdArray<T>,
    mask: fromNCHW(ndarray(mask, [n, c, h, w]), rank) as NdArray<T>,
  };
}

interface PhaseTable {
  /** Filter phase of each upsampled row/column. */
  phase: Int32Array;
  /** Input index read by sub-filter tap 0. */
  imax: Int32Array;
  /** Range of sub-filter taps whose input index lies inside the image. */
  mlo: Int32Array;
  mhi: Int32Array;
}

/**
 * One plane of pass 2 of `applyAffineTransformation`: each output pixel is the bilinear blend of
 * up to four upsampled values, each the polyphase sum `Σ_my Σ_mx sub[my, mx]·x[iy − my, ix − mx]`
 * (kept in its own function so that V8 compiles the hot loop for monomorphic typed arrays).
 */
function resamplePlane(
  src: FloatArray,
  base: number,
  w: number,
  hw: number,
  out: FloatArray,
  cornerUy: Int32Array,
  cornerUx: Int32Array,
  cornerW: Float64Array,
  rowTab: PhaseTable,
  colTab: PhaseTable,
  sub: Float64Array,
  kmax: number,
  up: number,
): void {
  const k2 = kmax * kmax;
  for (let o = 0; o < hw; o++) {
    let acc = 0;
    for (let k = 4 * o; k < 4 * o + 4; k++) {
      const wt = cornerW[k];
      if (wt === 0) continue;
      const uy = cornerUy[k];
      const ux = cornerUx[k];
      const fbase = (rowTab.phase[uy] * up + colTab.phase[ux]) * k2;
      const iy = rowTab.imax[uy];
      const ix = colTab.imax[ux];
      const mx0 = colTab.mlo[ux];
      const mx1 = colTab.mhi[ux];
      const my1 = rowTab.mhi[uy];
      let sum = 0;
      for (let my = rowTab.mlo[uy]; my <= my1; my++) {
        const frow = fbase + my * kmax;
        const srow = base + (iy - my) * w + ix;
        for (let mx = mx0; mx <= mx1; mx++) sum += sub[frow + mx] * src[srow - mx];
      }
      acc += wt * sum;
    }
    out[base + o] = acc;
  }
}

/**
 * Normalised pixel-centre coordinates of `affine_grid` with `align_corners=False`:
 * `(2j + 1)/n − 1`, evaluated as the official float32 `linspace(−1, 1, n)·(n − 1)/n`.
 */
function linspaceNeg1(n: number): Float64Array {
  const f32 = Math.fround;
  const out = new Float64Array(n);
  if (n === 1) return out; // linspace(−1, 1, 1) = [−1], times 0 → 0
  const step = f32(2 / (n - 1));
  const half = Math.floor(n / 2);
  for (let j = 0; j < n; j++) {
    const v = j < half ? f32(-1 + f32(step * j)) : f32(1 - f32(step * (n - 1 - j)));
    out[j] = f32(f32(v * (n - 1)) / n);
  }
  return out;
}

/** Options of `rotateFractional` (the official filter keywords; `amax` defaults to `2a`). */
export type RotateOptions = BandlimitFilterOptions;

/**
 * High-quality reference rotation (official apply_fractional_rotation): rotate the image content by
 * `angle` radians with `mat = rotationMatrix(angle)` through `applyAffineTransformation` with
 * `a = 3`, `amax = 2a` (47×47 taps at `up = 4`): band-limit to the octagon shared by the original
 * and rotated pixel grids, upsample ×4, bilinear lookups. The mask keeps pixels whose whole filter
 * footprint lies inside the source image.
 */
export function rotateFractional<T extends FloatArray>(
  x: NdArray<T>,
  angle: number,
  opts: RotateOptions = {},
): TransformResult<T> {
  assertOptions('opts', opts, BANDLIMIT_KEYS);
  assertFinite('angle', angle);
  const a = opts.a ?? 3;
  return applyAffineTransformation(x, rotationMatrix(angle), { ...opts, a, amax: opts.amax ?? a * 2 });
}

/**
 * Pseudo-rotation (official apply_fractional_pseudo_rotation): filter `x` in place — no resampling —
 * with `affineBandlimitFilter(rotationMatrix(−angle), {a, amax: 2a, up: 1})` (11×11 taps at a = 3),
 * which removes the same diagonal frequencies that a rotation by `angle` loses, so that a rotated
 * render and `rotateFractional` of the unrotated render carry the same band (EQ-R). The
 * convolution is centred with zero padding (official filter2d); the mask drops `⌊taps/2⌋` pixels at
 * every border.
 */
export function rotatePseudo<T extends FloatArray>(
  x: NdArray<T>,
  angle: number,
  opts: Omit<RotateOptions, 'up'> = {},
): TransformResult<T> {
  const { up: _up, ...pseudoKeys } = BANDLIMIT_KEYS;
  assertOptions('opts', opts, pseudoKeys);
  assertFinite('angle', angle);
  const a = opts.a ?? 3;
  const f = affineBandlimitFilter(rotationMatrix(-Math.fround(angle)), {
    ...opts,
    a,
    amax: opts.amax ?? a * 2,
    up: 1,
  });
  const { x: v, rank } = asNCHW('x', x);
  const [n, c, h, w] = v.shape;
  const fn = f.shape[0];
  const r = Math.floor(fn / 2);
  const fd = f.data;
  const src = v.data;
  const out = src instanceof Float32Array ? new Float32Array(src.length) : new Float64Array(src.length);
  const mask = src instanceof Float32Array ? new Float32Array(src.length) : new Float64Array(src.length);
  for (let pl = 0; pl < n * c; pl++) {
    const base = pl * h * w;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        // True convolution: out[i, j] = Σ f[ty, tx]·x[i − (ty − r), j − (tx − r)].
        let s = 0;
        for (let ty = 0; ty < fn; ty++) {
          const yi = i - ty + r;
          if (yi < 0 || yi >= h) continue;
          const frow = ty * fn;
          const srow = base + yi * w;
          for (let tx = 0; tx < fn; tx++) {
            const xi = j - tx + r;
            if (xi >= 0 && xi < w) s += fd[frow + tx] * src[srow + xi];
          }
        }
        out[base + i * w + j] = s;
        if (i >= r && i < h - r && j >= r && j < w - r) mask[base + i * w + j] = 1;
      }
    }
  }
  return {
    image: fromNCHW(ndarray(out, [n, c, h, w]), rank) as NdArray<T>,
    mask: fromNCHW(ndarray(mask, [n, c, h, w]), rank) as NdArray<T>,
  };
}
