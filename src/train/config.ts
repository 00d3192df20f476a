/**
 * train.py's configuration of a run (StyleGAN3 repository, `train.py` `main`; spec §2.6 and §8):
 * the generator, discriminator, optimizer and loss arguments per `--cfg`, from the command-line
 * values. Every default is train.py's: z/w 512, mapping depth 8 (stylegan2) or 2, G lr 0.002
 * (stylegan2) or 0.0025, D lr 0.002, Adam β (0, 0.99) ε 1e-8, minibatch-stddev group 4, R1 γ by the
 * StyleGAN2-ADA heuristic 0.0002·res²/batch unless given, ema_kimg = batch·10/32 with ramp-up 0.05,
 * D regularised lazily every 16 minibatches, G every 4 (stylegan2 only: path length, weight 2, style
 * mixing 0.9); stylegan3 G: magnitude_ema_beta = 0.5^(batch/20 000); stylegan3-r: 1×1 convolutions,
 * doubled capacity, radial filters, D input blurred with σ = 10 fading over batch·200/32 kimg.
 */
import { ADAM_DEFAULTS } from './optim.js';

/** train.py's `--cfg` values. */
export const TRAIN_CFGS = ['stylegan3-t', 'stylegan3-r', 'stylegan2'] as const;
/** One of train.py's `--cfg` values. */
export type TrainCfg = (typeof TRAIN_CFGS)[number];

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
  G_kwargs: Record<string, unknown>;
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
  if (!(TRAIN_CFGS as readonly string[]).includes(args.cfg))
    throw new RangeError(`cfg must be one of ${TRAIN_CFGS.join(', ')}, got ${JSON.stringify(args.cfg)}`);
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
  const sg2 = args.cfg === 'stylegan2';
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
    if (args.cfg === 'stylegan3-r') {
      G.conv_kernel = 1;
      G.channel_base = cbase * 2;
      G.channel_max = cmax * 2;
      G.use_radial_filters = true;
      loss.blurInitSigma = 10;
      loss.blurFadeKimg = (batch * 200) / 32;
    }
  }
  Object.assign(G, { c_dim: cDim, img_resolution: res, img_channels: channels });
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
