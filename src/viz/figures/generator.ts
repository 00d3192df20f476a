/**
 * Per-layer aliasing dashboard for a generator: each layer's feature map, its power spectrum with the
 * layer's band guides, and the energy each layer leaves above its cutoff.
 *
 * The dashboard takes plain data (`LayerAliasing[]`), so it works with any generator (the tfjs one,
 * or official activations read from .npy). `layerSpectrumDb` and `outOfBandEnergyDb` compute that
 * data from a `[N,C,H,W]` activation the way the official visualiser's FFT view does (spec §4.7).
 */
import type { NdArray } from 'ndarray';
import { asNCHW, fromData } from '../../signal/array.js';
import { fft2, fftshift } from '../../signal/fft.js';
import { kaiserWindow } from '../../signal/kaiser.js';
import { assertFinite, assertPositive } from '../../signal/validate.js';
import { axis, baseLayout, COLORS, SPECTRUM_COLORSCALE, type Figure, type Trace } from '../style.js';
import { pngDataUri, tensorToTiles, type DisplayRange } from './images.js';
import { centredFreqs, rowsOf } from './spectrum.js';

/** One layer of the dashboard. Frequencies in cycles per canvas unit (spec §0). */
export interface LayerAliasing {
  name: string;
  /** Sampling rate s of the layer output (pixels across the canvas, margins excluded). */
  samplingRate: number;
  /** Cutoff f_c of the layer output. */
  cutoff: number;
  /** Transition half-width f_h (stopband f_c + f_h), optional. */
  halfWidth?: number;
  /** A small image of the layer (`[H,W]`, `[C,H,W]` or `[N,C,H,W]`; first tile is shown). */
  image: NdArray;
  /** Centred power spectrum in dB, `[S,S]` (DC at the centre, as `layerSpectrumDb` returns). */
  spectrum: NdArray;
  /** Frequencies of the spectrum bins (cycles per unit); default: bin k ↔ (k − S/2)·s/size. */
  spectrumFreqs?: ArrayLike<number>;
  /** Energy above the cutoff relative to the total, in dB (see `outOfBandEnergyDb`); `null` when
   *  the cutoff reaches s/2 (critically sampled layers: no bins lie above it). */
  aliasEnergyDb: number | null;
  /** Spatial size of the map including margins (to convert bins to cycles per unit). Default S. */
  size?: number;
}

/**
 * Centred power spectrum of an activation in dB, as the official visualiser computes its FFT view
 * (spec §4.7): per channel subtract the spatial mean, multiply by a separable symmetric Kaiser window
 * (β = 8), 2-D DFT without padding, |F|² summed over channels (and batch), DC shifted to the centre,
 * divided by the mean over all bins, `10·log10`. Bin k of a map `size` pixels wide at rate s is
 * `(k − size/2)·s/size` cycles per canvas unit. Returns `[H, W]` float64.
 */
export function layerSpectrumDb(act: NdArray, { beta = 8 }: { beta?: number } = {}): NdArray<Float64Array> {
  assertFinite('beta', beta);
  const { x } = asNCHW('act', act);
  const [n, c, h, w] = x.shape;
  const wy = kaiserWindow(h, beta);
  const wx = kaiserWindow(w, beta);
  const plane = h * w;
  const planes = n * c;
  const buf = new Float64Array(planes * plane);
  for (let p = 0; p < planes; p++) {
    let mean = 0;
    for (let i = 0; i < plane; i++) mean += x.data[p * plane + i];
    mean /= plane;
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        buf[p * plane + y * w + xx] = (x.data[p * plane + y * w + xx] - mean) * wy[y] * wx[xx];
      }
    }
  }
  const F = fft2(fromData(buf, [n, c, h, w]));
  const power = new Float64Array(plane);
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < plane; i++) {
      const re = F.re.data[p * plane + i];
      const im = F.im.data[p * plane + i];
      power[i] += re * re + im * im;
    }
  }
  let mean = 0;
  for (let i = 0; i < plane; i++) mean += power[i];
  mean /= plane;
  const shifted = fftshift(fromData(power, [h, w]));
  const out = new Float64Array(plane);
  for (let i = 0; i < plane; i++) out[i] = 10 * Math.log10(Math.max(shifted.data[i] / (mean || 1), 1e-30));
  return fromData(out, [h, w]);
}

/**
 * Fraction of spectral energy outside the pass band, in dB:
 * `10·log10( Σ_{max(|f_x|,|f_y|) > limit} P / Σ P )` over a centred dB spectrum (as from
 * `layerSpectrumDb`), with bin frequencies `(k − S/2)·rate/S`. For a layer, `limit` = its cutoff f_c:
 * everything above it was meant to be suppressed, so it measures how much aliasing-prone content the
 * layer keeps (a proxy for aliasing; the true alias energy needs the continuous signal). Returns
 * `null` when no bin lies above `limit` (limit ≥ rate/2, critically sampled layers) and is floored
 * at −200 dB when those bins hold no energy.
 */
export function outOfBandEnergyDb(spectrumDb: NdArray, rate: number, limit: number): number | null {
  assertPositive('rate', rate);
  assertPositive('limit', limit);
  const rows = rowsOf(spectrumDb);
  const h = rows.length;
  const w = rows[0].length;
  const fy = centredFreqs(h, rate);
  const fx = centredFreqs(w, rate);
  let total = 0;
  let out = 0;
  let bins = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = 10 ** (rows[y][x] / 10);
      total += p;
      if (Math.max(Math.abs(fx[x]), Math.abs(fy[y])) > limit + 1e-9) {
        out += p;
        bins++;
      }
    }
  }
  if (bins === 0) return null;
  return total > 0 && out > 0 ? Math.max(10 * Math.log10(out / total), -200) : -200;
}

/** Options of the per-layer aliasing dashboard: dB window, image range and column width. */
export interface LayerAliasingOptions {
  title?: string;
  /** dB window of the spectra (default ±50 dB, the visualiser's default range R = 50). */
  dbRange?: [number, number];
  /** Display range of the layer images (default 'symmetric': ±max|x| per image, like the visualiser's normalise). */
  imageRange?: DisplayRange;
  /** Width of one layer column in CSS pixels (default 130). */
  columnPx?: number;
}

/**
 * Dashboard: row 1 = layer images, row 2 = their centred spectra (shared dB colour axis) with the
 * cutoff square (dotted white), stopband square (orange) and Nyquist s/2 (red), row 3 = bar chart of
 * the out-of-band energy per layer (dB). Traces: n `image`, n `heatmap`, 1 `bar`.
 */
export function layerAliasingFigure(layers: LayerAliasing[], opts: LayerAliasingOptions = {}): Figure {
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new RangeError(`layers must be a non-empty array, got ${String(layers)}`);
  }
  const n = layers.length;
  const [zmin, zmax] = opts.dbRange ?? [-50, 50];
  const colPx = opts.columnPx ?? 130;
  const gap = 0.08 / n;
  const data: Trace[] = [];
  const layout = baseLayout(opts.title ?? 'Per-layer aliasing', {
    width: Math.max(700, n * colPx + 140),
    height: 2 * colPx + 360,
    margin: { l: 70, r: 90, t: 70, b: 90 },
    showlegend: false,
    coloraxis: {
      colorscale: SPECTRUM_COLORSCALE,
      cmin: zmin,
      cmax: zmax,
      colorbar: { title: { text: 'dB' }, thickness: 12, len: 0.3, y: 0.55 },
    },
  });
  const shapes: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  // Vertical layout (paper fractions): images [0.72,1], spectra [0.42,0.70], bars [0,0.3].
  layers.forEach((L, i) => {
    if (!L || typeof L !== 'object') throw new TypeError(`layers[${i}] must be an object, got ${String(L)}`);
    assertPositive(`layers[${i}].samplingRate`, L.samplingRate);
    assertPositive(`layers[${i}].cutoff`, L.cutoff);
    if (L.aliasEnergyDb !== null) assertFinite(`layers[${i}].aliasEnergyDb`, L.aliasEnergyDb);
    const x0 = i / n + gap / 2;
    const x1 = (i + 1) / n - gap / 2;
    const ia = 2 * i + 1;
    const sa = 2 * i + 2;
    const tile = tensorToTiles(L.image, { range: opts.imageRange ?? 'symmetric', maxTiles: 1 })[0];
    data.push({
      type: 'image',
      name: `${L.name} image`,
      source: pngDataUri(tile),
      xaxis: `x${ia === 1 ? '' : ia}`,
      yaxis: `y${ia === 1 ? '' : ia}`,
      hovertemplate: `${L.name} x=%{x} y=%{y}<extra></extra>`,
    });
    const noTicks = { showticklabels: false, ticks: '', showgrid: false, zeroline: false };
    layout[`xaxis${ia === 1 ? '' : ia}`] = axis('', '', {
      ...noTicks,
      anchor: `y${ia === 1 ? '' : ia}`,
      domain: [x0, x1],
      range: [-0.5, tile.width - 0.5],
    });
    layout[`yaxis${ia === 1 ? '' : ia}`] = axis('', '', {
      ...noTicks,
      anchor: `x${ia === 1 ? '' : ia}`,
      domain: [0.72, 1],
      range: [tile.height - 0.5, -0.5],
      scaleanchor: `x${ia === 1 ? '' : ia}`,
    });
    const [sh, sw] = L.spectrum.shape;
    const size = L.size ?? sw;
    const freqs = L.spectrumFreqs
      ? Array.from(L.spectrumFreqs)
      : centredFreqs(sw, (L.samplingRate * sw) / size);
    const freqsY = L.spectrumFreqs ? freqs : centredFreqs(sh, (L.samplingRate * sh) / size);
    data.push({
      type: 'heatmap',
      name: `${L.name} spectrum`,
      x: freqs,
      y: freqsY,
      z: rowsOf(L.spectrum),
      coloraxis: 'coloraxis',
      xaxis: `x${sa}`,
      yaxis: `y${sa}`,
      hovertemplate: `${L.name}<br>f_x=%{x:.3g} f_y=%{y:.3g}<br>%{z:.1f} dB<extra></extra>`,
    });
    const half = L.samplingRate / 2;
    const lim = Math.max(Math.abs(freqs[0]), Math.abs(freqs[freqs.length - 1]), half);
    layout[`xaxis${sa}`] = axis('', '', {
      anchor: `y${sa}`,
      domain: [x0, x1],
      range: [-lim, lim],
      showgrid: false,
      tickfont: { size: 9 },
      nticks: 3,
    });
    layout[`yaxis${sa}`] = axis(i === 0 ? 'f_y' : '', i === 0 ? 'cycles/unit' : '', {
      anchor: `x${sa}`,
      domain: [0.42, 0.7],
      range: [-lim, lim],
      scaleanchor: `x${sa}`,
      showgrid: false,
      tickfont: { size: 9 },
      nticks: 3,
      showticklabels: i === 0,
    });
    const ref = { xref: `x${sa}`, yref: `y${sa}` };
    const sq = (r: number, color: string, dash: string) => ({
      type: 'rect',
      ...ref,
      x0: -r,
      x1: r,
      y0: -r,
      y1: r,
      line: { color, width: 1, dash },
    });
    shapes.push(sq(half, COLORS.nyquist, 'dash'), sq(L.cutoff, '#ffffff', 'dot'));
    if (L.halfWidth !== undefined && L.cutoff + L.halfWidth < half) {
      shapes.push(sq(L.cutoff + L.halfWidth, COLORS.stopband, 'dashdot'));
    }
    annotations.push({
      text: `<b>${L.name}</b><br>s=${+L.samplingRate.toFixed(2)}, f_c=${+L.cutoff.toFixed(2)}`,
      xref: 'paper',
      yref: 'paper',
      x: (x0 + x1) / 2,
      y: 1,
      yanchor: 'bottom',
      showarrow: false,
      font: { size: 9 },
    });
  });
  const barAxis = 2 * n + 1;
  data.push({
    type: 'bar',
    name: 'energy above f_c',
    x: layers.map((L) => L.name),
    y: layers.map((L) => L.aliasEnergyDb),
    marker: { color: COLORS.alias },
    xaxis: `x${barAxis}`,
    yaxis: `y${barAxis}`,
    hovertemplate: '%{x}: %{y:.1f} dB<extra></extra>',
  });
  const ys = layers.map((L) => L.aliasEnergyDb).filter((v): v is number => v !== null);
  if (ys.length === 0) ys.push(0);
  layout[`xaxis${barAxis}`] = axis('layer', '', {
    anchor: `y${barAxis}`,
    domain: [0, 1],
    tickangle: -45,
    type: 'category',
  });
  // Bars hang down from 0 dB; the axis covers the lowest finite value.
  layout[`yaxis${barAxis}`] = axis('energy above f_c', 'dB', {
    anchor: `x${barAxis}`,
    domain: [0, 0.3],
    range: [Math.min(...ys) - 10, Math.max(0, Math.max(...ys) + 5)],
  });
  for (const L of layers) {
    if (L.aliasEnergyDb !== null) continue;
    annotations.push({
      text: 'n/a: f_c = s/2',
      xref: `x${barAxis}`,
      yref: `y${barAxis}`,
      x: L.name,
      y: 0,
      yanchor: 'top',
      showarrow: false,
      font: { size: 9, color: '#666666' },
    });
  }
  layout.shapes = shapes;
  layout.annotations = annotations;
  return { data, layout };
}
