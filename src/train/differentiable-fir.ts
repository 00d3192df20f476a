/**
 * Per-channel 2-D FIR filtering with a constant filter (the discriminator's [1,3,3,1] blur before
 * its down-sampling convs), differentiable to any order on every tfjs backend.
 *
 * With x NHWC [N, H, W, C], correlation taps f [kh, kw] (the same for every channel), zero padding
 * p on each side and stride s,
 *
 *     y[n, i, j, c] = Σ_{a, b} x̄[n, s·i + a, s·j + b, c] · f[a, b],   x̄ = pad(x, p),
 *
 * and for g = ∂L/∂y zero-inserted onto the stride-1 grid (ḡ), ∂L/∂x = the same filtering of
 * pad(ḡ, k − 1 − p) with the flipped taps f[k − 1 − a, k − 1 − b], stride 1 — again this function,
 * so every order reduces to depthwise convolutions plus pads and reshapes.
 *
 * On the wasm backend both directions run on the WebAssembly kernel of
 * `src/generator/kernels/fir-filter.ts` (the forward and its adjoint, each the other's gradient);
 * elsewhere on depthwise convolutions. Why not one-channel `tf.conv2d` on [N·C, H, W, 1] (the
 * discriminator's previous form): it needs two transposes per call and its gradient pads and
 * slices the N·C planes; on wasm those took about 2 s of a 64² Dmain, and wasm's 4×4 depthwise
 * conv runs at about 0.2 G MAC/s. (tfjs's own depthwise gradient needs the
 * `DepthwiseConv2dNativeBackpropInput` kernel, which the wasm backend lacks.)
 */
import * as tf from '@tensorflow/tfjs-core';
import { firFilterKernel, firFilterSupport } from '../generator/kernels/fir-filter.js';
import { zeroInsert } from './differentiable-conv.js';

/**
 * A constant FIR filter: its taps, and the device tensors made from them once (the taps for the
 * wasm kernel; the taps and their flip tiled per channel count for depthwise convolutions).
 */
export class FirFilter {
  /** Correlation taps [kh, kw], row-major. */
  readonly taps: Float32Array;
  readonly kh: number;
  readonly kw: number;
  private readonly tiled = new Map<string, tf.Tensor4D>();
  private tapsTensor: tf.Tensor1D | null = null;
  private disposed = false;

  /** `taps`: kh·kw correlation taps, row-major. */
  constructor(taps: ArrayLike<number>, kh: number, kw: number) {
    if (!Number.isInteger(kh) || !Number.isInteger(kw) || kh < 1 || kw < 1)
      throw new RangeError(`the filter size must be positive integers, got ${kh}×${kw}`);
    if (taps.length !== kh * kw)
      throw new RangeError(`a ${kh}×${kw} filter needs ${kh * kw} taps, got ${taps.length}`);
    this.taps = Float32Array.from(taps);
    this.kh = kh;
    this.kw = kw;
  }

  /** The depthwise kernel [kh, kw, C, 1] of the taps (or their flip) for C channels. */
  kernel(channels: number, flipped: boolean): tf.Tensor4D {
    if (this.disposed) throw new Error('this FIR filter was disposed');
    const key = `${channels}/${flipped}`;
    let k = this.tiled.get(key);
    if (!k) {
      const n = this.kh * this.kw;
      const data = new Float32Array(n * channels);
      for (let t = 0; t < n; t++)
        data.fill(this.taps[flipped ? n - 1 - t : t], t * channels, (t + 1) * channels);
      k = tf.keep(tf.tensor4d(data, [this.kh, this.kw, channels, 1]));
      this.tiled.set(key, k);
    }
    return k;
  }

  /** The taps as a tensor (for the wasm kernel), made once. */
  tapsOnDevice(): tf.Tensor1D {
    if (this.disposed) throw new Error('this FIR filter was disposed');
    return (this.tapsTensor ??= tf.keep(tf.tensor1d(this.taps, 'float32')));
  }

  dispose(): void {
    this.disposed = true;
    for (const k of this.tiled.values()) k.dispose();
    this.tiled.clear();
    this.tapsTensor?.dispose();
    this.tapsTensor = null;
  }
}

type FirFn = (x: tf.Tensor4D) => tf.Tensor4D;
const fns = new WeakMap<FirFilter, Map<string, FirFn>>();

function firFn(f: FirFilter, flipped: boolean, pad: number, stride: number): FirFn {
  let byKey = fns.get(f);
  if (!byKey) fns.set(f, (byKey = new Map()));
  const key = `${flipped}/${pad}/${stride}`;
  const hit = byKey.get(key);
  if (hit) return hit;
  const fn = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    void save; // the backward needs only shapes
    const [, h, w, c] = x.shape as [number, number, number, number];
    const value = tf.depthwiseConv2d(x as tf.Tensor4D, f.kernel(c, flipped), stride, [
      [0, 0],
      [pad, pad],
      [pad, pad],
      [0, 0],
    ]);
    return {
      value,
      gradFunc: (dy: tf.Tensor) => {
        const h1 = h + 2 * pad - f.kh + 1;
        const w1 = w + 2 * pad - f.kw + 1;
        const g = zeroInsert(dy as tf.Tensor4D, stride, h1, w1);
        return firFn(f, !flipped, f.kh - 1 - pad, 1)(g);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as FirFn;
  byKey.set(key, fn);
  return fn;
}

/**
 * The wasm kernel as a differentiable op: the forward (`adjoint` false; output from the sizes) or
 * its adjoint (output `outH` × `outW`), whose gradients are each other.
 */
function kernelOp(
  f: FirFilter,
  pad: number,
  stride: number,
  adjoint: boolean,
  outH: number,
  outW: number,
): FirFn {
  return tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    void save; // the backward needs only shapes
    const [, h, w] = x.shape as [number, number, number, number];
    const value = firFilterKernel(x as tf.Tensor4D, f.tapsOnDevice(), {
      kh: f.kh,
      kw: f.kw,
      pad,
      stride,
      adjoint,
      outH,
      outW,
    });
    return {
      value,
      gradFunc: (dy: tf.Tensor) => kernelOp(f, pad, stride, !adjoint, h, w)(dy as tf.Tensor4D),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as FirFn;
}

/**
 * y = the per-channel correlation of NHWC x with the filter's taps, zero padding `pad` on each
 * side and stride `stride` (see the module comment): [N, ⌊(H + 2p − k)/s⌋ + 1, ⌊(W + 2p − k)/s⌋ + 1,
 * C]. Differentiable with respect to x to any order. The filter must be square, 0 ≤ pad ≤ k − 1.
 *
 * @example
 * const blur = new FirFilter([1, 3, 3, 1].flatMap((a) => [1, 3, 3, 1].map((b) => (a * b) / 64)), 4, 4);
 * const down = firFilter2d(x, blur, 1, 2); // the skip path's blur and ↓2
 */
export function firFilter2d(x: tf.Tensor4D, filter: FirFilter, pad: number, stride: number): tf.Tensor4D {
  if (x.rank !== 4) throw new RangeError(`x must be rank 4 (NHWC), got rank ${x.rank}`);
  if (filter.kh !== filter.kw)
    throw new RangeError(`the filter must be square, got ${filter.kh}×${filter.kw}`);
  if (!Number.isInteger(pad) || pad < 0 || pad > filter.kh - 1)
    throw new RangeError(`pad must be an integer in [0, ${filter.kh - 1}], got ${pad}`);
  if (!Number.isInteger(stride) || stride < 1)
    throw new RangeError(`stride must be an integer >= 1, got ${stride}`);
  if (x.shape[1] + 2 * pad < filter.kh || x.shape[2] + 2 * pad < filter.kw)
    throw new RangeError(
      `x spatial size ${x.shape[1]}×${x.shape[2]} is smaller than the filter ${filter.kh}×${filter.kw} after padding ${pad}`,
    );
  if (firFilterSupport().ok) return kernelOp(filter, pad, stride, false, 0, 0)(x);
  return firFn(filter, false, pad, stride)(x);
}
