/**
 * Modulated convolution of StyleGAN2/3 on TensorFlow.js (official `modulated_conv2d` of
 * networks_stylegan3.py). For batch item n, output channel o and input channel i:
 *
 *     ŵ = w / rms_{i,kh,kw}(w)   and   ŝ = s / rms_{n,i}(s)            (only with demodulation)
 *     w'[n,o,i,·] = ŵ[o,i,·] · ŝ[n,i]
 *     d[n,o] = 1 / √(Σ_{i,kh,kw} w'[n,o,i,·]² + 1e−8)                 (only with demodulation)
 *     y[n,o] = Σ_i (w'[n,o,i] · d[n,o] · g[n,i]) ⋆ x[n,i]             (g = input gain)
 *
 * where ⋆ is a cross-correlation with zero padding `padding` on each side. Note that rms(s) is taken
 * over the whole style tensor, across the batch, exactly as the official code does.
 *
 * tfjs conv2d has no grouped (per-sample) weights, so the modulation moves onto the activations:
 * y = d[n,o] · (ŵ ⋆ (ŝ[n,i]·g[n,i]·x[n,i])) — one conv with shared weights for the whole batch,
 * and d[n,o] = 1/√(ŝ² @ Σ_k ŵ² + 1e−8) is a small 2-D matMul.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Shared (per layer) conv weights prepared once for `modulatedConv2dNHWC`. */
export interface PreparedModConvWeight {
  /** Weights in tfjs layout [kh, kw, in, out], RMS-normalised per output channel when demodulating. */
  hwio: tf.Tensor4D;
  /** Σ_{kh,kw} ŵ[o,i]² as [in, out] (null without demodulation). */
  sq: tf.Tensor2D | null;
  demodulate: boolean;
  inChannels: number;
  outChannels: number;
  kernel: number;
}

/** Prepare official [out, in, kh, kw] weights (kept by the caller; dispose the result when done). */
export function prepareModConvWeight(weight: tf.Tensor4D, demodulate: boolean): PreparedModConvWeight {
  const [out, inC, kh, kw] = weight.shape;
  if (kh !== kw) throw new RangeError(`conv weight must be square, got ${kh}×${kw}`);
  const [hwio, sq] = tf.tidy(() => {
    let w: tf.Tensor4D = weight;
    if (demodulate) w = tf.mul(w, tf.rsqrt(tf.mean(tf.square(w), [1, 2, 3], true)));
    const hwio = tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D;
    const sq = tf.transpose(tf.sum(tf.square(w), [2, 3])) as tf.Tensor2D;
    return [hwio, sq];
  });
  if (!demodulate) sq.dispose();
  return { hwio, sq: demodulate ? sq : null, demodulate, inChannels: inC, outChannels: out, kernel: kh };
}

/**
 * Modulated conv on NHWC activations. `styles` [N, in]; `inputGain` a scalar, [in] or [N, in]
 * tensor (or null); `styleScale` = 1/rms(styles of the whole batch) when `styles` is only part of
 * it (null: computed from `styles`). Returns NHWC [N, H + 2p − k + 1, W + 2p − k + 1, out].
 */
export function modulatedConv2dNHWC(
  x: tf.Tensor4D,
  w: PreparedModConvWeight,
  styles: tf.Tensor2D,
  padding: number,
  inputGain: tf.Tensor | null,
  styleScale: tf.Scalar | null = null,
): tf.Tensor4D {
  const [n, , , c] = x.shape;
  if (c !== w.inChannels) throw new RangeError(`x must have ${w.inChannels} input channels, got ${c}`);
  if (styles.shape[0] !== n || styles.shape[1] !== c) {
    throw new RangeError(`styles must be [${n}, ${c}], got [${styles.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    let s: tf.Tensor2D = styles;
    // rms over the whole style tensor; `styleScale` supplies it when the batch is split in chunks.
    if (w.demodulate) s = tf.mul(s, styleScale ?? tf.rsqrt(tf.mean(tf.square(s))));
    let scale: tf.Tensor = s;
    if (inputGain) {
      const g = inputGain.rank === 1 ? tf.reshape(inputGain, [1, c]) : inputGain;
      scale = tf.mul(s, g);
    }
    const xm = tf.mul(x, tf.reshape(scale, [n, 1, 1, c])) as tf.Tensor4D;
    let y = tf.conv2d(
      xm,
      w.hwio,
      1,
      padding === 0
        ? 'valid'
        : [
            [0, 0],
            [padding, padding],
            [padding, padding],
            [0, 0],
          ],
    );
    if (w.demodulate && w.sq) {
      const d = tf.rsqrt(tf.add(tf.matMul(tf.square(s), w.sq), 1e-8));
      y = tf.mul(y, tf.reshape(d, [n, 1, 1, w.outChannels]));
    }
    return y;
  });
}

/**
 * The official signature on NCHW tensors: `modulated_conv2d(x, w, s, demodulate, padding,
 * input_gain)` with x [N, in, H, W], w [out, in, k, k], s [N, in]. Returns NCHW.
 */
export function modulatedConv2d(
  x: tf.Tensor4D,
  weight: tf.Tensor4D,
  styles: tf.Tensor2D,
  opts: { demodulate?: boolean; padding?: number; inputGain?: tf.Tensor | null } = {},
): tf.Tensor4D {
  const demodulate = opts.demodulate ?? true;
  const padding = opts.padding ?? 0;
  if (!Number.isInteger(padding) || padding < 0)
    throw new RangeError(`padding must be an integer >= 0, got ${padding}`);
  if (x.rank !== 4 || weight.rank !== 4) throw new RangeError('x and weight must be rank-4 (NCHW, OIHW)');
  if (weight.shape[1] !== x.shape[1]) {
    throw new RangeError(`weight in-channels ${weight.shape[1]} must equal x channels ${x.shape[1]}`);
  }
  const prep = prepareModConvWeight(weight, demodulate);
  try {
    return tf.tidy(() => {
      const y = modulatedConv2dNHWC(
        tf.transpose(x, [0, 2, 3, 1]),
        prep,
        styles,
        padding,
        opts.inputGain ?? null,
      );
      return tf.transpose(y, [0, 3, 1, 2]);
    });
  } finally {
    prep.hwio.dispose();
    prep.sq?.dispose();
  }
}
