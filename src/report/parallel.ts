/**
 * Measure several configs of the report at once, one per worker thread (the wasm backend uses one
 * core per thread in Node). Each worker (measure-worker.ts) builds its generator from a plain
 * description (a preset config and weight seed, or a weights path), runs `measureConfig` and sends
 * back the result; a worker takes the next config when it is done, heaviest configs first, so that
 * e.g. R (≈ 4× T) runs beside the others. The measurements are the same numbers as in one thread;
 * only the timings (ms/image, seconds) include the competition for the cores.
 */
import type { BackendName } from '../generator/backend.js';
import { createGenerator, loadGenerator, type AnyGenerator } from '../generator/weights.js';
import type { GeneratorConfig } from '../generator/types.js';
import type { StyleGAN2Config } from '../generator/stylegan2/config.js';
import { runJobsInWorkers } from '../generator/parallel/workers.js';
import type { Figure } from '../viz/style.js';
import type { MeasureConfigOptions, MeasuredConfig } from './measure.js';
import type { ConfigReport } from './schema.js';

/**
 * A generator as plain data (it travels to worker threads): a seeded preset, a weights path, or the
 * untrained network of a trained one (its official kwargs with train.py's seeded initial weights).
 */
export interface GeneratorSource {
  /** A StyleGAN3 (D–R) or StyleGAN2 (A–C) config. */
  generatorConfig?: GeneratorConfig | StyleGAN2Config;
  weightSeed?: number;
  weights?: string;
  /** Official G kwargs (with `class_name`) and the training seed: the network training started from. */
  untrainedKwargs?: { kwargs: Record<string, unknown>; seed: number };
}

/** Build the generator a `GeneratorSource` describes, StyleGAN3 or StyleGAN2 (the caller disposes it). */
export async function buildFromSource(src: GeneratorSource): Promise<AnyGenerator> {
  if (src.weights) return loadGenerator<AnyGenerator>(src.weights);
  if (src.untrainedKwargs) {
    const { untrainedGenerator } = await import('../data/trained.js');
    return untrainedGenerator(src.untrainedKwargs.kwargs, src.untrainedKwargs.seed);
  }
  if (!src.generatorConfig) throw new TypeError('a generator source needs generatorConfig or weights');
  return createGenerator(src.generatorConfig, { seed: src.weightSeed ?? 0 });
}

/** One config to measure: how to build its generator, and the measurement options. */
export interface MeasureJob extends GeneratorSource {
  /** Relative cost (e.g. MACs per image), to start the heaviest first. */
  weight: number;
  measure: Omit<MeasureConfigOptions, 'layersApi' | 'onProgress'>;
  /** Per-layer measurements (the report's `--no-layers` turns them off). */
  layers: boolean;
}

/** What a worker sends back (structured-clone friendly: PNG bytes as entries). */
export interface MeasureWorkerResult {
  report: ConfigReport;
  assets: [string, Uint8Array][];
  aliasingFigure: Figure | null;
}

/** Progress of one config: fraction done (0…1) and what runs. */
export interface MeasureWorkerProgress {
  fraction: number;
  note: string;
}

export interface MeasureInWorkersOptions {
  /** Worker threads (at most one per job). */
  workers: number;
  backend?: BackendName | 'auto';
  /** A job starts (index, worker number). */
  onStart?: (job: number, worker: number) => void;
  /** Progress of job `job` (0…1) and what runs. */
  onProgress?: (job: number, fraction: number, note: string) => void;
  /** Job `job` finished. */
  onDone?: (job: number, m: MeasuredConfig) => void;
}

function measured(r: MeasureWorkerResult): MeasuredConfig {
  return {
    report: r.report,
    assets: new Map(r.assets.map(([name, bytes]) => [name, Buffer.from(bytes)])),
    aliasingFigure: r.aliasingFigure,
  };
}

/** Measure `jobs` in worker threads; the results come back in job order. */
export async function measureInWorkers(
  jobs: MeasureJob[],
  { workers, backend = 'auto', onStart, onProgress, onDone }: MeasureInWorkersOptions,
): Promise<MeasuredConfig[]> {
  const heaviestFirst = jobs.map((_, i) => i).sort((a, b) => jobs[b].weight - jobs[a].weight || a - b);
  const out: MeasuredConfig[] = new Array(jobs.length);
  await runJobsInWorkers<MeasureJob, MeasureWorkerResult, MeasureWorkerProgress>(
    import.meta.url,
    'measure-worker',
    { backend },
    jobs,
    {
      workers,
      order: heaviestFirst,
      onStart,
      onProgress: (i, p) => onProgress?.(i, p.fraction, p.note),
      onResult: (i, r) => {
        out[i] = measured(r);
        onDone?.(i, out[i]);
      },
    },
  );
  return out;
}
