/**
 * The StyleGAN2 generator's config: the official constructor arguments of
 * `training.networks_stylegan2.Generator` (StyleGAN3 repository) and `training.networks.Generator`
 * (stylegan2-ada-pytorch) in camelCase, plus the ladder switch of configs B and C (Fourier
 * features instead of the learned 4×4 constant; spec §2.1–2.2).
 *
 * A config is a plain object; `network: 'stylegan2'` tells it apart from the StyleGAN3
 * `GeneratorConfig` (createGenerator dispatches on it). Official defaults (restated from the
 * constructors): mapping 8 layers, lr multiplier 0.01, w_avg β 0.998; channel_base 32768,
 * channel_max 512; architecture 'skip'; resample filter [1,3,3,1]; conv_clamp 256 (the StyleGAN3
 * repository's SynthesisBlock; stylegan2-ada-pytorch's default is None and its train.py sets 256);
 * noise on; num_fp16_res 4 (a flag here: float16 is a CUDA-only speed path).
 */

/** Output architecture of the synthesis network (official `architecture`). */
export type StyleGAN2Architecture = 'orig' | 'skip' | 'resnet';

/** Input of the 4×4 block: the learned constant (A) or fixed Fourier features (B, C). */
export type StyleGAN2Input = 'const' | 'fourier';

/**
 * A StyleGAN2 generator config (configs A–C): the official `training.networks_stylegan2.Generator`
 * constructor arguments in camelCase, plus the input kind and `network: 'stylegan2'`.
 */
export interface StyleGAN2Config {
  /** Tells a StyleGAN2 config apart from a StyleGAN3 `GeneratorConfig`. */
  network: 'stylegan2';
  /** Output resolution in pixels (power of two ≥ 4). */
  imgResolution: number;
  imgChannels: number;
  zDim: number;
  wDim: number;
  /** Conditioning labels (0 = unconditional). */
  cDim?: number;
  /** Mapping depth (official mapping_kwargs.num_layers, 8). */
  mappingLayers?: number;
  /** Channels C(res) = min(⌊channelBase / res⌋, channelMax). */
  channelBase?: number;
  channelMax?: number;
  /** 'skip' (default): a ToRGB after every block, the RGB image upsampled and summed. */
  architecture?: StyleGAN2Architecture;
  /** Per-pixel noise inputs (official layer_kwargs.use_noise; false = config C). */
  useNoise?: boolean;
  /** Clamp of the conv outputs (256; null = none). */
  convClamp?: number | null;
  /** FIR taps of the 2× resampling (official resample_filter, [1,3,3,1]). */
  resampleFilter?: number[];
  /** Official num_fp16_res (informational: computation is float32). */
  numFp16Res?: number;
  mappingLrMultiplier?: number;
  wAvgBeta?: number;
  /** 'const' (A) or 'fourier' (B, C). */
  input?: StyleGAN2Input;
  /** Sampling rate of the Fourier features (4 = one sample per pixel of the 4×4 block). */
  fourierSamplingRate?: number;
  /** Bandwidth of the Fourier features: frequencies uniform in the disc of this radius (2). */
  fourierBandwidth?: number;
}

/** A StyleGAN2 config with every optional field filled in. */
export type ResolvedStyleGAN2Config = Required<Omit<StyleGAN2Config, 'convClamp'>> & {
  convClamp: number | null;
};

/** Official defaults of `training.networks_stylegan2.Generator` (and the B/C switches off). */
export const STYLEGAN2_DEFAULTS: Readonly<
  Omit<ResolvedStyleGAN2Config, 'imgResolution' | 'imgChannels' | 'zDim' | 'wDim'>
> = Object.freeze({
  network: 'stylegan2',
  cDim: 0,
  mappingLayers: 8,
  channelBase: 32768,
  channelMax: 512,
  architecture: 'skip',
  useNoise: true,
  convClamp: 256,
  resampleFilter: Object.freeze([1, 3, 3, 1]) as number[],
  numFp16Res: 4,
  mappingLrMultiplier: 0.01,
  wAvgBeta: 0.998,
  input: 'const',
  fourierSamplingRate: 4,
  fourierBandwidth: 2,
});

/** True when `config` is a StyleGAN2 config (`network: 'stylegan2'`). */
export function isStyleGAN2Config(config: unknown): config is StyleGAN2Config {
  return !!config && typeof config === 'object' && (config as { network?: unknown }).network === 'stylegan2';
}

function int(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function positive(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new RangeError(`${name} must be a finite number > 0, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Fill in the defaults and check every field; bad values throw a RangeError/TypeError naming the field. */
export function resolveStyleGAN2Config(config: StyleGAN2Config): ResolvedStyleGAN2Config {
  if (!isStyleGAN2Config(config)) {
    throw new TypeError(`config must be a StyleGAN2 config with network: 'stylegan2', got ${String(config)}`);
  }
  const c = { ...STYLEGAN2_DEFAULTS, ...config } as ResolvedStyleGAN2Config;
  for (const [k, v] of Object.entries(config))
    if (v === undefined)
      (c as Record<string, unknown>)[k] = (STYLEGAN2_DEFAULTS as Record<string, unknown>)[k];
  const res = int('imgResolution', c.imgResolution, 4);
  if ((res & (res - 1)) !== 0) throw new RangeError(`imgResolution must be a power of two >= 4, got ${res}`);
  int('imgChannels', c.imgChannels, 1);
  int('zDim', c.zDim, 0);
  int('wDim', c.wDim, 1);
  int('cDim', c.cDim, 0);
  if (c.zDim === 0 && c.cDim === 0)
    throw new RangeError('zDim and cDim cannot both be 0 (the mapping has no input)');
  int('mappingLayers', c.mappingLayers, 1);
  int('channelBase', c.channelBase, 1);
  int('channelMax', c.channelMax, 1);
  if (Math.min(Math.floor(c.channelBase / res), c.channelMax) < 1) {
    throw new RangeError(
      `channelBase ${c.channelBase} gives no channels at ${res}² (need channelBase >= imgResolution)`,
    );
  }
  if (!['orig', 'skip', 'resnet'].includes(c.architecture)) {
    throw new RangeError(
      `architecture must be 'orig', 'skip' or 'resnet', got ${JSON.stringify(c.architecture)}`,
    );
  }
  if (typeof c.useNoise !== 'boolean')
    throw new TypeError(`useNoise must be a boolean, got ${JSON.stringify(c.useNoise)}`);
  if (c.convClamp !== null) positive('convClamp', c.convClamp);
  if (
    !Array.isArray(c.resampleFilter) ||
    c.resampleFilter.length < 1 ||
    !c.resampleFilter.every((v) => Number.isFinite(v))
  ) {
    throw new TypeError(
      `resampleFilter must be a non-empty array of finite numbers, got ${JSON.stringify(c.resampleFilter)}`,
    );
  }
  if (c.resampleFilter.reduce((a, b) => a + b, 0) === 0)
    throw new RangeError('resampleFilter taps must not sum to 0');
  int('numFp16Res', c.numFp16Res, 0);
  positive('mappingLrMultiplier', c.mappingLrMultiplier);
  if (typeof c.wAvgBeta !== 'number' || !(c.wAvgBeta >= 0 && c.wAvgBeta <= 1)) {
    throw new RangeError(`wAvgBeta must be in [0, 1], got ${JSON.stringify(c.wAvgBeta)}`);
  }
  if (c.input !== 'const' && c.input !== 'fourier') {
    throw new RangeError(`input must be 'const' or 'fourier', got ${JSON.stringify(c.input)}`);
  }
  positive('fourierSamplingRate', c.fourierSamplingRate);
  positive('fourierBandwidth', c.fourierBandwidth);
  return { ...c, resampleFilter: [...c.resampleFilter] };
}

/** Known official class names of the StyleGAN2 generator. */
export const STYLEGAN2_CLASS_NAMES = [
  'training.networks_stylegan2.Generator',
  'training.networks.Generator',
] as const;

/** True when official `init_kwargs` (or a pickle's class name) describe a StyleGAN2 generator. */
export function isStyleGAN2Kwargs(
  kwargs: Record<string, unknown> | null | undefined,
  className?: string,
): boolean {
  const name = className ?? (kwargs && typeof kwargs.class_name === 'string' ? kwargs.class_name : '');
  return (STYLEGAN2_CLASS_NAMES as readonly string[]).includes(name);
}

const SYNTHESIS_KWARGS: Readonly<Record<string, keyof StyleGAN2Config | null>> = {
  channel_base: 'channelBase',
  channel_max: 'channelMax',
  num_fp16_res: 'numFp16Res',
  architecture: 'architecture',
  resample_filter: 'resampleFilter',
  conv_clamp: 'convClamp',
  use_noise: 'useNoise',
  // Speed/memory switches of the official CUDA code; no effect on the values.
  fp16_channels_last: null,
  fused_modconv_default: null,
  channels_last: null,
};

const MAPPING_KWARGS: Readonly<Record<string, keyof StyleGAN2Config | null>> = {
  num_layers: 'mappingLayers',
  lr_multiplier: 'mappingLrMultiplier',
  w_avg_beta: 'wAvgBeta',
  freeze_layers: null,
  freeze_embed: null,
};

/**
 * Convert official constructor arguments to a StyleGAN2 config. Accepts the StyleGAN3 repository's
 * flat form (`training.networks_stylegan2.Generator(z_dim, c_dim, w_dim, img_resolution,
 * img_channels, mapping_kwargs, **synthesis_kwargs)`) and stylegan2-ada-pytorch's nested
 * `synthesis_kwargs` (`training.networks.Generator`, whose conv_clamp default is None). Arguments
 * this implementation cannot honour (another activation, kernel size, embed/layer feature sizes)
 * and unknown keys throw a TypeError naming them.
 */
export function styleGAN2ConfigFromInitKwargs(kwargs: Record<string, unknown>): StyleGAN2Config {
  if (!kwargs || typeof kwargs !== 'object' || Array.isArray(kwargs)) {
    throw new TypeError(
      `kwargs must be a plain object of official Generator arguments, got ${String(kwargs)}`,
    );
  }
  const className =
    typeof kwargs.class_name === 'string' ? kwargs.class_name : 'training.networks_stylegan2.Generator';
  if (!isStyleGAN2Kwargs(kwargs, className)) {
    throw new TypeError(
      `kwargs.class_name must be one of ${STYLEGAN2_CLASS_NAMES.join(', ')}, got ${JSON.stringify(kwargs.class_name)}`,
    );
  }
  for (const req of ['z_dim', 'w_dim', 'img_resolution', 'img_channels']) {
    if (!(req in kwargs))
      throw new TypeError(`kwargs.${req} is required (the official Generator has no default)`);
  }
  const cfg: Record<string, unknown> = {
    network: 'stylegan2',
    zDim: kwargs.z_dim,
    wDim: kwargs.w_dim,
    cDim: kwargs.c_dim ?? 0,
    imgResolution: kwargs.img_resolution,
    imgChannels: kwargs.img_channels,
    // stylegan2-ada-pytorch's SynthesisBlock defaults to no clamp, the StyleGAN3 repository's to 256.
    // Its pickles are recognised by the class name or by the nested synthesis_kwargs (a pickle
    // records no module name, so the reader may name either class).
    convClamp: className === 'training.networks.Generator' || 'synthesis_kwargs' in kwargs ? null : 256,
  };
  const synth: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kwargs)) {
    if (
      ['class_name', 'z_dim', 'w_dim', 'c_dim', 'img_resolution', 'img_channels', 'mapping_kwargs'].includes(
        k,
      )
    )
      continue;
    if (k === 'synthesis_kwargs') {
      if (!v || typeof v !== 'object' || Array.isArray(v))
        throw new TypeError(`kwargs.synthesis_kwargs must be an object, got ${String(v)}`);
      Object.assign(synth, v);
      continue;
    }
    synth[k] = v;
  }
  for (const [k, v] of Object.entries(synth)) {
    if (k === 'activation') {
      if (v !== 'lrelu')
        throw new TypeError(`kwargs.activation: only 'lrelu' is supported, got ${JSON.stringify(v)}`);
      continue;
    }
    if (k === 'kernel_size') {
      if (v !== 3) throw new TypeError(`kwargs.kernel_size: only 3 is supported, got ${JSON.stringify(v)}`);
      continue;
    }
    if (!(k in SYNTHESIS_KWARGS)) {
      throw new TypeError(
        `kwargs.${k} is not a known StyleGAN2 Generator argument (allowed: class_name, z_dim, c_dim, w_dim, ` +
          `img_resolution, img_channels, mapping_kwargs, synthesis_kwargs, activation, kernel_size, ${Object.keys(SYNTHESIS_KWARGS).join(', ')})`,
      );
    }
    const target = SYNTHESIS_KWARGS[k];
    if (target) cfg[target] = v;
  }
  const mk = kwargs.mapping_kwargs;
  if (mk !== undefined && mk !== null) {
    if (typeof mk !== 'object' || Array.isArray(mk))
      throw new TypeError(`kwargs.mapping_kwargs must be an object, got ${String(mk)}`);
    for (const [k, v] of Object.entries(mk as Record<string, unknown>)) {
      if ((k === 'embed_features' || k === 'layer_features') && v !== null && v !== kwargs.w_dim) {
        throw new TypeError(
          `kwargs.mapping_kwargs.${k}: only null (= w_dim) is supported, got ${JSON.stringify(v)}`,
        );
      }
      if (k === 'activation') {
        if (v !== 'lrelu')
          throw new TypeError(
            `kwargs.mapping_kwargs.activation: only 'lrelu' is supported, got ${JSON.stringify(v)}`,
          );
        continue;
      }
      if (k === 'embed_features' || k === 'layer_features') continue;
      if (!(k in MAPPING_KWARGS)) {
        throw new TypeError(
          `kwargs.mapping_kwargs.${k} is not a known MappingNetwork argument (allowed: ${Object.keys(MAPPING_KWARGS).join(', ')}, embed_features, layer_features, activation)`,
        );
      }
      const target = MAPPING_KWARGS[k];
      if (target && v !== null) cfg[target] = v;
    }
  }
  return cfg as unknown as StyleGAN2Config;
}

/** Official snake_case constructor arguments (StyleGAN3 repository form) of a config with a constant input. */
export function styleGAN2InitKwargs(c: ResolvedStyleGAN2Config): Record<string, unknown> {
  return {
    class_name: 'training.networks_stylegan2.Generator',
    z_dim: c.zDim,
    c_dim: c.cDim,
    w_dim: c.wDim,
    img_resolution: c.imgResolution,
    img_channels: c.imgChannels,
    mapping_kwargs: {
      num_layers: c.mappingLayers,
      lr_multiplier: c.mappingLrMultiplier,
      w_avg_beta: c.wAvgBeta,
    },
    channel_base: c.channelBase,
    channel_max: c.channelMax,
    num_fp16_res: c.numFp16Res,
    architecture: c.architecture,
    resample_filter: [...c.resampleFilter],
    conv_clamp: c.convClamp,
    use_noise: c.useNoise,
  };
}
