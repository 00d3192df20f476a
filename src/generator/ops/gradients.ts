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
 * Conv2DBackpropInput gradients call for the filter gradient; those two gradients are therefore
 * registered here with the filter gradient written as one matMul per kernel tap (see
 * `conv2dFilterGrad`), built from differentiable ops so that second derivatives (R1) also work.
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
            if (cfg.kernelName !== 'Conv2D' && cfg.kernelName !== 'Conv2DBackpropInput')
              tf.registerGradient(cfg);
          }
        }
      }
      tf.registerGradient(CONV2D_GRAD);
      tf.registerGradient(CONV2D_BACKPROP_INPUT_GRAD);
    })();
  }
  return ready;
}

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

/**
 * ∂L/∂W of y = conv2d(x, W) (NHWC, HWIO, no dilation) given dy = ∂L/∂y:
 *
 *     dW[a, b, i, o] = Σ_{n, p, q} x̃[n, p·s_h + a, q·s_w + b, i] · dy[n, p, q, o]
 *
 * with x̃ = x zero-padded as the forward conv pads it — one [N·P·Q, C_in]ᵀ × [N·P·Q, C_out]
 * matMul per tap (a, b), stacked to [kh, kw, C_in, C_out].
 */
export function conv2dFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: Pad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode);
    const { padInfo, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
    const [kh, kw, cin, cout] = filterShape;
    const n = x.shape[0];
    // Pad generously so every tap's strided window [a, a + s·oh) lies inside.
    const needH = kh - 1 + sh * oh;
    const needW = kw - 1 + sw * ow;
    const xp = tf.pad(x, [
      [0, 0],
      [padInfo.top, Math.max(needH - x.shape[1] - padInfo.top, 0)],
      [padInfo.left, Math.max(needW - x.shape[2] - padInfo.left, 0)],
      [0, 0],
    ]);
    const dy2 = tf.reshape(dy, [n * oh * ow, cout]);
    const taps: tf.Tensor2D[] = [];
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        let win: tf.Tensor = tf.slice(xp, [0, a, b, 0], [n, sh * oh, sw * ow, cin]);
        if (sh > 1 || sw > 1) {
          // Every s-th row/column from 0, via reshape + slice (stridedSlice has no gradient).
          win = tf.reshape(win, [n, oh, sh, ow, sw * cin]);
          win = tf.slice(win, [0, 0, 0, 0, 0], [n, oh, 1, ow, cin]);
        }
        taps.push(tf.matMul(tf.reshape(win, [n * oh * ow, cin]), dy2, true, false));
      }
    }
    return tf.reshape(tf.stack(taps), [kh, kw, cin, cout]) as tf.Tensor4D;
  });
}

interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: string;
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape?: [number, number, number, number];
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

/** Conv2D: dx by a transposed conv, dW by `conv2dFilterGrad`. */
const CONV2D_GRAD: tf.GradConfig = {
  kernelName: 'Conv2D',
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const a = attrs as unknown as ConvAttrs;
    checkConvAttrs('Conv2D', a);
    const g = dy as tf.Tensor4D;
    return {
      x: () => tf.conv2dTranspose(g, filter, x.shape, a.strides, a.pad as never, a.dimRoundingMode),
      filter: () => conv2dFilterGrad(x, g, filter.shape, a.strides, a.pad, a.dimRoundingMode),
    };
  },
};

/**
 * Conv2DBackpropInput (= conv2dTranspose: y = Aᵀ dy with A the conv of the same attributes):
 * d(dy) = conv2d(ḡ, W) and dW = conv2dFilterGrad(ḡ, dy) with ḡ the incoming gradient.
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
      filter: () => conv2dFilterGrad(g, dy, filter.shape, a.strides, a.pad, a.dimRoundingMode),
    };
  },
};
