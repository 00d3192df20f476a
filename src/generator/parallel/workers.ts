/**
 * Worker-thread plumbing shared by `GeneratorPool` (pool.ts), the report (report/parallel.ts) and
 * the ladder (metrics/ladder-parallel.ts). The wasm backend runs on one core per thread in Node, so
 * these spread work over the cores.
 *
 * - `startSiblingWorker`: start a module next to the caller, from source or from the build, and
 *   wait for its `{ready: true}` handshake.
 * - `runJobsInWorkers` / `serveJobs`: a queue of independent jobs over a few workers, each job
 *   answered with progress messages and one result (or error), results in job order.
 */
import { parentPort, Worker } from 'node:worker_threads';

/**
 * Start `<name>.js` next to the calling module (`callerUrl` = its `import.meta.url`) when the
 * caller is compiled, or — running from source through tsx — a two-line bootstrap that registers
 * tsx in the worker before importing `<name>.ts` (Node 20 does not carry `--import` loaders into
 * workers reliably). Resolves once the worker posted `{ready: true}`; rejects with its
 * `{ready: false, error}` or its start-up error (and terminates it).
 */
export async function startSiblingWorker(
  callerUrl: string,
  name: string,
  workerData: unknown,
): Promise<Worker> {
  if (!/^[\w-]+$/.test(name))
    throw new RangeError(`worker module name must be a plain file name, got ${name}`);
  let worker: Worker;
  if (!callerUrl.endsWith('.ts')) worker = new Worker(new URL(`./${name}.js`, callerUrl), { workerData });
  else {
    const tsxApi = import.meta.resolve('tsx/esm/api');
    const entry = new URL(`./${name}.ts`, callerUrl).href;
    const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    worker = new Worker(boot, { eval: true, workerData });
  }
  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(new Error(`${name} failed to start: ${e.message}`));
      worker.once('message', (m: { ready?: boolean; error?: string }) => {
        worker.off('error', onError);
        if (m.ready) resolve();
        else reject(new Error(`${name} failed to start: ${m.error}`));
      });
      worker.once('error', onError);
    });
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  return worker;
}

/** A job worker's message about job `id`: progress (any number of times), then result or error. */
export interface JobReply<R, P> {
  id: number;
  progress?: P;
  result?: R;
  error?: string;
}

export interface RunJobsOptions<R, P> {
  /** Worker threads (at most one per job). */
  workers: number;
  /** Order in which the jobs are started (default: as given); e.g. the heaviest first. */
  order?: number[];
  /** Job `job` starts on worker `worker` (0-based). */
  onStart?: (job: number, worker: number) => void;
  onProgress?: (job: number, progress: P) => void;
  onResult?: (job: number, result: R) => void;
}

/**
 * Run `jobs` on `workers` workers started from the module `name` next to `callerUrl` (which calls
 * `serveJobs`); each worker takes the next job when it is done. Returns the results in job order;
 * the first error stops the queue and is thrown once the running jobs ended. The workers are
 * terminated at the end.
 */
export async function runJobsInWorkers<J, R, P>(
  callerUrl: string,
  name: string,
  workerData: unknown,
  jobs: J[],
  { workers, order, onStart, onProgress, onResult }: RunJobsOptions<R, P>,
): Promise<R[]> {
  if (!Number.isInteger(workers) || workers < 1)
    throw new RangeError(`workers must be a positive integer, got ${workers}`);
  const count = Math.min(workers, jobs.length);
  const started = await Promise.allSettled(
    Array.from({ length: count }, () => startSiblingWorker(callerUrl, name, workerData)),
  );
  const pool = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const results: R[] = new Array(jobs.length);
  const queue = order ? [...order] : jobs.map((_, i) => i);
  let failed: unknown =
    started.find((s): s is PromiseRejectedResult => s.status === 'rejected')?.reason ?? null;
  const run = async (worker: Worker, k: number) => {
    while (queue.length > 0 && !failed) {
      const id = queue.shift()!;
      onStart?.(id, k);
      results[id] = await new Promise<R>((resolve, reject) => {
        const onError = (e: Error) => {
          worker.off('message', onMessage);
          reject(e);
        };
        const onMessage = (m: JobReply<R, P>) => {
          if (m.id !== id) return;
          if (m.progress !== undefined) {
            onProgress?.(id, m.progress);
            return;
          }
          worker.off('message', onMessage);
          worker.off('error', onError);
          if (m.error !== undefined || m.result === undefined) reject(new Error(m.error ?? 'no result'));
          else resolve(m.result);
        };
        worker.on('message', onMessage);
        worker.once('error', onError);
        worker.postMessage({ id, job: jobs[id] });
      });
      onResult?.(id, results[id]);
    }
  };
  try {
    await Promise.all(pool.map((w, k) => run(w, k).catch((e: unknown) => void (failed ??= e))));
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  if (failed) throw failed;
  return results;
}

/**
 * Worker side of `runJobsInWorkers`: run `init` (e.g. choose the tfjs backend), post the ready
 * handshake, then answer every `{id, job}` with `handle(job, progress)`'s result.
 */
export function serveJobs<J, R, P>(
  init: () => Promise<void>,
  handle: (job: J, progress: (p: P) => void) => Promise<R>,
): void {
  const port = parentPort;
  if (!port) throw new Error('serveJobs must run inside a worker_thread (see runJobsInWorkers)');
  const reply = (m: JobReply<R, P>) => port.postMessage(m);
  init().then(
    () => {
      port.on('message', async ({ id, job }: { id: number; job: J }) => {
        try {
          reply({ id, result: await handle(job, (progress) => reply({ id, progress })) });
        } catch (err) {
          reply({ id, error: err instanceof Error ? err.message : String(err) });
        }
      });
      port.postMessage({ ready: true });
    },
    (err: unknown) =>
      port.postMessage({ ready: false, error: err instanceof Error ? err.message : String(err) }),
  );
}
