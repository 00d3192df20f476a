/**
 * Sampling figure: a continuous signal, its Dirac-comb samples drawn as stems, and reconstructions
 * from those samples (spec §1.1: `Z = Ш_s ⊙ z`, `z = φ_s ∗ Z`).
 */
import { toFloat64 } from '../../signal/array.js';
import { assertPositive } from '../../signal/validate.js';
import { axis, baseLayout, COLORS, COLORWAY, toList, type Figure, type Trace } from '../style.js';

/** A curve `y(x)`; `x` in units of the signal's domain. */
export interface Curve {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  name?: string;
}

/** Curves of `samplingFigure`: a continuous signal, its samples and reconstructions. */
export interface SamplingFigureInput {
  /** The continuous signal, drawn densely. */
  continuous: Curve;
  /** The samples: positions `x_k = start + k/rate` and values `Z[k]`. */
  samples: Curve;
  /** Zero or more reconstructions from the samples (ideal sinc, windowed sinc, …). */
  reconstructions?: Curve[];
}

/** Options of `samplingFigure` (title, sampling rate, axis labels). */
export interface SamplingFigureOptions {
  title?: string;
  /** Sampling rate (samples per unit), shown in the title and as the Nyquist frequency rate/2. */
  rate?: number;
  /** Label and unit of the x axis (default "position", "units"). */
  xLabel?: string;
  xUnit?: string;
  /** Label of the y axis (default "amplitude"). */
  yLabel?: string;
}

function checkCurve(name: string, c: Curve): { x: Float64Array; y: Float64Array } {
  if (!c || typeof c !== 'object') throw new TypeError(`${name} must be {x, y}, got ${String(c)}`);
  const x = toFloat64(`${name}.x`, c.x);
  const y = toFloat64(`${name}.y`, c.y);
  if (x.length !== y.length) {
    throw new RangeError(
      `${name}.x and ${name}.y must have the same length, got ${x.length} and ${y.length}`,
    );
  }
  return { x, y };
}

/**
 * Continuous signal + Dirac-comb samples (stems from 0 to `Z[k]` at `x_k`) + reconstructions.
 * Traces, in order: `continuous` (line), `samples` (stems as one line trace with gaps), `sample
 * values` (markers), then one dashed line per reconstruction.
 */
export function samplingFigure(input: SamplingFigureInput, opts: SamplingFigureOptions = {}): Figure {
  const cont = checkCurve('continuous', input.continuous);
  const samp = checkCurve('samples', input.samples);
  if (opts.rate !== undefined) assertPositive('rate', opts.rate);
  // Stems: (x_k, 0) → (x_k, Z[k]) segments separated by null so one trace draws the whole comb.
  const sx: (number | null)[] = [];
  const sy: (number | null)[] = [];
  for (let k = 0; k < samp.x.length; k++) (sx.push(samp.x[k], samp.x[k], null), sy.push(0, samp.y[k], null));
  const data: Trace[] = [
    {
      type: 'scatter',
      mode: 'lines',
      name: input.continuous.name ?? 'continuous z(x)',
      x: toList(cont.x),
      y: toList(cont.y),
      line: { color: COLORS.signal, width: 2 },
    },
    {
      type: 'scatter',
      mode: 'lines',
      name: input.samples.name ?? 'Dirac comb samples Z[k]',
      x: sx,
      y: sy,
      line: { color: COLORS.samples, width: 1.5 },
      hoverinfo: 'skip',
      legendgroup: 'samples',
    },
    {
      type: 'scatter',
      mode: 'markers',
      name: 'sample values',
      x: toList(samp.x),
      y: toList(samp.y),
      marker: { color: COLORS.samples, size: 7 },
      showlegend: false,
      legendgroup: 'samples',
    },
  ];
  (input.reconstructions ?? []).forEach((r, i) => {
    const c = checkCurve(`reconstructions[${i}]`, r);
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: r.name ?? `reconstruction ${i + 1}`,
      x: toList(c.x),
      y: toList(c.y),
      line: {
        color: i === 0 ? COLORS.reconstruction : COLORWAY[(i + 4) % COLORWAY.length],
        width: 2,
        dash: 'dash',
      },
    });
  });
  const all = [...cont.x, ...samp.x];
  const xr = [Math.min(...all), Math.max(...all)];
  const title =
    opts.title ??
    (opts.rate !== undefined ? `Sampling at rate ${opts.rate} (Nyquist ${opts.rate / 2})` : 'Sampling');
  return {
    data,
    layout: baseLayout(title, {
      xaxis: axis(opts.xLabel ?? 'position x', opts.xUnit ?? 'units', { range: xr }),
      yaxis: axis(opts.yLabel ?? 'amplitude', ''),
    }),
  };
}
