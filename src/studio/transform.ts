/**
 * The equivariance widget's geometry (official visualiser, spec §4.7): the image transform
 *
 *     M = [[cos α, sin α, x], [−sin α, cos α, y], [0, 0, 1]],   α = 2π·turns,
 *
 * with x, y in image widths, whose inverse M⁻¹ goes into the input's `transform` buffer; the
 * "untransform" resampling of a map back with M⁻¹; and the studio's live per-map EQ-PSNR.
 *
 * Translations are in canvas units (one image width). A map at sampling rate s with `size` pixels
 * (canvas + margins) moves by t·s pixels, i.e. t·s/size of its own width — the official visualiser
 * applies the image's matrix to every layer as is; here each map gets its own scale, so a perfectly
 * equivariant layer shows a still picture at every depth.
 */
import ndarray, { type NdArray } from 'ndarray';
import { translateFractional } from '../signal/translate.js';
import { applyAffineTransformation } from '../signal/rotate.js';

/** Row-major 3×3. */
export type Mat3 = number[];

/** The official visualiser's `make_transform(translate, angle)`: M above (angle in turns). */
export function imageTransform(tx: number, ty: number, turns: number): Mat3 {
  for (const [name, v] of [
    ['tx', tx],
    ['ty', ty],
    ['turns', turns],
  ] as const)
    if (!Number.isFinite(v)) throw new TypeError(`${name} must be a finite number, got ${v}`);
  const a = turns * 2 * Math.PI;
  const c = Math.cos(a);
  const s = Math.sin(a);
  return [c, s, tx, -s, c, ty, 0, 0, 1];
}

/** Inverse of an affine 3×3 (last row 0 0 1). */
export function invertAffine(m: Mat3): Mat3 {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (!(Math.abs(det) > 1e-12)) throw new RangeError(`matrix is singular (det ${det})`);
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f), 0, 0, 1];
}

/** Translation (image widths) snapped to whole output pixels of an image of `resolution` px. */
export function roundToPixels(t: number, resolution: number): number {
  return Math.round(t * resolution) / resolution;
}

/** True when the transform is the identity (nothing to untransform or compare). */
export function isIdentity(tx: number, ty: number, turns: number): boolean {
  return tx === 0 && ty === 0 && turns - Math.round(turns) === 0;
}

/** M with its translation expressed in fractions of a map's own width (t·s/size). */
function mapMatrix(m: Mat3, samplingRate: number, size: number): Mat3 {
  const k = samplingRate / size;
  return [m[0], m[1], m[2] * k, m[3], m[4], m[5] * k, 0, 0, 1];
}

/**
 * Move a map's content by the image transform `m` (translation only: separable Lanczos-3,
 * `translateFractional`; with a rotation: the official affine resampler, `applyAffineTransformation`
 * with a = 3, amax = 6). `m = M⁻¹` undoes a transformed render ("untransform"). Returns the moved
 * map and its mask of fully supported pixels, NCHW like the input.
 */
export function moveMap(
  data: Float32Array,
  shape: readonly number[],
  m: Mat3,
  samplingRate: number,
): { image: Float32Array; mask: Float32Array } {
  const size = shape[3];
  const mm = mapMatrix(m, samplingRate, size);
  const x = ndarray(data, shape.slice()) as NdArray<Float32Array>;
  const pure = Math.abs(mm[0] - 1) < 1e-12 && Math.abs(mm[1]) < 1e-12;
  const r = pure ? translateFractional(x, mm[2], mm[5]) : applyAffineTransformation(x, mm, { a: 3, amax: 6 });
  return { image: r.image.data as Float32Array, mask: r.mask.data as Float32Array };
}

/**
 * EQ-PSNR of one map, as `measureLayers` defines it (src/metrics/layers.ts) but for one latent and
 * any transform: the reference (identity-transform render) moved by M is compared with the
 * transformed render on the margin-cropped canvas inside the mask,
 * PSNR = 10·log10((4·σ_ref)² / MSE), σ_ref the RMS of the moved reference there (an image with
 * σ = 0.5 gets the standard peak-2 PSNR). With a rotation the reference is resampled by the
 * affine resampler and the render is not pseudo-rotated (EQ-R's extra filtering), so rotations read
 * a few dB lower than EQ-R. Only the first `maxChannels` channels count (the readout is live).
 * Returns null when the mask leaves no canvas pixel, Infinity for an exact match.
 */
export function mapEqPsnrDb(
  reference: Float32Array,
  got: Float32Array,
  shape: readonly number[],
  m: Mat3,
  samplingRate: number,
  maxChannels = 16,
): number | null {
  const [N, C, H, W] = shape;
  const K = Math.min(C, maxChannels);
  const sub = (a: Float32Array) => (K === C ? a : a.subarray(0, N === 1 ? K * H * W : a.length));
  const subShape = [N === 1 ? 1 : N, N === 1 ? K : C, H, W];
  const moved = moveMap(sub(reference), subShape, m, samplingRate);
  const g = sub(got);
  const lo = Math.floor((H - Math.min(samplingRate, H)) / 2);
  const hi = lo + Math.min(samplingRate, H);
  let err = 0;
  let ref = 0;
  let count = 0;
  for (let p = 0; p < subShape[0] * subShape[1]; p++) {
    const base = p * H * W;
    for (let y = lo; y < hi; y++)
      for (let x = lo; x < hi; x++) {
        const i = base + y * W + x;
        if (moved.mask[i] === 0) continue;
        const r = moved.image[i];
        const e = r - g[i];
        err += e * e;
        ref += r * r;
        count++;
      }
  }
  if (count === 0) return null;
  if (err === 0) return Infinity;
  return 10 * Math.log10((16 * ref) / err);
}
