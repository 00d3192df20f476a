/**
 * Defaults of `aliasfree report` (also what `npm start` runs), kept free of heavy imports so the
 * CLI can show them in `--help` without loading TensorFlow.js.
 *
 * Chosen so that the default run (seven configs at 64²) stays under five minutes on two CPU cores:
 * C_max 16 (32 for R, which doubles its widths as the paper does) with the ablation C_base, 32 EQ
 * latents and 4 layer latents per config. The filters, rates and cutoffs — what the report is
 * about — do not depend on the width.
 */
import { ladderCapacity, type ConfigName } from '../generator/config.js';

export const REPORT_CAPACITY = ladderCapacity(16);

export const REPORT_DEFAULTS = {
  configs: ['D', 'E', 'F', 'G', 'H', 'T', 'R'] as ConfigName[],
  resolution: 64,
  /** EQ latents per config. */
  samples: 32,
  /** Latents averaged by the per-layer measurement. */
  layerSamples: 4,
  images: 4,
  frames: 6,
  seed: 0,
  weightSeed: 0,
  out: 'out/report',
};
