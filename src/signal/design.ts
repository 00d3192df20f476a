/**
 * The generator's low-pass filter design (the official StyleGAN3 `SynthesisLayer.design_lowpass_filter`,
 * spec §1.5–1.6): a separable Kaiser-windowed sinc, or a radially symmetric jinc with a separable
 * Kaiser window for the rotation-equivariant configuration R.
 */
import type { NdArray } from 'ndarray';
import { fromData } from './array.js';
import { firwin, sumPairwise } from './firwin.js';
import { kaiserAtten, kaiserBeta, kaiserWindow } from './kaiser.js';
import { besselJ1Scalar } from './special.js';
import { assertFinite, assertInteger, assertOptions, assertPositive, show } from './validate.js';

/** Arguments of {@link designLowpassFilter} (all frequencies in cycles per unit, like `fs`). */
export interface LowpassDesign {
  /** Taps per axis (n); 1 means "no filter". */
  numtaps: number;
  /** Cutoff frequency f_c, 0 < f_c < fs/2. */
  cutoff: number;
  /** Transition width 2·f_h (SciPy's `width`), > 0. */
  width: number;
  /** Sampling rate of the grid the filter runs on (the layer's temporary rate s'). */
  fs: number;
  /** Radially symmetric jinc filter (2-D) instead of the separable sinc (1-D); default false. */
  radial?: boolean;
}

/**
 * Design the generator's low-pass filter exactly as the official `design_lowpass_filter` does.
 *
 * - `numtaps === 1`: returns `null` (the layer applies no filter); the other arguments are not checked,
 *   because the official ToRGB layer passes cutoff = fs/2 in this case.
 * - separable (default): `firwin(numtaps, cutoff, {width, fs})`, i.e. the sinc `2f_c·sinc(2f_c·t_k)`
 *   at `t_k = (k − (n−1)/2)/fs` times a Kaiser window with `β = kaiserBeta(kaiserAtten(n, width/(fs/2)))`,
 *   scaled to unit DC gain. Returns the 1-D taps (Float64Array, length n), applied along x then y.
 * - `radial: true`: the 2-D jinc low-pass `h[i][j] = J₁(2π f_c r)/(π r)·w[i]·w[j]`,
 *   `r = hypot(t_j, t_i)` with the same `t_k`, `w = kaiserWindow(n, β)` with the same β, normalised to
 *   sum 1. At r = 0 (odd n only) the limit f_c is used (the official code would produce NaN there).
 *   Returns an ndarray `[n, n]` over Float64Array (rows = y, columns = x).
 *
 * The official buffers are the float32 cast of these float64 values; cast with `Float32Array.from`.
 */
export function designLowpassFilter(design: LowpassDesign & { radial: true }): NdArray<Float64Array> | null;
export function designLowpassFilter(design: LowpassDesign & { radial?: false }): Float64Array | null;
export function designLowpassFilter(design: LowpassDesign): Float64Array | NdArray<Float64Array> | null;
export function designLowpassFilter(design: LowpassDesign): Float64Array | NdArray<Float64Array> | null {
  if (design === null || typeof design !== 'object') {
    throw new TypeError(
      `design must be an object {numtaps, cutoff, width, fs, radial?}, got ${show(design)}`,
    );
  }
  assertOptions('design', design, { numtaps: true, cutoff: true, width: true, fs: true, radial: true });
  const { numtaps, cutoff, width, fs, radial = false } = design;
  assertInteger('numtaps', numtaps, 1);
  if (numtaps === 1) return null;
  assertPositive('fs', fs);
  assertFinite('cutoff', cutoff);
  if (!(cutoff > 0 && cutoff < fs / 2)) {
    throw new RangeError(`cutoff must lie in (0, fs/2) = (0, ${fs / 2}), got ${cutoff}`);
  }
  assertPositive('width', width);
  if (typeof radial !== 'boolean') throw new TypeError(`radial must be a boolean, got ${show(radial)}`);

  if (!radial) return firwin(numtaps, cutoff, { width, fs });

  const n = numtaps;
  const t = new Float64Array(n);
  for (let k = 0; k < n; k++) t[k] = (k - (n - 1) / 2) / fs;
  const beta = kaiserBeta(kaiserAtten(n, width / (fs / 2)));
  const w = kaiserWindow(n, beta);
  const f = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const r = Math.hypot(t[j], t[i]);
      const pr = Math.PI * r;
      const jincValue = r === 0 ? cutoff : besselJ1Scalar(2 * cutoff * pr) / pr;
      f[i * n + j] = jincValue * (w[i] * w[j]);
    }
  }
  const total = sumPairwise(f);
  for (let k = 0; k < f.length; k++) f[k] /= total;
  return fromData(f, [n, n]);
}
