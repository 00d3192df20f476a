/**
 * Start a `worker_thread` running a module that sits next to the caller, from source or from the
 * build: the compiled `<name>.js` when the caller is compiled, or — running from source through
 * tsx — a two-line bootstrap that registers tsx in the worker before importing `<name>.ts`
 * (Node 20 does not carry `--import` loaders into workers reliably).
 *
 *     const worker = spawnSiblingWorker(import.meta.url, 'pool-worker', init);
 */
import { Worker } from 'node:worker_threads';

export function spawnSiblingWorker(callerUrl: string, name: string, workerData: unknown): Worker {
  if (!/^[\w-]+$/.test(name))
    throw new RangeError(`worker module name must be a plain file name, got ${name}`);
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), { workerData });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
