/**
 * The official projector's treatment of StyleGAN2's per-pixel noise inputs (StyleGAN3 has none).
 * The noise maps n (one `noise_const` per layer, H×H) are optimised together with w; left alone
 * they would soak up the image's content (a noise map is a free H×H image). The penalty keeps each
 * map white at every scale: with n₀ = n and n_{j+1} = the 2×2 box average of n_j while n_j is
 * larger than 8×8,
 *
 *   R(n) = Σ_j [ mean(n_j ⊙ roll_x(n_j, 1))² + mean(n_j ⊙ roll_y(n_j, 1))² ]
 *
 * (the squared lag-1 autocorrelations along x and y, circular). The optimiser minimises
 * dist + 1e5·Σ_maps R(n), and after every step each map is renormalised to zero mean and unit
 * variance, n ← (n − mean n)/√mean((n − mean n)²), so the penalty cannot be met by shrinking it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { boxDownsample2x } from './loss.js';

/** Official weight of the noise penalty in the projector's loss. */
export const REGULARIZE_NOISE_WEIGHT = 1e5;

/** One step of a circular shift by 1 along `axis` of [H, W] (torch.roll(n, 1, axis)). */
function roll1(n: tf.Tensor2D, axis: 0 | 1): tf.Tensor2D {
  const size = n.shape[axis];
  const last = axis === 0 ? tf.slice(n, [size - 1, 0], [1, -1]) : tf.slice(n, [0, size - 1], [-1, 1]);
  const rest = axis === 0 ? tf.slice(n, [0, 0], [size - 1, -1]) : tf.slice(n, [0, 0], [-1, size - 1]);
  return tf.concat([last, rest], axis) as tf.Tensor2D;
}

/**
 * R(n) of the module comment summed over `maps` (each [H, W], square); differentiable. A scalar
 * tensor the caller disposes (0 for no maps).
 *
 * @example
 * ```ts
 * // A ±1 checkerboard: lag-1 products are all −1 (R = 1 + 1 at 16²), its 2×2 means vanish (0 at 8²).
 * const n = tf.tensor2d(checkerboard16, [16, 16]);
 * noiseRegularisation([n]).dataSync()[0]; // 2
 * ```
 */
export function noiseRegularisation(maps: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    let sum: tf.Tensor = tf.scalar(0);
    for (const [i, m] of maps.entries()) {
      if (!(m instanceof tf.Tensor) || m.rank !== 2 || m.shape[0] !== m.shape[1])
        throw new RangeError(
          `maps[${i}] must be a square tf.Tensor2D [H, H], got ${m instanceof tf.Tensor ? `[${m.shape.join(', ')}]` : String(m)}`,
        );
      let n = m as tf.Tensor2D;
      for (;;) {
        sum = tf.add(sum, tf.square(tf.mean(tf.mul(n, roll1(n, 1)))));
        sum = tf.add(sum, tf.square(tf.mean(tf.mul(n, roll1(n, 0)))));
        if (n.shape[0] <= 8 || n.shape[0] % 2 !== 0) break;
        const s = n.shape[0];
        n = tf.reshape(boxDownsample2x(tf.reshape(n, [1, 1, s, s]) as tf.Tensor4D), [s / 2, s / 2]);
      }
    }
    return sum as tf.Scalar;
  });
}

/**
 * The official renormalisation after each step: `m` ← (m − mean m)/√mean((m − mean m)²), in
 * place (the variable is assigned). A constant map (zero variance) is left at zero mean.
 *
 * @example
 * ```ts
 * const v = tf.variable(tf.tensor2d([1, 2, 3, 4], [2, 2]));
 * normaliseNoise(v); // v = [−1.342, −0.447, 0.447, 1.342]
 * ```
 */
export function normaliseNoise(m: tf.Variable): void {
  const next = tf.tidy(() => {
    const centred = tf.sub(m, tf.mean(m));
    const ms = tf.mean(tf.square(centred)).dataSync()[0];
    // 1/√0 would turn a constant map into NaN; keep it centred instead.
    return ms > 0 ? tf.mul(centred, 1 / Math.sqrt(ms)) : centred;
  });
  m.assign(next);
  next.dispose();
}
