/**
 * Defaults of `aliasfree report` (also what `npm start` runs), kept free of heavy imports so the
 * CLI can show them in `--help` without loading TensorFlow.js.
 *
 * Chosen so that the default run (the ten configs A–R at 64², two worker threads) stays short on
 * two CPU cores: C_max 16 (32 for R, which doubles its widths as the paper does) with the ablation
 * C_base, 32 EQ latents and 4 layer latents per config. Measured (`npm start`, 2-core machine):
 * 39 s wall, 60 s CPU at load average 2.9 (its own two workers included); 2 min 0 s wall with the
 * cores shared with other work (load average 8–10). The filters, rates and cutoffs — what the report is
 * about — do not depend on the width.
 */
import { ladderCapacity, type ConfigName, type StyleGAN2ConfigName } from '../generator/config.js';

export const REPORT_CAPACITY = ladderCapacity(16);

/** Capacity of the StyleGAN2 configs A–C in the report: the ablation C_base with the same C_max 16 as D–H. */
export const REPORT_STYLEGAN2_CAPACITY = Object.freeze({ channelBase: 16384, channelMax: 16 });

/** The report's capacity of config `name` (A–C: `REPORT_STYLEGAN2_CAPACITY`, D–R: `REPORT_CAPACITY`). */
export function reportCapacity(name: ConfigName | StyleGAN2ConfigName): {
  channelBase: number;
  channelMax: number;
} {
  if (name === 'A' || name === 'B' || name === 'C') return REPORT_STYLEGAN2_CAPACITY;
  const c = REPORT_CAPACITY[name];
  if (!c) throw new RangeError(`name must be one of A–C, D–H, T, R, got ${JSON.stringify(name)}`);
  return c;
}

export const REPORT_DEFAULTS = {
  configs: ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'T', 'R'] as (ConfigName | StyleGAN2ConfigName)[],
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
