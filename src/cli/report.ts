/**
 * `aliasfree report`: build the configurations of the paper's ladder (A, B, C — StyleGAN2 — and D, E,
 * F, G, H, T, R) with
 * seeded weights at a small resolution and capacity — or load one trained generator with
 * `--weights` — measure each (images, EQ-T / EQ-T_frac / EQ-R, per-layer spectra and alias energy,
 * translation and rotation strips) and write `index.html` (self-contained), `report.json` and the
 * PNGs into `--out`. When the package's `data/` holds trained networks, each is measured the same way
 * beside the random weights of its config and shown first, labelled with what it was trained on
 * and for how long (`--no-trained` leaves them out).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { setBackend, describeBackend } from '../generator/backend.js';
import type { CliBackendName } from './options.js';
import { prepareOutDir } from './output.js';
import type { ConfigName, StyleGAN2ConfigName } from '../generator/config.js';
import { PAPER_SOURCE, paperLadderRow } from '../metrics/paper.js';
import type { Figure } from '../viz/style.js';
import { LAYERS_API } from '../report/layers-api.js';
import {
  measureConfig,
  renderBudget,
  type MeasureConfigOptions,
  type MeasuredConfig,
} from '../report/measure.js';
import { buildFromSource, measureInWorkers, type GeneratorSource } from '../report/parallel.js';
import { reportHtml } from '../report/page.js';
import { formatSeconds, reportProgress } from '../report/progress.js';
import {
  REPORT_SCHEMA,
  type ConfigReport,
  type ReportJson,
  type TrainedReportJson,
} from '../report/schema.js';
import { trainedLabel } from '../report/trained.js';
import { generatorKwargs, trainedNetworks, type TrainedListing } from '../data/trained.js';
import { db } from '../report/tables.js';
import { cliConfig } from './build.js';
import { REPORT_CAPACITY, REPORT_DEFAULTS, reportCapacity } from '../report/defaults.js';

export { REPORT_CAPACITY, REPORT_DEFAULTS };

export interface ReportOptions {
  /** A–C (StyleGAN2) and D–R. */
  configs: (ConfigName | StyleGAN2ConfigName)[];
  resolution: number;
  samples: number;
  layerSamples: number;
  images: number;
  frames: number;
  seed: number;
  weightSeed: number;
  out: string;
  weights?: string;
  channelBase?: number;
  channelMax?: number;
  /** Per-layer spectra and alias energies (default true; `--no-layers` skips them). */
  layers?: boolean;
  backend: CliBackendName;
  /**
   * Add the trained networks of the data folder when present (default true; `--no-trained` turns
   * it off; never with `--weights`).
   */
  trained?: boolean;
  /** The data folder with `manifest.json` (default: the package's `data/`). */
  dataDir?: string;
  /** Worker threads measuring configs at once (default 1 = this thread). */
  workers?: number;
  quiet?: boolean;
}

interface Job {
  config: string;
  label: string;
  /** The generator as plain data (this thread or a worker builds it: `buildFromSource`). */
  source: GeneratorSource;
  /** Cost estimate per rendered image (MACs), known after building; guessed before. */
  weight: number;
  /** For the trained section: which listing, and whether this is the trained or the untrained one. */
  trained?: { index: number; which: 'trained' | 'untrained' };
  /** EQ recorded in the manifest (trained section), shown instead of measured. */
  recordedEq?: MeasureConfigOptions['recordedEq'];
}

/** Run the report; returns the JSON object it wrote. */
export async function runReport(opts: ReportOptions): Promise<ReportJson> {
  const t0 = Date.now();
  const info = await setBackend(opts.backend);
  const log = (s: string) => {
    if (!opts.quiet) process.stderr.write(s + '\n');
  };
  log(`backend: ${describeBackend(info)}`);
  prepareOutDir(opts.out); // before the measurement, so that a bad --out fails at once
  const layersApi = opts.layers === false ? null : LAYERS_API;
  const notes: string[] = [];
  if (!layersApi) notes.push('Per-layer spectra and alias energies were skipped (--no-layers).');

  // Jobs with a cost weight each (MACs per image from the config, so R counts ~4× T).
  const jobs: Job[] = [];
  if (opts.weights) {
    const path = opts.weights;
    jobs.push({
      config: 'weights',
      label: basename(resolve(path)),
      source: { weights: path },
      weight: 1,
    });
  } else {
    for (const name of opts.configs) {
      const capacity = reportCapacity(name);
      const cfg = cliConfig(name, {
        resolution: opts.resolution,
        channelBase: opts.channelBase ?? capacity.channelBase,
        channelMax:
          opts.channelMax !== undefined ? opts.channelMax * (name === 'R' ? 2 : 1) : capacity.channelMax,
      });
      jobs.push({
        config: name,
        label: paperLadderRow(name)?.label ?? name,
        source: { generatorConfig: cfg, weightSeed: opts.weightSeed },
        weight: 1,
      });
    }
  }
  // Trained networks of data/ (listing only: nothing is loaded until measured), each beside the
  // untrained network of its config. Their EQ comes from the manifest (recorded over more latents
  // than the report uses, checked by data:check): measuring it again would be most of their cost.
  let listings: TrainedListing[] = [];
  try {
    if (!opts.weights && opts.trained !== false) listings = trainedNetworks({ dir: opts.dataDir });
  } catch (e) {
    // A broken data manifest must not cost the ladder: say so on the page and in the log.
    const why = `Trained networks left out: ${(e as Error).message}`;
    notes.push(why);
    log(why);
  }
  listings.forEach((l, index) => {
    const e = l.entry;
    jobs.push({
      config: `trained-${e.id}`,
      label: trainedLabel(e),
      source: { weights: l.path },
      weight: 1,
      trained: { index, which: 'trained' },
      recordedEq: { ...e.metrics.eq.trained, samples: e.metrics.eq.samples },
    });
    jobs.push({
      config: `untrained-${e.id}`,
      label: `random weights: the same config, seeded as training started (seed ${e.metrics.untrainedWeightSeed})`,
      source: {
        untrainedKwargs: {
          kwargs: generatorKwargs(e.train.options, e.id),
          seed: e.metrics.untrainedWeightSeed,
        },
      },
      weight: 1,
      trained: { index, which: 'untrained' },
      recordedEq: { ...e.metrics.eq.untrained, samples: e.metrics.eq.samples },
    });
  });
  if (listings.length)
    log(`trained networks: ${listings.map((l) => `${l.entry.id} (${l.entry.train.kimg} kimg)`).join(', ')}`);
  // Weights: build each preset once up front just for its MAC count (cheap: no rendering).
  for (const j of jobs.length > 1 ? jobs : []) {
    const g = await buildFromSource(j.source);
    j.weight = g.macsPerImage() + 1e6; // + fixed per-image overhead of the image-space transforms
    g.dispose();
  }
  const budget = renderBudget(opts, layersApi !== null);
  const prog = reportProgress(
    jobs.map((j) => j.config),
    jobs.map((j) => j.weight * budget),
    { quiet: opts.quiet },
  );

  mkdirSync(opts.out, { recursive: true });
  const configs: ConfigReport[] = [];
  const assets = new Map<string, Buffer>();
  const dashboards = new Map<string, Figure | null>();
  const measureOptions = (j: Job) => ({
    config: j.config,
    label: j.label,
    samples: opts.samples,
    layerSamples: opts.layerSamples,
    images: opts.images,
    frames: opts.frames,
    seed: opts.seed,
    recordedEq: j.recordedEq,
  });
  const finished = (i: number, m: MeasuredConfig) => {
    const j = jobs[i];
    prog.finish(i);
    const e = m.report.eq;
    prog.log(
      `   ${j.config}: ` +
        (e.note
          ? `EQ – (${e.note.split(':')[0]})`
          : `EQ-T ${db(e.eqt)} dB, EQ-T_frac ${db(e.eqt_frac)} dB, EQ-R ${db(e.eqr)} dB`) +
        (m.report.alias ? `, mean alias ${db(m.report.alias.meanAliasDb)} dB` : '') +
        ` (${formatSeconds(m.report.seconds)})`,
    );
  };
  const workers = Math.min(opts.workers ?? 1, jobs.length);
  let measured: MeasuredConfig[];
  if (workers > 1) {
    notes.push(
      `The configs were measured ${workers} at a time in worker threads; their ms/image and seconds ` +
        'include the competition for the CPU cores.',
    );
    measured = await measureInWorkers(
      jobs.map((j) => ({ ...j.source, weight: j.weight, measure: measureOptions(j), layers: !!layersApi })),
      {
        workers,
        backend: info.name === 'wasm' || info.name === 'cpu' ? info.name : 'auto',
        onStart: (i, k) => prog.log(`── ${jobs[i].config}: ${jobs[i].label} (worker ${k + 1})`),
        onProgress: (i, f, note) => prog.update(i, f, note),
        onDone: finished,
      },
    );
  } else {
    measured = [];
    for (let i = 0; i < jobs.length; i++) {
      const j = jobs[i];
      prog.log(`── ${j.config}: ${j.label}`);
      const gen = await buildFromSource(j.source);
      try {
        const m = await measureConfig(gen, {
          ...measureOptions(j),
          layersApi,
          onProgress: (f, note) => prog.update(i, f, note),
        });
        measured.push(m);
        finished(i, m);
      } finally {
        gen.dispose();
      }
    }
  }
  const trainedParts: { trained?: ConfigReport; untrained?: ConfigReport }[] = listings.map(() => ({}));
  measured.forEach((m, i) => {
    const t = jobs[i].trained;
    if (t) trainedParts[t.index][t.which] = m.report;
    else configs.push(m.report);
    for (const [k, v] of m.assets) assets.set(k, v);
    dashboards.set(jobs[i].config, m.aliasingFigure);
  });
  const trained: TrainedReportJson[] = listings.map(({ entry: e }, i) => ({
    id: e.id,
    family: e.family,
    kimg: e.train.kimg,
    label: trainedLabel(e),
    datasetCommand: e.dataset.command,
    trainCommand: e.train.command,
    swd: {
      trained: e.metrics.swd.trained.average,
      untrained: e.metrics.swd.untrained.average,
      images: e.metrics.swd.images,
    },
    trained: trainedParts[i].trained!,
    untrained: trainedParts[i].untrained!,
  }));

  const report: ReportJson = {
    schema: REPORT_SCHEMA,
    created: new Date().toISOString(),
    backend: info.name ?? 'unknown',
    options: {
      configs: configs.map((c) => c.config),
      resolution: opts.weights ? configs[0].resolution : opts.resolution,
      weights: opts.weights ?? null,
      seed: opts.seed,
      weightSeed: opts.weightSeed,
      samples: opts.samples,
      layerSamples: opts.layerSamples,
      images: opts.images,
      frames: opts.frames,
      channelBase: opts.channelBase ?? null,
      channelMax: opts.channelMax ?? null,
    },
    paperSource: PAPER_SOURCE,
    notes,
    configs,
    trained,
    seconds: 0,
  };
  report.seconds = (Date.now() - t0) / 1000;
  for (const [file, bytes] of assets) writeFileSync(join(opts.out, file), bytes);
  writeFileSync(join(opts.out, 'report.json'), JSON.stringify(report, null, 2));
  const page = join(opts.out, 'index.html');
  writeFileSync(page, reportHtml(report, assets, dashboards));
  log(`report done in ${formatSeconds(report.seconds)}`);
  if (!opts.quiet) console.log(`wrote ${page}, report.json and ${assets.size} PNGs to ${opts.out}`);
  return report;
}
