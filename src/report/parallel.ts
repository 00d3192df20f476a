/**
 * Measure several configs of the report at once, one per worker thread (the wasm backend uses one
 * core per thread in Node). Each worker builds its generator from a plain description (a preset
 * config and weight seed, or a weights path), runs `measureConfig` and sends back the result; a
 * worker takes the next config when it is done, heaviest configs first, so that e.g. R (≈ 4× T)
 * runs beside the others. The measurements are the same numbers as in one thread; only the
 * timings (ms/image, seconds) include the competition for the cores.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { BackendName } from '../generator/backend.js';
import type { GeneratorConfig } from '../generator/types.js';
import { spawnSiblingWorker } from '../generator/worker-spawn.js';
import type { Figure } from '../viz/style.js';
import type { MeasureConfigOptions, MeasuredConfig } from './measure.js';
import type { ConfigReport } from './schema.js';

/** What a worker needs once. */
export interface MeasureWorkerInit {
  backend: BackendName | 'auto';
}

/** One config to measure: how to build its generator, and the measurement options. */
export interface MeasureJob {
  /** A preset (with `weightSeed`) or a weights path. */
  generatorConfig?: GeneratorConfig;
  weightSeed?: number;
  weights?: string;
  /** Relative cost (e.g. MACs per image), to start the heaviest first. */
  weight: number;
  measure: Omit<MeasureConfigOptions, 'layersApi' | 'onProgress'>;
  /** Per-layer measurements (the report's `--no-layers` turns them off). */
  layers: boolean;
}

export interface MeasureWorkerRequest extends Omit<MeasureJob, 'weight'> {
  id: number;
}

export interface MeasureWorkerReply {
  id: number;
  progress?: { fraction: number; note: string };
  result?: { report: ConfigReport; assets: [string, Uint8Array][]; aliasingFigure: Figure | null };
  error?: string;
}

export interface MeasureInWorkersOptions {
  /** Worker threads (at most one per job; default: the CPU cores). */
  workers?: number;
  backend?: BackendName | 'auto';
  /** A job starts (index, worker number). */
  onStart?: (job: number, worker: number) => void;
  /** Progress of job `job` (0…1) and what runs. */
  onProgress?: (job: number, fraction: number, note: string) => void;
  /** Job `job` finished. */
  onDone?: (job: number, m: MeasuredConfig) => void;
}

function start(init: MeasureWorkerInit): Promise<Worker> {
  const worker = spawnSiblingWorker(import.meta.url, 'measure-worker', init);
  return new Promise((resolve, reject) => {
    worker.once('message', (m: { ready?: boolean; error?: string }) => {
      if (m.ready) resolve(worker);
      else reject(new Error(`report worker failed to start: ${m.error}`));
    });
    worker.once('error', (e) => reject(new Error(`report worker failed to start: ${e.message}`)));
  });
}

/** Measure `jobs` in worker threads; the results come back in job order. */
export async function measureInWorkers(
  jobs: MeasureJob[],
  { workers, backend = 'auto', onStart, onProgress, onDone }: MeasureInWorkersOptions = {},
): Promise<MeasuredConfig[]> {
  const count = Math.min(jobs.length, workers ?? availableParallelism());
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`workers must be a positive integer, got ${workers}`);
  const pool = await Promise.all(Array.from({ length: count }, () => start({ backend })));
  const results: MeasuredConfig[] = new Array(jobs.length);
  const queue = jobs.map((_, i) => i).sort((a, b) => jobs[b].weight - jobs[a].weight || a - b);
  let failed: Error | null = null;
  const runOn = async (worker: Worker, k: number) => {
    while (queue.length > 0 && !failed) {
      const i = queue.shift()!;
      onStart?.(i, k);
      const { weight: _, ...job } = jobs[i];
      const m = await new Promise<MeasuredConfig>((resolve, reject) => {
        const onMessage = (r: MeasureWorkerReply) => {
          if (r.id !== i) return;
          if (r.progress) onProgress?.(i, r.progress.fraction, r.progress.note);
          else {
            worker.off('message', onMessage);
            worker.off('error', reject);
            if (r.error || !r.result) reject(new Error(r.error ?? 'no result'));
            else
              resolve({
                report: r.result.report,
                assets: new Map(r.result.assets.map(([name, bytes]) => [name, Buffer.from(bytes)])),
                aliasingFigure: r.result.aliasingFigure,
              });
          }
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
        const req: MeasureWorkerRequest = { id: i, ...job };
        worker.postMessage(req);
      });
      results[i] = m;
      onDone?.(i, m);
    }
  };
  try {
    await Promise.all(
      pool.map((w, k) =>
        runOn(w, k).catch((e: Error) => {
          failed ??= e;
        }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  if (failed) throw failed;
  return results;
}
