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
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { GeneratorConfig, SynthesisGeometry } from './types.js';
import { computeGeometry } from './stylegan3/geometry.js';
import { configFromInitKwargs } from './config.js';
import { readNpy, writeNpy } from '../io/npy.js';
import { Generator } from './stylegan3/generator.js';
import { ensureBackend } from './backend.js';
import { stateLayout, type StateTensor, type GeneratorSnapshot } from './state.js';
import { initialState, validateState } from './state-init.js';
import { isStyleGAN2Config, isStyleGAN2Kwargs, type StyleGAN2Config } from './stylegan2/config.js';
import { createStyleGAN2Generator, loadStyleGAN2Directory, styleGAN2FromSnapshot } from './stylegan2/load.js';
import { StyleGAN2Generator } from './stylegan2/generator.js';
import { styleGAN2StateLayout } from './stylegan2/layout.js';

/** Either generator: StyleGAN3 (`Generator`, configs D–R) or StyleGAN2 (`StyleGAN2Generator`, A–C). */
export type AnyGenerator = Generator | StyleGAN2Generator;

export type { GeneratorSnapshot, StateDict, StateTensor } from './state.js';
export { stateLayout } from './state.js';

/** Name of the extra file that stores our full config (ladder switches cannot be official kwargs). */
const CONFIG_FILE = 'aliasfree_config.json';

// The pure parts (no file system), also used by the browser: see state-init.ts.
export { designLayerFilter, initialState, validateState } from './state-init.js';

/**
 * A generator with fresh seeded weights for `config` (a plain object, e.g. `{...configs.T,
 * imgResolution: 256}`); same shapes and initial distributions as the official constructor.
 */
export async function createGenerator(
  config: GeneratorConfig,
  opts?: { seed?: number | string },
): Promise<Generator>;
/** A StyleGAN2 generator (configs A–C, `network: 'stylegan2'`) with fresh seeded weights. */
export async function createGenerator(
  config: StyleGAN2Config,
  opts?: { seed?: number | string },
): Promise<StyleGAN2Generator>;
export async function createGenerator(
  config: GeneratorConfig | StyleGAN2Config,
  opts?: { seed?: number | string },
): Promise<AnyGenerator>;
export async function createGenerator(
  config: GeneratorConfig | StyleGAN2Config,
  { seed = 0 }: { seed?: number | string } = {},
): Promise<AnyGenerator> {
  if (config === null || typeof config !== 'object')
    throw new TypeError(`config must be a GeneratorConfig object, got ${String(config)}`);
  if (isStyleGAN2Config(config)) return createStyleGAN2Generator(config, { seed });
  await ensureBackend();
  const geometry = computeGeometry(config);
  return new Generator(geometry, initialState(geometry, seed), null);
}

/**
 * A generator from a snapshot (official `init_kwargs` + `G_ema` state dict, as the pickle reader
 * returns it). A StyleGAN2 class name (`training.networks_stylegan2.Generator`, stylegan2-ada-pytorch's
 * `training.networks.Generator`) gives a `StyleGAN2Generator`: the result type defaults to the
 * StyleGAN3 `Generator`; ask for `AnyGenerator` (and check `gen instanceof StyleGAN2Generator`) when
 * the snapshot may hold either.
 */
export async function generatorFromSnapshot<G extends AnyGenerator = Generator>(
  snapshot: GeneratorSnapshot,
): Promise<G> {
  if (!snapshot || typeof snapshot !== 'object' || !(snapshot.state instanceof Map)) {
    throw new TypeError('snapshot must be {initKwargs, state: Map<key, {shape, data}>}');
  }
  if (isStyleGAN2Kwargs(snapshot.initKwargs)) return (await styleGAN2FromSnapshot(snapshot)) as G;
  await ensureBackend();
  const config = configFromInitKwargs(snapshot.initKwargs);
  const geometry = computeGeometry(config);
  return new Generator(geometry, validateState(geometry, snapshot.state, 'snapshot state'), {
    ...snapshot.initKwargs,
  }) as G;
}

/**
 * Load a generator from a directory in the golden format (`init_kwargs.json` + `state/<key>.npy`;
 * an `aliasfree_config.json`, written by `saveGenerator`, takes precedence over the kwargs) or from
 * an official `network.pkl` (G_ema). StyleGAN2 networks (`training.networks_stylegan2.Generator`,
 * NVIDIA's released `stylegan2-*.pkl`, stylegan2-ada-pytorch's `training.networks.Generator`) load
 * as a `StyleGAN2Generator`: the result type defaults to the StyleGAN3 `Generator`; ask for
 * `AnyGenerator` (`loadGenerator<AnyGenerator>(path)`) when the file may hold either.
 */
export async function loadGenerator<G extends AnyGenerator = Generator>(path: string): Promise<G> {
  if (typeof path !== 'string' || path.length === 0)
    throw new TypeError(`path must be a non-empty string, got ${String(path)}`);
  if (!existsSync(path)) throw new RangeError(`path ${JSON.stringify(path)} does not exist`);
  // Decide by contents, not by the name (`net.pickle`, `net.PKL`): a file is read as a pickle when it
  // starts with the PROTO opcode 0x80 (protocol ≥ 2, as torch/pickle write them); a folder as the
  // golden directory format.
  if (!statSync(path).isDirectory()) {
    const head = new Uint8Array(2);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, head, 0, 2, 0);
    } finally {
      closeSync(fd);
    }
    if (head[0] !== 0x80 || head[1] < 2 || head[1] > 5)
      throw new RangeError(
        `${JSON.stringify(path)} is a file but not a network pickle (it does not start with the pickle protocol ` +
          `header 0x80 0x02–0x05, got 0x${head[0].toString(16).padStart(2, '0')} 0x${head[1].toString(16).padStart(2, '0')}); ` +
          'give an official network .pkl or a generator directory (init_kwargs.json + state/)',
      );
    const modPath = '../io/pickle/network.js';
    const mod = (await import(/* @vite-ignore */ modPath)) as {
      readNetworkPickle(bytes: Uint8Array): GeneratorSnapshot;
    };
    return generatorFromSnapshot<G>(mod.readNetworkPickle(new Uint8Array(readFileSync(path))));
  }
  const kwPath = join(path, 'init_kwargs.json');
  if (!existsSync(kwPath))
    throw new RangeError(`${JSON.stringify(path)} is not a generator directory: ${kwPath} is missing`);
  const initKwargs = JSON.parse(readFileSync(kwPath, 'utf8')) as Record<string, unknown>;
  const ownPath = join(path, CONFIG_FILE);
  const own = existsSync(ownPath) ? (JSON.parse(readFileSync(ownPath, 'utf8')) as unknown) : null;
  if (isStyleGAN2Config(own) || (!own && isStyleGAN2Kwargs(initKwargs))) {
    return (await loadStyleGAN2Directory(path, initKwargs, isStyleGAN2Config(own) ? own : null)) as G;
  }
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
  return new Generator(geometry, validateState(geometry, state, `${stateDir}`), initKwargs) as G;
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
 * exactly. StyleGAN2 generators are written the same way (their official kwargs, their config with
 * `network: 'stylegan2'`, their state dict).
 */
export function saveGenerator(gen: AnyGenerator, dir: string): void {
  if (!(gen instanceof Generator) && !(gen instanceof StyleGAN2Generator))
    throw new TypeError('gen must be a Generator or a StyleGAN2Generator');
  if (typeof dir !== 'string' || dir.length === 0)
    throw new TypeError(`dir must be a non-empty string, got ${String(dir)}`);
  mkdirSync(join(dir, 'state'), { recursive: true });
  if (gen instanceof StyleGAN2Generator) {
    // The official kwargs (B/C's Fourier input has none: the full config file restores it).
    writeFileSync(join(dir, 'init_kwargs.json'), JSON.stringify(gen.officialKwargs(), null, 1));
    writeFileSync(join(dir, CONFIG_FILE), JSON.stringify(gen.config, null, 1));
    const sd = gen.stateDict();
    for (const { key, shape } of styleGAN2StateLayout(gen.layout)) {
      writeNpy(join(dir, 'state', `${key}.npy`), Float32Array.from(sd.get(key)!.data), shape);
    }
    return;
  }
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
