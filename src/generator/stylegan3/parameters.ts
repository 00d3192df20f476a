/**
 * Parameter and buffer inventory of the generator, in the official `state_dict` layout: key names,
 * shapes and whether each entry is trained. Used to count parameters (the ladder table, spec §2.3
 * "parameter counts") and by loaders/initialisers that need the expected shape of every tensor.
 *
 * Layout (official `Generator.state_dict()` order, synthesis first):
 *   synthesis.input.weight [C0, C0]            learned C×C mix of the Fourier features
 *   synthesis.input.transform [3, 3]           user transform buffer
 *   synthesis.input.freqs [C0, 2], .phases [C0] fixed random Fourier features (buffers)
 *   synthesis.input.affine.weight [4, w], .bias [4]   learned transform (only with learnedTransform)
 *   synthesis.L…: weight [C_out, C_in, k, k], bias [C_out], magnitude_ema [] (buffer),
 *                 up_filter / down_filter (buffers; [taps], or [taps, taps] when radial; absent when
 *                 the layer has no such filter), affine.weight [C_in, w], affine.bias [C_in]
 *   mapping.embed.weight [w, c], .bias [w]     only when cDim > 0
 *   mapping.w_avg [w] (buffer)
 *   mapping.fc{j}.weight [w, in_j], .bias [w]  in_0 = z (+ w when conditional), then w
 * Reference: ../shared/docs/alias-free-spec.md §2.3–2.4; golden `generators/<tag>/state/`.
 */
import type { GeneratorConfig, SynthesisGeometry } from '../types.js';
import { computeGeometry } from './geometry.js';

/** One state-dict entry: official key, shape (`[]` for a scalar) and whether it is a trained parameter. */
export interface StateEntry {
  key: string;
  shape: number[];
  /** true for trainable parameters, false for buffers (filters, EMAs, fixed Fourier features). */
  trainable: boolean;
}

/** Parameter counts per part of the network (trainable parameters only). */
export interface ParameterBreakdown {
  mapping: number;
  input: number;
  /** One entry per synthesis layer (L0 … ToRGB): affine + conv weight + bias. */
  layers: { name: string; count: number }[];
  synthesis: number;
  total: number;
}

function numel(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Every tensor of the generator with its official state-dict key and shape, in the official order.
 * Accepts a config or an already computed geometry. Filter buffers: `[taps]` for separable filters,
 * `[taps, taps]` for radial ones, `[4]` for D's binomial filter.
 */
export function stateDictShapes(configOrGeometry: GeneratorConfig | SynthesisGeometry): StateEntry[] {
  const g: SynthesisGeometry =
    'layers' in configOrGeometry && 'input' in configOrGeometry
      ? configOrGeometry
      : computeGeometry(configOrGeometry as GeneratorConfig);
  const c = g.config;
  const w = c.wDim;
  const out: StateEntry[] = [];
  const add = (key: string, shape: number[], trainable: boolean) => out.push({ key, shape, trainable });

  const C0 = g.input.channels;
  add('synthesis.input.weight', [C0, C0], true);
  add('synthesis.input.transform', [3, 3], false);
  add('synthesis.input.freqs', [C0, 2], false);
  add('synthesis.input.phases', [C0], false);
  if (g.input.learnedTransform) {
    add('synthesis.input.affine.weight', [4, w], true);
    add('synthesis.input.affine.bias', [4], true);
  }
  for (const L of g.layers) {
    const p = `synthesis.${L.name}`;
    add(`${p}.weight`, [L.outChannels, L.inChannels, L.convKernel, L.convKernel], true);
    add(`${p}.bias`, [L.outChannels], true);
    add(`${p}.magnitude_ema`, [], false);
    if (L.upFilter)
      add(`${p}.up_filter`, L.upFilter.kind === 'binomial' ? [L.upFilter.taps.length] : [L.upTaps], false);
    if (L.downFilter) {
      const radial = L.downFilter.kind === 'kaiser' && L.downFilter.radial;
      add(`${p}.down_filter`, radial ? [L.downTaps, L.downTaps] : [L.downTaps], false);
    }
    add(`${p}.affine.weight`, [L.inChannels, w], true);
    add(`${p}.affine.bias`, [L.inChannels], true);
  }
  if (c.cDim > 0) {
    add('mapping.embed.weight', [w, c.cDim], true);
    add('mapping.embed.bias', [w], true);
  }
  add('mapping.w_avg', [w], false);
  let features = c.zDim + (c.cDim > 0 ? w : 0);
  for (let j = 0; j < c.mappingLayers; j++) {
    add(`mapping.fc${j}.weight`, [w, features], true);
    add(`mapping.fc${j}.bias`, [w], true);
    features = w;
  }
  return out;
}

/**
 * Trainable parameters per part: mapping = Σ_j (in_j·w + w) (+ embed c·w + w),
 * input = C0² (+ 4w + 4 with the learned transform), layer = C_in·w + C_in (affine)
 * + C_out·C_in·k² (conv) + C_out (bias). Buffers are not counted.
 */
export function parameterBreakdown(
  configOrGeometry: GeneratorConfig | SynthesisGeometry,
): ParameterBreakdown {
  const entries = stateDictShapes(configOrGeometry);
  const res: ParameterBreakdown = { mapping: 0, input: 0, layers: [], synthesis: 0, total: 0 };
  const perLayer = new Map<string, number>();
  for (const e of entries) {
    if (!e.trainable) continue;
    const n = numel(e.shape);
    res.total += n;
    if (e.key.startsWith('mapping.')) res.mapping += n;
    else if (e.key.startsWith('synthesis.input.')) res.input += n;
    else {
      const name = e.key.split('.')[1];
      perLayer.set(name, (perLayer.get(name) ?? 0) + n);
    }
  }
  res.layers = [...perLayer].map(([name, count]) => ({ name, count }));
  res.synthesis = res.input + res.layers.reduce((a, l) => a + l.count, 0);
  return res;
}

/**
 * Number of trainable parameters of the whole generator (mapping + input + every layer's affine,
 * weight and bias), e.g. 23.32 M for T at 256² with the ablation capacity, 15.78 M for R there,
 * 22.31 M / 15.09 M for the official T / R at 1024² (spec §2.3).
 */
export function parameterCount(configOrGeometry: GeneratorConfig | SynthesisGeometry): number {
  return parameterBreakdown(configOrGeometry).total;
}
