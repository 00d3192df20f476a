/**
 * Shared look of every aliasfree figure: fonts, colours, colour scales, axis titles with units and
 * the guide lines (Nyquist, cutoff, stopband) that the course draws on spectra and responses.
 *
 * Figures are plain plotly.js figure objects (`{data, layout, frames?}`), so they serialise to JSON
 * and render identically in a notebook, in an exported HTML page and in a PNG (see render/*).
 */

/** One plotly trace: a plain object with at least a `type`. Kept structural on purpose. */
export interface Trace {
  type: string;
  name?: string;
  [key: string]: unknown;
}

/** A plotly layout object (plain JSON). */
export type Layout = Record<string, unknown>;

/** One animation frame (plotly `frames` entry). */
export interface Frame {
  name: string;
  data: Trace[];
  traces?: number[];
  layout?: Layout;
}

/** A plotly.js figure: what every `*Figure` function returns. */
export interface Figure {
  data: Trace[];
  layout: Layout;
  frames?: Frame[];
}

/** Font stack shared by all figures (no web fonts: everything must render offline). */
export const FONT_FAMILY = 'DejaVu Sans, Helvetica, Arial, sans-serif';

/** Colours with fixed meaning across the course. */
export const COLORS = {
  signal: '#1f77b4',
  samples: '#d62728',
  reconstruction: '#2ca02c',
  alias: '#9467bd',
  nyquist: '#d62728',
  cutoff: '#2ca02c',
  stopband: '#ff7f0e',
  passbandFill: 'rgba(44,160,44,0.12)',
  transitionFill: 'rgba(255,200,0,0.16)',
  stopbandFill: 'rgba(214,39,40,0.10)',
  beyondNyquistFill: 'rgba(120,120,120,0.10)',
  grid: '#e5e5e5',
} as const;

/** Categorical colour cycle (one colour per config / curve). */
export const COLORWAY = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

/**
 * Colour scale for spectra in dB. Viridis, as the official visualiser maps its FFT view through
 * viridis (spec §4.7), so students see the same colours in both tools.
 */
export const SPECTRUM_COLORSCALE = 'Viridis';

/** Default dB window of spectrum heatmaps: the official avg_spectra contours run −40 … +20 dB (spec §4.6). */
export const SPECTRUM_DB_RANGE: [number, number] = [-40, 20];

/** Default dB window of 1-D spectrum slices: the official slices plot uses −50 … 30 dB (spec §4.6). */
export const SLICE_DB_RANGE: [number, number] = [-50, 30];

/** Default figure size in CSS pixels (also the PNG size at scale 1). */
export const DEFAULT_SIZE = { width: 800, height: 450 };

/** Axis title "label (unit)"; the unit is omitted when empty. */
export function axisTitle(label: string, unit?: string): string {
  return unit ? `${label} (${unit})` : label;
}

/** A plotly axis object with the course's title style, grid and optional fixed range. */
export function axis(
  label: string,
  unit?: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    title: { text: axisTitle(label, unit), font: { size: 13 } },
    gridcolor: COLORS.grid,
    zerolinecolor: '#bbbbbb',
    linecolor: '#444444',
    ticks: 'outside',
    mirror: true,
    showline: true,
    automargin: true,
    ...extra,
  };
}

/** Base layout: title, fonts, white background, colourway and size shared by all figures. */
export function baseLayout(title: string, extra: Layout = {}): Layout {
  return {
    title: { text: title, x: 0.02, xanchor: 'left', font: { size: 17 } },
    font: { family: FONT_FAMILY, size: 12, color: '#222222' },
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
    colorway: COLORWAY,
    width: DEFAULT_SIZE.width,
    height: DEFAULT_SIZE.height,
    margin: { l: 70, r: 30, t: 60, b: 60 },
    legend: { bgcolor: 'rgba(255,255,255,0.8)', bordercolor: '#cccccc', borderwidth: 1 },
    hovermode: 'closest',
    ...extra,
  };
}

/** A vertical guide line across the whole plot height at `x` (in data units of `xref`). */
export function vline(
  x: number,
  color: string,
  opts: { dash?: string; xref?: string; yref?: string; width?: number } = {},
): Record<string, unknown> {
  return {
    type: 'line',
    xref: opts.xref ?? 'x',
    yref: opts.yref ?? 'paper',
    x0: x,
    x1: x,
    y0: 0,
    y1: 1,
    line: { color, width: opts.width ?? 1.5, dash: opts.dash ?? 'dash' },
  };
}

/** A shaded vertical band `[x0, x1]` behind the traces (pass/transition/stop band). */
export function vband(
  x0: number,
  x1: number,
  fillcolor: string,
  opts: { xref?: string; yref?: string } = {},
): Record<string, unknown> {
  return {
    type: 'rect',
    xref: opts.xref ?? 'x',
    yref: opts.yref ?? 'paper',
    x0,
    x1,
    y0: 0,
    y1: 1,
    fillcolor,
    line: { width: 0 },
    layer: 'below',
  };
}

/**
 * A small vertical text label running down the inside of a guide line (so labels of nearby guides do
 * not overlap the title or each other); `side` puts it left or right of the line.
 */
export function guideLabel(
  x: number,
  text: string,
  color: string,
  opts: { xref?: string; yref?: string; y?: number; side?: 'left' | 'right'; vertical?: boolean } = {},
): Record<string, unknown> {
  const vertical = opts.vertical ?? true;
  return {
    x,
    y: opts.y ?? 1,
    xref: opts.xref ?? 'x',
    yref: opts.yref ?? 'paper',
    text,
    showarrow: false,
    textangle: vertical ? -90 : 0,
    xanchor: vertical ? ((opts.side ?? 'left') === 'left' ? 'right' : 'left') : 'center',
    yanchor: vertical ? 'top' : 'bottom',
    font: { size: 11, color },
  };
}

/** An axis-aligned square outline `|fx|, |fy| ≤ r` on a 2-D spectrum (the separable pass band). */
export function squareGuide(
  r: number,
  color: string,
  opts: { xref?: string; yref?: string; dash?: string } = {},
): Record<string, unknown> {
  return {
    type: 'rect',
    xref: opts.xref ?? 'x',
    yref: opts.yref ?? 'y',
    x0: -r,
    x1: r,
    y0: -r,
    y1: r,
    line: { color, width: 1.5, dash: opts.dash ?? 'dash' },
  };
}

/** A circle `|f| = r` on a 2-D spectrum (the radial pass band of config R, spec §1.3). */
export function circleGuide(
  r: number,
  color: string,
  opts: { xref?: string; yref?: string; dash?: string } = {},
): Record<string, unknown> {
  return { ...squareGuide(r, color, opts), type: 'circle' };
}

/** Plain `number[]` copy of any array-like (plotly serialises typed arrays badly in some paths). */
export function toList(x: ArrayLike<number>): number[] {
  return Array.from(x, (v) => v);
}

/** `n` evenly spaced numbers from `a` to `b` inclusive (numpy.linspace). */
export function linspace(a: number, b: number, n: number): number[] {
  if (n === 1) return [a];
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = a + ((b - a) * i) / (n - 1);
  return out;
}

/** Round for tick/hover text without float noise. */
export function fmt(x: number, digits = 3): string {
  return Number(x.toPrecision(digits)).toString();
}
