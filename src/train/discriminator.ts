/**
 * The official StyleGAN2 discriminator (`training.networks_stylegan2.Discriminator`, spec §8) on
 * TensorFlow.js, differentiable to second order (R1 needs ∂D/∂img and then its gradient with respect
 * to D's weights). Parameters are `tf.Variable`s under their official state-dict names.
 *
 * Channels C(r) = min(C_base / r, C_max). Blocks b<r> for r = R … 8, each (resnet, the default):
 *
 *     x  = fromrgb(img)                          (first block only; every block with 'skip')
 *     y  = skip(x)                               1×1, no bias, ↓2 through [1,3,3,1], gain √½
 *     x  = conv1(conv0(x))                       3×3 + lrelu; conv1 ↓2 like skip, gain √½
 *     x  = y + x                                 ('orig': x only; 'skip': img ↓2 carried along)
 *
 * Epilogue b4: minibatch stddev (group G = min(group, N); sample i in group i mod N/G), conv 3×3,
 * fc (C·16 → C), out (C → 1, or C → cmap_dim and (x·cmap).sum/√cmap_dim with labels). Every layer
 * uses the equalised learning rate: weights × 1/√fan_in at run time (× lr_mul for the label mapping),
 * lrelu slope 0.2 with gain √2, and conv outputs clamped to ±conv_clamp·gain (default 256).
 * FP16 (`num_fp16_res`) is CUDA-only in the official code and is accepted and ignored here.
 *
 * Feature maps are NHWC inside (the layout of tfjs convolutions); `forward` takes NCHW like the
 * official code. Weight convolutions use `conv2dDiff` (gradients of any order on every backend).
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { conv2dDiff } from './differentiable-conv.js';
import { FirFilter, firFilter2d } from './differentiable-fir.js';
import { Rng } from '../generator/rng.js';
import { readNpy } from '../io/npy.js';
import type { StateDict, StateTensor } from '../generator/state.js';
import { ensureBackend } from '../generator/backend.js';

/** Official constructor arguments in camelCase (`Discriminator.__init__` and its kwargs dicts). */
export interface DiscriminatorConfig {
  /** Input resolution R (power of two ≥ 4). */
  imgResolution: number;
  /** Colour channels (default 3). */
  imgChannels?: number;
  /** Label dimensionality (0 = unconditional; default 0). */
  cDim?: number;
  /** 'resnet' (default), 'skip' or 'orig'. */
  architecture?: 'resnet' | 'skip' | 'orig';
  /** Channel multiplier (default 32768). */
  channelBase?: number;
  /** Maximum channels (default 512). */
  channelMax?: number;
  /** FP16 resolutions (CUDA only in the official code; accepted, ignored). */
  numFp16Res?: number;
  /** Clamp of conv outputs (default 256, null = none). */
  convClamp?: number | null;
  /** Mapped label dimensionality (null = C(4)). */
  cmapDim?: number | null;
  /** Minibatch-stddev group size (default 4, null = whole batch). */
  mbstdGroupSize?: number | null;
  /** Minibatch-stddev features (default 1, 0 = off). */
  mbstdNumChannels?: number;
  /** Layers of the label mapping network (default 8). */
  mappingLayers?: number;
  /** Freeze-D: the first layers get no gradient (default 0). */
  freezeLayers?: number;
}

/** The config with every default filled in. */
export type ResolvedDiscriminatorConfig = Required<
  Omit<DiscriminatorConfig, 'convClamp' | 'cmapDim' | 'mbstdGroupSize'>
> & {
  convClamp: number | null;
  cmapDim: number;
  mbstdGroupSize: number | null;
};

const LRELU_GAIN = Math.SQRT2;
const SQRT_HALF = Math.sqrt(0.5);

function isPow2(n: number): boolean {
  return Number.isInteger(n) && n >= 4 && (n & (n - 1)) === 0;
}

/** Fill the defaults and check every field (RangeError/TypeError naming it). */
export function resolveDiscriminatorConfig(config: DiscriminatorConfig): ResolvedDiscriminatorConfig {
  if (config === null || typeof config !== 'object')
    throw new TypeError(`config must be a DiscriminatorConfig object, got ${String(config)}`);
  const r = config.imgResolution;
  if (!isPow2(r)) throw new RangeError(`imgResolution must be a power of two >= 4, got ${r}`);
  const posInt = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min)
      throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
    return v;
  };
  const arch = config.architecture ?? 'resnet';
  if (arch !== 'resnet' && arch !== 'skip' && arch !== 'orig')
    throw new RangeError(`architecture must be 'resnet', 'skip' or 'orig', got ${JSON.stringify(arch)}`);
  const channelBase = posInt('channelBase', config.channelBase ?? 32768, 1);
  const channelMax = posInt('channelMax', config.channelMax ?? 512, 1);
  const cDim = posInt('cDim', config.cDim ?? 0, 0);
  const c4 = Math.min(Math.floor(channelBase / 4), channelMax);
  for (let res = r; res >= 4; res /= 2)
    if (Math.min(Math.floor(channelBase / res), channelMax) < 1)
      throw new RangeError(`channelBase ${channelBase} leaves no channels at resolution ${res}`);
  const convClamp = config.convClamp === undefined ? 256 : config.convClamp;
  if (convClamp !== null && !(typeof convClamp === 'number' && convClamp > 0))
    throw new RangeError(`convClamp must be null or a number > 0, got ${convClamp}`);
  const group = config.mbstdGroupSize === undefined ? 4 : config.mbstdGroupSize;
  if (group !== null) posInt('mbstdGroupSize', group, 1);
  const cmap = cDim === 0 ? 0 : (config.cmapDim ?? c4);
  if (cDim > 0) posInt('cmapDim', cmap, 1);
  return {
    imgResolution: r,
    imgChannels: posInt('imgChannels', config.imgChannels ?? 3, 1),
    cDim,
    architecture: arch,
    channelBase,
    channelMax,
    numFp16Res: posInt('numFp16Res', config.numFp16Res ?? 4, 0),
    convClamp,
    cmapDim: cmap,
    mbstdGroupSize: group,
    mbstdNumChannels: posInt('mbstdNumChannels', config.mbstdNumChannels ?? 1, 0),
    mappingLayers: posInt('mappingLayers', config.mappingLayers ?? 8, 1),
    freezeLayers: posInt('freezeLayers', config.freezeLayers ?? 0, 0),
  };
}

/** One parameter or buffer of the layout: official key, shape, kind. */
interface Entry {
  key: string;
  shape: number[];
  kind: 'conv-weight' | 'bias' | 'fc-weight' | 'filter';
  /** FC weights are drawn as randn / lrMul. */
  lrMul?: number;
  /** Freeze-D layer index (trainable only when >= freezeLayers). */
  layer?: number;
}

function channels(c: ResolvedDiscriminatorConfig, res: number): number {
  return Math.min(Math.floor(c.channelBase / res), c.channelMax);
}

/** Block resolutions R, R/2, …, 8. */
function blockResolutions(c: ResolvedDiscriminatorConfig): number[] {
  const out: number[] = [];
  for (let r = c.imgResolution; r >= 8; r /= 2) out.push(r);
  return out;
}

/**
 * Elements of the feature maps one sample feeds D's blocks: Σ over blocks of res² · C(res), the
 * size the memory of D's autograd graphs scales with (868 352 for 64², C_base 8192, C_max 256).
 */
export function discriminatorFeatureElements(config: DiscriminatorConfig): number {
  const c = resolveDiscriminatorConfig(config);
  return blockResolutions(c).reduce((a, res) => a + res * res * channels(c, res), 0);
}

/** Every state entry in the official `state_dict()` order. */
export function discriminatorLayout(
  config: DiscriminatorConfig,
): { key: string; shape: number[]; trainable: boolean }[] {
  return layout(resolveDiscriminatorConfig(config)).map((e) => ({
    key: e.key,
    shape: e.shape,
    trainable: e.kind !== 'filter',
  }));
}

function layout(c: ResolvedDiscriminatorConfig): Entry[] {
  const out: Entry[] = [];
  let layer = 0;
  const conv = (p: string, cin: number, cout: number, k: number, bias: boolean) => {
    out.push({ key: `${p}.weight`, shape: [cout, cin, k, k], kind: 'conv-weight', layer });
    if (bias) out.push({ key: `${p}.bias`, shape: [cout], kind: 'bias', layer });
    out.push({ key: `${p}.resample_filter`, shape: [4, 4], kind: 'filter' });
    layer++;
  };
  for (const res of blockResolutions(c)) {
    const tmp = channels(c, res);
    const outC = channels(c, res / 2);
    const p = `b${res}`;
    out.push({ key: `${p}.resample_filter`, shape: [4, 4], kind: 'filter' });
    if (res === c.imgResolution || c.architecture === 'skip')
      conv(`${p}.fromrgb`, c.imgChannels, tmp, 1, true);
    conv(`${p}.conv0`, tmp, tmp, 3, true);
    conv(`${p}.conv1`, tmp, outC, 3, true);
    if (c.architecture === 'resnet') conv(`${p}.skip`, tmp, outC, 1, false);
  }
  if (c.cDim > 0) {
    out.push({ key: 'mapping.embed.weight', shape: [c.cmapDim, c.cDim], kind: 'fc-weight', lrMul: 1 });
    out.push({ key: 'mapping.embed.bias', shape: [c.cmapDim], kind: 'bias' });
    for (let i = 0; i < c.mappingLayers; i++) {
      const inF = i === 0 ? c.cmapDim : c.cmapDim;
      out.push({ key: `mapping.fc${i}.weight`, shape: [c.cmapDim, inF], kind: 'fc-weight', lrMul: 0.01 });
      out.push({ key: `mapping.fc${i}.bias`, shape: [c.cmapDim], kind: 'bias' });
    }
  }
  const c4 = channels(c, 4);
  // The epilogue's layers are not counted by Freeze-D (only blocks are).
  if (c.architecture === 'skip') {
    out.push({ key: 'b4.fromrgb.weight', shape: [c4, c.imgChannels, 1, 1], kind: 'conv-weight' });
    out.push({ key: 'b4.fromrgb.bias', shape: [c4], kind: 'bias' });
    out.push({ key: 'b4.fromrgb.resample_filter', shape: [4, 4], kind: 'filter' });
  }
  out.push({ key: 'b4.conv.weight', shape: [c4, c4 + c.mbstdNumChannels, 3, 3], kind: 'conv-weight' });
  out.push({ key: 'b4.conv.bias', shape: [c4], kind: 'bias' });
  out.push({ key: 'b4.conv.resample_filter', shape: [4, 4], kind: 'filter' });
  out.push({ key: 'b4.fc.weight', shape: [c4, c4 * 16], kind: 'fc-weight', lrMul: 1 });
  out.push({ key: 'b4.fc.bias', shape: [c4], kind: 'bias' });
  out.push({ key: 'b4.out.weight', shape: [c.cDim > 0 ? c.cmapDim : 1, c4], kind: 'fc-weight', lrMul: 1 });
  out.push({ key: 'b4.out.bias', shape: [c.cDim > 0 ? c.cmapDim : 1], kind: 'bias' });
  return out;
}

/** The official `setup_filter([1,3,3,1])`: outer product normalised to sum 1 (row-major [4, 4]). */
function binomialFilter(): Float32Array {
  const f = [1, 3, 3, 1];
  const out = new Float32Array(16);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) out[i * 4 + j] = (f[i] * f[j]) / 64;
  return out;
}

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Official constructor kwargs (snake_case) for a resolved config. */
export function discriminatorInitKwargs(c: ResolvedDiscriminatorConfig): Record<string, unknown> {
  return {
    class_name: 'training.networks_stylegan2.Discriminator',
    c_dim: c.cDim,
    img_resolution: c.imgResolution,
    img_channels: c.imgChannels,
    architecture: c.architecture,
    channel_base: c.channelBase,
    channel_max: c.channelMax,
    num_fp16_res: c.numFp16Res,
    conv_clamp: c.convClamp,
    cmap_dim: c.cDim > 0 ? c.cmapDim : null,
    block_kwargs: { freeze_layers: c.freezeLayers },
    mapping_kwargs: c.cDim > 0 ? { num_layers: c.mappingLayers } : {},
    epilogue_kwargs: { mbstd_group_size: c.mbstdGroupSize, mbstd_num_channels: c.mbstdNumChannels },
  };
}

/** The camelCase config of official `init_kwargs` (the `class_name` must be the Discriminator's). */
export function discriminatorConfigFromInitKwargs(kw: Record<string, unknown>): DiscriminatorConfig {
  if (kw === null || typeof kw !== 'object')
    throw new TypeError(`init kwargs must be an object, got ${String(kw)}`);
  const cls = kw.class_name;
  if (cls !== undefined && cls !== 'training.networks_stylegan2.Discriminator')
    throw new RangeError(
      `class_name must be 'training.networks_stylegan2.Discriminator', got ${JSON.stringify(cls)}`,
    );
  const known = new Set([
    'class_name',
    'c_dim',
    'img_resolution',
    'img_channels',
    'architecture',
    'channel_base',
    'channel_max',
    'num_fp16_res',
    'conv_clamp',
    'cmap_dim',
    'block_kwargs',
    'mapping_kwargs',
    'epilogue_kwargs',
  ]);
  for (const k of Object.keys(kw))
    if (!known.has(k)) throw new RangeError(`unsupported Discriminator argument ${k}`);
  const sub = (name: string) => (kw[name] ?? {}) as Record<string, unknown>;
  const block = sub('block_kwargs');
  const mapping = sub('mapping_kwargs');
  const epi = sub('epilogue_kwargs');
  for (const k of Object.keys(block))
    if (k !== 'freeze_layers' && !(k === 'activation' && block[k] === 'lrelu') && k !== 'fp16_channels_last')
      throw new RangeError(`unsupported block_kwargs.${k}`);
  for (const k of Object.keys(epi))
    if (k !== 'mbstd_group_size' && k !== 'mbstd_num_channels' && !(k === 'activation' && epi[k] === 'lrelu'))
      throw new RangeError(`unsupported epilogue_kwargs.${k}`);
  for (const k of Object.keys(mapping))
    if (k !== 'num_layers') throw new RangeError(`unsupported mapping_kwargs.${k}`);
  const num = (v: unknown) => (v === undefined ? undefined : (v as number));
  return {
    imgResolution: kw.img_resolution as number,
    imgChannels: num(kw.img_channels),
    cDim: num(kw.c_dim),
    architecture: kw.architecture as DiscriminatorConfig['architecture'],
    channelBase: num(kw.channel_base),
    channelMax: num(kw.channel_max),
    numFp16Res: num(kw.num_fp16_res),
    convClamp: kw.conv_clamp as number | null | undefined,
    cmapDim: kw.cmap_dim as number | null | undefined,
    mbstdGroupSize: epi.mbstd_group_size as number | null | undefined,
    mbstdNumChannels: num(epi.mbstd_num_channels),
    mappingLayers: num(mapping.num_layers),
    freezeLayers: num(block.freeze_layers),
  };
}

/** One stage of `Discriminator.chain`. */
export interface DiscriminatorStage {
  /** `b<res>` for a block, `b4` for the epilogue. */
  readonly name: string;
  /** The trainable parameters the stage reads (empty when all are frozen). */
  readonly params: tf.Variable[];
  /** State in → state out (the epilogue returns `[logits]`, [N, 1]). */
  run(state: tf.Tensor[]): tf.Tensor[];
}

/**
 * The official StyleGAN2 discriminator. Create with `createDiscriminator`, `loadDiscriminator` or
 * `discriminatorFromState`; free with `dispose()`.
 */
export class Discriminator {
  readonly config: ResolvedDiscriminatorConfig;
  /** Official constructor kwargs (snake_case, with `class_name`). */
  readonly initKwargs: Record<string, unknown>;
  /** Trainable parameters by official state-dict name (Freeze-D layers excluded). */
  readonly params: Map<string, tf.Variable>;
  /** Every parameter (frozen ones too) by official name. */
  private readonly all: Map<string, tf.Variable>;
  /** Buffers (resample filters), kept as loaded. */
  private readonly buffers: Map<string, StateTensor>;
  private readonly entries: Entry[];
  /** The [1,3,3,1] filter as correlation taps (flipped: upfirdn2d convolves). */
  private readonly filter: FirFilter;
  /** `stageParams`'s lists by stage name. */
  private readonly stageParamLists = new Map<string, tf.Variable[]>();
  private disposed = false;

  /** Use the factory functions. `state` must hold every key of the layout with its shape. */
  constructor(
    config: DiscriminatorConfig,
    state: StateDict,
    initKwargs: Record<string, unknown> | null = null,
  ) {
    this.config = resolveDiscriminatorConfig(config);
    this.entries = layout(this.config);
    this.initKwargs = initKwargs ? { ...initKwargs } : discriminatorInitKwargs(this.config);
    this.params = new Map();
    this.all = new Map();
    this.buffers = new Map();
    for (const e of this.entries) {
      const s = state.get(e.key);
      if (!s) throw new RangeError(`discriminator state has no entry ${e.key}`);
      if (
        numel(s.shape) !== numel(e.shape) ||
        s.shape.length !== e.shape.length ||
        s.shape.some((v, i) => v !== e.shape[i])
      )
        throw new RangeError(
          `discriminator state ${e.key} has shape [${s.shape.join(', ')}], expected [${e.shape.join(', ')}]`,
        );
      const data = s.data instanceof Float32Array ? s.data : Float32Array.from(s.data);
      if (e.kind === 'filter') {
        this.buffers.set(e.key, { shape: [...e.shape], data: Float32Array.from(data) });
        continue;
      }
      for (let i = 0; i < data.length; i++)
        if (!Number.isFinite(data[i]))
          throw new TypeError(`discriminator state ${e.key} has a non-finite value ${data[i]} at ${i}`);
      const trainable = e.layer === undefined || e.layer >= this.config.freezeLayers;
      const v = tf.variable(tf.tensor(data, e.shape, 'float32'), trainable);
      this.all.set(e.key, v);
      if (trainable) this.params.set(e.key, v);
    }
    // Every block's resample filter is the same [1,3,3,1] buffer; use the state's first one.
    const f = this.buffers.get(`b${this.config.imgResolution}.resample_filter`)?.data ?? binomialFilter();
    const flipped = new Float32Array(16);
    for (let i = 0; i < 16; i++) flipped[i] = f[15 - i];
    this.filter = new FirFilter(flipped, 4, 4);
  }

  private alive(): void {
    if (this.disposed) throw new Error('this discriminator was disposed');
  }

  private p(key: string): tf.Variable {
    const v = this.all.get(key);
    if (!v) throw new Error(`internal: no parameter ${key}`);
    return v;
  }

  /** The [1,3,3,1] filter on NHWC x (per channel) with padding `pad` and stride `down`. */
  private filter2d(x: tf.Tensor4D, pad: number, down: number): tf.Tensor4D {
    return firFilter2d(x, this.filter, pad, down);
  }

  /**
   * Official `Conv2dLayer` on NHWC x: w·(1/√(C_in·k²)) as a conv (padding k//2; down = 2 through the
   * filter: 3×3 as filter(pad 2) + conv stride 2, 1×1 as filter(pad 1, ↓2) + conv), then
   * bias_act(lrelu or linear, gain act_gain·gain, clamp conv_clamp·gain).
   */
  private conv(
    x: tf.Tensor4D,
    prefix: string,
    {
      down = 1,
      gain = 1,
      act = 'lrelu',
      clamp = this.config.convClamp,
      bias = true,
    }: {
      down?: number;
      gain?: number;
      act?: 'lrelu' | 'linear';
      clamp?: number | null;
      bias?: boolean;
    } = {},
  ): tf.Tensor4D {
    const weight = this.p(`${prefix}.weight`);
    const [, cin, k] = weight.shape;
    const w = tf.transpose(tf.mul(weight, 1 / Math.sqrt(cin * k * k)), [2, 3, 1, 0]) as tf.Tensor4D;
    let y: tf.Tensor4D;
    if (down === 1) y = conv2dDiff(x, w, { pad: Math.floor(k / 2) });
    else if (k === 1) y = conv2dDiff(this.filter2d(x, 1, 2), w);
    else y = conv2dDiff(this.filter2d(x, 2, 1), w, { stride: 2 });
    if (bias) y = tf.add(y, this.p(`${prefix}.bias`));
    const g = (act === 'lrelu' ? LRELU_GAIN : 1) * gain;
    if (act === 'lrelu') y = tf.leakyRelu(y, 0.2);
    if (g !== 1) y = tf.mul(y, g);
    if (clamp !== null) y = tf.clipByValue(y, -clamp * gain, clamp * gain);
    return y;
  }

  /** Official `FullyConnectedLayer`: x·(W·lr/√in)ᵀ + b·lr, then lrelu (gain √2) or linear. */
  private fc(x: tf.Tensor2D, prefix: string, act: 'lrelu' | 'linear', lrMul = 1): tf.Tensor2D {
    const weight = this.p(`${prefix}.weight`);
    const w = tf.mul(weight, lrMul / Math.sqrt(weight.shape[1]!));
    const b = lrMul === 1 ? this.p(`${prefix}.bias`) : tf.mul(this.p(`${prefix}.bias`), lrMul);
    let y = tf.add(tf.matMul(x, w, false, true), b) as tf.Tensor2D;
    if (act === 'lrelu') y = tf.mul(tf.leakyRelu(y, 0.2), LRELU_GAIN);
    return y;
  }

  /** Minibatch standard deviation (official `MinibatchStdLayer`) on NHWC x: appends F channels. */
  private mbstd(x: tf.Tensor4D): tf.Tensor4D {
    const [n, h, w, c] = x.shape;
    const G = this.config.mbstdGroupSize === null ? n : Math.min(this.config.mbstdGroupSize, n);
    const F = this.config.mbstdNumChannels;
    if (n % G !== 0)
      throw new RangeError(`batch size ${n} must be a multiple of the minibatch-stddev group size ${G}`);
    const m = n / G;
    let y = tf.reshape(x, [G, m, h, w, F, c / F]);
    y = tf.sub(y, tf.mean(y, 0));
    y = tf.sqrt(tf.add(tf.mean(tf.square(y), 0), 1e-8)); // [m, h, w, F, c/F]
    y = tf.mean(y, [1, 2, 4]); // [m, F]
    y = tf.tile(y, [G, 1]); // sample i ← group i mod m
    const maps = tf.broadcastTo(tf.reshape(y, [n, 1, 1, F]), [n, h, w, F]);
    return tf.concat([x, maps], 3) as tf.Tensor4D;
  }

  /** The official label mapping (`MappingNetwork(z_dim=0, c_dim, w_dim=cmap_dim, num_ws=None)`). */
  private mapLabels(c: tf.Tensor2D): tf.Tensor2D {
    const norm = (v: tf.Tensor2D) =>
      tf.mul(v, tf.rsqrt(tf.add(tf.mean(tf.square(v), 1, true), 1e-8))) as tf.Tensor2D;
    let x = norm(this.fc(c, 'mapping.embed', 'linear'));
    for (let i = 0; i < this.config.mappingLayers; i++) x = this.fc(x, `mapping.fc${i}`, 'lrelu', 0.01);
    return x;
  }

  /** Throw a RangeError/TypeError naming the argument unless `forward(img, c)` can take them. */
  checkInputs(img: tf.Tensor, c: tf.Tensor | null): void {
    const cfg = this.config;
    if (!(img instanceof tf.Tensor))
      throw new TypeError(
        `img must be a tf.Tensor [N, ${cfg.imgChannels}, ${cfg.imgResolution}, ${cfg.imgResolution}]`,
      );
    const R = cfg.imgResolution;
    if (
      img.rank !== 4 ||
      img.shape[1] !== cfg.imgChannels ||
      img.shape[2] !== R ||
      img.shape[3] !== R ||
      img.shape[0] < 1
    )
      throw new RangeError(
        `img must have shape [N, ${cfg.imgChannels}, ${R}, ${R}], got [${img.shape.join(', ')}]`,
      );
    if (cfg.cDim > 0) {
      if (!(c instanceof tf.Tensor))
        throw new TypeError(`c (labels [N, ${cfg.cDim}]) is required by this conditional discriminator`);
      if (c.rank !== 2 || c.shape[0] !== img.shape[0] || c.shape[1] !== cfg.cDim)
        throw new RangeError(`c must have shape [${img.shape[0]}, ${cfg.cDim}], got [${c.shape.join(', ')}]`);
    }
  }

  /** The trainable parameters of stage `name` (`b<res>`, or `b4` with the label mapping), found once. */
  private stageParams(name: string): tf.Variable[] {
    let list = this.stageParamLists.get(name);
    if (!list) {
      const prefixes = name === 'b4' ? ['b4.', 'mapping.'] : [`${name}.`];
      list = [...this.params].filter(([k]) => prefixes.some((p) => k.startsWith(p))).map(([, v]) => v);
      this.stageParamLists.set(name, list);
    }
    return list;
  }

  /**
   * D as a chain of stages (`forward` is their composition): one per block, b_R … b_8, then the
   * epilogue b4 (with the label mapping). The first stage takes `[img]` (NCHW); a block's state
   * is `[x]` (NHWC features) for resnet and orig, `[x, image]` for skip (the downsampled image
   * beside the features). Blocks act on each sample alone; only the epilogue mixes samples (the
   * minibatch-stddev layer), so a block can run on any subset of a batch. `params` are the
   * trainable parameters a stage reads. The stages neither check their inputs nor free them.
   */
  chain(c: tf.Tensor | null = null): DiscriminatorStage[] {
    this.alive();
    const cfg = this.config;
    const R = cfg.imgResolution;
    const skip = cfg.architecture === 'skip';
    const stages: DiscriminatorStage[] = blockResolutions(cfg).map((res) => ({
      name: `b${res}`,
      params: this.stageParams(`b${res}`),
      run: (state: tf.Tensor[]): tf.Tensor[] => {
        let x: tf.Tensor4D | null = null;
        let image: tf.Tensor4D | null = null;
        if (res === R) image = tf.transpose(tf.cast(state[0], 'float32'), [0, 2, 3, 1]) as tf.Tensor4D;
        else {
          x = state[0] as tf.Tensor4D;
          if (skip) image = state[1] as tf.Tensor4D;
        }
        const p = `b${res}`;
        if (res === R || skip) {
          const y = this.conv(image!, `${p}.fromrgb`);
          x = x ? (tf.add(x, y) as tf.Tensor4D) : y;
          image = skip ? this.filter2d(image!, 1, 2) : null;
        }
        if (cfg.architecture === 'resnet') {
          const y = this.conv(x!, `${p}.skip`, {
            down: 2,
            gain: SQRT_HALF,
            act: 'linear',
            clamp: null,
            bias: false,
          });
          const h = this.conv(this.conv(x!, `${p}.conv0`), `${p}.conv1`, { down: 2, gain: SQRT_HALF });
          x = tf.add(y, h) as tf.Tensor4D;
        } else {
          x = this.conv(this.conv(x!, `${p}.conv0`), `${p}.conv1`, { down: 2 });
        }
        return skip ? [x, image!] : [x];
      },
    }));
    stages.push({
      name: 'b4',
      params: this.stageParams('b4'),
      run: (state: tf.Tensor[]): tf.Tensor[] => {
        let x = state[0] as tf.Tensor4D;
        if (skip)
          x = tf.add(x, this.conv(state[1] as tf.Tensor4D, 'b4.fromrgb', { clamp: null })) as tf.Tensor4D;
        if (cfg.mbstdNumChannels > 0) x = this.mbstd(x);
        x = this.conv(x, 'b4.conv');
        const n = x.shape[0];
        const flat = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [n, -1]) as tf.Tensor2D; // NCHW flatten
        let out = this.fc(this.fc(flat, 'b4.fc', 'lrelu'), 'b4.out', 'linear');
        if (cfg.cDim > 0) {
          const cmap = this.mapLabels(tf.cast(c!, 'float32') as tf.Tensor2D);
          out = tf.mul(tf.sum(tf.mul(out, cmap), 1, true), 1 / Math.sqrt(cfg.cmapDim)) as tf.Tensor2D;
        }
        return [out];
      },
    });
    return stages;
  }

  /**
   * Logits of images `img` [N, C, R, R] (NCHW, nominal range [−1, 1]) and labels `c` [N, cDim]
   * (only when cDim > 0): a tf.Tensor [N, 1] (official `D(img, c)`). Differentiable with respect
   * to `img` and every parameter, to second order. N must be a multiple of the mbstd group size
   * when N exceeds it.
   */
  forward(img: tf.Tensor, c: tf.Tensor | null = null): tf.Tensor2D {
    this.alive();
    this.checkInputs(img, c);
    return tf.tidy(() => {
      let state: tf.Tensor[] = [img];
      for (const stage of this.chain(c)) state = stage.run(state);
      return state[0] as tf.Tensor2D;
    });
  }

  /** A copy of the state dict: official keys, shapes and order (parameters and buffers). */
  stateDict(): StateDict {
    this.alive();
    const out: StateDict = new Map();
    for (const e of this.entries) {
      const b = this.buffers.get(e.key);
      if (b) out.set(e.key, { shape: [...b.shape], data: Float32Array.from(b.data) });
      else {
        const v = this.all.get(e.key)!;
        out.set(e.key, { shape: [...e.shape], data: Float32Array.from(v.dataSync() as Float32Array) });
      }
    }
    return out;
  }

  /** Free every tensor. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.all.values()) v.dispose();
    this.filter.dispose();
  }
}

/** The initial state of a fresh discriminator (official init: conv weights N(0,1), FC N(0,1)/lr, biases 0). */
function initialDiscriminatorState(c: ResolvedDiscriminatorConfig, seed: number | string): StateDict {
  const rng = new Rng(seed);
  const state: StateDict = new Map();
  const filt = binomialFilter();
  for (const e of layout(c)) {
    const n = numel(e.shape);
    let data: Float32Array;
    if (e.kind === 'filter') data = Float32Array.from(filt);
    else if (e.kind === 'bias') data = new Float32Array(n);
    else {
      data = rng.normals(n);
      const lr = e.lrMul ?? 1;
      if (e.kind === 'fc-weight' && lr !== 1) for (let i = 0; i < n; i++) data[i] /= lr;
    }
    state.set(e.key, { shape: [...e.shape], data });
  }
  return state;
}

/** A discriminator with fresh seeded weights (official initial distributions). */
export async function createDiscriminator(
  config: DiscriminatorConfig,
  { seed = 0 }: { seed?: number | string } = {},
): Promise<Discriminator> {
  const c = resolveDiscriminatorConfig(config);
  await ensureBackend();
  return new Discriminator(c, initialDiscriminatorState(c, seed));
}

/** A discriminator from official `init_kwargs` and a state dict (e.g. a snapshot's `D`). */
export async function discriminatorFromState(
  initKwargs: Record<string, unknown>,
  state: StateDict,
): Promise<Discriminator> {
  const config = discriminatorConfigFromInitKwargs(initKwargs);
  await ensureBackend();
  return new Discriminator(config, state, initKwargs);
}

/**
 * Load the discriminator from a golden-format directory (`init_kwargs.json` with `class_name` +
 * `state/<key>.npy`) or from the `D` of an official snapshot `network-snapshot-*.pkl`.
 */
export async function loadDiscriminator(path: string): Promise<Discriminator> {
  if (typeof path !== 'string' || path.length === 0)
    throw new TypeError(`path must be a non-empty string, got ${String(path)}`);
  if (!existsSync(path)) throw new RangeError(`path ${JSON.stringify(path)} does not exist`);
  if (statSync(path).isFile()) {
    const modPath = '../io/pickle/network.js';
    const mod = (await import(/* @vite-ignore */ modPath)) as {
      readNetworkPickle(
        bytes: Uint8Array,
        opts: { key: string },
      ): { initKwargs: Record<string, unknown>; state: StateDict };
    };
    const snap = mod.readNetworkPickle(new Uint8Array(readFileSync(path)), { key: 'D' });
    return discriminatorFromState(snap.initKwargs, snap.state);
  }
  const kwPath = join(path, 'init_kwargs.json');
  if (!existsSync(kwPath))
    throw new RangeError(`${JSON.stringify(path)} is not a network directory: ${kwPath} is missing`);
  const initKwargs = JSON.parse(readFileSync(kwPath, 'utf8')) as Record<string, unknown>;
  const stateDir = join(path, 'state');
  if (!existsSync(stateDir)) throw new RangeError(`${JSON.stringify(path)} has no state/ folder`);
  const state: StateDict = new Map();
  for (const f of readdirSync(stateDir)) {
    if (!f.endsWith('.npy')) continue;
    const a = readNpy(join(stateDir, f));
    if (a.data instanceof Uint8Array) throw new TypeError(`weight file ${f} has a non-numeric dtype`);
    state.set(f.slice(0, -4), { shape: a.shape.slice(), data: a.data as StateTensor['data'] });
  }
  return discriminatorFromState(initKwargs, state);
}
