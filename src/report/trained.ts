/**
 * The report's trained-network part: each network of `data/` beside the untrained network of the
 * same config (the weights its training started from), both rendered by the report like the ladder
 * (images, strips, spectra), with the EQ and SWD that `data:record` measured. Everything trained carries the label "trained on the procedural set, N kimg", everything
 * untrained "random weights", so no number of one can be read as the other's.
 */
import { escapeHtml } from '../viz/render/html.js';
import { PAPER_LADDER } from '../metrics/paper.js';
import type { EqJson, TrainedReportJson } from './schema.js';
import { db, num } from './tables.js';

/** The label of a trained network: what it learned from and for how long. */
export function trainedLabel(e: { train: { kimg: number } }): string {
  return `trained on the procedural set, ${e.train.kimg} kimg`;
}

const signed = (v: number | null, digits: number) =>
  v === null ? '–' : `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;

function eqCells(eq: EqJson, k: 'eqt' | 'eqt_frac' | 'eqr'): string {
  return eq.note ? `<span title="${escapeHtml(eq.note)}">–</span>` : db(eq[k]);
}

/**
 * The comparison table: per trained network, EQ-T / EQ-T_frac / EQ-R measured here (trained and
 * random weights, and their difference), the paper's trained FFHQ-U 256² number of its family, and
 * SWD×10³ against the training set from the manifest.
 */
export function trainedTableHtml(trained: readonly TrainedReportJson[]): string {
  const head =
    '<tr><th>network</th><th>family</th><th>metric</th><th>trained</th><th>random weights</th>' +
    '<th>trained − random</th><th>paper (trained FFHQ-U 256²)</th></tr>';
  const rows: string[] = [];
  for (const t of trained) {
    const paper = PAPER_LADDER.find((r) => r.config === t.family);
    const metrics = [
      ['EQ-T (dB)', 'eqt'],
      ['EQ-T<sub>frac</sub> (dB)', 'eqt_frac'],
      ['EQ-R (dB)', 'eqr'],
    ] as const;
    const n = metrics.length + 1;
    metrics.forEach(([name, k], i) => {
      const a = t.trained.eq[k];
      const b = t.untrained.eq[k];
      rows.push(
        '<tr>' +
          (i === 0
            ? `<td rowspan="${n}"><b>${escapeHtml(t.id)}</b><br>${escapeHtml(t.label)}</td><td rowspan="${n}">${escapeHtml(t.family)}</td>`
            : '') +
          `<td>${name}, ${t.trained.eq.samples} latents (manifest)</td><td>${eqCells(t.trained.eq, k)}</td><td>${eqCells(t.untrained.eq, k)}</td>` +
          `<td>${a !== null && b !== null ? signed(a - b, 1) : '–'}</td><td>${num(paper?.[k], 4)}</td></tr>`,
      );
    });
    rows.push(
      `<tr><td>SWD×10³ (lower is better; ${t.swd.images} images, manifest)</td><td>${t.swd.trained.toFixed(2)}</td>` +
        `<td>${t.swd.untrained.toFixed(2)}</td><td>${signed(t.swd.trained - t.swd.untrained, 2)}</td><td>–</td></tr>`,
    );
  }
  const notes = [...new Set(trained.filter((t) => t.trained.eq.note).map((t) => t.trained.eq.note!))].map(
    (note) => `<p class="meta">– ${escapeHtml(note)}.</p>`,
  );
  return `<table class="eq">\n${head}\n${rows.join('\n')}\n</table>` + notes.join('');
}

/** The trained part of the page: heading, caveat, commands, table and each network's two sections. */
export function trainedPartHtml(
  trained: readonly TrainedReportJson[],
  section: (c: TrainedReportJson['trained']) => string,
): string {
  if (trained.length === 0) return '';
  const parts = [
    '<h2 id="trained">Trained networks (data/) beside random weights of the same config</h2>',
    '<p class="caveat">These networks were <b>trained on the procedural set</b> (objects with fine detail that ' +
      'moves with them) with <code>aliasfree train</code>, for the kimg each label gives — far shorter than the ' +
      "paper's FFHQ-U runs. Each is shown beside <b>random weights</b> of the same config: the seeded weights its " +
      'training started from. Images, strips and spectra are rendered here with the same latents as the ladder ' +
      'below; EQ and SWD are the numbers <code>npm run data:record</code> measured (more latents than the report ' +
      'uses; <code>npm run data:check</code> recomputes them).</p>',
    trainedTableHtml(trained),
  ];
  for (const t of trained) {
    parts.push(
      `<h3>${escapeHtml(t.id)}: how it was made</h3><pre>${escapeHtml(t.datasetCommand)}\n${escapeHtml(t.trainCommand)}</pre>`,
    );
    parts.push(section(t.trained), section(t.untrained));
  }
  return parts.join('\n');
}
