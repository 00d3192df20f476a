/**
 * A 2-D convolution whose gradients exist to any order on every tfjs backend, for training
 * (weight gradients, and the gradient of a gradient that R1 and path-length regularisation need).
 *
 * Why: tfjs's own `conv2d` gradient calls the `Conv2DBackpropFilter` kernel, which the wasm backend
 * does not have, and the gradient of `Conv2DBackpropInput` with respect to its filter needs it too.
 * Here ∂L/∂x is a forward convolution of this same function and ∂L/∂w a sum of matrix products,
 * so every order reduces to `tf.conv2d` and `tf.matMul` plus pads, slices, reverses, transposes
 * and reshapes.
 *
 * With x NHWC [N, H, W, Cᵢ], w HWIO [k, k, Cᵢ, Cₒ], symmetric zero padding p (0 ≤ p ≤ k − 1) and
 * stride s, the forward is the cross-correlation (tf.conv2d, PyTorch's conv2d)
 *
 *     y[n, i, j, o] = Σ_{a, b, c} x̄[n, s·i + a, s·j + b, c] · w[a, b, c, o],   x̄ = pad(x, p).
 *
 * For an upstream gradient g = ∂L/∂y, let ḡ be g zero-inserted back onto the stride-1 grid
 * (ḡ[s·i] = g[i], size H + 2p − k + 1). Then
 *
 *     ∂L/∂x = conv(pad(ḡ, k − 1 − p), w̃),  w̃[a, b, o, c] = w[k − 1 − a, k − 1 − b, c, o]
 *     ∂L/∂w[a, b, c, o] = Σ_{n, i, j} x̄[n, i + a, j + b, c] · ḡ[n, i, j, o]
 *
 * (per tap a matrix product, see `weightGradient`).
 *
 * On the wasm backend the stride-1 3 × 3 convs of training-sized maps run on the generator's
 * Winograd F(4×4, 3×3) kernels instead (`winogradApplies`): the forward (and so the ∂L/∂x of a
 * backward that is differentiated again), and in a first-order backward both ∂L/∂x and ∂L/∂w
 * (`winogradWeightGradient`). Same formulas, other float32 roundings (≈ 1e-5 relative).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  packWinogradConvWeight,
  winogradConvChannels,
  winogradConvSupport,
  winogradWeightGradientChannels,
} from '../generator/kernels/winograd-conv.js';

/** Options of `conv2dDiff`: stride and zero padding. */
export interface ConvOptions {
  /** Stride s ≥ 1 (same along both axes). */
  stride?: number;
  /** Zero padding p on every side (or [p_h, p_w]), 0 ≤ p ≤ k − 1. */
  pad?: number | [number, number];
}

type Pads4 = [[number, number], [number, number], [number, number], [number, number]];

function pads(ph: number, pw: number): Pads4 | 'valid' {
  return ph === 0 && pw === 0
    ? 'valid'
    : [
        [0, 0],
        [ph, ph],
        [pw, pw],
        [0, 0],
      ];
}

/**
 * Zero-insert g [N, Ho, Wo, C] with stride s onto a [N, h1, w1, C] grid (ḡ[s·i] = g[i]): the
 * upstream gradient of a strided op brought back to the stride-1 grid (also used by
 * differentiable-fir.ts).
 */
export function zeroInsert(g: tf.Tensor4D, s: number, h1: number, w1: number): tf.Tensor4D {
  if (s === 1) return g;
  const [n, ho, wo, c] = g.shape;
  let z = tf.reshape(g, [n, ho, 1, wo, 1, c]);
  z = tf.pad(z, [
    [0, 0],
    [0, 0],
    [0, s - 1],
    [0, 0],
    [0, s - 1],
    [0, 0],
  ]);
  let y = tf.reshape(z, [n, ho * s, wo * s, c]) as tf.Tensor4D;
  // The grid may be shorter (the last s − 1 zeros fall outside) or longer (outputs the stride skipped).
  if (ho * s > h1 || wo * s > w1)
    y = tf.slice(y, [0, 0, 0, 0], [n, Math.min(ho * s, h1), Math.min(wo * s, w1), c]);
  const ph = h1 - y.shape[1];
  const pw = w1 - y.shape[2];
  if (ph > 0 || pw > 0)
    y = tf.pad(y, [
      [0, 0],
      [0, ph],
      [0, pw],
      [0, 0],
    ]);
  return y;
}

/**
 * Rows of one matrix product of `weightGradient` (samples × pixels): 4096. On the wasm backend a
 * [256, P] · [P, 256] product ran at about 13 G MAC/s for P ≈ 2 900 and 8 for P ≈ 23 000 (the
 * operands stop fitting in the cache).
 */
const WEIGHT_GRADIENT_ROWS = 4096;

/**
 * ∂L/∂w[a, b, :, :] = Σ_{n, i, j} x̄[n, s·i + a, s·j + b, :]ᵀ · g[n, i, j, :] for every tap (a, b):
 * one matrix product [Cᵢ, P] · [P, Cₒ] per tap and chunk of whole samples (P = samples · h_o · w_o
 * ≤ `WEIGHT_GRADIENT_ROWS`, at least one sample), summed over the chunks. x̄ [N, H, W, Cᵢ] is the
 * padded input, g [N, h_o, w_o, Cₒ] the upstream gradient at the output's own (strided) grid.
 * With stride s > 1, x̄ (zero-padded to multiples of s) is split into its s² phases, so that each
 * tap's samples x̄[s·i + a] = x̄[s·(i + ⌊a/s⌋) + a mod s] are one slice of one phase: the products
 * cover the h_o · w_o outputs only, not the s² times larger zero-inserted grid.
 *
 * Why products and not a convolution of x̄ᵀ with ḡᵀ (channels of x as the batch, N as the channels,
 * an h_o × w_o kernel): the training layers' backward runs sample by sample where its temporaries
 * are large, and with one channel that convolution ran at 5–6 G MAC/s against the products' 13
 * (Cᵢ = Cₒ = 256, 54 × 54, wasm: 290 ms against 133 ms per sample). Both are sums of the same
 * products; only the order of the float32 additions differs.
 */
function weightGradient(xp: tf.Tensor4D, g: tf.Tensor4D, kh: number, kw: number, s: number): tf.Tensor4D {
  const [n, hp, wp, ci] = xp.shape;
  const [, ho, wo, co] = g.shape;
  const per = Math.max(1, Math.floor(WEIGHT_GRADIENT_ROWS / (ho * wo)));
  // Rows and columns of x̄ as whole groups of s (the zeros added are never read by a tap).
  const hq = Math.ceil(hp / s);
  const wq = Math.ceil(wp / s);
  let sum: tf.Tensor | null = null;
  for (let n0 = 0; n0 < n; n0 += per) {
    const m = Math.min(per, n - n0);
    const xc = m === n ? xp : tf.slice(xp, [n0, 0, 0, 0], [m, -1, -1, -1]);
    const gc = m === n ? g : tf.slice(g, [n0, 0, 0, 0], [m, -1, -1, -1]);
    let xt = tf.transpose(xc, [3, 0, 1, 2]) as tf.Tensor4D; // [Cᵢ, m, H, W]
    if (s > 1 && (hq * s !== hp || wq * s !== wp))
      xt = tf.pad(xt, [
        [0, 0],
        [0, 0],
        [0, hq * s - hp],
        [0, wq * s - wp],
      ]);
    // Stride s: the s² phases of x̄ stacked along the first axis, [s·s·Cᵢ, m, H/s, W/s] (rank-4
    // reshapes and one transpose: the wasm backend's rank-6 slices and strided slices are slow).
    const xs =
      s > 1
        ? tf.reshape(tf.transpose(tf.reshape(xt, [ci * m * hq, s, wq, s]), [1, 3, 0, 2]), [
            s * s * ci,
            m,
            hq,
            wq,
          ])
        : xt;
    const rows = m * ho * wo;
    const gm = tf.reshape(gc, [rows, co]) as tf.Tensor2D;
    const taps: tf.Tensor[] = [];
    for (let a = 0; a < kh; a++)
      for (let b = 0; b < kw; b++) {
        const phase = (a % s) * s + (b % s);
        const tap = tf.slice(xs, [phase * ci, 0, Math.floor(a / s), Math.floor(b / s)], [ci, m, ho, wo]);
        taps.push(tf.matMul(tf.reshape(tap, [ci, rows]) as tf.Tensor2D, gm));
      }
    const part = tf.stack(taps); // [kh·kw, Cᵢ, Cₒ]
    sum = sum ? tf.add(sum, part) : part;
  }
  return tf.reshape(sum!, [kh, kw, ci, co]) as tf.Tensor4D;
}

/** How the convs' products run: `'auto'` (Winograd where it pays, see `winogradApplies`) or `'direct'`. */
export type TrainingConvAlgorithm = 'auto' | 'direct';
let algorithm: TrainingConvAlgorithm = 'auto';

/**
 * Choose how `conv2dDiff` computes its products (forward, ∂L/∂x and, in a first-order backward,
 * ∂L/∂w), in this thread (data-parallel workers keep `'auto'`). The gradients are the same formulas
 * either way.
 *
 * @example
 * setTrainingConvAlgorithm('direct'); // tf.conv2d everywhere, e.g. to compare timings
 */
export function setTrainingConvAlgorithm(a: TrainingConvAlgorithm): void {
  if (a !== 'auto' && a !== 'direct')
    throw new RangeError(`the training conv algorithm must be 'auto' or 'direct', got ${JSON.stringify(a)}`);
  algorithm = a;
}

/**
 * Output pixels per sample (H_o · W_o) from which a conv runs as Winograd: 16 × 16. The
 * weights are transformed and packed on every call (in the kernel: about 5 ms for 256 → 256), which
 * the saved products repay from a few hundred output pixels per call (XNNPACK's direct conv at
 * ~15 G MAC/s against 2.25 instead of 9 products per output at ~26 G MAC/s); training calls carry
 * several samples, or one sample of a large map. The rule looks at one sample's map, not the batch, so
 * that a batch split into sub-batches or data-parallel ranks takes the same path (and the same
 * float32 roundings) as the whole batch.
 */
const WINOGRAD_MIN_PIXELS = 256;

/** Whether a gradient is being recorded now (the result of a kernel may be differentiated again). */
function recording(): boolean {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth !== 0;
}

/**
 * Whether a stride-1 3 × 3 conv with padding (ph, pw) of a map of `h` × `wd` pixels per sample runs
 * on the Winograd kernels: equal padding ≤ 2, at least 4 channels in and out, at least
 * `WINOGRAD_MIN_PIXELS` output pixels per sample, the wasm backend. Channel counts that are not
 * multiples of the kernels' 4 (in) and 8 (out) are zero-padded (e.g. the 203 and 161 channels of
 * StyleGAN3-T's last layers at C_base 8192): the extra copies cost far less than the direct conv.
 */
function winogradApplies(
  kh: number,
  kw: number,
  cin: number,
  cout: number,
  stride: number,
  ph: number,
  pw: number,
  h: number,
  wd: number,
): boolean {
  if (algorithm !== 'auto' || stride !== 1 || kh !== 3 || kw !== 3 || ph !== pw || ph > 2) return false;
  if (cin < 4 || cout < 4) return false;
  if ((h + 2 * ph - 2) * (wd + 2 * pw - 2) < WINOGRAD_MIN_PIXELS) return false;
  return winogradConvSupport().ok;
}

/**
 * Run the Winograd kernel for x [N, H, W, C_in] with 3 × 3 weights given as HWIO data of `w`
 * ([3, 3, C_in, C_out]), or with `flipped`, as the ∂L/∂x conv of such weights (w [3, 3, C_out,
 * C_in], used as w̃[a, b, i, o] = w[2 − a, 2 − b, o, i]: no tf.reverse or transpose, which cost
 * about 10 ms each per 256 → 256 call on wasm). Channels padded to the kernel's multiples, the
 * output cropped back.
 */
function winogradRun(x: tf.Tensor4D, w: tf.Tensor4D, pad: number, flipped: boolean): tf.Tensor4D {
  const cout = flipped ? w.shape[2] : w.shape[3];
  const packed = packWinogradConvWeight(w, { flipped });
  try {
    return winogradConvChannels(x, packed, cout, { pad });
  } finally {
    packed.packed.dispose();
  }
}

/**
 * The forward as the fused WebAssembly Winograd F(4×4, 3×3) kernel of the generator
 * (kernels/winograd-conv.ts) where `winogradApplies`; null elsewhere (the caller runs
 * `tf.conv2d`). The backward does not depend on how the forward was computed: the gradients are
 * this module's. Float32 error of F(4, 3): ≈ 1e-5 of the largest output at 512 channels (its
 * tests).
 */
function winogradForward(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  stride: number,
  ph: number,
  pw: number,
): tf.Tensor4D | null {
  const [kh, kw, cin, cout] = w.shape;
  if (!winogradApplies(kh, kw, cin, cout, stride, ph, pw, x.shape[1], x.shape[2])) return null;
  return winogradRun(x, w, ph, false);
}

/** > 0 inside `withoutWeightGradients`. */
let weightsFrozen = 0;

/**
 * Run `f` with every `conv2dDiff` backward returning zeros for ∂L/∂w: for a gradient taken only
 * with respect to a network's inputs (official Gmain differentiates G through a frozen D), where
 * tfjs would otherwise compute each conv's weight gradient and throw it away. Nested calls nest.
 *
 * @example
 * const dImg = withoutWeightGradients(() => tf.grad((u) => tf.sum(D.forward(u)))(img));
 */
export function withoutWeightGradients<T>(f: () => T): T {
  weightsFrozen++;
  try {
    return f();
  } finally {
    weightsFrozen--;
  }
}

/** [∂L/∂x, ∂L/∂w] of y = conv(x, w) (stride, padding) for dy = ∂L/∂y (see the module comment). */
function convGradients(
  xs: tf.Tensor4D,
  ws: tf.Tensor4D,
  dy: tf.Tensor4D,
  stride: number,
  ph: number,
  pw: number,
): [tf.Tensor4D, tf.Tensor4D] {
  const [, h, wd] = xs.shape;
  const [kh, kw, cin, cout] = ws.shape;
  const h1 = h + 2 * ph - kh + 1;
  const w1 = wd + 2 * pw - kw + 1;
  const g = zeroInsert(dy, stride, h1, w1);
  // ∂L/∂x: full correlation of ḡ with the flipped, in/out-swapped kernel, cropped by p — a
  // stride-1 conv of ḡ. In a first-order backward (nothing records it) that conv runs on the
  // Winograd kernel directly where it is big enough (also for a strided forward), without
  // materialising the flipped kernel; the kernels have no gradients of their own.
  const dxPad = kh - 1 - ph;
  const first = !recording();
  const dx =
    first && winogradApplies(kh, kw, cout, cin, 1, dxPad, kw - 1 - pw, h1, w1)
      ? winogradRun(g, ws, dxPad, true)
      : convFn(1, dxPad, kw - 1 - pw)(g, tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D);
  if (weightsFrozen > 0) return [dx, tf.zerosLike(ws)];
  // ∂L/∂w: correlate the padded input with g (at the strided grid).
  // (The weight-gradient kernel has no gradient of its own: R1's second-order path, which records,
  // keeps the matrix products.)
  if (first && winogradApplies(kh, kw, cin, cout, stride, ph, pw, h, wd))
    return [dx, winogradWeightGradientChannels(xs, g, ph)];
  const xp = ph > 0 || pw > 0 ? (tf.pad(xs, pads(ph, pw) as Pads4) as tf.Tensor4D) : xs;
  return [dx, weightGradient(xp, dy, kh, kw, stride)];
}

type ConvFn = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;
const cache = new Map<string, ConvFn>();

/** The differentiable conv for one (stride, padding): a tf.customGrad whose backward uses itself. */
function convFn(stride: number, ph: number, pw: number): ConvFn {
  const key = `${stride}/${ph}/${pw}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const fn = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x, w]);
    const value =
      winogradForward(x as tf.Tensor4D, w as tf.Tensor4D, stride, ph, pw) ??
      tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pads(ph, pw));
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        return convGradients(xs, ws, dy as tf.Tensor4D, stride, ph, pw);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as ConvFn;
  cache.set(key, fn);
  return fn;
}

/**
 * y = conv2d(x, w) (cross-correlation, NHWC × HWIO, symmetric zero padding, stride), with
 * gradients with respect to both x and w that are themselves differentiable (any order).
 * Output [N, ⌊(H + 2p − k)/s⌋ + 1, ⌊(W + 2p − k)/s⌋ + 1, Cₒ]. Kernels may be rectangular
 * [kh, kw, Cᵢ, Cₒ] with `pad` = [p_h, p_w], 0 ≤ p ≤ k − 1 along each axis.
 */
export function conv2dDiff(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  { stride = 1, pad = 0 }: ConvOptions = {},
): tf.Tensor4D {
  if (x.rank !== 4) throw new RangeError(`x must be rank 4 (NHWC), got rank ${x.rank}`);
  if (w.rank !== 4) throw new RangeError(`w must be rank 4 (HWIO), got rank ${w.rank}`);
  const [kh, kw] = w.shape;
  if (w.shape[2] !== x.shape[3])
    throw new RangeError(`w input channels ${w.shape[2]} must equal x channels ${x.shape[3]}`);
  if (!Number.isInteger(stride) || stride < 1)
    throw new RangeError(`stride must be an integer >= 1, got ${stride}`);
  const [ph, pw] = typeof pad === 'number' ? [pad, pad] : pad;
  for (const [p, k] of [
    [ph, kh],
    [pw, kw],
  ])
    if (!Number.isInteger(p) || p < 0 || p > k - 1)
      throw new RangeError(
        `pad must be an integer in [0, ${k - 1}] (kernel ${k}), got ${JSON.stringify(pad)}`,
      );
  if (x.shape[1] + 2 * ph < kh || x.shape[2] + 2 * pw < kw)
    throw new RangeError(
      `x spatial size ${x.shape[1]}×${x.shape[2]} is smaller than the kernel ${kh}×${kw} after padding ${JSON.stringify(pad)}`,
    );
  return convFn(stride, ph, pw)(x, w);
}

/**
 * The gradients [∂L/∂x, ∂L/∂w] of y = `conv2dDiff(x, w, opts)` for an upstream gradient dy =
 * ∂L/∂y (same shape as y), computed as `conv2dDiff`'s backward does — for code that knows y
 * already and differentiates around it (a checkpointed layer that kept its conv's output). The
 * results are differentiable where `conv2dDiff`'s gradients are (nothing is recorded on the
 * Winograd kernels' first-order path).
 */
export function conv2dDiffGradients(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  dy: tf.Tensor4D,
  { stride = 1, pad = 0 }: ConvOptions = {},
): [tf.Tensor4D, tf.Tensor4D] {
  const [ph, pw] = typeof pad === 'number' ? [pad, pad] : pad;
  const [kh, kw] = w.shape;
  const ho = Math.floor((x.shape[1] + 2 * ph - kh) / stride) + 1;
  const wo = Math.floor((x.shape[2] + 2 * pw - kw) / stride) + 1;
  const want = [x.shape[0], ho, wo, w.shape[3]];
  if (dy.rank !== 4 || dy.shape.some((v, i) => v !== want[i]))
    throw new RangeError(
      `dy must have the conv's output shape [${want.join(', ')}], got [${dy.shape.join(', ')}]`,
    );
  return convGradients(x, w, dy, stride, ph, pw);
}
