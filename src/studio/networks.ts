/**
 * Networks for the studio, built from browser-safe parts of the library only (no Node modules):
 * the built-in configs with seeded weights (`configAt` + `initialState`, the CLI's small default
 * capacity unless told otherwise) and network pickles parsed by the pure-TypeScript reader.
 * A network that would not fit the browser's memory is refused before anything is allocated.
 */
import {
  configAt,
  configFromInitKwargs,
  configs,
  ladderCapacity,
  type ConfigName,
} from '../generator/config.js';
import { computeGeometry } from '../generator/stylegan3/geometry.js';
import { Generator } from '../generator/stylegan3/generator.js';
import { initialState, validateState } from '../generator/state-init.js';
import { numel, stateLayout } from '../generator/state.js';
import { looksLikePickle, readNetworkPickle } from '../io/pickle/network.js';
import type { SynthesisGeometry } from '../generator/types.js';
import {
  isStyleGAN2Config,
  isStyleGAN2Kwargs,
  resolveStyleGAN2Config,
  styleGAN2ConfigFromInitKwargs,
  type StyleGAN2Config,
} from '../generator/stylegan2/config.js';
import {
  styleGAN2Layout,
  styleGAN2StateLayout,
  type StyleGAN2Layout,
} from '../generator/stylegan2/layout.js';
import { styleGAN2InitialState, validateStyleGAN2State } from '../generator/stylegan2/state.js';
import { StyleGAN2Generator } from '../generator/stylegan2/generator.js';
import type { NetworkInfo, StudioLayer } from './protocol.js';

/** A network the studio runs: StyleGAN3 (`Generator`, configs D–R) or StyleGAN2 (A–C). */
export type StudioGenerator = Generator | StyleGAN2Generator;

/** True for a StyleGAN2 generator (noise inputs, block captures, a transform only with Fourier input). */
export function isStyleGAN2(gen: StudioGenerator): gen is StyleGAN2Generator {
  return gen instanceof StyleGAN2Generator;
}

/**
 * Built-in configs the studio offers: every preset of `configs` (the StyleGAN2 ones A–C once the
 * library has them, then D–H, T, R), in alphabetical order.
 */
export const STUDIO_CONFIGS: readonly string[] = Object.keys(configs).sort();

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

/** `estimateBytes` for a StyleGAN2 layout: weights twice, and each block's maps (x and img). */
export function estimateStyleGAN2Bytes(layout: StyleGAN2Layout): number {
  const weights = styleGAN2StateLayout(layout).reduce((a, l) => a + numel(l.shape), 0) * 4 * 2;
  const maps = layout.blocks.reduce(
    (a, b) => a + b.resolution ** 2 * (b.outChannels + layout.config.imgChannels),
    0,
  );
  return weights + maps * 4 * 3;
}

/** Throw a RangeError naming the need and the budget when a network does not fit. */
export function checkFits(geometry: SynthesisGeometry | StyleGAN2Layout, what: string): void {
  const need = 'blocks' in geometry ? estimateStyleGAN2Bytes(geometry) : estimateBytes(geometry);
  if (need > MEMORY_BUDGET_BYTES) {
    throw new RangeError(
      `${what} is too large for the browser's memory: it needs about ${(need / 2 ** 20).toFixed(0)} MiB ` +
        `(weights and the maps of one frame), the studio allows ${MEMORY_BUDGET_BYTES / 2 ** 20} MiB`,
    );
  }
}

/**
 * A built-in config with seeded weights: `configAt(name, resolution)` at C_max `channelMax` (R: ×2);
 * a StyleGAN2 preset (A–C) at that resolution with C_base 2^14 and C_max `channelMax`.
 */
export function configNetwork(
  name: string,
  resolution: number,
  channelMax: number,
  weightSeed: number,
): StudioGenerator {
  if (!STUDIO_CONFIGS.includes(name))
    throw new RangeError(`config must be one of ${STUDIO_CONFIGS.join(', ')}, got ${JSON.stringify(name)}`);
  if (!STUDIO_RESOLUTIONS.includes(resolution))
    throw new RangeError(`resolution must be one of ${STUDIO_RESOLUTIONS.join(', ')}, got ${resolution}`);
  if (!(Number.isInteger(channelMax) && channelMax >= 1))
    throw new RangeError(`channelMax must be an integer >= 1, got ${channelMax}`);
  if (!Number.isSafeInteger(weightSeed))
    throw new RangeError(`weightSeed must be an integer, got ${weightSeed}`);
  const preset = (configs as Readonly<Record<string, unknown>>)[name];
  if (isStyleGAN2Config(preset)) {
    // The StyleGAN3 ladder's capacity rule: C_base 2^14, C_max as asked.
    const sg2: StyleGAN2Config = { ...preset, imgResolution: resolution, channelBase: 16384, channelMax };
    const layout = styleGAN2Layout(resolveStyleGAN2Config(sg2));
    checkFits(layout, `config ${name} at ${resolution}² (C_max ${channelMax})`);
    return new StyleGAN2Generator(layout, styleGAN2InitialState(layout, weightSeed), null);
  }
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
export function pickleNetwork(bytes: Uint8Array, name: string): StudioGenerator {
  if (!looksLikePickle(bytes))
    throw new TypeError(`${name} is not a network pickle (it does not start with a pickle header)`);
  const snap = readNetworkPickle(bytes, { what: name });
  const cls = snap.initKwargs.class_name;
  if (isStyleGAN2Kwargs(snap.initKwargs)) {
    const layout = styleGAN2Layout(resolveStyleGAN2Config(styleGAN2ConfigFromInitKwargs(snap.initKwargs)));
    checkFits(layout, name);
    return new StyleGAN2Generator(layout, validateStyleGAN2State(layout, snap.state, name), {
      ...snap.initKwargs,
    });
  }
  if (typeof cls === 'string' && !/networks_stylegan3\.Generator$/.test(cls))
    throw new TypeError(
      `${name} holds a ${cls}, which the studio does not run (it runs the StyleGAN3 and StyleGAN2 generators)`,
    );
  const geometry = computeGeometry(configFromInitKwargs(snap.initKwargs));
  checkFits(geometry, name);
  return new Generator(geometry, validateState(geometry, snap.state, name), { ...snap.initKwargs });
}

/** The layer list and facts the page shows for a generator (`input`, layers, `output`). */
export function networkInfo(gen: StudioGenerator, name: string): NetworkInfo {
  if (isStyleGAN2(gen)) return styleGAN2Info(gen, name);
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

/**
 * A StyleGAN2 network's maps: what its synthesis captures, block by block (`b<res>.x`, the
 * features, and `b<res>.img`, the running RGB image of the skip architecture), then `output`.
 * Every map has s = res and no cutoff below s/2 (StyleGAN2 does not band-limit its layers).
 */
function styleGAN2Info(gen: StyleGAN2Generator, name: string): NetworkInfo {
  const c = gen.config;
  const map = (n: string, res: number, channels: number): StudioLayer => ({
    name: n,
    size: res,
    channels,
    samplingRate: res,
    cutoff: null,
    halfWidth: null,
    radial: false,
  });
  const layers: StudioLayer[] = [];
  for (const b of gen.layout.blocks) {
    layers.push(map(`b${b.resolution}.x`, b.resolution, b.outChannels));
    if (b.torgb || c.architecture === 'skip')
      layers.push(map(`b${b.resolution}.img`, b.resolution, c.imgChannels));
  }
  layers.push(map('output', c.imgResolution, c.imgChannels));
  return {
    name,
    architecture: 'stylegan2',
    resolution: c.imgResolution,
    zDim: c.zDim,
    numWs: gen.numWs,
    parameters: gen.parameterBreakdown().total,
    layers,
    hasNoise: c.useNoise,
    hasTransform: c.input === 'fourier',
  };
}
