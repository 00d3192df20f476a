/**
 * The official module trees of the networks a training snapshot holds, rebuilt from a network's
 * constructor arguments (`init_kwargs`, snake_case, with `class_name`) and its state dict: the same
 * classes, submodule names, plain attributes, recorded `_init_args` / `_init_kwargs` and
 * parameter/buffer split as the official constructors produce (read from
 * `training/networks_stylegan3.py` and `training/networks_stylegan2.py`), so that the official
 * `legacy.load_network_pkl` gets working modules.
 *
 * Covered: `training.networks_stylegan3.Generator` (configs T and R and every official argument) and
 * `training.networks_stylegan2.Discriminator` (resnet/orig/skip blocks, unconditional).
 */
import { computeGeometry } from '../generator/stylegan3/geometry.js';
import { configFromInitKwargs } from '../generator/config.js';
import type { ModuleNode, TreeTensor } from '../io/pickle/module-tree.js';

/** A state dict: official key → tensor. */
export type TreeState = Map<string, TreeTensor>;

const SG3 = 'training.networks_stylegan3';
const SG2 = 'training.networks_stylegan2';
const LRELU_GAIN = Math.sqrt(2);

/** Tracks which state keys a tree used, so that missing and unexpected keys are both reported. */
class StateTaker {
  private used = new Set<string>();
  constructor(
    private state: TreeState,
    private what: string,
  ) {}
  take(key: string): TreeTensor {
    const t = this.state.get(key);
    if (!t) throw new RangeError(`${this.what}: state has no ${JSON.stringify(key)}`);
    this.used.add(key);
    return t;
  }
  done(): void {
    const extra = [...this.state.keys()].filter((k) => !this.used.has(k));
    if (extra.length)
      throw new RangeError(
        `${this.what}: state keys the official module has no place for: ${extra.slice(0, 5).join(', ')}`,
      );
  }
}

function node(className: string, module: string, p: Partial<ModuleNode> = {}): ModuleNode {
  return {
    className,
    module,
    attrs: p.attrs ?? [],
    parameters: p.parameters ?? [],
    buffers: p.buffers ?? [],
    children: p.children ?? [],
    initArgs: p.initArgs ?? [],
    initKwargs: p.initKwargs ?? {},
  };
}

/** `FullyConnectedLayer` (both files): weight_gain = lr_multiplier/√in, bias_gain = lr_multiplier. */
function fullyConnected(
  module: string,
  prefix: string,
  s: StateTaker,
  inF: number,
  outF: number,
  kwargs: Record<string, unknown>,
): ModuleNode {
  const lr = (kwargs.lr_multiplier as number | undefined) ?? 1;
  const bias = (kwargs.bias as boolean | undefined) ?? true;
  const attrs: [string, unknown][] = [
    ['in_features', inF],
    ['out_features', outF],
    ['activation', (kwargs.activation as string | undefined) ?? 'linear'],
  ];
  if (!bias) attrs.push(['bias', null]);
  attrs.push(['weight_gain', lr / Math.sqrt(inF)], ['bias_gain', lr]);
  const parameters: ModuleNode['parameters'] = [['weight', s.take(`${prefix}.weight`)]];
  if (bias) parameters.push(['bias', s.take(`${prefix}.bias`)]);
  return node('FullyConnectedLayer', module, {
    attrs,
    parameters,
    initArgs: [inF, outF],
    initKwargs: kwargs,
  });
}

/** Names of `SynthesisNetwork.__init__`'s own arguments; the rest flows on to every layer. */
const SYNTHESIS_NETWORK_ARGS = new Set([
  'w_dim',
  'img_resolution',
  'img_channels',
  'channel_base',
  'channel_max',
  'num_layers',
  'num_critical',
  'first_cutoff',
  'first_stopband',
  'last_stopband_rel',
  'margin_size',
  'output_scale',
  'num_fp16_res',
]);
const GENERATOR_ARGS = new Set([
  'z_dim',
  'c_dim',
  'w_dim',
  'img_resolution',
  'img_channels',
  'mapping_kwargs',
]);

/** The module tree of `training.networks_stylegan3.Generator(**initKwargs)` holding `state`. */
export function stylegan3GeneratorTree(
  initKwargs: Record<string, unknown>,
  state: TreeState,
  what = 'G',
): ModuleNode {
  const { class_name: _cls, ...kwargs } = initKwargs;
  const geo = computeGeometry(configFromInitKwargs(initKwargs));
  const cfg = geo.config;
  const s = new StateTaker(state, what);
  const synthesisKwargs: Record<string, unknown> = {
    w_dim: cfg.wDim,
    img_resolution: cfg.imgResolution,
    img_channels: cfg.imgChannels,
  };
  const layerKwargs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kwargs)) {
    if (GENERATOR_ARGS.has(k)) continue;
    synthesisKwargs[k] = v;
    if (!SYNTHESIS_NETWORK_ARGS.has(k)) layerKwargs[k] = v;
  }
  // Synthesis input.
  const inp = geo.input;
  const inputNode = node('SynthesisInput', SG3, {
    attrs: [
      ['w_dim', cfg.wDim],
      ['channels', inp.channels],
      ['size', [inp.size, inp.size]],
      ['sampling_rate', inp.samplingRate],
      ['bandwidth', inp.bandwidth],
    ],
    parameters: [['weight', s.take('synthesis.input.weight')]],
    buffers: [
      ['transform', s.take('synthesis.input.transform')],
      ['freqs', s.take('synthesis.input.freqs')],
      ['phases', s.take('synthesis.input.phases')],
    ],
    children: [
      [
        'affine',
        fullyConnected(SG3, 'synthesis.input.affine', s, cfg.wDim, 4, {
          weight_init: 0,
          bias_init: [1, 0, 0, 0],
        }),
      ],
    ],
    initKwargs: {
      w_dim: cfg.wDim,
      channels: inp.channels,
      size: inp.size,
      sampling_rate: inp.samplingRate,
      bandwidth: inp.bandwidth,
    },
  });
  const layers: [string, ModuleNode][] = geo.layers.map((L) => {
    const p = `synthesis.${L.name}`;
    const affine = fullyConnected(SG3, `${p}.affine`, s, cfg.wDim, L.inChannels, { bias_init: 1 });
    const opt = (k: string) => (state.has(`${p}.${k}`) ? s.take(`${p}.${k}`) : null);
    return [
      L.name,
      node('SynthesisLayer', SG3, {
        attrs: [
          ['w_dim', cfg.wDim],
          ['is_torgb', L.isTorgb],
          ['is_critically_sampled', L.isCriticallySampled],
          ['use_fp16', L.useFp16],
          ['in_channels', L.inChannels],
          ['out_channels', L.outChannels],
          ['in_size', [L.inSize, L.inSize]],
          ['out_size', [L.outSize, L.outSize]],
          ['in_sampling_rate', L.inSamplingRate],
          ['out_sampling_rate', L.outSamplingRate],
          ['tmp_sampling_rate', L.tmpSamplingRate],
          ['in_cutoff', L.inCutoff],
          ['out_cutoff', L.outCutoff],
          ['in_half_width', L.inHalfWidth],
          ['out_half_width', L.outHalfWidth],
          ['conv_kernel', L.convKernel],
          ['conv_clamp', cfg.convClamp],
          ['magnitude_ema_beta', cfg.magnitudeEmaBeta],
          ['up_factor', L.upFactor],
          ['up_taps', L.upTaps],
          ['down_factor', L.downFactor],
          ['down_taps', L.downTaps],
          ['down_radial', L.downRadial],
          ['padding', [...L.padding]],
        ],
        parameters: [
          ['weight', s.take(`${p}.weight`)],
          ['bias', s.take(`${p}.bias`)],
        ],
        buffers: [
          ['magnitude_ema', s.take(`${p}.magnitude_ema`)],
          ['up_filter', opt('up_filter')],
          ['down_filter', opt('down_filter')],
        ],
        children: [['affine', affine]],
        initKwargs: {
          w_dim: cfg.wDim,
          is_torgb: L.isTorgb,
          is_critically_sampled: L.isCriticallySampled,
          use_fp16: L.useFp16,
          in_channels: L.inChannels,
          out_channels: L.outChannels,
          in_size: L.inSize,
          out_size: L.outSize,
          in_sampling_rate: L.inSamplingRate,
          out_sampling_rate: L.outSamplingRate,
          in_cutoff: L.inCutoff,
          out_cutoff: L.outCutoff,
          in_half_width: L.inHalfWidth,
          out_half_width: L.outHalfWidth,
          ...layerKwargs,
        },
      }),
    ];
  });
  const synthesis = node('SynthesisNetwork', SG3, {
    attrs: [
      ['w_dim', cfg.wDim],
      ['num_ws', geo.numWs],
      ['img_resolution', cfg.imgResolution],
      ['img_channels', cfg.imgChannels],
      ['num_layers', cfg.numLayers],
      ['num_critical', cfg.numCritical],
      ['margin_size', cfg.marginSize],
      ['output_scale', cfg.outputScale],
      ['num_fp16_res', cfg.numFp16Res],
      ['layer_names', geo.layers.map((L) => L.name)],
    ],
    children: [['input', inputNode], ...layers],
    initKwargs: synthesisKwargs,
  });
  // Mapping network.
  const mappingKwargs = (kwargs.mapping_kwargs as Record<string, unknown> | undefined) ?? {};
  const mapChildren: [string, ModuleNode][] = [];
  const mapAttrs: [string, unknown][] = [
    ['z_dim', cfg.zDim],
    ['c_dim', cfg.cDim],
    ['w_dim', cfg.wDim],
    ['num_ws', geo.numWs],
    ['num_layers', cfg.mappingLayers],
    ['w_avg_beta', cfg.wAvgBeta],
  ];
  if (cfg.cDim > 0)
    mapChildren.push(['embed', fullyConnected(SG3, 'mapping.embed', s, cfg.cDim, cfg.wDim, {})]);
  else mapAttrs.push(['embed', null]);
  const lrm = cfg.mappingLrMultiplier;
  for (let i = 0; i < cfg.mappingLayers; i++) {
    const inF = i === 0 ? cfg.zDim + (cfg.cDim > 0 ? cfg.wDim : 0) : cfg.wDim;
    mapChildren.push([
      `fc${i}`,
      fullyConnected(SG3, `mapping.fc${i}`, s, inF, cfg.wDim, { activation: 'lrelu', lr_multiplier: lrm }),
    ]);
  }
  const mapping = node('MappingNetwork', SG3, {
    attrs: mapAttrs,
    buffers: [['w_avg', s.take('mapping.w_avg')]],
    children: mapChildren,
    initKwargs: { z_dim: cfg.zDim, c_dim: cfg.cDim, w_dim: cfg.wDim, num_ws: geo.numWs, ...mappingKwargs },
  });
  s.done();
  return node('Generator', SG3, {
    attrs: [
      ['z_dim', cfg.zDim],
      ['c_dim', cfg.cDim],
      ['w_dim', cfg.wDim],
      ['img_resolution', cfg.imgResolution],
      ['img_channels', cfg.imgChannels],
      ['num_ws', geo.numWs],
    ],
    children: [
      ['synthesis', synthesis],
      ['mapping', mapping],
    ],
    initKwargs: kwargs,
  });
}

/** `Conv2dLayer` of networks_stylegan2 (trainable → parameters, frozen → buffers). */
function conv2d(
  prefix: string,
  s: StateTaker,
  inC: number,
  outC: number,
  kwargs: Record<string, unknown>,
): ModuleNode {
  const k = kwargs.kernel_size as number;
  const bias = (kwargs.bias as boolean | undefined) ?? true;
  const activation = (kwargs.activation as string | undefined) ?? 'linear';
  const trainable = (kwargs.trainable as boolean | undefined) ?? true;
  const attrs: [string, unknown][] = [
    ['in_channels', inC],
    ['out_channels', outC],
    ['activation', activation],
    ['up', (kwargs.up as number | undefined) ?? 1],
    ['down', (kwargs.down as number | undefined) ?? 1],
    ['conv_clamp', (kwargs.conv_clamp as number | null | undefined) ?? null],
    ['padding', Math.floor(k / 2)],
    ['weight_gain', 1 / Math.sqrt(inC * k * k)],
    ['act_gain', activation === 'lrelu' ? LRELU_GAIN : 1],
  ];
  const tensors: [string, TreeTensor | null][] = [['weight', s.take(`${prefix}.weight`)]];
  if (bias) tensors.push(['bias', s.take(`${prefix}.bias`)]);
  else attrs.push(['bias', null]);
  const filter: [string, TreeTensor | null] = ['resample_filter', s.take(`${prefix}.resample_filter`)];
  return node('Conv2dLayer', SG2, {
    attrs,
    parameters: trainable ? tensors : [],
    buffers: trainable ? [filter] : [filter, ...tensors],
    initArgs: [inC, outC],
    initKwargs: kwargs,
  });
}

/** The module tree of `training.networks_stylegan2.Discriminator(**initKwargs)` holding `state`. */
export function discriminatorTree(
  initKwargs: Record<string, unknown>,
  state: TreeState,
  what = 'D',
): ModuleNode {
  const { class_name: cls, ...kwargs } = initKwargs;
  if (cls !== undefined && cls !== `${SG2}.Discriminator`)
    throw new RangeError(`${what}: class_name must be ${SG2}.Discriminator, got ${JSON.stringify(cls)}`);
  const num = (k: string, d?: number): number => {
    const v = kwargs[k] ?? d;
    if (typeof v !== 'number')
      throw new RangeError(`${what}: init kwarg ${k} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const cDim = num('c_dim');
  const res = num('img_resolution');
  const imgChannels = num('img_channels');
  const architecture = (kwargs.architecture as string | undefined) ?? 'resnet';
  const channelBase = num('channel_base', 32768);
  const channelMax = num('channel_max', 512);
  const numFp16Res = num('num_fp16_res', 4);
  const convClamp = kwargs.conv_clamp === undefined ? 256 : (kwargs.conv_clamp as number | null);
  const blockKwargs = (kwargs.block_kwargs as Record<string, unknown> | undefined) ?? {};
  const epilogueKwargs = (kwargs.epilogue_kwargs as Record<string, unknown> | undefined) ?? {};
  if (cDim > 0)
    throw new RangeError(`${what}: conditional discriminators (c_dim ${cDim}) are not written yet`);
  if (!Number.isSafeInteger(res) || res < 4 || (res & (res - 1)) !== 0)
    throw new RangeError(`${what}: img_resolution must be a power of two >= 4, got ${res}`);
  const log2 = Math.log2(res);
  const blockRes: number[] = [];
  for (let i = log2; i > 2; i--) blockRes.push(2 ** i);
  const ch = (r: number) => Math.min(Math.floor(channelBase / r), channelMax);
  const fp16Res = Math.max(2 ** (log2 + 1 - numFp16Res), 8);
  const s = new StateTaker(state, what);
  const children: [string, ModuleNode][] = [];
  let layerIdx = 0;
  const freeze = (blockKwargs.freeze_layers as number | undefined) ?? 0;
  for (const r of blockRes) {
    const inC = r < res ? ch(r) : 0;
    const tmpC = ch(r);
    const outC = ch(r / 2);
    const useFp16 = r >= fp16Res;
    const bk: Record<string, unknown> = {
      resolution: r,
      first_layer_idx: layerIdx,
      use_fp16: useFp16,
      ...blockKwargs,
      img_channels: imgChannels,
      architecture,
      conv_clamp: convClamp,
    };
    const channelsLast = useFp16 && ((bk.fp16_channels_last as boolean | undefined) ?? false);
    const p = `b${r}`;
    const blockChildren: [string, ModuleNode][] = [];
    let n = 0;
    const trainable = () => layerIdx + n++ >= freeze;
    const act = (bk.activation as string | undefined) ?? 'lrelu';
    const filter = (bk.resample_filter as number[] | undefined) ?? [1, 3, 3, 1];
    const filterTensor = s.take(`${p}.resample_filter`);
    if (inC === 0 || architecture === 'skip')
      blockChildren.push([
        'fromrgb',
        conv2d(`${p}.fromrgb`, s, imgChannels, tmpC, {
          kernel_size: 1,
          activation: act,
          trainable: trainable(),
          conv_clamp: convClamp,
          channels_last: channelsLast,
        }),
      ]);
    blockChildren.push([
      'conv0',
      conv2d(`${p}.conv0`, s, tmpC, tmpC, {
        kernel_size: 3,
        activation: act,
        trainable: trainable(),
        conv_clamp: convClamp,
        channels_last: channelsLast,
      }),
    ]);
    blockChildren.push([
      'conv1',
      conv2d(`${p}.conv1`, s, tmpC, outC, {
        kernel_size: 3,
        activation: act,
        down: 2,
        trainable: trainable(),
        resample_filter: filter,
        conv_clamp: convClamp,
        channels_last: channelsLast,
      }),
    ]);
    if (architecture === 'resnet')
      blockChildren.push([
        'skip',
        conv2d(`${p}.skip`, s, tmpC, outC, {
          kernel_size: 1,
          bias: false,
          down: 2,
          trainable: trainable(),
          resample_filter: filter,
          channels_last: channelsLast,
        }),
      ]);
    children.push([
      p,
      node('DiscriminatorBlock', SG2, {
        attrs: [
          ['in_channels', inC],
          ['resolution', r],
          ['img_channels', imgChannels],
          ['first_layer_idx', layerIdx],
          ['architecture', architecture],
          ['use_fp16', useFp16],
          ['channels_last', channelsLast],
          ['num_layers', n],
        ],
        buffers: [['resample_filter', filterTensor]],
        children: blockChildren,
        initArgs: [inC, tmpC, outC],
        initKwargs: bk,
      }),
    ]);
    layerIdx += n;
  }
  // Epilogue at 4×4.
  const c4 = ch(4);
  const ek: Record<string, unknown> = {
    cmap_dim: 0,
    resolution: 4,
    ...epilogueKwargs,
    img_channels: imgChannels,
    architecture,
    conv_clamp: convClamp,
  };
  const mbstdGroup = (ek.mbstd_group_size as number | undefined) ?? 4;
  const mbstdChannels = (ek.mbstd_num_channels as number | undefined) ?? 1;
  const act = (ek.activation as string | undefined) ?? 'lrelu';
  const epiChildren: [string, ModuleNode][] = [];
  const epiAttrs: [string, unknown][] = [
    ['in_channels', c4],
    ['cmap_dim', 0],
    ['resolution', 4],
    ['img_channels', imgChannels],
    ['architecture', architecture],
  ];
  if (architecture === 'skip')
    epiChildren.push([
      'fromrgb',
      conv2d('b4.fromrgb', s, imgChannels, c4, { kernel_size: 1, activation: act }),
    ]);
  if (mbstdChannels > 0)
    epiChildren.push([
      'mbstd',
      node('MinibatchStdLayer', SG2, {
        attrs: [
          ['group_size', mbstdGroup],
          ['num_channels', mbstdChannels],
        ],
        initKwargs: { group_size: mbstdGroup, num_channels: mbstdChannels },
      }),
    ]);
  else epiAttrs.push(['mbstd', null]);
  epiChildren.push([
    'conv',
    conv2d('b4.conv', s, c4 + mbstdChannels, c4, { kernel_size: 3, activation: act, conv_clamp: convClamp }),
  ]);
  epiChildren.push(['fc', fullyConnected(SG2, 'b4.fc', s, c4 * 16, c4, { activation: act })]);
  epiChildren.push(['out', fullyConnected(SG2, 'b4.out', s, c4, 1, {})]);
  children.push([
    'b4',
    node('DiscriminatorEpilogue', SG2, {
      attrs: epiAttrs,
      children: epiChildren,
      initArgs: [c4],
      initKwargs: ek,
    }),
  ]);
  s.done();
  return node('Discriminator', SG2, {
    attrs: [
      ['c_dim', cDim],
      ['img_resolution', res],
      ['img_resolution_log2', log2],
      ['img_channels', imgChannels],
      ['block_resolutions', blockRes],
    ],
    children,
    initKwargs: kwargs,
  });
}

/** `setup_filter([1,3,3,1])` as a [4, 4] buffer would be stored: the normalised outer product. */
function binomialFilter2d(taps: number[]): TreeTensor {
  const n = taps.length;
  const sum = taps.reduce((a, b) => a + b, 0) ** 2;
  const data = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data[i * n + j] = (taps[i] * taps[j]) / sum;
  return { shape: [n, n], data };
}

/**
 * The module tree of `training.networks_stylegan2.Generator(**initKwargs)` (architecture `skip` or
 * `orig`, unconditional) holding `state`. `resample_filter` buffers absent from `state` are filled with
 * the normalised `[1,3,3,1]` outer product the constructor registers.
 */
export function stylegan2GeneratorTree(
  initKwargs: Record<string, unknown>,
  state: TreeState,
  what = 'G',
): ModuleNode {
  const { class_name: cls, ...kwargs } = initKwargs;
  if (cls !== undefined && cls !== `${SG2}.Generator`)
    throw new RangeError(`${what}: class_name must be ${SG2}.Generator, got ${JSON.stringify(cls)}`);
  const num = (k: string, d?: number): number => {
    const v = kwargs[k] ?? d;
    if (typeof v !== 'number')
      throw new RangeError(`${what}: init kwarg ${k} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const zDim = num('z_dim');
  const cDim = num('c_dim', 0);
  const wDim = num('w_dim');
  const res = num('img_resolution');
  const imgChannels = num('img_channels');
  const channelBase = num('channel_base', 32768);
  const channelMax = num('channel_max', 512);
  const numFp16Res = num('num_fp16_res', 4);
  if (cDim > 0) throw new RangeError(`${what}: conditional generators (c_dim ${cDim}) are not written yet`);
  const blockKwargs: Record<string, unknown> = {};
  const own = new Set([...GENERATOR_ARGS, 'channel_base', 'channel_max', 'num_fp16_res']);
  for (const [k, v] of Object.entries(kwargs)) if (!own.has(k)) blockKwargs[k] = v;
  const synthesisKwargs: Record<string, unknown> = {
    w_dim: wDim,
    img_resolution: res,
    img_channels: imgChannels,
  };
  for (const [k, v] of Object.entries(kwargs)) if (!GENERATOR_ARGS.has(k)) synthesisKwargs[k] = v;
  const architecture = (blockKwargs.architecture as string | undefined) ?? 'skip';
  const filterTaps = (blockKwargs.resample_filter as number[] | undefined) ?? [1, 3, 3, 1];
  const convClamp = blockKwargs.conv_clamp === undefined ? 256 : (blockKwargs.conv_clamp as number | null);
  const fp16ChannelsLast = (blockKwargs.fp16_channels_last as boolean | undefined) ?? false;
  const layerKwargs: Record<string, unknown> = {};
  const blockOwn = new Set([
    'architecture',
    'resample_filter',
    'conv_clamp',
    'use_fp16',
    'fp16_channels_last',
    'fused_modconv_default',
  ]);
  for (const [k, v] of Object.entries(blockKwargs)) if (!blockOwn.has(k)) layerKwargs[k] = v;
  const useNoise = (layerKwargs.use_noise as boolean | undefined) ?? true;
  const activation = (layerKwargs.activation as string | undefined) ?? 'lrelu';
  const kernel = (layerKwargs.kernel_size as number | undefined) ?? 3;
  const log2 = Math.log2(res);
  if (!Number.isSafeInteger(res) || res < 4 || (res & (res - 1)) !== 0)
    throw new RangeError(`${what}: img_resolution must be a power of two >= 4, got ${res}`);
  const blockRes: number[] = [];
  for (let i = 2; i <= log2; i++) blockRes.push(2 ** i);
  const ch = (r: number) => Math.min(Math.floor(channelBase / r), channelMax);
  const fp16Res = Math.max(2 ** (log2 + 1 - numFp16Res), 8);
  const s = new StateTaker(state, what);
  const filterOf = (key: string) => (state.has(key) ? s.take(key) : binomialFilter2d(filterTaps));
  let numWs = 0;
  const blocks: [string, ModuleNode][] = [];
  for (const r of blockRes) {
    const inC = r > 4 ? ch(r / 2) : 0;
    const outC = ch(r);
    const useFp16 = r >= fp16Res;
    const isLast = r === res;
    const channelsLast = useFp16 && fp16ChannelsLast;
    const p = `synthesis.b${r}`;
    const children: [string, ModuleNode][] = [];
    const layer = (name: string, ci: number, up: number): ModuleNode => {
      const lk: Record<string, unknown> = { w_dim: wDim, resolution: r };
      if (up !== 1) Object.assign(lk, { up, resample_filter: filterTaps });
      Object.assign(lk, { conv_clamp: convClamp, channels_last: channelsLast, ...layerKwargs });
      const q = `${p}.${name}`;
      const affine = fullyConnected(SG2, `${q}.affine`, s, wDim, ci, { bias_init: 1 });
      const params: ModuleNode['parameters'] = [['weight', s.take(`${q}.weight`)]];
      const buffers: ModuleNode['buffers'] = [['resample_filter', filterOf(`${q}.resample_filter`)]];
      if (useNoise) {
        buffers.push(['noise_const', s.take(`${q}.noise_const`)]);
        params.push(['noise_strength', s.take(`${q}.noise_strength`)]);
      }
      params.push(['bias', s.take(`${q}.bias`)]);
      return node('SynthesisLayer', SG2, {
        attrs: [
          ['in_channels', ci],
          ['out_channels', outC],
          ['w_dim', wDim],
          ['resolution', r],
          ['up', up],
          ['use_noise', useNoise],
          ['activation', activation],
          ['conv_clamp', convClamp],
          ['padding', Math.floor(kernel / 2)],
          ['act_gain', activation === 'lrelu' ? LRELU_GAIN : 1],
        ],
        parameters: params,
        buffers,
        children: [['affine', affine]],
        initArgs: [ci, outC],
        initKwargs: lk,
      });
    };
    let numConv = 0;
    let numTorgb = 0;
    const params: ModuleNode['parameters'] = [];
    if (inC === 0) params.push(['const', s.take(`${p}.const`)]);
    else {
      children.push(['conv0', layer('conv0', inC, 2)]);
      numConv++;
    }
    children.push(['conv1', layer('conv1', outC, 1)]);
    numConv++;
    if (isLast || architecture === 'skip') {
      const q = `${p}.torgb`;
      children.push([
        'torgb',
        node('ToRGBLayer', SG2, {
          attrs: [
            ['in_channels', outC],
            ['out_channels', imgChannels],
            ['w_dim', wDim],
            ['conv_clamp', convClamp],
            ['weight_gain', 1 / Math.sqrt(outC)],
          ],
          parameters: [
            ['weight', s.take(`${q}.weight`)],
            ['bias', s.take(`${q}.bias`)],
          ],
          children: [['affine', fullyConnected(SG2, `${q}.affine`, s, wDim, outC, { bias_init: 1 })]],
          initArgs: [outC, imgChannels],
          initKwargs: { w_dim: wDim, conv_clamp: convClamp, channels_last: channelsLast },
        }),
      ]);
      numTorgb++;
    }
    if (inC !== 0 && architecture === 'resnet')
      children.push([
        'skip',
        conv2d(`${p}.skip`, s, inC, outC, {
          kernel_size: 1,
          bias: false,
          up: 2,
          resample_filter: filterTaps,
          channels_last: channelsLast,
        }),
      ]);
    numWs += numConv + (isLast ? numTorgb : 0);
    blocks.push([
      `b${r}`,
      node('SynthesisBlock', SG2, {
        attrs: [
          ['in_channels', inC],
          ['w_dim', wDim],
          ['resolution', r],
          ['img_channels', imgChannels],
          ['is_last', isLast],
          ['architecture', architecture],
          ['use_fp16', useFp16],
          ['channels_last', channelsLast],
          ['fused_modconv_default', (blockKwargs.fused_modconv_default as unknown) ?? true],
          ['num_conv', numConv],
          ['num_torgb', numTorgb],
        ],
        parameters: params,
        buffers: [['resample_filter', filterOf(`${p}.resample_filter`)]],
        children,
        initArgs: [inC, outC],
        initKwargs: {
          w_dim: wDim,
          resolution: r,
          img_channels: imgChannels,
          is_last: isLast,
          use_fp16: useFp16,
          ...blockKwargs,
        },
      }),
    ]);
  }
  const synthesis = node('SynthesisNetwork', SG2, {
    attrs: [
      ['w_dim', wDim],
      ['img_resolution', res],
      ['img_resolution_log2', log2],
      ['img_channels', imgChannels],
      ['num_fp16_res', numFp16Res],
      ['block_resolutions', blockRes],
      ['num_ws', numWs],
    ],
    children: blocks,
    initKwargs: synthesisKwargs,
  });
  const mk = (kwargs.mapping_kwargs as Record<string, unknown> | undefined) ?? {};
  const numLayers = (mk.num_layers as number | undefined) ?? 8;
  const lrm = (mk.lr_multiplier as number | undefined) ?? 0.01;
  const layerFeatures = (mk.layer_features as number | undefined) ?? wDim;
  const mapAct = (mk.activation as string | undefined) ?? 'lrelu';
  const features = [zDim, ...Array(numLayers - 1).fill(layerFeatures), wDim];
  const mapChildren: [string, ModuleNode][] = [];
  for (let i = 0; i < numLayers; i++)
    mapChildren.push([
      `fc${i}`,
      fullyConnected(SG2, `mapping.fc${i}`, s, features[i], features[i + 1], {
        activation: mapAct,
        lr_multiplier: lrm,
      }),
    ]);
  const mapping = node('MappingNetwork', SG2, {
    attrs: [
      ['z_dim', zDim],
      ['c_dim', cDim],
      ['w_dim', wDim],
      ['num_ws', numWs],
      ['num_layers', numLayers],
      ['w_avg_beta', (mk.w_avg_beta as number | undefined) ?? 0.998],
    ],
    buffers: [['w_avg', s.take('mapping.w_avg')]],
    children: mapChildren,
    initKwargs: { z_dim: zDim, c_dim: cDim, w_dim: wDim, num_ws: numWs, ...mk },
  });
  s.done();
  return node('Generator', SG2, {
    attrs: [
      ['z_dim', zDim],
      ['c_dim', cDim],
      ['w_dim', wDim],
      ['img_resolution', res],
      ['img_channels', imgChannels],
      ['num_ws', numWs],
    ],
    children: [
      ['synthesis', synthesis],
      ['mapping', mapping],
    ],
    initKwargs: kwargs,
  });
}
