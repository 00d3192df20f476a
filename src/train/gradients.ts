/**
 * The gradient functions training needs, registered once: tfjs-core's per-kernel gradients that
 * `ensureGradients()` (src/generator/ops/gradients.ts) registers, plus the few kernels only the
 * training forwards use (Sin and Cos of the Fourier-feature input layer; Sigmoid and Sign reach
 * the loss through softplus), zero gradients for comparisons, and a Conv2D gradient made of
 * forward convolutions (it replaces the one `ensureGradients` registers; see `convGrads`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../generator/ops/gradients.js';

const EXTRA_MODULES = ['Sin_grad', 'Cos_grad', 'Sigmoid_grad', 'Sign_grad', 'Elu_grad'] as const;

/**
 * Comparisons and logical ops are piecewise constant: their gradient is zero. tfjs registers none,
 * yet second-order gradients reach them (the masks of leaky ReLU and clamp gradients depend on the
 * input), so they get explicit zero gradients.
 */
const PIECEWISE_CONSTANT: [string, string[]][] = [
  ['Greater', ['a', 'b']],
  ['GreaterEqual', ['a', 'b']],
  ['Less', ['a', 'b']],
  ['LessEqual', ['a', 'b']],
  ['Equal', ['a', 'b']],
  ['NotEqual', ['a', 'b']],
  ['LogicalAnd', ['a', 'b']],
  ['LogicalOr', ['a', 'b']],
  ['LogicalNot', ['x']],
];

function registerZeroGradients(): void {
  for (const [kernelName, inputs] of PIECEWISE_CONSTANT) {
    tf.registerGradient({
      kernelName,
      inputsToSave: inputs,
      gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const out: Record<string, () => tf.Tensor> = {};
        inputs.forEach((name, i) => (out[name] = () => tf.zeros(saved[i].shape, 'float32')));
        return out;
      },
    });
  }
}

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

/** Zero-insert g [N, Ho, Wo, C] with strides (sh, sw) onto an [N, h1, w1, C] grid (ḡ[s·i] = g[i]). */
function zeroInsert(g: tf.Tensor4D, sh: number, sw: number, h1: number, w1: number): tf.Tensor4D {
  const [n, ho, wo, c] = g.shape;
  let y = g;
  if (sh > 1 || sw > 1) {
    const z = tf.pad(tf.reshape(g, [n, ho, 1, wo, 1, c]), [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ]);
    y = tf.reshape(z, [n, ho * sh, wo * sw, c]) as tf.Tensor4D;
  }
  if (y.shape[1] > h1 || y.shape[2] > w1)
    y = tf.slice(y, [0, 0, 0, 0], [n, Math.min(y.shape[1], h1), Math.min(y.shape[2], w1), c]);
  if (y.shape[1] < h1 || y.shape[2] < w1)
    y = tf.pad(y, [
      [0, 0],
      [0, h1 - y.shape[1]],
      [0, w1 - y.shape[2]],
      [0, 0],
    ]);
  return y;
}

/**
 * The two backward products of y = conv2d(x, W) (NHWC × HWIO, strides s, padding as tfjs resolves
 * it to top/bottom/left/right, no dilation), written as forward convolutions so that XNNPACK runs
 * them (the wasm backend's Conv2DBackpropInput is a plain loop, ~10× slower than the forward, and
 * Conv2DBackpropFilter does not exist there). With ḡ = dy zero-inserted onto the stride-1 grid:
 *
 *     ∂L/∂x = conv(ḡ, W̃) with W̃[a, b, o, i] = W[kh − 1 − a, kw − 1 − b, i, o] and padding
 *             (kh − 1 − top, kh − 1 − bottom, kw − 1 − left, kw − 1 − right)
 *     ∂L/∂W = conv(x̄ᵀ, ḡᵀ): the padded input with its channels as the batch and N as the channels.
 *
 * Both are tf.conv2d again, so this gradient applies to itself: every order.
 */
function convGrads(x: tf.Tensor4D, filter: tf.Tensor4D, dy: tf.Tensor4D, attrs: Record<string, unknown>) {
  const df = attrs.dataFormat as string | undefined;
  const dil = (attrs.dilations ?? 1) as number | [number, number];
  if ((df && df !== 'NHWC') || !(dil === 1 || (Array.isArray(dil) && dil[0] === 1 && dil[1] === 1)))
    throw new RangeError(
      `conv2d gradient: only NHWC without dilation is supported, got ${df} and ${JSON.stringify(dil)}`,
    );
  const info = tf.backend_util.computeConv2DInfo(
    x.shape,
    filter.shape,
    attrs.strides as number | [number, number],
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  const { top, bottom, left, right } = info.padInfo;
  const [kh, kw] = filter.shape;
  const [, H, W] = x.shape;
  const h1 = H + top + bottom - kh + 1;
  const w1 = W + left + right - kw + 1;
  const g = () => zeroInsert(dy, info.strideHeight, info.strideWidth, h1, w1);
  return {
    x: () => {
      const wt = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
      const p = [kh - 1 - top, kh - 1 - bottom, kw - 1 - left, kw - 1 - right];
      // Explicit conv padding where it is non-negative (a tf.pad would cost a copy, and its
      // gradient a slow slice); crop afterwards where the forward padding exceeded k − 1.
      const q = p.map((v) => Math.max(v, 0));
      let dx = tf.conv2d(g(), wt, 1, [
        [0, 0],
        [q[0], q[1]],
        [q[2], q[3]],
        [0, 0],
      ]);
      if (p.some((v) => v < 0))
        dx = tf.slice(dx, [0, Math.max(-p[0], 0), Math.max(-p[2], 0), 0], [-1, H, W, -1]);
      return dx;
    },
    filter: () => {
      const xp = tf.pad(x, [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ]) as tf.Tensor4D;
      const xt = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [Ci, H + pads, W + pads, N]
      const gt = tf.transpose(g(), [1, 2, 0, 3]) as tf.Tensor4D; // [h1, w1, N, Co]
      return tf.transpose(tf.conv2d(xt, gt, 1, 'valid'), [1, 2, 0, 3]); // [kh, kw, Ci, Co]
    },
  };
}

/** Conv2D's gradient as forward convolutions (see `convGrads`). */
const CONV2D_GRAD: tf.GradConfig = {
  kernelName: 'Conv2D',
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    return convGrads(x, filter, dy as tf.Tensor4D, attrs as unknown as Record<string, unknown>);
  },
};

let ready: Promise<void> | null = null;

/** Register every gradient the training code uses (idempotent; later calls share the promise). */
export function ensureTrainingGradients(): Promise<void> {
  if (!ready) {
    ready = (async () => {
      await ensureGradients();
      registerZeroGradients();
      tf.registerGradient(CONV2D_GRAD);
      for (const name of EXTRA_MODULES) {
        let mod: Record<string, unknown>;
        try {
          mod = (await import(`@tensorflow/tfjs-core/dist/gradients/${name}.js`)) as Record<string, unknown>;
        } catch (e) {
          ready = null;
          throw new Error(`cannot load tfjs-core's gradient module ${name} (${(e as Error).message})`);
        }
        for (const v of Object.values(mod)) {
          const cfg = v as tf.GradConfig | undefined;
          if (
            cfg &&
            typeof cfg === 'object' &&
            typeof cfg.kernelName === 'string' &&
            typeof cfg.gradFunc === 'function'
          )
            tf.registerGradient(cfg);
        }
      }
    })();
  }
  return ready;
}
