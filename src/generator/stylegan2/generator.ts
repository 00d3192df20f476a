/**
 * The StyleGAN2 generator (official `training.networks_stylegan2.Generator` = `MappingNetwork` +
 * `SynthesisNetwork`; config A of the paper's ladder, and B/C with Fourier features), with the
 * same public interface as the StyleGAN3 `Generator` where it applies: `mapping`, `synthesis`,
 * `generate`, `layerInfo`, `stateDict`, `macsPerImage`, `dispose`, plus `noiseMode` and
 * block captures (`b<res>.x`, `b<res>.img`).
 *
 * Two ways to run it:
 * - `mapping` / `synthesis` / `generate`: inference with weights prepared once (fast path,
 *   see synthesis.ts). Returned tensors belong to the caller.
 * - `params()` → a Map of tf.Variables (every trainable parameter, official state-dict keys; created
 *   on first call, owned by the generator) plus `buffers()`; then `mappingWith(params, z, …)` and
 *   `synthesisWith(params, ws, …)` evaluate the network as pure functions of any such map, so
 *   `tf.grad`/`tf.variableGrads` differentiate with respect to the parameters and to ws (register
 *   the gradients first: `ensureGradients()`, ops/gradients.ts). After changing parameter values,
 *   `loadState(entries)` writes them back and re-prepares the fast path.
 *
 * Mapping (official MappingNetwork): x = z/√(mean z² + 1e−8) [, concat normalised embed(c)];
 * x ← √2·lrelu_0.2(x·(W_i·lr/√in)ᵀ + b_i·lr) for i < mappingLayers; ws = repeat(x, numWs);
 * truncation ws[:, :cutoff] = w_avg + ψ·(ws[:, :cutoff] − w_avg).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { StateDict, StateTensor } from '../state.js';
import { backendReadsSync } from '../webgpu.js';
import { describeValue as describe, toLatent, checkTruncation, withLatents } from '../latent.js';
import {
  channelBounds,
  parseTransform,
  type LatentInput,
  type LayerInfo,
  type MappingOptions,
  type Transform3x3,
} from '../stylegan3/generator.js';
import { styleGAN2InitKwargs, type ResolvedStyleGAN2Config } from './config.js';
import {
  styleGAN2StateLayout,
  styleGAN2ParameterBreakdown,
  type StyleGAN2Layout,
  type StyleGAN2ParameterBreakdown,
} from './layout.js';
import {
  PreparedSynthesis,
  styleGAN2Net,
  disposeStyleGAN2Net,
  synthesisReference,
  checkNoiseSeed,
  noiseDraw,
  type NoiseMode,
  type StyleGAN2Net,
  type StyleGAN2Params,
  type StyleGAN2SynthesisResult,
} from './synthesis.js';

export type { NoiseMode, StyleGAN2Params, StyleGAN2SynthesisResult } from './synthesis.js';

/** Options of `StyleGAN2Generator.synthesis` (StyleGAN3's options plus `noiseMode`). */
export interface StyleGAN2SynthesisOptions {
  /** 'random' (default, as official), 'const' (stored noise_const × strength) or 'none'. */
  noiseMode?: NoiseMode;
  /** With `noiseMode: 'random'`, a non-negative integer seed that makes the draws repeatable. */
  noiseSeed?: number;
  /**
   * With `noiseSeed`: the index of this call's first sample in a larger seeded batch (default 0),
   * so that the parts of a split batch draw the noise the whole batch would (see `GeneratorPool`).
   */
  noiseOffset?: number;
  /** Also return every block's outputs keyed `b<res>.x` and `b<res>.img` (NCHW). */
  capture?: boolean;
  /** With `capture`, also every layer's output: `b<res>.conv0`, `.conv1`, `.torgb`, `.skip` (NCHW). */
  captureLayers?: boolean;
  /** B/C only: inverse of the desired image transform (3×3), as StyleGAN3's `transform`. */
  transform?: Transform3x3 | null;
}

/** `layerInfo()` of a StyleGAN2 layer: StyleGAN3's fields (s = res, f_c = s/2) plus the block and noise. */
export interface StyleGAN2LayerInfo extends LayerInfo {
  /** Block resolution. */
  block: number;
  /** Whether the layer adds per-pixel noise. */
  noise: boolean;
  /** Index into ws. */
  wIndex: number;
}

/**
 * The mapping network as a pure function of `params` (keys `mapping.fc<i>.weight/bias`,
 * `mapping.embed.*`, `mapping.w_avg`): z [N, zDim] (and c [N, cDim]) → ws [N, numWs, wDim].
 */
export function mappingReference(
  cfg: ResolvedStyleGAN2Config,
  numWs: number,
  params: StyleGAN2Params,
  z: tf.Tensor2D | null,
  c: tf.Tensor2D | null,
  psi = 1,
  cutoff: number | null = null,
): tf.Tensor3D {
  const get = (k: string) => {
    const t = params.get(k);
    if (!t) throw new RangeError(`params has no entry ${JSON.stringify(k)}`);
    return t;
  };
  return tf.tidy(() => {
    const norm = (v: tf.Tensor2D) =>
      tf.mul(v, tf.rsqrt(tf.add(tf.mean(tf.square(v), 1, true), 1e-8))) as tf.Tensor2D;
    const fc = (x: tf.Tensor2D, prefix: string, lr: number) => {
      const W = get(`${prefix}.weight`);
      return tf.add(
        tf.matMul(x, tf.mul(W, lr / Math.sqrt(W.shape[1]!)), false, true),
        tf.mul(get(`${prefix}.bias`), lr),
      ) as tf.Tensor2D;
    };
    let x: tf.Tensor2D | null = cfg.zDim > 0 && z ? norm(z) : null;
    if (cfg.cDim > 0 && c) {
      const y = norm(fc(c, 'mapping.embed', 1));
      x = x ? (tf.concat([x, y], 1) as tf.Tensor2D) : y;
    }
    if (!x) throw new RangeError('the mapping needs z (zDim > 0) or labels c (cDim > 0)');
    for (let i = 0; i < cfg.mappingLayers; i++) {
      x = tf.mul(
        tf.leakyRelu(fc(x, `mapping.fc${i}`, cfg.mappingLrMultiplier), 0.2),
        Math.SQRT2,
      ) as tf.Tensor2D;
    }
    const [n, wDim] = x.shape;
    let ws = tf.tile(tf.reshape(x, [n, 1, wDim]), [1, numWs, 1]) as tf.Tensor3D;
    if (psi !== 1) {
      const k = cutoff === null ? numWs : Math.min(cutoff, numWs);
      const avg = tf.reshape(get('mapping.w_avg'), [1, 1, wDim]);
      const lerped = tf.add(avg, tf.mul(tf.sub(ws, avg), psi)) as tf.Tensor3D;
      if (k >= numWs) ws = lerped;
      else if (k > 0) {
        const head = tf.slice(lerped, [0, 0, 0], [n, k, wDim]);
        const tail = tf.slice(ws, [0, k, 0], [n, numWs - k, wDim]);
        ws = tf.concat([head, tail], 1) as tf.Tensor3D;
      }
    }
    return ws;
  });
}

let nextId = 0;

/** A ready-to-run StyleGAN2 generator. Create with `createGenerator(configs.A)`, `loadGenerator` or `generatorFromSnapshot`. */
export class StyleGAN2Generator {
  /** Tells it apart from the StyleGAN3 `Generator`. */
  readonly network = 'stylegan2' as const;
  readonly config: ResolvedStyleGAN2Config;
  readonly layout: StyleGAN2Layout;
  /** Official constructor arguments this generator was loaded from (if any). */
  readonly initKwargs: Record<string, unknown> | null;
  private state: StateDict;
  private net: StyleGAN2Net;
  private prepared: PreparedSynthesis;
  /** Channel slices of the synthesis for `synthesisPart`, by "part/parts" (made on first use). */
  private readonly sliced = new Map<string, PreparedSynthesis>();
  private mapParams: Map<string, tf.Tensor>;
  private variables: Map<string, tf.Variable> | null = null;
  private bufferTensors: Map<string, tf.Tensor> | null = null;
  private disposed = false;
  /** Distinguishes the tf.Variable names of several generators. */
  private readonly id = nextId++;

  /** Use the factory functions; `state` must already be validated (`validateStyleGAN2State`). */
  constructor(layout: StyleGAN2Layout, state: StateDict, initKwargs: Record<string, unknown> | null = null) {
    this.layout = layout;
    this.config = layout.config;
    this.state = state;
    this.initKwargs = initKwargs;
    this.net = styleGAN2Net(layout, state);
    this.prepared = new PreparedSynthesis(this.net, state);
    this.mapParams = this.mappingTensors();
  }

  private mappingTensors(): Map<string, tf.Tensor> {
    const m = new Map<string, tf.Tensor>();
    for (const [k, e] of this.state) {
      if (k.startsWith('mapping.')) m.set(k, tf.tensor(Float32Array.from(e.data), e.shape, 'float32'));
    }
    return m;
  }

  private alive(): void {
    if (this.disposed) throw new Error('this generator was disposed');
  }

  /** num_ws = Σ_blocks num_conv + 1. */
  get numWs(): number {
    return this.layout.numWs;
  }

  /** z [N, zDim] → ws [N, numWs, wDim] (official `G.mapping(z, c, truncation_psi, truncation_cutoff)`). */
  mapping(z: LatentInput, { psi = 1, cutoff = null, c = null }: MappingOptions = {}): tf.Tensor3D {
    this.alive();
    checkTruncation(psi, cutoff);
    return withLatents(z, c, this.config, (zt, ct) =>
      mappingReference(this.config, this.numWs, this.mapParams, zt, ct, psi, cutoff ?? null),
    );
  }

  private checkWs(ws: unknown): asserts ws is tf.Tensor3D {
    const { numWs } = this;
    const wDim = this.config.wDim;
    if (!(ws instanceof tf.Tensor))
      throw new TypeError(`ws must be a tf.Tensor [N, ${numWs}, ${wDim}], got ${describe(ws)}`);
    if (ws.rank !== 3 || ws.shape[1] !== numWs || ws.shape[2] !== wDim || ws.shape[0] < 1) {
      throw new RangeError(
        `ws must have shape [N, ${numWs}, ${wDim}] (num_ws = ${numWs}), got [${ws.shape.join(', ')}]`,
      );
    }
  }

  private synthesisArgs(opts: StyleGAN2SynthesisOptions): {
    noiseMode: NoiseMode;
    noiseSeed: number | undefined;
    noiseOffset: number | undefined;
    capture: boolean;
    captureLayers: boolean;
    transform: Float32Array | null;
  } {
    const noiseMode = opts.noiseMode ?? 'random';
    if (noiseMode !== 'const' && noiseMode !== 'none' && noiseMode !== 'random') {
      throw new RangeError(`noiseMode must be 'const', 'none' or 'random', got ${JSON.stringify(noiseMode)}`);
    }
    if (opts.noiseMode !== undefined && opts.noiseMode !== 'none' && !this.config.useNoise) {
      throw new RangeError(
        `noiseMode ${JSON.stringify(opts.noiseMode)} needs noise inputs, but this generator has none (useNoise false, e.g. config C); use 'none' or leave it out`,
      );
    }
    const transform =
      opts.transform === null || opts.transform === undefined ? null : parseTransform(opts.transform);
    if (transform && this.config.input !== 'fourier') {
      throw new RangeError(
        'transform needs a Fourier-feature input (configs B, C); this generator starts from a learned constant',
      );
    }
    const noiseSeed = checkNoiseSeed(opts.noiseSeed, noiseMode);
    return {
      noiseMode,
      noiseSeed: noiseSeed ?? undefined,
      noiseOffset: noiseDraw(noiseSeed, opts.noiseOffset)?.offset,
      capture: opts.capture ?? false,
      captureLayers: opts.captureLayers ?? false,
      transform,
    };
  }

  /**
   * ws [N, numWs, wDim] → image [N, C, H, W] (official `G.synthesis(ws, noise_mode)`), optionally
   * with every block's outputs. Fast path; returned tensors are new.
   */
  synthesis(ws: tf.Tensor, opts: StyleGAN2SynthesisOptions = {}): StyleGAN2SynthesisResult {
    this.alive();
    this.checkWs(ws);
    const a = this.synthesisArgs(opts);
    const data = backendReadsSync() ? ws.dataSync() : [];
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]))
        throw new TypeError(`ws must contain only finite numbers, got ${data[i]} at flat index ${i}`);
    }
    const wsf = tf.cast(ws, 'float32') as tf.Tensor3D;
    try {
      return this.prepared.run(wsf, a);
    } finally {
      wsf.dispose();
    }
  }

  /**
   * One worker's share of a channel-split synthesis (`GeneratorPool`, channel mode: one image on
   * several cores), as StyleGAN3's `Generator.synthesisPart`: every conv layer computes only its
   * output channels `channelBounds(C, parts)[part] … [part + 1]`, and `exchange(step, slice, bounds)`
   * must return the full activation NHWC (every part's slice concatenated along channels; `step`
   * counts the exchanges from 0). Part 0 alone runs ToRGB and returns the image NCHW; the others
   * return null. The result equals `synthesis(ws, opts)`. Noise must be 'const', 'none', or
   * 'random' with a `noiseSeed` (every part adds the same per-pixel noise); `capture` is not offered.
   */
  synthesisPart(
    ws: tf.Tensor3D,
    opts: Omit<StyleGAN2SynthesisOptions, 'capture' | 'captureLayers'>,
    part: number,
    parts: number,
    exchange: (step: number, slice: tf.Tensor4D, bounds: number[]) => tf.Tensor4D,
  ): tf.Tensor4D | null {
    this.alive();
    this.checkWs(ws);
    if (!(Number.isInteger(parts) && parts >= 1 && Number.isInteger(part) && part >= 0 && part < parts))
      throw new RangeError(`part must be an integer in [0, parts), got part ${part} of ${parts}`);
    const a = this.synthesisArgs(opts);
    const key = `${part}/${parts}`;
    let prepared = this.sliced.get(key);
    if (!prepared) {
      prepared = new PreparedSynthesis(this.net, this.state, {
        part,
        parts,
        bounds: (C) => channelBounds(C, parts),
      });
      this.sliced.set(key, prepared);
    }
    const wsf = tf.cast(ws, 'float32') as tf.Tensor3D;
    try {
      return prepared.runPart(wsf, a, exchange);
    } finally {
      wsf.dispose();
    }
  }

  /** Free the channel-sliced copies of `synthesisPart`. */
  private disposeSliced(): void {
    for (const p of this.sliced.values()) p.dispose();
    this.sliced.clear();
  }

  /** mapping + synthesis (official `G(z, c, truncation_psi, truncation_cutoff, noise_mode)`). */
  generate(z: LatentInput, opts: MappingOptions & StyleGAN2SynthesisOptions = {}): StyleGAN2SynthesisResult {
    const ws = this.mapping(z, opts);
    try {
      return this.synthesis(ws, opts);
    } finally {
      ws.dispose();
    }
  }

  /**
   * Every trainable parameter as a tf.Variable, keyed by its official state-dict name (made from
   * the current state on first call; owned and disposed by the generator). The variables' own
   * names are `stylegan2_<generator id>/<key>` (tfjs variable names are global).
   */
  params(): Map<string, tf.Variable> {
    this.alive();
    if (!this.variables) {
      this.variables = new Map();
      for (const e of styleGAN2StateLayout(this.layout)) {
        if (!e.trainable) continue;
        const s = this.state.get(e.key)!;
        const init = tf.tensor(s.data, e.shape, 'float32');
        // tf.variable names are global: prefix each generator's own id.
        this.variables.set(e.key, tf.variable(init, true, `stylegan2_${this.id}/${e.key}`));
        init.dispose();
      }
    }
    return this.variables;
  }

  /** The buffers (filters, noise_const, w_avg, Fourier freqs/phases/transform) as constant tensors. */
  buffers(): Map<string, tf.Tensor> {
    this.alive();
    if (!this.bufferTensors) {
      this.bufferTensors = new Map();
      for (const e of styleGAN2StateLayout(this.layout)) {
        if (e.trainable) continue;
        // Kept: the first call may come from inside a tf.tidy (e.g. a loss under tf.grad).
        this.bufferTensors.set(e.key, tf.keep(tf.tensor(this.state.get(e.key)!.data, e.shape, 'float32')));
      }
    }
    return this.bufferTensors;
  }

  /** `params()` and `buffers()` in one map: what `mappingWith`/`synthesisWith` read by default. */
  private allParams(params?: StyleGAN2Params): StyleGAN2Params {
    if (params) {
      const merged = new Map<string, tf.Tensor>(this.buffers());
      for (const [k, v] of params) merged.set(k, v);
      return merged;
    }
    return new Map<string, tf.Tensor>([...this.buffers(), ...this.params()]);
  }

  /**
   * The mapping as a pure function of `params` (default: `params()`; missing keys fall back to the
   * buffers): differentiable. z, c as in `mapping`.
   */
  mappingWith(
    params: StyleGAN2Params | null,
    z: tf.Tensor2D,
    { psi = 1, cutoff = null, c = null }: MappingOptions = {},
  ): tf.Tensor3D {
    this.alive();
    checkTruncation(psi, cutoff);
    if (!(z instanceof tf.Tensor) || z.rank !== 2 || z.shape[1] !== this.config.zDim) {
      throw new RangeError(`z must be a tf.Tensor [N, ${this.config.zDim}], got ${describe(z)}`);
    }
    const ct = c === null || c === undefined ? null : toLatent('c', c, this.config.cDim);
    try {
      return mappingReference(
        this.config,
        this.numWs,
        this.allParams(params ?? undefined),
        z,
        ct,
        psi,
        cutoff ?? null,
      );
    } finally {
      if (ct && ct !== c) ct.dispose();
    }
  }

  /**
   * The synthesis network as a pure function of `params` (default: `params()`; missing keys fall
   * back to the buffers) and ws: official operations in official order, differentiable with respect
   * to the parameters and ws. Same options and result as `synthesis`.
   */
  synthesisWith(
    params: StyleGAN2Params | null,
    ws: tf.Tensor3D,
    opts: StyleGAN2SynthesisOptions = {},
  ): StyleGAN2SynthesisResult {
    this.alive();
    this.checkWs(ws);
    const a = this.synthesisArgs(opts);
    return synthesisReference(this.net, this.allParams(params ?? undefined), ws, a);
  }

  /**
   * Replace state entries (official keys; values as StateTensor or tf.Tensor of the same shape),
   * e.g. after an optimizer step or an EMA update; the fast path is re-prepared and the variables of
   * `params()` take the new values.
   */
  loadState(entries: ReadonlyMap<string, StateTensor | tf.Tensor>): void {
    this.alive();
    const layout = new Map(styleGAN2StateLayout(this.layout).map((e) => [e.key, e]));
    const next: StateDict = new Map(this.state);
    for (const [k, v] of entries) {
      const e = layout.get(k);
      if (!e) throw new RangeError(`loadState: ${JSON.stringify(k)} is not a state entry of this generator`);
      const data = v instanceof tf.Tensor ? (v.dataSync() as Float32Array) : Float32Array.from(v.data);
      const n = e.shape.reduce((a, b) => a * b, 1);
      if (data.length !== n)
        throw new RangeError(
          `loadState: ${k} needs ${n} values (shape [${e.shape.join(', ')}]), got ${data.length}`,
        );
      next.set(k, { shape: [...e.shape], data: Float32Array.from(data) });
    }
    this.state = next;
    this.disposeSliced();
    this.prepared.dispose();
    disposeStyleGAN2Net(this.net);
    tf.dispose([...this.mapParams.values()]);
    this.net = styleGAN2Net(this.layout, next);
    this.prepared = new PreparedSynthesis(this.net, next);
    this.mapParams = this.mappingTensors();
    if (this.variables)
      for (const [k, v] of this.variables)
        if (entries.has(k)) v.assign(tf.tensor(next.get(k)!.data, v.shape, 'float32'));
    if (this.bufferTensors) {
      tf.dispose([...this.bufferTensors.values()]);
      this.bufferTensors = null;
    }
  }

  /** Per-layer description (official module names b4.conv1, b4.torgb, b8.conv0, …; resnet skips as b<res>.skip). */
  layerInfo(): StyleGAN2LayerInfo[] {
    const out: StyleGAN2LayerInfo[] = [];
    const nf = this.config.resampleFilter.length;
    for (const b of this.layout.blocks) {
      for (const L of [b.conv0, b.conv1, b.torgb]) {
        if (!L) continue;
        const s = L.resolution;
        out.push({
          name: L.name,
          size: s,
          inSize: s / L.up,
          channels: L.outChannels,
          inChannels: L.inChannels,
          samplingRate: s,
          tmpSamplingRate: s,
          cutoff: s / 2,
          halfWidth: 0,
          stopband: s / 2,
          upFactor: L.up,
          downFactor: 1,
          upTaps: L.up > 1 ? nf : 0,
          downTaps: 0,
          convKernel: L.kernel,
          padding: L.up > 1 ? [nf - 1, nf - 2, nf - 1, nf - 2] : [0, 0, 0, 0],
          criticallySampled: true,
          radial: false,
          torgb: L.kind === 'torgb',
          block: b.resolution,
          noise: L.noise,
          wIndex: L.wIndex,
        });
      }
      if (b.skip) {
        const s = b.resolution;
        out.push({
          name: b.skip.name,
          size: s,
          inSize: s / 2,
          channels: b.skip.outChannels,
          inChannels: b.skip.inChannels,
          samplingRate: s,
          tmpSamplingRate: s,
          cutoff: s / 2,
          halfWidth: 0,
          stopband: s / 2,
          upFactor: 2,
          downFactor: 1,
          upTaps: nf,
          downTaps: 0,
          convKernel: 1,
          padding: [
            Math.floor((nf + 1) / 2),
            Math.floor((nf - 2) / 2),
            Math.floor((nf + 1) / 2),
            Math.floor((nf - 2) / 2),
          ],
          criticallySampled: true,
          radial: false,
          torgb: false,
          block: b.resolution,
          noise: false,
          wIndex: -1,
        });
      }
    }
    return out;
  }

  /** Trainable parameter counts (mapping, input, per layer). */
  parameterBreakdown(): StyleGAN2ParameterBreakdown {
    return styleGAN2ParameterBreakdown(this.layout);
  }

  /** Multiply–accumulates of one forward of one image as evaluated (mapping, affines, convs). FLOPs = 2·MACs. */
  macsPerImage(): number {
    let m = 0;
    for (const e of styleGAN2StateLayout(this.layout))
      if (e.key.startsWith('mapping.') && e.key.endsWith('.weight')) m += e.shape[0] * e.shape[1];
    if (this.config.input === 'fourier') m += 16 * this.layout.blocks[0].outChannels ** 2;
    return m + this.prepared.macs();
  }

  /** A copy of the state dict (official keys and shapes). */
  stateDict(): StateDict {
    const out: StateDict = new Map();
    for (const [k, v] of this.state) out.set(k, { shape: [...v.shape], data: v.data.slice() });
    return out;
  }

  /** Official constructor arguments (the loaded ones, or those of the config; B/C have no official class). */
  officialKwargs(): Record<string, unknown> {
    return this.initKwargs ?? styleGAN2InitKwargs(this.config);
  }

  /** Free every tensor the generator holds (incl. the variables of `params()`). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.disposeSliced();
    this.prepared.dispose();
    disposeStyleGAN2Net(this.net);
    tf.dispose([...this.mapParams.values()]);
    if (this.variables) for (const v of this.variables.values()) v.dispose();
    if (this.bufferTensors) tf.dispose([...this.bufferTensors.values()]);
  }
}
