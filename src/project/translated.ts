/**
 * Does a projection move with its image? For a network whose input is a set of Fourier features
 * (StyleGAN3, StyleGAN2 B/C) a translation of the output is a change of the input transform, so
 * an equivariant network can render its projection anywhere. With t = (dx/W, dy/H):
 *
 *   A = project(target)                         the latent of the image where it is
 *   B = project(shift_t(target))                the latent of the image moved by (dx, dy) pixels
 *   R = synthesis(A.ws, transform: translate −t) A rendered moved (the official EQ-T transform)
 *
 * shift_t is the official fractional translation of the equivariance metrics (Lanczos-3,
 * `translateFractional`); pixels whose taps read outside the image are masked out of every PSNR.
 * Two questions, each with its PSNRs (masked):
 * - Does A, moved by the input transform, fit the moved image? PSNR(R, shift_t(target)) is then
 *   about A's own PSNR and above PSNR(A, shift_t(target)), the unmoved projection's fit.
 * - Does the optimiser find that moved latent by itself? Then B's image equals R: PSNR(B, R) is
 *   high and above PSNR(B, A). (It can fail where moving the image means moving the input
 *   transform through w's affine layer, a path of sines that gradient descent from w_avg may not
 *   follow — an optimisation limit, not an equivariance one.)
 * PSNR(target, shift_t(target)) says how much the shift changes the image at all.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AnyGenerator } from '../generator/weights.js';
import { translateFractional } from '../signal/translate.js';
import { psnr } from '../signal/psnr.js';
import { fromData } from '../signal/array.js';
import { projectionNetwork } from './network.js';
import { project, type ProjectOptions, type ProjectionResult } from './projector.js';
import { checkTarget } from './target.js';

/** Options of `projectTranslated`: the shift in pixels plus `project`'s options. */
export interface TranslatedProjectionOptions extends ProjectOptions {
  /** Shift to the right, in pixels (fractions allowed). */
  dx: number;
  /** Shift down, in pixels (fractions allowed). */
  dy: number;
}

/** The result of `projectTranslated` (tensors belong to the caller: `disposeTranslated`). */
export interface TranslatedProjectionResult {
  dx: number;
  dy: number;
  /** A: projection of the target. */
  original: ProjectionResult;
  /** B: projection of the shifted target. */
  shifted: ProjectionResult;
  /** The shifted target [1, C, H, W]. */
  shiftedTarget: tf.Tensor4D;
  /** The valid pixels of the shifted target [1, 1, H, W] (1 inside, 0 where taps left the image). */
  mask: tf.Tensor4D;
  /** R: A rendered with its input translated by (dx, dy). */
  rendered: tf.Tensor4D;
  /** PSNR(B, R) in dB over the mask: high when the projection follows the shift. */
  psnrFollows: number;
  /** PSNR(B, A) in dB over the mask: the unmoved projection, for comparison. */
  psnrUnmoved: number;
  /** PSNR(R, shifted target) in dB over the mask: how well the projection, moved, fits the moved image. */
  psnrRenderedVsTarget: number;
  /** PSNR(A, shifted target) in dB over the mask: the unmoved projection against the moved image. */
  psnrUnmovedVsTarget: number;
  /** PSNR(target, shifted target) in dB over the mask: how much the shift changes the image. */
  psnrShift: number;
}

function nd(t: tf.Tensor): ReturnType<typeof fromData<Float32Array>> {
  return fromData(Float32Array.from(t.dataSync() as Float32Array), t.shape);
}

/**
 * The translated-projection check of the module comment.
 *
 * @example
 * ```ts
 * const r = await projectTranslated(G, target, { dx: 2.5, dy: -1.25, steps: 300 });
 * console.log(`follows: ${r.psnrFollows.toFixed(1)} dB, unmoved: ${r.psnrUnmoved.toFixed(1)} dB`);
 * disposeTranslated(r);
 * ```
 */
export async function projectTranslated(
  G: AnyGenerator,
  target: tf.Tensor,
  opts: TranslatedProjectionOptions,
): Promise<TranslatedProjectionResult> {
  if (opts === null || typeof opts !== 'object') throw new TypeError('opts must be an object with dx and dy');
  const { dx, dy, ...projectOpts } = opts;
  for (const [name, v] of [
    ['dx', dx],
    ['dy', dy],
  ] as const)
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new RangeError(`${name} must be a finite number of pixels, got ${String(v)}`);
  const net = projectionNetwork(G, { noise: projectOpts.noise, differentiable: false });
  try {
    if (!net.transformable)
      throw new RangeError(
        'this network starts from a learned constant (StyleGAN2 config A), so its input cannot be translated; ' +
          'translated projection needs Fourier-feature input (StyleGAN3, StyleGAN2 B or C)',
      );
    const tgt = checkTarget(target, { channels: net.channels, resolution: net.resolution });
    const res = net.resolution;
    const tx = dx / res;
    const ty = dy / res;
    const { image: shiftedNd, mask: maskNd } = translateFractional(nd(tgt), tx, ty);
    tgt.dispose();
    const shape = [1, net.channels, res, res] as [number, number, number, number];
    const shiftedTarget = tf.tensor4d(Float32Array.from(shiftedNd.data), shape);
    // One channel of the mask (the shift is the same for every channel).
    const mask1 = Float32Array.from(maskNd.data).subarray(0, res * res);
    const mask = tf.tensor4d(mask1, [1, 1, res, res]);
    const original = await project(G, target, projectOpts);
    const shifted = await project(G, shiftedTarget, projectOpts);
    const noise = new Map<string, tf.Tensor>();
    for (const [k, v] of original.noise) {
      const side = Math.round(Math.sqrt(v.length));
      noise.set(k, tf.tensor2d(v, [side, side]));
    }
    const rendered = net.render(original.ws, noise, [1, 0, -tx, 0, 1, -ty, 0, 0, 1]);
    tf.dispose([...noise.values()]);
    const m = fromData(mask1, [1, 1, res, res]);
    const p = (a: tf.Tensor, b: tf.Tensor) => psnr(nd(a), nd(b), { mask: m });
    return {
      dx,
      dy,
      original,
      shifted,
      shiftedTarget,
      mask,
      rendered,
      psnrFollows: p(shifted.image, rendered),
      psnrUnmoved: p(shifted.image, original.image),
      psnrRenderedVsTarget: p(rendered, shiftedTarget),
      psnrUnmovedVsTarget: p(original.image, shiftedTarget),
      psnrShift: p(target, shiftedTarget),
    };
  } finally {
    net.dispose();
  }
}

/**
 * Free every tensor of a `projectTranslated` result.
 *
 * @example
 * ```ts
 * disposeTranslated(await projectTranslated(G, target, { dx: 1.5, dy: 0 }));
 * ```
 */
export function disposeTranslated(r: TranslatedProjectionResult): void {
  tf.dispose([
    r.original.ws,
    r.original.image,
    r.shifted.ws,
    r.shifted.image,
    r.shiftedTarget,
    r.mask,
    r.rendered,
  ]);
}
