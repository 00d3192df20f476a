/**
 * The StyleGAN3 generator in training form: the same network as `Generator` (official
 * `training.networks_stylegan3.Generator`, spec §2.4), but every trainable parameter is a
 * `tf.Variable` under its official state-dict name and the forward is built from differentiable
 * tfjs ops only, so `tf.grad` / `tf.variableGrads` reach every parameter:
 *
 *   mapping:   x = z/√(mean z² + 1e−8); x ← √2·lrelu(x·(W·lr/√in)ᵀ + b·lr) per layer;
 *              update_emas: w_avg ← lerp(mean_batch(x), w_avg, β_w)   (β_w = 0.998)
 *   input:     t = A(w₀), Fourier features of R(t)·T(t)·U, channel mix W/√C   (as `SynthesisInput`)
 *   layer:     update_emas: m ← lerp(mean(x²), m, β_m); then input gain 1/√m (the updated m)
 *              y = modulated_conv(x, W, A(w)) (demodulated except ToRGB), filtered_lrelu(y + b)
 *
 * Differences from the inference `Generator`, all for the sake of gradients: weights are not
 * folded into prepared constants, the convolutions run as `conv2dDiff` (weight gradients on every
 * backend) and the filtered nonlinearity takes `applyDifferentiable` (on wasm the fused kernels
 * with their fused backward, first order; tfjs ops otherwise and for second derivatives). Values
 * agree with `Generator` to float32 rounding.
 *
 * Buffers that training moves (`mapping.w_avg`, every `magnitude_ema`) are plain arrays updated
 * in place when a forward runs with `updateEmas`; `stateDict()` returns everything in the official
 * order, and `toGenerator()` builds an inference `Generator` from the current values.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerSpec, SynthesisGeometry } from '../types.js';
import { stateLayout, type StateDict, type StateTensor } from '../state.js';
import { FilteredLreluPlan, type FilterTaps } from '../ops/filtered-lrelu.js';
import { inputFeaturesTf } from '../webgpu.js';
import { conv2dDiff, conv2dDiffGradients } from '../../train/differentiable-conv.js';
import { prepareModConvWeight, modulatedConv2dNHWC, disposeModConvWeight } from '../ops/modulated-conv.js';

/**
 * Memory bounds of the checkpointed layers:
 *
 * - `elements`: the largest temporary of one chunk of samples of a checkpointed layer's recomputed
 *   backward (default 2²⁴ float32 = 64 MiB: a batch of 8 at 64², C_max 256, runs as one chunk);
 *   bounds the wasm heap during training at 64² and above.
 * - `keptElements`: the conv outputs that one synthesis forward may keep for its backward, summed
 *   over its layers (default 2²⁷ float32 = 512 MiB; 0 keeps none). A layer whose conv output is kept
 *   skips the recomputation of its conv and filtered nonlinearity in the backward (it runs the
 *   nonlinearity's backward kernel on the kept map); the layers past the budget recompute. A
 *   batch of 8 at 64², C_max 256, keeps every layer in about 360 MiB.
 *
 * Results do not depend on them beyond float32 rounding (tests lower them to exercise each path).
 */
export const recomputeLimits = { elements: 1 << 24, keptElements: 1 << 27 };

/** Options of the training forwards. */
export interface TrainForwardOptions {
  /** Move `w_avg` (mapping) and every `magnitude_ema` (synthesis) as the official forward does. */
  updateEmas?: boolean;
  /**
   * The result must be differentiable twice (path-length regularisation): no gradient
   * checkpointing (its recomputed backward is first order only). Default false.
   */
  secondOrder?: boolean;
}

function filterTaps(state: StateDict, key: string): FilterTaps | null {
  const e = state.get(key);
  if (!e) return null;
  const data = e.data instanceof Float32Array ? e.data : Float32Array.from(e.data);
  return e.shape.length === 2 ? { data, shape: [e.shape[0], e.shape[1]] } : data;
}

/** One synthesis layer's constants (the filtered nonlinearity plan) and its parameter names. */
interface TrainLayer {
  spec: LayerSpec;
  plan: FilteredLreluPlan;
  prefix: string;
}

/**
 * y = d[n, o] · conv(xm, w)[n, p, o] (padding `pad`) whose value is already known (`known`, kept
 * from the forward), as an op that autograd differentiates with respect to xm, w and d without
 * computing the conv: for dy = ∂L/∂y,
 *
 *     ∂L/∂conv = dy ⊙ d  → ∂L/∂xm, ∂L/∂w by the conv's backward (`conv2dDiffGradients`),
 *     ∂L/∂d[n, o] = Σ_p dy ⊙ conv = Σ_p dy ⊙ known / d.
 *
 * First order (the conv's first-order backward). The value is `known` itself (shared, not copied).
 * Exported for its tests; the checkpointed layers are its only users.
 */
export function demodulatedConvKnown(
  xm: tf.Tensor4D,
  w: tf.Tensor4D,
  d: tf.Tensor2D,
  known: tf.Tensor4D,
  pad: number,
): tf.Tensor4D {
  const op = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    save(args as tf.Tensor[]); // (clones share the data on wasm in training: wasm-kernel-overrides.ts)
    return {
      value: tf.clone(known),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, ds] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor2D];
        const [n, , , co] = known.shape;
        const dConv = tf.mul(dy, tf.reshape(ds, [n, 1, 1, co])) as tf.Tensor4D;
        const [dxm, dw] = conv2dDiffGradients(xs, ws, dConv, { pad });
        const dd = tf.div(tf.reshape(tf.sum(tf.mul(dy, known), [1, 2]), [n, co]), ds);
        return [dxm, dw, dd];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...t: tf.Tensor[]) => tf.Tensor4D;
  return op(xm, w, d);
}

/** The StyleGAN3 generator with trainable variables and differentiable forwards. */
export class TrainableGenerator {
  readonly geometry: SynthesisGeometry;
  readonly initKwargs: Record<string, unknown> | null;
  /** Trainable parameters by official state-dict name (mapping, input, layers). */
  readonly params: Map<string, tf.Variable>;
  /** Every state entry as loaded; the trained values live in `params`, the moved EMAs here. */
  private readonly state: StateDict;
  private readonly layers: TrainLayer[];
  private readonly gx: tf.Tensor4D;
  private readonly gy: tf.Tensor4D;
  private disposed = false;

  /** Build from a geometry and a validated state dict (e.g. `Generator.trainable()`). */
  constructor(
    geometry: SynthesisGeometry,
    state: StateDict,
    initKwargs: Record<string, unknown> | null = null,
  ) {
    this.geometry = geometry;
    this.initKwargs = initKwargs ? { ...initKwargs } : null;
    this.state = new Map();
    this.params = new Map();
    const buffers = new Set([
      'w-avg',
      'input-transform',
      'input-freqs',
      'input-phases',
      'magnitude-ema',
      'up-filter',
      'down-filter',
    ]);
    for (const { key, shape, role } of stateLayout(geometry)) {
      const e = state.get(key);
      if (!e) throw new RangeError(`generator state has no entry ${key}`);
      const data = Float32Array.from(e.data);
      this.state.set(key, { shape: [...shape], data });
      if (!buffers.has(role)) {
        // tf.variable keeps its own reference: the initial tensor is freed, or it leaks.
        const init = tf.tensor(data, shape, 'float32');
        this.params.set(key, tf.variable(init, true));
        init.dispose();
      }
    }
    const clamp = geometry.config.convClamp;
    this.layers = geometry.layers.map((spec) => {
      const prefix = `synthesis.${spec.name}`;
      const plan = new FilteredLreluPlan(spec.outChannels, {
        fu: filterTaps(this.state, `${prefix}.up_filter`),
        fd: filterTaps(this.state, `${prefix}.down_filter`),
        up: spec.upFactor,
        down: spec.downFactor,
        padding: spec.padding,
        gain: spec.gain,
        slope: spec.slope,
        clamp,
      });
      return { spec, plan, prefix };
    });
    const n = geometry.input.size;
    const s = geometry.input.samplingRate;
    const f32 = Math.fround;
    const coord = new Float32Array(n);
    for (let j = 0; j < n; j++) coord[j] = f32(f32((2 * j + 1) / n - 1) * f32((0.5 * n) / s));
    this.gx = tf.tensor4d(coord, [1, 1, n, 1]);
    this.gy = tf.tensor4d(coord, [1, n, 1, 1]);
  }

  get numWs(): number {
    return this.geometry.numWs;
  }

  private alive(): void {
    if (this.disposed) throw new Error('this generator was disposed');
  }

  private v(key: string): tf.Variable {
    const p = this.params.get(key);
    if (!p) throw new Error(`internal: no parameter ${key}`);
    return p;
  }

  /** Official FullyConnectedLayer: x·(W·lr/√in)ᵀ + b·lr (then lrelu·√2 when `lrelu`). */
  private fc(x: tf.Tensor2D, prefix: string, lrMul: number, lrelu: boolean): tf.Tensor2D {
    const w = this.v(`${prefix}.weight`);
    let y = tf.add(
      tf.matMul(x, tf.mul(w, lrMul / Math.sqrt(w.shape[1]!)), false, true),
      lrMul === 1 ? this.v(`${prefix}.bias`) : tf.mul(this.v(`${prefix}.bias`), lrMul),
    ) as tf.Tensor2D;
    if (lrelu) y = tf.mul(tf.leakyRelu(y, 0.2), Math.SQRT2);
    return y;
  }

  /**
   * z [N, zDim] (and labels c [N, cDim] when cDim > 0) → ws [N, numWs, wDim], differentiable
   * (official `G.mapping(z, c, update_emas)`, ψ = 1). With `updateEmas`, `mapping.w_avg` moves.
   */
  mapping(
    z: tf.Tensor2D,
    c: tf.Tensor2D | null = null,
    { updateEmas = false }: TrainForwardOptions = {},
  ): tf.Tensor3D {
    this.alive();
    const cfg = this.geometry.config;
    if (!(z instanceof tf.Tensor) || z.rank !== 2 || z.shape[1] !== cfg.zDim)
      throw new RangeError(
        `z must be a tf.Tensor [N, ${cfg.zDim}], got ${z instanceof tf.Tensor ? `[${z.shape.join(', ')}]` : String(z)}`,
      );
    if (
      cfg.cDim > 0 &&
      (!(c instanceof tf.Tensor) || c.rank !== 2 || c.shape[0] !== z.shape[0] || c.shape[1] !== cfg.cDim)
    )
      throw new RangeError(
        `c must be a tf.Tensor [${z.shape[0]}, ${cfg.cDim}] for this conditional generator`,
      );
    return tf.tidy(() => {
      const norm = (v: tf.Tensor2D) =>
        tf.mul(v, tf.rsqrt(tf.add(tf.mean(tf.square(v), 1, true), 1e-8))) as tf.Tensor2D;
      let x = norm(tf.cast(z, 'float32') as tf.Tensor2D);
      if (cfg.cDim > 0)
        x = tf.concat(
          [x, norm(this.fc(tf.cast(c!, 'float32') as tf.Tensor2D, 'mapping.embed', 1, false))],
          1,
        ) as tf.Tensor2D;
      for (let i = 0; i < cfg.mappingLayers; i++)
        x = this.fc(x, `mapping.fc${i}`, cfg.mappingLrMultiplier, true);
      if (updateEmas) {
        const mean = tf.mean(x, 0).dataSync() as Float32Array;
        const avg = this.state.get('mapping.w_avg')!.data as Float32Array;
        // lerp(mean, avg, β) = mean + (avg − mean)·β, in float32 as torch computes it.
        const beta = Math.fround(cfg.wAvgBeta);
        for (let i = 0; i < avg.length; i++)
          avg[i] = Math.fround(mean[i] + Math.fround(Math.fround(avg[i] - mean[i]) * beta));
      }
      const [n, wDim] = x.shape;
      return tf.tile(tf.reshape(x, [n, 1, wDim]), [1, this.numWs, 1]) as tf.Tensor3D;
    });
  }

  /** The Fourier-feature input (official `SynthesisInput.forward`) → NHWC [N, size, size, C]. */
  private input(w0: tf.Tensor2D): tf.Tensor4D {
    const spec = this.geometry.input;
    const n = w0.shape[0];
    const C = spec.channels;
    const t = spec.learnedTransform ? this.fc(w0, 'synthesis.input.affine', 1, false) : null;
    const f = inputFeaturesTf(
      t,
      n,
      this.state.get('synthesis.input.transform')!.data,
      this.state.get('synthesis.input.freqs')!.data as Float32Array,
      this.state.get('synthesis.input.phases')!.data as Float32Array,
      spec.bandwidth,
      spec.samplingRate,
      spec.hardBandCut,
    );
    const r4 = (v: tf.Tensor2D) => tf.reshape(v, [n, 1, 1, C]);
    let x = tf.add(tf.add(tf.mul(this.gx, r4(f.fx)), tf.mul(this.gy, r4(f.fy))), r4(f.ph));
    x = tf.mul(tf.sin(tf.mul(x, 2 * Math.PI)), r4(f.amp));
    const mix = tf.div(this.v('synthesis.input.weight'), Math.sqrt(C));
    const y = tf.matMul(tf.reshape(x, [n * spec.size * spec.size, C]), mix, false, true);
    return tf.reshape(y, [n, spec.size, spec.size, C]) as tf.Tensor4D;
  }

  /** The magnitude EMA step (official, before the layer uses it) and the input gain 1/√m it gives. */
  private inputGain(L: TrainLayer, x: tf.Tensor4D, updateEmas: boolean): number {
    const ema = this.state.get(`${L.prefix}.magnitude_ema`)!.data as Float32Array;
    if (updateEmas) {
      const cur = tf.tidy(() => tf.mean(tf.square(x)).dataSync()[0]);
      const beta = Math.fround(this.geometry.config.magnitudeEmaBeta);
      ema[0] = Math.fround(cur + Math.fround(Math.fround(ema[0] - cur) * beta));
    }
    return 1 / Math.sqrt(ema[0]);
  }

  /** Styles A(w) = w·(A_W/√wDim)ᵀ + A_b (ToRGB: × 1/√(C_in·k²)) of layer L. */
  private styles(L: TrainLayer, w: tf.Tensor2D, affineW: tf.Tensor, affineB: tf.Tensor): tf.Tensor2D {
    const { spec } = L;
    const k = spec.convKernel;
    let styles = tf.add(
      tf.matMul(w, tf.mul(affineW, 1 / Math.sqrt(affineW.shape[1]!)), false, true),
      affineB,
    ) as tf.Tensor2D;
    if (spec.isTorgb) styles = tf.mul(styles, 1 / Math.sqrt(spec.inChannels * k * k));
    return styles;
  }

  /** 1/rms of the whole style tensor (the official demodulation pre-normalisation); null for ToRGB. */
  private styleScale(L: TrainLayer, styles: tf.Tensor2D): tf.Scalar | null {
    return L.spec.isTorgb ? null : (tf.rsqrt(tf.mean(tf.square(styles))) as tf.Scalar);
  }

  /**
   * One synthesis layer (official `SynthesisLayer.forward`) on NHWC x with w [N, wDim] and the
   * layer's parameters `p` = [weight, bias, affine.weight, affine.bias]. `fast`: the inference
   * kernels (fused filtered lrelu, Winograd), which have no gradient; else differentiable ops.
   */
  private layerMath(
    L: TrainLayer,
    x: tf.Tensor4D,
    w: tf.Tensor2D,
    p: tf.Tensor[],
    inputGain: number,
    fast: boolean,
  ): tf.Tensor4D {
    if (fast) {
      const { y, pre } = this.layerFast(L, x, w, p, inputGain);
      pre.dispose();
      return y;
    }
    const [weight, bias, affineW, affineB] = p;
    const styles = this.styles(L, w, affineW, affineB);
    return this.layerFromStyles(L, x, styles, this.styleScale(L, styles), weight, bias, inputGain);
  }

  /** The inference kernels' forward of layer L: the output y and the conv's (demodulated) output `pre`. */
  private layerFast(
    L: TrainLayer,
    x: tf.Tensor4D,
    w: tf.Tensor2D,
    p: tf.Tensor[],
    inputGain: number,
  ): { y: tf.Tensor4D; pre: tf.Tensor4D } {
    const [weight, bias, affineW, affineB] = p;
    const prep = prepareModConvWeight(weight as tf.Tensor4D, !L.spec.isTorgb);
    const gain = tf.scalar(inputGain);
    const styles = this.styles(L, w, affineW, affineB);
    try {
      const pre = modulatedConv2dNHWC(x, prep, styles, L.spec.convKernel - 1, gain);
      return { y: L.plan.apply(pre, bias as tf.Tensor1D), pre };
    } finally {
      disposeModConvWeight(prep);
      tf.dispose([gain, styles]);
    }
  }

  /**
   * The layer after its affine, differentiable: modulated conv of x with styles·scale (scale =
   * 1/rms of the whole batch's styles, null for ToRGB), demodulation, filtered lrelu with bias.
   */
  private layerFromStyles(
    L: TrainLayer,
    x: tf.Tensor4D,
    styles: tf.Tensor2D,
    scale: tf.Tensor | null,
    weight: tf.Tensor,
    bias: tf.Tensor,
    inputGain: number,
  ): tf.Tensor4D {
    const { xm, w, d } = this.modulation(L, x, styles, scale, weight, inputGain);
    let y = conv2dDiff(xm, w, { pad: L.spec.convKernel - 1 });
    if (d) y = tf.mul(y, tf.reshape(d, [x.shape[0], 1, 1, L.spec.outChannels])) as tf.Tensor4D;
    return L.plan.applyDifferentiable(y, bias as tf.Tensor1D);
  }

  /**
   * The modulated conv's operands, differentiable: the modulated input xm = x ⊙ s·gain (the conv
   * weights are shared by the batch, so modulation and input gain act on the activations), the
   * conv weights w (HWIO; RMS-normalised with demodulation) and the demodulation
   * d = 1/√(s² · Σ_k ŵ² + 1e−8) [N, out] (null for ToRGB), with s = styles · scale.
   */
  private modulation(
    L: TrainLayer,
    x: tf.Tensor4D,
    styles: tf.Tensor2D,
    scale: tf.Tensor | null,
    weight: tf.Tensor,
    inputGain: number,
  ): { xm: tf.Tensor4D; w: tf.Tensor4D; d: tf.Tensor2D | null } {
    const { spec } = L;
    const demod = !spec.isTorgb;
    let wn: tf.Tensor = weight;
    let s: tf.Tensor2D = styles;
    if (demod) {
      wn = tf.mul(weight, tf.rsqrt(tf.mean(tf.square(weight), [1, 2, 3], true)));
      s = tf.mul(styles, scale!) as tf.Tensor2D;
    }
    const n = x.shape[0];
    const xm = tf.mul(x, tf.reshape(tf.mul(s, inputGain), [n, 1, 1, spec.inChannels])) as tf.Tensor4D;
    let d: tf.Tensor2D | null = null;
    if (demod) {
      const sq = tf.transpose(tf.sum(tf.square(wn), [2, 3])); // [in, out]
      d = tf.rsqrt(tf.add(tf.matMul(tf.square(s), sq), 1e-8)) as tf.Tensor2D;
    }
    return { xm, w: tf.transpose(wn, [2, 3, 1, 0]) as tf.Tensor4D, d };
  }

  private layerParams(L: TrainLayer): tf.Variable[] {
    return ['weight', 'bias', 'affine.weight', 'affine.bias'].map((n) => this.v(`${L.prefix}.${n}`));
  }

  /**
   * Samples per chunk of a layer's recomputed backward: its largest temporary (the conv's output,
   * or on the op path of the filtered nonlinearity the map at the filter's up-sampled rate, with
   * max(C_in, C_out) channels) kept under `recomputeLimits.elements` per chunk. Fewer, larger chunks
   * also mean fewer packings of the conv weights (each chunk's convs pack them again).
   */
  private recomputeChunk(L: TrainLayer): number {
    const { spec } = L;
    // The op path materialises the up-sampled map; the fused backward works on one sample and 8
    // channels at a time inside its kernel, so there the largest temporaries are conv-sized.
    const up = L.plan.gradientPath() === 'fused' ? 1 : spec.upFactor;
    const side = (spec.inSize + spec.convKernel - 1) * up;
    return Math.max(
      1,
      Math.floor(recomputeLimits.elements / (side * side * Math.max(spec.outChannels, spec.inChannels))),
    );
  }

  /**
   * The recomputed backward of one layer: gradients with respect to x, w and [weight, bias,
   * affine.weight, affine.bias] of Σ dy ⊙ layer(x, w). Big batches run in chunks of samples: the
   * samples interact only through the style scale 1/rms(styles of the batch), which is computed
   * once and differentiated once (its gradient summed over the chunks).
   */
  private layerBackward(
    L: TrainLayer,
    x: tf.Tensor4D,
    w: tf.Tensor2D,
    dy: tf.Tensor,
    inputGain: number,
  ): tf.Tensor[] {
    const params = this.layerParams(L);
    const n = x.shape[0];
    const chunk = this.recomputeChunk(L);
    if (chunk >= n) {
      const f = (...t: tf.Tensor[]) =>
        tf.sum(
          tf.mul(
            this.layerMath(L, t[0] as tf.Tensor4D, t[1] as tf.Tensor2D, t.slice(2), inputGain, false),
            dy,
          ),
        );
      return tf.grads(f)([x, w, ...params]);
    }
    const [weight, bias, affineW, affineB] = params;
    const styles = tf.tidy(() => this.styles(L, w, affineW, affineB));
    const scale = tf.tidy(() => this.styleScale(L, styles) ?? tf.scalar(1));
    const dxs: tf.Tensor[] = [];
    const dss: tf.Tensor[] = [];
    let dScale: tf.Tensor = tf.scalar(0);
    let dWeight: tf.Tensor = tf.zerosLike(weight);
    let dBias: tf.Tensor = tf.zerosLike(bias);
    for (let s0 = 0; s0 < n; s0 += chunk) {
      const m = Math.min(chunk, n - s0);
      tf.tidy(() => {
        const xc = tf.slice(x, [s0, 0, 0, 0], [m, -1, -1, -1]);
        const sc = tf.slice(styles, [s0, 0], [m, -1]);
        const dyc = tf.slice(dy, [s0, 0, 0, 0], [m, -1, -1, -1]);
        const torgb = L.spec.isTorgb;
        // (ToRGB has no style scale: tf.grads refuses inputs the result does not depend on.)
        const f = (...t: tf.Tensor[]) =>
          tf.sum(
            tf.mul(
              this.layerFromStyles(
                L,
                t[0] as tf.Tensor4D,
                t[1] as tf.Tensor2D,
                torgb ? null : t[4],
                t[2],
                t[3],
                inputGain,
              ),
              dyc,
            ),
          );
        const [gx, gs, gw, gb, gscale] = tf.grads(f)(
          torgb ? [xc, sc, weight, bias] : [xc, sc, weight, bias, scale],
        );
        dxs.push(tf.keep(gx));
        dss.push(tf.keep(gs));
        const acc = [
          gscale ? tf.add(dScale, gscale) : tf.clone(dScale),
          tf.add(dWeight, gw),
          tf.add(dBias, gb),
        ];
        tf.dispose([dScale, dWeight, dBias]);
        [dScale, dWeight, dBias] = acc.map((t) => tf.keep(t));
      });
    }
    const dStyles = tf.concat(dss);
    // Back through the affine and the style scale: Σ dS ⊙ styles(w) + dScale · scale(styles(w)).
    const g = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
      const st = this.styles(L, a as tf.Tensor2D, b, c);
      const sc = this.styleScale(L, st);
      const main = tf.sum(tf.mul(st, dStyles));
      return sc ? tf.add(main, tf.mul(sc, dScale)) : main;
    };
    const [dw, daw, dab] = tf.grads(g)([w, affineW, affineB]);
    const dx = tf.concat(dxs);
    const out = [dx, dw, tf.clone(dWeight), tf.clone(dBias), daw, dab];
    tf.dispose([styles, scale, dStyles, dScale, dWeight, dBias, ...dxs, ...dss]);
    return out;
  }

  /**
   * The backward of layer L from its kept conv output `pre` (= the demodulated conv, the input of
   * the filtered nonlinearity): the nonlinearity's backward kernel gives ∂L/∂pre and ∂L/∂bias, then
   * autograd runs through the styles, the modulation and the demodulation with the conv's value
   * taken as known (`demodulatedConvKnown`): nothing of the forward is recomputed but the
   * modulated input. Returns the gradients with respect to x, w and the four parameters, as
   * `layerBackward`.
   */
  private layerBackwardKept(
    L: TrainLayer,
    x: tf.Tensor4D,
    w: tf.Tensor2D,
    pre: tf.Tensor4D,
    dy: tf.Tensor,
    inputGain: number,
  ): tf.Tensor[] {
    const { spec } = L;
    const [weight, bias, affineW, affineB] = this.layerParams(L);
    const { dx: dPre, db: dBias } = L.plan.backwardFused(pre, bias as tf.Tensor1D, dy as tf.Tensor4D);
    const f = (...t: tf.Tensor[]) => {
      const [xx, ww, wt, aw, ab] = t;
      const styles = this.styles(L, ww as tf.Tensor2D, aw, ab);
      const m = this.modulation(L, xx as tf.Tensor4D, styles, this.styleScale(L, styles), wt, inputGain);
      return demodulatedConvKnown(m.xm, m.w, m.d!, pre, spec.convKernel - 1);
    };
    const [dx, dw, dWeight, daw, dab] = tf.grads(f)([x, w, weight, affineW, affineB], dPre);
    dPre.dispose();
    return [dx, dw, dWeight, dBias, daw, dab];
  }

  /**
   * A synthesis layer with gradient checkpointing: the forward runs the fast inference kernels and
   * keeps x and w, and with `keep` the conv's output (until the backward runs: call it under a
   * gradient whose result depends on the layer, as the training losses do). The backward starts
   * from the kept conv output (`layerBackwardKept`) or recomputes the layer on differentiable ops
   * (`layerBackward`), and returns its gradients (with respect to x, w and the four parameters).
   * Memory: one layer's intermediates (of one chunk of samples) at a time instead of all of them,
   * plus the kept outputs; cost without `keep`: one extra forward, on the fast kernels. First
   * order only.
   */
  private layerCheckpointed(
    L: TrainLayer,
    x: tf.Tensor4D,
    w: tf.Tensor2D,
    inputGain: number,
    keep: boolean,
  ): tf.Tensor4D {
    const params = this.layerParams(L);
    const engine = tf.engine() as unknown as { state: { activeTape: unknown; gradientDepth: number } };
    // No gradient being recorded (e.g. the fakes of Dmain): just the fast forward.
    if (engine.state.gradientDepth === 0) return this.layerMath(L, x, w, params, inputGain, true);
    // x and w stay alive for the backward by reference (tf.keep, freed there): tfjs's own `save`
    // would copy them (the wasm Identity kernel copies), doubling the memory of a training step.
    const xk = tf.keep(x);
    const wk = tf.keep(w);
    let pre: tf.Tensor4D | null = null;
    const fn = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      args.pop(); // save: unused, see above
      const fast = this.layerFast(L, args[0] as tf.Tensor4D, args[1] as tf.Tensor2D, params, inputGain);
      if (keep) pre = tf.keep(fast.pre);
      else fast.pre.dispose();
      return {
        value: fast.y,
        gradFunc: (dy: tf.Tensor) => {
          // tfjs's engine keeps one tape: a gradient taken inside a backward pass replaces it, so
          // the outer tape is put back afterwards (its node list was already filtered and copied).
          const outer = engine.state.activeTape;
          try {
            return pre
              ? this.layerBackwardKept(L, xk, wk, pre, dy, inputGain)
              : this.layerBackward(L, xk, wk, dy, inputGain);
          } finally {
            engine.state.activeTape = outer;
            tf.dispose([xk, wk, ...(pre ? [pre] : [])]);
          }
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...t: tf.Tensor[]) => tf.Tensor4D;
    return fn(x, w, ...params);
  }

  /**
   * ws [N, numWs, wDim] → image [N, C, H, W] (official `G.synthesis(ws, update_emas)`),
   * differentiable with respect to ws and every parameter. With `updateEmas`, every layer's
   * `magnitude_ema` moves before it scales that layer's input (as official). Each layer is
   * checkpointed (fast kernels forward, recomputed on differentiable ops in the backward) unless
   * `secondOrder` asks for a result that can be differentiated twice.
   */
  synthesis(
    ws: tf.Tensor3D,
    { updateEmas = false, secondOrder = false }: TrainForwardOptions = {},
  ): tf.Tensor4D {
    this.alive();
    const { numWs } = this.geometry;
    const wDim = this.geometry.config.wDim;
    if (!(ws instanceof tf.Tensor) || ws.rank !== 3 || ws.shape[1] !== numWs || ws.shape[2] !== wDim)
      throw new RangeError(
        `ws must be a tf.Tensor [N, ${numWs}, ${wDim}], got ${ws instanceof tf.Tensor ? `[${ws.shape.join(', ')}]` : String(ws)}`,
      );
    return tf.tidy(() => {
      const w = tf.unstack(tf.cast(ws, 'float32'), 1) as tf.Tensor2D[];
      let x = this.input(w[0]);
      let keepLeft = recomputeLimits.keptElements;
      this.layers.forEach((L, i) => {
        const gain = this.inputGain(L, x, updateEmas);
        if (secondOrder) {
          x = this.layerMath(L, x, w[i + 1], this.layerParams(L), gain, false);
          return;
        }
        // Keep the conv output where the nonlinearity's backward kernel can run on it, in budget.
        const { spec } = L;
        const side = spec.inSize + spec.convKernel - 1;
        const size = x.shape[0] * side * side * spec.outChannels;
        const keep = !spec.isTorgb && L.plan.gradientPath() === 'fused' && size <= keepLeft;
        if (keep) keepLeft -= size;
        x = this.layerCheckpointed(L, x, w[i + 1], gain, keep);
      });
      const scale = this.geometry.config.outputScale;
      if (scale !== 1) x = tf.mul(x, scale) as tf.Tensor4D;
      return tf.transpose(x, [0, 3, 1, 2]) as tf.Tensor4D;
    });
  }

  /** A copy of the state dict (official keys, shapes and order) with the current values. */
  stateDict(): StateDict {
    this.alive();
    const out: StateDict = new Map();
    for (const [key, e] of this.state) {
      const p = this.params.get(key);
      const data: StateTensor['data'] = p
        ? Float32Array.from(p.dataSync() as Float32Array)
        : Float32Array.from(e.data);
      out.set(key, { shape: [...e.shape], data });
    }
    return out;
  }

  /** Free every tensor. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.params.values()) v.dispose();
    for (const L of this.layers) L.plan.dispose();
    tf.dispose([this.gx, this.gy]);
  }
}
