/**
 * TensorFlow.js backend selection for the generator.
 *
 * Order tried by `setBackend('auto')` (the default): the native TensorFlow bindings
 * (`@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node`, registered as `tensorflow`) when the
 * user installed them (they are not dependencies of this package), then the WebAssembly backend
 * (`@tensorflow/tfjs-backend-wasm`, SIMD build; in Node its `.wasm` binaries are read from
 * `node_modules` by file path), then the pure-JavaScript `cpu` backend as the last resort. So with
 * this package's own dependencies the default is wasm. WebGPU (`webgpu.ts`, Dawn) is never chosen
 * automatically — its speed on real GPUs is not measured (docs/gpu.md) — but runs when asked for:
 * `setBackend('webgpu')` or the environment variable `ALIASFREE_BACKEND` (`tensorflow`, `webgpu`,
 * `wasm` or `cpu`), which puts one backend first. `backendInfo()` reports which backend runs and
 * why the others were skipped; `describeBackend()` says it in one line.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { tryWebgpu, webgpuAdapter, type WebgpuAdapterSummary } from './webgpu.js';

/** Backend names understood by `setBackend`. */
export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

/** One backend attempt: which backend, whether it initialised, and the error if it did not. */
export interface BackendAttempt {
  name: BackendName;
  /** Package or module the attempt loaded. */
  source: string;
  ok: boolean;
  reason?: string;
  /** What native code printed during the attempt, captured (WebGPU's adapter probe only). */
  messages?: string[];
}

/** What runs now and why (the list of attempts in the order they were made). */
export interface BackendInfo {
  /** The active tfjs backend name (`tf.getBackend()`), or null before initialisation. */
  name: string | null;
  /** Why this backend runs (requested explicitly, by environment, or by the automatic order). */
  reason: string;
  tried: BackendAttempt[];
  /** WebAssembly SIMD in use (wasm backend only). */
  simd?: boolean;
  /** The WebGPU adapter (webgpu backend only): Dawn backend, device name, software or not. */
  adapter?: WebgpuAdapterSummary;
}

const BACKENDS: readonly BackendName[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];
/** The automatic order: WebGPU only when asked for (see the module comment). */
const AUTO_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
let info: BackendInfo = { name: null, reason: 'not initialised yet', tried: [] };
let pending: Promise<BackendInfo> | null = null;

/** Import a module by a name TypeScript does not resolve (optional dependencies). */
async function optionalImport(name: string): Promise<unknown> {
  return import(/* @vite-ignore */ name);
}

async function tryTensorflow(tried: BackendAttempt[]): Promise<boolean> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await optionalImport(pkg);
      if (!tf.findBackendFactory('tensorflow'))
        throw new Error('package loaded but registered no "tensorflow" backend');
      const ok = await tf.setBackend('tensorflow');
      if (!ok) throw new Error('tf.setBackend("tensorflow") returned false');
      tried.push({ name: 'tensorflow', source: pkg, ok: true });
      return true;
    } catch (err) {
      tried.push({ name: 'tensorflow', source: pkg, ok: false, reason: firstLine(err) });
    }
  }
  return false;
}

async function tryWasm(tried: BackendAttempt[]): Promise<boolean> {
  const source = '@tensorflow/tfjs-backend-wasm';
  try {
    const wasm =
      (await import('@tensorflow/tfjs-backend-wasm')) as typeof import('@tensorflow/tfjs-backend-wasm');
    if (typeof process !== 'undefined' && process.versions?.node) {
      // In Node the emscripten loader reads the binary with fs; point it at the package's dist folder.
      const require = createRequire(import.meta.url);
      const dir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
      wasm.setWasmPaths(join(dir, 'dist') + '/');
    }
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new Error('tf.setBackend("wasm") returned false');
    tried.push({ name: 'wasm', source, ok: true });
    return true;
  } catch (err) {
    tried.push({ name: 'wasm', source, ok: false, reason: firstLine(err) });
    return false;
  }
}

async function tryCpu(tried: BackendAttempt[]): Promise<boolean> {
  try {
    const ok = await tf.setBackend('cpu');
    if (!ok) throw new Error('tf.setBackend("cpu") returned false');
    tried.push({ name: 'cpu', source: '@tensorflow/tfjs-backend-cpu', ok: true });
    return true;
  } catch (err) {
    tried.push({ name: 'cpu', source: '@tensorflow/tfjs-backend-cpu', ok: false, reason: firstLine(err) });
    return false;
  }
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String((err as { message?: string })?.message ?? err);
  return msg.split('\n')[0];
}

const ATTEMPT: Record<BackendName, (t: BackendAttempt[]) => Promise<boolean>> = {
  tensorflow: tryTensorflow,
  webgpu: (t) => tryWebgpu(t),
  wasm: tryWasm,
  cpu: tryCpu,
};

async function finish(reason: string, tried: BackendAttempt[]): Promise<BackendInfo> {
  await tf.ready();
  const name = tf.getBackend();
  info = { name, reason, tried };
  if (name === 'wasm') {
    info.simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  }
  if (name === 'webgpu') info.adapter = webgpuAdapter() ?? undefined;
  return info;
}

/**
 * Choose the tfjs backend. `'auto'` (default) tries the backend named by `ALIASFREE_BACKEND` first,
 * then tensorflow (only when `@tensorflow/tfjs-node(-gpu)` is installed) → wasm → cpu, and keeps the
 * first that initialises. A named backend must initialise, otherwise this throws with the reason.
 * Returns the same object as `backendInfo()`.
 */
export async function setBackend(name: BackendName | 'auto' = 'auto'): Promise<BackendInfo> {
  if (name !== 'auto' && !BACKENDS.includes(name)) {
    throw new RangeError(
      `backend name must be one of ${['auto', ...BACKENDS].join(', ')}, got ${JSON.stringify(name)}`,
    );
  }
  const run = async (): Promise<BackendInfo> => {
    const tried: BackendAttempt[] = [];
    if (name !== 'auto') {
      if (tf.getBackend() === name && tf.engine().backendName === name)
        return finish('requested by setBackend', tried);
      if (await ATTEMPT[name](tried)) return finish(`requested by setBackend("${name}")`, tried);
      info = { name: tf.getBackend() ?? null, reason: 'requested backend failed', tried };
      throw new Error(`backend "${name}" could not be initialised: ${tried.map((t) => t.reason).join('; ')}`);
    }
    const env = typeof process !== 'undefined' ? process.env.ALIASFREE_BACKEND : undefined;
    const order: BackendName[] = [...AUTO_ORDER];
    let why = `automatic order ${AUTO_ORDER.join(' → ')}`;
    if (env) {
      if (!BACKENDS.includes(env as BackendName)) {
        throw new RangeError(
          `ALIASFREE_BACKEND must be one of ${BACKENDS.join(', ')}, got ${JSON.stringify(env)}`,
        );
      }
      if (order.includes(env as BackendName)) order.splice(order.indexOf(env as BackendName), 1);
      order.unshift(env as BackendName);
      why = `ALIASFREE_BACKEND=${env}, then the automatic order`;
    }
    for (const b of order) {
      if (await ATTEMPT[b](tried)) {
        // An optional package that is simply not installed is not worth a word in the reason.
        const skipped = tried
          .filter((t) => !t.ok && !/Cannot find (package|module)/.test(t.reason ?? ''))
          .map((t) => `${t.source}: ${t.reason}`);
        return finish(skipped.length ? `${why}; skipped ${skipped.join('; ')}` : why, tried);
      }
    }
    throw new Error(`no tfjs backend could be initialised: ${JSON.stringify(tried)}`);
  };
  pending = run();
  try {
    return await pending;
  } catch (err) {
    pending = null;
    throw err;
  }
}

/** Initialise the automatic backend once (no-op when `setBackend` already ran). */
export async function ensureBackend(): Promise<BackendInfo> {
  if (!pending) pending = setBackend('auto');
  return pending;
}

/**
 * One line for logs: the backend, how it was chosen and, for WebGPU, the adapter; e.g.
 * `wasm (SIMD; automatic order tensorflow → wasm → cpu)`. The full attempt list is `backendInfo()`
 * (`aliasfree backend` prints it).
 */
export function describeBackend(i: BackendInfo = backendInfo()): string {
  if (i.name === null) return 'not initialised';
  const how = i.reason.split(';')[0];
  const detail = [
    i.simd === true ? 'SIMD' : i.simd === false ? 'no SIMD' : null,
    i.adapter
      ? `${i.adapter.mode} ${i.adapter.device || i.adapter.description}${i.adapter.software ? ', software' : ''}`
      : null,
    how,
  ].filter(Boolean);
  return `${i.name} (${detail.join('; ')})`;
}

/** The backend in use and why; `name` is null until `setBackend`/`ensureBackend` ran. */
export function backendInfo(): BackendInfo {
  return {
    ...info,
    name: info.name === null ? null : tf.getBackend(),
    tried: info.tried.map((t) => ({ ...t })),
  };
}
