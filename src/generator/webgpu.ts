/**
 * The WebGPU route to a GPU in Node: `@tensorflow/tfjs-backend-webgpu` on top of Dawn's Node binding
 * (the `webgpu` npm package, which ships a prebuilt `dist/<platform>-<arch>/dawn.node`).
 *
 * Why this file exists: the tfjs WebGPU backend registers itself only if `navigator.gpu` exists at
 * the moment it is imported (it was written for browsers), it reads the `GPUBufferUsage`/
 * `GPUMapMode`/… constants from the global scope, and its factory asks for an adapter with only a
 * power preference. Node has none of that, so `tryWebgpu` builds it: it creates a Dawn instance,
 * asks for one adapter itself (so a missing driver becomes a readable reason rather than a
 * `null.features` TypeError inside tfjs), installs the WebGPU globals and a `navigator.gpu` that
 * hands out that adapter, imports the backend and switches tfjs to it.
 *
 * Adapter modes (`ALIASFREE_WEBGPU_ADAPTER` or `opts.adapter`):
 * - `default`: Dawn's own choice; on Linux that is Vulkan, which needs the loader `libvulkan.so.1`
 *   (Debian `libvulkan1`) and the GPU driver's Vulkan ICD (`VK_DRIVER_FILES=…/nvidia_icd.json`).
 * - `vulkan`: Vulkan only (`create(['backend=vulkan'])`).
 * - `opengl`: Dawn's OpenGL backend over EGL (`create(['backend=opengl'])`, adapter requested with
 *   `featureLevel: 'compatibility'`, `EGL_PLATFORM=surfaceless` so no display is needed). On a
 *   machine without a GPU this runs on Mesa llvmpipe, a slow software rasteriser: it exists so the
 *   WebGPU path (shaders, kernels, numerics) can be tested in CI on a CPU.
 *
 * Software adapters (llvmpipe, lavapipe, SwiftShader, Dawn's fallback adapter) are refused unless
 * they were asked for (`opengl` mode, `allowSoftware: true` or `ALIASFREE_WEBGPU_ALLOW_SOFTWARE=1`):
 * they are far slower than the wasm backend.
 *
 * Dawn and the Vulkan/EGL drivers print to the process's stderr from native code (for example Mesa's
 * `error: XDG_RUNTIME_DIR is invalid …` and Dawn's `Warning: Vulkan shaderUniform*ArrayDynamicIndexing
 * required` for lavapipe), which JavaScript cannot redirect. So the adapter is first looked for in a
 * child process (`probeDawnAdapter`) whose output is captured and kept in the attempt's `messages`;
 * Dawn is loaded into this process only when that probe found an adapter that will be used, and then
 * with the Vulkan loader restricted to the hardware driver manifests (when the user did not choose
 * them), so that CPU drivers are not enumerated again. The WebGPU route is never part of the
 * automatic backend order (see backend.ts): it runs only when asked for.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendAttempt } from './backend.js';

/** Which Dawn backend to ask for an adapter (see the module comment). */
export type WebgpuAdapterMode = 'default' | 'vulkan' | 'opengl';

/** Options of `tryWebgpu`; unset fields come from the environment (`webgpuOptionsFromEnv`). */
export interface WebgpuOptions {
  /** Dawn backend to use; default `ALIASFREE_WEBGPU_ADAPTER` or `'default'`. */
  adapter?: WebgpuAdapterMode;
  /** Accept a CPU (software) adapter; default true in `opengl` mode, else `ALIASFREE_WEBGPU_ALLOW_SOFTWARE=1`. */
  allowSoftware?: boolean;
  /** `GPURequestAdapterOptions.powerPreference`; default `'high-performance'`. */
  powerPreference?: 'high-performance' | 'low-power';
  /**
   * Skip (with a recorded reason) when no hardware Vulkan driver manifest is visible and no adapter
   * mode was chosen, without starting Dawn at all. Default false (`setBackend('webgpu')` always
   * tries).
   */
  skipWithoutDriver?: boolean;
  /**
   * Loads the Dawn binding; default `import('webgpu')`. Tests inject fakes to exercise the reasons;
   * with a fake, no child-process probe runs.
   */
  loadDawn?: () => Promise<DawnModule>;
}

/** The part of the `webgpu` package this module uses: `create(flags)` and the WebGPU globals. */
export interface DawnModule {
  create(flags: string[]): DawnGpu;
  globals: Record<string, unknown>;
}

/** `navigator.gpu` as Dawn implements it (only what is used here). */
export interface DawnGpu {
  requestAdapter(options?: Record<string, unknown>): Promise<DawnAdapter | null>;
  wgslLanguageFeatures?: unknown;
}

/** A GPUAdapter as far as this module reads it. */
export interface DawnAdapter {
  info?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    isFallbackAdapter?: boolean;
  };
  isFallbackAdapter?: boolean;
  features: { has(name: string): boolean };
  limits: Record<string, unknown>;
  requestDevice(descriptor?: Record<string, unknown>): Promise<unknown>;
}

/** What `probeDawnAdapter` found in its child process. */
export interface DawnProbe {
  /** The adapter's `info` (null: Dawn found no adapter for the mode). */
  info: DawnAdapter['info'] | null;
  /** What Dawn and the drivers printed (stderr lines of the child, at most 20). */
  messages: string[];
}

/** What `backendInfo()` can show about the WebGPU adapter in use. */
export interface WebgpuAdapterSummary {
  /** Dawn backend flag used (`default`, `vulkan`, `opengl`). */
  mode: WebgpuAdapterMode;
  /** WebGPU feature level requested: `core`, or `compatibility` for the OpenGL backend. */
  featureLevel: 'core' | 'compatibility';
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for a CPU rasteriser (llvmpipe/lavapipe/SwiftShader) or Dawn's fallback adapter. */
  software: boolean;
}

/** Environment variable selecting the adapter mode. */
export const WEBGPU_ADAPTER_ENV = 'ALIASFREE_WEBGPU_ADAPTER';
/** Environment variable (`1`/`true`) that lets the automatic order accept a software adapter. */
export const WEBGPU_SOFTWARE_ENV = 'ALIASFREE_WEBGPU_ALLOW_SOFTWARE';
const MODES: readonly WebgpuAdapterMode[] = ['default', 'vulkan', 'opengl'];
const SOURCE = '@tensorflow/tfjs-backend-webgpu + webgpu (Dawn)';
/** Names of CPU implementations of Vulkan/OpenGL, as they appear in the adapter's device/description. */
const SOFTWARE_RE = /llvmpipe|lavapipe|softpipe|swiftshader|software rasterizer/i;

let active: WebgpuAdapterSummary | null = null;
/** The one Dawn instance and adapter: tfjs' factory may run again after `tf.removeBackend`. */
let installed: { key: string; adapter: DawnAdapter; summary: WebgpuAdapterSummary } | null = null;

/**
 * Read the WebGPU options from environment variables: `ALIASFREE_WEBGPU_ADAPTER` ∈
 * {default, vulkan, opengl} and `ALIASFREE_WEBGPU_ALLOW_SOFTWARE` ∈ {1, true, 0, false}. Throws a
 * RangeError naming the variable for any other value.
 */
export function webgpuOptionsFromEnv(
  env: Record<string, string | undefined> = typeof process !== 'undefined' ? process.env : {},
): WebgpuOptions {
  const out: WebgpuOptions = {};
  const mode = env[WEBGPU_ADAPTER_ENV];
  if (mode !== undefined && mode !== '') {
    if (!MODES.includes(mode as WebgpuAdapterMode)) {
      throw new RangeError(
        `${WEBGPU_ADAPTER_ENV} must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`,
      );
    }
    out.adapter = mode as WebgpuAdapterMode;
  }
  const soft = env[WEBGPU_SOFTWARE_ENV];
  if (soft !== undefined && soft !== '') {
    if (!['1', 'true', '0', 'false'].includes(soft)) {
      throw new RangeError(`${WEBGPU_SOFTWARE_ENV} must be 1, true, 0 or false, got ${JSON.stringify(soft)}`);
    }
    out.allowSoftware = soft === '1' || soft === 'true';
  }
  return out;
}

/** Summarise an adapter; `software` is true for CPU rasterisers and Dawn's fallback adapter. */
export function summarizeAdapter(adapter: DawnAdapter, mode: WebgpuAdapterMode): WebgpuAdapterSummary {
  const i = adapter.info ?? {};
  const vendor = i.vendor ?? '';
  const architecture = i.architecture ?? '';
  const device = i.device ?? '';
  const description = i.description ?? '';
  const fallback = Boolean(i.isFallbackAdapter ?? adapter.isFallbackAdapter);
  return {
    mode,
    featureLevel: mode === 'opengl' ? 'compatibility' : 'core',
    vendor,
    architecture,
    device,
    description,
    software: fallback || SOFTWARE_RE.test(`${vendor} ${architecture} ${device} ${description}`),
  };
}

/** The adapter tfjs' `webgpu` backend runs on, or null when `tryWebgpu` has not succeeded. */
export function webgpuAdapter(): WebgpuAdapterSummary | null {
  return active && tf.getBackend() === 'webgpu' ? { ...active } : null;
}

/** Where a Vulkan loader could be found, for the hint in the failure reason (Linux only). */
async function vulkanLoaderHint(): Promise<string> {
  if (process.platform !== 'linux') return 'is a GPU driver with Vulkan support installed?';
  // Imported here so that this module (imported by the generator) stays loadable in a browser.
  const { existsSync } = await import('node:fs');
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
  ];
  const found = dirs.some((d) => existsSync(`${d}/libvulkan.so.1`));
  const icd = process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES;
  return found
    ? `libvulkan.so.1 is present${icd ? `, VK_DRIVER_FILES=${icd}` : ', VK_DRIVER_FILES is unset'}; is the GPU driver's Vulkan ICD installed?`
    : 'libvulkan.so.1 was not found (Debian package libvulkan1)';
}

/** Where Vulkan loaders look for installable client driver (ICD) manifests. */
const ICD_DIRS = [
  '/usr/share/vulkan/icd.d',
  '/etc/vulkan/icd.d',
  '/usr/local/share/vulkan/icd.d',
  '/usr/local/nvidia/share/vulkan/icd.d',
];

/**
 * Hardware Vulkan driver manifests visible to the loader (VK_DRIVER_FILES / VK_ICD_FILENAMES, else
 * the standard icd.d folders), without Mesa's CPU driver lavapipe (`lvp_icd*`). Linux only; on
 * other systems returns ['(not checked)'] so that Dawn itself decides.
 */
export async function vulkanDrivers(
  env: Record<string, string | undefined> = process.env,
): Promise<string[]> {
  if (process.platform !== 'linux') return ['(not checked)'];
  const { existsSync, readdirSync } = await import('node:fs');
  const listed = env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES;
  const files = listed
    ? listed.split(':').filter((f) => f && existsSync(f))
    : ICD_DIRS.filter((d) => existsSync(d)).flatMap((d) =>
        readdirSync(d)
          .filter((f) => f.endsWith('.json'))
          .map((f) => `${d}/${f}`),
      );
  return files.filter((f) => !/lvp_icd|swiftshader/i.test(f));
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0];
}

/** An Error whose message is the reason, carrying the native messages the probe captured. */
class DawnError extends Error {
  constructor(
    message: string,
    readonly messages: string[] = [],
  ) {
    super(message);
  }
}

/**
 * Environment for Dawn: in the Vulkan modes, when the user set neither `VK_DRIVER_FILES` nor
 * `VK_ICD_FILENAMES` and software adapters are refused anyway, the loader is pointed at the hardware
 * driver manifests only (`vulkanDrivers`), so that Mesa's CPU driver is not initialised (it prints
 * to stderr). Returns the variables to set (empty when nothing changes).
 */
async function dawnEnvironment(
  mode: WebgpuAdapterMode,
  allowSoftware: boolean,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (mode === 'opengl') {
    // Dawn's EGL path needs a platform without a display server; only set it when the user did not.
    if (!process.env.EGL_PLATFORM) out.EGL_PLATFORM = 'surfaceless';
    return out;
  }
  if (allowSoftware || process.env.VK_DRIVER_FILES || process.env.VK_ICD_FILENAMES) return out;
  const hardware = await vulkanDrivers();
  if (hardware.length > 0 && hardware[0] !== '(not checked)') out.VK_DRIVER_FILES = hardware.join(':');
  return out;
}

/**
 * Where the `webgpu` package's entry module is, or null when it cannot be resolved as a package
 * (not installed, or bundled into the calling script as in `scripts/gpu-bundle.ts`).
 */
function webgpuModuleUrl(): string | null {
  try {
    return import.meta.resolve('webgpu');
  } catch {
    return null;
  }
}

/** Child side of `probeDawnAdapter` (plain ESM, run with `node --input-type=module -e`). */
const PROBE_SCRIPT = `
const { url, flags, options } = JSON.parse(process.argv[1]);
const done = (v) => process.stdout.write('PROBE ' + JSON.stringify(v) + '\\n', () => process.exit(0));
try {
  const dawn = await import(url);
  const adapter = await dawn.create(flags).requestAdapter(options);
  const i = adapter && (adapter.info ?? {});
  done({ info: adapter ? { vendor: i.vendor, architecture: i.architecture, device: i.device,
    description: i.description, isFallbackAdapter: i.isFallbackAdapter ?? adapter.isFallbackAdapter } : null });
} catch (err) {
  done({ error: String(err && err.message || err).split('\\n')[0] });
}
`;

/**
 * Ask Dawn for an adapter in a child process (same flags, request options and environment as
 * `tryWebgpu` would use here) and capture what Dawn and the drivers print, so that none of it
 * reaches this process's terminal. The child exits right after answering (Dawn's teardown on some
 * drivers crashes). Rejects when the `webgpu` package cannot be found or the child gives no answer
 * (it crashed, or ran past `timeoutMs`, default 120 000 ms).
 */
export async function probeDawnAdapter(
  mode: WebgpuAdapterMode,
  powerPreference: 'high-performance' | 'low-power' = 'high-performance',
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<DawnProbe> {
  if (!MODES.includes(mode)) {
    throw new RangeError(`mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  }
  const url = webgpuModuleUrl();
  if (url === null)
    throw new DawnError('optional package "webgpu" (Dawn for Node) could not be loaded: it is not installed');
  const { execFile } = await import('node:child_process');
  const arg = JSON.stringify({
    url,
    flags: mode === 'default' ? [] : [`backend=${mode}`],
    options: { powerPreference, featureLevel: mode === 'opengl' ? 'compatibility' : 'core' },
  });
  const { stdout, stderr, failure } = await new Promise<{ stdout: string; stderr: string; failure: string }>(
    (resolve) => {
      execFile(
        process.execPath,
        ['--input-type=module', '-e', PROBE_SCRIPT, arg],
        { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 1 << 20, encoding: 'utf8' },
        (err, out, errOut) =>
          resolve({
            stdout: out,
            stderr: errOut,
            failure: err ? (err.signal ? `signal ${err.signal}` : `exit code ${String(err.code)}`) : '',
          }),
      );
    },
  );
  const messages = stderr
    .split('\n')
    .map((l) => l.trimEnd())
    .filter(Boolean)
    .slice(0, 20);
  const line = stdout.split('\n').find((l) => l.startsWith('PROBE '));
  if (!line) {
    throw new DawnError(
      `the Dawn adapter probe (a child process) gave no answer (${failure || 'no output'})`,
      messages,
    );
  }
  const answer = JSON.parse(line.slice(6)) as { info?: DawnAdapter['info'] | null; error?: string };
  if (answer.error !== undefined) {
    throw new DawnError(
      `optional package "webgpu" (Dawn for Node) could not be loaded: ${answer.error}`,
      messages,
    );
  }
  return { info: answer.info ?? null, messages };
}

/**
 * Find a Dawn adapter for `opts` and install `navigator.gpu` and the WebGPU globals so that
 * `@tensorflow/tfjs-backend-webgpu` registers; returns the adapter summary or throws an Error whose
 * message is the reason (missing package, no adapter and why, software adapter refused).
 */
async function installDawn(opts: {
  adapter: WebgpuAdapterMode;
  allowSoftware: boolean;
  powerPreference: 'high-performance' | 'low-power';
  loadDawn?: () => Promise<DawnModule>;
}) {
  const key = `${opts.adapter}/${opts.powerPreference}`;
  if (installed && installed.key === key) return installed;
  if (installed) {
    throw new Error(
      `a Dawn adapter (${installed.key}) is already installed in this process; start a new process to use ${key}`,
    );
  }
  const noAdapter = async (messages: string[]) => {
    const hint =
      opts.adapter === 'opengl'
        ? 'Dawn found no OpenGL adapter (needs libEGL with Mesa: libegl1 libegl-mesa0 libgl1-mesa-dri)'
        : `Dawn found no ${opts.adapter === 'vulkan' ? 'Vulkan ' : ''}GPU adapter: ${await vulkanLoaderHint()}`;
    return new DawnError(
      `${hint}; ${WEBGPU_ADAPTER_ENV}=opengl selects the slow CPU (llvmpipe) adapter`,
      messages,
    );
  };
  const refuseSoftware = (summary: WebgpuAdapterSummary, messages: string[] = []) => {
    if (summary.software && !opts.allowSoftware) {
      throw new DawnError(
        `only a software adapter was found (${summary.device || summary.description}), refused because it is slower than wasm; ` +
          `set ${WEBGPU_SOFTWARE_ENV}=1 or ${WEBGPU_ADAPTER_ENV}=opengl to use it`,
        messages,
      );
    }
  };
  const env = opts.loadDawn ? {} : await dawnEnvironment(opts.adapter, opts.allowSoftware);
  // A bundled copy of Dawn (no resolvable package) cannot be started in a child; it is loaded here.
  if (!opts.loadDawn && webgpuModuleUrl() !== null) {
    // Look in a child process first: its native output is captured, and a machine without a
    // usable adapter never loads Dawn here.
    const probe = await probeDawnAdapter(opts.adapter, opts.powerPreference, env);
    if (!probe.info) throw await noAdapter(probe.messages);
    refuseSoftware(
      summarizeAdapter(
        { info: probe.info, features: { has: () => false }, limits: {}, requestDevice: async () => null },
        opts.adapter,
      ),
      probe.messages,
    );
  }
  let dawn: DawnModule;
  try {
    dawn = opts.loadDawn ? await opts.loadDawn() : ((await import('webgpu')) as unknown as DawnModule);
  } catch (err) {
    throw new Error(`optional package "webgpu" (Dawn for Node) could not be loaded: ${firstLine(err)}`);
  }
  const flags = opts.adapter === 'default' ? [] : [`backend=${opts.adapter}`];
  const featureLevel = opts.adapter === 'opengl' ? 'compatibility' : 'core';
  // The Vulkan loader reads its driver list when Dawn creates its instance and enumerates adapters;
  // VK_DRIVER_FILES is put back afterwards. EGL_PLATFORM stays (EGL reads it again later).
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  let gpu: DawnGpu;
  let adapter: DawnAdapter | null;
  try {
    gpu = dawn.create(flags);
    adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference, featureLevel });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (k === 'EGL_PLATFORM') continue;
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  if (!adapter) throw await noAdapter([]);
  const summary = summarizeAdapter(adapter, opts.adapter);
  refuseSoftware(summary);
  // tfjs reads GPUBufferUsage, GPUMapMode, GPUShaderStage… from the global scope, as in a browser.
  const g = globalThis as Record<string, unknown>;
  for (const [name, value] of Object.entries(dawn.globals)) if (!(name in g)) g[name] = value;
  const navGpu = {
    // The backend's factory asks only for a power preference; hand it the adapter chosen above.
    requestAdapter: async () => adapter,
    getPreferredCanvasFormat: () => 'rgba8unorm',
    wgslLanguageFeatures: gpu.wgslLanguageFeatures ?? new Set<string>(),
  };
  const nav = g.navigator as Record<string, unknown> | undefined;
  if (nav === undefined) {
    Object.defineProperty(globalThis, 'navigator', {
      value: { gpu: navGpu },
      configurable: true,
      writable: true,
    });
  } else {
    // Node ≥ 21 has a global navigator without `gpu`.
    Object.defineProperty(nav, 'gpu', { value: navGpu, configurable: true, writable: true });
  }
  installed = { key, adapter, summary };
  return installed;
}

/**
 * Try to make `webgpu` the tfjs backend (one `BackendAttempt` is appended to `tried`; the
 * `backend.ts` ATTEMPT table calls this for the name `'webgpu'`). Returns true when
 * `tf.setBackend('webgpu')` succeeded and a 1-element round trip through the device gave back the
 * value written (a broken driver fails here, not in the first generator call). Options not given
 * come from `webgpuOptionsFromEnv()`.
 */
export async function tryWebgpu(
  tried: { push(...a: WebgpuAttempt[]): number },
  opts: WebgpuOptions = {},
): Promise<boolean> {
  let env: WebgpuOptions;
  try {
    env = webgpuOptionsFromEnv();
  } catch (err) {
    tried.push({ name: 'webgpu', source: SOURCE, ok: false, reason: firstLine(err) });
    return false;
  }
  const adapter = opts.adapter ?? env.adapter ?? 'default';
  if (!MODES.includes(adapter)) {
    throw new RangeError(`opts.adapter must be one of ${MODES.join(', ')}, got ${JSON.stringify(adapter)}`);
  }
  if (opts.skipWithoutDriver && !opts.adapter && !env.adapter) {
    const drivers = await vulkanDrivers();
    if (drivers.length === 0) {
      tried.push({
        name: 'webgpu',
        source: SOURCE,
        ok: false,
        reason: `no hardware Vulkan driver manifest found (VK_DRIVER_FILES, ${ICD_DIRS.join(', ')}); ${WEBGPU_ADAPTER_ENV}=default forces a try`,
      });
      return false;
    }
  }
  const resolved = {
    adapter,
    allowSoftware: opts.allowSoftware ?? env.allowSoftware ?? adapter === 'opengl',
    powerPreference: opts.powerPreference ?? 'high-performance',
    loadDawn: opts.loadDawn,
  };
  try {
    const { adapter: chosen, summary } = await installDawn(resolved);
    const mod =
      (await import('@tensorflow/tfjs-backend-webgpu')) as typeof import('@tensorflow/tfjs-backend-webgpu');
    if (!tf.findBackendFactory('webgpu')) {
      // The package was imported before navigator.gpu existed, so it skipped registering; do what
      // its own factory does with the adapter chosen here.
      tf.registerBackend(
        'webgpu',
        async () => {
          const features = ['timestamp-query'].filter((f) => chosen.features.has(f));
          const l = chosen.limits;
          const requiredLimits: Record<string, unknown> = {};
          for (const k of [
            'maxComputeWorkgroupStorageSize',
            'maxComputeWorkgroupsPerDimension',
            'maxStorageBufferBindingSize',
            'maxBufferSize',
            'maxComputeWorkgroupSizeX',
            'maxComputeInvocationsPerWorkgroup',
          ])
            requiredLimits[k] = l[k];
          const device = await chosen.requestDevice({ requiredFeatures: features, requiredLimits });
          const Backend = mod.WebGPUBackend as unknown as new (d: unknown, i?: unknown) => tf.KernelBackend;
          return new Backend(device, chosen.info);
        },
        3,
      );
    }
    guardReadSync(mod.WebGPUBackend.prototype as unknown as SyncReader);
    const ok = await tf.setBackend('webgpu');
    if (!ok)
      throw new Error(
        'tf.setBackend("webgpu") returned false (the backend factory failed; see the warning above)',
      );
    const probe = tf.tensor1d([1.5]);
    const doubled = tf.mul(probe, 2);
    const got = (await doubled.data())[0];
    tf.dispose([probe, doubled]);
    if (got !== 3) throw new Error(`the WebGPU device computed 1.5*2 = ${got}; the driver is not usable`);
    active = summary;
    tried.push({ name: 'webgpu', source: `${SOURCE}: ${describeAdapter(summary)}`, ok: true });
    return true;
  } catch (err) {
    const messages = err instanceof DawnError && err.messages.length > 0 ? { messages: err.messages } : {};
    tried.push({ name: 'webgpu', source: SOURCE, ok: false, reason: firstLine(err), ...messages });
    return false;
  }
}

/** One-line adapter description, e.g. `opengl/compatibility llvmpipe-llvm-15… (software)`. */
export function describeAdapter(s: WebgpuAdapterSummary): string {
  const name =
    [s.vendor, s.architecture, s.device].filter(Boolean).join(' ') || s.description || 'unnamed adapter';
  return `${s.mode}/${s.featureLevel} ${name}${s.software ? ' (software)' : ''}`;
}

/** A backend attempt record for the name `'webgpu'` (same fields as `BackendAttempt`). */
export interface WebgpuAttempt extends Omit<BackendAttempt, 'name'> {
  name: 'webgpu';
}

interface SyncReader {
  readSync(dataId: object): unknown;
  tensorMap: { get(id: object): { values: unknown } | undefined };
  [GUARDED]?: true;
}
const GUARDED = Symbol.for('aliasfree.webgpu.readSyncGuard');

/**
 * tfjs-backend-webgpu reads GPU data synchronously through an OffscreenCanvas (a browser API);
 * in Node that fails with "OffscreenCanvas is not defined". Replace it by an error that says what
 * to do. Tensors whose values are still on the CPU (created from JS arrays and not yet uploaded)
 * keep reading synchronously.
 */
function guardReadSync(proto: SyncReader): void {
  if (proto[GUARDED] || typeof globalThis.OffscreenCanvas !== 'undefined') return;
  const original = proto.readSync;
  proto.readSync = function (this: SyncReader, dataId: object) {
    const data = this.tensorMap.get(dataId);
    if (data && data.values == null) {
      throw new Error(
        'dataSync()/arraySync() of a GPU-resident tensor is impossible with WebGPU in Node ' +
          '(tfjs-backend-webgpu reads synchronously through OffscreenCanvas, a browser API); use await tensor.data()',
      );
    }
    return original.call(this, dataId);
  };
  proto[GUARDED] = true;
}

/**
 * Whether the active tfjs backend can read a device tensor synchronously (`dataSync`). False for
 * `webgpu` in Node (see `guardReadSync`): code paths that need a few numbers on the CPU (finite
 * checks, the input layer's per-sample transform) must then stay on the device.
 */
export function backendReadsSync(): boolean {
  return tf.getBackend() !== 'webgpu' || typeof globalThis.OffscreenCanvas !== 'undefined';
}

/** Fourier-feature parameters of the input layer, as device tensors [N, C]. */
export interface InputFeatureTensors {
  fx: tf.Tensor2D;
  fy: tf.Tensor2D;
  ph: tf.Tensor2D;
  amp: tf.Tensor2D;
}

/**
 * The input layer's per-sample frequencies, phases and amplitudes computed with tf ops, so that no
 * value has to come back to the CPU (official `SynthesisInput.forward`, spec §2.4). With the
 * learned transform t = (r_c, r_s, t_x, t_y) / ‖(r_c, r_s)‖ (rows of `t` [N, 4], or null),
 *
 *   R·T = [[r_c, −r_s, −r_c t_x + r_s t_y], [r_s, r_c, −r_s t_x − r_c t_y], [0, 0, 1]],  M = R·T·U,
 *   f'_x = f_0 M₀₀ + f_1 M₁₀,  f'_y = f_0 M₀₁ + f_1 M₁₁,  φ' = φ + f_0 M₀₂ + f_1 M₁₂,
 *   a = clamp(1 − (‖f'‖ − bw)/(s/2 − bw), 0, 1)   (or the hard cut ‖f'‖ ≤ bw when `hardBandCut`),
 *
 * with U the 3×3 user transform (row-major), `freqs` [C·2] in cycles per unit, `phases` [C] in
 * cycles, `bandwidth` bw and `samplingRate` s in cycles per unit. Same values as the CPU version in
 * `synthesis-input.ts` up to float32 rounding order. Returns new tensors [N, C].
 */
export function inputFeaturesTf(
  t: tf.Tensor2D | null,
  n: number,
  user: ArrayLike<number>,
  freqs: Float32Array,
  phases: Float32Array,
  bandwidth: number,
  samplingRate: number,
  hardBandCut: boolean,
): InputFeatureTensors {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be an integer >= 1, got ${n}`);
  if (user.length !== 9) throw new RangeError(`user must hold 9 numbers (3×3 row-major), got ${user.length}`);
  const C = phases.length;
  if (freqs.length !== 2 * C) throw new RangeError(`freqs must hold 2·${C} numbers, got ${freqs.length}`);
  if (t !== null && (t.rank !== 2 || t.shape[0] !== n || t.shape[1] !== 4)) {
    throw new RangeError(`t must have shape [${n}, 4], got [${t.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const f0 = new Float32Array(C);
    const f1 = new Float32Array(C);
    for (let c = 0; c < C; c++) [f0[c], f1[c]] = [freqs[2 * c], freqs[2 * c + 1]];
    const F0 = tf.tensor2d(f0, [1, C]);
    const F1 = tf.tensor2d(f1, [1, C]);
    const U = Array.from(user);
    // M entries: per-sample [N, 1] tensors when there is a learned transform, else scalars.
    let m: (tf.Tensor | number)[];
    if (t === null) {
      m = U;
    } else {
      const [a, b, c, d] = tf.split(t, 4, 1);
      const norm = tf.sqrt(tf.add(tf.square(a), tf.square(b)));
      const [rc, rs, tx, ty] = [a, b, c, d].map((v) => tf.div(v, norm));
      const rt = [
        [rc, tf.neg(rs), tf.sub(tf.mul(rs, ty), tf.mul(rc, tx))],
        [rs, rc, tf.neg(tf.add(tf.mul(rs, tx), tf.mul(rc, ty)))],
      ];
      m = [];
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 3; j++) {
          // (R·T·U)_ij = Σ_k (R·T)_ik U_kj, with (R·T)_2k = [0, 0, 1].
          let s: tf.Tensor = tf.mul(rt[i][0], U[j]);
          s = tf.add(s, tf.mul(rt[i][1], U[3 + j]));
          s = tf.add(s, tf.mul(rt[i][2], U[6 + j]));
          m[i * 3 + j] = s;
        }
    }
    const lin = (a: tf.Tensor | number, b: tf.Tensor | number) => tf.add(tf.mul(F0, a), tf.mul(F1, b));
    const fx = tf.broadcastTo(lin(m[0], m[3]), [n, C]) as tf.Tensor2D;
    const fy = tf.broadcastTo(lin(m[1], m[4]), [n, C]) as tf.Tensor2D;
    const ph = tf.broadcastTo(tf.add(tf.tensor2d(phases, [1, C]), lin(m[2], m[5])), [n, C]) as tf.Tensor2D;
    const r = tf.sqrt(tf.add(tf.square(fx), tf.square(fy)));
    const amp = (
      hardBandCut
        ? tf.cast(tf.lessEqual(r, bandwidth), 'float32')
        : tf.clipByValue(tf.sub(1, tf.div(tf.sub(r, bandwidth), samplingRate / 2 - bandwidth)), 0, 1)
    ) as tf.Tensor2D;
    return { fx, fy, ph, amp };
  });
}
