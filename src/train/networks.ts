/**
 * The networks of a training run in the form the loop and `lossPhase` use: a generator with
 * trainable variables and differentiable forwards (StyleGAN3 `TrainableGenerator`, or StyleGAN2
 * through `StyleGAN2Training`) whose `stateDict()` carries the current variable values, and the
 * seeded initial state train.py's constructor call would give.
 */
import * as tf from '@tensorflow/tfjs-core';
import { computeGeometry } from '../generator/stylegan3/geometry.js';
import { configFromInitKwargs } from '../generator/config.js';
import { initialState } from '../generator/state-init.js';
import type { StateDict } from '../generator/state.js';
import {
  createGenerator,
  generatorFromSnapshot,
  validateState,
  type AnyGenerator,
} from '../generator/weights.js';
import { Generator } from '../generator/stylegan3/generator.js';
import { StyleGAN2Generator } from '../generator/stylegan2/generator.js';
import {
  isStyleGAN2Config,
  styleGAN2ConfigFromInitKwargs,
  type StyleGAN2Config,
} from '../generator/stylegan2/config.js';
import type { GeneratorConfig } from '../generator/types.js';
import type { LossGenerator } from './loss.js';
import type { TrainNetwork } from './loop.js';
import { StyleGAN2Training } from './stylegan2-generator.js';

/** A training generator: the loop's view (variables + current state) and lossPhase's. */
export interface TrainG extends TrainNetwork, LossGenerator {
  /** Free the variables and the wrapped generator's tensors. */
  dispose(): void;
}

function withState(params: Map<string, tf.Variable>, base: () => StateDict): () => StateDict {
  return () => {
    const s = base();
    for (const [k, v] of params)
      s.set(k, { shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) });
    return s;
  };
}

/**
 * A training generator from official kwargs (with `class_name`) and a state dict; `config` (the
 * `G_config` of `trainConfig`) builds ladder networks the kwargs cannot describe (B–H).
 */
export async function trainingGenerator(
  initKwargs: Record<string, unknown>,
  state: StateDict,
  config: GeneratorConfig | StyleGAN2Config | null = null,
): Promise<TrainG> {
  const gen = config
    ? await fromConfig(config, state, initKwargs)
    : await generatorFromSnapshot<AnyGenerator>({ initKwargs, state });
  if (gen instanceof StyleGAN2Generator) {
    const t = new StyleGAN2Training(gen);
    return {
      params: t.params,
      get numWs() {
        return t.numWs;
      },
      mapping: (z, c, o) => t.mapping(z, c, o),
      synthesis: (ws, o) => t.synthesis(ws, o),
      stateDict: withState(t.params, () => gen.stateDict()),
      dispose: () => gen.dispose(),
    };
  }
  const t = (gen as Generator).trainable();
  gen.dispose();
  return t as unknown as TrainG;
}

/** The generator of a full config with the given state (ladder configs B–H). */
async function fromConfig(
  config: GeneratorConfig | StyleGAN2Config,
  state: StateDict,
  initKwargs: Record<string, unknown>,
): Promise<AnyGenerator> {
  if (isStyleGAN2Config(config)) {
    const g = await createGenerator(config, { seed: 0 });
    g.loadState(state);
    return g;
  }
  const geometry = computeGeometry(config);
  return new Generator(geometry, validateState(geometry, state, 'generator state'), initKwargs);
}

/**
 * Fresh seeded state of the generator train.py would build from `kwargs` (seed stream `G:<seed>`),
 * or of `config` where given (ladder configs B–H, see `trainConfig`'s `G_config`).
 */
export async function seededGeneratorState(
  kwargs: Record<string, unknown>,
  seed: number,
  config: GeneratorConfig | StyleGAN2Config | null = null,
): Promise<StateDict> {
  if (config) {
    if (isStyleGAN2Config(config)) {
      const g = await createGenerator(config, { seed: `G:${seed}` });
      const s = g.stateDict();
      g.dispose();
      return s;
    }
    return initialState(computeGeometry(config), `G:${seed}`);
  }
  if (kwargs.class_name === 'training.networks_stylegan2.Generator') {
    const g = await createGenerator(styleGAN2ConfigFromInitKwargs(kwargs), { seed: `G:${seed}` });
    const s = g.stateDict();
    g.dispose();
    return s;
  }
  return initialState(computeGeometry(configFromInitKwargs(kwargs)), `G:${seed}`);
}
