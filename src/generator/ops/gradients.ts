/**
 * Gradient registration for `tf.grad` / `tf.grads` / `tf.variableGrads` on plain tfjs-core.
 *
 * tfjs-core's Node entry (`tf-core.node.js`) contains no gradient functions: the union package
 * `@tensorflow/tfjs` normally registers them from tfjs-core's per-kernel ES modules
 * (`dist/gradients/<Kernel>_grad.js`). This project depends on tfjs-core alone, so
 * `ensureGradients()` imports those modules itself and registers every gradient config they
 * export (the kernels the generator and the resampling ops use: Add, Sub, Multiply, RealDiv, Sum,
 * Mean, Square, Sqrt, Rsqrt, BatchMatMul, Conv2D, Conv2DBackpropInput, Reshape, Transpose, PadV2,
 * Slice, Concat, Pack, Unpack, Tile, LeakyRelu, ClipByValue, Select, Reverse, Cast, …).
 *
 * The wasm backend has no `Conv2DBackpropFilter` kernel, which tfjs-core's Conv2D and
 * Conv2DBackpropInput gradients call for the filter gradient, and its Conv2DBackpropInput is a
 * plain loop; those two gradients are therefore registered here with both backward products
 * written as forward convolutions (see `convGrads`: XNNPACK runs them, and they are
 * differentiable again, so second derivatives — R1 — work). This is the only Conv2D gradient of
 * the project; training uses it as well. LeakyRelu and ClipByValue get gradients made of float
 * ops only (same values as tfjs-core's; see `LEAKY_RELU_GRAD`, `CLIP_BY_VALUE_GRAD`).
 *
 * Those modules use extension-less relative imports, which the TypeScript loader of this
 * checkout (tsx) and bundlers resolve; plain Node ESM does not. When they cannot be loaded the
 * function throws an Error saying so (forward passes never need it).
 */
import * as tf from '@tensorflow/tfjs-core';

/** tfjs-core's gradient modules (dist/gradients/<name>.js), one per kernel. */
const GRADIENT_MODULES = [
  'Abs_grad',
  'Add_grad',
  'AddN_grad',
  'BatchMatMul_grad',
  'BroadcastTo_grad',
  'Cast_grad',
  'ClipByValue_grad',
  'Concat_grad',
  'Conv2D_grad',
  'Conv2DBackpropInput_grad',
  'DepthwiseConv2dNative_grad',
  'Exp_grad',
  'ExpandDims_grad',
  'GatherV2_grad',
  'Identity_grad',
  'LeakyRelu_grad',
  'Log_grad',
  'Log1p_grad',
  'Max_grad',
  'Maximum_grad',
  'Mean_grad',
  'Min_grad',
  'Minimum_grad',
  'MirrorPad_grad',
  'Multiply_grad',
  'Neg_grad',
  'Pack_grad',
  'PadV2_grad',
  'Pow_grad',
  'Prelu_grad',
  'RealDiv_grad',
  'Reciprocal_grad',
  'Relu_grad',
  'Reshape_grad',
  'Reverse_grad',
  'Rsqrt_grad',
  'Select_grad',
  'Sigmoid_grad',
  'Sign_grad',
  'Slice_grad',
  'Softplus_grad',
  'SplitV_grad',
  'Sqrt_grad',
  'Square_grad',
  'SquaredDifference_grad',
  'Step_grad',
  'Sub_grad',
  'Sum_grad',
  'Tanh_grad',
  'Tile_grad',
  'Transpose_grad',
  'Unpack_grad',
  'ZerosLike_grad',
] as const;

let ready: Promise<void> | null = null;

/** Kernels whose gradient is defined in this file instead of tfjs-core's module. */
const OWN_GRADIENTS = new Set(['Conv2D', 'Conv2DBackpropInput', 'LeakyRelu', 'ClipByValue']);

/**
 * Register tfjs-core's gradient functions once (idempotent; later calls return the same promise).
 * Throws an Error naming the module that could not be loaded.
 */
export function ensureGradients(): Promise<void> {
  if (!ready) {
    ready = (async () => {
      for (const name of GRADIENT_MODULES) {
        let mod: Record<string, unknown>;
        try {
          mod = (await import(`@tensorflow/tfjs-core/dist/gradients/${name}.js`)) as Record<string, unknown>;
        } catch (e) {
          ready = null;
          throw new Error(
            `cannot load tfjs-core's gradient module ${name} (${(e as Error).message}); gradients need ` +
              'the TypeScript loader (node --import tsx) or a bundler',
          );
        }
        for (const v of Object.values(mod)) {
          const cfg = v as tf.GradConfig | undefined;
          if (
            cfg &&
            typeof cfg === 'object' &&
            typeof cfg.kernelName === 'string' &&
            typeof cfg.gradFunc === 'function'
          ) {
            if (!OWN_GRADIENTS.has(cfg.kernelName)) tf.registerGradient(cfg);
          }
        }
      }
      for (const g of [CONV2D_GRAD, CONV2D_BACKPROP_INPUT_GRAD, LEAKY_RELU_GRAD, CLIP_BY_VALUE_GRAD])
        tf.registerGradient(g);
    })();
  }
  return ready;
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

interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: string;
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function checkConvAttrs(kernel: string, a: ConvAttrs): void {
  if (a.dataFormat && a.dataFormat !== 'NHWC') {
    throw new RangeError(`gradient of ${kernel}: only dataFormat NHWC is supported, got ${a.dataFormat}`);
  }
  const d = a.dilations ?? 1;
  if (!(d === 1 || (Array.isArray(d) && d[0] === 1 && d[1] === 1))) {
    throw new RangeError(`gradient of ${kernel}: dilations must be 1, got ${JSON.stringify(d)}`);
  }
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
function convGrads(x: tf.Tensor4D, filter: tf.Tensor4D, dy: tf.Tensor4D, a: ConvAttrs) {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape,
    filter.shape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
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
    const a = attrs as unknown as ConvAttrs;
    checkConvAttrs('Conv2D', a);
    return convGrads(x, filter, dy as tf.Tensor4D, a);
  },
};

/**
 * Conv2DBackpropInput (= conv2dTranspose: y = Aᵀ dy with A the conv of the same attributes, whose
 * input x has the shape of y): with ḡ the incoming gradient, d(dy) = A ḡ = conv2d(ḡ, W), and
 * dW is Conv2D's filter gradient for input ḡ and output gradient dy (`convGrads`).
 */
const CONV2D_BACKPROP_INPUT_GRAD: tf.GradConfig = {
  kernelName: 'Conv2DBackpropInput',
  inputsToSave: ['dy', 'filter'],
  gradFunc: (ddx, saved, attrs) => {
    const [dy, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const a = attrs as unknown as ConvAttrs;
    checkConvAttrs('Conv2DBackpropInput', a);
    const g = ddx as tf.Tensor4D;
    return {
      dy: () => tf.conv2d(g, filter, a.strides, a.pad as never, 'NHWC', 1, a.dimRoundingMode),
      filter: () => convGrads(g, filter, dy, a).filter(),
    };
  },
};

/**
 * LeakyRelu: ∂/∂x = dy·step(x, α) (step = 1 where x > 0, else α). tfjs-core's version,
 * where(x > 0, dy, dy·α), needs a boolean comparison and a select, which on the wasm backend cost
 * ~25× a float multiply; the products dy·1 and dy·α are the same bits. Differentiable again (the
 * step has a zero gradient), as second-order penalties need.
 */
const LEAKY_RELU_GRAD: tf.GradConfig = {
  kernelName: 'LeakyRelu',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const alpha = (attrs as unknown as { alpha: number }).alpha;
    return { x: () => tf.mul(dy as tf.Tensor, tf.step(x, alpha)) };
  },
};

/**
 * ClipByValue: ∂/∂x = dy where min ≤ x ≤ max, else 0 — as tfjs-core's (inclusive bounds), but
 * with float ops only: m_out = step(x − max) + step(min − x) is 1 exactly where x is outside
 * (x − max > 0 ⇔ x > max in IEEE arithmetic), and dy − dy·m_out is dy inside and ±0 outside
 * (NaN where dy is ±∞; Adam zeroes NaN gradients). With min = −max one test suffices:
 * step(|x| − max). Boolean comparisons and selects cost ~25× a float op on the wasm backend.
 */
const CLIP_BY_VALUE_GRAD: tf.GradConfig = {
  kernelName: 'ClipByValue',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const { clipValueMin: lo, clipValueMax: hi } = attrs as unknown as {
      clipValueMin: number;
      clipValueMax: number;
    };
    return {
      x: () => {
        const g = dy as tf.Tensor;
        const out =
          lo === -hi
            ? tf.step(tf.sub(tf.abs(x), hi))
            : tf.add(tf.step(tf.sub(x, hi)), tf.step(tf.sub(lo, x)));
        return tf.sub(g, tf.mul(g, out));
      },
    };
  },
};
