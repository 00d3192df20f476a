/**
 * The StyleGAN3 generator on TensorFlow.js (official `Generator` = `MappingNetwork` +
 * `SynthesisNetwork` of networks_stylegan3.py). Numerically it follows the official reference code
 * paths in float32; internally feature maps are NHWC (the layout tfjs convolutions use) and are
 * returned NCHW like the official tensors.
 *
 * Synthesis (spec §2.3–2.4): ws[:, 0] drives the Fourier-feature input, ws[:, i+1] drives layer i
 * (L0 … L(N−1), then ToRGB = L(N)); the ToRGB output is multiplied by `outputScale` (0.25).
 *
 * Every method returns new tensors that the caller owns (dispose them); the generator's own
 * weights are freed by `dispose()`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerSpec, ResolvedConfig, SynthesisGeometry } from '../types.js';
import type { StateDict } from '../state.js';
import { Mapping } from '../mapping.js';
import { SynthesisInputLayer } from './synthesis-input.js';
import { SynthesisLayer } from './synthesis-layer.js';
import { memoryLimits } from '../limits.js';
import type { FilteredLreluParams } from '../ops/filtered-lrelu.js';
import { backendReadsSync } from '../webgpu.js';
import { TrainableGenerator } from './trainable.js';
import { describeValue as describe, checkTruncation, withLatents, type LatentInput } from '../latent.js';

/** A 3×3 transform: 9 numbers row-major or rows. */
export type Transform3x3 = ArrayLike<number> | number[][];

/** Latents: a tf tensor [N, dim], rows, or N·dim flat numbers (see ../latent.ts). */
export type { LatentInput } from '../latent.js';

/** Options of `mapping` (official `truncation_psi`, `truncation_cutoff` and the labels `c`). */
export interface MappingOptions {
  /** Truncation ψ (1 = none): w ← w_avg + ψ·(w − w_avg). */
  psi?: number;
  /** Truncate only the first `cutoff` ws (null/undefined = all). */
  cutoff?: number | null;
  /** Class labels [N, cDim] for conditional generators. */
  c?: LatentInput | null;
}

/** Options of `synthesis`: the input transform and whether to capture every layer. */
export interface SynthesisOptions {
  /**
   * User transform: the inverse of the desired image transform, 3×3 (the official
   * `synthesis.input.transform` buffer); default the generator's buffer (identity).
   */
  transform?: Transform3x3 | null;
  /** Also return every layer's output, NCHW, keyed by official names (`input`, `L0_36_512`, …). */
  capture?: boolean;
}

/** What `synthesis`/`generate` return: the image and, with `capture`, every layer's output. */
export interface SynthesisResult {
  /** [N, imgChannels, imgResolution, imgResolution], float32, nominal range [−1, 1]. */
  image: tf.Tensor4D;
  /** With `capture`: `input` and every layer's output (ToRGB before the output scale). */
  layers?: Record<string, tf.Tensor4D>;
}

/** Per-layer description returned by `layerInfo()`. */
export interface LayerInfo {
  name: string;
  /** Output size in pixels (canvas + margins). */
  size: number;
  inSize: number;
  channels: number;
  inChannels: number;
  /** Output sampling rate s (samples per canvas unit). */
  samplingRate: number;
  tmpSamplingRate: number;
  /** f_c (cycles per canvas unit). */
  cutoff: number;
  /** f_h. */
  halfWidth: number;
  /** f_t. */
  stopband: number;
  upFactor: number;
  downFactor: number;
  upTaps: number;
  downTaps: number;
  convKernel: number;
  padding: [number, number, number, number];
  criticallySampled: boolean;
  radial: boolean;
  torgb: boolean;
}

/** Validate and flatten a 3×3 transform to 9 float32 numbers (row-major). */
export function parseTransform(transform: Transform3x3): Float32Array {
  let flat: number[];
  if (Array.isArray(transform) && transform.length === 3 && transform.every((r) => Array.isArray(r))) {
    const rows = transform as number[][];
    if (!rows.every((r) => r.length === 3)) {
      throw new RangeError(
        `transform rows must have 3 entries, got ${JSON.stringify(rows.map((r) => r.length))}`,
      );
    }
    flat = rows.flat();
  } else if (
    transform &&
    typeof transform !== 'string' &&
    typeof (transform as ArrayLike<number>).length === 'number'
  ) {
    flat = Array.from(transform as ArrayLike<number>);
    if (flat.length !== 9)
      throw new RangeError(`transform must have 9 numbers (3×3 row-major), got ${flat.length}`);
  } else {
    throw new TypeError(`transform must be 9 numbers or a 3×3 array, got ${describe(transform)}`);
  }
  flat.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new TypeError(`transform[${i}] must be a finite number, got ${describe(v)}`);
  });
  return Float32Array.from(flat);
}

/** tf.tidy for a function returning a SynthesisResult (keeps the tensors it returns). */
function tidyResult(fn: () => SynthesisResult): SynthesisResult {
  return tf.tidy(() => fn() as unknown as tf.TensorContainer) as unknown as SynthesisResult;
}

/**
 * Split C channels into `parts` contiguous ranges: boundaries b[0] = 0 < b[1] < … < b[parts] = C,
 * as equal as possible and on multiples of 8 where that keeps every part nonempty (the fused
 * filtered-lrelu kernel works on blocks of 8 channels).
 */
export function channelBounds(C: number, parts: number): number[] {
  if (!(Number.isInteger(C) && Number.isInteger(parts) && parts >= 1 && C >= parts))
    throw new RangeError(`cannot split ${C} channels into ${parts} nonempty parts`);
  const b = [0];
  for (let k = 1; k < parts; k++) {
    const even = Math.round((C * k) / parts);
    const snapped = Math.round(even / 8) * 8;
    b.push(snapped > b[k - 1] && snapped < C - (parts - k - 1) ? snapped : Math.max(even, b[k - 1] + 1));
  }
  b.push(C);
  return b;
}

/** A ready-to-run StyleGAN3 generator. Create with `createGenerator`, `loadGenerator` or `generatorFromSnapshot`. */
export class Generator {
  /** The resolved config (every default filled in). */
  readonly config: ResolvedConfig;
  readonly geometry: SynthesisGeometry;
  /** Official constructor arguments this generator was loaded from (if any). */
  readonly initKwargs: Record<string, unknown> | null;
  private readonly state: StateDict;
  private readonly map: Mapping;
  private readonly input: SynthesisInputLayer;
  private readonly layers: SynthesisLayer[];
  /** Channel slices of the layers for split synthesis, by "part/parts" (see `synthesisPart`). */
  private readonly sliced = new Map<string, SynthesisLayer[]>();
  private disposed = false;

  /** Use the factory functions; `state` must already be validated against `stateLayout(geometry)`. */
  constructor(
    geometry: SynthesisGeometry,
    state: StateDict,
    initKwargs: Record<string, unknown> | null = null,
  ) {
    this.geometry = geometry;
    this.config = geometry.config;
    this.state = state;
    this.initKwargs = initKwargs;
    this.map = new Mapping(this.config, geometry.numWs, state);
    this.input = new SynthesisInputLayer(geometry.input, state);
    this.layers = geometry.layers.map((L) => new SynthesisLayer(L, state, this.config.convClamp));
  }

  /** num_ws = numLayers + 2. */
  get numWs(): number {
    return this.geometry.numWs;
  }

  private alive(): void {
    if (this.disposed) throw new Error('this generator was disposed');
  }

  /**
   * z [N, zDim] → ws [N, numWs, wDim] (official `G.mapping(z, c, truncation_psi, truncation_cutoff)`).
   * Returns a new tensor.
   */
  mapping(z: LatentInput, { psi = 1, cutoff = null, c = null }: MappingOptions = {}): tf.Tensor3D {
    this.alive();
    checkTruncation(psi, cutoff);
    return withLatents(z, c, this.config, (zt, ct) => this.map.forward(zt, ct, psi, cutoff ?? null));
  }

  /**
   * ws [N, numWs, wDim] → image [N, C, H, W] (official `G.synthesis(ws)`), optionally with every
   * layer's output. The returned tensors are new.
   */
  synthesis(ws: tf.Tensor, { transform = null, capture = false }: SynthesisOptions = {}): SynthesisResult {
    this.alive();
    const { numWs } = this.geometry;
    const wDim = this.config.wDim;
    if (!(ws instanceof tf.Tensor))
      throw new TypeError(`ws must be a tf.Tensor [N, ${numWs}, ${wDim}], got ${describe(ws)}`);
    if (ws.rank !== 3 || ws.shape[1] !== numWs || ws.shape[2] !== wDim || ws.shape[0] < 1) {
      throw new RangeError(
        `ws must have shape [N, ${numWs}, ${wDim}] (num_ws = ${numWs}), got [${ws.shape.join(', ')}]`,
      );
    }
    const data = backendReadsSync() ? ws.dataSync() : []; // see toLatent
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]))
        throw new TypeError(`ws must contain only finite numbers, got ${data[i]} at flat index ${i}`);
    }
    const user = transform === null || transform === undefined ? null : parseTransform(transform);
    const n = ws.shape[0];
    const chunk = this.maxChunk();
    if (n <= chunk)
      return tidyResult(() => this.run(tf.cast(ws, 'float32') as tf.Tensor3D, user, capture, null));
    // Large maps: run the batch in chunks (bounded memory), with the style normalisation of the
    // whole batch so that the result equals the unchunked official forward.
    return tidyResult(() => {
      const all = tf.unstack(tf.cast(ws, 'float32'), 1) as tf.Tensor2D[];
      const scales = this.layers.map((l, i) => l.styleScale(all[i + 1]));
      const parts: SynthesisResult[] = [];
      for (let s = 0; s < n; s += chunk) {
        const m = Math.min(chunk, n - s);
        parts.push(this.run(tf.slice(ws, [s, 0, 0], [m, -1, -1]) as tf.Tensor3D, user, capture, scales));
      }
      const image = tf.concat(parts.map((p) => p.image)) as tf.Tensor4D;
      if (!capture) return { image };
      const layers: Record<string, tf.Tensor4D> = {};
      for (const k of Object.keys(parts[0].layers!))
        layers[k] = tf.concat(parts.map((p) => p.layers![k])) as tf.Tensor4D;
      return { image, layers };
    });
  }

  /** Samples per synthesis chunk: keeps the largest activation under `memoryLimits.maxBatchElements`. */
  private maxChunk(): number {
    const peak = Math.max(...this.layers.map((l) => l.peakElements()));
    return Math.max(1, Math.floor(memoryLimits.maxBatchElements / peak));
  }

  /** The synthesis network on one chunk (inside the caller's tidy). */
  private run(
    ws: tf.Tensor3D,
    user: Float32Array | null,
    capture: boolean,
    scales: (tf.Scalar | null)[] | null,
  ): SynthesisResult {
    const w = tf.unstack(ws, 1) as tf.Tensor2D[];
    const layers: Record<string, tf.Tensor4D> = {};
    const toNCHW = (t: tf.Tensor4D) => tf.transpose(t, [0, 3, 1, 2]) as tf.Tensor4D;
    let x = this.input.forward(w[0], user);
    if (capture) layers.input = toNCHW(x);
    this.layers.forEach((layer, i) => {
      const y = layer.forward(x, w[i + 1], scales ? scales[i] : null);
      if (!capture) x.dispose(); // free big maps early (the tidy would only at the end)
      x = y;
      if (capture) layers[layer.spec.name] = toNCHW(x);
    });
    let img = x;
    if (this.config.outputScale !== 1) img = tf.mul(img, this.config.outputScale) as tf.Tensor4D;
    const image = toNCHW(img);
    return capture ? { image, layers } : { image };
  }

  /**
   * One worker's share of a channel-split synthesis (`GeneratorPool`, channel mode: one image on
   * several cores). Every layer but the last computes only its output channels
   * `channelBounds(C, parts)[part] … [part + 1]`; `exchange(layer, slice, bounds)` must return the
   * full activation, i.e. every part's slice concatenated along channels (NHWC). The last layer
   * (ToRGB, 3 channels: too small to split) runs whole on part 0, which alone returns the image
   * NCHW; the other parts return null. The result equals `synthesis(ws)` (the styles and the
   * demodulation of a channel do not depend on the other channels).
   */
  synthesisPart(
    ws: tf.Tensor3D,
    user: Float32Array | null,
    part: number,
    parts: number,
    exchange: (layer: number, slice: tf.Tensor4D, bounds: number[]) => tf.Tensor4D,
  ): tf.Tensor4D | null {
    this.alive();
    if (!(Number.isInteger(parts) && parts >= 1 && Number.isInteger(part) && part >= 0 && part < parts))
      throw new RangeError(`part must be an integer in [0, parts), got part ${part} of ${parts}`);
    const layers = this.slicedLayers(part, parts);
    return tf.tidy(() => {
      const w = tf.unstack(tf.cast(ws, 'float32'), 1) as tf.Tensor2D[];
      let x = this.input.forward(w[0], user);
      const last = this.layers.length - 1;
      for (let i = 0; i < last; i++) {
        const slice = layers[i].forward(x, w[i + 1]);
        x.dispose();
        const bounds = channelBounds(this.layers[i].spec.outChannels, parts);
        x = exchange(i, slice, bounds);
        slice.dispose();
      }
      if (part !== 0) return null as unknown as tf.Tensor4D;
      let img = this.layers[last].forward(x, w[last + 1]);
      if (this.config.outputScale !== 1) img = tf.mul(img, this.config.outputScale) as tf.Tensor4D;
      return tf.transpose(img, [0, 3, 1, 2]) as tf.Tensor4D;
    }) as tf.Tensor4D | null;
  }

  /** The layers of part `part` of `parts` (made on first use, freed by `dispose`). */
  private slicedLayers(part: number, parts: number): SynthesisLayer[] {
    if (parts === 1) return this.layers;
    const key = `${part}/${parts}`;
    let layers = this.sliced.get(key);
    if (!layers) {
      layers = this.geometry.layers.map((L, i) => {
        if (i === this.geometry.layers.length - 1) return this.layers[i];
        const b = channelBounds(L.outChannels, parts);
        return new SynthesisLayer(L, this.state, this.config.convClamp, [b[part], b[part + 1]]);
      });
      this.sliced.set(key, layers);
    }
    return layers;
  }

  /** mapping + synthesis (official `G(z, c, truncation_psi, truncation_cutoff)`). */
  generate(z: LatentInput, opts: MappingOptions & SynthesisOptions = {}): SynthesisResult {
    const ws = this.mapping(z, opts);
    try {
      return this.synthesis(ws, opts);
    } finally {
      ws.dispose();
    }
  }

  /** Per-layer geometry (from the config): sizes, channels, rates, cutoffs, filters. */
  layerInfo(): LayerInfo[] {
    return this.geometry.layers.map((L: LayerSpec) => ({
      name: L.name,
      size: L.outSize,
      inSize: L.inSize,
      channels: L.outChannels,
      inChannels: L.inChannels,
      samplingRate: L.outSamplingRate,
      tmpSamplingRate: L.tmpSamplingRate,
      cutoff: L.outCutoff,
      halfWidth: L.outHalfWidth,
      stopband: L.outStopband,
      upFactor: L.upFactor,
      downFactor: L.downFactor,
      upTaps: L.upTaps,
      downTaps: L.downTaps,
      convKernel: L.convKernel,
      padding: [...L.padding] as [number, number, number, number],
      criticallySampled: L.isCriticallySampled,
      radial: L.downRadial,
      torgb: L.isTorgb,
    }));
  }

  /**
   * Multiply–accumulate count of one forward of one image (mapping, input mix, affines, convs and
   * the filter passes as this implementation evaluates them, polyphase). FLOPs = 2 · MACs.
   */
  macsPerImage(): number {
    return this.map.macs() + this.input.macs() + this.layers.reduce((a, l) => a + l.macs(), 0);
  }

  /** A copy of the state dict (official keys and shapes). */
  stateDict(): StateDict {
    const out: StateDict = new Map();
    for (const [k, v] of this.state) out.set(k, { shape: [...v.shape], data: v.data.slice() });
    return out;
  }

  /**
   * A training copy of this generator (same weights and buffers): every trainable parameter a
   * `tf.Variable` under its official name, with differentiable mapping and synthesis forwards.
   * Independent of this generator afterwards; back to inference form with
   * `new Generator(t.geometry, t.stateDict(), t.initKwargs)`.
   */
  trainable(): TrainableGenerator {
    this.alive();
    return new TrainableGenerator(this.geometry, this.state, this.initKwargs);
  }

  /** Free every tensor the generator holds. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.map.dispose();
    this.input.dispose();
    for (const l of this.layers) l.dispose();
    for (const layers of this.sliced.values())
      for (const l of layers) if (!this.layers.includes(l)) l.dispose();
    this.sliced.clear();
  }

  /**
   * The prepared synthesis layers L0 … L(N) in execution order (read-only view), for probes that
   * re-run pieces of a layer (`convOutput`, `filteredLreluParams`; see src/metrics/layers.ts).
   * Layer i reads the output of layer i − 1 (the input layer for i = 0) and `ws[:, i + 1]`.
   */
  get synthesisLayers(): readonly SynthesisLayer[] {
    this.alive();
    return this.layers;
  }

  /**
   * The official `filtered_lrelu` arguments of synthesis layer `index` (its up/down filters,
   * factors, padding, gain, slope and this generator's clamp), for running variants of the
   * nonlinearity in probes.
   */
  layerFilteredLreluParams(index: number): FilteredLreluParams {
    this.alive();
    if (!Number.isInteger(index) || index < 0 || index >= this.layers.length) {
      throw new RangeError(`index must be an integer in [0, ${this.layers.length - 1}], got ${index}`);
    }
    return this.layers[index].filteredLreluParams(this.state, this.config.convClamp);
  }
}
