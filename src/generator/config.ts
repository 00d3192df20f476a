/**
 * Generator configurations: the official constructor defaults, the named presets of the configuration
 * ladder (D–H, T, R) and the conversion from the official snake_case `init_kwargs` of a StyleGAN3
 * `Generator` (golden `init_kwargs.json`, or a pickle's `_init_kwargs`).
 *
 * A config is a plain object; presets are meant to be spread and overridden, e.g.
 * `{ ...configs.T, imgResolution: 256, channelBase: 16384, channelMax: 512 }`. Geometry (rates,
 * cutoffs, sizes, filters) is derived from it once, by `computeGeometry` (geometry.ts).
 *
 * Reference: ../shared/docs/alias-free-spec.md §2.2–2.6 (ladder, Eqs. 35–36, per-config table,
 * training settings) and the official NVlabs/stylegan3 constructors (`training/networks_stylegan3.py`,
 * `train.py`), whose facts (argument names and default values) are restated here.
 */
import type { GeneratorConfig, LadderSwitches } from './types.js';
import { OFFICIAL_DEFAULTS, powCR } from './stylegan3/geometry.js';
import { isStyleGAN2Config, type StyleGAN2Config } from './stylegan2/config.js';

export { OFFICIAL_DEFAULTS };

/** Names of the presets in `configs`. */
export type ConfigName = 'D' | 'E' | 'F' | 'G' | 'H' | 'T' | 'R';

/** Names of the StyleGAN2 presets in `configs` (the ladder below D). */
export type StyleGAN2ConfigName = 'A' | 'B' | 'C';

/** Magnitude-EMA decay of the official training loop: 0.5^(batch / 20000), a half-life of 20k images. */
export function magnitudeEmaBetaForBatch(batch: number): number {
  if (typeof batch !== 'number' || !Number.isInteger(batch) || batch < 1) {
    throw new RangeError(`batch must be an integer >= 1, got ${String(batch)}`);
  }
  // Same operation order as train.py: 0.5 ** (batch / (20 * 1e3)).
  return powCR(0.5, batch / (20 * 1e3));
}

/**
 * Ladder switches that reproduce the official flexible generator (T, R). `cutoff` is left out (the
 * flexible schedule takes f_c from Eq. 35) and so is `inputSamplingRate` (it is s[0], 16 for T/R).
 */
export const FLEXIBLE_LADDER: Readonly<LadderSwitches> = Object.freeze({
  schedule: 'flexible',
  /** C(2 f_c) = rint(min(C_base/(2 f_c), C_max)). */
  channels: 'cutoff',
  /** rotation + translation of the Fourier features from ws[0]. */
  learnedInputTransform: true,
  /** Kaiser-windowed sinc, n·u taps. */
  upFilter: 'kaiser',
});

/**
 * Official stylegan3-t as train.py builds it for a dataset (`--cfg=stylegan3-t`, batch 32):
 * the values below, everything else at the official defaults (written out so the preset is
 * self-describing).
 */
const T: GeneratorConfig = {
  /** s_N: output resolution in pixels; 1024 = the official FFHQ/MetFaces models. */
  imgResolution: 1024,
  /** RGB. */
  imgChannels: 3,
  /** dim z: latent size. */
  zDim: 512,
  /** dim w: intermediate latent size. */
  wDim: 512,
  /** unconditional. */
  cDim: 0,
  /** mapping depth (2 from config D on). */
  mappingLayers: 2,
  /** C_base = 2^15: channels C = rint(min(C_base/(2 f_c), C_max)) (`--cbase`). */
  channelBase: 32768,
  /** C_max (`--cmax`). */
  channelMax: 512,
  /** N: synthesis layers before ToRGB. */
  numLayers: 14,
  /** N_crit: critically sampled layers at the end (f_c = s_N/2). */
  numCritical: 2,
  /** f_c,0: first cutoff = bandwidth of the Fourier features. */
  firstCutoff: 2,
  /** f_t,0 = 2^2.1: first minimum stopband. */
  firstStopband: powCR(2, 2.1),
  /** f_t,N / f_c,N = 2^0.3. */
  lastStopbandRel: powCR(2, 0.3),
  /** margin: extra pixels on each side of every feature map. */
  marginSize: 10,
  /** RGB range ±4 inside the network → ±1 at the output. */
  outputScale: 0.25,
  /** n: filter taps per lower-rate sample (taps = n × factor). */
  filterSize: 6,
  /** m: oversampling of the filtered nonlinearity. */
  lreluUpsampling: 2,
  /** separable Kaiser downsampling filters. */
  useRadialFilters: false,
  /** 3×3 modulated convolutions. */
  convKernel: 3,
  /** activations clamped to ±256. */
  convClamp: 256,
  /** σ² EMA decay = 0.5^(batch/20000) at batch 32. */
  magnitudeEmaBeta: magnitudeEmaBetaForBatch(32),
  /** decay of the tracked w average (truncation centre). */
  wAvgBeta: 0.998,
  /** learning-rate multiplier of the mapping network. */
  mappingLrMultiplier: 0.01,
  /** official num_fp16_res (informational flag only). */
  numFp16Res: 4,
  ladder: { ...FLEXIBLE_LADDER },
};

/**
 * Official stylegan3-r as train.py builds it for a dataset (`--cfg=stylegan3-r`, batch 32): T with
 * 1×1 convolutions, radial (jinc) downsampling filters except in the critically sampled layers, and
 * doubled capacity (C_base 2^16, C_max 1024).
 */
const R: GeneratorConfig = {
  ...T,
  /** C_base = 2^16 (doubled). */
  channelBase: 65536,
  /** C_max = 1024 (doubled). */
  channelMax: 1024,
  /** 1×1 convolutions: rotation equivariant. */
  convKernel: 1,
  /** jinc-Kaiser downsampling filters (disc-shaped passband), not in the N_crit last layers. */
  useRadialFilters: true,
  ladder: { ...FLEXIBLE_LADDER },
};

/**
 * Config D (simplified generator, spec §2.2/§2.5), expressed through the official layer: rigid
 * StyleGAN2-like schedule s[i] = s₀·2^⌊i/2⌋ (two layers per rate, 14 at 256²), implied critical
 * cutoffs f_c = s/2, channels C(s), fixed [1,3,3,1] up filter, no margin, unfiltered lrelu (m = 1),
 * Fourier input at s₀ = 4 with bandwidth 2 (hard band cut), no learned input transform. 256² ablation
 * capacity (C_base 2^14, C_max 512) and batch 64.
 */
const D: GeneratorConfig = {
  /** s_N: the ladder's ablation resolution (FFHQ-U 256²). */
  imgResolution: 256,
  imgChannels: 3,
  zDim: 512,
  wDim: 512,
  cDim: 0,
  /** mapping depth 8 → 2 from D on. */
  mappingLayers: 2,
  /** C_base = 2^14 (256² ablation capacity). */
  channelBase: 16384,
  /** C_max. */
  channelMax: 512,
  // numLayers omitted: the rigid schedule derives N = 2·(log2(s_N/s₀) + 1) (14 at 256², 10 at 64²).
  /** N_crit: only used by the 'noncritical' cutoff rule (G, H); D–F are critical everywhere. */
  numCritical: 2,
  /** f_c,0 = bandwidth of the Fourier features = s₀/2. */
  firstCutoff: 2,
  /** unused by the rigid schedule (kept at the official value). */
  firstStopband: powCR(2, 2.1),
  /** unused by the rigid schedule (kept at the official value). */
  lastStopbandRel: powCR(2, 0.3),
  /** no margin before config E. */
  marginSize: 0,
  /** RGB ±4 → ±1 (from D on). */
  outputScale: 0.25,
  /** n (only used by Kaiser filters; D's up filter is the fixed 4-tap binomial). */
  filterSize: 6,
  /** m = 1: lrelu applied at the layer's own rate, unfiltered. */
  lreluUpsampling: 1,
  useRadialFilters: false,
  /** 3×3 convolutions. */
  convKernel: 3,
  convClamp: 256,
  /** σ² EMA decay at the ablation batch 64. */
  magnitudeEmaBeta: magnitudeEmaBetaForBatch(64),
  wAvgBeta: 0.998,
  mappingLrMultiplier: 0.01,
  numFp16Res: 4,
  ladder: {
    /** StyleGAN2-like 2× schedule, two layers per rate. */
    schedule: 'rigid',
    /** f_c = s/2 (implied). */
    cutoff: 'critical',
    /** C(s) = min(C_base/s, C_max). */
    channels: 'rate',
    learnedInputTransform: false,
    /** [1,3,3,1] outer-product filter on the 2× layers. */
    upFilter: 'binomial',
    /** s₀ = 4: the Fourier features replace StyleGAN2's 4×4 constant. */
    inputSamplingRate: 4,
  },
};

/** Config E: D + 10-px margins + Kaiser n = 6 up filter; critical f_c = s/2, f_h = (√2−1)·s/2; m = 1. */
const E: GeneratorConfig = {
  ...D,
  /** margin: 10 px on each side of every map. */
  marginSize: 10,
  ladder: { ...D.ladder, upFilter: 'kaiser' },
};

/** Config F: E + filtered nonlinearities (m = 2, separable Kaiser down filter). */
const F: GeneratorConfig = {
  ...E,
  /** m = 2: lrelu at twice the rate between a Kaiser up and down filter. */
  lreluUpsampling: 2,
  ladder: { ...E.ladder },
};

/**
 * Config G: F + non-critical sampling: f_c = s/2 − f_h on every layer except the N_crit = 2 at s_N,
 * channels C(2 f_c).
 */
const G: GeneratorConfig = {
  ...F,
  ladder: { ...F.ladder, cutoff: 'noncritical', channels: 'cutoff' },
};

/** Config H: G + learned input transform (rotation + translation of the Fourier features from w). */
const H: GeneratorConfig = {
  ...G,
  ladder: { ...G.ladder, learnedInputTransform: true },
};

/**
 * Config A (spec §2.1): the official StyleGAN2 generator (`training.networks_stylegan2.Generator`)
 * at the ladder's 256² ablation capacity (the ADA "paper256" setting): learned 4×4 constant,
 * per-pixel noise, 8 mapping layers, output skips, [1,3,3,1] resampling, clamp 256; channels
 * C(res) = min(C_base/res, C_max) = 512 (4–32), 256 (64), 128 (128), 64 (256).
 */
const A: StyleGAN2Config = {
  network: 'stylegan2',
  /** s_N: the ladder's ablation resolution (FFHQ-U 256²). */
  imgResolution: 256,
  imgChannels: 3,
  zDim: 512,
  wDim: 512,
  cDim: 0,
  /** 8 mapping layers (2 from D on). */
  mappingLayers: 8,
  /** C_base = 2^14 (256² ablation capacity). */
  channelBase: 16384,
  channelMax: 512,
  /** a ToRGB after every block; the RGB image upsampled with [1,3,3,1] and summed. */
  architecture: 'skip',
  /** per-pixel noise with learned strength (off from C on). */
  useNoise: true,
  convClamp: 256,
  /** binomial up-sampling filter (outer product, normalised). */
  resampleFilter: [1, 3, 3, 1],
  numFp16Res: 4,
  mappingLrMultiplier: 0.01,
  wAvgBeta: 0.998,
  /** the learned 4×4×512 constant. */
  input: 'const',
  fourierSamplingRate: 4,
  fourierBandwidth: 2,
};

/**
 * Config B (spec §2.2): A with the learned constant replaced by Fourier features — 512 channels,
 * fixed frequencies uniform in the disc of radius 2 (the band of a 4×4 map, s = 4), random
 * phases, sampled on the 4×4 canvas without margin, then a learned 512×512 linear mix (the
 * official SynthesisInput without its learned transform), so the input can be translated and
 * rotated (`synthesis(ws, {transform})`).
 */
const B: StyleGAN2Config = { ...A, input: 'fourier', resampleFilter: [1, 3, 3, 1] };

/** Config C (spec §2.2): B without the per-pixel noise inputs. */
const C: StyleGAN2Config = { ...B, useNoise: false, resampleFilter: [1, 3, 3, 1] };

function deepFreeze<T extends object>(o: T): Readonly<T> {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v);
  return Object.freeze(o);
}

/**
 * Named presets (frozen plain objects; spread them to change a field).
 * - `A`, `B`, `C`: StyleGAN2 (`network: 'stylegan2'`), with Fourier features (B), without noise (C),
 *   at 256² with the ablation capacity; `createGenerator` builds a `StyleGAN2Generator` from them.
 * - `T`, `R`: the official stylegan3-t / stylegan3-r exactly as train.py builds them for datasets
 *   (1024², C_base 2^15/2^16, C_max 512/1024, batch-32 magnitude EMA). For the 256² ablation capacity
 *   use `configAt('T', 256, { ablation: true })` (C_base 2^14/2^15, batch 64).
 * - `D`–`H`: the rigid ladder steps of spec §2.5 at 256² with the ablation capacity.
 */
export const configs: Readonly<Record<ConfigName, Readonly<GeneratorConfig>>> &
  Readonly<Record<StyleGAN2ConfigName, Readonly<StyleGAN2Config>>> = deepFreeze({
  A,
  B,
  C,
  D,
  E,
  F,
  G,
  H,
  T,
  R,
});

/** Channel capacity of a config: C_base (channel_base) and C_max (channel_max). */
export interface Capacity {
  channelBase: number;
  channelMax: number;
}

/**
 * A capacity table for every ladder config from the C_max of D–H and T: they share the paper's
 * ablation C_base 2^14 and `channelMax`; R doubles both, as the paper's R doubles T's widths.
 */
export function ladderCapacity(channelMax: number): Readonly<Record<ConfigName, Capacity>> {
  if (!Number.isInteger(channelMax) || channelMax < 1) {
    throw new RangeError(`channelMax must be an integer >= 1, got ${channelMax}`);
  }
  const base: Capacity = { channelBase: 16384, channelMax };
  return deepFreeze({
    D: { ...base },
    E: { ...base },
    F: { ...base },
    G: { ...base },
    H: { ...base },
    T: { ...base },
    R: { channelBase: 2 * base.channelBase, channelMax: 2 * channelMax },
  });
}

/** Capacity and batch of the paper's 256² ablations (spec §2.6): T/D–H 2^14/512, R 2^15/1024, batch 64. */
export const ABLATION_CAPACITY: Readonly<Record<ConfigName, Capacity>> = ladderCapacity(512);

/**
 * A fresh, mutable copy of preset `name` at output resolution `imgResolution` (s_N, pixels).
 * With `ablation: true` the capacity and magnitude-EMA decay are those of the 256² ablations
 * (`ABLATION_CAPACITY`, batch 64) instead of the preset's. Equivalent to
 * `{ ...configs[name], imgResolution, ... }` with a copied `ladder`.
 */
export function configAt(
  name: ConfigName,
  imgResolution: number,
  opts?: { ablation?: boolean },
): GeneratorConfig;
/** A–C: a copy of the StyleGAN2 preset at `imgResolution` (its capacity already is the ablation one). */
export function configAt(
  name: StyleGAN2ConfigName,
  imgResolution: number,
  opts?: { ablation?: boolean },
): StyleGAN2Config;
export function configAt(
  name: ConfigName | StyleGAN2ConfigName,
  imgResolution: number,
  opts?: { ablation?: boolean },
): GeneratorConfig | StyleGAN2Config;
export function configAt(
  name: ConfigName | StyleGAN2ConfigName,
  imgResolution: number,
  { ablation = false }: { ablation?: boolean } = {},
): GeneratorConfig | StyleGAN2Config {
  const preset = (configs as Record<string, GeneratorConfig | StyleGAN2Config | undefined>)[name];
  if (preset === undefined) {
    throw new RangeError(
      `name must be one of ${Object.keys(configs).join(', ')}, got ${JSON.stringify(name)}`,
    );
  }
  if (isStyleGAN2Config(preset)) {
    return { ...preset, imgResolution, resampleFilter: [...(preset.resampleFilter ?? [1, 3, 3, 1])] };
  }
  const base = preset as GeneratorConfig;
  name = name as ConfigName;
  const out: GeneratorConfig = { ...base, imgResolution, ladder: { ...base.ladder } };
  if (ablation) {
    Object.assign(out, ABLATION_CAPACITY[name]);
    out.magnitudeEmaBeta = magnitudeEmaBetaForBatch(64);
  }
  return out;
}

/** Alias of `configAt(name, imgResolution)` (the preset's own capacity), for readability in notebooks. */
export function configsAtResolution(name: ConfigName, imgResolution: number): GeneratorConfig {
  return configAt(name, imgResolution);
}

/** snake_case key of the official constructors → our camelCase config key. */
const KWARG_TO_CONFIG: Readonly<Record<string, keyof GeneratorConfig>> = Object.freeze({
  z_dim: 'zDim',
  c_dim: 'cDim',
  w_dim: 'wDim',
  img_resolution: 'imgResolution',
  img_channels: 'imgChannels',
  channel_base: 'channelBase',
  channel_max: 'channelMax',
  num_layers: 'numLayers',
  num_critical: 'numCritical',
  first_cutoff: 'firstCutoff',
  first_stopband: 'firstStopband',
  last_stopband_rel: 'lastStopbandRel',
  margin_size: 'marginSize',
  output_scale: 'outputScale',
  num_fp16_res: 'numFp16Res',
  conv_kernel: 'convKernel',
  filter_size: 'filterSize',
  lrelu_upsampling: 'lreluUpsampling',
  use_radial_filters: 'useRadialFilters',
  conv_clamp: 'convClamp',
  magnitude_ema_beta: 'magnitudeEmaBeta',
});

/** snake_case keys of the official `mapping_kwargs` → config keys. */
const MAPPING_KWARG_TO_CONFIG: Readonly<Record<string, keyof GeneratorConfig>> = Object.freeze({
  num_layers: 'mappingLayers',
  lr_multiplier: 'mappingLrMultiplier',
  w_avg_beta: 'wAvgBeta',
});

/**
 * Convert the official `Generator` constructor arguments (`init_kwargs.json`, a pickle's
 * `G_ema.init_kwargs`; snake_case, `mapping_kwargs` nested, synthesis/layer arguments flat) into a
 * config. Every argument the kwargs omit takes its official signature default (`OFFICIAL_DEFAULTS`,
 * e.g. `magnitude_ema_beta` 0.999, `conv_kernel` 3, `channel_base` 32768), so the result describes
 * exactly the network the official code would build. `class_name` must be the StyleGAN3 generator if
 * present. Unknown keys throw a TypeError naming them (silently ignoring one could build a different
 * network). The ladder switches are those of the official flexible generator (`FLEXIBLE_LADDER`).
 */
export function configFromInitKwargs(kwargs: Record<string, unknown>): GeneratorConfig {
  if (kwargs === null || typeof kwargs !== 'object' || Array.isArray(kwargs)) {
    throw new TypeError(
      `kwargs must be a plain object of official Generator arguments, got ${String(kwargs)}`,
    );
  }
  const cfg: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(kwargs)) {
    if (key === 'class_name') {
      if (typeof value !== 'string' || !/networks_stylegan3\.Generator$/.test(value)) {
        throw new TypeError(
          `kwargs.class_name must name training.networks_stylegan3.Generator, got ${JSON.stringify(value)}`,
        );
      }
      continue;
    }
    if (key === 'mapping_kwargs') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new TypeError(`kwargs.mapping_kwargs must be an object, got ${String(value)}`);
      }
      for (const [mk, mv] of Object.entries(value as Record<string, unknown>)) {
        const target = MAPPING_KWARG_TO_CONFIG[mk];
        if (target === undefined) {
          throw new TypeError(
            `kwargs.mapping_kwargs.${mk} is not a known MappingNetwork argument ` +
              `(allowed: ${Object.keys(MAPPING_KWARG_TO_CONFIG).join(', ')})`,
          );
        }
        cfg[target] = mv;
      }
      continue;
    }
    const target = KWARG_TO_CONFIG[key];
    if (target === undefined) {
      throw new TypeError(
        `kwargs.${key} is not a known StyleGAN3 Generator argument (allowed: class_name, mapping_kwargs, ` +
          `${Object.keys(KWARG_TO_CONFIG).join(', ')})`,
      );
    }
    cfg[target] = value;
  }
  for (const req of ['z_dim', 'w_dim', 'img_resolution', 'img_channels']) {
    if (!(req in kwargs))
      throw new TypeError(`kwargs.${req} is required (the official Generator has no default)`);
  }
  const out: Record<string, unknown> = { ...OFFICIAL_DEFAULTS };
  for (const [k, v] of Object.entries(cfg)) out[k] = v;
  out.ladder = { ...FLEXIBLE_LADDER };
  return out as unknown as GeneratorConfig;
}
