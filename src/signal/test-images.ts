/**
 * Classic test images for looking at aliasing, interpolation and equivariance: a zone plate
 * (chirp), a Siemens star, a checkerboard and band-limited random noise. Each returns a float64
 * `[size, size]` ndarray with values in `[−1, 1]` (the generator's image range).
 *
 * Pixel coordinates: pixel `(i, j)` (row, column) has its centre at `x = j + ½ − size/2`,
 * `y = i + ½ − size/2` pixels from the image centre, so every image is symmetric about the centre
 * with no half-pixel bias (spec §0: samples sit at pixel centres).
 */
import ndarray, { type NdArray } from 'ndarray';
import { fft2Interleaved } from './fft.js';
import { assertFinite, assertInRange, assertInteger, assertOptions, assertPositive } from './validate.js';

/** Centre-relative coordinate of pixel index `j` in an image of `size` pixels. */
function coord(j: number, size: number): number {
  return j + 0.5 - size / 2;
}

/**
 * Zone plate `z(x, y) = cos(π·k·r² + phase)`, `r² = x² + y²` in pixels. Its local (instantaneous)
 * frequency at radius `r` is `k·r` cycles per pixel, pointing radially — every frequency and
 * orientation appears once. Default `k = 1/size`, which reaches the Nyquist limit (½ cycle per
 * pixel) at `r = size/2`, the middle of each edge; the corners (`r = size/√2`) then lie beyond
 * Nyquist and alias into visible rings (which is the point of the image).
 */
export function zonePlate(size: number, opts: { k?: number; phase?: number } = {}): NdArray<Float64Array> {
  assertOptions('opts', opts, { k: true, phase: true });
  const { k = 1 / size, phase = 0 } = opts;
  assertInteger('size', size, 1);
  assertPositive('k', k);
  assertFinite('phase', phase);
  const out = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    const y = coord(i, size);
    for (let j = 0; j < size; j++) {
      const x = coord(j, size);
      out[i * size + j] = Math.cos(Math.PI * k * (x * x + y * y) + phase);
    }
  }
  return ndarray(out, [size, size]);
}

/**
 * Siemens star: `s(θ) = cos(spokes·θ)` with `θ = atan2(y, x)` — `spokes` bright/dark cycles around
 * the centre, so the angular frequency `spokes/(2πr)` cycles per pixel grows towards the centre
 * without bound (aliasing near the middle is unavoidable). `binary: true` (default) gives the
 * classic ±1 sectors `sign(cos(spokes·θ))` (0 maps to +1). With an even `spokes` the star is
 * symmetric under a 180° rotation; it is always mirror-symmetric about the horizontal axis.
 */
export function siemensStar(
  size: number,
  opts: { spokes?: number; binary?: boolean } = {},
): NdArray<Float64Array> {
  assertOptions('opts', opts, { spokes: true, binary: true });
  const { spokes = 16, binary = true } = opts;
  assertInteger('size', size, 1);
  assertInteger('spokes', spokes, 1);
  const out = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    const y = coord(i, size);
    for (let j = 0; j < size; j++) {
      const v = Math.cos(spokes * Math.atan2(y, coord(j, size)));
      out[i * size + j] = binary ? (v >= 0 ? 1 : -1) : v;
    }
  }
  return ndarray(out, [size, size]);
}

/**
 * Checkerboard of ±1 squares `period/2` pixels wide, so the fundamental frequency along each axis
 * is `1/period` cycles per pixel (the square wave also carries its odd harmonics, which alias
 * unless `period` is large). Pixel `(i, j)` is `+1` when `⌊2i/period⌋ + ⌊2j/period⌋` is even.
 * `period` in pixels, ≥ 2 (period 2 is the Nyquist pattern).
 */
export function checkerboard(size: number, opts: { period?: number } = {}): NdArray<Float64Array> {
  assertOptions('opts', opts, { period: true });
  const { period = 8 } = opts;
  assertInteger('size', size, 1);
  assertFinite('period', period);
  if (period < 2) throw new RangeError(`period must be >= 2 pixels, got ${period}`);
  const out = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    const bi = Math.floor((2 * i) / period);
    for (let j = 0; j < size; j++) {
      out[i * size + j] = (bi + Math.floor((2 * j) / period)) % 2 === 0 ? 1 : -1;
    }
  }
  return ndarray(out, [size, size]);
}

/** Small seeded PRNG (mulberry32): uniform numbers in [0, 1), reproducible across platforms. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Band-limited random image: white Gaussian noise (seeded, Box–Muller over `mulberry32(seed)`)
 * whose 2-D DFT is zeroed at every frequency with `√(fx² + fy²) > cutoff` (cycles per pixel,
 * `0 < cutoff ≤ 0.5`; the disc is the radially symmetric band of the jinc filters), transformed
 * back and scaled so that `max|v| = 1`. The spectrum is exactly zero outside the disc (up to
 * round-off) and the image is periodic, so it can be shifted circularly without edge effects.
 */
export function bandlimitedNoise(
  size: number,
  opts: { cutoff?: number; seed?: number } = {},
): NdArray<Float64Array> {
  assertOptions('opts', opts, { cutoff: true, seed: true });
  const { cutoff = 0.25, seed = 0 } = opts;
  assertInteger('size', size, 1);
  assertInRange('cutoff', cutoff, 0, 0.5, { hiInclusive: true });
  assertInteger('seed', seed);
  const rand = mulberry32(seed);
  const n = size * size;
  const buf = new Float64Array(2 * n);
  for (let i = 0; i < n; i += 2) {
    // Box–Muller: two independent standard normals per pair of uniforms (1 − u avoids log 0).
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const t = 2 * Math.PI * rand();
    buf[2 * i] = r * Math.cos(t);
    if (i + 1 < n) buf[2 * (i + 1)] = r * Math.sin(t);
  }
  fft2Interleaved(buf, size, size);
  for (let i = 0; i < size; i++) {
    const fy = (i < size / 2 ? i : i - size) / size;
    for (let j = 0; j < size; j++) {
      const fx = (j < size / 2 ? j : j - size) / size;
      if (fx * fx + fy * fy > cutoff * cutoff) {
        buf[2 * (i * size + j)] = 0;
        buf[2 * (i * size + j) + 1] = 0;
      }
    }
  }
  fft2Interleaved(buf, size, size, { inverse: true });
  const out = new Float64Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    out[i] = buf[2 * i];
    m = Math.max(m, Math.abs(out[i]));
  }
  if (m > 0) for (let i = 0; i < n; i++) out[i] /= m;
  return ndarray(out, [size, size]);
}
