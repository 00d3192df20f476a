/**
 * Config-vs-config comparisons: a table of equivariance metrics (EQ-T, EQ-T_frac, EQ-R in dB, spec
 * §4.2–4.4; higher is better) and grouped bar charts of any per-config numbers.
 */
import { assertFinite } from '../../signal/validate.js';
import { axis, baseLayout, COLORWAY, fmt, type Figure, type Trace } from '../style.js';

/** One row: a config name and its metrics (what `equivariance()` returns, plus anything else numeric). */
export interface ConfigMetrics {
  config: string;
  [metric: string]: number | string | undefined;
}

/** Display names and units of the known metrics. */
export const METRIC_LABELS: Record<string, string> = {
  eqt: 'EQ-T (dB)',
  eqt_frac: 'EQ-T_frac (dB)',
  eqr: 'EQ-R (dB)',
  fid: 'FID',
  psnr: 'PSNR (dB)',
};

function metricsOf(rows: ConfigMetrics[], metrics?: string[]): string[] {
  if (metrics) return metrics;
  const keys: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (k !== 'config' && !keys.includes(k)) keys.push(k);
  return keys;
}

function checkRows(rows: ConfigMetrics[]): void {
  if (!Array.isArray(rows) || rows.length === 0)
    throw new RangeError(`rows must be a non-empty array, got ${String(rows)}`);
  rows.forEach((r, i) => {
    if (!r || typeof r.config !== 'string')
      throw new TypeError(`rows[${i}].config must be a string, got ${String(r?.config)}`);
  });
}

/**
 * Table figure (plotly `table` trace): one row per config, one column per metric, values to 4
 * significant digits; missing values show as "–".
 */
export function eqTableFigure(
  rows: ConfigMetrics[],
  opts: { title?: string; metrics?: string[] } = {},
): Figure {
  checkRows(rows);
  const metrics = metricsOf(rows, opts.metrics);
  const header = ['config', ...metrics.map((m) => METRIC_LABELS[m] ?? m)];
  const columns: string[][] = [rows.map((r) => r.config)];
  for (const m of metrics) {
    columns.push(
      rows.map((r, i) => {
        const v = r[m];
        if (v === undefined) return '–';
        if (typeof v === 'string') return v;
        assertFinite(`rows[${i}].${m}`, v);
        return fmt(v, 4);
      }),
    );
  }
  return {
    data: [
      {
        type: 'table',
        name: 'metrics',
        header: {
          values: header.map((h) => `<b>${h}</b>`),
          fill: { color: '#2a3f5f' },
          font: { color: '#ffffff', size: 13 },
          align: 'center',
          height: 30,
        },
        cells: {
          values: columns,
          align: ['left', ...metrics.map(() => 'right')],
          fill: { color: [rows.map((_, i) => (i % 2 ? '#f2f5fa' : '#ffffff'))] },
          height: 26,
          font: { size: 12 },
        },
      },
    ],
    layout: baseLayout(opts.title ?? 'Equivariance by configuration', {
      height: Math.min(900, 130 + 28 * rows.length),
      margin: { l: 20, r: 20, t: 60, b: 20 },
    }),
  };
}

/**
 * Grouped bar chart: configs on the x axis, one bar colour per metric (numeric metrics only;
 * missing values are gaps). `yLabel`/`yUnit` name the shared value axis (default "value (dB)").
 */
export function compareBarFigure(
  rows: ConfigMetrics[],
  opts: { title?: string; metrics?: string[]; yLabel?: string; yUnit?: string } = {},
): Figure {
  checkRows(rows);
  const metrics = metricsOf(rows, opts.metrics).filter((m) => rows.some((r) => typeof r[m] === 'number'));
  if (metrics.length === 0) throw new RangeError('rows have no numeric metric to plot');
  const data: Trace[] = metrics.map((m, k) => ({
    type: 'bar',
    name: METRIC_LABELS[m] ?? m,
    x: rows.map((r) => r.config),
    y: rows.map((r, i) => {
      const v = r[m];
      if (typeof v !== 'number') return null;
      assertFinite(`rows[${i}].${m}`, v);
      return v;
    }),
    marker: { color: COLORWAY[k % COLORWAY.length] },
    hovertemplate: `%{x}: %{y:.2f}<extra>${METRIC_LABELS[m] ?? m}</extra>`,
  }));
  return {
    data,
    layout: baseLayout(opts.title ?? 'Configurations compared', {
      barmode: 'group',
      xaxis: axis('configuration', '', { type: 'category' }),
      yaxis: axis(opts.yLabel ?? 'value', opts.yUnit ?? 'dB'),
    }),
  };
}
