/**
 * The report page: one self-contained HTML file. plotly.js is inlined once (`plotlyLoaderScript`),
 * every picture is embedded as a PNG data URI, and every number also appears in plain HTML tables,
 * so the page works offline, can be mailed as a single file, and still reads with JavaScript off
 * (the interactive figures then simply do not draw).
 */
import { compareBarFigure, type ConfigMetrics } from '../viz/figures/compare.js';
import { escapeHtml, figureDiv, plotlyLoaderScript } from '../viz/render/html.js';
import type { Figure } from '../viz/style.js';
import type { ConfigReport, ReportJson, StripJson } from './schema.js';
import { db, eqTableHtml, layerTableHtml, num } from './tables.js';
import { trainedPartHtml } from './trained.js';

const STYLE = `
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:24px auto;max-width:1500px;color:#222;padding:0 16px}
h1{font-size:24px}h2{font-size:19px;margin-top:36px;border-bottom:1px solid #ccc}h3{font-size:15px;margin:20px 0 6px}
table{border-collapse:collapse;font-size:12px;margin:6px 0}th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}
th{background:#2a3f5f;color:#fff}td:first-child,td:nth-child(2){text-align:left}
table.eq td .paper{color:#555}table.eq td .ours{font-weight:bold}table.eq th.paper{background:#6b7b93;color:#fff}table.eq th.ours{background:#2a3f5f}
.meta{font-size:13px;color:#444}.caveat{background:#fff8e0;border-left:4px solid #e0b000;padding:8px 12px;font-size:13px}
img.px{image-rendering:pixelated;image-rendering:crisp-edges}
.spectra{display:flex;flex-wrap:wrap;gap:6px}.spectra figure{margin:0;font-size:10px;text-align:center;width:120px}
.spectra img{width:120px;height:120px}.strip{margin:6px 0 14px}.strip p{font-size:12px;margin:2px 0}
nav a{margin-right:12px}.noscript{font-size:12px;color:#666}
`;

/** `<img>` of an embedded PNG, shown `scale`× its pixel size with crisp pixels. */
function img(assets: Map<string, Buffer>, file: string, alt: string, widthPx?: number): string {
  const bytes = assets.get(file);
  if (!bytes) throw new RangeError(`report asset ${JSON.stringify(file)} is missing`);
  const w = widthPx ? ` style="width:${Math.round(widthPx)}px"` : '';
  return `<img class="px" alt="${escapeHtml(alt)}" title="${escapeHtml(file)}"${w} src="data:image/png;base64,${bytes.toString('base64')}">`;
}

/** PNG width in pixels (IHDR), to scale small pictures up on the page. */
function pngWidth(bytes: Buffer): number {
  return bytes.readUInt32BE(16);
}

function stripHtml(assets: Map<string, Buffer>, s: StripJson, res: number): string {
  const bytes = assets.get(s.png)!;
  const scale = res <= 32 ? 3 : res <= 64 ? 2 : 1;
  const what =
    s.kind === 'translate'
      ? `input translated by ${s.steps.slice(1).join(', ')} px; below: |frame shifted back − frame 0|`
      : `input rotated by ${s.steps
          .slice(1)
          .map((a) => a.toFixed(1))
          .join(', ')}°; below: |frame rotated back − frame 0| (band-limited as in EQ-R)`;
  const psnr = s.psnrDb
    .slice(1)
    .map((p) => db(p))
    .join(', ');
  return (
    `<div class="strip">${img(assets, s.png, `${s.kind} strip`, pngWidth(bytes) * scale)}` +
    `<p>${escapeHtml(what)}; black = equal, white ≥ ${num(s.diffRange, 2)}, blue = outside the valid mask.</p>` +
    `<p>PSNR per frame (dB): ${psnr}</p></div>`
  );
}

function configSection(c: ConfigReport, assets: Map<string, Buffer>, fig: Figure | null): string {
  const parts: string[] = [];
  const scale = c.resolution <= 32 ? 3 : c.resolution <= 64 ? 2 : 1;
  parts.push(`<section id="cfg-${escapeHtml(c.config)}">`);
  // The ladder's presets carry random (seeded) weights: say so wherever a section could be mistaken
  // for a trained network's (trained and untrained twins say it in their labels).
  const random = c.config !== 'weights' && !/^(un)?trained-/.test(c.config) ? ' · random weights' : '';
  parts.push(`<h2>${escapeHtml(c.config)} — ${escapeHtml(c.label)}${random}</h2>`);
  parts.push(
    `<p class="meta">${c.resolution}² output, C<sub>base</sub> ${c.channelBase}, C<sub>max</sub> ${c.channelMax}, ` +
      `${(c.parameters / 1e6).toFixed(2)} M parameters, ${(c.macsPerImage / 1e9).toFixed(2)} GMAC/image, ` +
      `${c.msPerImage.toFixed(0)} ms/image; ` +
      (c.eq.note
        ? `EQ-T / EQ-T<sub>frac</sub> / EQ-R – (${escapeHtml(c.eq.note)})`
        : `EQ-T ${db(c.eq.eqt)} dB, EQ-T<sub>frac</sub> ${db(c.eq.eqt_frac)} dB, EQ-R ${db(c.eq.eqr)} dB over ${c.eq.samples} latents` +
          (/^(un)?trained-/.test(c.config) ? ' (as data:record measured them, data/manifest.json)' : '')) +
      (c.alias
        ? `; mean alias ${db(c.alias.meanAliasDb)} dB (worst ${escapeHtml(c.alias.worstLayer ?? '–')})`
        : '') +
      `; measured in ${c.seconds.toFixed(1)} s.</p>`,
  );
  const sb = assets.get(c.samplesPng)!;
  parts.push(
    `<h3>Sample images</h3>${img(assets, c.samplesPng, `${c.config} samples`, pngWidth(sb) * scale)}`,
  );
  parts.push('<h3>Translation and rotation strips (texture sticking vs equivariance)</h3>');
  if (c.stripsNote) parts.push(`<p class="meta">– ${escapeHtml(c.stripsNote)}.</p>`);
  for (const s of c.strips) parts.push(stripHtml(assets, s, c.resolution));
  parts.push('<h3>Layers</h3>');
  parts.push(layerTableHtml(c.layers, c.layerMeasurements));
  if (c.layerMeasurements) {
    parts.push(
      '<h3>Per-layer spectra</h3><p class="meta">Mean power spectrum of each layer (dB, −40…20, DC centred); ' +
        'squares: white f<sub>c</sub>, orange f<sub>t</sub>, red s/2. Alias = energy beyond s/2 of the oversampled probe.</p>',
    );
    parts.push('<div class="spectra">');
    for (const m of c.layerMeasurements) {
      if (!m.spectrumPng) continue;
      parts.push(
        `<figure>${img(assets, m.spectrumPng, `${m.name} spectrum`, 120)}<figcaption>${escapeHtml(m.name)}<br>` +
          `s=${num(m.samplingRate)} f<sub>c</sub>=${num(m.cutoff)}<br>alias ${db(m.aliasDb)} dB</figcaption></figure>`,
      );
    }
    parts.push('</div>');
  }
  if (fig) {
    parts.push('<h3>Interactive per-layer dashboard</h3>');
    parts.push(
      figureDiv(fig, {
        placeholder:
          '<p class="noscript">(interactive figure: needs JavaScript; the static spectra above show the same data)</p>',
      }),
    );
  }
  parts.push('</section>');
  return parts.join('\n');
}

/** Grouped bars: paper (trained) vs ours (untrained) per metric and config. */
export function eqBarFigure(configs: ConfigReport[]): Figure {
  const rows: ConfigMetrics[] = configs.map((c) => ({
    config: c.config,
    'EQ-T paper (trained)': c.paper?.eqt ?? undefined,
    'EQ-T ours (untrained)': c.eq.eqt ?? undefined,
    'EQ-T_frac paper (trained)': c.paper?.eqt_frac ?? undefined,
    'EQ-T_frac ours (untrained)': c.eq.eqt_frac ?? undefined,
    'EQ-R paper (trained)': c.paper?.eqr ?? undefined,
    'EQ-R ours (untrained)': c.eq.eqr ?? undefined,
  }));
  const fig = compareBarFigure(rows, {
    title: 'Equivariance: paper (trained FFHQ-U 256²) vs ours (untrained seeded)',
    yLabel: 'PSNR',
    yUnit: 'dB',
  });
  // One hue per metric: light = paper (trained), dark = ours (untrained).
  const hues: Record<string, [string, string]> = {
    'EQ-T ': ['#9ecae1', '#1f77b4'],
    'EQ-T_frac ': ['#a1d99b', '#2ca02c'],
    'EQ-R ': ['#fdae6b', '#d62728'],
  };
  for (const t of fig.data) {
    const key = Object.keys(hues).find((k) => String(t.name).startsWith(k));
    if (key) t.marker = { color: hues[key][String(t.name).includes('paper') ? 0 : 1] };
  }
  return fig;
}

/** Mean/max alias energy and mean energy above f_c per config (null without layer data). */
export function aliasBarFigure(configs: ConfigReport[]): Figure | null {
  const rows: ConfigMetrics[] = configs
    .filter((c) => c.alias)
    .map((c) => ({
      config: c.config,
      'mean alias (dB)': c.alias!.meanAliasDb ?? undefined,
      'max alias (dB)': c.alias!.maxAliasDb ?? undefined,
      'mean above f_c (dB)': c.alias!.meanAboveCutoffDb ?? undefined,
    }));
  if (rows.length === 0) return null;
  try {
    return compareBarFigure(rows, { title: 'Alias energy per config (ours)', yLabel: 'energy', yUnit: 'dB' });
  } catch {
    return null; // no numeric values at all
  }
}

/** The complete page for `report` with its PNG `assets` and per-config dashboards. */
export function reportHtml(
  report: ReportJson,
  assets: Map<string, Buffer>,
  dashboards: Map<string, Figure | null>,
): string {
  const o = report.options;
  const body: string[] = [];
  body.push('<h1>aliasfree report</h1>');
  body.push(
    `<p class="meta">${escapeHtml(report.created)} · backend <b>${escapeHtml(report.backend)}</b> · ` +
      (o.weights
        ? `weights ${escapeHtml(o.weights)}`
        : `configs ${o.configs.join(', ')} at ${o.resolution}²`) +
      (o.channelMax ? ` · C<sub>max</sub> ${o.channelMax}` : '') +
      ` · seed ${o.seed}, weight seed ${o.weightSeed} · <b>EQ samples ${o.samples}</b> latents per config` +
      ` · layer samples ${o.layerSamples} · ${o.images} images · strips of ${o.frames} frames · ` +
      `total ${report.seconds.toFixed(1)} s</p>`,
  );
  body.push(
    '<p class="caveat">The <b>paper</b> columns are the published numbers for <b>trained</b> networks ' +
      `(${escapeHtml(report.paperSource)}). The <b>ours</b> columns measure the <b>untrained, seeded</b> ` +
      'networks built here (small resolution and capacity): their equivariance comes from the ' +
      'architecture and random weights alone, so the two are not expected to agree — compare the ' +
      'trend along the ladder, not the values. Our EQ numbers pool ' +
      `${o.samples} latents per config (the paper uses 50 000).</p>`,
  );
  for (const n of report.notes) body.push(`<p class="caveat">${escapeHtml(n)}</p>`);
  const trained = report.trained ?? [];
  const link = (c: ConfigReport) => `<a href="#cfg-${escapeHtml(c.config)}">${escapeHtml(c.config)}</a>`;
  body.push(
    '<nav>' +
      (trained.length
        ? `<a href="#trained"><b>trained:</b></a>${trained.map((t) => link(t.trained)).join('')}`
        : '') +
      report.configs.map(link).join('') +
      '</nav>',
  );
  body.push(trainedPartHtml(trained, (c) => configSection(c, assets, dashboards.get(c.config) ?? null)));
  body.push(
    o.weights
      ? '<h2>Equivariance</h2>'
      : '<h2 id="random">Random weights: the ladder (untrained, seeded)</h2><h3>Equivariance</h3>',
  );
  body.push(eqTableHtml(report.configs));
  body.push(figureDiv(eqBarFigure(report.configs)));
  const aliasFig = aliasBarFigure(report.configs);
  if (aliasFig) {
    body.push('<h2>Alias energy</h2>');
    body.push(figureDiv(aliasFig));
  }
  for (const c of report.configs) body.push(configSection(c, assets, dashboards.get(c.config) ?? null));
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<title>aliasfree report</title>\n' +
    `<style>${STYLE}</style>\n` +
    plotlyLoaderScript() +
    '\n</head>\n<body>\n' +
    body.join('\n') +
    '\n</body>\n</html>\n'
  );
}
