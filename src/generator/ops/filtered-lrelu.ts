/**
 * The filtered leaky ReLU of StyleGAN3 on TensorFlow.js (official `torch_utils.ops.filtered_lrelu`,
 * reference path `_filtered_lrelu_ref`):
 *
 *     y = downsample_d( fd ∗ clamp( gain·lrelu_slope( fu ∗ pad( zero_insert_u(x + b) ) ) ) )
 *
 * where `fu` runs at the temporary rate s' with gain u² (u per axis for separable filters), the
 * padding [x0, x1, y0, y1] is applied on the zero-inserted grid (negative = crop) and `fd` is
 * applied without padding, keeping every d-th sample (the first one included). Filters are true
 * convolutions unless `flipFilter` (then correlations), as in upfirdn2d.
 *
 * Implementation (why it is fast on the wasm backend, where depthwise convs run below 1 GFLOP/s
 * and every copy-like op costs a full memory pass): the channel maps go to the batch axis and each
 * separable 1-D pass (up x, up y, down y, down x) is one *blocked* dense conv2d over the filtered axis
 * (see banded.ts: the polyphase structure of upfirdn makes it block-Toeplitz), so XNNPACK's GEMM does
 * the work and nothing is evaluated on zero-inserted samples. The leaky ReLU is fused into the up-y
 * conv and its gain folded into the up-y taps (lrelu is positively homogeneous). Layouts only swap
 * their last two axes; block sizes are chosen so that no crop of an inner axis is ever needed.
 * Radial (config R) down filters are one 2-D blocked conv, fed directly in block layout by the up-y
 * pass. Big layers run in chunks of channel maps (`memoryLimits`). A 2-D *up* filter (generic use
 * only) takes the reference-structured path: zero insertion and depthwise convs.
 * Tensors are NHWC at the interface (the layout tfjs convolutions use).
 */
import * as tf from '@tensorflow/tfjs-core';
import { memoryLimits } from '../limits.js';
import {
  fusedFilteredLrelu,
  fusedFilteredLreluSupport,
  type FusedFilteredLreluSpec,
} from '../kernels/filtered-lrelu.js';
import {
  fusedFilteredLreluBackward,
  fusedFilteredLreluWithGradient,
} from '../kernels/filtered-lrelu-backward.js';
import {
  applyBandedPass,
  applyBandedPass2D,
  chooseBlock,
  compileBandedPass,
  compileBandedPass2D,
  type BandedPass,
  type BandedPass2D,
} from './banded.js';

/**
 * How `FilteredLreluPlan.apply` runs: 'fused' = the streaming WebAssembly SIMD kernel
 * (`kernels/filtered-lrelu.c`; wasm backend only), 'ops' = the blocked tfjs-op path below (every
 * backend), 'auto' (default) = fused wherever it is supported, else ops.
 */
export type FilteredLreluAlgorithm = 'auto' | 'fused' | 'ops';

let flAlgorithm: FilteredLreluAlgorithm = 'auto';

/** Choose the filtered-nonlinearity implementation module-wide (tests, benchmarks). */
export function setFilteredLreluAlgorithm(alg: FilteredLreluAlgorithm): void {
  if (alg !== 'auto' && alg !== 'fused' && alg !== 'ops')
    throw new RangeError(`algorithm must be 'auto', 'fused' or 'ops', got ${String(alg)}`);
  flAlgorithm = alg;
}

/** The current choice of `setFilteredLreluAlgorithm`. */
export function filteredLreluAlgorithm(): FilteredLreluAlgorithm {
  return flAlgorithm;
}

/**
 * How `FilteredLreluPlan.applyDifferentiable` (training) runs and differentiates: 'fused' = the
 * fused forward kernel with the fused backward kernel (`kernels/filtered-lrelu-backward.c`; wasm
 * backend only; first order), 'ops' = the tfjs-op path, which autograd differentiates (every
 * backend, every order), 'auto' (default) = fused where it is supported, no second derivative
 * can be asked for (the op is not recorded inside a gradient that is itself being recorded) and
 * the forward is not forced onto ops (`setFilteredLreluAlgorithm('ops')`), else ops.
 */
export type FilteredLreluGradient = 'auto' | 'fused' | 'ops';

let flGradient: FilteredLreluGradient = 'auto';

/** Choose how training differentiates the filtered nonlinearity, module-wide (tests, benchmarks). */
export function setFilteredLreluGradient(alg: FilteredLreluGradient): void {
  if (alg !== 'auto' && alg !== 'fused' && alg !== 'ops')
    throw new RangeError(`gradient algorithm must be 'auto', 'fused' or 'ops', got ${String(alg)}`);
  flGradient = alg;
}

/** The current choice of `setFilteredLreluGradient`. */
export function filteredLreluGradient(): FilteredLreluGradient {
  return flGradient;
}

/**
 * How many gradient tapes record the ops run now (tfjs engine state): 1 under one `tf.grad`, 2 or
 * more when the gradient itself is being differentiated (R1, path length).
 */
function gradientDepth(): number {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth;
}

/** A filter as the official buffers hold it: 1-D taps (separable) or a 2-D `[fh, fw]` array. */
export type FilterTaps =
  Float32Array | Float64Array | number[] | { data: ArrayLike<number>; shape: [number, number] };

/** Parameters of one filtered nonlinearity (official `filtered_lrelu` arguments). */
export interface FilteredLreluParams {
  /** Up filter (null = none, i.e. a single unit tap). */
  fu: FilterTaps | null;
  /** Down filter (null = none). */
  fd: FilterTaps | null;
  /** Integer upsampling factor u ≥ 1. */
  up: number;
  /** Integer downsampling factor d ≥ 1. */
  down: number;
  /** Padding [x0, x1, y0, y1] on the upsampled grid (negative crops); a number or [x, y] also work. */
  padding: number | [number, number] | [number, number, number, number];
  /** Gain after the leaky ReLU (√2 in hidden layers, 1 in ToRGB). */
  gain: number;
  /** Negative slope of the leaky ReLU (0.2; 1 = identity). */
  slope: number;
  /** Clamp to ±clamp after the gain (null = no clamp). */
  clamp: number | null;
  /** Correlation instead of convolution (official flip_filter). */
  flipFilter?: boolean;
}

interface Filter1D {
  kind: '1d';
  taps: Float64Array;
}
interface Filter2D {
  kind: '2d';
  taps: Float64Array;
  h: number;
  w: number;
}

function toFilter(name: string, f: FilterTaps | null): Filter1D | Filter2D {
  if (f === null) return { kind: '1d', taps: Float64Array.of(1) };
  if (f instanceof Float32Array || f instanceof Float64Array || Array.isArray(f)) {
    if (f.length < 1) throw new RangeError(`${name} must have at least one tap, got length ${f.length}`);
    const taps = Float64Array.from(f as ArrayLike<number>);
    for (const v of taps) if (!Number.isFinite(v)) throw new TypeError(`${name} must be finite, got ${v}`);
    return { kind: '1d', taps };
  }
  const [h, w] = f.shape;
  if (!(h >= 1 && w >= 1 && f.data.length === h * w)) {
    throw new RangeError(
      `${name} 2-D filter shape ${JSON.stringify(f.shape)} does not match ${f.data.length} values`,
    );
  }
  const taps = Float64Array.from(f.data);
  for (const v of taps) if (!Number.isFinite(v)) throw new TypeError(`${name} must be finite, got ${v}`);
  return { kind: '2d', taps, h, w };
}

/**
 * Input block length of a blocked up pass (P samples in, P·u out): 3–6, the one with the fewest
 * extra outputs past `outLen` (less work downstream); measured on wasm, small blocks are as fast as
 * large ones (memory-bound) and waste fewer multiplications.
 */
function upBlock(outLen: number, u: number): number {
  let best = 4;
  let bestExtra = Infinity;
  for (const P of [4, 3, 5, 6]) {
    const Q = P * u;
    const extra = Math.ceil(outLen / Q) * Q - outLen;
    if (extra < bestExtra) {
      best = P;
      bestExtra = extra;
    }
  }
  return best;
}

interface CompiledPasses {
  upX: BandedPass | null;
  upY: BandedPass | null;
  downX: BandedPass | null;
  downY: BandedPass | null;
  down2d: BandedPass2D | null;
  /**
   * Radial fast path: the up-y pass writes straight into the 2-D pass's block layout (no
   * space-to-depth transpose). `upYr` replaces `upY`; na × nb blocks of P2 × P2 samples.
   */
  radial: { upYr: BandedPass; na: number; nb: number; P2: number } | null;
  th: number;
  tw: number;
  oh: number;
  ow: number;
}

/** Normalise the official padding forms to [x0, x1, y0, y1]. */
export function parsePadding(p: FilteredLreluParams['padding']): [number, number, number, number] {
  let out: number[];
  if (typeof p === 'number') out = [p, p, p, p];
  else if (Array.isArray(p) && p.length === 2) out = [p[0], p[0], p[1], p[1]];
  else if (Array.isArray(p) && p.length === 4) out = [...p];
  else throw new RangeError(`padding must be a number, [x, y] or [x0, x1, y0, y1], got ${JSON.stringify(p)}`);
  for (const v of out) {
    if (!Number.isInteger(v))
      throw new TypeError(`padding entries must be integers, got ${JSON.stringify(p)}`);
  }
  return out as [number, number, number, number];
}

/**
 * Polyphase split of a 1-D upsampling filter along one axis.
 * With correlation taps g (length L), zero insertion by u and padding p0, output sample j = u·m + r
 * reads taps t ≡ (p0 − r) mod u: y_r[m] = Σ_k g[t_r + u·k] · x[m + k + c_r], c_r = (r + t_r − p0)/u.
 * All phases are aligned to the common input offset cMin so one depthwise conv with channel
 * multiplier u evaluates them: kernel h[r][j] = g[t_r + u·(j − (c_r − cMin))].
 */
function polyphase(
  g: Float64Array,
  u: number,
  p0: number,
): { kernels: Float64Array[]; offset: number; K: number } {
  const L = g.length;
  const tr: number[] = [];
  const cr: number[] = [];
  const Kr: number[] = [];
  for (let r = 0; r < u; r++) {
    const t0 = (((p0 - r) % u) + u) % u;
    tr.push(t0);
    cr.push((r + t0 - p0) / u);
    Kr.push(t0 < L ? Math.ceil((L - t0) / u) : 0);
  }
  const cMin = Math.min(...cr);
  let K = 1;
  for (let r = 0; r < u; r++) K = Math.max(K, cr[r] - cMin + Kr[r]);
  const kernels: Float64Array[] = [];
  for (let r = 0; r < u; r++) {
    const h = new Float64Array(K);
    const shift = cr[r] - cMin;
    for (let k = 0; k < Kr[r]; k++) h[shift + k] = g[tr[r] + u * k];
    kernels.push(h);
  }
  return { kernels, offset: cMin, K };
}

/** Correlation taps of a filter: upfirdn2d flips the filter unless flipFilter is set. */
function correlationTaps(f: Filter1D | Filter2D, flip: boolean): Float64Array {
  if (flip) return f.taps;
  return Float64Array.from(f.taps).reverse(); // reversing the flat [h,w] array flips both axes
}

/** Pad (positive) or crop (negative) one spatial axis of an NHWC tensor. */
function padCrop(x: tf.Tensor4D, axis: 1 | 2, lo: number, hi: number): tf.Tensor4D {
  let y = x;
  if (lo > 0 || hi > 0) {
    const pads: [number, number][] = [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ];
    pads[axis] = [Math.max(lo, 0), Math.max(hi, 0)];
    y = tf.pad(y, pads);
  }
  if (lo < 0 || hi < 0) {
    const begin = [0, 0, 0, 0];
    const size = [-1, -1, -1, -1];
    begin[axis] = Math.max(-lo, 0);
    size[axis] = y.shape[axis] - Math.max(-lo, 0) - Math.max(-hi, 0);
    if (size[axis] <= 0)
      throw new RangeError(`padding crops the whole axis (${lo}, ${hi}) of size ${y.shape[axis]}`);
    y = tf.slice(y, begin, size);
  }
  return y;
}

/**
 * A compiled filtered nonlinearity for a fixed channel count: the depthwise kernels are built once
 * (tf tensors owned by the plan) and reused by every forward. Call `dispose()` when done.
 */
export class FilteredLreluPlan {
  readonly channels: number;
  readonly params: FilteredLreluParams;
  private readonly pad: [number, number, number, number];
  private readonly upSep: boolean;
  private upX?: { kernel: tf.Tensor4D; offset: number; K: number };
  private upY?: { kernel: tf.Tensor4D; offset: number; K: number };
  private up2d?: { kernel: tf.Tensor4D; fh: number; fw: number };
  private downX?: tf.Tensor4D;
  private downY?: tf.Tensor4D;
  private down2d?: tf.Tensor4D;
  private readonly downLen: [number, number];
  /** Gain folded into the up filter (lrelu(g·v) = g·lrelu(v) for g > 0). */
  private readonly gainFolded: boolean;
  private readonly upLen: [number, number];
  /** Correlation taps (scaled as applied) for the blocked-conv path; null = depthwise fallback. */
  private readonly corrUp: Float64Array | null = null;
  private readonly corrDown: Float64Array | null = null;
  private readonly corrDown2d: { taps: Float64Array; h: number; w: number } | null = null;
  private readonly compiled = new Map<string, CompiledPasses>();
  private readonly fusedSpecs = new Map<string, FusedFilteredLreluSpec>();

  constructor(channels: number, params: FilteredLreluParams) {
    if (!Number.isInteger(channels) || channels < 1) {
      throw new RangeError(`channels must be a positive integer, got ${channels}`);
    }
    for (const k of ['up', 'down'] as const) {
      if (!Number.isInteger(params[k]) || params[k] < 1) {
        throw new RangeError(`${k} must be an integer >= 1, got ${params[k]}`);
      }
    }
    if (!Number.isFinite(params.gain))
      throw new TypeError(`gain must be a finite number, got ${params.gain}`);
    if (!Number.isFinite(params.slope))
      throw new TypeError(`slope must be a finite number, got ${params.slope}`);
    if (params.clamp !== null && !(params.clamp >= 0)) {
      throw new RangeError(`clamp must be null or >= 0, got ${params.clamp}`);
    }
    this.channels = channels;
    this.params = params;
    this.pad = parsePadding(params.padding);
    const flip = params.flipFilter ?? false;
    const u = params.up;
    const fu = toFilter('fu', params.fu);
    const fd = toFilter('fd', params.fd);
    this.gainFolded = params.gain > 0;
    const fold = this.gainFolded ? params.gain : 1;
    const C = channels;
    this.upSep = fu.kind === '1d';
    if (fu.kind === '1d') {
      // Separable: gain u² splits as u per axis (official: f · gain^(ndim/2)).
      const g = correlationTaps(fu, flip).map((v) => Math.fround(Math.fround(v) * u));
      this.upLen = [g.length, g.length];
      const px = polyphase(g, u, this.pad[0]);
      const py = polyphase(g, u, this.pad[2]);
      // x pass kernel [1, K, C, u]; y pass kernel [K, 1, C·u, u] (phase channels keep their order).
      const kx = new Float32Array(px.K * C * u);
      for (let j = 0; j < px.K; j++)
        for (let c = 0; c < C; c++) for (let r = 0; r < u; r++) kx[(j * C + c) * u + r] = px.kernels[r][j];
      const ky = new Float32Array(py.K * C * u * u);
      for (let j = 0; j < py.K; j++)
        for (let c = 0; c < C * u; c++)
          for (let r = 0; r < u; r++) ky[(j * C * u + c) * u + r] = py.kernels[r][j] * fold;
      this.corrUp = g;
      this.upX = { kernel: tf.tensor4d(kx, [1, px.K, C, u]), offset: px.offset, K: px.K };
      this.upY = { kernel: tf.tensor4d(ky, [py.K, 1, C * u, u]), offset: py.offset, K: py.K };
    } else {
      // 2-D up filter (generic case only): zero insertion + one 2-D depthwise conv, gain u².
      const g = correlationTaps(fu, flip).map((v) => Math.fround(Math.fround(v) * u * u) * fold);
      this.upLen = [fu.w, fu.h];
      const k = new Float32Array(fu.h * fu.w * C);
      for (let i = 0; i < fu.h * fu.w; i++) for (let c = 0; c < C; c++) k[i * C + c] = g[i];
      this.up2d = { kernel: tf.tensor4d(k, [fu.h, fu.w, C, 1]), fh: fu.h, fw: fu.w };
    }
    if (fd.kind === '1d') {
      const g = correlationTaps(fd, flip).map((v) => Math.fround(v));
      this.downLen = [g.length, g.length];
      this.corrDown = g;
      if (g.length > 1 || params.down > 1) {
        const k = new Float32Array(g.length * C);
        for (let j = 0; j < g.length; j++) for (let c = 0; c < C; c++) k[j * C + c] = g[j];
        this.downX = tf.tensor4d(k, [1, g.length, C, 1]);
        this.downY = tf.tensor4d(k, [g.length, 1, C, 1]);
      }
    } else {
      const g = correlationTaps(fd, flip).map((v) => Math.fround(v));
      this.downLen = [fd.w, fd.h];
      this.corrDown2d = { taps: g, h: fd.h, w: fd.w };
      const k = new Float32Array(fd.h * fd.w * C);
      for (let i = 0; i < fd.h * fd.w; i++) for (let c = 0; c < C; c++) k[i * C + c] = g[i];
      this.down2d = tf.tensor4d(k, [fd.h, fd.w, C, 1]);
    }
  }

  /** Output spatial size [H, W] for an input of [H, W] (the official shape arithmetic). */
  outputSize(h: number, w: number): [number, number] {
    const { up, down } = this.params;
    const [x0, x1, y0, y1] = this.pad;
    const tw = w * up + x0 + x1 - this.upLen[0] + 1;
    const th = h * up + y0 + y1 - this.upLen[1] + 1;
    const ow = Math.floor((tw - this.downLen[0]) / down) + 1;
    const oh = Math.floor((th - this.downLen[1]) / down) + 1;
    return [oh, ow];
  }

  /** Upsampled, padded and filtered map at the temporary rate (before the nonlinearity). */
  private upsample(x: tf.Tensor4D): tf.Tensor4D {
    const u = this.params.up;
    const [n, h, w, C] = x.shape;
    const [x0, x1, y0, y1] = this.pad;
    const tw = w * u + x0 + x1 - this.upLen[0] + 1;
    const th = h * u + y0 + y1 - this.upLen[1] + 1;
    if (tw < 1 || th < 1)
      throw new RangeError(
        `filtered lrelu: padding ${JSON.stringify(this.pad)} leaves no output for a ${h}×${w} input`,
      );
    if (!this.upSep) {
      const { kernel } = this.up2d!;
      let z = x as tf.Tensor;
      if (u > 1) {
        z = tf.reshape(x, [n, h, 1, w, 1, C]);
        z = tf.pad(z, [
          [0, 0],
          [0, 0],
          [0, u - 1],
          [0, 0],
          [0, u - 1],
          [0, 0],
        ]);
        z = tf.reshape(z, [n, h * u, w * u, C]);
      }
      let zp = padCrop(z as tf.Tensor4D, 2, x0, x1);
      zp = padCrop(zp, 1, y0, y1);
      return tf.depthwiseConv2d(zp, kernel, 1, 'valid');
    }
    const ux = this.upX!;
    const uy = this.upY!;
    // x pass over the original columns: Mx outputs per phase.
    const Mx = Math.ceil(tw / u);
    let xp = padCrop(x, 2, -ux.offset, Mx + ux.K - 1 + ux.offset - w);
    let z = tf.depthwiseConv2d(xp, ux.kernel, 1, 'valid'); // [n, h, Mx, C·u] (c, rx)
    // y pass over the original rows on the C·u phase channels: My outputs per phase.
    const My = Math.ceil(th / u);
    xp = padCrop(z, 1, -uy.offset, My + uy.K - 1 + uy.offset - h);
    z = tf.depthwiseConv2d(xp, uy.kernel, 1, 'valid'); // [n, My, Mx, C·u·u] (c, rx, ry)
    if (u > 1) {
      // Interleave the phases: (my, mx, c, rx, ry) → (my, ry, mx, rx, c).
      const t = tf.transpose(tf.reshape(z, [n, My, Mx, C, u, u]), [0, 1, 5, 2, 4, 3]);
      z = tf.reshape(t, [n, My * u, Mx * u, C]);
    }
    if (My * u !== th || Mx * u !== tw) z = tf.slice(z, [0, 0, 0, 0], [n, th, tw, C]);
    return z;
  }

  /**
   * Apply to an NHWC tensor `x` [N, H, W, C] with bias `b` ([C] tensor or null). Returns NHWC.
   * Runs in its own tf.tidy: only the result survives (the compiled kernels are kept by the plan).
   */
  apply(x: tf.Tensor4D, b: tf.Tensor1D | null): tf.Tensor4D {
    if (x.shape[3] !== this.channels) {
      throw new RangeError(`x must have ${this.channels} channels (NHWC last axis), got ${x.shape[3]}`);
    }
    return tf.tidy(() => {
      const path = this.path();
      if (path === 'depthwise') return this.applyDepthwise(x, b);
      if (path === 'fused') return fusedFilteredLrelu(x, b, this.fusedSpec(x.shape[1], x.shape[2]));
      return this.applyBlocked(x, b); // 'blocked', incl. its pointwise-only case
    });
  }

  /**
   * `apply` in a form `tf.grad` differentiates with respect to `x` and `b` (the filters are
   * constants), for training: the fused kernels with their fused backward (`gradientPath()` =
   * 'fused', first order) or tfjs ops that autograd differentiates (the blocked or depthwise path,
   * every order). Same values as `apply` up to float32 rounding.
   */
  applyDifferentiable(x: tf.Tensor4D, b: tf.Tensor1D | null): tf.Tensor4D {
    if (x.shape[3] !== this.channels) {
      throw new RangeError(`x must have ${this.channels} channels (NHWC last axis), got ${x.shape[3]}`);
    }
    if (this.gradientPath() === 'fused')
      return fusedFilteredLreluWithGradient(x, b, this.fusedSpec(x.shape[1], x.shape[2]));
    return tf.tidy(() =>
      !this.corrUp || (!this.corrDown && !this.corrDown2d)
        ? this.applyDepthwise(x, b)
        : this.applyBlocked(x, b),
    );
  }

  /**
   * The gradients of Σ dy ⊙ apply(x, b) with respect to x and the bias b ([C], also without a
   * bias) from the fused backward kernel, for code that calls the backward itself (a checkpointed
   * layer). Needs `gradientPath()` = 'fused'; dy has apply's output shape.
   */
  backwardFused(
    x: tf.Tensor4D,
    b: tf.Tensor1D | null,
    dy: tf.Tensor4D,
  ): { dx: tf.Tensor4D; db: tf.Tensor1D } {
    if (this.gradientPath() !== 'fused')
      throw new Error('backwardFused needs the fused gradient path (see gradientPath())');
    if (x.shape[3] !== this.channels) {
      throw new RangeError(`x must have ${this.channels} channels (NHWC last axis), got ${x.shape[3]}`);
    }
    return fusedFilteredLreluBackward(x, b, dy, this.fusedSpec(x.shape[1], x.shape[2]));
  }

  /**
   * How `applyDifferentiable` runs now (depends on the backend, `setFilteredLreluGradient` and
   * whether a second derivative can be asked for): 'fused' (fused forward and backward kernels)
   * or 'ops' (tfjs ops and autograd). Throws when 'fused' is forced where it cannot run.
   */
  gradientPath(): 'fused' | 'ops' {
    // 'auto' follows a forward forced onto tfjs ops (setFilteredLreluAlgorithm('ops')), so that
    // the values a gradient sees are those of the forward everywhere.
    if (flGradient === 'ops' || (flGradient === 'auto' && flAlgorithm === 'ops')) return 'ops';
    const covered =
      this.corrUp !== null && (this.corrDown !== null || this.corrDown2d !== null) && this.gainFolded;
    if (flGradient === 'fused') {
      if (!covered) throw new RangeError('the fused backward needs a separable up filter and gain > 0');
      const s = fusedFilteredLreluSupport();
      if (!s.ok) throw new Error(`fused filtered lrelu unavailable: ${s.reason}`);
      return 'fused';
    }
    // Without filters (ToRGB) the op path is a few pointwise ops: nothing to gain.
    return covered && !this.filterless() && gradientDepth() < 2 && fusedFilteredLreluSupport().ok
      ? 'fused'
      : 'ops';
  }

  /**
   * Which implementation `apply` uses now (depends on the tfjs backend and
   * `setFilteredLreluAlgorithm`): 'fused' (WebAssembly kernel), 'blocked' (tfjs ops, banded
   * convs), 'depthwise' (tfjs ops, reference structure: 2-D up filters) or 'pointwise' (no filters).
   */
  path(): 'fused' | 'blocked' | 'depthwise' | 'pointwise' {
    if (!this.corrUp || (!this.corrDown && !this.corrDown2d)) return 'depthwise';
    if (this.useFused()) return 'fused';
    return this.filterless() ? 'pointwise' : 'blocked';
  }

  /** No filtering at all (u = d = 1, single taps, no padding): bias, gain, lrelu and clamp only. */
  private filterless(): boolean {
    const { up, down } = this.params;
    return (
      up === 1 &&
      down === 1 &&
      this.corrUp?.length === 1 &&
      this.corrDown?.length === 1 &&
      this.pad.every((v) => v === 0)
    );
  }

  /**
   * Whether `apply` takes the fused kernel: it covers separable up filters with any separable or
   * 2-D down filter and a positive gain (folded into the taps); the pointwise-only case (no
   * filters: ToRGB) stays on tfjs ops, which fuse it already.
   */
  private useFused(): boolean {
    if (flAlgorithm === 'ops') return false;
    const covered =
      this.corrUp !== null && (this.corrDown !== null || this.corrDown2d !== null) && this.gainFolded;
    if (flAlgorithm === 'fused') {
      if (!covered) throw new RangeError('the fused kernel needs a separable up filter and gain > 0');
      const s = fusedFilteredLreluSupport();
      if (!s.ok) throw new Error(`fused filtered lrelu unavailable: ${s.reason}`);
      return true;
    }
    return covered && !this.filterless() && fusedFilteredLreluSupport().ok;
  }

  /** The fused kernel's geometry for an h × w input (cached per size). */
  private fusedSpec(h: number, w: number): FusedFilteredLreluSpec {
    const key = `${h}x${w}`;
    const hit = this.fusedSpecs.get(key);
    if (hit) return hit;
    const { up, down, slope, clamp, gain } = this.params;
    const [x0, x1, y0, y1] = this.pad;
    const g = this.corrUp!;
    const tw = w * up + x0 + x1 - g.length + 1;
    const th = h * up + y0 + y1 - g.length + 1;
    const [oh, ow] = this.outputSize(h, w);
    if (tw < 1 || th < 1 || oh < 1 || ow < 1)
      throw new RangeError(
        `filtered lrelu: padding ${JSON.stringify(this.pad)} leaves no output for a ${h}×${w} input`,
      );
    const d2 = this.corrDown2d;
    const spec: FusedFilteredLreluSpec = {
      up,
      padX0: x0,
      padY0: y0,
      tw,
      th,
      upX: Float32Array.from(g),
      // the same rounding as the blocked path: fround(g·gain)
      upY: Float32Array.from(g, (v) => v * gain),
      down,
      downTaps: Float32Array.from(d2 ? d2.taps : this.corrDown!),
      downShape: d2 ? [d2.h, d2.w] : null,
      oh,
      ow,
      slope: slope === 1 ? null : slope,
      clamp,
    };
    this.fusedSpecs.set(key, spec);
    return spec;
  }

  /** Compile (once per input size) the blocked passes of `applyBlocked`. */
  private passes(h: number, w: number): CompiledPasses {
    const key = `${h}x${w}`;
    let c = this.compiled.get(key);
    if (c) return c;
    const { up: u, down: d, gain } = this.params;
    const [x0, x1, y0, y1] = this.pad;
    const g = this.corrUp!;
    const L = g.length;
    const tw = w * u + x0 + x1 - L + 1;
    const th = h * u + y0 + y1 - L + 1;
    if (tw < 1 || th < 1)
      throw new RangeError(
        `filtered lrelu: padding ${JSON.stringify(this.pad)} leaves no output for a ${h}×${w} input`,
      );
    const [oh, ow] = this.outputSize(h, w);
    const identityUp = u === 1 && L === 1 && x0 === 0 && x1 === 0 && y0 === 0 && y1 === 0;
    const fold = this.gainFolded ? gain : 1;
    // Up passes: 8-sample input blocks (8u outputs); their few extra outputs past tw/th are carried
    // along and skipped by the down passes, whose output blocks divide oh/ow exactly.
    const upX = identityUp
      ? null
      : compileBandedPass(g, { u, d: 1, p0: x0, inLen: w, outLen: tw, P: upBlock(tw, u) });
    const upY = identityUp
      ? null
      : compileBandedPass(g, { u, d: 1, p0: y0, inLen: h, outLen: th, P: upBlock(th, u), scale: fold });
    const twq = upX ? upX.physOut : tw;
    const thq = upY ? upY.physOut : th;
    let downY: BandedPass | null = null;
    let downX: BandedPass | null = null;
    let down2d: BandedPass2D | null = null;
    let radial: CompiledPasses['radial'] = null;
    if (this.corrDown2d) {
      const { taps, h: fh, w: fw } = this.corrDown2d;
      // The map arrives as [maps, W, H]: transpose the taps so the outer axis is x.
      const t = new Float64Array(fh * fw);
      for (let a = 0; a < fw; a++) for (let bb = 0; bb < fh; bb++) t[a * fh + bb] = taps[bb * fw + a];
      const q = [4, 2, 3, 5, 6, 8, 1].find((v) => ow % v === 0 && oh % v === 0)!;
      const P2 = q * d;
      if (upX && upY && P2 % u === 0) {
        down2d = compileBandedPass2D(t, fw, fh, { d, inLen: [twq, th], outLen: [ow, oh], P: P2 });
        const na = down2d.nbo[0] + down2d.kb - 1;
        const nb = down2d.nbo[1] + down2d.kb - 1;
        const upYr = compileBandedPass(g, {
          u,
          d: 1,
          p0: y0,
          inLen: h,
          outLen: nb * P2,
          P: P2 / u,
          scale: fold,
        });
        radial = { upYr, na, nb, P2 };
      } else {
        down2d = compileBandedPass2D(t, fw, fh, { d, inLen: [twq, thq], outLen: [ow, oh], P: P2 });
      }
    } else if (this.corrDown && !(d === 1 && this.corrDown.length === 1)) {
      const fd = this.corrDown;
      downY = compileBandedPass(fd, {
        u: 1,
        d,
        p0: 0,
        inLen: th,
        physInLen: thq,
        outLen: oh,
        P: chooseBlock(oh, 1, d),
      });
      downX = compileBandedPass(fd, {
        u: 1,
        d,
        p0: 0,
        inLen: tw,
        physInLen: twq,
        outLen: ow,
        P: chooseBlock(ow, 1, d),
      });
    }
    c = { upX, upY, downX, downY, down2d, radial, th: thq, tw: twq, oh, ow };
    // Compiled lazily, possibly inside a caller's tf.tidy: the kernels must outlive it.
    for (const p of [upX, upY, downX, downY, down2d, radial?.upYr]) if (p) tf.keep(p.kernel);
    this.compiled.set(key, c);
    return c;
  }

  /**
   * Fast path: channels go to the batch axis ([N·C·rows, len]) and each 1-D pass is one blocked
   * dense conv (see banded.ts). Layout walk: NHWC → [NC, H, W] (x passes) → [NC, W', H] (y passes,
   * nonlinearity, y down) → [NC, H', W'] (x down) → NHWC.
   */
  private applyBlocked(x: tf.Tensor4D, b: tf.Tensor1D | null): tf.Tensor4D {
    const { slope, clamp, gain } = this.params;
    const [n, h, w, C] = x.shape;
    const P = this.passes(h, w);
    let y: tf.Tensor4D = b ? tf.add(x, b) : x;
    const alpha = slope === 1 ? null : slope;
    if (!P.upX && !P.downX && !P.down2d) {
      // No filters at all (ToRGB): pointwise only, stay NHWC.
      if (!this.gainFolded || gain !== 1) y = tf.mul(y, gain);
      if (alpha !== null) y = tf.leakyRelu(y, alpha);
      if (clamp !== null) y = tf.clipByValue(y, -clamp, clamp);
      return y;
    }
    const NC = n * C;
    // Layout walk (maps N·C lead, the filtered axis is innermost, only last-two-axes swaps):
    // NHWC → [NC, H, W] → up x → [NC, tw, H] → up y, lrelu, clamp → down y → [NC, oh, tw] → down x
    // → [N, C, oh, ow] → NHWC. Maps are independent, so big layers run in chunks of maps to bound
    // the temporary-rate tensors (the wasm heap is 32-bit).
    const maps = tf.reshape(tf.transpose(y, [0, 3, 1, 2]), [NC, h, w]) as tf.Tensor3D;
    const per = Math.max(1, Math.floor(memoryLimits.maxTmpElements / (P.th * P.tw)));
    let out: tf.Tensor3D;
    if (per >= NC) out = this.blockedMaps(maps, P);
    else {
      const parts: tf.Tensor3D[] = [];
      for (let m = 0; m < NC; m += per) {
        const k = Math.min(per, NC - m);
        // Own tidy per chunk: its temporaries are freed before the next chunk starts. (gather, not
        // slice: the wasm Slice kernel copies its whole input through JavaScript on every call.)
        const part = tf.tidy(() => this.blockedMaps(tf.gather(maps, tf.range(m, m + k, 1, 'int32')), P));
        parts.push(part);
      }
      out = tf.concat(parts, 0) as tf.Tensor3D;
    }
    return tf.transpose(tf.reshape(out, [n, C, out.shape[1], out.shape[2]]), [0, 2, 3, 1]);
  }

  /** The blocked passes on maps [k, h, w] → [k, oh, ow]. */
  private blockedMaps(maps: tf.Tensor3D, P: CompiledPasses): tf.Tensor3D {
    const { slope, clamp, gain } = this.params;
    const alpha = slope === 1 ? null : slope;
    const [NC, h, w] = maps.shape;
    let r = tf.reshape(maps, [NC * h, w]) as tf.Tensor2D;
    let tw = w;
    if (P.upX) {
      r = applyBandedPass(r, P.upX);
      tw = P.tw;
    }
    if (P.radial && P.down2d) return this.radialMaps(r, NC, h, tw, P.radial, P.down2d);
    r = tf.reshape(tf.transpose(tf.reshape(r, [NC, h, tw]), [0, 2, 1]), [NC * tw, h]) as tf.Tensor2D;
    let th = h;
    if (P.upY) {
      r = applyBandedPass(r, P.upY, alpha);
      th = P.th;
    } else if (alpha !== null) r = tf.leakyRelu(r, alpha);
    if (!this.gainFolded) r = tf.mul(r, gain);
    if (clamp !== null) r = tf.clipByValue(r, -clamp, clamp);
    if (P.down2d) return applyBandedPass2D(tf.reshape(r, [NC, tw, th]), P.down2d, true); // [NC, oh, ow]
    let oh = th;
    if (P.downY) {
      r = applyBandedPass(r, P.downY);
      oh = P.downY.physOut;
    }
    r = tf.reshape(tf.transpose(tf.reshape(r, [NC, tw, oh]), [0, 2, 1]), [NC * oh, tw]) as tf.Tensor2D;
    let ow = tw;
    if (P.downX) {
      r = applyBandedPass(r, P.downX);
      ow = P.downX.physOut;
    }
    let out = tf.reshape(r, [NC, oh, ow]) as tf.Tensor3D;
    // Without down passes the up passes' extra samples are still there: crop them (rare configs).
    if (oh !== P.oh || ow !== P.ow) out = tf.slice(out, [0, 0, 0], [NC, P.oh, P.ow]);
    return out;
  }

  /**
   * Radial layers after the up-x pass (r = [k·h, tw]): pad, then one transpose to
   * [k, na, nbi, P2, Pin] so that the up-y conv (over nbi, Pin in → P2 out per block) emits the
   * 2-D pass's P2 × P2 blocks directly; lrelu is fused, then clamp, the 2-D blocked down conv and
   * the un-blocking transpose to [k, oh, ow].
   */
  private radialMaps(
    r: tf.Tensor2D,
    k: number,
    h: number,
    tw: number,
    R: NonNullable<CompiledPasses['radial']>,
    down: BandedPass2D,
  ): tf.Tensor3D {
    const { slope, clamp, gain } = this.params;
    const alpha = slope === 1 ? null : slope;
    const { upYr, na, nb, P2 } = R;
    const Pin = upYr.P;
    const nbi = nb + upYr.kb - 1;
    const lo = -upYr.s0;
    const hi = nbi * Pin - h - lo;
    const padW = na * P2 - tw;
    let m = tf.reshape(r, [k, h, tw]) as tf.Tensor3D;
    if (hi < 0 || padW < 0)
      throw new RangeError('radial blocked pass: block geometry does not cover the map');
    m = tf.pad(m, [
      [0, 0],
      [lo, hi],
      [0, padW],
    ]);
    const blocks = tf.reshape(tf.transpose(tf.reshape(m, [k, nbi, Pin, na, P2]), [0, 3, 1, 4, 2]), [
      k * na,
      nbi,
      P2,
      Pin,
    ]) as tf.Tensor4D;
    const kernel = tf.reshape(upYr.kernel, [upYr.kb, 1, Pin, P2]) as tf.Tensor4D;
    let y: tf.Tensor4D =
      alpha === null
        ? tf.conv2d(blocks, kernel, 1, 'valid')
        : tf.fused.conv2d({
            x: blocks,
            filter: kernel,
            strides: 1,
            pad: 'valid',
            activation: 'leakyrelu',
            leakyreluAlpha: alpha,
          });
    if (!this.gainFolded) y = tf.mul(y, gain);
    if (clamp !== null) y = tf.clipByValue(y, -clamp, clamp);
    const z = tf.conv2d(tf.reshape(y, [k, na, nb, P2 * P2]) as tf.Tensor4D, down.kernel, 1, 'valid');
    const Q = down.Q;
    const o = tf.transpose(tf.reshape(z, [k, down.nbo[0], down.nbo[1], Q, Q]), [0, 2, 4, 1, 3]);
    return tf.reshape(o, [k, down.nbo[1] * Q, down.nbo[0] * Q]) as tf.Tensor3D;
  }

  /** Reference-structured path (depthwise convs; used for 2-D up filters). */
  private applyDepthwise(x: tf.Tensor4D, b: tf.Tensor1D | null): tf.Tensor4D {
    const { slope, clamp, down, gain } = this.params;
    let y: tf.Tensor4D = b ? tf.add(x, b) : x;
    y = this.upsample(y);
    if (!this.gainFolded) y = tf.mul(y, gain);
    if (slope !== 1) y = tf.leakyRelu(y, slope);
    if (clamp !== null) y = tf.clipByValue(y, -clamp, clamp);
    if (this.down2d) {
      y = tf.depthwiseConv2d(y, this.down2d, [down, down], 'valid');
    } else if (this.downX && this.downY) {
      y = tf.depthwiseConv2d(y, this.downX, [1, down], 'valid');
      y = tf.depthwiseConv2d(y, this.downY, [down, 1], 'valid');
    }
    return y;
  }

  /** Convenience: NCHW in, NCHW out (the official layout), inside its own tidy. */
  applyNCHW(x: tf.Tensor4D, b: tf.Tensor1D | null): tf.Tensor4D {
    return tf.tidy(() => tf.transpose(this.apply(tf.transpose(x, [0, 2, 3, 1]), b), [0, 3, 1, 2]));
  }

  /** Multiply–accumulate count of one forward for an input [n, h, w] (for FLOP reporting). */
  macs(n: number, h: number, w: number): number {
    const { up, down } = this.params;
    const C = this.channels;
    const [th, tw] = ((): [number, number] => {
      const [x0, x1, y0, y1] = this.pad;
      return [h * up + y0 + y1 - this.upLen[1] + 1, w * up + x0 + x1 - this.upLen[0] + 1];
    })();
    let m = 0;
    if (this.upSep) {
      const Mx = Math.ceil(tw / up);
      const My = Math.ceil(th / up);
      m += n * h * Mx * C * up * this.upX!.K;
      m += n * My * Mx * C * up * up * this.upY!.K;
    } else {
      m += n * th * tw * C * this.up2d!.fh * this.up2d!.fw;
    }
    const [oh, ow] = this.outputSize(h, w);
    if (this.down2d) m += n * oh * ow * C * this.downLen[0] * this.downLen[1];
    else if (this.downX) {
      m += n * th * ow * C * this.downLen[0];
      m += n * oh * ow * C * this.downLen[1];
    }
    return m;
  }

  /** Free the plan's filter tensors and compiled kernels. */
  dispose(): void {
    for (const c of this.compiled.values()) {
      for (const p of [c.upX, c.upY, c.downX, c.downY, c.down2d, c.radial?.upYr]) p?.kernel.dispose();
    }
    this.compiled.clear();
    for (const t of [
      this.upX?.kernel,
      this.upY?.kernel,
      this.up2d?.kernel,
      this.downX,
      this.downY,
      this.down2d,
    ])
      t?.dispose();
  }
}

/**
 * One-shot filtered leaky ReLU on an NCHW tensor (official `filtered_lrelu(x, fu, fd, b, up, down,
 * padding, gain, slope, clamp, flip_filter)`, ref semantics). `b` is a [C] bias or null.
 */
export function filteredLreluTf(
  x: tf.Tensor4D,
  b: tf.Tensor1D | ArrayLike<number> | null,
  params: FilteredLreluParams,
): tf.Tensor4D {
  if (x.rank !== 4) throw new RangeError(`x must be a rank-4 NCHW tensor, got rank ${x.rank}`);
  const plan = new FilteredLreluPlan(x.shape[1], params);
  try {
    return tf.tidy(() => {
      const bias =
        b === null ? null : b instanceof tf.Tensor ? (b as tf.Tensor1D) : tf.tensor1d(Float32Array.from(b));
      if (bias && bias.shape[0] !== x.shape[1]) {
        throw new RangeError(`b must have ${x.shape[1]} entries (one per channel), got ${bias.shape[0]}`);
      }
      return plan.applyNCHW(x, bias);
    });
  } finally {
    plan.dispose();
  }
}
