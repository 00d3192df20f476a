/**
 * The paper's measurements for *trained* networks (Karras et al. 2021, "Alias-Free Generative
 * Adversarial Networks"; FFHQ-U 256², Fig. 3 left, EQ-T_frac from Fig. 15; spec §3.1). They are
 * shown beside our numbers for untrained (seeded) generators, always labelled as the paper's:
 * equivariance of an untrained network is a property of its architecture and random weights, not of
 * what training makes of it, so the two columns are not expected to agree.
 */

/** One row of the paper's ladder table (EQ in dB, higher is better; FID lower is better). */
export interface PaperLadderRow {
  /** Configuration letter (A–H, T, R). */
  config: string;
  /** The step's name in the paper. */
  label: string;
  fid: number;
  /** `null` where the paper reports no value (config A has no input transform). */
  eqt: number | null;
  eqt_frac: number | null;
  eqr: number | null;
}

/** Where the numbers come from (for captions). */
export const PAPER_SOURCE =
  'Karras et al. 2021, Alias-Free GANs, Fig. 3 (left) and Fig. 15; FFHQ-U 256², trained networks';

/** The ladder A → R of the paper (spec §3.1). */
export const PAPER_LADDER: readonly PaperLadderRow[] = [
  { config: 'A', label: 'StyleGAN2', fid: 5.14, eqt: null, eqt_frac: null, eqr: null },
  { config: 'B', label: '+ Fourier features', fid: 4.79, eqt: 16.23, eqt_frac: 16.28, eqr: 10.81 },
  { config: 'C', label: '+ No noise inputs', fid: 4.54, eqt: 15.81, eqt_frac: 15.84, eqr: 10.84 },
  { config: 'D', label: '+ Simplified generator', fid: 5.21, eqt: 19.47, eqt_frac: 19.57, eqr: 10.41 },
  { config: 'E', label: '+ Boundaries & upsampling', fid: 6.02, eqt: 24.62, eqt_frac: 24.7, eqr: 10.97 },
  { config: 'F', label: '+ Filtered nonlinearities', fid: 6.35, eqt: 30.6, eqt_frac: 30.68, eqr: 10.81 },
  { config: 'G', label: '+ Non-critical sampling', fid: 4.78, eqt: 43.9, eqt_frac: 42.24, eqr: 10.84 },
  { config: 'H', label: '+ Transformed Fourier features', fid: 4.64, eqt: 45.2, eqt_frac: 42.78, eqr: 10.61 },
  {
    config: 'T',
    label: '+ Flexible layers (StyleGAN3-T)',
    fid: 4.62,
    eqt: 63.01,
    eqt_frac: 46.4,
    eqr: 13.12,
  },
  {
    config: 'R',
    label: '+ Rotation equiv. (StyleGAN3-R)',
    fid: 4.5,
    eqt: 66.65,
    eqt_frac: 45.92,
    eqr: 40.48,
  },
];

/** The paper's row for a configuration letter, or undefined. */
export function paperLadderRow(config: string): PaperLadderRow | undefined {
  return PAPER_LADDER.find((r) => r.config === config.toUpperCase());
}
