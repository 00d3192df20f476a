/**
 * train.py's configuration of a run (StyleGAN3 repository, `train.py` `main`; spec §2.6 and §8):
 * the generator, discriminator, optimizer and loss arguments per `--cfg`, from the command-line
 * values. Every default is train.py's: z/w 512, mapping depth 8 (stylegan2) or 2, G lr 0.002
 * (stylegan2) or 0.0025, D lr 0.002, Adam β (0, 0.99) ε 1e-8, minibatch-stddev group 4, R1 γ by the
 * StyleGAN2-ADA heuristic 0.0002·res²/batch unless given, ema_kimg = batch·10/32 with ramp-up 0.05,
 * D regularised lazily every 16 minibatches, G every 4 (stylegan2 only: path length, weight 2, style
 * mixing 0.9); stylegan3 G: magnitude_ema_beta = 0.5^(batch/20 000); stylegan3-r: 1×1 convolutions,
 * doubled capacity, radial filters, D input blurred with σ = 10 fading over batch·200/32 kimg.
 * The paper's ladder configs A–R (`LADDER_CFGS`) take the settings of their train.py family:
 * A–C those of stylegan2, D–H and T those of stylegan3-t, R those of stylegan3-r.
 */
import { ADAM_DEFAULTS } from './optim.js';
import { configAt } from '../generator/config.js';
import { computeGeometry } from '../generator/stylegan3/geometry.js';
import { initKwargsFromConfig } from '../generator/weights.js';
import {
  resolveStyleGAN2Config,
  styleGAN2InitKwargs,
  type StyleGAN2Config,
} from '../generator/stylegan2/config.js';
import type { GeneratorConfig } from '../generator/types.js';

/** train.py's `--cfg` values. */
export const TRAIN_CFGS = ['stylegan3-t', 'stylegan3-r', 'stylegan2'] as const;
/**
 * The paper's configuration ladder (spec §2.2) as `--cfg` values: A–C are StyleGAN2 (A is
 * train.py's `stylegan2`; B adds Fourier features, C also drops the noise inputs), D–H the rigid
 * StyleGAN3 steps, T and R train.py's `stylegan3-t` / `stylegan3-r`.
 */
export const LADDER_CFGS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'T', 'R'] as const;
/** One of train.py's `--cfg` values or a ladder config. */
export type TrainCfg = (typeof TRAIN_CFGS)[number] | (typeof LADDER_CFGS)[number];

/** The train.py configuration whose loss and optimizer settings a ladder config takes. */
const FAMILY: Record<(typeof LADDER_CFGS)[number], (typeof TRAIN_CFGS)[number]> = {
  A: 'stylegan2',
  B: 'stylegan2',
  C: 'stylegan2',
  D: 'stylegan3-t',
  E: 'stylegan3-t',
  F: 'stylegan3-t',
  G: 'stylegan3-t',
  H: 'stylegan3-t',
  T: 'stylegan3-t',
  R: 'stylegan3-r',
};

/** Command-line values (train.py names in camelCase); `cfg`, `batch` and the data geometry are required. */
export interface TrainArgs {
  cfg: TrainCfg;
  batch: number;
  /** Image side and channels of the dataset. */
  resolution: number;
  channels: number;
  /** Label dimension (0 = unconditional). */
  cDim?: number;
  gamma?: number | null;
  cbase?: number;
  cmax?: number;
  glr?: number | null;
  dlr?: number;
  mapDepth?: number | null;
  mbstdGroup?: number;
  /** z and w dimensions (train.py fixes both at 512). */
  zDim?: number;
  wDim?: number;
}

/** Everything the training loop needs, in the official argument names (snake_case kwargs). */
export interface TrainConfig {
  cfg: TrainCfg;
  batch: number;
  /** The official generator class and constructor arguments (what snapshots carry). */
  G_kwargs: Record<string, unknown>;
  /**
   * The generator's full config where the official kwargs do not determine the network (ladder
   * configs B–H: no official class builds Fourier features into StyleGAN2 or the rigid D–H
   * layers), else null. Such networks train through `trainingGenerator(G_kwargs, state, G_config)`
   * and `lossPhase`; `train` refuses them (an official loader would rebuild another network).
   */
  G_config: GeneratorConfig | StyleGAN2Config | null;
  D_kwargs: Record<string, unknown>;
  G_opt: { lr: number; betas: [number, number]; eps: number };
  D_opt: { lr: number; betas: [number, number]; eps: number };
  loss: {
    r1Gamma: number;
    styleMixingProb: number;
    plWeight: number;
    plBatchShrink: number;
    plDecay: number;
    plNoWeightGrad: boolean;
    blurInitSigma: number;
    blurFadeKimg: number;
  };
  /** Lazy regularisation intervals (null = regularise in the main phase). */
  G_reg_interval: number | null;
  D_reg_interval: number | null;
  emaKimg: number;
  emaRampup: number | null;
}

function posInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  return v;
}

/** train.py's configuration for `args` (see the module doc for every default). */
export function trainConfig(args: TrainArgs): TrainConfig {
  const ladder = (LADDER_CFGS as readonly string[]).includes(args.cfg)
    ? (args.cfg as (typeof LADDER_CFGS)[number])
    : null;
  if (!ladder && !(TRAIN_CFGS as readonly string[]).includes(args.cfg))
    throw new RangeError(
      `cfg must be one of ${[...TRAIN_CFGS, ...LADDER_CFGS].join(', ')}, got ${JSON.stringify(args.cfg)}`,
    );
  const family = ladder ? FAMILY[ladder] : (args.cfg as (typeof TRAIN_CFGS)[number]);
  const batch = posInt('batch', args.batch);
  const res = posInt('resolution', args.resolution);
  if ((res & (res - 1)) !== 0 || res < 4)
    throw new RangeError(`resolution must be a power of two >= 4, got ${res}`);
  const channels = posInt('channels', args.channels);
  const cDim = args.cDim ?? 0;
  const cbase = posInt('cbase', args.cbase ?? 32768);
  const cmax = posInt('cmax', args.cmax ?? 512);
  const mbstd = posInt('mbstdGroup', args.mbstdGroup ?? 4);
  if (batch < mbstd)
    throw new RangeError(
      `batch ${batch} is smaller than the minibatch-stddev group ${mbstd} (train.py: --batch-gpu cannot be smaller than --mbstd)`,
    );
  const sg2 = family === 'stylegan2';
  const mapDepth = posInt('mapDepth', args.mapDepth ?? (sg2 ? 8 : 2));
  const gamma = args.gamma ?? (0.0002 * res ** 2) / batch;
  if (!(gamma >= 0)) throw new RangeError(`gamma must be >= 0, got ${gamma}`);
  const glr = args.glr ?? (sg2 ? 0.002 : 0.0025);
  const dlr = args.dlr ?? 0.002;
  for (const [n, v] of [
    ['glr', glr],
    ['dlr', dlr],
  ] as const)
    if (!(v >= 0 && Number.isFinite(v))) throw new RangeError(`${n} must be a finite number >= 0, got ${v}`);
  const G: Record<string, unknown> = {
    class_name: sg2 ? 'training.networks_stylegan2.Generator' : 'training.networks_stylegan3.Generator',
    z_dim: posInt('zDim', args.zDim ?? 512),
    w_dim: posInt('wDim', args.wDim ?? 512),
    mapping_kwargs: { num_layers: mapDepth },
    channel_base: cbase,
    channel_max: cmax,
  };
  const loss: TrainConfig['loss'] = {
    r1Gamma: gamma,
    styleMixingProb: 0,
    plWeight: 0,
    plBatchShrink: 2,
    plDecay: 0.01,
    plNoWeightGrad: false,
    blurInitSigma: 0,
    blurFadeKimg: 0,
  };
  let gReg: number | null = null;
  if (sg2) {
    loss.styleMixingProb = 0.9;
    loss.plWeight = 2;
    gReg = 4;
    G.fused_modconv_default = 'inference_only';
    loss.plNoWeightGrad = true;
  } else {
    G.magnitude_ema_beta = 0.5 ** (batch / (20 * 1e3));
    if (family === 'stylegan3-r') {
      G.conv_kernel = 1;
      G.channel_base = cbase * 2;
      G.channel_max = cmax * 2;
      G.use_radial_filters = true;
      loss.blurInitSigma = 10;
      loss.blurFadeKimg = (batch * 200) / 32;
    }
  }
  Object.assign(G, { c_dim: cDim, img_resolution: res, img_channels: channels });
  const own = ladder && ladder !== 'A' && ladder !== 'T' && ladder !== 'R' ? ladderConfig(ladder, G) : null;
  if (own) {
    // The official arguments of the family's class for this network (the ladder switches have none).
    const fused = G.fused_modconv_default;
    for (const k of Object.keys(G)) delete G[k];
    Object.assign(
      G,
      'network' in own
        ? { ...styleGAN2InitKwargs(resolveStyleGAN2Config(own)), fused_modconv_default: fused }
        : initKwargsFromConfig(computeGeometry(own)),
    );
  }
  const D: Record<string, unknown> = {
    class_name: 'training.networks_stylegan2.Discriminator',
    block_kwargs: { freeze_layers: 0 },
    mapping_kwargs: {},
    epilogue_kwargs: { mbstd_group_size: mbstd },
    channel_base: cbase,
    channel_max: cmax,
    c_dim: cDim,
    img_resolution: res,
    img_channels: channels,
  };
  const betas: [number, number] = [...ADAM_DEFAULTS.betas];
  return {
    cfg: args.cfg,
    batch,
    G_kwargs: G,
    G_config: own,
    D_kwargs: D,
    G_opt: { lr: glr, betas, eps: ADAM_DEFAULTS.eps },
    D_opt: { lr: dlr, betas: [...betas], eps: ADAM_DEFAULTS.eps },
    loss,
    G_reg_interval: gReg,
    D_reg_interval: 16,
    emaKimg: (batch * 10) / 32,
    emaRampup: 0.05,
  };
}

/**
 * The full config of ladder step `name` (B–H) with the run's arguments of `G` (train.py's kwargs
 * for the family): resolution, channels, labels, z/w, mapping depth, capacity and, for D–H, the
 * magnitude-EMA decay of the batch.
 */
function ladderConfig(
  name: 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'H',
  G: Record<string, unknown>,
): GeneratorConfig | StyleGAN2Config {
  const common = {
    imgResolution: G.img_resolution as number,
    imgChannels: G.img_channels as number,
    cDim: G.c_dim as number,
    zDim: G.z_dim as number,
    wDim: G.w_dim as number,
    mappingLayers: (G.mapping_kwargs as { num_layers: number }).num_layers,
    channelBase: G.channel_base as number,
    channelMax: G.channel_max as number,
  };
  if (name === 'B' || name === 'C') return { ...configAt(name, common.imgResolution), ...common };
  return {
    ...configAt(name, common.imgResolution),
    ...common,
    magnitudeEmaBeta: G.magnitude_ema_beta as number,
  };
}
