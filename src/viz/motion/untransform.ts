/**
 * Undoing a motion in image space, and the difference maps of the comparison rows.
 *
 * "Untransform" (official visualiser, spec §4.7) resamples frame k by the inverse of its image
 * transform. For an equivariant network the result is frame 0 again; details that stayed on the
 * pixel grid while the content moved (texture sticking) now slide the other way and light up the
 * difference to frame 0. The resamplers are the equivariance metrics' own references, so the
 * picture and EQ-T_frac / EQ-R judge the same thing: separable Lanczos-3 for translations
 * (`translateFractional`), the band-limited affine resampler for rotations (`rotateFractional`,
 * with the reference frame 0 pseudo-rotated by `rotatePseudo` so that both carry the same band).
 */
import ndarray from 'ndarray';
import { translateFractional } from '../../signal/translate.js';
import { rotateFractional, rotatePseudo } from '../../signal/rotate.js';
import type { MotionStep } from './schedule.js';

/** An image plane set [1, C, H, W] as flat float32 data, with a per-pixel validity mask [H·W]. */
export interface MaskedImage {
  /** Row-major NCHW data, C·H·W values. */
  image: Float32Array;
  /** 1 where every resampling tap read inside the source image, 0 elsewhere (H·W values). */
  mask: Float32Array;
}

function checkShape(data: Float32Array, shape: readonly number[], name: string): [number, number, number] {
  if (shape.length !== 4 || shape[0] !== 1)
    throw new RangeError(`${name} shape must be [1, C, H, W], got [${shape.join(', ')}]`);
  const [, c, h, w] = shape;
  if (data.length !== c * h * w)
    throw new RangeError(
      `${name} has ${data.length} values, its shape [${shape.join(', ')}] needs ${c * h * w}`,
    );
  return [c, h, w];
}

/** The per-pixel mask: a pixel counts only when all of its channels are valid. */
function pixelMask(mask: ArrayLike<number>, c: number, plane: number): Float32Array {
  const out = new Float32Array(plane).fill(1);
  for (let ch = 0; ch < c; ch++) for (let p = 0; p < plane; p++) if (mask[ch * plane + p] === 0) out[p] = 0;
  return out;
}

/**
 * Frame k moved back to the pose of frame 0: translated by −(tx, ty) with Lanczos-3, or rotated by
 * −α with the band-limited affine resampler. Interpolation frames (no geometric motion) come back
 * unchanged with a full mask.
 */
export function untransformFrame(
  image: Float32Array,
  shape: readonly number[],
  step: MotionStep,
): MaskedImage {
  const [c, h, w] = checkShape(image, shape, 'image');
  const x = ndarray(image, [1, c, h, w]);
  if (step.angle !== 0) {
    const r = rotateFractional(x, -step.angle);
    return { image: r.image.data as Float32Array, mask: pixelMask(r.mask.data, c, h * w) };
  }
  if (step.tx !== 0 || step.ty !== 0) {
    const r = translateFractional(x, -step.tx, -step.ty);
    return { image: r.image.data as Float32Array, mask: pixelMask(r.mask.data, c, h * w) };
  }
  return { image: image.slice(), mask: new Float32Array(h * w).fill(1) };
}

/**
 * What an untransformed frame k is compared with: frame 0 itself for translations (Lanczos-3 is
 * nearly exact on band-limited content), and for rotations frame 0 filtered by the pseudo-rotation
 * of the same angle, which removes the diagonal frequencies the rotation back loses (as EQ-R does).
 */
export function untransformReference(
  frame0: Float32Array,
  shape: readonly number[],
  step: MotionStep,
): MaskedImage {
  const [c, h, w] = checkShape(frame0, shape, 'frame0');
  if (step.angle === 0) return { image: frame0, mask: new Float32Array(h * w).fill(1) };
  const r = rotatePseudo(ndarray(frame0, [1, c, h, w]), -step.angle);
  return { image: r.image.data as Float32Array, mask: pixelMask(r.mask.data, c, h * w) };
}

/** A difference map: per pixel the largest |a − b| over the channels, NaN where a mask is 0. */
export interface DifferenceMap {
  /** H·W values; NaN marks pixels without a valid comparison. */
  map: Float32Array;
  /** RMS of a − b over every channel of the valid pixels (0 when none is valid). */
  rms: number;
  /** Fraction of the pixels that are valid. */
  coverage: number;
}

/** |a − b| per pixel (max over channels) on the pixels where both masks are 1. */
export function differenceMap(a: MaskedImage, b: MaskedImage, shape: readonly number[]): DifferenceMap {
  const [c, h, w] = checkShape(a.image, shape, 'a');
  checkShape(b.image, shape, 'b');
  const plane = h * w;
  const map = new Float32Array(plane);
  let sum = 0;
  let valid = 0;
  for (let p = 0; p < plane; p++) {
    if (a.mask[p] === 0 || b.mask[p] === 0) {
      map[p] = NaN;
      continue;
    }
    valid++;
    let worst = 0;
    for (let ch = 0; ch < c; ch++) {
      const d = a.image[ch * plane + p] - b.image[ch * plane + p];
      sum += d * d;
      worst = Math.max(worst, Math.abs(d));
    }
    map[p] = worst;
  }
  return { map, rms: valid ? Math.sqrt(sum / (valid * c)) : 0, coverage: valid / plane };
}
