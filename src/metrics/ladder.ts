/**
 * The configuration ladder A → R (paper Fig. 3 left; spec §2.2, §2.5, §3.1) — A–C StyleGAN2, D–R the
 * alias-free generator — measured on *untrained*,
 * seeded generators: per configuration the parameter count, the speed of `generate`, EQ-T,
 * EQ-T_frac and EQ-R (`equivariance`, the official metric) and a per-layer alias summary
 * (`measureLayers` / `summarizeLayers`), with the paper's numbers for trained networks beside them
 * (`PAPER_LADDER`). See docs/ladder.md for the definitions and a discussion of a real run.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  configAt,
  ABLATION_CAPACITY,
  type ConfigName,
  type StyleGAN2ConfigName,
} from '../generator/config.js';
import { StyleGAN2Generator } from '../generator/stylegan2/generator.js';
import type { GeneratorConfig } from '../generator/types.js';
import { createGenerator } from '../generator/weights.js';
import { parameterCount } from '../generator/stylegan3/parameters.js';
import { backendInfo, ensureBackend } from '../generator/backend.js';
import { Rng } from '../generator/rng.js';
import { equivariance } from './equivariance.js';
import { measureLayers, summarizeLayers, type AliasSummary } from './layers.js';
import { NO_TRANSFORMABLE_INPUT } from './layers-stylegan2.js';
import { paperLadderRow, PAPER_SOURCE } from './paper.js';
import { assertInteger } from '../signal/validate.js';
import { ladderInWorkers } from './ladder-parallel.js';

/** One row of `runLadder`: a config's size, speed, equivariance and alias energy at the chosen resolution. */
export interface LadderRow {
  /** 'A' … 'R'. */
  config: string;
  resolution: number;
  /** Synthesis + mapping parameter count. */
  parameters: number;
  /** `generate()` at batch 4, median of `timingRuns` after one warm-up, per image (ms). */
  msPerImage: number;
  /**
   * RMS of the images (the 4 timing images, all pixels and channels). The EQ PSNRs use a fixed
   * I_max = 2, so a network with quieter images scores higher for the same relative error; adding
   * 20·log10(σ/0.5) puts configs on a common scale.
   */
  imageRms: number;
  /** EQ samples actually used. */
  samples: number;
  /** dB, ours (untrained seeded weights); null for A (no transformable input, see `eqNote`). */
  eqt: number | null;
  eqt_frac: number | null;
  eqr: number | null;
  /** Why the EQ columns are empty (config A), else null. */
  eqNote: string | null;
  alias: AliasSummary;
  /** Capacity the generator was built with (C_base, C_max). */
  capacity: { channelBase: number; channelMax: number };
  /** Backend that ran it (e.g. 'wasm'). */
  backend: string;
  /** Wall-clock seconds this row took (all measurements). */
  seconds: number;
  /** Per-layer numbers behind `alias` (no spectra). */
  layers: {
    name: string;
    samplingRate: number;
    cutoff: number;
    aliasDb: number | null;
    aboveCutoffDb: number | null;
    eqPsnrDb: number | null;
  }[];
}

/** Options of `runLadder`: configs, resolution, EQ samples, seed, capacity, workers and callbacks. */
export interface LadderOptions {
  /** Default A, B, C, D, E, F, G, H, T, R. */
  configs?: string[];
  /** Output resolution s_N (default 64). */
  resolution?: number;
  /** EQ samples (default 256). */
  samples?: number;
  /** Weight seed (default 0); the latents of the metrics use the same seed. */
  seed?: number;
  /** Samples of `measureLayers` (default 8). */
  layerSamples?: number;
  /**
   * Capacity override {channelBase, channelMax} (default: the 256² ablation capacity of each config,
   * `ABLATION_CAPACITY`). Smaller capacities run much faster on a CPU; say so when reporting.
   */
  capacity?: { channelBase: number; channelMax: number };
  /**
   * Divide each config's ablation capacity (C_base and C_max) by this integer (default 1), keeping
   * R's doubled capacity relative to the others. Ignored when `capacity` is given.
   */
  capacityDivisor?: number;
  /** Called with each finished row (e.g. to save partial results). */
  onRow?: (row: LadderRow, rows: LadderRow[]) => void;
  /** Timed `generate` runs per config after a warm-up (default 3). */
  timingRuns?: number;
  /**
   * Worker threads measuring configs at once, one core each (default 1 = this thread). The EQ and
   * alias numbers are the same either way; msPerImage then includes the competition for the cores.
   */
  workers?: number;
  /** One line per finished step of a config, with the ETA of the whole ladder. */
  onProgress?: (msg: string) => void;
}

/** The settings of one config's measurement (plain data: it also travels to worker threads). */
export interface LadderRowParams {
  resolution: number;
  samples: number;
  seed: number;
  layerSamples: number;
  timingRuns: number;
  capacity: { channelBase: number; channelMax: number } | null;
  capacityDivisor: number;
}

/** A config of the ladder: StyleGAN2 (A–C) or alias-free (D–R). */
export type LadderConfigName = ConfigName | StyleGAN2ConfigName;

/** The configs of the paper's ladder (Fig. 3), in order A → R. */
export const LADDER_CONFIGS: readonly LadderConfigName[] = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'T', 'R'];

/**
 * The 256² ablation capacity of a ladder config: `ABLATION_CAPACITY` for D–R, C_base 16384 and
 * C_max 512 for A–C (the StyleGAN2 presets already have it).
 */
export function ladderAblationCapacity(name: LadderConfigName): { channelBase: number; channelMax: number } {
  if (name === 'A' || name === 'B' || name === 'C') return { channelBase: 16384, channelMax: 512 };
  return ABLATION_CAPACITY[name];
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Measure the ladder: for each config `configAt(name, resolution, {ablation: true})` (optionally
 * with `capacity`), seeded untrained weights (`createGenerator(cfg, {seed})`), then
 * - msPerImage: wall time of `generate(z)` for a batch of 4, one warm-up, median of `timingRuns`, ÷ 4;
 * - EQ-T / EQ-T_frac / EQ-R: `equivariance(gen, {samples, seed})` (official definitions, dB);
 * - alias: `summarizeLayers(measureLayers(gen, {samples: layerSamples, seed}))`.
 * Configs run one after another, or `workers` at a time in worker threads; `onProgress` gets one
 * line per stage with an ETA; `onRow` each finished row (with the finished rows so far, in config
 * order).
 */
export async function runLadder(opts: LadderOptions = {}): Promise<LadderRow[]> {
  const configs = opts.configs ?? [...LADDER_CONFIGS];
  const resolution = opts.resolution ?? 64;
  const samples = opts.samples ?? 256;
  const seed = opts.seed ?? 0;
  const layerSamples = opts.layerSamples ?? 8;
  const timingRuns = opts.timingRuns ?? 3;
  if (!Array.isArray(configs) || configs.length === 0)
    throw new RangeError(
      `configs must be a non-empty array of ${LADDER_CONFIGS.join(', ')}, got ${String(configs)}`,
    );
  for (const c of configs) {
    if (!LADDER_CONFIGS.includes(c as LadderConfigName))
      throw new RangeError(`configs: unknown config ${JSON.stringify(c)}; use ${LADDER_CONFIGS.join(', ')}`);
  }
  assertInteger('resolution', resolution, 8);
  if ((resolution & (resolution - 1)) !== 0)
    throw new RangeError(`resolution must be a power of two >= 8, got ${resolution}`);
  assertInteger('samples', samples, 1);
  assertInteger('seed', seed);
  assertInteger('layerSamples', layerSamples, 1);
  assertInteger('timingRuns', timingRuns, 1);
  const divisor = opts.capacityDivisor ?? 1;
  assertInteger('capacityDivisor', divisor, 1);
  if (opts.capacity) {
    assertInteger('capacity.channelBase', opts.capacity.channelBase, 1);
    assertInteger('capacity.channelMax', opts.capacity.channelMax, 1);
  }
  const params: LadderRowParams = {
    resolution,
    samples,
    seed,
    layerSamples,
    timingRuns,
    capacity: opts.capacity ? { ...opts.capacity } : null,
    capacityDivisor: divisor,
  };
  const workers = opts.workers ?? 1;
  assertInteger('workers', workers, 1);
  const log = opts.onProgress ?? (() => {});
  const start = performance.now();
  // ETA from the fraction of work done (EQ samples + layer samples) summed over all configs.
  const fractions = configs.map(() => 0);
  const eta = () => {
    const done = fractions.reduce((a, b) => a + b, 0);
    const el = (performance.now() - start) / 1000;
    const left = done > 0 ? (el / done) * (configs.length - done) : NaN;
    return `elapsed ${el.toFixed(0)} s, ETA ${Number.isFinite(left) ? left.toFixed(0) + ' s' : '?'}`;
  };
  const report = (ci: number, msg: string | null, fraction: number) => {
    fractions[ci] = fraction;
    if (msg !== null) log(`${msg} — ${eta()}`);
  };
  const rows: (LadderRow | undefined)[] = configs.map(() => undefined);
  const finished = (ci: number, row: LadderRow) => {
    rows[ci] = row;
    report(ci, `[${row.config}] done in ${row.seconds.toFixed(0)} s`, 1);
    opts.onRow?.(
      row,
      rows.filter((r): r is LadderRow => r !== undefined),
    );
  };
  await ensureBackend();
  if (workers > 1 && configs.length > 1) {
    await ladderInWorkers(configs as LadderConfigName[], params, {
      workers,
      backend: backendInfo().name,
      onReport: report,
      onRow: finished,
    });
  } else {
    for (let ci = 0; ci < configs.length; ci++) {
      const row = await ladderRow(configs[ci] as LadderConfigName, params, (msg, f) => report(ci, msg, f));
      finished(ci, row);
    }
  }
  return rows as LadderRow[];
}

/**
 * Measure one config of the ladder (see `runLadder`): build it, time `generate`, run the EQ
 * metrics and the per-layer measurements. `report(msg, fraction)` gets a line now and then
 * (msg null: only the fraction of this config's work done, 0…1, changed).
 */
export async function ladderRow(
  name: LadderConfigName,
  p: LadderRowParams,
  report: (msg: string | null, fraction: number) => void = () => {},
): Promise<LadderRow> {
  const { resolution, samples, seed, layerSamples, timingRuns } = p;
  const t0 = performance.now();
  // Fraction of this config's work: EQ samples + 2 units per layer sample.
  const units = samples + layerSamples * 2;
  const cfg = configAt(name, resolution, { ablation: true });
  const abl = ladderAblationCapacity(name);
  const capacity = p.capacity
    ? { ...p.capacity }
    : {
        channelBase: Math.round(abl.channelBase / p.capacityDivisor),
        channelMax: Math.round(abl.channelMax / p.capacityDivisor),
      };
  Object.assign(cfg, capacity);
  const gen = await createGenerator(cfg, { seed });
  const sg2 = gen instanceof StyleGAN2Generator;
  // A (learned constant) has no input to translate or rotate: no EQ, as in the paper.
  const transformable = !sg2 || gen.config.input === 'fourier';
  try {
    report(`[${name}] timing generate (batch 4)`, 0);
    const rng = new Rng(seed + 1);
    const z = tf.tensor2d(rng.normals(4 * cfg.zDim), [4, cfg.zDim]);
    const times: number[] = [];
    let imageRms = 0;
    for (let r = 0; r <= timingRuns; r++) {
      const t = performance.now();
      // StyleGAN2 with noise inputs: the stored noise (the official benchmarks' noise_mode 'const').
      const { image } =
        sg2 && gen.config.useNoise ? gen.generate(z, { noiseMode: 'const' }) : gen.generate(z);
      const px = (await image.data()) as Float32Array;
      image.dispose();
      if (r === 0) {
        let s2 = 0;
        for (const v of px) s2 += v * v;
        imageRms = Math.sqrt(s2 / px.length);
      }
      if (r > 0) times.push(performance.now() - t);
    }
    z.dispose();
    const msPerImage = median(times) / 4;
    let lastLog = 0;
    const eq = !transformable
      ? null
      : await equivariance(gen, {
          samples,
          seed,
          onProgress: (d, total) => {
            const now = performance.now();
            const loud = now - lastLog > 10000 || d === total;
            if (loud) lastLog = now;
            report(loud ? `[${name}] EQ ${d}/${total}` : null, d / units);
          },
        });
    const ms = await measureLayers(gen, {
      samples: layerSamples,
      seed,
      onProgress: (d, total, label) => {
        const loud = d === total || label === 'equivariance';
        report(
          loud ? `[${name}] layers ${d}/${total} ${label}` : null,
          ((eq ? samples : 0) + (2 * layerSamples * d) / total) / (eq ? units : 2 * layerSamples),
        );
      },
    });
    return {
      config: name,
      resolution,
      parameters: sg2 ? gen.parameterBreakdown().total : parameterCount(cfg as GeneratorConfig),
      msPerImage,
      imageRms,
      samples: eq ? eq.samples : 0,
      eqt: eq ? eq.eqt! : null,
      eqt_frac: eq ? eq.eqt_frac! : null,
      eqr: eq ? eq.eqr! : null,
      eqNote: eq ? null : NO_TRANSFORMABLE_INPUT,
      alias: summarizeLayers(ms),
      capacity,
      backend: backendInfo().name ?? 'unknown',
      seconds: (performance.now() - t0) / 1000,
      layers: ms.map((m) => ({
        name: m.name,
        samplingRate: m.samplingRate,
        cutoff: m.cutoff,
        aliasDb: m.aliasDb,
        aboveCutoffDb: m.aboveCutoffDb,
        eqPsnrDb: m.eqPsnrDb,
      })),
    };
  } finally {
    gen.dispose();
  }
}

const fmt = (v: number | null | undefined, d = 2) =>
  v === null || v === undefined ? '—' : Number.isFinite(v) ? v.toFixed(d) : String(v);

/**
 * One markdown table: our measurements (untrained, seeded weights) and, in columns marked
 * "paper, trained", the paper's EQ-T / EQ-T_frac / EQ-R / FID for the same config (`PAPER_LADDER`).
 * `image RMS` is the images' RMS σ (EQ uses I_max = 2, so compare configs with EQ + 20·log10(σ/0.5)).
 * Alias columns: mean and worst per-layer aliasDb (dB, worst layer named) and the smallest
 * per-layer EQ PSNR. A caption line states the source, resolution, samples and capacity.
 */
export function ladderMarkdown(rows: LadderRow[]): string {
  if (!Array.isArray(rows)) throw new TypeError(`rows must be an array of LadderRow, got ${String(rows)}`);
  const head =
    '| Config | Step | Params | ms/img | image RMS | EQ-T | EQ-T_frac | EQ-R | mean alias dB | worst alias dB (layer) | min layer EQ dB ' +
    '| EQ-T (paper, trained) | EQ-T_frac (paper, trained) | EQ-R (paper, trained) | FID (paper, trained) |';
  const sep = '|' + ' --- |'.repeat(15);
  const lines = rows.map((r) => {
    const p = paperLadderRow(r.config);
    return (
      `| ${r.config} | ${p?.label ?? ''} | ${(r.parameters / 1e6).toFixed(2)} M | ${r.msPerImage.toFixed(0)} | ${fmt(r.imageRms, 3)} ` +
      `| ${fmt(r.eqt)} | ${fmt(r.eqt_frac)} | ${fmt(r.eqr)} | ${fmt(r.alias.meanAliasDb, 1)} ` +
      `| ${fmt(r.alias.maxAliasDb, 1)}${r.alias.worstLayer ? ` (${r.alias.worstLayer})` : ''} | ${fmt(r.alias.minEqPsnrDb, 1)} ` +
      `| ${fmt(p?.eqt)} | ${fmt(p?.eqt_frac)} | ${fmt(p?.eqr)} | ${fmt(p?.fid)} |`
    );
  });
  const caps = [
    ...new Set(
      rows.map((r) => `${r.config}: C_base ${r.capacity.channelBase}, C_max ${r.capacity.channelMax}`),
    ),
  ];
  const res = [...new Set(rows.map((r) => r.resolution))].join(', ');
  // EQ sample counts of the rows that have EQ (A has none).
  const smp = [...new Set(rows.filter((r) => r.eqNote === null).map((r) => r.samples))].join(', ') || '0';
  const be = [...new Set(rows.map((r) => r.backend))].join(', ');
  const caption =
    `Ours: untrained generators with seeded weights, ${res}², ${smp} EQ samples, backend ${be}; ` +
    `capacity ${caps.join('; ')}. Paper columns: ${PAPER_SOURCE}.`;
  // Why a row's EQ is "—" (A: no transformable input), once per reason.
  const notes = [...new Set(rows.filter((r) => r.eqNote).map((r) => r.eqNote!))].map(
    (n) =>
      `EQ "—" for ${rows
        .filter((r) => r.eqNote === n)
        .map((r) => r.config)
        .join(', ')}: ${n}.`,
  );
  return [head, sep, ...lines, '', caption, ...notes, ''].join('\n');
}
