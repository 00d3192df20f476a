/**
 * The Kaiser window and Kaiser's empirical design formulas (Kaiser 1974; the paper's Appendix C,
 * Eqs. 7–8; scipy.signal.kaiser_beta / kaiser_atten / kaiserord; numpy.kaiser).
 */
import { besselI0Scalar, besselI0eScalar } from './special.js';
import { assertFinite, assertInteger, assertPositive } from './validate.js';

/**
 * Kaiser window of length `M` with shape parameter `beta` (numpy.kaiser, symmetric):
 * `w[n] = I₀(β·√(1 − ((n − α)/α)²)) / I₀(β)`, `α = (M − 1)/2`, n = 0…M−1.
 * `M = 0` gives an empty array and `M = 1` gives `[1]`. Larger β: lower side lobes (stopband
 * attenuation), wider main lobe (transition band); β = 0 is the rectangular window.
 * The window is dimensionless; its extent `L = (M−1)/fs` appears when taps are `1/fs` apart.
 */
export function kaiserWindow(M: number, beta: number): Float64Array {
  assertInteger('M', M, 0);
  assertFinite('beta', beta);
  const w = new Float64Array(M);
  if (M === 1) {
    w[0] = 1;
    return w;
  }
  const alpha = (M - 1) / 2;
  // I₀ overflows beyond ~713; for such (extreme) β use the scaled form e^{a−β}·i0e(a)/i0e(β).
  const huge = Math.abs(beta) > 700;
  const denom = huge ? besselI0eScalar(beta) : besselI0Scalar(beta);
  for (let n = 0; n < M; n++) {
    const t = (n - alpha) / alpha;
    // max(0, ·) guards against a tiny negative from rounding (t = ±1 exactly at the ends).
    const a = beta * Math.sqrt(Math.max(0, 1 - t * t));
    w[n] = huge
      ? (besselI0eScalar(a) / denom) * Math.exp(Math.abs(a) - Math.abs(beta))
      : besselI0Scalar(a) / denom;
  }
  return w;
}

/**
 * Kaiser's shape parameter for a stopband attenuation `a` in dB (scipy.signal.kaiser_beta, Eq. 8):
 * `β = 0.1102·(a − 8.7)` for a > 50; `β = 0.5842·(a − 21)^0.4 + 0.07886·(a − 21)` for 21 < a ≤ 50;
 * `β = 0` otherwise.
 */
export function kaiserBeta(a: number): number {
  assertFinite('a', a);
  if (a > 50) return 0.1102 * (a - 8.7);
  if (a > 21) return 0.5842 * Math.pow(a - 21, 0.4) + 0.07886 * (a - 21);
  return 0;
}

/**
 * Kaiser's attenuation estimate in dB for an FIR filter with `numtaps` taps and transition `width`
 * given as a fraction of the Nyquist frequency (1 = fs/2) (scipy.signal.kaiser_atten, Eq. 7):
 * `A = 2.285·(numtaps − 1)·π·width + 7.95`. The generator uses `width = 2f_h/(fs/2)`.
 */
export function kaiserAtten(numtaps: number, width: number): number {
  assertInteger('numtaps', numtaps, 1);
  assertPositive('width', width);
  return 2.285 * (numtaps - 1) * Math.PI * width + 7.95;
}

/**
 * Number of taps and β for a Kaiser-window FIR filter (scipy.signal.kaiserord): `ripple` is the
 * required stopband attenuation in dB (its absolute value is used, must be ≥ 8), `width` the
 * transition width as a fraction of Nyquist. Inverts Eq. 7:
 * `numtaps = ⌈(A − 7.95)/(2.285·π·width) + 1⌉`, `beta = kaiserBeta(A)`.
 */
export function kaiserOrd(ripple: number, width: number): { numtaps: number; beta: number } {
  assertFinite('ripple', ripple);
  assertPositive('width', width);
  const a = Math.abs(ripple);
  if (a < 8) {
    throw new RangeError(`ripple must have |ripple| >= 8 dB for the Kaiser formula, got ${ripple}`);
  }
  const beta = kaiserBeta(a);
  // Same operation order as SciPy so that the ceiling lands on the same integer.
  const numtaps = (a - 7.95) / 2.285 / Math.PI / width + 1;
  return { numtaps: Math.ceil(numtaps), beta };
}
