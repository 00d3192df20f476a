/**
 * The ladder's configs measured at once in worker threads (`runLadder({workers})`): each worker
 * runs `ladderRow` for one config at a time, heaviest (R) first, and streams its progress lines.
 */
import type { Worker } from 'node:worker_threads';
import type { ConfigName } from '../generator/config.js';
import { spawnSiblingWorker } from '../generator/worker-spawn.js';
import type { LadderRow, LadderRowParams } from './ladder.js';

/** Messages of ladder-worker.ts. */
export interface LadderWorkerReply {
  ready?: boolean;
  error?: string;
  report?: { msg: string | null; fraction: number };
  row?: LadderRow;
}

export async function ladderInWorkers(
  configs: ConfigName[],
  params: LadderRowParams,
  opts: {
    workers: number;
    backend: string | null;
    onReport: (ci: number, msg: string | null, fraction: number) => void;
    onRow: (ci: number, row: LadderRow) => void;
  },
): Promise<void> {
  const count = Math.min(opts.workers, configs.length);
  const backend = opts.backend === 'wasm' || opts.backend === 'cpu' ? opts.backend : 'auto';
  const start = (): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const w = spawnSiblingWorker(import.meta.url, 'ladder-worker', { backend });
      w.once('message', (m: LadderWorkerReply) =>
        m.ready ? resolve(w) : reject(new Error(`ladder worker failed to start: ${m.error}`)),
      );
      w.once('error', reject);
    });
  const pool = await Promise.all(Array.from({ length: count }, start));
  // R has twice the channels of the others: start it first so it runs beside them.
  const queue = configs
    .map((_, i) => i)
    .sort((a, b) => Number(configs[b] === 'R') - Number(configs[a] === 'R'));
  let failed: Error | null = null;
  const run = async (w: Worker) => {
    while (queue.length > 0 && !failed) {
      const ci = queue.shift()!;
      const row = await new Promise<LadderRow>((resolve, reject) => {
        const onError = (e: Error) => {
          w.off('message', onMessage);
          reject(e);
        };
        const onMessage = (m: LadderWorkerReply) => {
          if (m.report) opts.onReport(ci, m.report.msg, m.report.fraction);
          else {
            w.off('message', onMessage);
            w.off('error', onError);
            if (m.row) resolve(m.row);
            else reject(new Error(m.error ?? 'no row'));
          }
        };
        w.on('message', onMessage);
        w.once('error', onError);
        w.postMessage({ name: configs[ci], params });
      });
      opts.onRow(ci, row);
    }
  };
  try {
    await Promise.all(pool.map((w) => run(w).catch((e: Error) => void (failed ??= e))));
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  if (failed) throw failed;
}
