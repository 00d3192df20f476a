/**
 * The StyleGAN2 synthesis network on TensorFlow.js (official `SynthesisNetwork`, `SynthesisBlock`,
 * `SynthesisLayer`, `ToRGBLayer` and `modulated_conv2d` of networks_stylegan2.py), in two forms
 * with the same semantics:
 *
 * - `synthesisReference(net, params, ws, opts)`: a pure function of a parameter map (official
 *   state-dict keys → tensors, e.g. tf.Variables), NCHW, written with the official operations
 *   (`conv2dResampleTf`: transposed conv + [1,3,3,1] filter for the up-sampling conv0,
 *   `upsample2dTf` for the skip image). Differentiable with respect to every parameter and to ws
 *   (training, path-length regularisation).
 * - `PreparedSynthesis`: the fast inference path (NHWC, weights prepared once): 3×3 convs as
 *   Winograd F(4×4, 3×3) where it pays off (see `useWinograd` of ops/modulated-conv.ts), and the
 *   up-sampling conv0 as four small correlations, one per output phase, instead of a transposed
 *   conv (up-conv.ts; Winograd F(2, 2) on their 2-tap axes by the same rule).
 *
 * One layer, per sample n (official modulated_conv2d with demodulation, then bias_act):
 *
 *     s = A(w) = w·(W_A/√w_dim)ᵀ + b_A                       (affine; b_A initialised to 1)
 *     d[o] = 1/√(Σ_{i,k} (W[o,i,k]·s[i])² + 1e−8)             (demodulation; not in ToRGB)
 *     y = d ⊙ conv(s ⊙ x, W) + noise·noise_strength            (noise: none / stored noise_const / N(0,1))
 *     x' = clamp(√2·g·lrelu_0.2(y + b), ±256·g)                (g = 1, or √½ in resnet conv1)
 *
 * ToRGB: s scaled by 1/√C_in, 1×1 conv without demodulation, + bias, clamp ±256 (linear).
 * Block: x ← conv1(conv0(x)) (b4: conv1(const)); img ← upsample2d(img, f) + ToRGB(x) (skip).
 *
 * conv0 (up 2, padding 1, official flip_weight False ⇒ the transposed conv uses W unflipped) is
 * the official transposed conv followed by the [1,3,3,1] filter × up²; see up-conv.ts for its
 * phase decomposition. Measured against folding F into W (6×6 → one 3×3 conv with 4·C_out
 * outputs, as Winograd): 20–50 % less time per conv0 layer of config A.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { StyleGAN2Layout, StyleGAN2LayerSpec } from './layout.js';
import { conv2dResampleTf, upsample2dTf, type ResampleFilter } from '../ops/resample.js';
import { AUTO_MIN_MACS, convAlgorithm } from '../ops/modulated-conv.js';
import {
  prepareWinogradWeight,
  winogradConv3x3NHWC,
  disposeWinogradWeight,
  type WinogradWeight,
} from '../ops/winograd.js';
import { SynthesisInputLayer } from '../stylegan3/synthesis-input.js';
import {
  prepareUpConv,
  upConv,
  upConvWinogradPays,
  disposeUpConv,
  upFilterTaps,
  type UpConvWeight,
} from './up-conv.js';
import {
  prepareWinogradConvWeight,
  prepareWinogradUpConvWeight,
  winogradConv,
  winogradConvSupport,
  winogradUpConv,
  upsampleImage2x,
  type WinogradConvWeight,
  type WinogradUpConvWeight,
} from '../kernels/winograd-conv.js';
import type { StateDict } from '../state.js';

/** Per-pixel noise: each layer's stored `noise_const`, none, or fresh N(0, 1) draws (official default). */
export type NoiseMode = 'const' | 'none' | 'random';

/** Options of a StyleGAN2 synthesis run. */
export interface StyleGAN2SynthesisOptions {
  /** 'random' (default, as official), 'const' or 'none'. */
  noiseMode?: NoiseMode;
  /**
   * With `noiseMode: 'random'`: seed of the draws (a non-negative integer), so a run can be
   * repeated; layer `l` (its ws index) draws with tfjs's seeded generator, seed `noiseSeed·1024 + l`.
   * Left out: fresh, unseeded draws, as official.
   */
  noiseSeed?: number;
  /**
   * With `noiseSeed`: the index of this call's first sample in a larger seeded batch (default 0).
   * Sample k then gets the noise that sample `noiseOffset + k` gets when the whole batch runs at
   * once, so a batch split into parts (e.g. over `GeneratorPool` workers) draws the same noise.
   */
  noiseOffset?: number;
  /** Also return every block's outputs, NCHW: `b<res>.x` and `b<res>.img` (the running skip image). */
  capture?: boolean;
  /**
   * With `capture`, also every layer's own output (after bias, activation and clamp), NCHW, keyed
   * by its module name: `b<res>.conv0`, `b<res>.conv1`, `b<res>.torgb` (the ToRGB output before it is
   * added to the skip image), `b<res>.skip` (resnet).
   */
  captureLayers?: boolean;
  /**
   * B/C only: the inverse of the desired image transform, 3×3 (the `transform` buffer of the
   * Fourier-feature input, as StyleGAN3's `synthesis.input.transform`); default the stored buffer.
   */
  transform?: ArrayLike<number> | null;
}

/** What a StyleGAN2 synthesis returns: the image and, with `capture`, block (and layer) outputs. */
export interface StyleGAN2SynthesisResult {
  /** [N, imgChannels, imgResolution, imgResolution], float32, nominal range [−1, 1]. */
  image: tf.Tensor4D;
  /** With `capture`: `b<res>.x` [N, C, res, res] and `b<res>.img` [N, imgC, res, res]. */
  layers?: Record<string, tf.Tensor4D>;
}

/** A parameter map: official state-dict key → tensor (trainable ones may be tf.Variables). */
export type StyleGAN2Params = ReadonlyMap<string, tf.Tensor>;

/** The static parts of a network (structure, filters, the Fourier feature generator of B/C). */
export interface StyleGAN2Net {
  layout: StyleGAN2Layout;
  /** Each layer's / block's 2-D resampling filter, by module path (`b8`, `b8.conv0`, `b8.skip`). */
  filters: Map<string, { data: Float32Array; shape: [number, number] }>;
  /** B/C: the fixed Fourier features (its learned channel mix is the identity; the real one is a parameter). */
  features: SynthesisInputLayer | null;
}

/** Build the static parts from a state dict (filters are buffers: read once as numbers). */
export function styleGAN2Net(layout: StyleGAN2Layout, state: StateDict): StyleGAN2Net {
  const filters = new Map<string, { data: Float32Array; shape: [number, number] }>();
  for (const [key, e] of state) {
    if (!key.endsWith('.resample_filter')) continue;
    const path = key.slice('synthesis.'.length, -'.resample_filter'.length);
    const data = e.data instanceof Float32Array ? e.data : Float32Array.from(e.data);
    const shape: [number, number] = e.shape.length === 2 ? [e.shape[0], e.shape[1]] : [1, data.length];
    filters.set(path, { data, shape });
  }
  let features: SynthesisInputLayer | null = null;
  const c = layout.config;
  if (c.input === 'fourier') {
    const C = layout.blocks[0].outChannels;
    const p = 'synthesis.b4.input';
    const eye = new Float32Array(C * C);
    for (let i = 0; i < C; i++) eye[i * C + i] = Math.sqrt(C);
    const sub: StateDict = new Map([
      ['synthesis.input.weight', { shape: [C, C], data: eye }],
      ['synthesis.input.transform', state.get(`${p}.transform`)!],
      ['synthesis.input.freqs', state.get(`${p}.freqs`)!],
      ['synthesis.input.phases', state.get(`${p}.phases`)!],
    ]);
    const s = c.fourierSamplingRate;
    features = new SynthesisInputLayer(
      {
        channels: C,
        size: 4,
        samplingRate: s,
        bandwidth: c.fourierBandwidth,
        hardBandCut: s / 2 - c.fourierBandwidth <= 0,
        learnedTransform: false,
      },
      sub,
    );
  }
  return { layout, filters, features };
}

/** Free the tensors of a net's static parts. */
export function disposeStyleGAN2Net(net: StyleGAN2Net): void {
  net.features?.dispose();
}

function param(params: StyleGAN2Params, key: string): tf.Tensor {
  const t = params.get(key);
  if (!t) throw new RangeError(`params has no entry ${JSON.stringify(key)}`);
  return t;
}

function filterOf(net: StyleGAN2Net, path: string): ResampleFilter {
  const f = net.filters.get(path);
  if (!f) throw new RangeError(`no resample_filter for synthesis.${path}`);
  return f;
}

/** The block-4 input NHWC [N, 4, 4, C]: the learned const, or the Fourier features mixed by the learned weight. */
function blockInputNHWC(
  net: StyleGAN2Net,
  params: StyleGAN2Params,
  w0: tf.Tensor2D,
  transform: ArrayLike<number> | null,
): tf.Tensor4D {
  const n = w0.shape[0];
  const b = net.layout.blocks[0];
  if (!net.features) {
    if (transform) {
      throw new RangeError(
        'transform needs a Fourier-feature input (configs B, C); this generator starts from a learned constant',
      );
    }
    const cst = param(params, `synthesis.b${b.resolution}.const`); // [C, 4, 4]
    return tf.tile(tf.expandDims(tf.transpose(cst, [1, 2, 0]), 0), [n, 1, 1, 1]) as tf.Tensor4D;
  }
  const C = b.outChannels;
  const feats = net.features.forward(w0, transform); // [N, 4, 4, C], mix = identity
  const W = param(params, `synthesis.b${b.resolution}.input.weight`);
  const mix = tf.transpose(tf.div(W, Math.sqrt(C))) as tf.Tensor2D;
  return tf.reshape(tf.matMul(tf.reshape(feats, [n * 16, C]), mix), [n, 4, 4, C]) as tf.Tensor4D;
}

/** Styles s = w·(W_A/√w_dim)ᵀ + b_A (and ×1/√C_in for ToRGB). */
function styles(params: StyleGAN2Params, L: StyleGAN2LayerSpec, w: tf.Tensor2D): tf.Tensor2D {
  const q = `synthesis.${L.name}`;
  const A = param(params, `${q}.affine.weight`);
  let s = tf.add(
    tf.matMul(w, tf.mul(A, 1 / Math.sqrt(A.shape[1]!)), false, true),
    param(params, `${q}.affine.bias`),
  );
  if (L.kind === 'torgb') s = tf.mul(s, 1 / Math.sqrt(L.inChannels * L.kernel * L.kernel));
  return s as tf.Tensor2D;
}

function noiseOf(
  params: StyleGAN2Params,
  L: StyleGAN2LayerSpec,
  mode: NoiseMode,
  n: number,
  nchw: boolean,
  seed: NoiseDraw | null,
): tf.Tensor | null {
  if (!L.noise || mode === 'none') return null;
  const q = `synthesis.${L.name}`;
  const strength = param(params, `${q}.noise_strength`);
  const r = L.resolution;
  const base =
    mode === 'const'
      ? tf.reshape(param(params, `${q}.noise_const`), nchw ? [1, 1, r, r] : [1, r, r, 1])
      : randomNoise(nchw ? [n, 1, r, r] : [n, r, r, 1], L.wIndex, seed);
  return tf.mul(base, strength);
}

/** The seed of 'random' noise and the index of the call's first sample in the seeded batch. */
export interface NoiseDraw {
  seed: number;
  offset: number;
}

/**
 * Fresh N(0, 1) per-pixel noise of one layer. With a seed the draws are repeatable: layer `wIndex`
 * uses tfjs's seeded generator with seed `seed·1024 + wIndex` (layers have distinct ws indices,
 * fewer than 1024). [N, 1, R, R] and [N, R, R, 1] hold the same values in the same order, so the
 * NCHW and NHWC paths add identical noise. The seeded generator fills a tensor value by value in
 * order, so the noise of samples `offset … offset + N` is the tail of a draw for `offset + N`
 * samples: what those samples get in one call of the whole batch.
 */
function randomNoise(shape: number[], wIndex: number, draw: NoiseDraw | null): tf.Tensor {
  if (draw === null) return tf.randomNormal(shape, 0, 1, 'float32');
  const seed = draw.seed * 1024 + wIndex;
  if (draw.offset === 0) return tf.randomNormal(shape, 0, 1, 'float32', seed);
  return tf.tidy(() => {
    const all = tf.randomNormal([draw.offset + shape[0], ...shape.slice(1)], 0, 1, 'float32', seed);
    return tf.slice(
      all,
      shape.map((_, i) => (i === 0 ? draw.offset : 0)),
      shape,
    );
  });
}

/** `noiseOffset` checked (a non-negative safe integer, only with a seed) and joined with the seed. */
export function noiseDraw(seed: number | null, offset: unknown): NoiseDraw | null {
  if (offset !== undefined && offset !== null) {
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)
      throw new RangeError(
        `noiseOffset must be a non-negative integer, got ${typeof offset === 'string' ? JSON.stringify(offset) : String(offset)}`,
      );
    if (seed === null && offset !== 0)
      throw new RangeError(
        'noiseOffset places a call inside a seeded batch; it needs noiseSeed (and noiseMode random)',
      );
  }
  return seed === null ? null : { seed, offset: (offset as number | undefined) ?? 0 };
}

/** `noiseSeed` checked: null when absent, else a non-negative safe integer used with 'random' only. */
export function checkNoiseSeed(seed: unknown, mode: NoiseMode): number | null {
  if (seed === undefined || seed === null) return null;
  if (
    typeof seed !== 'number' ||
    !Number.isSafeInteger(seed) ||
    seed < 0 ||
    seed * 1024 > Number.MAX_SAFE_INTEGER
  ) {
    throw new RangeError(
      `noiseSeed must be a non-negative integer below 2^43, got ${typeof seed === 'string' ? JSON.stringify(seed) : String(seed)}`,
    );
  }
  if (mode !== 'random') {
    throw new RangeError(
      `noiseSeed seeds the draws of noiseMode 'random'; it has no meaning with noiseMode ${JSON.stringify(mode)}`,
    );
  }
  return seed;
}

/** bias + lrelu·√2·g + clamp ±256·g (conv layers) or bias + clamp (ToRGB) along channel axis `axis`. */
function biasAct(
  x: tf.Tensor4D,
  b: tf.Tensor,
  L: StyleGAN2LayerSpec,
  clamp: number | null,
  gain: number,
  axis: 1 | 3,
): tf.Tensor4D {
  const shape = axis === 1 ? [1, -1, 1, 1] : [1, 1, 1, -1];
  let y: tf.Tensor = tf.add(x, tf.reshape(b, shape));
  if (L.kind !== 'torgb') y = tf.mul(tf.leakyRelu(y, 0.2), Math.SQRT2 * gain);
  if (clamp !== null) y = tf.clipByValue(y, -clamp * gain, clamp * gain);
  return y as tf.Tensor4D;
}

/** One layer on NCHW with the official operation order (non-fused modconv path). */
function layerReference(
  net: StyleGAN2Net,
  params: StyleGAN2Params,
  L: StyleGAN2LayerSpec,
  x: tf.Tensor4D,
  w: tf.Tensor2D,
  mode: NoiseMode,
  seed: NoiseDraw | null,
  gain = 1,
): tf.Tensor4D {
  const q = `synthesis.${L.name}`;
  const W = param(params, `${q}.weight`) as tf.Tensor4D;
  const s = styles(params, L, w);
  const n = x.shape[0];
  let y = tf.mul(x, tf.reshape(s, [n, -1, 1, 1])) as tf.Tensor4D;
  y = conv2dResampleTf(y, W, {
    f: L.up > 1 ? filterOf(net, L.name) : null,
    up: L.up,
    padding: Math.floor(L.kernel / 2),
    flipWeight: L.up === 1,
  });
  if (L.demodulate) {
    const sq = tf.transpose(tf.sum(tf.square(W), [2, 3])); // [I, O]
    const d = tf.rsqrt(tf.add(tf.matMul(tf.square(s), sq), 1e-8));
    y = tf.mul(y, tf.reshape(d, [n, -1, 1, 1]));
  }
  const noise = noiseOf(params, L, mode, n, true, seed);
  if (noise) y = tf.add(y, noise);
  return biasAct(y, param(params, `${q}.bias`), L, net.layout.config.convClamp, gain, 1);
}

function checkNoiseMode(mode: unknown): asserts mode is NoiseMode {
  if (mode !== 'const' && mode !== 'none' && mode !== 'random') {
    throw new RangeError(`noiseMode must be 'const', 'none' or 'random', got ${JSON.stringify(mode)}`);
  }
}

/**
 * The synthesis network as a pure function of `params` (official state-dict keys; trainable
 * entries may be tf.Variables) and ws [N, numWs, wDim]: official operations in official order, NCHW.
 * Differentiable with respect to every parameter and to ws (register the gradients first with
 * `ensureGradients()` of ../ops/gradients.ts). Returns new tensors; nothing is kept.
 */
export function synthesisReference(
  net: StyleGAN2Net,
  params: StyleGAN2Params,
  ws: tf.Tensor3D,
  {
    noiseMode = 'random',
    noiseSeed,
    noiseOffset,
    capture = false,
    captureLayers = false,
    transform = null,
  }: StyleGAN2SynthesisOptions = {},
): StyleGAN2SynthesisResult {
  checkNoiseMode(noiseMode);
  const seed = noiseDraw(checkNoiseSeed(noiseSeed, noiseMode), noiseOffset);
  return tf.tidy(() => {
    const { blocks } = net.layout;
    const w = tf.unstack(ws, 1) as tf.Tensor2D[];
    const layers: Record<string, tf.Tensor4D> = {};
    const keep = (name: string, t: tf.Tensor4D) => {
      if (capture && captureLayers) layers[name] = t;
      return t;
    };
    let x: tf.Tensor4D | null = null;
    let img: tf.Tensor4D | null = null;
    for (const b of blocks) {
      const path = `b${b.resolution}`;
      if (!x) {
        const x0 = blockInputNHWC(net, params, w[0], transform);
        x = keep(
          b.conv1.name,
          layerReference(
            net,
            params,
            b.conv1,
            tf.transpose(x0, [0, 3, 1, 2]),
            w[b.conv1.wIndex],
            noiseMode,
            seed,
          ),
        );
      } else if (b.skip) {
        const sw = param(params, `synthesis.${b.skip.name}.weight`) as tf.Tensor4D;
        const gain = Math.SQRT1_2 / Math.sqrt(b.skip.inChannels);
        const y = keep(
          b.skip.name,
          conv2dResampleTf(x, tf.mul(sw, gain) as tf.Tensor4D, {
            f: filterOf(net, b.skip.name),
            up: 2,
            flipWeight: false,
          }),
        );
        x = keep(
          b.conv0!.name,
          layerReference(net, params, b.conv0!, x, w[b.conv0!.wIndex], noiseMode, seed),
        );
        x = keep(
          b.conv1.name,
          layerReference(net, params, b.conv1, x, w[b.conv1.wIndex], noiseMode, seed, Math.SQRT1_2),
        );
        x = tf.add(y, x) as tf.Tensor4D;
      } else {
        x = keep(
          b.conv0!.name,
          layerReference(net, params, b.conv0!, x, w[b.conv0!.wIndex], noiseMode, seed),
        );
        x = keep(b.conv1.name, layerReference(net, params, b.conv1, x, w[b.conv1.wIndex], noiseMode, seed));
      }
      if (img) img = upsample2dTf(img, filterOf(net, path));
      if (b.torgb) {
        const y = keep(
          b.torgb.name,
          layerReference(net, params, b.torgb, x, w[b.torgb.wIndex], noiseMode, seed),
        );
        img = img ? (tf.add(img, y) as tf.Tensor4D) : y;
      }
      if (capture) {
        layers[`${path}.x`] = x;
        if (img) layers[`${path}.img`] = img;
      }
    }
    return (capture ? { image: img!, layers } : { image: img! }) as unknown as tf.TensorContainer;
  }) as unknown as StyleGAN2SynthesisResult;
}

// ---------------------------------------------------------------------------------------------
// Fast inference path
// ---------------------------------------------------------------------------------------------

/** Whether a 3×3 conv of this size runs as Winograd (the rule of ops/modulated-conv.ts `useWinograd`). */
function winogradFor(outH: number, outW: number, cin: number, cout: number): boolean {
  const { algorithm } = convAlgorithm();
  if (algorithm === 'direct') return false;
  if (algorithm === 'winograd') return true;
  if (tf.getBackend() !== 'wasm') return false;
  return outH * outW * cin * cout * 9 >= AUTO_MIN_MACS;
}

/**
 * Whether a conv layer (3×3 conv1, or conv0 with its up-sampling) runs as the fused WebAssembly
 * Winograd kernel (kernels/winograd-conv.ts: conv, demodulation, noise, bias, leaky ReLU and clamp
 * in one call). 'auto' on the wasm backend takes it for every size (its fixed cost is one call,
 * not ~50 ops); 'winograd' keeps the tfjs-op Winograd and 'direct' the plain convs, so both stay
 * available for comparison.
 */
function fusedConvFor(cin: number, cout: number): boolean {
  if (convAlgorithm().algorithm !== 'auto' || cin % 4 !== 0 || cout % 8 !== 0) return false;
  return winogradConvSupport().ok;
}

/** Whether conv0 (input H × W) runs its phase correlations as Winograd F(2, 2) (see `upConvWinogradPays`). */
function upWinogradFor(h: number, w: number, cin: number, cout: number): boolean {
  const { algorithm } = convAlgorithm();
  if (algorithm === 'direct') return false;
  if (algorithm === 'winograd') return true;
  return tf.getBackend() === 'wasm' && upConvWinogradPays(h, w, cin, cout);
}

/** One prepared layer (tensors owned by the layer; `dispose` frees them). */
class PreparedLayer {
  readonly spec: StyleGAN2LayerSpec;
  /** [w_dim, C_in] = (W_A/√w_dim)ᵀ (× 1/√C_in for ToRGB) and the matching bias. */
  private readonly affW: tf.Tensor2D;
  private readonly affB: tf.Tensor1D;
  /** Conv weights [k, k, C_in, C_out] (conv1, ToRGB; null for conv0, which uses `up`). */
  private readonly hwio: tf.Tensor4D | null;
  /** conv0: the phase kernels and filter taps (see up-conv.ts). */
  private readonly up: UpConvWeight | null;
  /** Σ_k W[o, i, k]² as [C_in, C_out] (demodulating layers). */
  private readonly sq: tf.Tensor2D | null;
  private readonly bias: tf.Tensor1D;
  /**
   * Conv layers fold the activation gain a = √2·g into everything before the leaky ReLU
   * (lrelu(v)·a = lrelu(a·v) for a > 0): the demodulation, `biasA` = a·b [1, 1, 1, C_out], the
   * noise strength `noiseA` = a·strength, and for 'const' noise `noiseBiasA` = a·(noise_const·strength
   * + b) [1, res, res, C_out] (made on first use) — one add instead of two.
   */
  private readonly biasA: tf.Tensor4D;
  private readonly noiseConst: tf.Tensor | null;
  private readonly noiseA: tf.Scalar | null;
  private noiseBiasA: tf.Tensor4D | null = null;
  private readonly actGain: number;
  private winograd: WinogradWeight | null = null;
  /** The fused kernel's packed weights (made on first use) and the raw OIHW weights. */
  private fused: WinogradConvWeight | null = null;
  private fusedUp: WinogradUpConvWeight | null = null;
  private readonly oihw: Float32Array;
  /** conv0's up-sampling filter. */
  private readonly filter: { data: Float32Array; shape: [number, number] } | null = null;
  /** The noise strength times the activation gain, as a number (the fused kernel's γ). */
  private readonly noiseGainA: number;
  private readonly clamp: number | null;
  private readonly gain: number;

  constructor(net: StyleGAN2Net, state: StateDict, spec: StyleGAN2LayerSpec, clamp: number | null, gain = 1) {
    this.spec = spec;
    this.clamp = clamp;
    this.gain = gain;
    const q = `synthesis.${spec.name}`;
    const get = (k: string) => {
      const e = state.get(`${q}.${k}`);
      if (!e) throw new RangeError(`state has no entry ${q}.${k}`);
      return e;
    };
    const tensorOf = (k: string) => {
      const e = get(k);
      return tf.tensor(
        e.data instanceof Float32Array ? e.data : Float32Array.from(e.data),
        e.shape,
        'float32',
      );
    };
    const [affW, affB] = tf.tidy(() => {
      const A = tensorOf('affine.weight');
      let wT = tf.transpose(tf.mul(A, 1 / Math.sqrt(A.shape[1]!)));
      let b = tensorOf('affine.bias');
      if (spec.kind === 'torgb') {
        const g = 1 / Math.sqrt(spec.inChannels * spec.kernel * spec.kernel);
        wT = tf.mul(wT, g);
        b = tf.mul(b, g);
      }
      return [wT as tf.Tensor2D, b as tf.Tensor1D];
    });
    this.affW = affW;
    this.affB = affB;
    const W = get('weight');
    const Wd = W.data instanceof Float32Array ? W.data : Float32Array.from(W.data);
    this.oihw = Wd;
    const [O, I, k] = [spec.outChannels, spec.inChannels, spec.kernel];
    if (spec.up === 2) {
      this.hwio = null;
      this.filter = net.filters.get(spec.name)!;
      this.up = prepareUpConv(Wd, O, I, this.filter);
    } else {
      this.up = null;
      this.hwio = tf.tidy(() => tf.transpose(tf.tensor4d(Wd, [O, I, k, k]), [2, 3, 1, 0]) as tf.Tensor4D);
    }
    this.sq = spec.demodulate
      ? tf.tidy(() => tf.transpose(tf.sum(tf.square(tf.tensor4d(Wd, [O, I, k, k])), [2, 3])) as tf.Tensor2D)
      : null;
    this.bias = tensorOf('bias') as tf.Tensor1D;
    this.actGain = spec.kind === 'torgb' ? 1 : Math.SQRT2 * gain;
    this.biasA = tf.tidy(() => tf.reshape(tf.mul(this.bias, this.actGain), [1, 1, 1, -1]) as tf.Tensor4D);
    if (spec.noise) {
      const r = spec.resolution;
      this.noiseGainA = get('noise_strength').data[0] * this.actGain;
      this.noiseA = tf.scalar(this.noiseGainA);
      this.noiseConst = tf.tidy(() => tf.reshape(tensorOf('noise_const'), [1, r, r, 1]));
    } else {
      this.noiseA = null;
      this.noiseConst = null;
      this.noiseGainA = 0;
    }
  }

  /** x NHWC [N, H, W, C_in], w [N, w_dim] → NHWC output (2H × 2W for conv0). */
  forward(x: tf.Tensor4D, w: tf.Tensor2D, mode: NoiseMode, seed: NoiseDraw | null = null): tf.Tensor4D {
    return tf.tidy(() => {
      const { spec } = this;
      const [n, h, wd, cin] = x.shape;
      const s = tf.add(tf.matMul(w, this.affW), this.affB) as tf.Tensor2D;
      if (spec.kind === 'torgb') {
        // 1×1 conv without demodulation: fold the styles into per-sample [C_in, C_out] weights.
        const ws = tf.mul(tf.reshape(s, [n, cin, 1]), tf.reshape(this.hwio!, [1, cin, spec.outChannels]));
        const y = tf.reshape(tf.matMul(tf.reshape(x, [n, h * wd, cin]), ws), [n, h, wd, spec.outChannels]);
        return biasAct(y as tf.Tensor4D, this.bias, spec, this.clamp, 1, 3);
      }
      const O = spec.outChannels;
      if (spec.kernel === 3 && fusedConvFor(cin, O)) return this.forwardFused(x, s, mode, seed);
      const xm = tf.mul(x, tf.reshape(s, [n, 1, 1, cin])) as tf.Tensor4D;
      let y: tf.Tensor4D;
      if (this.up) {
        y = upConv(xm, this.up, upWinogradFor(h, wd, cin, O));
      } else if (winogradFor(h, wd, cin, O)) {
        const { tile } = convAlgorithm();
        if (!this.winograd || this.winograd.m !== tile) {
          if (this.winograd) disposeWinogradWeight(this.winograd);
          this.winograd = prepareWinogradWeight(this.hwio!, tile);
        }
        y = winogradConv3x3NHWC(xm, this.winograd, 1);
      } else {
        y = tf.conv2d(xm, this.hwio!, 1, [
          [0, 0],
          [1, 1],
          [1, 1],
          [0, 0],
        ]);
      }
      xm.dispose();
      // Demodulation times the activation gain (see `biasA`).
      const d = tf.mul(tf.rsqrt(tf.add(tf.matMul(tf.square(s), this.sq!), 1e-8)), this.actGain); // [N, O]
      y = tf.mul(y, tf.reshape(d, [n, 1, 1, O])) as tf.Tensor4D;
      if (spec.noise && mode === 'const') {
        const nb: tf.Tensor4D =
          this.noiseBiasA ??
          (tf.keep(tf.tidy(() => tf.add(tf.mul(this.noiseConst!, this.noiseA!), this.biasA))) as tf.Tensor4D);
        this.noiseBiasA = nb;
        y = tf.add(y, nb) as tf.Tensor4D;
      } else {
        if (spec.noise && mode === 'random') {
          const r = spec.resolution;
          y = tf.add(y, tf.mul(randomNoise([n, r, r, 1], spec.wIndex, seed), this.noiseA!)) as tf.Tensor4D;
        }
        y = tf.add(y, this.biasA) as tf.Tensor4D;
      }
      y = tf.leakyRelu(y, 0.2);
      return this.clamp === null
        ? y
        : (tf.clipByValue(y, -this.clamp * this.gain, this.clamp * this.gain) as tf.Tensor4D);
    });
  }

  /** `forward` of conv0 or a 3×3 conv1 through the fused Winograd kernel (inside `forward`'s tidy). */
  private forwardFused(x: tf.Tensor4D, s: tf.Tensor2D, mode: NoiseMode, seed: NoiseDraw | null): tf.Tensor4D {
    const { spec } = this;
    const n = x.shape[0];
    // Packed on first use, inside forward's tidy: kept, owned by the layer.
    if (this.up && !this.fusedUp) {
      const taps = (t: tf.Tensor4D) => {
        const d = t.dataSync();
        return Array.from({ length: 4 }, (_, k) => d[k * spec.outChannels]);
      };
      const w = prepareWinogradUpConvWeight(
        this.oihw,
        spec.outChannels,
        spec.inChannels,
        taps(this.up.fy),
        taps(this.up.fx),
      );
      tf.keep(w.packed);
      tf.keep(w.taps);
      this.fusedUp = w;
    } else if (!this.up && !this.fused) {
      const w = prepareWinogradConvWeight(this.oihw, spec.outChannels, spec.inChannels);
      tf.keep(w.packed);
      this.fused = w;
    }
    // Demodulation times the activation gain (see `biasA`).
    const d = tf.mul(tf.rsqrt(tf.add(tf.matMul(tf.square(s), this.sq!), 1e-8)), this.actGain) as tf.Tensor2D;
    let noise: tf.Tensor | null = null;
    if (spec.noise && mode === 'const') noise = this.noiseConst;
    else if (spec.noise && mode === 'random') {
      const r = spec.resolution;
      noise = randomNoise([n, r, r, 1], spec.wIndex, seed);
    }
    const opts = {
      styles: s,
      scale: d,
      bias: tf.reshape(this.biasA, [-1]) as tf.Tensor1D,
      noise,
      noiseGain: this.noiseGainA,
      slope: 0.2,
      clamp: this.clamp === null ? null : this.clamp * this.gain,
    };
    return this.up ? winogradUpConv(x, this.fusedUp!, opts) : winogradConv(x, this.fused!, opts);
  }

  /**
   * Multiply–accumulates of one sample: affine, conv (conv0 as the transposed conv,
   * k²·H_in·W_in·C_in·C_out, which its four phase convs evaluate; the 4-tap filter passes are not
   * counted) and the demodulation product.
   */
  macs(): number {
    const { spec } = this;
    const inRes = spec.resolution / spec.up;
    return (
      this.affW.size +
      inRes * inRes * spec.inChannels * spec.outChannels * spec.kernel * spec.kernel +
      (this.sq ? this.sq.size : 0)
    );
  }

  dispose(): void {
    tf.dispose([this.affW, this.affB, this.bias, this.biasA]);
    if (this.hwio) this.hwio.dispose();
    if (this.up) disposeUpConv(this.up);
    if (this.sq) this.sq.dispose();
    if (this.noiseConst) tf.dispose([this.noiseConst, this.noiseA!]);
    if (this.noiseBiasA) this.noiseBiasA.dispose();
    this.noiseBiasA = null;
    if (this.winograd) disposeWinogradWeight(this.winograd);
    this.winograd = null;
    this.fused?.packed.dispose();
    this.fused = null;
    if (this.fusedUp) tf.dispose([this.fusedUp.packed, this.fusedUp.taps]);
    this.fusedUp = null;
  }
}

/**
 * The state entries of conv layer `spec` restricted to output channels [o0, o1) (weight rows and
 * bias; the affine, the noise and the filter belong to every output channel), with the matching
 * spec: a `PreparedLayer` made from them computes exactly those channels of the whole layer, since
 * a channel's modulation, demodulation, noise and activation depend on its own weights only.
 */
function sliceLayer(
  state: StateDict,
  spec: StyleGAN2LayerSpec,
  o0: number,
  o1: number,
): { state: StateDict; spec: StyleGAN2LayerSpec } {
  const q = `synthesis.${spec.name}`;
  const W = state.get(`${q}.weight`)!;
  const b = state.get(`${q}.bias`)!;
  const per = W.data.length / spec.outChannels;
  const sliced: StateDict = new Map(state);
  sliced.set(`${q}.weight`, {
    shape: [o1 - o0, ...W.shape.slice(1)],
    data: W.data.slice(o0 * per, o1 * per),
  });
  sliced.set(`${q}.bias`, { shape: [o1 - o0], data: b.data.slice(o0, o1) });
  return { state: sliced, spec: { ...spec, outChannels: o1 - o0 } };
}

/**
 * A channel slice of the synthesis for `runPart`: part `part` of `parts` computes output channels
 * `bounds[part] … bounds[part + 1]` of every conv0, conv1 and resnet skip.
 */
export interface ChannelSlice {
  part: number;
  parts: number;
  /** Channel bounds [0, …, C] of a layer with C output channels (e.g. `channelBounds` of StyleGAN3). */
  bounds: (channels: number) => number[];
}

/** The synthesis network with weights prepared once for inference (owns its tensors). */
export class PreparedSynthesis {
  private readonly net: StyleGAN2Net;
  private readonly blocks: {
    conv0: PreparedLayer | null;
    conv1: PreparedLayer;
    torgb: PreparedLayer | null;
    skip: tf.Tensor2D | null;
  }[];
  private readonly input: Map<string, tf.Tensor>;
  /** The channel slice this instance computes (null: every channel; see `runPart`). */
  readonly slice: ChannelSlice | null;
  /** Per block: the skip image's up-sampling taps for the wasm kernel (null: not a separable 4×4). */
  private readonly imageTaps = new Map<string, tf.Tensor1D | null>();

  /**
   * Prepare every layer, or with `slice` only that part's output channels of the conv layers
   * (ToRGB stays whole: `runPart` runs it on part 0 only).
   */
  constructor(net: StyleGAN2Net, state: StateDict, slice: ChannelSlice | null = null) {
    this.net = net;
    this.slice = slice;
    const clamp = net.layout.config.convClamp;
    const arch = net.layout.config.architecture;
    const range = (C: number): [number, number] => {
      if (!slice) return [0, C];
      const b = slice.bounds(C);
      return [b[slice.part], b[slice.part + 1]];
    };
    const conv = (L: StyleGAN2LayerSpec, gain = 1) => {
      if (!slice) return new PreparedLayer(net, state, L, clamp, gain);
      const part = sliceLayer(state, L, ...range(L.outChannels));
      return new PreparedLayer(net, part.state, part.spec, clamp, gain);
    };
    this.blocks = net.layout.blocks.map((b) => ({
      conv0: b.conv0 ? conv(b.conv0) : null,
      conv1: conv(b.conv1, arch === 'resnet' && b.inChannels ? Math.SQRT1_2 : 1),
      torgb: b.torgb ? new PreparedLayer(net, state, b.torgb, clamp) : null,
      // resnet skip: the 1×1 weight (gain √½/√C_in) as [C_in, C_out]; conv first, then upsample.
      skip: b.skip
        ? tf.tidy(() => {
            const { inChannels: I, outChannels: O, name } = b.skip!;
            const [o0, o1] = range(O);
            const e = state.get(`synthesis.${name}.weight`)!;
            const W = tf.tensor2d(Float32Array.from(e.data.slice(o0 * I, o1 * I)), [o1 - o0, I]);
            return tf.transpose(tf.mul(W, Math.SQRT1_2 / Math.sqrt(I))) as tf.Tensor2D;
          })
        : null,
    }));
    const b0 = net.layout.blocks[0];
    const key = net.features
      ? `synthesis.b${b0.resolution}.input.weight`
      : `synthesis.b${b0.resolution}.const`;
    const e = state.get(key)!;
    this.input = new Map([[key, tf.tensor(Float32Array.from(e.data), e.shape, 'float32')]]);
  }

  /**
   * The skip image's `upsample2d` by block `path`'s filter (NCHW): the wasm kernel for a separable
   * 4×4 filter where the fused convs run, else tfjs ops.
   */
  private upsampleImage(img: tf.Tensor4D, path: string): tf.Tensor4D {
    const f = this.net.filters.get(path)!;
    if (!fusedConvFor(4, 8)) return upsample2dTf(img, f);
    let taps = this.imageTaps.get(path);
    if (taps === undefined) {
      let t: { fy: number[]; fx: number[] } | null = null;
      try {
        t = upFilterTaps(f);
      } catch {
        t = null; // not a separable 4×4: the ops path handles any filter
      }
      taps = t ? tf.keep(tf.tensor1d([...t.fy, ...t.fx], 'float32')) : null;
      this.imageTaps.set(path, taps);
    }
    return taps ? upsampleImage2x(img, taps) : upsample2dTf(img, f);
  }

  /** resnet skip branch of a block: the 1×1 conv of its input x (NHWC), then the up-sampling, NCHW. */
  private skipBranch(bi: number, x: tf.Tensor4D): tf.Tensor4D {
    const spec = this.net.layout.blocks[bi];
    const w = this.blocks[bi].skip!;
    const [n, hh, ww, cin] = x.shape;
    const y = tf.reshape(tf.matMul(tf.reshape(x, [n * hh * ww, cin]), w), [n, hh, ww, w.shape[1]]);
    return upsample2dTf(tf.transpose(y, [0, 3, 1, 2]) as tf.Tensor4D, this.net.filters.get(spec.skip!.name)!);
  }

  /**
   * One worker's share of a channel-split synthesis (`GeneratorPool`, channel mode: one image on
   * several cores); needs an instance made with a `slice`. Every conv layer computes its slice of
   * output channels (conv1 with the resnet skip's slice added), and `exchange(step, slice, bounds)`
   * must return the full activation NHWC, every part's slice (channels `bounds[k] … bounds[k + 1]`)
   * concatenated along channels in part order; `step` counts the exchanges from 0. ToRGB and the skip image run on part 0 only, which alone
   * returns the image NCHW; the other parts return null. The noise must be the same on every part
   * (const, none, or random with a `noiseSeed`), as the noise of a pixel is shared by its channels.
   */
  runPart(
    ws: tf.Tensor3D,
    { noiseMode = 'random', noiseSeed, noiseOffset, transform = null }: StyleGAN2SynthesisOptions,
    exchange: (step: number, slice: tf.Tensor4D, bounds: number[]) => tf.Tensor4D,
  ): tf.Tensor4D | null {
    const part = this.slice;
    if (!part) throw new Error('runPart needs a PreparedSynthesis made with a channel slice');
    checkNoiseMode(noiseMode);
    const seed = noiseDraw(checkNoiseSeed(noiseSeed, noiseMode), noiseOffset);
    if (noiseMode === 'random' && seed === null && part.parts > 1 && this.net.layout.config.useNoise)
      throw new RangeError(
        "a channel-split synthesis with noiseMode 'random' needs a noiseSeed: every part must add the same noise",
      );
    const first = part.part === 0;
    return tf.tidy(() => {
      const w = tf.unstack(ws, 1) as tf.Tensor2D[];
      let step = 0;
      const whole = (slice: tf.Tensor4D, channels: number) => {
        const full = exchange(step++, slice, part.bounds(channels));
        slice.dispose();
        return full;
      };
      let x: tf.Tensor4D | null = null;
      let img: tf.Tensor4D | null = null;
      this.net.layout.blocks.forEach((spec, bi) => {
        const b = this.blocks[bi];
        let next: tf.Tensor4D;
        if (!x) {
          const x0 = blockInputNHWC(this.net, this.input, w[0], transform);
          next = whole(b.conv1.forward(x0, w[spec.conv1.wIndex], noiseMode, seed), spec.outChannels);
        } else {
          const h = whole(b.conv0!.forward(x, w[spec.conv0!.wIndex], noiseMode, seed), spec.outChannels);
          next = b.conv1.forward(h, w[spec.conv1.wIndex], noiseMode, seed);
          h.dispose();
          if (b.skip) {
            const up = tf.transpose(this.skipBranch(bi, x), [0, 2, 3, 1]);
            next = tf.add(up, next) as tf.Tensor4D;
          }
          next = whole(next, spec.outChannels);
          x.dispose();
        }
        x = next;
        if (!first) return;
        if (img) img = this.upsampleImage(img, `b${spec.resolution}`);
        if (b.torgb) {
          const y = tf.transpose(b.torgb.forward(x, w[spec.torgb!.wIndex], noiseMode), [0, 3, 1, 2]);
          img = img ? (tf.add(img, y) as tf.Tensor4D) : (y as tf.Tensor4D);
        }
      });
      return first ? img! : (null as unknown as tf.Tensor4D);
    }) as tf.Tensor4D | null;
  }

  /** ws [N, numWs, wDim] → image (and with `capture` every block's x and img), NCHW. */
  run(
    ws: tf.Tensor3D,
    {
      noiseMode = 'random',
      noiseSeed,
      noiseOffset,
      capture = false,
      captureLayers = false,
      transform = null,
    }: StyleGAN2SynthesisOptions = {},
  ): StyleGAN2SynthesisResult {
    checkNoiseMode(noiseMode);
    const seed = noiseDraw(checkNoiseSeed(noiseSeed, noiseMode), noiseOffset);
    const toNCHW = (t: tf.Tensor4D) => tf.transpose(t, [0, 3, 1, 2]) as tf.Tensor4D;
    const perLayer = capture && captureLayers;
    return tf.tidy(() => {
      const w = tf.unstack(ws, 1) as tf.Tensor2D[];
      const layers: Record<string, tf.Tensor4D> = {};
      // NHWC layer outputs are captured NCHW (a copy), so the NHWC map can still be freed early.
      const keep = (name: string, t: tf.Tensor4D) => {
        if (perLayer) layers[name] = toNCHW(t);
        return t;
      };
      let x: tf.Tensor4D | null = null;
      let img: tf.Tensor4D | null = null; // NCHW (small: imgChannels)
      this.net.layout.blocks.forEach((spec, bi) => {
        const b = this.blocks[bi];
        const path = `b${spec.resolution}`;
        let next: tf.Tensor4D;
        if (!x) {
          next = keep(
            spec.conv1.name,
            b.conv1.forward(
              blockInputNHWC(this.net, this.input, w[0], transform),
              w[spec.conv1.wIndex],
              noiseMode,
              seed,
            ),
          );
        } else {
          const h = keep(spec.conv0!.name, b.conv0!.forward(x, w[spec.conv0!.wIndex], noiseMode, seed));
          next = keep(spec.conv1.name, b.conv1.forward(h, w[spec.conv1.wIndex], noiseMode, seed));
          h.dispose();
          if (b.skip) {
            const upNCHW = this.skipBranch(bi, x);
            if (perLayer) layers[spec.skip!.name] = upNCHW;
            const up = tf.transpose(upNCHW, [0, 2, 3, 1]);
            next = tf.add(up, next) as tf.Tensor4D;
          }
          if (!capture) x.dispose(); // free big maps early (the tidy would only at the end)
        }
        x = next;
        if (img) img = this.upsampleImage(img, path);
        if (b.torgb) {
          const y = toNCHW(b.torgb.forward(x, w[spec.torgb!.wIndex], noiseMode));
          if (perLayer) layers[spec.torgb!.name] = y;
          img = img ? (tf.add(img, y) as tf.Tensor4D) : y;
        }
        if (capture) {
          layers[`${path}.x`] = toNCHW(x);
          if (img) layers[`${path}.img`] = img;
        }
      });
      return (capture ? { image: img!, layers } : { image: img! }) as unknown as tf.TensorContainer;
    }) as unknown as StyleGAN2SynthesisResult;
  }

  /** Multiply–accumulates of one image (affines, convs as evaluated, ToRGB, skip 1×1 convs). */
  macs(): number {
    let m = 0;
    this.net.layout.blocks.forEach((spec, i) => {
      const b = this.blocks[i];
      for (const L of [b.conv0, b.conv1, b.torgb]) if (L) m += L.macs();
      if (b.skip) m += (spec.resolution / 2) ** 2 * b.skip.size;
    });
    return m;
  }

  dispose(): void {
    for (const b of this.blocks) {
      for (const L of [b.conv0, b.conv1, b.torgb]) L?.dispose();
      b.skip?.dispose();
    }
    tf.dispose([...this.input.values()]);
    for (const t of this.imageTaps.values()) t?.dispose();
    this.imageTaps.clear();
  }
}
