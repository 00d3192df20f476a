/**
 * The machine-readable side of `aliasfree report`: the shape of `report.json`. Every number the
 * HTML page shows comes from this object, so the page and the JSON never disagree.
 *
 * Units: sampling rate `s` in samples per canvas unit, frequencies (cutoff f_c, half-width f_h,
 * stopband f_t) in cycles per canvas unit, sizes in pixels, equivariance (EQ-T, EQ-T_frac, EQ-R,
 * per-frame strip PSNR) in dB with I_max = 2 (images in [−1, 1]), energies in dB relative to the
 * layer's total energy (≤ 0).
 */

import type { LayerInfo } from '../generator/stylegan3/generator.js';

/** Version tag of the JSON layout (bump when a field changes meaning). */
export const REPORT_SCHEMA = 'aliasfree-report/2';

/**
 * One synthesis layer as `Generator.layerInfo()` describes it (the layer table of the report): the
 * same fields, without the padding (the page shows factors and taps, not the crop arithmetic).
 */
export type LayerRow = Omit<LayerInfo, 'padding'>;

/** Per-layer measurement without the spectrum array (spectra go to PNG files and the page). */
export interface LayerMeasurementRow {
  /** `input` or a layer name. */
  name: string;
  samplingRate: number;
  cutoff: number;
  /** 10·log10(energy beyond f_c / total); null when f_c ≥ s/2. */
  aboveCutoffDb: number | null;
  /** 10·log10(energy beyond s/2 / total) of the oversampled probe (the alias energy); null for `input`. */
  aliasDb: number | null;
  /** Per-layer fractional-translation PSNR (dB) or null. */
  eqPsnrDb: number | null;
  /** The spectrum tile of this layer, relative to the report folder. */
  spectrumPng: string | null;
}

/** Summary over layers (mirrors `AliasSummary` of src/metrics/layers.ts). */
export interface AliasSummaryJson {
  meanAliasDb: number | null;
  maxAliasDb: number | null;
  worstLayer: string | null;
  meanAboveCutoffDb: number | null;
  minEqPsnrDb: number | null;
}

/** A translation or rotation strip: frames rendered with a transformed input and their errors. */
export interface StripJson {
  kind: 'translate' | 'rotate';
  /** Per frame: the shift in pixels (translate, x direction) or the angle in degrees (rotate). */
  steps: number[];
  /** Per frame: PSNR (dB) of the untransformed frame against frame 0 inside the valid mask; frame 0 is null. */
  psnrDb: (number | null)[];
  /** PNG file (relative to the report folder): row 1 frames, row 2 |untransformed − frame 0|. */
  png: string;
  /** Display range of the difference row: black = 0, white ≥ this value. */
  diffRange: number;
}

/** Equivariance of one network: ours and, for presets, the paper's trained-network numbers. */
export interface EqJson {
  /** null when the network has no transformable input (config A); `note` says why. */
  eqt: number | null;
  eqt_frac: number | null;
  eqr: number | null;
  /** Latents the metrics pooled (0 when not measured). */
  samples: number;
  /** Why the metrics are missing (config A: no transformable input), else null. */
  note: string | null;
}

export interface PaperJson {
  label: string;
  fid: number;
  eqt: number | null;
  eqt_frac: number | null;
  eqr: number | null;
}

/** Everything measured for one configuration (or for the loaded `--weights` network). */
export interface ConfigReport {
  /** Preset letter (A … R) or `weights` for a loaded network. */
  config: string;
  /** Architecture: 'stylegan3' (D–R and StyleGAN3 weights) or 'stylegan2' (A–C and StyleGAN2 weights). */
  network: 'stylegan3' | 'stylegan2';
  /** Human label (paper step name, or the weights path). */
  label: string;
  resolution: number;
  channelBase: number;
  channelMax: number;
  /** Trainable parameters (mapping + synthesis). */
  parameters: number;
  /** Multiply–accumulates of one forward (Generator.macsPerImage). */
  macsPerImage: number;
  /** Wall time per image of the sample batch (ms, includes the first-call overhead). */
  msPerImage: number;
  layers: LayerRow[];
  /** `null` when the per-layer measurement is not available. */
  layerMeasurements: LayerMeasurementRow[] | null;
  alias: AliasSummaryJson | null;
  eq: EqJson;
  /** The paper's numbers for this config (trained FFHQ-U 256²), null for loaded weights. */
  paper: PaperJson | null;
  strips: StripJson[];
  /** Why there are no strips (config A: no transformable input), else null. */
  stripsNote: string | null;
  /** Sample images PNG and the per-layer spectra sheet (relative paths). */
  samplesPng: string;
  spectraPng: string | null;
  /** Seconds spent on this config. */
  seconds: number;
}

/**
 * A trained network of `data/` in the report, beside the untrained network of the same config (the
 * run's kwargs with the seeded weights training started from): images, strips and spectra rendered
 * here like the ladder's; EQ (in `trained.eq` / `untrained.eq`) and SWD as the manifest records them.
 */
export interface TrainedReportJson {
  /** Manifest id. */
  id: string;
  /** Config family: A (StyleGAN2), T or R. */
  family: string;
  /** Images shown in training (thousands). */
  kimg: number;
  /** The label every trained section carries: "trained on the procedural set, N kimg". */
  label: string;
  /** The exact commands that made it (manifest). */
  datasetCommand: string;
  trainCommand: string;
  /** SWD×10³ against the training set, as recorded in the manifest (trained, untrained, images per set). */
  swd: { trained: number; untrained: number; images: number };
  trained: ConfigReport;
  untrained: ConfigReport;
}

export interface ReportJson {
  schema: typeof REPORT_SCHEMA;
  created: string;
  /** The tfjs backend that ran. */
  backend: string;
  options: {
    configs: string[];
    resolution: number;
    weights: string | null;
    seed: number;
    weightSeed: number;
    /** EQ latents per config. */
    samples: number;
    /** Latents averaged for the per-layer spectra and alias energies. */
    layerSamples: number;
    images: number;
    frames: number;
    channelBase: number | null;
    channelMax: number | null;
  };
  /** Where the paper's numbers come from. */
  paperSource: string;
  /** Why the per-layer columns are missing, when they are. */
  notes: string[];
  /** The ladder: random (seeded, untrained) weights, or the one `--weights` network. */
  configs: ConfigReport[];
  /** Trained networks of `data/` (empty when none is present, with `--weights` or `--no-trained`). */
  trained: TrainedReportJson[];
  seconds: number;
}
