/**
 * Static pictures of per-layer power spectra (no browser needed): a dB array mapped through the
 * Viridis colour scale, nearest-neighbour scaled to a fixed tile size, with the layer's band guides
 * drawn as squares — cutoff f_c (white), stopband f_t = f_c + f_h (orange), Nyquist s/2 (red). These
 * PNGs make the report readable without JavaScript and are the placeholders of the plotly figures.
 */
import type { NdArray } from 'ndarray';
import { assertInteger } from '../signal/validate.js';
import type { RgbaTile } from '../viz/figures/images.js';
import { SPECTRUM_DB_RANGE } from '../viz/style.js';

/** Viridis anchor colours at 0, 0.25, 0.5, 0.75, 1 (matplotlib's map, 5 samples). */
const VIRIDIS: readonly [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** Viridis colour for u ∈ [0, 1] (clamped), linear between the anchors. */
export function viridis(u: number): [number, number, number] {
  const t = Number.isFinite(u) ? Math.min(1, Math.max(0, u)) : 0;
  const x = t * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return [
    Math.round(a[0] + f * (b[0] - a[0])),
    Math.round(a[1] + f * (b[1] - a[1])),
    Math.round(a[2] + f * (b[2] - a[2])),
  ];
}

export interface SpectrumTileInput {
  /** Centred power spectrum in dB, [P, P] (DC at index P/2). */
  spectrumDb: NdArray<Float64Array>;
  /** Bin frequencies (cycles per canvas unit), length P. */
  spectrumFreqs: ArrayLike<number>;
  samplingRate: number;
  cutoff: number;
  halfWidth: number;
}

/**
 * An RGBA tile `px`×`px` of a centred dB spectrum. The tile spans the bins' frequency range
 * [f_0 − Δ/2, f_{P−1} + Δ/2] (Δ the bin spacing); every output pixel takes the nearest bin, and
 * value v maps to `viridis((v − lo)/(hi − lo))` with `[lo, hi]` = `dbRange` (default the course's
 * SPECTRUM_DB_RANGE, −40…20 dB). Guide squares at ±f_c, ±f_t (if below s/2) and ±s/2 show where the
 * layer's filters put the pass band, the stop band and the Nyquist limit.
 */
export function spectrumTile(
  m: SpectrumTileInput,
  px = 96,
  dbRange: [number, number] = SPECTRUM_DB_RANGE,
): RgbaTile {
  assertInteger('px', px, 8);
  const [h, w] = m.spectrumDb.shape;
  const freqs = m.spectrumFreqs;
  if (freqs.length !== w || h !== w) {
    throw new RangeError(`spectrum must be square with ${freqs.length} bins per side, got [${h}, ${w}]`);
  }
  const d = freqs.length > 1 ? (freqs[freqs.length - 1] - freqs[0]) / (freqs.length - 1) : 1;
  const f0 = freqs[0] - d / 2;
  const span = d * freqs.length;
  const [lo, hi] = dbRange;
  const rgba = new Uint8Array(px * px * 4);
  const data = m.spectrumDb.data;
  const [sy, sx] = m.spectrumDb.stride;
  const off = m.spectrumDb.offset;
  for (let y = 0; y < px; y++) {
    const by = Math.min(h - 1, Math.floor(((y + 0.5) / px) * h));
    for (let x = 0; x < px; x++) {
      const bx = Math.min(w - 1, Math.floor(((x + 0.5) / px) * w));
      const [r, g, b] = viridis((data[off + by * sy + bx * sx] - lo) / (hi - lo));
      const k = (y * px + x) * 4;
      rgba[k] = r;
      rgba[k + 1] = g;
      rgba[k + 2] = b;
      rgba[k + 3] = 255;
    }
  }
  // Pixel coordinate of frequency f on either axis.
  const pos = (f: number) => Math.round(((f - f0) / span) * px - 0.5);
  const square = (f: number, color: [number, number, number]) => {
    const a = pos(-f);
    const b = pos(f);
    if (b - a < 1) return;
    const put = (x: number, y: number) => {
      if (x < 0 || y < 0 || x >= px || y >= px) return;
      const k = (y * px + x) * 4;
      rgba[k] = color[0];
      rgba[k + 1] = color[1];
      rgba[k + 2] = color[2];
    };
    for (let t = a; t <= b; t++) {
      put(t, a);
      put(t, b);
      put(a, t);
      put(b, t);
    }
  };
  const half = m.samplingRate / 2;
  square(half, [214, 39, 40]);
  const stop = m.cutoff + m.halfWidth;
  if (stop < half) square(stop, [255, 127, 14]);
  square(m.cutoff, [255, 255, 255]);
  return { width: px, height: px, rgba, n: 0, c: 0 };
}
