/**
 * The distance the projector minimises: a multi-scale pixel distance that needs no downloaded
 * network. With P₀ = the image and P_{k+1} = the 2×2 box average of P_k (the official noise
 * regulariser's `avg_pool2d`), down to `minSize` pixels,
 *
 *   D(a, b) = (1/K) Σ_{k<K} mean((P_k a − P_k b)²)
 *
 * Level 0 is the plain pixel MSE. The coarser levels count the low frequencies again: a colour or
 * layout mismatch then dominates early steps, when the fine detail cannot match yet, which keeps
 * Adam from chasing texture before shape. A constant offset δ gives D = δ² at every level.
 *
 * What the official VGG16-LPIPS distance would change: `projector.py` compares the images' VGG16
 * feature maps (LPIPS calibration, images scaled to [0, 255] and area-downsampled to 256²), the
 * sum of squared differences of the unit-normalised features. That distance is insensitive to
 * small misalignments and to colour offsets and rewards matching textures and edges, so on real
 * photographs it finds latents whose images *look* alike where MSE prefers a blurry average; its
 * PSNR is usually lower than a pixel loss reaches. It needs the 528 MB VGG16 weights, it is defined
 * for RGB images of at least 32² only, and its gradients cost far more than the generator at the
 * small sizes here. For images the network itself made (the tests) a pixel loss is the right one:
 * the exact latent is a global minimum of D.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Options of `pyramidDistance`. */
export interface PyramidDistanceOptions {
  /** Smallest side of the coarsest level (default 4): levels halve while the side stays ≥ this. */
  minSize?: number;
}

/**
 * The 2×2 box average (official `avg_pool2d(kernel_size=2)`) of NCHW `x` with even H and W.
 *
 * @example
 * ```ts
 * boxDownsample2x(tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2])).dataSync(); // [2.5]
 * ```
 */
export function boxDownsample2x(x: tf.Tensor4D): tf.Tensor4D {
  const [n, c, h, w] = x.shape;
  if (h % 2 !== 0 || w % 2 !== 0)
    throw new RangeError(`boxDownsample2x needs an even height and width, got ${h}×${w}`);
  // Reshape + mean: only ops whose gradients every backend registers.
  return tf.mean(tf.reshape(x, [n, c, h / 2, 2, w / 2, 2]), [3, 5]) as tf.Tensor4D;
}

/**
 * Number of pyramid levels of a `height`×`width` image: sides halve while both stay even and the
 * halves stay ≥ `minSize`.
 *
 * @example
 * ```ts
 * pyramidLevels(32, 32); // 4: 32², 16², 8², 4²
 * ```
 */
export function pyramidLevels(height: number, width: number, minSize = 4): number {
  let levels = 1;
  let h = height;
  let w = width;
  while (h % 2 === 0 && w % 2 === 0 && h / 2 >= minSize && w / 2 >= minSize) {
    h /= 2;
    w /= 2;
    levels++;
  }
  return levels;
}

/**
 * The multi-scale distance D(a, b) of the module comment between two NCHW images of one shape
 * (differentiable; a scalar tensor the caller disposes).
 *
 * @example
 * ```ts
 * const a = tf.zeros([1, 3, 32, 32]) as tf.Tensor4D;
 * const b = tf.fill([1, 3, 32, 32], 0.1) as tf.Tensor4D;
 * pyramidDistance(a, b).dataSync()[0]; // 0.01 (= 0.1², at every level)
 * ```
 */
export function pyramidDistance(
  a: tf.Tensor4D,
  b: tf.Tensor4D,
  { minSize = 4 }: PyramidDistanceOptions = {},
): tf.Scalar {
  if (!(a instanceof tf.Tensor) || !(b instanceof tf.Tensor) || a.rank !== 4 || b.rank !== 4)
    throw new TypeError('pyramidDistance takes two tf.Tensor4D images [N, C, H, W]');
  if (a.shape.join() !== b.shape.join())
    throw new RangeError(
      `pyramidDistance: the images differ in shape: [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`,
    );
  if (!Number.isSafeInteger(minSize) || minSize < 1)
    throw new RangeError(`minSize must be a positive integer, got ${String(minSize)}`);
  const levels = pyramidLevels(a.shape[2], a.shape[3], minSize);
  return tf.tidy(() => {
    let d = tf.sub(a, b) as tf.Tensor4D; // the box filter is linear: pool the difference once
    let sum: tf.Tensor = tf.mean(tf.square(d));
    for (let k = 1; k < levels; k++) {
      d = boxDownsample2x(d);
      sum = tf.add(sum, tf.mean(tf.square(d)));
    }
    return tf.div(sum, levels) as tf.Scalar;
  });
}
