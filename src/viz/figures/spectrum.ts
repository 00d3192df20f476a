/**
 * Spectra: 1-D spectra with Nyquist / cutoff / stopband guides and the aliased copies that sampling
 * creates (spec §1.1), 2-D spectrum heatmaps in dB with DC at the centre, and the 0°/45° slices of
 * the official avg_spectra plots (spec §4.6).
 */
import type { NdArray } from 'ndarray';
import { toDense, toFloat64 } from '../../signal/array.js';
import { assertInteger, assertPositive } from '../../signal/validate.js';
import {
  axis,
  baseLayout,
  circleGuide,
  COLORS,
  COLORWAY,
  guideLabel,
  linspace,
  SLICE_DB_RANGE,
  SPECTRUM_COLORSCALE,
  SPECTRUM_DB_RANGE,
  squareGuide,
  toList,
  vband,
  vline,
  type Figure,
  type Trace,
} from '../style.js';

/** A 1-D spectrum curve: frequencies `f` (cycles per unit) and values (dB or linear). */
export interface SpectrumCurveInput {
  f?: ArrayLike<number>;
  /** Alias of `f` (what `spectrumSlice`/`radialProfile` return). */
  freqs?: ArrayLike<number>;
  values: ArrayLike<number>;
  name?: string;
}

/** Frequency guides drawn on spectra (all in cycles per unit of the figure's frequency axis). */
export interface FrequencyGuides {
  /** Sampling rate s: Nyquist lines at ±s/2 and aliased copies every s. */
  fs?: number;
  /** Cutoff f_c. */
  cutoff?: number;
  /** Stopband start f_c + f_h (or give `halfWidth`). */
  stopband?: number;
  /** Transition half-width f_h (stopband = cutoff + halfWidth). */
  halfWidth?: number;
}

function stopbandOf(g: FrequencyGuides): number | undefined {
  if (g.stopband !== undefined) return g.stopband;
  if (g.cutoff !== undefined && g.halfWidth !== undefined) return g.cutoff + g.halfWidth;
  return undefined;
}

function readCurve(name: string, c: SpectrumCurveInput): { f: Float64Array; v: Float64Array } {
  if (!c || typeof c !== 'object') throw new TypeError(`${name} must be {f, values}, got ${String(c)}`);
  const f = toFloat64(`${name}.f`, (c.f ?? c.freqs) as ArrayLike<number>);
  const v = toFloat64(`${name}.values`, c.values);
  if (f.length !== v.length) {
    throw new RangeError(
      `${name}.f and ${name}.values must have the same length, got ${f.length} and ${v.length}`,
    );
  }
  return { f, v };
}

export interface Spectrum1dOptions extends FrequencyGuides {
  title?: string;
  /** Number of aliased copies on each side (shifted by k·fs, k = ±1…±aliases). Needs `fs`. Default 0. */
  aliases?: number;
  /** Values are in dB (axis "power (dB)") or linear ("magnitude"). Default true. */
  db?: boolean;
  yRange?: [number, number];
  /** Frequency unit for the axis title (default "cycles per unit"). */
  fUnit?: string;
  /** Visible frequency window; default ±(aliases + ½)·fs when fs is given (so ±fs/2 and the copies show), else the data. */
  fRange?: [number, number];
}

/**
 * 1-D spectrum with guides. A real signal's spectrum is even, so a one-sided curve (all f ≥ 0) is
 * mirrored to negative frequencies first; sampling at rate `fs` then replicates it at every multiple
 * of `fs` — the copies that fold into `[−fs/2, fs/2]` are the aliases. Traces: one per curve, then
 * the copies `alias k·fs` (dashed) of the first curve. Shapes: Nyquist lines ±fs/2 with the region
 * beyond shaded, cutoff ±f_c, stopband ±(f_c + f_h).
 */
export function spectrum1dFigure(
  curves: SpectrumCurveInput | SpectrumCurveInput[],
  opts: Spectrum1dOptions = {},
): Figure {
  const list = Array.isArray(curves) ? curves : [curves];
  if (list.length === 0) throw new RangeError('curves must contain at least one curve, got 0');
  const aliases = opts.aliases ?? 0;
  assertInteger('aliases', aliases, 0);
  if (opts.fs !== undefined) assertPositive('fs', opts.fs);
  if (aliases > 0 && opts.fs === undefined)
    throw new RangeError('aliases > 0 needs fs (the sampling rate), got undefined');
  const db = opts.db ?? true;
  const data: Trace[] = [];
  let lo = Infinity;
  let hi = -Infinity;
  const twoSided = list.map((c, i) => {
    const { f, v } = readCurve(`curves[${i}]`, c);
    let fx = Array.from(f);
    let vy = Array.from(v);
    if (fx.every((x) => x >= 0) && (opts.fs !== undefined || aliases > 0)) {
      const negF = fx
        .filter((x) => x > 0)
        .map((x) => -x)
        .reverse();
      const negV = vy.filter((_, k) => fx[k] > 0).reverse();
      fx = negF.concat(fx);
      vy = negV.concat(vy);
    }
    lo = Math.min(lo, fx[0]);
    hi = Math.max(hi, fx[fx.length - 1]);
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: c.name ?? (list.length === 1 ? 'spectrum' : `curve ${i + 1}`),
      x: fx,
      y: vy,
      line: { color: COLORWAY[i % COLORWAY.length], width: 2 },
    });
    return { fx, vy };
  });
  if (aliases > 0 && opts.fs !== undefined) {
    const fs = opts.fs;
    const { fx, vy } = twoSided[0];
    for (let k = -aliases; k <= aliases; k++) {
      if (k === 0) continue;
      data.push({
        type: 'scatter',
        mode: 'lines',
        name: `alias ${k > 0 ? '+' : '−'}${Math.abs(k)}·fs`,
        x: fx.map((x) => x + k * fs),
        y: vy,
        line: { color: COLORS.alias, width: 1.2, dash: 'dot' },
        opacity: 0.8,
        legendgroup: 'aliases',
      });
    }
    lo = Math.min(lo, fx[0] - aliases * fs);
    hi = Math.max(hi, fx[fx.length - 1] + aliases * fs);
  }
  if (opts.fRange) [lo, hi] = opts.fRange;
  else if (opts.fs !== undefined) [lo, hi] = [-(aliases + 0.5) * opts.fs, (aliases + 0.5) * opts.fs];
  const { shapes, annotations } = guideShapes(opts, lo, hi);
  return {
    data,
    layout: baseLayout(opts.title ?? 'Spectrum', {
      xaxis: axis('frequency f', opts.fUnit ?? 'cycles per unit', { range: [lo, hi] }),
      yaxis: axis(db ? 'power' : 'magnitude', db ? 'dB' : '', opts.yRange ? { range: opts.yRange } : {}),
      shapes,
      annotations,
    }),
  };
}

/** Vertical guides at ±fs/2, ±f_c, ±(f_c+f_h), clipped to `[lo, hi]`, plus shading beyond Nyquist. */
function guideShapes(g: FrequencyGuides, lo: number, hi: number) {
  const shapes: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  const add = (x: number, color: string, label: string, dash: string, side: 'left' | 'right') => {
    for (const sx of x === 0 ? [0] : [-x, x]) {
      if (sx < lo || sx > hi) continue;
      shapes.push(vline(sx, color, { dash }));
      if (sx > 0) annotations.push(guideLabel(sx, label, color, { side }));
    }
  };
  if (g.fs !== undefined) {
    const ny = g.fs / 2;
    if (lo < -ny) shapes.push(vband(lo, -ny, COLORS.beyondNyquistFill));
    if (hi > ny) shapes.push(vband(ny, hi, COLORS.beyondNyquistFill));
    add(ny, COLORS.nyquist, 'Nyquist s/2', 'dash', 'left');
  }
  if (g.cutoff !== undefined) add(g.cutoff, COLORS.cutoff, 'cutoff f_c', 'dot', 'left');
  const sb = stopbandOf(g);
  if (sb !== undefined) add(sb, COLORS.stopband, 'stopband f_c+f_h', 'dashdot', 'right');
  return { shapes, annotations };
}

/** A 2-D heatmap in dB: what `spectrumHeatmap` returns (`{heatmap, freqs}`), or a bare centred array. */
export interface HeatmapInput {
  heatmap: NdArray;
  /** Frequency of each row/column (cycles per image); default `linspace(−S/2, S/2)` from `imageSize`. */
  freqs?: ArrayLike<number>;
}

export interface HeatmapOptions extends FrequencyGuides {
  title?: string;
  /** dB colour window (default −40 … +20 dB, the official avg_spectra contour range). */
  zRange?: [number, number];
  /** Image size in pixels when `freqs` are missing: axes span ±imageSize/2 cycles per image. */
  imageSize?: number;
  /** `heatmap` (default) or filled `contour` with 5 dB steps like the official plot. */
  style?: 'heatmap' | 'contour';
  /** Draw the cutoff/stopband guides as circles (radial filters, config R) instead of squares. */
  radial?: boolean;
  fUnit?: string;
}

/** Rows of a 2-D ndarray as `number[][]` (plotly's `z`). */
export function rowsOf(a: NdArray): number[][] {
  if (!a || !Array.isArray(a.shape) || a.shape.length !== 2) {
    throw new RangeError(`heatmap must have rank 2 [H,W], got shape [${a?.shape}]`);
  }
  const d = toDense(a, 'float64').data;
  const [h, w] = a.shape;
  const rows: number[][] = [];
  for (let y = 0; y < h; y++) rows.push(Array.from(d.subarray(y * w, (y + 1) * w)));
  return rows;
}

/** Centred frequency axis for `n` bins spanning the rate `span`: wrapped (odd n) → linspace, else (k − n/2)·span/n. */
export function centredFreqs(n: number, span: number): number[] {
  if (n % 2 === 1) return linspace(-span / 2, span / 2, n);
  return Array.from({ length: n }, (_, k) => ((k - n / 2) * span) / n);
}

/**
 * 2-D spectrum heatmap (dB, DC at the centre) with square axes in cycles per image and optional
 * guides: Nyquist square ±fs/2, cutoff and stopband squares (or circles with `radial`).
 * Accepts `spectrumHeatmap(...)`'s result directly.
 */
export function spectrumHeatmapFigure(input: HeatmapInput | NdArray, opts: HeatmapOptions = {}): Figure {
  const hm: HeatmapInput =
    'heatmap' in (input as object) ? (input as HeatmapInput) : { heatmap: input as NdArray };
  const z = rowsOf(hm.heatmap);
  const [h, w] = hm.heatmap.shape;
  if (h !== w) throw new RangeError(`heatmap must be square, got shape [${h}, ${w}]`);
  let freqs: number[];
  if (hm.freqs) {
    freqs = toList(toFloat64('freqs', hm.freqs));
    if (freqs.length !== w) throw new RangeError(`freqs must have ${w} entries, got ${freqs.length}`);
  } else {
    const size = opts.imageSize ?? w;
    assertPositive('imageSize', size);
    freqs = centredFreqs(w, size);
  }
  const [zmin, zmax] = opts.zRange ?? SPECTRUM_DB_RANGE;
  const trace: Trace = {
    type: opts.style === 'contour' ? 'contour' : 'heatmap',
    name: 'power (dB)',
    x: freqs,
    y: freqs,
    z,
    zmin,
    zmax,
    colorscale: SPECTRUM_COLORSCALE,
    colorbar: { title: { text: 'dB' }, thickness: 14 },
    hovertemplate: 'f_x=%{x:.3g}<br>f_y=%{y:.3g}<br>%{z:.1f} dB<extra></extra>',
  };
  if (opts.style === 'contour') {
    trace.contours = { start: zmin, end: zmax, size: 5, coloring: 'fill', showlines: true };
    trace.line = { width: 0.5, color: 'rgba(255,255,255,0.25)' };
    trace.autocontour = false;
  }
  const shapes: Record<string, unknown>[] = [];
  const guide = opts.radial ? circleGuide : squareGuide;
  if (opts.fs !== undefined) shapes.push(squareGuide(opts.fs / 2, COLORS.nyquist));
  if (opts.cutoff !== undefined) shapes.push(guide(opts.cutoff, '#ffffff', { dash: 'dot' }));
  const sb = stopbandOf(opts);
  if (sb !== undefined) shapes.push(guide(sb, COLORS.stopband, { dash: 'dashdot' }));
  const r: [number, number] = [freqs[0], freqs[freqs.length - 1]];
  return {
    data: [trace],
    layout: baseLayout(opts.title ?? 'Power spectrum', {
      width: 560,
      height: 520,
      xaxis: axis('f_x', opts.fUnit ?? 'cycles per image', {
        range: r,
        constrain: 'domain',
        showgrid: false,
      }),
      yaxis: axis('f_y', opts.fUnit ?? 'cycles per image', {
        range: r,
        scaleanchor: 'x',
        constrain: 'domain',
        showgrid: false,
      }),
      shapes,
    }),
  };
}

export interface SliceOptions extends FrequencyGuides {
  title?: string;
  /** dB window (default −50 … 30 dB, the official slices plot). */
  yRange?: [number, number];
  fUnit?: string;
}

/**
 * Spectrum slices like the official avg_spectra `slices` plot: dB along rays from DC (0° horizontal,
 * 45° diagonal), several curves overlaid, fixed −50 … 30 dB axis. Accepts `spectrumSlice(...)`
 * results (`{freqs, values}`) with names. Guides: f_c, stopband and s/2 as vertical lines.
 */
export function spectrumSliceFigure(curves: SpectrumCurveInput[], opts: SliceOptions = {}): Figure {
  if (!Array.isArray(curves) || curves.length === 0) {
    throw new RangeError(`curves must be a non-empty array, got ${String(curves)}`);
  }
  let hi = 0;
  const data: Trace[] = curves.map((c, i) => {
    const { f, v } = readCurve(`curves[${i}]`, c);
    hi = Math.max(hi, f[f.length - 1]);
    return {
      type: 'scatter',
      mode: 'lines',
      name: c.name ?? `slice ${i + 1}`,
      x: toList(f),
      y: toList(v),
      line: { color: COLORWAY[i % COLORWAY.length], width: 1.8, dash: i % 2 === 1 ? 'dash' : 'solid' },
    };
  });
  const { shapes, annotations } = guideShapes(opts, 0, hi);
  return {
    data,
    layout: baseLayout(opts.title ?? 'Spectrum slices', {
      xaxis: axis('frequency', opts.fUnit ?? 'cycles per image', { range: [0, hi] }),
      yaxis: axis('power', 'dB', { range: opts.yRange ?? SLICE_DB_RANGE }),
      shapes,
      annotations,
    }),
  };
}

/** The name docs/api.md uses for the 1-D spectrum figure: same as {@link spectrum1dFigure}. */
export const spectrumFigure = spectrum1dFigure;
