/**
 * Generator weights: fresh seeded initialisation with the official shapes and distributions, the
 * golden directory format (`init_kwargs.json` + `state/<state_dict key>.npy`) for load and save, and
 * official network pickles (`.pkl`, via `../io/pickle/network.js`).
 *
 * Initial distributions (official constructors, networks_stylegan3.py):
 * - mapping fc weights N(0, 1)/lr_mul (lr_mul = 0.01 ⇒ std 100), biases 0; `w_avg` 0;
 * - input: freqs = v/‖v‖ · exp(−‖v‖²/4) · bandwidth with v ~ N(0, I₂) (uniform in the disc of radius
 *   `bandwidth`), phases U[−½, ½), mixing weight N(0, 1), affine weight 0 and bias (1, 0, 0, 0),
 *   transform = I₃;
 * - each layer: conv weight N(0, 1), bias 0, magnitude_ema 1, style affine weight N(0, 1) and bias 1,
 *   up/down filters designed from the geometry (`designLowpassFilter`, float32 like the buffers).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NdArray } from 'ndarray';
import type { FilterSpec, GeneratorConfig, SynthesisGeometry } from './types.js';
import { computeGeometry } from './stylegan3/geometry.js';
import { configFromInitKwargs } from './config.js';
import { designLowpassFilter } from '../signal/design.js';
import { readNpy, writeNpy } from '../io/npy.js';
import { Generator } from './stylegan3/generator.js';
import { ensureBackend } from './backend.js';
import { Rng } from './rng.js';
import {
  numel,
  sameShape,
  stateLayout,
  type StateDict,
  type StateTensor,
  type GeneratorSnapshot,
} from './state.js';

export type { GeneratorSnapshot, StateDict, StateTensor } from './state.js';
export { stateLayout } from './state.js';

/** Name of the extra file that stores our full config (ladder switches cannot be official kwargs). */
const CONFIG_FILE = 'aliasfree_config.json';

/** Float32 taps of a layer filter as the official buffer holds them (1-D, or [n, n] for radial). */
export function designLayerFilter(spec: FilterSpec): StateTensor {
  if (spec.kind === 'binomial') {
    const sum = spec.taps.reduce((a, b) => a + b, 0);
    return { shape: [spec.taps.length], data: Float32Array.from(spec.taps, (v) => v / sum) };
  }
  const f = designLowpassFilter({
    numtaps: spec.numtaps,
    cutoff: spec.cutoff,
    width: spec.width,
    fs: spec.fs,
    radial: spec.radial,
  });
  if (f === null) throw new RangeError(`filter with numtaps ${spec.numtaps} has no taps`);
  if (f instanceof Float64Array) return { shape: [f.length], data: Float32Array.from(f) };
  const nd = f as NdArray<Float64Array>;
  const [h, w] = nd.shape;
  const data = new Float32Array(h * w);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) data[i * w + j] = nd.get(i, j);
  return { shape: [h, w], data };
}

/** Fresh state dict with the official shapes and initial distributions, seeded. */
export function initialState(geometry: SynthesisGeometry, seed: number | string = 0): StateDict {
  const rng = new Rng(seed);
  const cfg = geometry.config;
  const state: StateDict = new Map();
  const layerByName = new Map(geometry.layers.map((L) => [L.name, L]));
  for (const { key, shape, role } of stateLayout(geometry)) {
    const n = numel(shape);
    let data: Float32Array;
    switch (role) {
      case 'fc-weight': {
        const lr = key.startsWith('mapping.embed') ? 1 : cfg.mappingLrMultiplier;
        data = rng.normals(n).map((v) => v / lr);
        break;
      }
      case 'fc-bias':
      case 'w-avg':
      case 'conv-bias':
      case 'input-affine-weight':
        data = new Float32Array(n);
        break;
      case 'input-weight':
      case 'conv-weight':
      case 'style-weight':
        data = rng.normals(n);
        break;
      case 'input-transform':
        data = Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
        break;
      case 'input-freqs': {
        const bw = geometry.input.bandwidth;
        data = new Float32Array(n);
        for (let c = 0; c < n / 2; c++) {
          const a = rng.normal();
          const b = rng.normal();
          const r = Math.hypot(a, b);
          // Radius r ↦ exp(−r²/4): the χ²₂ radius becomes uniform in the unit disc.
          const scale = (Math.exp(-(r * r) / 4) / r) * bw;
          data[2 * c] = a * scale;
          data[2 * c + 1] = b * scale;
        }
        break;
      }
      case 'input-phases':
        data = new Float32Array(n);
        for (let i = 0; i < n; i++) data[i] = rng.uniform() - 0.5;
        break;
      case 'input-affine-bias':
        data = Float32Array.of(1, 0, 0, 0);
        break;
      case 'magnitude-ema':
        data = Float32Array.of(1);
        break;
      case 'style-bias':
        data = new Float32Array(n).fill(1);
        break;
      case 'up-filter':
      case 'down-filter': {
        const L = layerByName.get(key.split('.')[1])!;
        const spec = (role === 'up-filter' ? L.upFilter : L.downFilter)!;
        const f = designLayerFilter(spec);
        if (!sameShape(f.shape, shape)) {
          throw new RangeError(`designed ${key} has shape [${f.shape}] but the geometry expects [${shape}]`);
        }
        state.set(key, f);
        continue;
      }
    }
    state.set(key, { shape: [...shape], data });
  }
  return state;
}

/** Check a state dict against the layout of `geometry`: every key present with its shape, no extras. */
export function validateState(
  geometry: SynthesisGeometry,
  state: Map<string, StateTensor>,
  where = 'state',
): StateDict {
  const layout = stateLayout(geometry);
  const out: StateDict = new Map();
  const expected = new Set(layout.map((l) => l.key));
  const extra = [...state.keys()].filter((k) => !expected.has(k));
  if (extra.length) {
    throw new RangeError(
      `${where} has entries this generator config does not use: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`,
    );
  }
  for (const { key, shape } of layout) {
    const e = state.get(key);
    if (!e) throw new RangeError(`${where} is missing ${key} (expected shape [${shape.join(', ')}])`);
    if (!sameShape(e.shape, shape)) {
      throw new RangeError(
        `${where}: ${key} has shape [${e.shape.join(', ')}], expected [${shape.join(', ')}]`,
      );
    }
    if (e.data.length !== numel(shape)) {
      throw new RangeError(`${where}: ${key} holds ${e.data.length} values, expected ${numel(shape)}`);
    }
    const data = e.data instanceof Float32Array ? e.data : Float32Array.from(e.data);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]))
        throw new TypeError(`${where}: ${key} contains a non-finite value ${data[i]} at index ${i}`);
    }
    out.set(key, { shape: [...shape], data });
  }
  return out;
}

/**
 * A generator with fresh seeded weights for `config` (a plain object, e.g. `{...configs.T,
 * imgResolution: 256}`); same shapes and initial distributions as the official constructor.
 */
export async function createGenerator(
  config: GeneratorConfig,
  { seed = 0 }: { seed?: number | string } = {},
): Promise<Generator> {
  if (config === null || typeof config !== 'object')
    throw new TypeError(`config must be a GeneratorConfig object, got ${String(config)}`);
  await ensureBackend();
  const geometry = computeGeometry(config);
  return new Generator(geometry, initialState(geometry, seed), null);
}

/**
 * A generator from a snapshot (official `init_kwargs` + `G_ema` state dict, as the pickle reader
 * returns it).
 */
export async function generatorFromSnapshot(snapshot: GeneratorSnapshot): Promise<Generator> {
  if (!snapshot || typeof snapshot !== 'object' || !(snapshot.state instanceof Map)) {
    throw new TypeError('snapshot must be {initKwargs, state: Map<key, {shape, data}>}');
  }
  await ensureBackend();
  const config = configFromInitKwargs(snapshot.initKwargs);
  const geometry = computeGeometry(config);
  return new Generator(geometry, validateState(geometry, snapshot.state, 'snapshot state'), {
    ...snapshot.initKwargs,
  });
}

/**
 * Load a generator from a directory in the golden format (`init_kwargs.json` + `state/<key>.npy`;
 * an `aliasfree_config.json`, written by `saveGenerator`, takes precedence over the kwargs) or from
 * an official `network.pkl` (G_ema).
 */
export async function loadGenerator(path: string): Promise<Generator> {
  if (typeof path !== 'string' || path.length === 0)
    throw new TypeError(`path must be a non-empty string, got ${String(path)}`);
  if (path.endsWith('.pkl')) {
    if (!existsSync(path)) throw new RangeError(`path ${JSON.stringify(path)} does not exist`);
    const modPath = '../io/pickle/network.js';
    const mod = (await import(/* @vite-ignore */ modPath)) as {
      readNetworkPickle(bytes: Uint8Array): GeneratorSnapshot;
    };
    return generatorFromSnapshot(mod.readNetworkPickle(new Uint8Array(readFileSync(path))));
  }
  const kwPath = join(path, 'init_kwargs.json');
  if (!existsSync(kwPath))
    throw new RangeError(`${JSON.stringify(path)} is not a generator directory: ${kwPath} is missing`);
  const initKwargs = JSON.parse(readFileSync(kwPath, 'utf8')) as Record<string, unknown>;
  const ownPath = join(path, CONFIG_FILE);
  const config: GeneratorConfig = existsSync(ownPath)
    ? (JSON.parse(readFileSync(ownPath, 'utf8')) as GeneratorConfig)
    : configFromInitKwargs(initKwargs);
  await ensureBackend();
  const geometry = computeGeometry(config);
  const stateDir = join(path, 'state');
  if (!existsSync(stateDir)) throw new RangeError(`${JSON.stringify(path)} has no state/ folder`);
  const files = new Set(readdirSync(stateDir).filter((f) => f.endsWith('.npy')));
  const state = new Map<string, StateTensor>();
  for (const { key } of stateLayout(geometry)) {
    const file = `${key}.npy`;
    if (!files.has(file)) throw new RangeError(`weight file ${join(stateDir, file)} is missing`);
    files.delete(file);
    const a = readNpy(join(stateDir, file));
    const data = a.data;
    if (data instanceof Uint8Array) throw new TypeError(`weight file ${file} has a non-numeric dtype`);
    state.set(key, { shape: a.shape.slice(), data });
  }
  for (const f of files) state.set(f.slice(0, -4), { shape: [0], data: new Float32Array(0) });
  return new Generator(geometry, validateState(geometry, state, `${stateDir}`), initKwargs);
}

/** Official snake_case constructor arguments for a config (only what the official Generator knows). */
export function initKwargsFromConfig(geometry: SynthesisGeometry): Record<string, unknown> {
  const c = geometry.config;
  return {
    class_name: 'training.networks_stylegan3.Generator',
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
    num_layers: c.numLayers,
    num_critical: c.numCritical,
    first_cutoff: c.firstCutoff,
    first_stopband: c.firstStopband,
    last_stopband_rel: c.lastStopbandRel,
    margin_size: c.marginSize,
    output_scale: c.outputScale,
    num_fp16_res: c.numFp16Res,
    conv_kernel: c.convKernel,
    filter_size: c.filterSize,
    lrelu_upsampling: c.lreluUpsampling,
    use_radial_filters: c.useRadialFilters,
    conv_clamp: c.convClamp,
    magnitude_ema_beta: c.magnitudeEmaBeta,
  };
}

/**
 * Write `gen` as a golden-format directory: `init_kwargs.json` (the loaded kwargs, or the official
 * arguments of its config), `aliasfree_config.json` (the full config incl. ladder switches) and
 * `state/<key>.npy` (float32, official shapes; scalars as shape ()). `loadGenerator(dir)` restores it
 * exactly.
 */
export function saveGenerator(gen: Generator, dir: string): void {
  if (!(gen instanceof Generator)) throw new TypeError('gen must be a Generator');
  if (typeof dir !== 'string' || dir.length === 0)
    throw new TypeError(`dir must be a non-empty string, got ${String(dir)}`);
  mkdirSync(join(dir, 'state'), { recursive: true });
  writeFileSync(
    join(dir, 'init_kwargs.json'),
    JSON.stringify(gen.initKwargs ?? initKwargsFromConfig(gen.geometry), null, 1),
  );
  writeFileSync(join(dir, CONFIG_FILE), JSON.stringify(gen.config, null, 1));
  const state = gen.stateDict();
  for (const { key, shape } of stateLayout(gen.geometry)) {
    const e = state.get(key)!;
    const data = e.data instanceof Float32Array ? e.data : Float32Array.from(e.data);
    writeNpy(join(dir, 'state', `${key}.npy`), data, shape);
  }
}
