/**
 * Translation / rotation strips: the visual form of EQ-T and EQ-R. One latent is rendered K times
 * with the input Fourier features transformed (content moved by k·step pixels, or rotated by
 * k·Δα); each frame is then transformed back in image space and compared with frame 0.
 *
 * An equivariant generator moves its whole image with the input, so the untransformed frames equal
 * frame 0 and the difference row stays black. Texture sticking — details glued to the pixel grid
 * because aliasing leaks absolute pixel coordinates into the features — leaves the details in
 * place while the content moves, and lights up the difference row (paper §1, Fig. 1; spec §4).
 */
import * as tf from '@tensorflow/tfjs-core';
import ndarray, { type NdArray } from 'ndarray';
import { translateIntegerPixels } from '../signal/translate.js';
import { rotateFractional, rotatePseudo, rotationMatrix } from '../signal/rotate.js';
import { assertInteger, assertPositive } from '../signal/validate.js';
import { psnrFromSums } from '../metrics/equivariance.js';
import { composeGrid, tensorToTiles, type RgbaTile } from '../viz/figures/images.js';

/** What a strip needs from a generator (the Generator class satisfies it). */
export interface StripTarget {
  readonly config: { imgResolution: number };
  synthesis(ws: tf.Tensor3D, opts?: { transform?: number[] }): { image: tf.Tensor4D };
}

export interface StripOptions {
  /** Frames K ≥ 2 (frame 0 is the untransformed reference). */
  frames: number;
  /** Translation per frame in whole pixels (default 1), to the right. */
  stepPx?: number;
  /** Rotation per frame in degrees (default 45/(K−1), so the strip ends at 45°). */
  stepDeg?: number;
  /** Called after every rendered frame. */
  onFrame?: (done: number, total: number) => void;
}

export interface StripResult {
  kind: 'translate' | 'rotate';
  /** Shift in pixels (translate) or angle in degrees (rotate) per frame. */
  steps: number[];
  /** PSNR (dB, I_max = 2) of each untransformed frame against the reference, capped at
   *  PSNR_CAP_DB; null for frame 0. */
  psnrDb: (number | null)[];
  /** 2 × K picture: frames on top, |difference| below (black = equal, white ≥ diffRange). */
  tile: RgbaTile;
  diffRange: number;
}

/** PSNR reported for identical frames (error 0 would give +∞, which JSON cannot hold). */
export const PSNR_CAP_DB = 200;

/** Grey level of masked-out pixels in the difference row (no valid comparison there). */
const INVALID_RGB = [60, 60, 100] as const;

async function render(
  gen: StripTarget,
  ws: tf.Tensor3D,
  transform: number[],
): Promise<NdArray<Float32Array>> {
  const { image } = gen.synthesis(ws, { transform });
  try {
    return ndarray((await image.data()) as Float32Array, image.shape.slice());
  } finally {
    image.dispose();
  }
}

/** Mask value of pixel (c, p) for a mask with C or 1 channels. */
function maskAt(mask: NdArray, c: number, p: number, plane: number): number {
  const channels = mask.data.length / plane;
  return (mask.data as ArrayLike<number>)[(channels === 1 ? 0 : c) * plane + p];
}

/**
 * Compare `a` with `b` (both [1, C, H, W]) inside `ma·mb`: pooled Σ mask·(a − b)² and Σ mask (for
 * the PSNR), and a difference tile with max_c |a − b| scaled by `range`.
 */
function difference(a: NdArray, b: NdArray, ma: NdArray, mb: NdArray | null, range: number) {
  const [, c, h, w] = a.shape;
  const plane = h * w;
  const ad = a.data as ArrayLike<number>;
  const bd = b.data as ArrayLike<number>;
  let err = 0;
  let msum = 0;
  const rgba = new Uint8Array(plane * 4);
  for (let p = 0; p < plane; p++) {
    let worst = 0;
    let valid = false;
    for (let ch = 0; ch < c; ch++) {
      const m = maskAt(ma, ch, p, plane) * (mb ? maskAt(mb, ch, p, plane) : 1);
      if (m === 0) continue;
      valid = true;
      const d = ad[ch * plane + p] - bd[ch * plane + p];
      err += m * d * d;
      msum += m;
      worst = Math.max(worst, Math.abs(d));
    }
    const k = p * 4;
    if (valid) {
      const g = Math.min(255, Math.round((worst / range) * 255));
      rgba[k] = rgba[k + 1] = rgba[k + 2] = g;
    } else {
      [rgba[k], rgba[k + 1], rgba[k + 2]] = INVALID_RGB;
    }
    rgba[k + 3] = 255;
  }
  return { sums: [err, msum] as [number, number], tile: { width: w, height: h, rgba, n: 0, c: 0 } };
}

/** Largest |x| of an image (the display amplitude of a strip; 1 if the image is all zeros). */
export function amplitude(x: NdArray): number {
  let m = 0;
  const d = x.data as ArrayLike<number>;
  for (let i = 0; i < d.length; i++) m = Math.max(m, Math.abs(d[i]));
  return m > 0 && Number.isFinite(m) ? m : 1;
}

/**
 * Render a translation or rotation strip for one latent `ws` ([1, numWs, wDim]).
 *
 * translate: frame k moves the content by dx_k = k·stepPx pixels (input transform translation
 *   −dx_k/res, the convention of EQ-T); it is untransformed exactly with an integer shift by −dx_k
 *   (translateIntegerPixels) and compared with frame 0 on the valid mask.
 * rotate: frame k rotates the content by α_k (input transform rot(−α_k)); as in EQ-R, the frame is
 *   rotated back with the band-limited reference rotation rotateFractional(frame_k, −α_k) and
 *   compared with rotatePseudo(frame_0, −α_k), which carries the same octagonal band, on the
 *   product of both masks.
 * PSNR per frame = 20·log10(2) − 10·log10(Σ mask·d² / Σ mask), as the EQ metrics pool it (capped
 * at PSNR_CAP_DB for identical frames).
 */
export async function renderStrip(
  gen: StripTarget,
  ws: tf.Tensor3D,
  kind: 'translate' | 'rotate',
  opts: StripOptions,
): Promise<StripResult> {
  const { frames } = opts;
  assertInteger('frames', frames, 2);
  if (kind !== 'translate' && kind !== 'rotate') {
    throw new RangeError(`kind must be 'translate' or 'rotate', got ${JSON.stringify(kind)}`);
  }
  if (ws.rank !== 3 || ws.shape[0] !== 1) {
    throw new RangeError(`ws must have shape [1, numWs, wDim], got [${ws.shape.join(', ')}]`);
  }
  const res = gen.config.imgResolution;
  const stepPx = opts.stepPx ?? 1;
  assertInteger('stepPx', stepPx, 1);
  const stepDeg = opts.stepDeg ?? 45 / (frames - 1);
  assertPositive('stepDeg', stepDeg);
  if (kind === 'translate' && stepPx * (frames - 1) >= res) {
    throw new RangeError(
      `stepPx·(frames − 1) must stay below the resolution ${res}, got ${stepPx * (frames - 1)}`,
    );
  }
  const steps = Array.from({ length: frames }, (_, k) => (kind === 'translate' ? k * stepPx : k * stepDeg));
  const images: NdArray<Float32Array>[] = [];
  for (let k = 0; k < frames; k++) {
    const transform =
      kind === 'translate'
        ? [1, 0, -steps[k] / res, 0, 1, 0, 0, 0, 1]
        : rotationMatrix((-steps[k] * Math.PI) / 180);
    images.push(await render(gen, ws, transform));
    opts.onFrame?.(k + 1, frames);
  }
  const ref = images[0];
  const amp = amplitude(ref);
  // Differences at a quarter of the image amplitude already show white: sticking is visible
  // long before it is large.
  const diffRange = amp / 4;
  const frameTiles = images.map(
    (im) => tensorToTiles(im, { range: [-amp, amp], channels: 'rgb', maxTiles: 1 })[0],
  );
  const diffTiles: RgbaTile[] = [];
  const psnrDb: (number | null)[] = [];
  for (let k = 0; k < frames; k++) {
    let d;
    if (kind === 'translate') {
      const back = translateIntegerPixels(images[k], -steps[k], 0);
      d = difference(back.image, ref, back.mask, null, diffRange);
    } else {
      const angle = (-steps[k] * Math.PI) / 180;
      const back = rotateFractional(images[k], angle);
      const pseudo = rotatePseudo(ref, angle);
      d = difference(back.image, pseudo.image, back.mask, pseudo.mask, diffRange);
    }
    diffTiles.push(d.tile);
    psnrDb.push(k === 0 ? null : Math.min(PSNR_CAP_DB, psnrFromSums(d.sums)));
  }
  return { kind, steps, psnrDb, tile: composeGrid([...frameTiles, ...diffTiles], frames, 2), diffRange };
}
