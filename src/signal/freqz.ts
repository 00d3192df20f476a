/**
 * Frequency response of an FIR filter (scipy.signal.freqz with a = 1).
 */
import { toFloat64 } from './array.js';
import { assertAllFinite, assertInteger, assertOptions, assertPositive, show } from './validate.js';

/** Options of {@link freqz} (SciPy names). */
export interface FreqzOptions {
  /** Number of frequencies (default 512) or the frequencies themselves (in the units of `fs`, or
   *  rad/sample when `fs` is not given). */
  worN?: number | ArrayLike<number>;
  /** Evaluate on [0, fs) (the whole circle) instead of [0, fs/2); default false. */
  whole?: boolean;
  /** With an integer `worN` and `whole` false, include the Nyquist frequency as the last point. */
  includeNyquist?: boolean;
  /** Sampling rate: `w` is returned in the same units (cycles per unit); default 2π (rad/sample). */
  fs?: number;
}

/** Frequency response: H(e^{jω}) = re + j·im at the frequencies `w`, and |H| as `abs`. */
export interface FreqResponse {
  /** Frequencies, in rad/sample (default) or in the units of `fs`. */
  w: Float64Array;
  re: Float64Array;
  im: Float64Array;
  /** |H| = hypot(re, im) (numpy.abs of SciPy's complex h). */
  abs: Float64Array;
  /** 20·log10|H| in dB, floored at `floorDb` (default −300 dB) so that exact zeros stay finite. */
  magnitudeDb(floorDb?: number): Float64Array;
}

/**
 * Magnitude of a frequency response in decibels: `20·log10(|H|)`, clamped from below at `floorDb`
 * (default −300 dB; |H| = 0 would otherwise be −∞). Same as `resp.magnitudeDb(floorDb)`.
 */
export function magnitudeDb(
  resp: { re: ArrayLike<number>; im: ArrayLike<number> },
  floorDb = -300,
): Float64Array {
  if (resp === null || typeof resp !== 'object')
    throw new TypeError(`resp must be a freqz result, got ${show(resp)}`);
  assertAllFinite('resp.re', resp.re);
  assertAllFinite('resp.im', resp.im);
  if (typeof floorDb !== 'number' || Number.isNaN(floorDb)) {
    throw new TypeError(`floorDb must be a number, got ${show(floorDb)}`);
  }
  const out = new Float64Array(resp.re.length);
  for (let i = 0; i < out.length; i++) {
    const db = 20 * Math.log10(Math.hypot(resp.re[i], resp.im[i]));
    out[i] = Math.max(db, floorDb);
  }
  return out;
}

/**
 * Frequency response of the FIR filter `b` (scipy.signal.freqz(b, 1, worN, whole, fs, include_nyquist)):
 * `H(e^{jω}) = Σ_n b[n]·e^{−jωn}` with ω in rad/sample. The second argument may be `worN` itself
 * (a count or a frequency array) or an options object.
 *
 * With an integer `worN = N` (default 512) the frequencies are `ω_i = i·π/N` (`whole`: `i·2π/N`),
 * i = 0…N−1, i.e. [0, π) without the Nyquist point (with `includeNyquist`, N points on [0, π]).
 * With `fs`, `w` is returned as `ω·fs/(2π)` (cycles per unit) and an array `worN` is read in those units.
 * For the regular grid the phases `ω_i·n` are reduced exactly through an integer index into a cosine
 * table, so the result matches SciPy's FFT-based evaluation to ~1e-16·Σ|b|.
 */
export function freqz(
  b: ArrayLike<number>,
  worNOrOptions?: number | ArrayLike<number> | FreqzOptions,
): FreqResponse {
  const taps = toFloat64('b', b);
  if (taps.length === 0) throw new RangeError('b must have at least one coefficient, got []');
  let opts: FreqzOptions;
  if (worNOrOptions === undefined) opts = {};
  else if (typeof worNOrOptions === 'number' || isArrayLike(worNOrOptions)) opts = { worN: worNOrOptions };
  else if (typeof worNOrOptions === 'object' && worNOrOptions !== null) {
    assertOptions('options', worNOrOptions, { worN: true, whole: true, includeNyquist: true, fs: true });
    opts = worNOrOptions as FreqzOptions;
  } else
    throw new TypeError(
      `worN must be a count, an array of frequencies or an options object, got ${show(worNOrOptions)}`,
    );

  const { worN = 512, whole = false, includeNyquist = false } = opts;
  const fs = opts.fs ?? 2 * Math.PI;
  if (opts.fs !== undefined) assertPositive('fs', opts.fs);

  let w: Float64Array;
  let re: Float64Array;
  let im: Float64Array;
  if (typeof worN === 'number') {
    // SciPy accepts 0 and returns empty arrays, which only hides a mistake here.
    assertInteger('worN', worN, 1);
    const n = worN;
    // Points are i·(span/div); span/div as a rational multiple of π, kept as integers: ω_i = π·i·num/den.
    const endpoint = includeNyquist && !whole;
    const div = endpoint ? n - 1 : n;
    const span = whole ? 2 : 1; // in units of π
    w = new Float64Array(n);
    re = new Float64Array(n);
    im = new Float64Array(n);
    if (div <= 0) {
      // n = 1 with the endpoint: the single point is ω = 0 (numpy.linspace(0, π, 1)).
      if (n === 1) evaluateDirect(taps, w, re, im);
    } else {
      const step = (span * Math.PI) / div;
      for (let i = 0; i < n; i++) w[i] = i * step;
      if (endpoint) w[n - 1] = Math.PI;
      // ω_i·m = π·(span·i·m)/div; reduce span·i·m modulo 2·div exactly (integers below 2^53).
      const period = 2 * div;
      const cosTable = new Float64Array(period);
      const sinTable = new Float64Array(period);
      for (let q = 0; q < period; q++) {
        cosTable[q] = Math.cos((Math.PI * q) / div);
        sinTable[q] = Math.sin((Math.PI * q) / div);
      }
      for (let i = 0; i < n; i++) {
        let sr = 0;
        let si = 0;
        const inc = (span * i) % period;
        let q = 0;
        for (let m = 0; m < taps.length; m++) {
          sr += taps[m] * cosTable[q];
          si -= taps[m] * sinTable[q];
          q += inc;
          if (q >= period) q -= period;
        }
        re[i] = sr;
        im[i] = si;
      }
    }
  } else {
    const f = toFloat64('worN', worN);
    w = new Float64Array(f.length);
    for (let i = 0; i < f.length; i++) w[i] = (2 * Math.PI * f[i]) / fs;
    re = new Float64Array(f.length);
    im = new Float64Array(f.length);
    evaluateDirect(taps, w, re, im);
  }
  // Return w in the units of fs (a no-op for the default fs = 2π).
  const toUnits = fs / (2 * Math.PI);
  for (let i = 0; i < w.length; i++) w[i] *= toUnits;

  const abs = new Float64Array(re.length);
  for (let i = 0; i < abs.length; i++) abs[i] = Math.hypot(re[i], im[i]);
  const resp: FreqResponse = {
    w,
    re,
    im,
    abs,
    magnitudeDb: (floorDb = -300) => magnitudeDb(resp, floorDb),
  };
  return resp;
}

/** H(e^{jω}) = Σ_n b[n]·(cos ωn − j·sin ωn) for arbitrary ω (rad/sample). */
function evaluateDirect(b: Float64Array, w: Float64Array, re: Float64Array, im: Float64Array): void {
  for (let i = 0; i < w.length; i++) {
    let sr = 0;
    let si = 0;
    for (let m = 0; m < b.length; m++) {
      const phase = w[i] * m;
      sr += b[m] * Math.cos(phase);
      si -= b[m] * Math.sin(phase);
    }
    re[i] = sr;
    im[i] = si;
  }
}

function isArrayLike(v: unknown): v is ArrayLike<number> {
  return Array.isArray(v) || ArrayBuffer.isView(v);
}
