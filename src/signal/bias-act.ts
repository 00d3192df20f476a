/**
 * Fused bias + activation + gain + clamp: the official StyleGAN3 op
 * `torch_utils.ops.bias_act.bias_act` (reference implementation). The alias-free generator uses
 * `'linear'` and `'lrelu'`; the other activations of the official table are provided as well.
 *
 *     y = clamp( gain · act(x + b[c]), −clamp, +clamp )
 *
 * `b` is broadcast along axis `dim` (the channel axis, default 1); `act` is the identity for
 * `'linear'` and `x ↦ x ≥ 0 ? x : alpha·x` for `'lrelu'`. Defaults as in the official activation
 * table: `'linear'` alpha 0, gain 1; `'lrelu'` alpha 0.2, gain √2 (the gain that keeps the signal
 * magnitude of a unit-variance input; also for `'relu'` and `'swish'`; 1 for the others). The clamp
 * is applied after the gain; null = no clamp.
 */
import type { NdArray } from 'ndarray';
import { toDense, zeros, type FloatArray } from './array.js';
import { assertAllFinite, assertFinite, assertInteger, assertOptions, show } from './validate.js';

/** Activations supported by {@link biasAct} (the official `activation_funcs` names). */
export type Activation =
  'linear' | 'lrelu' | 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'selu' | 'softplus' | 'swish';

/** Default alpha and gain of each activation (the official `activation_funcs` table). */
export const ACTIVATION_DEFAULTS: Readonly<Record<Activation, { alpha: number; gain: number }>> = {
  linear: { alpha: 0, gain: 1 },
  lrelu: { alpha: 0.2, gain: Math.SQRT2 },
  relu: { alpha: 0, gain: Math.SQRT2 },
  tanh: { alpha: 0, gain: 1 },
  sigmoid: { alpha: 0, gain: 1 },
  elu: { alpha: 0, gain: 1 },
  selu: { alpha: 0, gain: 1 },
  softplus: { alpha: 0, gain: 1 },
  swish: { alpha: 0, gain: Math.SQRT2 },
};

// SELU constants (Klambauer et al. 2017), as PyTorch uses them.
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/**
 * The activation functions other than linear/lrelu (those two are inlined in the loop):
 * relu max(x, 0); tanh; sigmoid 1/(1+e^−x); elu x or e^x − 1; selu scale·(x or α(e^x − 1));
 * softplus log(1 + e^x) (PyTorch returns x itself above 20); swish x·sigmoid(x).
 */
const OTHER_ACTIVATIONS: Readonly<Record<string, (v: number) => number>> = {
  relu: (v) => (v > 0 ? v : 0),
  tanh: Math.tanh,
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  elu: (v) => (v > 0 ? v : Math.expm1(v)),
  selu: (v) => SELU_SCALE * (v > 0 ? v : SELU_ALPHA * Math.expm1(v)),
  softplus: (v) => (v > 20 ? v : Math.log1p(Math.exp(v))),
  swish: (v) => v / (1 + Math.exp(-v)),
};

/** Options of {@link biasAct}. */
export interface BiasActOptions {
  /** Per-channel bias of length `x.shape[dim]` (default none). */
  b?: NdArray | ArrayLike<number> | null;
  /** `'linear'` (default), `'lrelu'` or another official activation name. */
  act?: Activation;
  /** Negative slope of lrelu; null/undefined = the activation's default. */
  alpha?: number | null;
  /** Output scale; null/undefined = the activation's default. */
  gain?: number | null;
  /** Clamp the output to `[−clamp, clamp]`; null/undefined = no clamp. */
  clamp?: number | null;
  /** Axis that `b` runs along (default 1, the channel axis of NCHW). */
  dim?: number;
}

const BIAS_ACT_KEYS: Record<keyof BiasActOptions, true> = {
  b: true,
  act: true,
  alpha: true,
  gain: true,
  clamp: true,
  dim: true,
};

/** Read a bias argument (ndarray of rank 1 or any array of numbers) into float64, checked finite. */
export function readBias(name: string, b: NdArray | ArrayLike<number>): Float64Array {
  const maybeNd = b as NdArray;
  if (typeof b === 'object' && b !== null && Array.isArray(maybeNd.shape) && Array.isArray(maybeNd.stride)) {
    if (maybeNd.shape.length !== 1) throw new RangeError(`${name} must be 1-D, got shape [${maybeNd.shape}]`);
    const out = Float64Array.from(toDense(maybeNd).data as ArrayLike<number>);
    assertAllFinite(name, out);
    return out;
  }
  if (b === null || b === undefined || typeof (b as ArrayLike<number>).length !== 'number') {
    throw new TypeError(`${name} must be an array of numbers or a 1-D ndarray, got ${show(b)}`);
  }
  const out = Float64Array.from(b as ArrayLike<number>);
  assertAllFinite(name, out);
  return out;
}

/**
 * The official `bias_act(x, b, dim, act, alpha, gain, clamp)` (ref semantics):
 * `y = clamp(gain · act(x + b), ±clamp)` with `b` broadcast along `dim`. Computed in float64,
 * returned with the dtype and shape of `x`.
 */
export function biasAct(x: NdArray, opts: BiasActOptions = {}): NdArray<FloatArray> {
  assertOptions('opts', opts, BIAS_ACT_KEYS);
  if (!x || !Array.isArray(x.shape)) throw new TypeError(`x must be an ndarray, got ${show(x)}`);
  const act = opts.act ?? 'linear';
  if (typeof act !== 'string' || !Object.prototype.hasOwnProperty.call(ACTIVATION_DEFAULTS, act)) {
    throw new RangeError(
      `act must be one of ${Object.keys(ACTIVATION_DEFAULTS).join(', ')}, got ${JSON.stringify(act)}`,
    );
  }
  const alpha = opts.alpha ?? ACTIVATION_DEFAULTS[act].alpha;
  const gain = opts.gain ?? ACTIVATION_DEFAULTS[act].gain;
  assertFinite('alpha', alpha);
  assertFinite('gain', gain);
  const clamp = opts.clamp ?? null;
  if (clamp !== null) {
    assertFinite('clamp', clamp);
    if (clamp < 0) throw new RangeError(`clamp must be >= 0 or null, got ${clamp}`);
  }
  const dim = opts.dim ?? 1;
  const rank = x.shape.length;
  const dense = toDense(x);
  assertAllFinite('x', dense.data);

  // Layout [outer, C, inner] around the bias axis so the bias index is a loop counter.
  let channels = 1;
  let inner = dense.data.length;
  let bias: Float64Array | null = null;
  if (opts.b !== null && opts.b !== undefined) {
    assertInteger('dim', dim, 0);
    if (dim >= rank) throw new RangeError(`dim must be < rank ${rank} of x, got ${dim}`);
    bias = readBias('b', opts.b);
    channels = x.shape[dim];
    if (bias.length !== channels) {
      throw new RangeError(`b must have length x.shape[${dim}] = ${channels}, got ${bias.length}`);
    }
    inner = x.shape.slice(dim + 1).reduce((a, v) => a * v, 1);
  }
  const outer = channels === 0 || inner === 0 ? 0 : dense.data.length / (channels * inner);
  const out = zeros(x.shape, dense.data instanceof Float32Array ? 'float32' : 'float64');
  const src = dense.data;
  const dst = out.data;
  const lo = clamp === null ? -Infinity : -clamp;
  const hi = clamp === null ? Infinity : clamp;
  const lrelu = act === 'lrelu';
  const fn = act === 'linear' || act === 'lrelu' ? null : OTHER_ACTIVATIONS[act];
  let i = 0;
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const bc = bias === null ? 0 : bias[c];
      for (let j = 0; j < inner; j++, i++) {
        let v = src[i] + bc;
        if (lrelu && v < 0) v *= alpha;
        else if (fn !== null) v = fn(v);
        v *= gain;
        dst[i] = v < lo ? lo : v > hi ? hi : v;
      }
    }
  }
  return out;
}
