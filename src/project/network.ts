/**
 * What projection needs of a loaded generator, for both architectures: the mapping (for the
 * w statistics), a synthesis differentiable with respect to ws and the noise maps, and a clean
 * render of the result (optionally with a translated input).
 *
 * - StyleGAN3 (`Generator`): `G.trainable()` holds the weights as variables once; its synthesis
 *   runs with layer checkpointing (fast kernels forward, recomputed backward) for big networks
 *   and on differentiable ops throughout for small ones, where the recomputation costs more than
 *   it saves. The result is rendered by `G` itself (the inference kernels).
 * - StyleGAN2 (`StyleGAN2Generator`): `G.params()` are the generator's own variables (no copy);
 *   `synthesisWith` reads them with the noise maps replaced by the projector's variables, under
 *   the official `noise_mode='const'` (or `'none'` for networks without noise, config C).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AnyGenerator } from '../generator/weights.js';
import { Generator } from '../generator/stylegan3/generator.js';
import { StyleGAN2Generator } from '../generator/stylegan2/generator.js';
import type { TrainableGenerator } from '../generator/stylegan3/trainable.js';

/** A generator seen by the projector. */
export interface ProjectionNetwork {
  readonly architecture: 'stylegan3' | 'stylegan2';
  readonly numWs: number;
  readonly zDim: number;
  readonly wDim: number;
  readonly channels: number;
  readonly resolution: number;
  /** Whether the input can be translated (Fourier features: StyleGAN3, StyleGAN2 B/C). */
  readonly transformable: boolean;
  /**
   * Noise maps the projector optimises: official key (`synthesis.b8.conv0.noise_const`) → the
   * network's stored map (side² values, row-major).
   */
  readonly noiseMaps: ReadonlyMap<string, Float32Array>;
  /** z [N, zDim] → w [N, wDim] (inference, ψ = 1). */
  mapW(z: tf.Tensor2D): tf.Tensor2D;
  /** ws [1, numWs, wDim] → image [1, C, H, W], differentiable in ws and in the `noise` variables. */
  synthesis(ws: tf.Tensor3D, noise: ReadonlyMap<string, tf.Tensor>): tf.Tensor4D;
  /** A clean render: ws with the given noise maps and an optional inverse input transform (3×3 row-major). */
  render(ws: tf.Tensor3D, noise: ReadonlyMap<string, tf.Tensor>, transform?: number[] | null): tf.Tensor4D;
  /** Free what this view created (never the loaded generator). */
  dispose(): void;
}

/** Options of `projectionNetwork`. */
export interface ProjectionNetworkOptions {
  /**
   * StyleGAN3: run the differentiable synthesis with layer checkpointing (less memory, one more
   * forward per layer). Default: only above 64² output, where memory matters.
   */
  checkpoint?: boolean;
  /**
   * StyleGAN2 with noise inputs: `'optimise'` (default, official: the noise maps are optimised
   * under `noise_mode='const'`) or `'none'` (synthesis without noise, `noise_mode='none'`; only w
   * is optimised).
   */
  noise?: 'optimise' | 'none';
  /**
   * Build the differentiable form (default true). False for a view that only renders: StyleGAN3
   * then skips `G.trainable()` (a second copy of the weights), and `synthesis` throws.
   */
  differentiable?: boolean;
}

/**
 * The projector's view of a loaded generator (`loadGenerator`): see the module comment.
 *
 * @example
 * ```ts
 * const net = projectionNetwork(await loadGenerator<AnyGenerator>('network.pkl'));
 * const img = net.render(ws, new Map());
 * ```
 */
export function projectionNetwork(G: AnyGenerator, opts: ProjectionNetworkOptions = {}): ProjectionNetwork {
  if (G instanceof StyleGAN2Generator) return styleGAN2Network(G, opts);
  if (G instanceof Generator) return styleGAN3Network(G, opts);
  throw new TypeError(
    `G must be a loaded generator (loadGenerator or createGenerator: StyleGAN3 Generator or StyleGAN2Generator), got ${
      G === null || typeof G !== 'object' ? String(G) : (G as object).constructor?.name
    }`,
  );
}

function firstW(ws: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() => tf.squeeze(tf.slice(ws, [0, 0, 0], [-1, 1, -1]), [1]) as tf.Tensor2D);
}

function checkUnconditional(cDim: number): void {
  if (cDim > 0)
    throw new RangeError(
      `G is a conditional generator (c_dim ${cDim}); projection, as the official projector, takes unconditional networks only`,
    );
}

function styleGAN3Network(G: Generator, opts: ProjectionNetworkOptions): ProjectionNetwork {
  const cfg = G.config;
  checkUnconditional(cfg.cDim);
  const checkpoint = opts.checkpoint ?? cfg.imgResolution > 64;
  // Built here, not lazily: its constant tensors must not be created inside a gradient's tidy.
  const trainable: TrainableGenerator | null = opts.differentiable === false ? null : G.trainable();
  return {
    architecture: 'stylegan3',
    numWs: G.numWs,
    zDim: cfg.zDim,
    wDim: cfg.wDim,
    channels: cfg.imgChannels,
    resolution: cfg.imgResolution,
    transformable: true,
    noiseMaps: new Map(),
    mapW: (z) => tf.tidy(() => firstW(G.mapping(z))),
    synthesis: (ws) => {
      if (!trainable) throw new Error('this projection network was built with differentiable: false');
      return trainable.synthesis(ws, { secondOrder: !checkpoint });
    },
    render: (ws, _noise, transform) => G.synthesis(ws, { transform: transform ?? null }).image,
    dispose: () => trainable?.dispose(),
  };
}

function styleGAN2Network(G: StyleGAN2Generator, opts: ProjectionNetworkOptions): ProjectionNetwork {
  const cfg = G.config;
  checkUnconditional(cfg.cDim ?? 0);
  const noiseMaps = new Map<string, Float32Array>();
  for (const [key, e] of G.stateDict())
    if (key.endsWith('.noise_const')) noiseMaps.set(key, Float32Array.from(e.data));
  const noise = opts.noise ?? 'optimise';
  if (noise !== 'optimise' && noise !== 'none')
    throw new RangeError(`noise must be 'optimise' or 'none', got ${JSON.stringify(noise)}`);
  const useNoise = cfg.useNoise && noise === 'optimise';
  const noiseMode = useNoise ? 'const' : 'none';
  const params = (noise: ReadonlyMap<string, tf.Tensor>) => {
    const p = new Map<string, tf.Tensor>(G.params());
    for (const [k, v] of noise) p.set(k, v);
    return p;
  };
  return {
    architecture: 'stylegan2',
    numWs: G.numWs,
    zDim: cfg.zDim,
    wDim: cfg.wDim,
    channels: cfg.imgChannels,
    resolution: cfg.imgResolution,
    transformable: cfg.input === 'fourier',
    noiseMaps: useNoise ? noiseMaps : new Map(),
    mapW: (z) => tf.tidy(() => firstW(G.mapping(z))),
    synthesis: (ws, noise) => G.synthesisWith(params(noise), ws, { noiseMode }).image,
    render: (ws, noise, transform) =>
      G.synthesisWith(params(noise), ws, { noiseMode, transform: transform ?? null }).image,
    dispose: () => {},
  };
}
