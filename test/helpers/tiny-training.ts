/**
 * The tiny training setup of the data-parallel and round tests: stylegan3-t at 16², C_base 256 /
 * C_max 16, z/w 8, batch 4, minibatch-stddev group 1 (D acts on each image alone, so splitting a
 * batch changes no image's logits), γ 1; G seeded 3, D seeded 4.
 */
import { trainConfig } from '../../src/train/config.js';
import {
  createDiscriminator,
  discriminatorConfigFromInitKwargs,
  discriminatorFromState,
  type Discriminator,
} from '../../src/train/discriminator.js';
import { seededGeneratorState, trainingGenerator, type TrainG } from '../../src/train/networks.js';

export const tinyTrainConfig = trainConfig({
  cfg: 'stylegan3-t',
  batch: 4,
  resolution: 16,
  channels: 3,
  cbase: 256,
  cmax: 16,
  zDim: 8,
  wDim: 8,
  mbstdGroup: 1,
  gamma: 1,
});

/** G and D of `tinyTrainConfig` (the caller disposes them). */
export async function tinyNetworks(): Promise<{ G: TrainG; D: Discriminator }> {
  const cfg = tinyTrainConfig;
  const G = await trainingGenerator(cfg.G_kwargs, await seededGeneratorState(cfg.G_kwargs, 3));
  const d0 = await createDiscriminator(discriminatorConfigFromInitKwargs(cfg.D_kwargs), { seed: 4 });
  const D = await discriminatorFromState(cfg.D_kwargs, d0.stateDict());
  d0.dispose();
  return { G, D };
}
