/**
 * Filter frequency response in dB with the pass band, transition band and stop band shaded
 * (spec §1.6: cutoff f_c, transition half-width f_h, stopband from f_c + f_h; attenuation estimate
 * A = 2.285·(n − 1)·π·Δf + 7.95 dB).
 */
import { toFloat64 } from '../../signal/array.js';
import { assertPositive } from '../../signal/validate.js';
import {
  axis,
  baseLayout,
  COLORS,
  COLORWAY,
  guideLabel,
  toList,
  vband,
  vline,
  type Figure,
  type Trace,
} from '../style.js';

/**
 * A frequency response as `freqz` returns it: `w` plus either `re`/`im`, `abs` (|H|) or `db`.
 * `w` is in cycles per unit when freqz ran with `{fs}` (the default assumption here) or in
 * rad/sample (set `wUnits: 'rad/sample'` and give `fs`).
 */
export interface ResponseInput {
  w: ArrayLike<number>;
  re?: ArrayLike<number>;
  im?: ArrayLike<number>;
  abs?: ArrayLike<number>;
  db?: ArrayLike<number>;
}

/** Options of `filterResponseFigure`: sampling rate, units of the frequency axis and the band guides (f_c, f_h, stop band). */
export interface FilterResponseOptions {
  title?: string;
  /** Sampling rate the filter runs at (s', cycles per unit): frequency axis ends at fs/2. */
  fs?: number;
  /** Units of `w`: `'fs'` (cycles per unit, default) or `'rad/sample'` (SciPy's default; needs fs). */
  wUnits?: 'fs' | 'rad/sample';
  /** Cutoff f_c (same units as fs). */
  cutoff?: number;
  /** Transition half-width f_h: transition band f_c ± f_h, stop band from f_c + f_h. */
  halfWidth?: number;
  /** Extra guide: the Nyquist frequency of the output grid (s/2 of the layer), if it differs. */
  outputNyquist?: number;
  /** dB axis window (default [−120, 10]); values below are clipped to the bottom for display. */
  yRange?: [number, number];
  fUnit?: string;
}

function responseDb(name: string, r: ResponseInput): Float64Array {
  if (r.db) return toFloat64(`${name}.db`, r.db);
  let mag: Float64Array;
  if (r.abs) mag = toFloat64(`${name}.abs`, r.abs);
  else if (r.re && r.im) {
    const re = toFloat64(`${name}.re`, r.re);
    const im = toFloat64(`${name}.im`, r.im);
    mag = new Float64Array(re.length);
    for (let i = 0; i < re.length; i++) mag[i] = Math.hypot(re[i], im[i]);
  } else throw new TypeError(`${name} must have db, abs or re and im, got keys ${Object.keys(r).join(', ')}`);
  // |H| = 0 → −∞ dB; clamp at −300 dB so the trace stays finite (as freqz's magnitudeDb does).
  return mag.map((m) => Math.max(20 * Math.log10(m), -300));
}

/**
 * Frequency response |H(f)| in dB of one or more filters, `f` from 0 to fs/2, with the pass band
 * `[0, f_c − f_h]`, transition band `[f_c − f_h, f_c + f_h]` and stop band `[f_c + f_h, fs/2]`
 * shaded, and guide lines at f_c and (optionally) the output Nyquist frequency.
 * `responses`: one response or `{name, response}` entries (e.g. different tap counts).
 */
export function filterResponseFigure(
  responses: ResponseInput | { name: string; response: ResponseInput }[],
  opts: FilterResponseOptions = {},
): Figure {
  const list = Array.isArray(responses) ? responses : [{ name: 'response', response: responses }];
  if (list.length === 0) throw new RangeError('responses must contain at least one response, got 0');
  if (opts.fs !== undefined) assertPositive('fs', opts.fs);
  if (opts.wUnits === 'rad/sample' && opts.fs === undefined) {
    throw new RangeError("wUnits 'rad/sample' needs fs to convert to cycles per unit, got fs undefined");
  }
  const [ylo, yhi] = opts.yRange ?? [-120, 10];
  let fmax = opts.fs !== undefined ? opts.fs / 2 : 0;
  const data: Trace[] = list.map(({ name, response }, i) => {
    if (!response || typeof response !== 'object') {
      throw new TypeError(`responses[${i}] must be a freqz result {w, re, im}, got ${String(response)}`);
    }
    const w = toFloat64(`responses[${i}].w`, response.w);
    const f = opts.wUnits === 'rad/sample' ? w.map((x) => (x * (opts.fs as number)) / (2 * Math.PI)) : w;
    const db = responseDb(`responses[${i}]`, response);
    if (db.length !== f.length) {
      throw new RangeError(`responses[${i}] has ${f.length} frequencies but ${db.length} values`);
    }
    if (opts.fs === undefined) fmax = Math.max(fmax, f[f.length - 1]);
    return {
      type: 'scatter',
      mode: 'lines',
      name,
      x: toList(f),
      y: Array.from(db, (v) => Math.max(v, ylo - 1)),
      customdata: toList(db),
      hovertemplate: 'f=%{x:.4g}<br>%{customdata:.2f} dB<extra>%{fullData.name}</extra>',
      line: { color: COLORWAY[i % COLORWAY.length], width: 2 },
    };
  });
  const shapes: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  const { cutoff, halfWidth } = opts;
  if (cutoff !== undefined) {
    assertPositive('cutoff', cutoff);
    const fh = halfWidth ?? 0;
    if (halfWidth !== undefined) assertPositive('halfWidth', halfWidth);
    const pEnd = Math.max(0, cutoff - fh);
    const sStart = Math.min(fmax, cutoff + fh);
    shapes.push(vband(0, pEnd, COLORS.passbandFill));
    if (fh > 0) shapes.push(vband(pEnd, sStart, COLORS.transitionFill));
    if (sStart < fmax) shapes.push(vband(sStart, fmax, COLORS.stopbandFill));
    shapes.push(vline(cutoff, COLORS.cutoff, { dash: 'dot' }));
    annotations.push(guideLabel(cutoff, 'cutoff f_c', COLORS.cutoff));
    annotations.push(
      guideLabel(pEnd / 2, 'pass band', '#2a7a2a', { y: 0.02, vertical: false }),
      ...(fh > 0
        ? [guideLabel((pEnd + sStart) / 2, 'transition', '#8a6d00', { y: 0.02, vertical: false })]
        : []),
      ...(sStart < fmax
        ? [guideLabel((sStart + fmax) / 2, 'stop band', '#a02020', { y: 0.02, vertical: false })]
        : []),
    );
  }
  if (opts.outputNyquist !== undefined) {
    shapes.push(vline(opts.outputNyquist, COLORS.nyquist, { dash: 'dash' }));
    annotations.push(guideLabel(opts.outputNyquist, 'output Nyquist s/2', COLORS.nyquist, { side: 'right' }));
  }
  return {
    data,
    layout: baseLayout(opts.title ?? 'Filter frequency response', {
      xaxis: axis('frequency f', opts.fUnit ?? 'cycles per unit', { range: [0, fmax] }),
      yaxis: axis('gain |H|', 'dB', { range: [ylo, yhi] }),
      shapes,
      annotations,
    }),
  };
}
