/**
 * `data/README.md`, generated from the manifest so that it never disagrees with it: per network the
 * exact dataset and train commands, kimg, wall time and machine, the metrics beside the untrained
 * network of the same config, and a statement — computed from the numbers — of whether the paper's
 * trend (trained alias-free generators far above StyleGAN2 in EQ-T) shows here. The "why" paragraph
 * is the one piece of prose a person writes; it is kept in the manifest (`why`) and copied in.
 */
import { PAPER_LADDER } from '../metrics/paper.js';
import type { EqValue, TrainedEntry, TrainedManifest } from './manifest.js';

/**
 * "≫" made a number: an EQ-T gap of at least 10 dB, i.e. a mean squared error at least ten times
 * smaller (the paper's StyleGAN3-T sits ≥ 40 dB above its StyleGAN2-based configs B/C).
 */
export const TREND_MARGIN_DB = 10;

/** Whether the paper's EQ-T trend shows, and the sentences that say so from the numbers. */
export interface TrendStatement {
  verdict: 'shows' | 'does not show' | 'cannot tell';
  text: string;
}

const f2 = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(2));

/** Hours/minutes of a wall time. */
export function formatWall(seconds: number): string {
  const m = Math.round(seconds / 60);
  return m >= 60 ? `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min` : `${m} min`;
}

/** The paper's trend, tested on the recorded numbers (see `TREND_MARGIN_DB`). */
export function trendStatement(m: TrainedManifest): TrendStatement {
  const aliasFree = m.networks.filter((n) => n.family !== 'A' && n.metrics.eq.trained.eqt !== null);
  const sg2 = m.networks.filter((n) => n.family === 'A');
  const sg2WithEq = sg2.filter((n) => n.metrics.eq.trained.eqt !== null);
  const lines: string[] = [];
  let verdict: TrendStatement['verdict'] = 'cannot tell';
  if (aliasFree.length === 0) {
    lines.push('No trained alias-free network (T or R) with EQ-T is recorded, so the trend cannot be tested.');
  } else if (sg2WithEq.length === 0) {
    lines.push(
      'The trend cannot be tested as stated: ' +
        (sg2.length === 0
          ? 'no trained StyleGAN2 network is recorded.'
          : `the trained StyleGAN2 network${sg2.length > 1 ? 's' : ''} (${sg2.map((n) => n.id).join(', ')}) ` +
            `${sg2.length > 1 ? 'start' : 'starts'} from a learned 4×4 constant, with no input to translate, so EQ-T is "–" — as for config A in the paper, ` +
            'whose EQ comparison uses B (Fourier features) instead.'),
    );
  } else {
    const best = aliasFree.reduce((a, b) => (b.metrics.eq.trained.eqt! > a.metrics.eq.trained.eqt! ? b : a));
    const worst = sg2WithEq.reduce((a, b) => (b.metrics.eq.trained.eqt! > a.metrics.eq.trained.eqt! ? b : a));
    const gap = best.metrics.eq.trained.eqt! - worst.metrics.eq.trained.eqt!;
    verdict = gap >= TREND_MARGIN_DB ? 'shows' : 'does not show';
    lines.push(
      `The trend ${verdict === 'shows' ? 'shows' : 'does not show'}: trained ${best.id} has EQ-T ${f2(best.metrics.eq.trained.eqt)} dB, ` +
        `trained ${worst.id} ${f2(worst.metrics.eq.trained.eqt)} dB, a gap of ${f2(gap)} dB ` +
        `(${verdict === 'shows' ? '≥' : '<'} ${TREND_MARGIN_DB} dB, the margin taken for "≫").`,
    );
  }
  // What the numbers do say, trained against untrained.
  for (const n of aliasFree) {
    const d = n.metrics.eq.trained.eqt! - n.metrics.eq.untrained.eqt!;
    const paper = PAPER_LADDER.find((r) => r.config === n.family);
    lines.push(
      `${n.id} (${n.family}, ${n.train.kimg} kimg): EQ-T ${f2(n.metrics.eq.trained.eqt)} dB trained against ` +
        `${f2(n.metrics.eq.untrained.eqt)} dB untrained (${d >= 0 ? '+' : ''}${f2(d)} dB)` +
        (paper ? `; the paper's trained ${n.family} on FFHQ-U 256² reaches ${f2(paper.eqt)} dB.` : '.'),
    );
  }
  for (const n of m.networks) {
    const s = n.metrics.swd;
    const ratio = s.untrained.average / Math.max(s.trained.average, 1e-12);
    lines.push(
      `${n.id}: SWD×10³ ${f2(s.trained.average)} trained against ${f2(s.untrained.average)} untrained ` +
        `(${ratio >= 1 ? `${ratio.toFixed(1)}× closer to the training set after training` : 'not closer after training'}).`,
    );
  }
  return { verdict, text: lines.join('\n\n') };
}

function eqRow(name: string, trained: EqValue, untrained: EqValue, k: keyof EqValue): string {
  const t = trained[k];
  const u = untrained[k];
  const d = t !== null && u !== null ? t - u : null;
  return `| ${name} | ${f2(t)} | ${f2(u)} | ${d === null ? '–' : (d >= 0 ? '+' : '') + f2(d)} |`;
}

function section(n: TrainedEntry): string {
  const t = n.train;
  const mc = t.machine;
  const s = n.metrics.swd;
  const e = n.metrics.eq;
  const mib = (n.bytes / 2 ** 20).toFixed(2);
  const out = [
    `## ${n.id}`,
    '',
    `Config family **${n.family}** (${n.network === 'stylegan2' ? 'StyleGAN2, `training.networks_stylegan2.Generator`' : `StyleGAN3-${n.family}`}), ` +
      `${n.resolution}², trained on the procedural set for **${n.train.kimg} kimg** (of ${t.kimgTarget} asked) in ` +
      `**${formatWall(t.wallSeconds)}** of wall time (${t.wallSeconds.toFixed(0)} s, from \`log.jsonl\`) on ${mc.cpus} × ${mc.cpuModel || 'CPU'} ` +
      `(${mc.platform}; load average ${mc.loadAverage.toFixed(2)} when recorded${mc.note ? `; ${mc.note}` : ''}).`,
    '',
    '```sh',
    n.dataset.command,
    t.command,
    '```',
    '',
    `File \`${n.file}\`: the official snapshot (G, D, G_ema, …; the views load G_ema), ${mib} MiB, SHA-256 \`${n.sha256}\`. ` +
      `Recorded image: seed ${n.image.seed}, ψ ${n.image.psi}${n.image.noiseMode ? `, noise '${n.image.noiseMode}'` : ''} → \`${n.image.file}\`.`,
    '',
    `Metrics (recorded ${n.recorded} on ${n.metrics.backend}, ${n.metrics.seconds.toFixed(0)} s); the untrained network has ` +
      `the same kwargs with the fresh seeded weights train.py starts from (seed ${n.metrics.untrainedWeightSeed}):`,
    '',
    '| metric | trained | untrained | trained − untrained |',
    '| --- | ---: | ---: | ---: |',
    `| SWD×10³ (${s.images} images per set, lower is better) | ${f2(s.trained.average)} | ${f2(s.untrained.average)} | ${(s.trained.average - s.untrained.average >= 0 ? '+' : '') + f2(s.trained.average - s.untrained.average)} |`,
    eqRow(`EQ-T (dB, ${e.samples} latents)`, e.trained, e.untrained, 'eqt'),
    eqRow('EQ-T_frac (dB)', e.trained, e.untrained, 'eqt_frac'),
    eqRow('EQ-R (dB)', e.trained, e.untrained, 'eqr'),
  ];
  if (e.note) out.push('', `EQ – : ${e.note}.`);
  return out.join('\n');
}

/** The README of a data folder, from its manifest. */
export function readmeFromManifest(m: TrainedManifest): string {
  const trend = trendStatement(m);
  const parts = [
    '# Trained networks',
    '',
    'Generated from `manifest.json` by `npm run data:record` — edit the manifest (its `why` text), not this file.',
    '',
    'These generators were trained with `aliasfree train` on the procedural training set ' +
      '(`src/train/dataset/procedural.ts`: objects with fine detail that moves with them, at random sub-pixel positions), ' +
      'which is regenerated from its seed and count for the SWD, so no dataset is stored here. ' +
      '`aliasfree report` and `aliasfree studio` show them beside the random-weight networks when their files are present; ' +
      '`npm run data:check` recomputes the metrics with a small sample count and compares.',
    '',
    '| id | family | resolution | kimg | wall time | SWD×10³ trained / untrained | EQ-T trained / untrained (dB) | file |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...m.networks.map(
      (n) =>
        `| ${n.id} | ${n.family} | ${n.resolution}² | ${n.train.kimg} | ${formatWall(n.train.wallSeconds)} | ` +
        `${f2(n.metrics.swd.trained.average)} / ${f2(n.metrics.swd.untrained.average)} | ` +
        `${f2(n.metrics.eq.trained.eqt)} / ${f2(n.metrics.eq.untrained.eqt)} | \`${n.file}\` (${(n.bytes / 2 ** 20).toFixed(2)} MiB) |`,
    ),
    '',
    '## The paper\'s trend: trained alias-free ≫ StyleGAN2 in EQ-T',
    '',
    `**Verdict: ${trend.verdict}.**`,
    '',
    trend.text,
    '',
    '### Why',
    '',
    m.why.trim() || '(No explanation recorded yet: write it into the `why` field of `manifest.json`.)',
    '',
    ...m.networks.map((n) => section(n) + '\n'),
    '## Adding or replacing a network',
    '',
    '```sh',
    '# a run folder stands for its latest snapshot; ids default to <cfg>-<data set>; an id already here is replaced',
    'npm run data:record -- RUN_FOLDER_OR_SNAPSHOT… [--machine-note TEXT] [--train-command "aliasfree train …"]',
    'npm run data:record -- --readme-only   # after editing `why` in manifest.json',
    'npm run data:check',
    '```',
    '',
  ];
  return parts.join('\n');
}
