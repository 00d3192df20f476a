/**
 * Build the generator a CLI command works on: a seeded preset (with the CLI's small default
 * capacity, so CPU runs stay quick) or a trained network loaded from a directory or `.pkl`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { configAt, ladderCapacity, type ConfigName } from '../generator/config.js';
import { createGenerator, loadGenerator } from '../generator/weights.js';
import type { Generator } from '../generator/stylegan3/generator.js';
import type { GeneratorConfig } from '../generator/types.js';
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

/** The config a CLI command uses for preset `name`. */
export function cliConfig(
  name: ConfigName,
  { resolution, channelBase, channelMax }: PresetOptions,
): GeneratorConfig {
  const cfg = configAt(name, resolution, { ablation: true });
  cfg.channelBase = channelBase ?? CLI_CAPACITY[name].channelBase;
  cfg.channelMax = channelMax ?? CLI_CAPACITY[name].channelMax;
  return cfg;
}

/** A preset with fresh seeded weights, or a loaded generator when `weights` is given. */
export async function buildGenerator(
  opts: PresetOptions & { config?: ConfigName; weights?: string; weightSeed?: number },
): Promise<Generator> {
  if (opts.weights) return loadGenerator(opts.weights);
  return createGenerator(cliConfig(opts.config ?? 'T', opts), { seed: opts.weightSeed ?? 0 });
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
