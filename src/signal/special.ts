/**
 * Special functions used by the filter design: the normalised sinc, its radial analogue jinc, and the
 * Bessel functions I₀ (Kaiser window) and J₁ (jinc low-pass).
 *
 * Every function accepts a number (returns a number) or an array of numbers (returns a Float64Array).
 * Accuracy target: ≤1e-12 relative against numpy.i0 / scipy.special.j1 (for J₁ near its zeros the
 * error is bounded absolutely, ~1e-16, which is also all that SciPy itself guarantees there).
 */
import { assertAllFinite, assertFinite, show } from './validate.js';

/** Machine epsilon: series are summed until the next term cannot change the sum any more. */
const EPS = 2.220446049250313e-16;

/** Apply a scalar function to a number or element-wise to an array (validated for finiteness). */
function mapScalar(
  name: string,
  x: number | ArrayLike<number>,
  f: (v: number) => number,
): number | Float64Array {
  if (typeof x === 'number') {
    assertFinite(name, x);
    return f(x);
  }
  if (x === null || x === undefined || typeof (x as ArrayLike<number>).length !== 'number') {
    throw new TypeError(`${name} must be a finite number or an array of numbers, got ${show(x)}`);
  }
  assertAllFinite(name, x);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// sinc

function sincScalar(x: number): number {
  if (x === 0) return 1;
  // Same evaluation order as numpy.sinc: y = πx, then sin(y)/y.
  const y = Math.PI * x;
  return Math.sin(y) / y;
}

/**
 * Normalised sinc: `sinc(x) = sin(πx)/(πx)`, `sinc(0) = 1` (numpy.sinc). Its zeros are the non-zero
 * integers, so `sinc(rate·x)` is the ideal interpolation kernel for samples `1/rate` apart; its
 * spectrum is the box `[−½, ½]` (cycles per unit of x).
 */
export function sinc(x: number): number;
export function sinc(x: ArrayLike<number>): Float64Array;
export function sinc(x: number | ArrayLike<number>): number | Float64Array {
  return mapScalar('x', x, sincScalar);
}

// ---------------------------------------------------------------------------------------------
// I0

/**
 * I₀ for |x| ≤ 30 by its power series `Σ_k ((x/2)^k / k!)²`. All terms are positive, so there is no
 * cancellation: the relative error is a few ulp times the number of significant terms.
 */
function i0Series(x: number): number {
  const q = 0.25 * x * x; // (x/2)²
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 500; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < EPS * 0.5 * sum) break;
  }
  return sum;
}

/**
 * I₀ for x > 30 by its asymptotic expansion
 * `I₀(x) ≈ e^x/√(2πx) · Σ_k ((2k−1)!!)² / (k!·(8x)^k)`.
 * The smallest term is about e^{−2x}, far below double precision for x > 30.
 * e^x is split as (e^{x/2})² so that results just below the overflow threshold stay finite.
 */
function i0Asymptotic(x: number): number {
  const half = Math.exp(0.5 * x);
  return half * (half * besselI0eScalar(x));
}

/**
 * Exponentially scaled I₀ without argument checks: `e^{−|x|}·I₀(x)` (scipy.special.i0e). Finite for
 * every finite x, so ratios I₀(a)/I₀(b) = i0e(a)/i0e(b)·e^{a−b} stay finite where I₀ overflows.
 */
export function besselI0eScalar(x: number): number {
  const ax = Math.abs(x);
  if (ax <= 30) return i0Series(ax) * Math.exp(-ax);
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 200; k++) {
    const next = (term * (2 * k - 1) * (2 * k - 1)) / (8 * k * ax);
    if (next < EPS * 0.5 * sum || next > term) break;
    term = next;
    sum += term;
  }
  return sum / Math.sqrt(2 * Math.PI * ax);
}

/** Scalar I₀ without argument checks (for hot loops inside the library). */
export function besselI0Scalar(x: number): number {
  const ax = Math.abs(x);
  return ax <= 30 ? i0Series(ax) : i0Asymptotic(ax);
}

/**
 * Modified Bessel function of the first kind, order 0 (numpy.i0):
 * `I₀(x) = Σ_k ((x/2)^k / k!)²`, even in x. Power series for |x| ≤ 30, the Hankel-type asymptotic
 * expansion `e^x/√(2πx)·Σ_k ((2k−1)!!)²/(k!(8x)^k)` beyond. Used by the Kaiser window
 * `w[n] = I₀(β√(1 − (2n/(M−1) − 1)²))/I₀(β)`. Overflows to Infinity for |x| ≳ 713, like NumPy.
 */
export function besselI0(x: number): number;
export function besselI0(x: ArrayLike<number>): Float64Array;
export function besselI0(x: number | ArrayLike<number>): number | Float64Array {
  return mapScalar('x', x, besselI0Scalar);
}

// ---------------------------------------------------------------------------------------------
// J1

/**
 * J₁ for |x| ≤ 2 by its power series `Σ_k (−1)^k (x/2)^{2k+1}/(k!(k+1)!)`. The terms alternate,
 * but for |x| ≤ 2 the largest term is within a factor 3 of the result, so nothing is lost.
 */
function j1Series(x: number): number {
  const h = 0.5 * x;
  const q = -h * h;
  let term = h;
  let sum = h;
  for (let k = 1; k < 60; k++) {
    term *= q / (k * (k + 1));
    sum += term;
    if (Math.abs(term) < EPS * 0.25 * Math.abs(sum)) break;
  }
  return sum;
}

/**
 * J₁ for 2 < x < 20 by Miller's backward recurrence. Starting from J_{N+1} = 0, J_N = tiny far above
 * the order where J_n(x) is negligible, the three-term recurrence `J_{n−1} = (2n/x)·J_n − J_{n+1}`
 * run downwards is stable (J_n is its minimal solution). The unknown common scale is removed with the
 * identity `J₀(x) + 2·Σ_{k≥1} J_{2k}(x) = 1`. Every |J_n| ≤ 1, so the normalising sum has no harmful
 * cancellation: the absolute error is a few ulp, also next to the zeros of J₁.
 */
function j1Miller(x: number): number {
  // J_N(x)² ≪ ε for N ≥ x + 40; N even so that the J_{2k} bookkeeping ends on J₀.
  let n = 2 * Math.ceil((x + 40) / 2);
  let jNext = 0; // J_{n+1}
  let jCur = 1e-30; // J_n (arbitrary scale)
  let evenSum = 0; // Σ_{k≥1} J_{2k}, same scale
  let j1 = 0;
  for (; n > 0; n--) {
    const jPrev = ((2 * n) / x) * jCur - jNext; // J_{n−1}
    jNext = jCur;
    jCur = jPrev;
    const order = n - 1;
    if (order === 1) j1 = jCur;
    else if (order > 0 && order % 2 === 0) evenSum += jCur;
    // Keep the unnormalised values in range (they grow steeply below n ≈ x).
    if (Math.abs(jCur) > 1e250) {
      jCur *= 1e-250;
      jNext *= 1e-250;
      evenSum *= 1e-250;
      j1 *= 1e-250;
    }
  }
  // jCur is now J₀ on the same scale.
  return j1 / (jCur + 2 * evenSum);
}

/**
 * J₁ for x ≥ 20 by Hankel's asymptotic expansion
 * `J₁(x) = √(2/(πx))·(P(x)·cos ω − Q(x)·sin ω)`, ω = x − 3π/4, with
 * `P = Σ_k (−1)^k a_{2k}/x^{2k}`, `Q = Σ_k (−1)^k a_{2k+1}/x^{2k+1}`,
 * `a_k = (4 − 1²)(4 − 3²)…(4 − (2k−1)²)/(k!·8^k)`. The smallest term is about e^{−2x}.
 * cos ω and sin ω are expanded as (±sin x ∓ cos x)/√2 so that no rounded multiple of π is subtracted.
 */
function j1Hankel(x: number): number {
  let p = 1;
  let q = 0;
  let a = 1; // a_k / x^k
  for (let k = 1; k < 100; k++) {
    const next = (a * (4 - (2 * k - 1) * (2 * k - 1))) / (8 * k * x);
    if (Math.abs(next) > Math.abs(a) || Math.abs(next) < EPS * 0.1 * Math.abs(p)) break;
    a = next;
    // Signs: a_k/x^k contributes to P (k even) or Q (k odd) with sign (−1)^{⌊k/2⌋}.
    const sign = Math.floor(k / 2) % 2 === 0 ? 1 : -1;
    if (k % 2 === 0) p += sign * a;
    else q += sign * a;
  }
  const s = Math.sin(x);
  const c = Math.cos(x);
  // cos ω = (sin x − cos x)/√2, sin ω = −(sin x + cos x)/√2 ⇒ J₁ = √(1/(πx))·(P(s − c) + Q(s + c)).
  return Math.sqrt(1 / (Math.PI * x)) * (p * (s - c) + q * (s + c));
}

/** Scalar J₁ without argument checks (for hot loops inside the library). */
export function besselJ1Scalar(x: number): number {
  const ax = Math.abs(x);
  let v: number;
  if (ax <= 2) v = j1Series(ax);
  else if (ax < 20) v = j1Miller(ax);
  else v = j1Hankel(ax);
  return x < 0 ? -v : x === 0 ? x : v; // keeps J₁(−0) = −0 (odd function)
}

/**
 * Bessel function of the first kind, order 1 (scipy.special.j1), odd in x:
 * `J₁(x) = Σ_k (−1)^k (x/2)^{2k+1}/(k!(k+1)!)`. Evaluated by the power series for |x| ≤ 2, Miller's
 * backward recurrence normalised by `J₀ + 2ΣJ_{2k} = 1` for 2 < |x| < 20 and Hankel's asymptotic
 * expansion beyond (the plain power series would lose ~e^x/|J₁| to cancellation for large x).
 * Accuracy: ≤1e-13 relative away from the zeros of J₁, a few 1e-17 absolute next to them.
 */
export function besselJ1(x: number): number;
export function besselJ1(x: ArrayLike<number>): Float64Array;
export function besselJ1(x: number | ArrayLike<number>): number | Float64Array {
  return mapScalar('x', x, besselJ1Scalar);
}

// ---------------------------------------------------------------------------------------------
// jinc

function jincScalar(x: number): number {
  const t = Math.PI * x;
  // Below 1e-8 the series 1 − t²/8 + … is exact in double precision (and avoids subnormal ratios).
  if (Math.abs(t) < 1e-8) return 1 - (t * t) / 8;
  return (2 * besselJ1Scalar(t)) / t;
}

/**
 * Radial analogue of sinc, normalised like it: `jinc(x) = 2·J₁(πx)/(πx)`, `jinc(0) = 1`, even in x.
 * Its first zero is at x ≈ 1.2197 (the first zero of J₁, 3.8317, divided by π). With this
 * normalisation the 2-D Fourier transform of `jinc(s·‖x‖)` is the disc of radius s/2 (cycles per unit)
 * with height 4/(πs²). Hence the ideal disc low-pass with cutoff f_c and unit gain inside the disc is
 * `π·f_c²·jinc(2f_c‖x‖) = f_c·J₁(2πf_c r)/r`; the official radial filter samples `J₁(2πf_c r)/(πr)`,
 * the same shape up to a constant that its normalisation to unit sum removes (designLowpassFilter).
 */
export function jinc(x: number): number;
export function jinc(x: ArrayLike<number>): Float64Array;
export function jinc(x: number | ArrayLike<number>): number | Float64Array {
  return mapScalar('x', x, jincScalar);
}
