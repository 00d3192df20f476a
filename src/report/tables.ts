/**
 * Plain HTML tables of the report (readable without JavaScript): the per-layer table of one
 * configuration and the equivariance table with the paper's trained-network numbers beside ours.
 */
import type { LayerInfo } from '../generator/stylegan3/generator.js';
import { escapeHtml } from '../viz/render/html.js';
import type { ConfigReport, LayerMeasurementRow, LayerRow } from './schema.js';

/** The report's layer rows from `Generator.layerInfo()` (padding dropped; everything else kept). */
export function layerRows(info: readonly LayerInfo[]): LayerRow[] {
  return info.map(({ padding, ...row }) => row);
}

/** A number for a table cell: `digits` significant digits, `–` for null/undefined/non-finite. */
export function num(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  return Number(v.toPrecision(digits)).toString();
}

/** dB with one decimal, `–` for null. */
export function db(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(1);
}

function row(cells: string[], tag = 'td'): string {
  return `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;
}

/**
 * The layer table: one row per synthesis layer with its size (input → output, margins included),
 * channels, sampling rate s, cutoff f_c, half-width f_h, stopband f_t (cycles per unit), up/down
 * factors and filter taps, and — when measured — the energy above f_c, the alias energy (beyond
 * s/2 of the oversampled probe) and the per-layer EQ PSNR. The `input` measurement row comes first.
 */
export function layerTableHtml(layers: LayerRow[], measured: LayerMeasurementRow[] | null): string {
  const byName = new Map((measured ?? []).map((m) => [m.name, m]));
  const extra = measured !== null;
  const head = [
    'layer',
    'size (px)',
    'channels',
    's',
    'f<sub>c</sub>',
    'f<sub>h</sub>',
    'f<sub>t</sub>',
    'up / down',
    'taps up / down',
    'conv',
    'flags',
    ...(extra ? ['above f<sub>c</sub> (dB)', 'alias (dB)', 'EQ PSNR (dB)'] : []),
  ];
  const rows: string[] = [row(head, 'th')];
  const input = byName.get('input');
  if (input) {
    rows.push(
      row([
        'input',
        '–',
        '–',
        num(input.samplingRate),
        num(input.cutoff),
        '–',
        '–',
        '–',
        '–',
        '–',
        'Fourier features',
        db(input.aboveCutoffDb),
        db(input.aliasDb),
        db(input.eqPsnrDb),
      ]),
    );
  }
  for (const L of layers) {
    const m = byName.get(L.name);
    const flags = [
      L.criticallySampled ? 'critical' : '',
      L.radial ? 'radial' : '',
      L.torgb ? 'ToRGB' : '',
    ].filter(Boolean);
    rows.push(
      row([
        escapeHtml(L.name),
        `${L.inSize} → ${L.size}`,
        `${L.inChannels} → ${L.channels}`,
        num(L.samplingRate),
        num(L.cutoff),
        num(L.halfWidth),
        num(L.stopband),
        `${L.upFactor} / ${L.downFactor}`,
        `${L.upTaps} / ${L.downTaps}`,
        `${L.convKernel}×${L.convKernel}`,
        flags.join(', ') || '–',
        ...(extra ? [db(m?.aboveCutoffDb), db(m?.aliasDb), db(m?.eqPsnrDb)] : []),
      ]),
    );
  }
  return `<table class="layers">\n${rows.join('\n')}\n</table>`;
}

/**
 * The equivariance table: per config the paper's EQ-T / EQ-T_frac / EQ-R of *trained* FFHQ-U 256²
 * networks next to ours for the *untrained seeded* networks measured here, plus the mean alias
 * energy over layers. The two groups are labelled in the header; they are not expected to agree.
 */
export function eqTableHtml(configs: ConfigReport[]): string {
  const head1 =
    '<tr><th rowspan="2">config</th><th rowspan="2">step</th>' +
    '<th colspan="3" class="paper">paper, trained FFHQ-U 256²</th>' +
    '<th colspan="3" class="ours">ours, untrained seeded</th>' +
    '<th rowspan="2">mean alias (dB)</th><th rowspan="2">worst layer</th><th rowspan="2">parameters</th><th rowspan="2">ms / image<br>(first batch)</th></tr>';
  const head2 = row(['EQ-T', 'EQ-T<sub>frac</sub>', 'EQ-R', 'EQ-T', 'EQ-T<sub>frac</sub>', 'EQ-R'], 'th');
  const body = configs.map((c) =>
    row([
      `<b>${escapeHtml(c.config)}</b>`,
      escapeHtml(c.label),
      `<span class="paper">${num(c.paper?.eqt, 4)}</span>`,
      `<span class="paper">${num(c.paper?.eqt_frac, 4)}</span>`,
      `<span class="paper">${num(c.paper?.eqr, 4)}</span>`,
      ...[c.eq.eqt, c.eq.eqt_frac, c.eq.eqr].map((v) =>
        c.eq.note
          ? `<span class="ours" title="${escapeHtml(c.eq.note)}">–</span>`
          : `<span class="ours">${db(v)}</span>`,
      ),
      db(c.alias?.meanAliasDb),
      escapeHtml(c.alias?.worstLayer ?? '–'),
      (c.parameters / 1e6).toFixed(2) + ' M',
      c.msPerImage.toFixed(0),
    ]),
  );
  // Why a row has no EQ (config A: no transformable input), once per distinct reason, as the paper's "–".
  const notes = [...new Set(configs.filter((c) => c.eq.note).map((c) => c.eq.note!))].map(
    (n) =>
      `<p class="meta">– ${escapeHtml(
        configs
          .filter((c) => c.eq.note === n)
          .map((c) => c.config)
          .join(', '),
      )}: ${escapeHtml(n)}.</p>`,
  );
  return `<table class="eq">\n${head1}\n${head2}\n${body.join('\n')}\n</table>` + notes.join('\n');
}
