/**
 * Build the generator a CLI command works on: a seeded preset (with the CLI's small default
 * capacity, so CPU runs stay quick) or a trained network loaded from a directory or `.pkl`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { configAt, ladderCapacity, type ConfigName, type StyleGAN2ConfigName } from '../generator/config.js';
import { createGenerator, loadGenerator, type AnyGenerator } from '../generator/weights.js';
import { Generator } from '../generator/stylegan3/generator.js';
import type { GeneratorConfig } from '../generator/types.js';
import type { StyleGAN2Config } from '../generator/stylegan2/config.js';
import { Rng } from '../generator/rng.js';

/**
 * CLI default capacity: the 256² ablation's C_base with C_max = 64 (128 for R, which doubles
 * both as the paper does). Untrained networks show the same filtering behaviour at any width;
 * full width (C_max 512/1024) costs ~64× more per image on a CPU.
 */
export const CLI_CAPACITY = ladderCapacity(64);

export interface PresetOptions {
  resolution: number;
  channelBase?: number;
  channelMax?: number;
}

/** The StyleGAN2 presets' CLI capacity: D's (C_base 2^14, C_max 64), the ladder below it. */
const CLI_STYLEGAN2_CAPACITY = CLI_CAPACITY.D;

const isStyleGAN2Name = (name: string): name is StyleGAN2ConfigName =>
  name === 'A' || name === 'B' || name === 'C';

/** The config a CLI command uses for preset `name`. */
export function cliConfig(name: ConfigName, opts: PresetOptions): GeneratorConfig;
export function cliConfig(name: StyleGAN2ConfigName, opts: PresetOptions): StyleGAN2Config;
export function cliConfig(
  name: ConfigName | StyleGAN2ConfigName,
  opts: PresetOptions,
): GeneratorConfig | StyleGAN2Config;
export function cliConfig(
  name: ConfigName | StyleGAN2ConfigName,
  { resolution, channelBase, channelMax }: PresetOptions,
): GeneratorConfig | StyleGAN2Config {
  const capacity = isStyleGAN2Name(name) ? CLI_STYLEGAN2_CAPACITY : CLI_CAPACITY[name];
  const cfg = configAt(name, resolution, { ablation: true });
  cfg.channelBase = channelBase ?? capacity.channelBase;
  cfg.channelMax = channelMax ?? capacity.channelMax;
  return cfg;
}

type BuildOptions = PresetOptions & {
  config?: ConfigName | StyleGAN2ConfigName;
  weights?: string;
  weightSeed?: number;
};

/** A preset with fresh seeded weights, or a loaded generator when `weights` is given (StyleGAN3 or StyleGAN2). */
export async function buildAnyGenerator(opts: BuildOptions): Promise<AnyGenerator> {
  if (opts.weights) return loadGenerator<AnyGenerator>(opts.weights);
  return createGenerator(cliConfig(opts.config ?? 'T', opts), { seed: opts.weightSeed ?? 0 });
}

/**
 * A StyleGAN3 generator (preset or loaded) for the commands that measure StyleGAN3 layers; a
 * StyleGAN2 preset or file is refused with a message naming the command.
 */
export async function buildGenerator(opts: BuildOptions, command = 'this command'): Promise<Generator> {
  const gen = await buildAnyGenerator(opts);
  if (gen instanceof Generator) return gen;
  gen.dispose();
  throw new RangeError(
    `${command} does not support StyleGAN2 generators (configs A–C or a StyleGAN2 network) yet; use D–R`,
  );
}

/** Latent z for a seed: zDim standard normals from the project's seeded RNG. */
export function latentForSeed(seed: number, zDim: number): Float32Array {
  return new Rng(seed).normals(zDim);
}

/** Latents for several seeds as a [N, zDim] tensor. */
export function latents(seeds: readonly number[], zDim: number): tf.Tensor2D {
  const data = new Float32Array(seeds.length * zDim);
  seeds.forEach((s, i) => data.set(latentForSeed(s, zDim), i * zDim));
  return tf.tensor2d(data, [seeds.length, zDim]);
}
