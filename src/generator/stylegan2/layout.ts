/**
 * The StyleGAN2 network's structure, computed once from the config (official
 * `SynthesisNetwork.__init__` / `SynthesisBlock.__init__` of networks_stylegan2.py):
 *
 *   block resolutions 4, 8, …, imgResolution; channels C(res) = min(⌊C_base / res⌋, C_max);
 *   b4: input (learned const [C, 4, 4], or Fourier features for B/C), conv1;
 *   b<res> (res ≥ 8): conv0 (3×3, up 2), conv1 (3×3); ToRGB (1×1) in every block with the 'skip'
 *   architecture, else only in the last; 'resnet' adds a 1×1 up-2 skip conv without bias;
 *   num_ws = Σ_blocks num_conv + 1 (the last ToRGB); block b reads ws[w₀ … w₀ + num_conv + num_torgb),
 *   w₀ advancing by num_conv only — a ToRGB shares its w with the next block's conv0.
 *
 * And the state-dict layout (keys, shapes, trainable or buffer) in official order: per block
 * `const` (b4), `resample_filter`, then conv0, conv1, torgb, skip (each: `weight`, `noise_strength`,
 * `bias`, `resample_filter`, `noise_const`, `affine.weight`, `affine.bias` as they exist), then
 * `mapping.w_avg`, the embed and `mapping.fc<i>`.
 */
import type { ResolvedStyleGAN2Config } from './config.js';

/** One modulated conv layer of a block. */
export interface StyleGAN2LayerSpec {
  /** Official module path inside the synthesis network, e.g. `b8.conv0`, `b16.torgb`. */
  name: string;
  kind: 'conv0' | 'conv1' | 'torgb';
  /** Output resolution (pixels). */
  resolution: number;
  inChannels: number;
  outChannels: number;
  kernel: number;
  /** 2 for conv0 (transposed conv + filter), else 1. */
  up: number;
  demodulate: boolean;
  noise: boolean;
  /** Index into ws [N, numWs, wDim]. */
  wIndex: number;
}

/** One synthesis block `b<res>`: its convs, ToRGB and (resnet) skip, computed once from the config. */
export interface StyleGAN2BlockSpec {
  resolution: number;
  /** 0 for the first block (its input is the constant / Fourier features). */
  inChannels: number;
  outChannels: number;
  isLast: boolean;
  conv0: StyleGAN2LayerSpec | null;
  conv1: StyleGAN2LayerSpec;
  torgb: StyleGAN2LayerSpec | null;
  /** resnet only: 1×1 up-2 conv of the block input, no bias, gain √½. */
  skip: { name: string; inChannels: number; outChannels: number } | null;
  /** Official use_fp16 flag (res ≥ max(2^(log2 res_N + 1 − num_fp16_res), 8)); float32 here. */
  useFp16: boolean;
}

/** The whole synthesis geometry of a StyleGAN2 config: resolved config, blocks and ws count. */
export interface StyleGAN2Layout {
  config: ResolvedStyleGAN2Config;
  blocks: StyleGAN2BlockSpec[];
  numWs: number;
}

/** Channels of a block: min(⌊C_base / res⌋, C_max). */
export function styleGAN2Channels(c: ResolvedStyleGAN2Config, res: number): number {
  return Math.min(Math.floor(c.channelBase / res), c.channelMax);
}

/** The block and layer structure of a resolved config. */
export function styleGAN2Layout(c: ResolvedStyleGAN2Config): StyleGAN2Layout {
  const log2 = Math.round(Math.log2(c.imgResolution));
  const fp16Res = Math.max(2 ** (log2 + 1 - c.numFp16Res), 8);
  const blocks: StyleGAN2BlockSpec[] = [];
  let w = 0;
  for (let res = 4; res <= c.imgResolution; res *= 2) {
    const inC = res > 4 ? styleGAN2Channels(c, res / 2) : 0;
    const outC = styleGAN2Channels(c, res);
    const isLast = res === c.imgResolution;
    const layer = (
      kind: StyleGAN2LayerSpec['kind'],
      wIndex: number,
      inChannels: number,
    ): StyleGAN2LayerSpec => ({
      name: `b${res}.${kind}`,
      kind,
      resolution: res,
      inChannels,
      outChannels: kind === 'torgb' ? c.imgChannels : outC,
      kernel: kind === 'torgb' ? 1 : 3,
      up: kind === 'conv0' ? 2 : 1,
      demodulate: kind !== 'torgb',
      noise: kind !== 'torgb' && c.useNoise,
      wIndex,
    });
    const conv0 = inC ? layer('conv0', w, inC) : null;
    const conv1 = layer('conv1', w + (inC ? 1 : 0), outC);
    const numConv = inC ? 2 : 1;
    const torgb = isLast || c.architecture === 'skip' ? layer('torgb', w + numConv, outC) : null;
    blocks.push({
      resolution: res,
      inChannels: inC,
      outChannels: outC,
      isLast,
      conv0,
      conv1,
      torgb,
      skip:
        inC && c.architecture === 'resnet'
          ? { name: `b${res}.skip`, inChannels: inC, outChannels: outC }
          : null,
      useFp16: res >= fp16Res,
    });
    w += numConv;
  }
  return { config: c, blocks, numWs: w + 1 };
}

/** Kind of a state entry (drives the initial distribution of a fresh generator). */
export type StyleGAN2StateRole =
  | 'const'
  | 'resample-filter'
  | 'conv-weight'
  | 'noise-strength'
  | 'noise-const'
  | 'bias'
  | 'affine-weight'
  | 'affine-bias'
  | 'skip-weight'
  | 'input-weight'
  | 'input-transform'
  | 'input-freqs'
  | 'input-phases'
  | 'w-avg'
  | 'fc-weight'
  | 'fc-bias';

/** One state-dict entry of a StyleGAN2 generator: official key, shape, role and whether it is trained. */
export interface StyleGAN2StateEntry {
  key: string;
  shape: number[];
  role: StyleGAN2StateRole;
  /** true for trained parameters, false for buffers. */
  trainable: boolean;
}

const BUFFERS: ReadonlySet<StyleGAN2StateRole> = new Set([
  'resample-filter',
  'noise-const',
  'input-transform',
  'input-freqs',
  'input-phases',
  'w-avg',
]);

/**
 * Every state-dict entry with its official key and shape, in the official order. The Fourier
 * input of B/C lives at `synthesis.b4.input.{weight, transform, freqs, phases}` (the official
 * SynthesisInput's names) in place of `synthesis.b4.const`.
 */
export function styleGAN2StateLayout(layout: StyleGAN2Layout): StyleGAN2StateEntry[] {
  const c = layout.config;
  const out: StyleGAN2StateEntry[] = [];
  const add = (key: string, shape: number[], role: StyleGAN2StateRole) =>
    out.push({ key, shape, role, trainable: !BUFFERS.has(role) });
  const nf = c.resampleFilter.length;
  for (const b of layout.blocks) {
    const p = `synthesis.b${b.resolution}`;
    if (!b.inChannels) {
      if (c.input === 'const') add(`${p}.const`, [b.outChannels, b.resolution, b.resolution], 'const');
      else {
        const C = b.outChannels;
        add(`${p}.input.weight`, [C, C], 'input-weight');
        add(`${p}.input.transform`, [3, 3], 'input-transform');
        add(`${p}.input.freqs`, [C, 2], 'input-freqs');
        add(`${p}.input.phases`, [C], 'input-phases');
      }
    }
    add(`${p}.resample_filter`, [nf, nf], 'resample-filter');
    for (const L of [b.conv0, b.conv1, b.torgb]) {
      if (!L) continue;
      const q = `synthesis.${L.name}`;
      add(`${q}.weight`, [L.outChannels, L.inChannels, L.kernel, L.kernel], 'conv-weight');
      if (L.kind === 'torgb') {
        add(`${q}.bias`, [L.outChannels], 'bias');
      } else {
        if (L.noise) add(`${q}.noise_strength`, [], 'noise-strength');
        add(`${q}.bias`, [L.outChannels], 'bias');
        add(`${q}.resample_filter`, [nf, nf], 'resample-filter');
        if (L.noise) add(`${q}.noise_const`, [L.resolution, L.resolution], 'noise-const');
      }
      add(`${q}.affine.weight`, [L.inChannels, c.wDim], 'affine-weight');
      add(`${q}.affine.bias`, [L.inChannels], 'affine-bias');
    }
    if (b.skip) {
      add(`synthesis.${b.skip.name}.weight`, [b.skip.outChannels, b.skip.inChannels, 1, 1], 'skip-weight');
      add(`synthesis.${b.skip.name}.resample_filter`, [nf, nf], 'resample-filter');
    }
  }
  add('mapping.w_avg', [c.wDim], 'w-avg');
  if (c.cDim > 0) {
    add('mapping.embed.weight', [c.wDim, c.cDim], 'fc-weight');
    add('mapping.embed.bias', [c.wDim], 'fc-bias');
  }
  for (let i = 0; i < c.mappingLayers; i++) {
    const inF = i === 0 ? c.zDim + (c.cDim > 0 ? c.wDim : 0) : c.wDim;
    add(`mapping.fc${i}.weight`, [c.wDim, inF], 'fc-weight');
    add(`mapping.fc${i}.bias`, [c.wDim], 'fc-bias');
  }
  return out;
}

/** Trainable parameters per part (buffers such as filters, noise_const and w_avg are not counted). */
export interface StyleGAN2ParameterBreakdown {
  mapping: number;
  /** The const (A) or the Fourier mixing weight (B, C). */
  input: number;
  /** Per layer (b4.conv1, b4.torgb, b8.conv0, …, resnet skips): weight + bias + affine + noise strength. */
  layers: { name: string; count: number }[];
  synthesis: number;
  total: number;
}

/** Trainable parameter counts of a layout. */
export function styleGAN2ParameterBreakdown(layout: StyleGAN2Layout): StyleGAN2ParameterBreakdown {
  const res: StyleGAN2ParameterBreakdown = { mapping: 0, input: 0, layers: [], synthesis: 0, total: 0 };
  const per = new Map<string, number>();
  for (const e of styleGAN2StateLayout(layout)) {
    if (!e.trainable) continue;
    const n = e.shape.reduce((a, b) => a * b, 1);
    res.total += n;
    if (e.key.startsWith('mapping.')) res.mapping += n;
    else if (e.role === 'const' || e.role === 'input-weight') res.input += n;
    else {
      const parts = e.key.split('.');
      const name = `${parts[1]}.${parts[2]}`;
      per.set(name, (per.get(name) ?? 0) + n);
    }
  }
  res.layers = [...per].map(([name, count]) => ({ name, count }));
  res.synthesis = res.total - res.mapping;
  return res;
}
