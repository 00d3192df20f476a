/**
 * The ladder's configs measured at once in worker threads (`runLadder({workers})`): each worker
 * (ladder-worker.ts) runs `ladderRow` for one config at a time, R (twice the channels) first so
 * that it runs beside the others, and streams its progress lines.
 */
import { runJobsInWorkers } from '../generator/parallel/workers.js';
import type { LadderConfigName, LadderRow, LadderRowParams } from './ladder.js';

/** One job of ladder-worker.ts. */
export interface LadderJob {
  name: LadderConfigName;
  params: LadderRowParams;
}

/** A progress line (null: only the fraction of this config's work changed) and the fraction. */
export interface LadderProgress {
  msg: string | null;
  fraction: number;
}

/** Measure `configs` with `ladderRow` in `workers` threads; `onRow` gets each row as it finishes. */
export async function ladderInWorkers(
  configs: LadderConfigName[],
  params: LadderRowParams,
  opts: {
    workers: number;
    backend: string | null;
    onReport: (ci: number, msg: string | null, fraction: number) => void;
    onRow: (ci: number, row: LadderRow) => void;
  },
): Promise<LadderRow[]> {
  const backend = opts.backend === 'wasm' || opts.backend === 'cpu' ? opts.backend : 'auto';
  const rFirst = configs
    .map((_, i) => i)
    .sort((a, b) => Number(configs[b] === 'R') - Number(configs[a] === 'R'));
  return runJobsInWorkers<LadderJob, LadderRow, LadderProgress>(
    import.meta.url,
    'ladder-worker',
    { backend },
    configs.map((name) => ({ name, params })),
    {
      workers: opts.workers,
      order: rFirst,
      onProgress: (ci, p) => opts.onReport(ci, p.msg, p.fraction),
      onResult: opts.onRow,
    },
  );
}
