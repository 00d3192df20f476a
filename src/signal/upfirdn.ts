/**
 * 1-D upsample → FIR filter → downsample, the polyphase resampler of `scipy.signal.upfirdn`.
 *
 * Reference: SciPy, `scipy.signal.upfirdn(h, x, up=1, down=1)` (1-D input; SciPy's `axis`/`mode`
 * arguments are not needed here). The math, for integer factors `up = U` and `down = D`:
 *
 *     xu[m] = x[m/U] if U divides m, else 0              (zero insertion, length (len(x)−1)·U + 1)
 *     v[t]  = Σ_k h[k] · xu[t − k]                        (full linear convolution)
 *     y[n]  = v[n·D],  n = 0 … ((len(x)−1)·U + len(h) − 1) // D
 *
 * Only the taps that meet a non-zero `xu` sample are visited (polyphase form): for output `n` with
 * `t = n·D` those are `k ≡ t (mod U)`, and only the kept samples `t = n·D` are computed, so the
 * cost is about `len(y) · len(h) / U` multiply-adds. Units are samples throughout.
 */
import { toFloat64 } from './array.js';
import { assertInteger } from './validate.js';

/** Number of samples `scipy.signal.upfirdn` returns: `((nx − 1)·up + nh − 1) // down + 1`. */
export function upfirdnLength(nh: number, nx: number, up = 1, down = 1): number {
  assertInteger('nh', nh, 1);
  assertInteger('nx', nx, 1);
  assertInteger('up', up, 1);
  assertInteger('down', down, 1);
  return Math.floor(((nx - 1) * up + nh - 1) / down) + 1;
}

/**
 * `scipy.signal.upfirdn(h, x, up, down)` for 1-D float64 data: upsample `x` by `up` (insert
 * `up − 1` zeros after every sample), convolve with the FIR filter `h` (full convolution, no gain
 * correction: a unit-DC-gain interpolator needs `sum(h) = up`), keep every `down`-th sample
 * starting with the first.
 *
 * @param h FIR taps (non-empty, finite).
 * @param x input signal in samples (non-empty, finite).
 * @param up integer upsampling factor ≥ 1.
 * @param down integer downsampling factor ≥ 1.
 * @returns Float64Array of length `((len(x) − 1)·up + len(h) − 1) // down + 1`.
 */
export function upfirdn(h: ArrayLike<number>, x: ArrayLike<number>, up = 1, down = 1): Float64Array {
  const hh = toFloat64('h', h);
  const xx = toFloat64('x', x);
  assertInteger('up', up, 1);
  assertInteger('down', down, 1);
  if (hh.length === 0) throw new RangeError('h must have at least one tap, got an empty array');
  if (xx.length === 0) throw new RangeError('x must have at least one sample, got an empty array');
  const nh = hh.length;
  const nx = xx.length;
  const ny = upfirdnLength(nh, nx, up, down);
  const y = new Float64Array(ny);
  const lastM = (nx - 1) * up; // position of the last input sample on the upsampled grid
  for (let n = 0; n < ny; n++) {
    const t = n * down;
    // Taps meeting xu[t − k] ≠ 0: k ≡ t (mod up), 0 ≤ k < nh, 0 ≤ t − k ≤ lastM.
    let k = Math.max(t % up, t - lastM);
    let j = (t - k) / up; // index into x of the sample that tap k meets
    let acc = 0;
    for (; k < nh && j >= 0; k += up, j--) acc += hh[k] * xx[j];
    y[n] = acc;
  }
  return y;
}
