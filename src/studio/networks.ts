/**
 * Networks for the studio, built from browser-safe parts of the library only (no Node modules):
 * the built-in configs with seeded weights (`configAt` + `initialState`, the CLI's small default
 * capacity unless told otherwise) and network pickles parsed by the pure-TypeScript reader.
 * A network that would not fit the browser's memory is refused before anything is allocated.
 */
import { configAt, configFromInitKwargs, ladderCapacity, type ConfigName } from '../generator/config.js';
import { computeGeometry } from '../generator/stylegan3/geometry.js';
import { Generator } from '../generator/stylegan3/generator.js';
import { initialState, validateState } from '../generator/state-init.js';
import { numel, stateLayout } from '../generator/state.js';
import { looksLikePickle, readNetworkPickle } from '../io/pickle/network.js';
import type { SynthesisGeometry } from '../generator/types.js';
import type { NetworkInfo, StudioLayer } from './protocol.js';

/** Built-in StyleGAN3 configs the studio offers. */
export const STUDIO_CONFIGS: readonly ConfigName[] = ['D', 'E', 'F', 'G', 'H', 'T', 'R'];

/** Output resolutions the built-in configs may take (powers of two). */
export const STUDIO_RESOLUTIONS: readonly number[] = [16, 32, 64, 128, 256, 512, 1024];

/**
 * Memory budget of one network in the browser, bytes: float32 weights (held twice: the JS state
 * dict and the backend's copy) plus every captured map of one frame (the layer view captures all).
 * 1.5 GiB keeps clear of the 2–4 GiB a wasm heap or a tab gets.
 */
export const MEMORY_BUDGET_BYTES = 1.5 * 2 ** 30;

/** Estimated bytes `estimateBytes` counts for a geometry (see MEMORY_BUDGET_BYTES). */
export function estimateBytes(geometry: SynthesisGeometry): number {
  const weights = stateLayout(geometry).reduce((a, l) => a + numel(l.shape), 0) * 4 * 2;
  const maps =
    geometry.input.size ** 2 * geometry.input.channels +
    geometry.layers.reduce((a, L) => a + L.outSize ** 2 * L.outChannels, 0);
  return weights + maps * 4 * 3;
}

/** Throw a RangeError naming the need and the budget when the geometry does not fit. */
export function checkFits(geometry: SynthesisGeometry, what: string): void {
  const need = estimateBytes(geometry);
  if (need > MEMORY_BUDGET_BYTES) {
    throw new RangeError(
      `${what} is too large for the browser's memory: it needs about ${(need / 2 ** 20).toFixed(0)} MiB ` +
        `(weights and the maps of one frame), the studio allows ${MEMORY_BUDGET_BYTES / 2 ** 20} MiB`,
    );
  }
}

/** A built-in config with seeded weights: `configAt(name, resolution)` at C_max `channelMax` (R: ×2). */
export function configNetwork(
  name: string,
  resolution: number,
  channelMax: number,
  weightSeed: number,
): Generator {
  if (!STUDIO_CONFIGS.includes(name as ConfigName))
    throw new RangeError(`config must be one of ${STUDIO_CONFIGS.join(', ')}, got ${JSON.stringify(name)}`);
  if (!STUDIO_RESOLUTIONS.includes(resolution))
    throw new RangeError(`resolution must be one of ${STUDIO_RESOLUTIONS.join(', ')}, got ${resolution}`);
  if (!(Number.isInteger(channelMax) && channelMax >= 1))
    throw new RangeError(`channelMax must be an integer >= 1, got ${channelMax}`);
  if (!Number.isSafeInteger(weightSeed))
    throw new RangeError(`weightSeed must be an integer, got ${weightSeed}`);
  const cfg = configAt(name as ConfigName, resolution, { ablation: true });
  Object.assign(cfg, ladderCapacity(channelMax)[name as ConfigName]);
  const geometry = computeGeometry(cfg);
  checkFits(geometry, `config ${name} at ${resolution}² (C_max ${cfg.channelMax})`);
  return new Generator(geometry, initialState(geometry, weightSeed), null);
}

/**
 * A generator from the bytes of a network pickle (`G_ema`). Errors say what is wrong: not a pickle,
 * not a network pickle, a network class the studio does not run, too large.
 */
export function pickleNetwork(bytes: Uint8Array, name: string): Generator {
  if (!looksLikePickle(bytes))
    throw new TypeError(`${name} is not a network pickle (it does not start with a pickle header)`);
  const snap = readNetworkPickle(bytes, { what: name });
  const cls = snap.initKwargs.class_name;
  if (typeof cls === 'string' && !/networks_stylegan3\.Generator$/.test(cls))
    throw new TypeError(
      `${name} holds a ${cls}, which the studio does not run (it runs training.networks_stylegan3.Generator)`,
    );
  const geometry = computeGeometry(configFromInitKwargs(snap.initKwargs));
  checkFits(geometry, name);
  return new Generator(geometry, validateState(geometry, snap.state, name), { ...snap.initKwargs });
}

/** The layer list and facts the page shows for a generator (`input`, layers, `output`). */
export function networkInfo(gen: Generator, name: string): NetworkInfo {
  const g = gen.geometry;
  const input: StudioLayer = {
    name: 'input',
    size: g.input.size,
    channels: g.input.channels,
    samplingRate: g.input.samplingRate,
    cutoff: g.input.bandwidth,
    halfWidth: null,
    radial: true,
  };
  const layers: StudioLayer[] = gen.layerInfo().map((L) => ({
    name: L.name,
    size: L.size,
    channels: L.channels,
    samplingRate: L.samplingRate,
    cutoff: L.cutoff,
    halfWidth: L.halfWidth,
    radial: L.radial,
  }));
  const res = gen.config.imgResolution;
  const last = layers[layers.length - 1];
  const output: StudioLayer = { ...last, name: 'output', size: res, samplingRate: res };
  return {
    name,
    architecture: 'stylegan3',
    resolution: res,
    zDim: gen.config.zDim,
    numWs: gen.numWs,
    parameters: stateLayout(g)
      .filter((l) => !/(up_filter|down_filter|magnitude_ema|w_avg|transform|freqs|phases)$/.test(l.key))
      .reduce((a, l) => a + numel(l.shape), 0),
    layers: [input, ...layers, output],
    hasNoise: false,
    hasTransform: true,
  };
}
