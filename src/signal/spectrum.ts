/**
 * Average power spectra of images, as the official StyleGAN3 `avg_spectra.py` computes and plots
 * them (paper App. A, Fig. 13; spec §4.6): dataset statistics (`stats`), the Kaiser-windowed,
 * zero-padded mean power spectrum (`calc`), the dB heatmap (`construct_heatmap`) and the 0°/45°
 * slices the `slices` command draws — plus an azimuthal average (`radialProfile`, our addition).
 *
 * Frequencies: a spectrum of `S` bins per axis computed from an image of `size` pixels has bin
 * spacing `1/S` cycles per pixel = `size/S` cycles per image; the heatmap and slices report cycles
 * per image (the official axes), from `−size/2` to `+size/2` (Nyquist).
 */
import ndarray, { type NdArray } from 'ndarray';
import { asNCHW, toDense, type FloatArray } from './array.js';
import { fft2Interleaved, fftshift } from './fft.js';
import { kaiserWindow } from './kaiser.js';
import { assertFinite, assertInteger, assertOptions, assertPositive } from './validate.js';

/** Mean and standard deviation of pixel values (see `imageStats`). */
export interface ImageStats {
  mean: number;
  std: number;
  /** Number of values the moments were taken over. */
  count: number;
  /** The command-line text the official `stats` prints, `--mean=%g --std=%g` (6 significant digits). */
  printed: string;
}

/** Python's `%g` (6 significant digits, trailing zeros removed) for finite numbers. */
export function formatG(x: number, digits = 6): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const exp = Number(x.toExponential(digits - 1).split('e')[1]);
  let s: string;
  if (exp < -4 || exp >= digits) {
    const [m, e] = x.toExponential(digits - 1).split('e');
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const en = Number(e);
    s = `${mant}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  } else {
    s = x.toFixed(Math.max(0, digits - 1 - exp));
    if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  }
  return s;
}

/**
 * Mean and (population) standard deviation over every pixel and channel of `images`, as
 * avg_spectra `stats` accumulates them from the uint8 values (0…255) in float64:
 * `mean = Σx/n`, `std = √(Σx²/n − mean²)`. Pass those values to `powerSpectrum2d` for whitening.
 * `images`: `[H,W]`, `[C,H,W]` or `[N,C,H,W]`, any scale (the official tool feeds 0…255).
 */
export function imageStats(images: NdArray): ImageStats {
  const { x } = asNCHW('images', images);
  const d = x.data;
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!Number.isFinite(v)) throw new TypeError(`images must contain only finite numbers, got ${v} at ${i}`);
    s1 += v;
    s2 += v * v;
  }
  const n = d.length;
  const mean = s1 / n;
  const std = Math.sqrt(Math.max(0, s2 / n - mean * mean));
  return { mean, std, count: n, printed: `--mean=${formatG(mean)} --std=${formatG(std)}` };
}

/** Options of `powerSpectrum2d`. */
export interface PowerSpectrumOptions {
  /** Kaiser window shape β (official `--beta`, default 8). */
  beta?: number;
  /** FFT size per axis after zero-padding (official `interp·size`); default 4× the image size. */
  spectrumSize?: number | [number, number];
  /** Whitening offset subtracted before windowing (official `--mean`); default 0. */
  mean?: number;
  /** Whitening scale (official `--std`); default 1. */
  std?: number;
}

/** Largest FFT grid `powerSpectrum2d` allocates (bins). */
const MAX_SPECTRUM_BINS = 2 ** 26;
const POWER_SPECTRUM_KEYS: Record<keyof PowerSpectrumOptions, true> = {
  beta: true,
  spectrumSize: true,
  mean: true,
  std: true,
};

/** The unit-energy symmetric Kaiser window of length n: `w/√(Σw²)`. */
function unitEnergyKaiser(n: number, beta: number): Float64Array {
  const w = kaiserWindow(n, beta);
  let e = 0;
  for (let i = 0; i < n; i++) e += w[i] * w[i];
  const s = 1 / Math.sqrt(e);
  for (let i = 0; i < n; i++) w[i] *= s;
  return w;
}

/**
 * Mean power spectrum of a set of images (official avg_spectra `calc`):
 * `P[ky,kx] = mean_{n,c} |DFT_S( w[y]·w[x]·(x[n,c,y,x] − mean)/std )[ky,kx]|²`
 * with `w` the symmetric Kaiser window of length `size` (β = `beta`) scaled to unit energy
 * (`Σw² = 1`, so a white input of unit variance has a flat spectrum ≈ 1), the image zero-padded at
 * the right/bottom to `S = spectrumSize` bins (interpolating the spectrum `S/size`-fold), averaged
 * over channels and images. Float64, shape `[Sy, Sx]`, DC at `[0,0]`; bin `k` is `k/S` cycles per
 * pixel (`k·size/S` cycles per image). The window suppresses the cross that the image border's
 * step would otherwise draw along the axes.
 */
export function powerSpectrum2d(images: NdArray, opts: PowerSpectrumOptions = {}): NdArray<Float64Array> {
  assertOptions('opts', opts, POWER_SPECTRUM_KEYS);
  const { beta = 8, mean = 0, std = 1 } = opts;
  assertFinite('beta', beta);
  if (beta < 0) throw new RangeError(`beta must be >= 0, got ${beta}`);
  assertFinite('mean', mean);
  assertPositive('std', std);
  const { x } = asNCHW('images', images);
  const [n, c, h, w] = x.shape;
  const ss = opts.spectrumSize ?? [4 * h, 4 * w];
  const [sh, sw] = typeof ss === 'number' ? [ss, ss] : ss;
  assertInteger('spectrumSize', sh, h);
  assertInteger('spectrumSize', sw, w);
  // Two float64 buffers of sh·sw (complex + accumulator): 24 bytes per bin.
  if (sh * sw > MAX_SPECTRUM_BINS) {
    throw new RangeError(
      `spectrumSize [${sh}, ${sw}] needs ${sh * sw} FFT bins; at most ${MAX_SPECTRUM_BINS} (2^26, 1.5 GB of buffers) are allowed`,
    );
  }
  const wy = unitEnergyKaiser(h, beta);
  const wx = unitEnergyKaiser(w, beta);
  const d = x.data as FloatArray;
  const buf = new Float64Array(2 * sh * sw);
  const acc = new Float64Array(sh * sw);
  const planes = n * c;
  // Two real planes per complex FFT: z = x₁ + i·x₂ gives |X₁[k]|² + |X₂[k]|² = (|Z[k]|² + |Z[−k]|²)/2
  // (Hermitian symmetry of real inputs), which is all the average needs. An odd plane out rides
  // alone with a zero imaginary part, where the same identity holds.
  for (let p = 0; p < planes; p += 2) {
    buf.fill(0);
    for (let q = 0; q < 2 && p + q < planes; q++) {
      const base = (p + q) * h * w;
      for (let y = 0; y < h; y++) {
        for (let xx = 0; xx < w; xx++) {
          const v = d[base + y * w + xx];
          if (!Number.isFinite(v)) throw new TypeError(`images must contain only finite numbers, got ${v}`);
          buf[2 * (y * sw + xx) + q] = ((v - mean) / std) * wy[y] * wx[xx];
        }
      }
    }
    fft2Interleaved(buf, sh, sw, { rows: h });
    for (let ky = 0; ky < sh; ky++) {
      const nky = ky === 0 ? 0 : sh - ky;
      for (let kx = 0; kx < sw; kx++) {
        const nkx = kx === 0 ? 0 : sw - kx;
        const o = 2 * (ky * sw + kx);
        const on = 2 * (nky * sw + nkx);
        acc[ky * sw + kx] +=
          (buf[o] * buf[o] + buf[o + 1] * buf[o + 1] + buf[on] * buf[on] + buf[on + 1] * buf[on + 1]) / 2;
      }
    }
  }
  for (let k = 0; k < acc.length; k++) acc[k] /= planes;
  return ndarray(acc, [sh, sw]);
}

/** Boundary handling of the Gaussian smoothing (scipy.ndimage modes). */
export type BoundaryMode = 'nearest' | 'reflect' | 'mirror' | 'wrap' | 'constant';

/** Map an out-of-range index into `[0, n)` for a scipy.ndimage boundary mode (−1 = constant zero). */
function boundaryIndex(i: number, n: number, mode: BoundaryMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'nearest':
      return i < 0 ? 0 : n - 1;
    case 'wrap':
      return ((i % n) + n) % n;
    case 'constant':
      return -1;
    case 'reflect': {
      // Half-sample symmetric: (d c b a | a b c d | d c b a), period 2n.
      if (n === 1) return 0;
      const m = ((i % (2 * n)) + 2 * n) % (2 * n);
      return m < n ? m : 2 * n - 1 - m;
    }
    case 'mirror': {
      // Whole-sample symmetric: (d c b | a b c d | c b a), period 2n − 2.
      if (n === 1) return 0;
      const per = 2 * n - 2;
      const m = ((i % per) + per) % per;
      return m < n ? m : per - m;
    }
  }
}

/**
 * Gaussian blur of a 2-D float64 array as scipy.ndimage.gaussian_filter does it: separable
 * correlation along axis 0 then axis 1 with the sampled kernel `exp(−t²/(2σ²))`, `t = −r…r`,
 * `r = ⌊truncate·σ + ½⌋`, normalised to sum 1; samples beyond the border come from `mode`.
 * `sigma` in pixels (array elements).
 */
export function gaussianFilter2d(
  x: NdArray,
  sigma: number,
  opts: { mode?: BoundaryMode; truncate?: number } = {},
): NdArray<Float64Array> {
  assertOptions('opts', opts, { mode: true, truncate: true });
  const { mode = 'nearest', truncate = 4 } = opts;
  assertFinite('sigma', sigma);
  if (sigma < 0) throw new RangeError(`sigma must be >= 0, got ${sigma}`);
  assertPositive('truncate', truncate);
  if (x.shape.length !== 2) throw new RangeError(`x must have rank 2 [H,W], got shape [${x.shape}]`);
  const modes: BoundaryMode[] = ['nearest', 'reflect', 'mirror', 'wrap', 'constant'];
  if (!modes.includes(mode)) throw new RangeError(`mode must be one of ${modes.join(', ')}, got ${mode}`);
  const [h, w] = x.shape;
  const src = Float64Array.from(toDense(x).data as FloatArray);
  if (sigma === 0) return ndarray(src, [h, w]);
  const r = Math.floor(truncate * sigma + 0.5);
  const k = new Float64Array(2 * r + 1);
  let ks = 0;
  for (let t = -r; t <= r; t++) ks += k[t + r] = Math.exp((-0.5 * t * t) / (sigma * sigma));
  for (let t = 0; t < k.length; t++) k[t] /= ks;
  const filt = (data: Float64Array, n: number, stride: number, lines: number, lineStride: number) => {
    const out = new Float64Array(data.length);
    const idx = new Int32Array(n + 2 * r);
    for (let i = -r; i < n + r; i++) idx[i + r] = boundaryIndex(i, n, mode);
    for (let l = 0; l < lines; l++) {
      const base = l * lineStride;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let t = 0; t <= 2 * r; t++) {
          const j = idx[i + t];
          if (j >= 0) s += k[t] * data[base + j * stride];
        }
        out[base + i * stride] = s;
      }
    }
    return out;
  };
  const a = filt(src, h, w, w, 1); // along axis 0 (rows index y)
  const b = filt(a, w, 1, h, w); // along axis 1
  return ndarray(b, [h, w]);
}

/** The official heatmap plus its frequency axes. */
export interface SpectrumHeatmap {
  /** `[S+1, S+1]` dB values, DC at the centre `[⌊S/2⌋, ⌊S/2⌋]`, row = fy, column = fx. */
  heatmap: NdArray<Float64Array>;
  /** Frequency of each row/column in cycles per image: `linspace(−size/2, size/2, S+1)` (even S). */
  freqs: Float64Array;
  /** `[xmin, xmax, ymin, ymax]` in cycles per image (plot extent). */
  extent: [number, number, number, number];
}

/**
 * Official avg_spectra `construct_heatmap`: `10·log10(P)` (dB), fftshift (DC to the centre), a copy
 * of the first row appended at the bottom and of the first column at the right (so the grid of
 * `S+1` points spans `−Nyquist … +Nyquist` symmetrically), then — when `smooth > 0` — a Gaussian
 * blur with `σ = (S/imageSize)·smooth` bins (scipy.ndimage.gaussian_filter, truncate 4, boundary
 * `mode`, default `'nearest'` as the official code passes). `spectrum`: `[S, S]` power from
 * `powerSpectrum2d` (DC at `[0,0]`); `imageSize`: the image size in pixels it came from, which sets
 * the axes in cycles per image (`±imageSize/2`).
 */
export function spectrumHeatmap(
  spectrum: NdArray,
  imageSize: number,
  opts: { smooth?: number; mode?: BoundaryMode } = {},
): SpectrumHeatmap {
  assertOptions('opts', opts, { smooth: true, mode: true });
  const { smooth = 1.25, mode = 'nearest' } = opts;
  if (!spectrum || !Array.isArray(spectrum.shape) || spectrum.shape.length !== 2) {
    throw new RangeError(`spectrum must have rank 2 [S,S], got shape [${spectrum?.shape}]`);
  }
  assertPositive('imageSize', imageSize);
  assertFinite('smooth', smooth);
  if (smooth < 0) throw new RangeError(`smooth must be >= 0, got ${smooth}`);
  const [sh, sw] = spectrum.shape;
  const src = toDense(spectrum).data as FloatArray;
  const db = new Float64Array(sh * sw);
  for (let i = 0; i < db.length; i++) {
    if (!(src[i] >= 0)) throw new RangeError(`spectrum must be non-negative power, got ${src[i]} at ${i}`);
    db[i] = Math.log10(src[i]) * 10;
  }
  const shifted = fftshift(ndarray(db, [sh, sw])).data;
  const hmap = new Float64Array((sh + 1) * (sw + 1));
  for (let y = 0; y <= sh; y++) {
    const sy = y === sh ? 0 : y;
    for (let x = 0; x <= sw; x++) hmap[y * (sw + 1) + x] = shifted[sy * sw + (x === sw ? 0 : x)];
  }
  let out = ndarray(hmap, [sh + 1, sw + 1]);
  if (smooth > 0) out = gaussianFilter2d(out, (sh / imageSize) * smooth, { mode });
  const n = sw + 1;
  const freqs = new Float64Array(n);
  const half = imageSize / 2;
  for (let i = 0; i < n; i++) freqs[i] = -half + (i * imageSize) / sw;
  return { heatmap: out, freqs, extent: [-half, half, -half, half] };
}

/** A 1-D curve through a spectrum (`spectrumSlice`, `radialProfile`). */
export interface SpectrumCurve {
  /** Radial frequency of each sample: cycles per image when `imageSize` is given, else cycles per pixel. */
  freqs: Float64Array;
  /** Values (dB for slices, linear power for the radial profile). */
  values: Float64Array;
}

/**
 * A ray through the dB heatmap from DC outwards (official avg_spectra `slices`):
 * `angle` in degrees, measured from the +fx axis (increasing column) towards +fy (increasing row).
 * 0° is the centre row to the right (`hmap[c, c:]`, `S/2+1` points up to `imageSize/2`), 45° the main
 * diagonal (`diag(hmap)[c:]`, up to `√2·imageSize/2`); other multiples of 45° follow the grid the
 * same way. Any other angle samples the heatmap bilinearly at `S/2+1` points spaced
 * `1/max(|cos|,|sin|)` bins apart (so the ray ends on the heatmap border). `smooth` (default 0, as
 * the official slices) blurs the heatmap first (needs `imageSize`). `freqs` are `k·step·imageSize/S`
 * cycles per image (or cycles per pixel without `imageSize`).
 */
export function spectrumSlice(
  spectrum: NdArray,
  angle: number,
  opts: { imageSize?: number; smooth?: number } = {},
): SpectrumCurve {
  assertOptions('opts', opts, { imageSize: true, smooth: true });
  const { imageSize, smooth = 0 } = opts;
  assertFinite('angle', angle);
  if (imageSize !== undefined) assertPositive('imageSize', imageSize);
  if (!spectrum || !Array.isArray(spectrum.shape) || spectrum.shape.length !== 2) {
    throw new RangeError(`spectrum must have rank 2 [S,S], got shape [${spectrum?.shape}]`);
  }
  const [sh, sw] = spectrum.shape;
  if (sh !== sw) throw new RangeError(`spectrum must be square, got shape [${spectrum.shape}]`);
  if (smooth > 0 && imageSize === undefined) {
    throw new RangeError(`imageSize is required when smooth > 0 (it sets the blur width), got undefined`);
  }
  const s = sh;
  const { heatmap } = spectrumHeatmap(spectrum, imageSize ?? s, { smooth });
  const hm = heatmap.data;
  const n = s + 1;
  const c = Math.floor(s / 2);
  const count = s - c + 1;
  const unit = (imageSize ?? 1) / s; // frequency of one bin
  const freqs = new Float64Array(count);
  const values = new Float64Array(count);
  const a = ((angle % 360) + 360) % 360;
  if (a % 45 === 0) {
    const dirs: [number, number][] = [
      [1, 0],
      [1, 1],
      [0, 1],
      [-1, 1],
      [-1, 0],
      [-1, -1],
      [0, -1],
      [1, -1],
    ];
    const [dx, dy] = dirs[a / 45];
    const step = dx !== 0 && dy !== 0 ? Math.SQRT2 : 1;
    for (let k = 0; k < count; k++) {
      freqs[k] = k * unit * step;
      // Negative directions stop at −s/2 bins (index c − k ≥ 0), positive ones at the wrapped edge.
      values[k] = hm[(c + dy * k) * n + (c + dx * k)];
    }
    return { freqs, values };
  }
  const rad = (a * Math.PI) / 180;
  const cs = Math.cos(rad);
  const sn = Math.sin(rad);
  const step = 1 / Math.max(Math.abs(cs), Math.abs(sn));
  for (let k = 0; k < count; k++) {
    const px = Math.min(Math.max(c + k * step * cs, 0), s);
    const py = Math.min(Math.max(c + k * step * sn, 0), s);
    const x0 = Math.min(Math.floor(px), s - 1);
    const y0 = Math.min(Math.floor(py), s - 1);
    const fx = px - x0;
    const fy = py - y0;
    const v00 = hm[y0 * n + x0];
    const v01 = hm[y0 * n + x0 + 1];
    const v10 = hm[(y0 + 1) * n + x0];
    const v11 = hm[(y0 + 1) * n + x0 + 1];
    values[k] = (1 - fy) * ((1 - fx) * v00 + fx * v01) + fy * ((1 - fx) * v10 + fx * v11);
    freqs[k] = k * step * unit;
  }
  return { freqs, values };
}

/**
 * Azimuthal average of a power spectrum (ours; the official script has none). `spectrum` is
 * `[Sy, Sx]` with DC at `[0,0]` (as `powerSpectrum2d` returns it). Each bin `(ky, kx)` (signed:
 * `k − S` above `S/2`) sits at radius `ρ = √((ky/Sy)² + (kx/Sx)²)` cycles per pixel; bins are grouped
 * into rings `j = round(ρ·S)` with `S = max(Sy, Sx)` (ring width 1/S cycles per pixel) and each
 * ring's values are averaged (linear power, not dB). Only rings `j = 0 … ⌊S/2⌋` are returned — the
 * complete circles inside Nyquist; the corners beyond are dropped. `freqs[j] = j/S` cycles per pixel,
 * or `j·imageSize/S` cycles per image when `imageSize` is given; `counts[j]` = bins in ring `j`.
 */
export function radialProfile(
  spectrum: NdArray,
  opts: { imageSize?: number } = {},
): SpectrumCurve & { counts: Int32Array } {
  assertOptions('opts', opts, { imageSize: true });
  const { imageSize } = opts;
  if (!spectrum || !Array.isArray(spectrum.shape) || spectrum.shape.length !== 2) {
    throw new RangeError(`spectrum must have rank 2 [Sy,Sx], got shape [${spectrum?.shape}]`);
  }
  if (imageSize !== undefined) assertPositive('imageSize', imageSize);
  const [sh, sw] = spectrum.shape;
  const s = Math.max(sh, sw);
  const rings = Math.floor(s / 2) + 1;
  const sums = new Float64Array(rings);
  const counts = new Int32Array(rings);
  const d = toDense(spectrum).data as FloatArray;
  for (let y = 0; y < sh; y++) {
    const ky = (y < sh / 2 ? y : y - sh) / sh;
    for (let x = 0; x < sw; x++) {
      const kx = (x < sw / 2 ? x : x - sw) / sw;
      const j = Math.round(Math.sqrt(ky * ky + kx * kx) * s);
      if (j < rings) {
        const v = d[y * sw + x];
        if (!Number.isFinite(v)) throw new TypeError(`spectrum must contain only finite numbers, got ${v}`);
        sums[j] += v;
        counts[j]++;
      }
    }
  }
  const values = new Float64Array(rings);
  const freqs = new Float64Array(rings);
  for (let j = 0; j < rings; j++) {
    values[j] = counts[j] > 0 ? sums[j] / counts[j] : 0;
    freqs[j] = (j * (imageSize ?? 1)) / s;
  }
  return { freqs, values, counts };
}
