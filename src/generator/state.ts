/**
 * The generator's state dict: the official `Generator.state_dict()` keys, shapes and order
 * (parameters, then buffers, then child modules; `synthesis` before `mapping`), so that weights move
 * 1:1 between the official code, the golden directory format and this implementation.
 */
import type { FilterSpec, SynthesisGeometry } from './types.js';

/** One tensor of the state dict, row-major (C order). `shape` [] is a scalar. */
export interface StateTensor {
  shape: number[];
  data: Float32Array | Float64Array | Int32Array;
}

/** Key → tensor, e.g. `synthesis.L0_36_512.weight`. */
export type StateDict = Map<string, StateTensor>;

/**
 * What a network pickle reader hands over: the official constructor arguments (snake_case
 * `init_kwargs`) and the `G_ema` state dict.
 */
export interface GeneratorSnapshot {
  initKwargs: Record<string, unknown>;
  state: Map<string, { shape: number[]; data: Float32Array | Float64Array | Int32Array }>;
}

/** Kind of an entry: drives the initial distribution of a fresh generator. */
export type StateRole =
  | 'fc-weight'
  | 'fc-bias'
  | 'w-avg'
  | 'input-weight'
  | 'input-transform'
  | 'input-freqs'
  | 'input-phases'
  | 'input-affine-weight'
  | 'input-affine-bias'
  | 'conv-weight'
  | 'conv-bias'
  | 'magnitude-ema'
  | 'up-filter'
  | 'down-filter'
  | 'style-weight'
  | 'style-bias';

/** Expected key, shape and role of every entry, in official state_dict order. */
export function stateLayout(
  geometry: SynthesisGeometry,
): { key: string; shape: number[]; role: StateRole }[] {
  const cfg = geometry.config;
  const out: { key: string; shape: number[]; role: StateRole }[] = [];
  const add = (key: string, shape: number[], role: StateRole) => out.push({ key, shape, role });
  const inp = geometry.input;
  add('synthesis.input.weight', [inp.channels, inp.channels], 'input-weight');
  add('synthesis.input.transform', [3, 3], 'input-transform');
  add('synthesis.input.freqs', [inp.channels, 2], 'input-freqs');
  add('synthesis.input.phases', [inp.channels], 'input-phases');
  if (inp.learnedTransform) {
    add('synthesis.input.affine.weight', [4, cfg.wDim], 'input-affine-weight');
    add('synthesis.input.affine.bias', [4], 'input-affine-bias');
  }
  for (const L of geometry.layers) {
    const p = `synthesis.${L.name}`;
    add(`${p}.weight`, [L.outChannels, L.inChannels, L.convKernel, L.convKernel], 'conv-weight');
    add(`${p}.bias`, [L.outChannels], 'conv-bias');
    add(`${p}.magnitude_ema`, [], 'magnitude-ema');
    if (L.upFilter) add(`${p}.up_filter`, [filterTaps(L.upFilter, L.upTaps)], 'up-filter');
    if (L.downFilter) {
      const n = filterTaps(L.downFilter, L.downTaps);
      add(`${p}.down_filter`, L.downRadial ? [n, n] : [n], 'down-filter');
    }
    add(`${p}.affine.weight`, [L.inChannels, cfg.wDim], 'style-weight');
    add(`${p}.affine.bias`, [L.inChannels], 'style-bias');
  }
  add('mapping.w_avg', [cfg.wDim], 'w-avg');
  if (cfg.cDim > 0) {
    add('mapping.embed.weight', [cfg.wDim, cfg.cDim], 'fc-weight');
    add('mapping.embed.bias', [cfg.wDim], 'fc-bias');
  }
  for (let i = 0; i < cfg.mappingLayers; i++) {
    const inF = i === 0 ? cfg.zDim + (cfg.cDim > 0 ? cfg.wDim : 0) : cfg.wDim;
    add(`mapping.fc${i}.weight`, [cfg.wDim, inF], 'fc-weight');
    add(`mapping.fc${i}.bias`, [cfg.wDim], 'fc-bias');
  }
  return out;
}

/** Tap count of a layer filter: the binomial kind carries its own taps. */
function filterTaps(f: FilterSpec, taps: number): number {
  return f.kind === 'binomial' ? f.taps.length : taps;
}

/** Number of elements of a shape ([] → 1). */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** True when `got` equals `want`, treating a scalar [] and [1] alike (npy readers differ). */
export function sameShape(got: readonly number[], want: readonly number[]): boolean {
  if (want.length === 0) return numel(got) === 1 && got.length <= 1;
  return got.length === want.length && got.every((v, i) => v === want[i]);
}
