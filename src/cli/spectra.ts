/**
 * `aliasfree spectra`: the per-layer mean power spectra and alias energies of one preset (A–C
 * StyleGAN2 with stored noise, or D–R; seeded weights) or loaded generator (StyleGAN3 or StyleGAN2) — `spectra.html` (self-contained: static tiles, table, interactive
 * dashboard), one PNG per layer plus a contact sheet, and `spectra.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend, describeBackend } from '../generator/backend.js';
import type { CliBackendName } from './options.js';
import type { ConfigName, StyleGAN2ConfigName } from '../generator/config.js';
import { StyleGAN2Generator } from '../generator/stylegan2/generator.js';
import { escapeHtml, figureDiv, plotlyLoaderScript } from '../viz/render/html.js';
import { measureLayers, summarizeLayers } from '../metrics/layers.js';
import { spectraSection } from '../report/spectra.js';
import { styleGAN2View } from '../report/measure.js';
import { layerRows, layerTableHtml } from '../report/tables.js';
import { buildAnyGenerator, latents } from './build.js';
import { progress, type Progress } from './progress.js';
import { prepareOutDir } from './output.js';

export interface SpectraOptions {
  config: ConfigName | StyleGAN2ConfigName;
  weights?: string;
  resolution: number;
  layerSamples: number;
  seed: number;
  weightSeed: number;
  channelBase?: number;
  channelMax?: number;
  out: string;
  backend: CliBackendName;
  quiet?: boolean;
}

/** Measure and write the spectra of one generator; returns the files written. */
export async function runSpectra(opts: SpectraOptions): Promise<{ files: string[] }> {
  const info = await setBackend(opts.backend);
  if (!opts.quiet) process.stderr.write(`backend: ${describeBackend(info)}\n`);
  prepareOutDir(opts.out); // before the measurement, so that a bad --out fails at once
  const gen = await buildAnyGenerator({ ...opts, config: opts.config });
  const name = opts.weights ? 'weights' : opts.config;
  const files: string[] = [];
  try {
    const t0 = Date.now();
    let prog: Progress | undefined;
    const ms = await measureLayers(gen, {
      samples: opts.layerSamples,
      seed: opts.seed,
      onProgress: (d, total, label) => {
        prog ??= progress(`spectra ${name}`, total, { quiet: opts.quiet, units: false });
        prog.tick(d, label);
      },
    });
    const summary = summarizeLayers(ms);
    const z = latents([opts.seed], gen.config.zDim);
    const ws = gen.mapping(z);
    z.dispose();
    const view = gen instanceof StyleGAN2Generator ? styleGAN2View(gen) : gen;
    const sec = await spectraSection(view, ws as tf.Tensor3D, ms, name);
    ws.dispose();
    mkdirSync(opts.out, { recursive: true });
    for (const [file, bytes] of sec.assets) {
      writeFileSync(join(opts.out, file), bytes);
      files.push(join(opts.out, file));
    }
    const json = {
      config: name,
      weights: opts.weights ?? null,
      resolution: gen.config.imgResolution,
      layerSamples: opts.layerSamples,
      seed: opts.seed,
      backend: info.name,
      summary,
      layers: layerRows(gen.layerInfo()),
      measurements: sec.rows,
    };
    const jsonPath = join(opts.out, 'spectra.json');
    writeFileSync(jsonPath, JSON.stringify(json, null, 2));
    files.push(jsonPath);
    const sheet = sec.assets.get(sec.sheet)!;
    const html =
      '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
      `<title>aliasfree spectra ${escapeHtml(name)}</title>` +
      '<style>body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:24px;color:#222}' +
      'table{border-collapse:collapse;font-size:12px}th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}' +
      'th{background:#2a3f5f;color:#fff}</style>' +
      plotlyLoaderScript() +
      '</head><body>' +
      `<h1>Per-layer spectra: ${escapeHtml(name)} (${gen.config.imgResolution}², ${opts.layerSamples} latents)</h1>` +
      '<p>Mean power spectra (dB, −40…20, DC centred); squares: white f<sub>c</sub>, orange f<sub>t</sub>, red s/2.</p>' +
      `<img alt="spectra" src="data:image/png;base64,${sheet.toString('base64')}">` +
      layerTableHtml(layerRows(gen.layerInfo()), sec.rows) +
      figureDiv(sec.figure) +
      '</body></html>\n';
    const htmlPath = join(opts.out, 'spectra.html');
    writeFileSync(htmlPath, html);
    files.push(htmlPath);
    if (!opts.quiet) {
      process.stderr.write(
        `spectra ${name}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s, mean alias ` +
          `${summary.meanAliasDb?.toFixed(1) ?? '–'} dB (worst ${summary.worstLayer ?? '–'})\n`,
      );
    }
    if (!opts.quiet) console.log(`wrote ${htmlPath}, spectra.json and ${sec.assets.size} PNGs`);
    return { files };
  } finally {
    gen.dispose();
  }
}
