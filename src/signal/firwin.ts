/**
 * FIR filter design by the window method (scipy.signal.firwin) and the symmetric windows it uses
 * (scipy.signal.get_window with fftbins=False).
 */
import { kaiserAtten, kaiserBeta, kaiserWindow } from './kaiser.js';
import { toFloat64 } from './array.js';
import { assertFinite, assertInteger, assertOptions, assertPositive, show } from './validate.js';

/**
 * A window specification as scipy.signal.get_window takes it: a name, or `['kaiser', beta]`.
 * Names: 'hamming' (alias 'hamm', 'ham'), 'hann' ('han', 'hanning'), 'blackman' ('black', 'blk'),
 * 'boxcar' ('rectangular', 'rect', 'box', 'ones').
 */
export type WindowSpec = string | readonly [string, number];

/**
 * Sum of an array in the order numpy.sum uses for float64 (pairwise summation with 8-way unrolled
 * blocks of ≤128 elements, after seeding the reduction with the first element). Mirroring the order
 * keeps the normalised taps bit-close to NumPy's; the error bound is O(log n·ε) either way.
 */
export function sumPairwise(a: ArrayLike<number>): number {
  const n = a.length;
  if (n === 0) return 0;
  return a[0] + pairwiseBlock(a, 1, n - 1);
}

function pairwiseBlock(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = a[start + j];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    }
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseBlock(a, start, n2) + pairwiseBlock(a, start + n2, n - n2);
}

/**
 * Generalised cosine window `w[n] = Σ_k a_k·cos(k·φ_n)`, φ_n evenly spaced on [−π, π] (symmetric,
 * scipy.signal.windows.general_cosine). Since cos(φ_n) = −cos(2πn/(M−1)), positive a_1 gives the
 * familiar `a_0 − a_1·cos(2πn/(M−1)) + …` form.
 */
function generalCosine(M: number, coeffs: readonly number[]): Float64Array {
  const w = new Float64Array(M);
  if (M <= 1) return w.fill(1);
  // numpy.linspace(−π, π, M): i·step − π with the last point set exactly to π.
  const step = (2 * Math.PI) / (M - 1);
  for (let i = 0; i < M; i++) {
    const phi = i === M - 1 ? Math.PI : i * step + -Math.PI;
    let v = 0;
    for (let k = 0; k < coeffs.length; k++) v += coeffs[k] * Math.cos(k * phi);
    w[i] = v;
  }
  return w;
}

/**
 * Symmetric window of length `M` for filter design (scipy.signal.get_window(window, M, fftbins=False)):
 * hamming `0.54 − 0.46·cos(2πn/(M−1))`, hann `0.5 − 0.5·cos(2πn/(M−1))`,
 * blackman `0.42 − 0.5·cos(2πn/(M−1)) + 0.08·cos(4πn/(M−1))`, boxcar `1`, and `['kaiser', β]`
 * (see kaiserWindow). `M = 1` gives `[1]`.
 */
export function getWindow(window: WindowSpec, M: number): Float64Array {
  assertInteger('M', M, 1);
  let name: unknown = window;
  let param: unknown;
  if (Array.isArray(window)) {
    name = window[0];
    param = window[1];
  }
  if (typeof name !== 'string') {
    throw new TypeError(`window must be a window name or ['kaiser', beta], got ${show(window)}`);
  }
  switch (name.toLowerCase()) {
    case 'hamming':
    case 'hamm':
    case 'ham':
      return generalCosine(M, [0.54, 1 - 0.54]);
    case 'hann':
    case 'han':
    case 'hanning':
      return generalCosine(M, [0.5, 1 - 0.5]);
    case 'blackman':
    case 'black':
    case 'blk':
      return generalCosine(M, [0.42, 0.5, 0.08]);
    case 'boxcar':
    case 'rectangular':
    case 'rect':
    case 'box':
    case 'ones':
      return new Float64Array(M).fill(1);
    case 'kaiser':
    case 'ksr':
      if (param === undefined) throw new TypeError(`window 'kaiser' needs a beta: ['kaiser', beta]`);
      assertFinite('window beta', param);
      return kaiserWindow(M, param);
    default:
      throw new RangeError(
        `window must be one of 'hamming', 'hann', 'blackman', 'boxcar'/'rectangular' or ['kaiser', beta], got ${JSON.stringify(window)}`,
      );
  }
}

/** Options of {@link firwin}; names and defaults follow scipy.signal.firwin. */
export interface FirwinOptions {
  /** Transition width in the units of `fs`; when given, a Kaiser window with
   *  β = kaiserBeta(kaiserAtten(numtaps, width/(fs/2))) replaces `window`. */
  width?: number;
  /** Window (default 'hamming'); ignored when `width` is given, as in SciPy. */
  window?: WindowSpec;
  /** true (default): the band containing DC passes; false: it stops. Or a filter type name. */
  passZero?: boolean | 'lowpass' | 'highpass' | 'bandpass' | 'bandstop';
  /** Scale to unit gain at the centre of the first pass band (DC, Nyquist or band centre); default true. */
  scale?: boolean;
  /** Sampling rate in the units of `cutoff` (default 2, i.e. cutoff as a fraction of Nyquist). */
  fs?: number;
}

const FIRWIN_KEYS: Record<keyof FirwinOptions, true> = {
  width: true,
  window: true,
  passZero: true,
  scale: true,
  fs: true,
};

/**
 * Linear-phase FIR filter by the window method (scipy.signal.firwin). `cutoff` (a number or an
 * increasing array strictly inside (0, fs/2), in the units of `fs`) gives the band edges; the bands
 * alternate pass/stop starting with pass at DC when `passZero`. With edges normalised to Nyquist
 * (`c = cutoff/(fs/2)`) and `m = n − (numtaps−1)/2`, each pass band [l, r] contributes
 * `r·sinc(r·m) − l·sinc(l·m)` (the ideal band-pass sampled at the taps), the sum is multiplied by the
 * window, and with `scale` divided by `Σ h[n]·cos(π·m·f₀)` so the gain at f₀ (0 for a low-pass) is 1.
 * A pass band touching Nyquist needs an odd `numtaps`. The generator's filters are
 * `firwin(n, f_c, {width: 2f_h, fs})`: a Kaiser-windowed sinc with unit DC gain (spec §1.6).
 * Returns `numtaps` taps as a Float64Array, symmetric about the centre.
 */
export function firwin(
  numtaps: number,
  cutoff: number | ArrayLike<number>,
  options: FirwinOptions = {},
): Float64Array {
  assertInteger('numtaps', numtaps, 1);
  assertOptions('options', options, FIRWIN_KEYS);
  const { width, scale = true, fs = 2 } = options;
  let { window = 'hamming', passZero = true } = options;
  assertPositive('fs', fs);
  const nyq = 0.5 * fs;

  const edges = typeof cutoff === 'number' ? [cutoff] : Array.from(toFloat64('cutoff', cutoff));
  if (edges.length === 0) throw new RangeError('cutoff must have at least one frequency, got []');
  for (let i = 0; i < edges.length; i++) {
    const c = edges[i];
    assertFinite('cutoff', c);
    if (!(c > 0 && c < nyq)) {
      throw new RangeError(`cutoff must lie in (0, fs/2) = (0, ${nyq}), got ${c}`);
    }
    if (i > 0 && !(c > edges[i - 1])) {
      throw new RangeError(`cutoff frequencies must be strictly increasing, got ${JSON.stringify(edges)}`);
    }
  }
  const c = edges.map((e) => e / nyq);

  if (width !== undefined) {
    assertPositive('width', width);
    window = ['kaiser', kaiserBeta(kaiserAtten(numtaps, width / nyq))];
  }

  if (typeof passZero === 'string') {
    const type = passZero;
    if (type === 'lowpass' || type === 'highpass') {
      if (c.length !== 1) {
        throw new RangeError(
          `cutoff must have exactly one frequency for passZero '${type}', got ${c.length}`,
        );
      }
    } else if (type === 'bandpass' || type === 'bandstop') {
      if (c.length < 2) {
        throw new RangeError(
          `cutoff must have at least two frequencies for passZero '${type}', got ${c.length}`,
        );
      }
    } else {
      throw new RangeError(
        `passZero must be true, false, 'lowpass', 'highpass', 'bandpass' or 'bandstop', got ${JSON.stringify(type)}`,
      );
    }
    passZero = type === 'lowpass' || type === 'bandstop';
  } else if (typeof passZero !== 'boolean') {
    throw new TypeError(`passZero must be a boolean or a filter type name, got ${show(passZero)}`);
  }

  // The response at Nyquist is "pass" when an odd number of edges follows a stopped DC, etc.
  const passNyquist = (c.length % 2 === 1) !== passZero;
  if (passNyquist && numtaps % 2 === 0) {
    throw new RangeError(
      `numtaps must be odd for a filter that passes the Nyquist frequency (passZero ${passZero}, ${c.length} cutoff(s)), got ${numtaps}`,
    );
  }
  const bandEdges = [...(passZero ? [0] : []), ...c, ...(passNyquist ? [1] : [])];

  const alpha = 0.5 * (numtaps - 1);
  const h = new Float64Array(numtaps);
  for (let b = 0; b < bandEdges.length; b += 2) {
    const left = bandEdges[b];
    const right = bandEdges[b + 1];
    for (let n = 0; n < numtaps; n++) {
      const m = n - alpha;
      h[n] += right * sincNp(right * m);
      h[n] -= left * sincNp(left * m);
    }
  }
  const win = getWindow(window, numtaps);
  for (let n = 0; n < numtaps; n++) h[n] *= win[n];

  if (scale) {
    const left = bandEdges[0];
    const right = bandEdges[1];
    const f0 = left === 0 ? 0 : right === 1 ? 1 : 0.5 * (left + right);
    const hc = new Float64Array(numtaps);
    for (let n = 0; n < numtaps; n++) hc[n] = h[n] * Math.cos(Math.PI * (n - alpha) * f0);
    const s = sumPairwise(hc);
    // A window that vanishes on every tap (e.g. Hann or Blackman of length 2) leaves nothing to scale;
    // SciPy would return NaN/±Inf here.
    if (!(Math.abs(s) > 1e-300) || !Number.isFinite(s)) {
      throw new RangeError(
        `numtaps ${numtaps} with window ${JSON.stringify(window)} gives zero gain at the normalisation frequency; use more taps or another window`,
      );
    }
    for (let n = 0; n < numtaps; n++) h[n] /= s;
  }
  return h;
}

/** numpy.sinc without argument checks: sin(πx)/(πx), 1 at 0. */
function sincNp(x: number): number {
  if (x === 0) return 1;
  const y = Math.PI * x;
  return Math.sin(y) / y;
}
