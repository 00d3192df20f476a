/**
 * Bias + activation on TensorFlow.js (official `torch_utils.ops.bias_act`, reference path):
 *
 *     y = clamp( act(x + b) · gain, −clamp, clamp )
 *
 * `act` is `linear` (identity; default gain 1) or `lrelu` (x ≥ 0 ? x : α·x; defaults α = 0.2,
 * gain √2). The bias is broadcast along `dim` (1 for NCHW / [N, C] tensors).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Options of `biasActTf` (official `bias_act`): bias, activation, slope, gain and clamp. */
export interface BiasActOptions {
  b?: tf.Tensor1D | null;
  act?: 'linear' | 'lrelu';
  /** Negative slope of lrelu (null = 0.2). */
  alpha?: number | null;
  /** Output gain (null = the activation's default: 1 linear, √2 lrelu). */
  gain?: number | null;
  /** Clamp to ±clamp after the gain (null = none). */
  clamp?: number | null;
  /** Axis the bias runs along (default 1). */
  dim?: number;
}

/** y = clamp(act(x + b)·gain) with the official defaults; returns a new tensor. */
export function biasActTf(x: tf.Tensor, opts: BiasActOptions = {}): tf.Tensor {
  const act = opts.act ?? 'linear';
  if (act !== 'linear' && act !== 'lrelu')
    throw new RangeError(`act must be 'linear' or 'lrelu', got ${JSON.stringify(act)}`);
  const dim = opts.dim ?? 1;
  if (!Number.isInteger(dim) || dim < 0 || dim >= x.rank) {
    throw new RangeError(`dim must be an integer in [0, ${x.rank - 1}], got ${dim}`);
  }
  const alpha = opts.alpha ?? (act === 'lrelu' ? 0.2 : 0);
  const gain = opts.gain ?? (act === 'lrelu' ? Math.SQRT2 : 1);
  const clamp = opts.clamp ?? null;
  if (clamp !== null && !(clamp >= 0)) throw new RangeError(`clamp must be null or >= 0, got ${clamp}`);
  return tf.tidy(() => {
    let y = x;
    if (opts.b) {
      if (opts.b.shape[0] !== x.shape[dim]) {
        throw new RangeError(`b must have x.shape[${dim}] = ${x.shape[dim]} entries, got ${opts.b.shape[0]}`);
      }
      const shape = x.shape.map((s, i) => (i === dim ? s : 1));
      y = tf.add(y, tf.reshape(opts.b, shape));
    }
    if (act === 'lrelu') y = tf.leakyRelu(y, alpha);
    if (gain !== 1) y = tf.mul(y, gain);
    if (clamp !== null) y = tf.clipByValue(y, -clamp, clamp);
    return y === x ? tf.clone(x) : y;
  });
}
