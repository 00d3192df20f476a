/**
 * The motions of a comparison video, frame by frame. Every network gets the same motion: its input
 * Fourier features are transformed (translate, rotate), or its latent moves in W (interpolate).
 *
 * Geometry follows the official visualiser (spec §4.7): an image transform
 * M = [[cos α, sin α, x], [−sin α, cos α, y], [0, 0, 1]] with x, y in image widths moves the content;
 * the generator's input receives M⁻¹ (the `transform` buffer), and the "untransform" view resamples
 * the output by M⁻¹ again so that an equivariant network shows a still picture.
 */
import { assertFinite, assertInteger } from '../../signal/validate.js';

/** The motions a comparison shows: input translation, input rotation, or latent interpolation in W. */
export type MotionKind = 'translate' | 'rotate' | 'interpolate';

/** The motion kinds, in the order the CLI lists them. */
export const MOTION_KINDS: readonly MotionKind[] = ['translate', 'rotate', 'interpolate'];

/** One frame of a motion. */
export interface MotionStep {
  /** Frame index k = 0 … frames − 1. */
  index: number;
  /** Content translation (image widths; x right, y down); 0 for rotate/interpolate. */
  tx: number;
  ty: number;
  /** Content rotation in radians (0 unless rotate). */
  angle: number;
  /** Image transform M (row-major 3×3) that moves the content of frame 0 to frame k. */
  imageTransform: number[];
  /** M⁻¹: what the generator's input `transform` receives. */
  inputTransform: number[];
  /** Interpolation weight in W (0 → first latent, 1 → second); 0 unless interpolate. */
  weight: number;
}

/** Shape of the motion: radius of the translation circle and turns of the rotation. */
export interface MotionShape {
  /** Radius of the translation path in image widths (default 1/16: at most 1/8 of the width away). */
  radius?: number;
  /** Rotation over the whole animation in turns (default 1, one full turn). */
  turns?: number;
}

/**
 * Frame k of `frames` for `kind`.
 *
 * - translate: the content runs once round a circle through the origin,
 *   t_k = r·(1 − cos φ_k, sin φ_k), φ_k = 2πk/frames, so frame 0 is the untransformed render and the
 *   animation loops without a jump;
 * - rotate: α_k = 2π·turns·k/frames about the image centre (a loop for whole turns);
 * - interpolate: w_k = (1 − λ_k)·w_a + λ_k·w_b with λ_k = k/(frames − 1), from the first latent
 *   exactly to the second (linear in W, as the official visualiser's latent widget blends).
 */
export function motionStep(kind: MotionKind, k: number, frames: number, shape: MotionShape = {}): MotionStep {
  if (!MOTION_KINDS.includes(kind)) {
    throw new RangeError(`kind must be one of ${MOTION_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  }
  assertInteger('frames', frames, 2);
  assertInteger('k', k, 0);
  if (k >= frames) throw new RangeError(`k must be below frames (${frames}), got ${k}`);
  const radius = shape.radius ?? 1 / 16;
  const turns = shape.turns ?? 1;
  assertFinite('radius', radius);
  assertFinite('turns', turns);
  let tx = 0;
  let ty = 0;
  let angle = 0;
  let weight = 0;
  if (kind === 'translate') {
    const phi = (2 * Math.PI * k) / frames;
    tx = radius * (1 - Math.cos(phi));
    ty = radius * Math.sin(phi);
  } else if (kind === 'rotate') {
    angle = (2 * Math.PI * turns * k) / frames;
  } else {
    weight = k / (frames - 1);
  }
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const imageTransform = [c, s, tx, -s, c, ty, 0, 0, 1];
  // Inverse of [R t; 0 1] is [Rᵀ −Rᵀt; 0 1].
  const inputTransform = [c, -s, -(c * tx - s * ty), s, c, -(s * tx + c * ty), 0, 0, 1];
  return { index: k, tx, ty, angle, imageTransform, inputTransform, weight };
}

/** All frames of a motion (see `motionStep`). */
export function motionSchedule(kind: MotionKind, frames: number, shape: MotionShape = {}): MotionStep[] {
  assertInteger('frames', frames, 2);
  return Array.from({ length: frames }, (_, k) => motionStep(kind, k, frames, shape));
}
