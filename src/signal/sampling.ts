/**
 * Sampling with a Dirac comb and reconstruction by sinc interpolation (spec §1.1), in 1-D.
 *
 * A sampling grid is `{rate, start}`: sample k sits at `x_k = start + k/rate` (rate in samples per unit
 * of x, so its Nyquist frequency is rate/2 cycles per unit). The pixel-centre convention of the paper is
 * `start = 1/(2·rate)` (or `(½ − size/2)/rate` for a centred canvas).
 */
import { toFloat64 } from './array.js';
import { besselI0Scalar } from './special.js';
import { assertFinite, assertInteger, assertOptions, assertPositive, show } from './validate.js';

/** A uniform sampling grid: sample k at `start + k/rate`. */
export interface SamplingGrid {
  /** Samples per unit of x (> 0). */
  rate: number;
  /** Position of sample 0. */
  start: number;
}

function checkGrid(grid: SamplingGrid, extra: Record<string, true> = {}): void {
  if (grid === null || typeof grid !== 'object') {
    throw new TypeError(`grid must be an object {rate, start}, got ${show(grid)}`);
  }
  // `count` is allowed everywhere: the interpolators take the grid `sampleDiracComb` sampled on.
  assertOptions('grid', grid, { rate: true, start: true, count: true, ...extra });
  assertPositive('rate', grid.rate);
  assertFinite('start', grid.start);
}

/**
 * Sample a continuous function with a Dirac comb: `Z[k] = fn(start + k/rate)`, k = 0…count−1
 * (the discrete map `Ш_rate ⊙ z` of spec §1.1). Throws a TypeError if `fn` returns a non-finite value.
 */
export function sampleDiracComb(
  fn: (x: number) => number,
  grid: SamplingGrid & { count: number },
): Float64Array {
  if (typeof fn !== 'function') throw new TypeError(`fn must be a function, got ${show(fn)}`);
  checkGrid(grid);
  const { rate, start, count } = grid;
  assertInteger('count', count, 0);
  const out = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const x = start + k / rate;
    const v = fn(x);
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new TypeError(`fn must return finite numbers, got ${show(v)} at x = ${x}`);
    }
    out[k] = v;
  }
  return out;
}

/**
 * Whittaker–Shannon (ideal) reconstruction of the band-limited function whose samples are given:
 * `z(x) = Σ_k Z[k]·sinc(rate·(x − x_k))`, `x_k = start + k/rate`, summed over all given samples
 * (samples outside the array count as 0). Exact for functions of the form `Σ_k c_k·sinc(rate·(x − x_k))`
 * with finitely many terms; for other signals band-limited below rate/2 the error comes only from the
 * truncation of the sum and shrinks as more samples surround x.
 *
 * Evaluation: with `u = rate·(x − start)`, `j = round(u)`, `d = u − j`, every kernel value is
 * `sinc(u − k) = (−1)^{j−k}·sin(πd)/(π(d + j − k))`, so one sine per point suffices and points close to a
 * sample stay accurate (the reduced argument d is exact). Cost O(samples · points).
 */
export function interpolateIdeal(
  samples: ArrayLike<number>,
  grid: SamplingGrid,
  xs: ArrayLike<number>,
): Float64Array {
  const z = toFloat64('samples', samples);
  checkGrid(grid);
  const x = toFloat64('xs', xs);
  const { rate, start } = grid;
  const out = new Float64Array(x.length);
  for (let p = 0; p < x.length; p++) {
    const u = rate * (x[p] - start);
    const j = Math.round(u);
    const d = u - j; // exact, |d| ≤ ½
    const y = Math.PI * d;
    const s = Math.sin(y);
    // The nearest sample (k = j) has weight sinc(d) = sin(πd)/(πd); keeping it separate avoids dividing
    // by a tiny d. Every other sample has |d + j − k| ≥ ½.
    let acc = 0;
    let sign = Math.abs(j) % 2 === 0 ? 1 : -1; // (−1)^{j−k} for k = 0, then alternating
    for (let k = 0; k < z.length; k++) {
      if (k !== j) acc += (sign * z[k]) / (d + (j - k));
      sign = -sign;
    }
    const nearest = j >= 0 && j < z.length ? z[j] * (d === 0 ? 1 : s / y) : 0;
    out[p] = (s / Math.PI) * acc + nearest;
  }
  return out;
}

/**
 * Reconstruction with a Kaiser-windowed sinc kernel of finite support (the practical interpolation
 * filter of spec §1.6):
 * `z(x) = Σ_k Z[k]·sinc(u − k)·w(u − k)`, `u = rate·(x − start)` (x in sample units), where
 * `w(t) = I₀(β·√(1 − (2t/taps)²))/I₀(β)` is the continuous Kaiser window spanning `taps` samples
 * (|t| ≤ taps/2). The sum runs over the `taps` samples nearest to x: k = k₀…k₀+taps−1 with
 * `k₀ = ⌈u − taps/2⌉`, i.e. those with `−taps/2 < u − k ≤ taps/2`; samples outside the array count as 0.
 * The kernel is not renormalised: it is 1 at t = 0 and 0 at other integers, so the samples themselves are
 * reproduced exactly, and between samples the error falls as `taps` (and a matching β) grow.
 */
export function interpolateWindowedSinc(
  samples: ArrayLike<number>,
  grid: SamplingGrid & { taps: number; beta: number },
  xs: ArrayLike<number>,
): Float64Array {
  const z = toFloat64('samples', samples);
  checkGrid(grid, { taps: true, beta: true });
  const { rate, start, taps, beta } = grid;
  assertInteger('taps', taps, 1);
  assertFinite('beta', beta);
  const x = toFloat64('xs', xs);
  const half = taps / 2;
  const i0Beta = besselI0Scalar(beta);
  const out = new Float64Array(x.length);
  for (let p = 0; p < x.length; p++) {
    const u = rate * (x[p] - start);
    const k0 = Math.ceil(u - half);
    let acc = 0;
    for (let k = Math.max(k0, 0); k < Math.min(k0 + taps, z.length); k++) {
      const t = u - k;
      const r = t / half;
      const win = besselI0Scalar(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta;
      acc += z[k] * sincKernel(t) * win;
    }
    out[p] = acc;
  }
  return out;
}

/** sin(πt)/(πt) with the argument reduced to the nearest integer first (exact zeros at integers). */
function sincKernel(t: number): number {
  const j = Math.round(t);
  const d = t - j;
  if (d === 0) return j === 0 ? 1 : 0;
  const s = Math.sin(Math.PI * d);
  if (j === 0) return s / (Math.PI * d);
  return (j % 2 === 0 ? s : -s) / (Math.PI * t);
}
