/**
 * Latent projection: the w whose image is closest to a target (official `projector.py` of the
 * StyleGAN2-ADA / StyleGAN3 repositories, with a pixel-pyramid distance instead of VGG16-LPIPS,
 * see loss.ts):
 *
 *   1. w_avg, w_std from 10 000 mapped latents (z ~ N(0, I), fixed seed as official):
 *      w_std = √(Σ‖w_i − w_avg‖²/N); w starts at w_avg.
 *   2. StyleGAN2 noise maps start as N(0, 1) draws and are optimised with w.
 *   3. Per step (t = step/steps): lr and σ_w from schedule.ts; ws = broadcast(w + σ_w·ε) (space
 *      'w': one w for every layer, official; 'w+': one w per layer); image = synthesis(ws) with
 *      the noise maps; loss = D(image, target) + 1e5·Σ R(noise); one Adam step (β 0.9, 0.999);
 *      the noise maps are renormalised to zero mean and unit variance.
 *
 * A step whose loss or gradient is not finite stops the run: the result is then the best step so
 * far (highest PSNR), and `stopped` says where and why. Nothing is kept on the backend but the
 * returned tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../generator/rng.js';
import type { AnyGenerator } from '../generator/weights.js';
import { ensureTrainingGradients } from '../train/gradients.js';
import { psnrFromMse } from '../signal/psnr.js';
import { ScheduledAdam } from './adam.js';
import { pyramidDistance } from './loss.js';
import { noiseRegularisation, normaliseNoise, REGULARIZE_NOISE_WEIGHT } from './noise-regularisation.js';
import { projectionNetwork, type ProjectionNetwork } from './network.js';
import { PROJECTION_DEFAULTS, learningRate, wNoiseScale, type ProjectionSchedule } from './schedule.js';
import { checkTarget } from './target.js';

/** Which latent is optimised: one w broadcast to every layer (official) or one w per layer. */
export type ProjectionSpace = 'w' | 'w+';

/** One step of the optimisation (1-based `step`). */
export interface ProjectionStep {
  step: number;
  /** dist + weight·noise penalty. */
  loss: number;
  /** The pyramid distance of this step's image to the target. */
  dist: number;
  /** The noise penalty Σ R(noise) (0 for StyleGAN3). */
  noiseReg: number;
  /** PSNR (dB, peak 2) of this step's image (rendered from w + σ_w·ε) against the target. */
  psnr: number;
  /** Adam's learning rate of this step. */
  lr: number;
  /** σ_w of this step. */
  wNoise: number;
}

/** What `onProgress` receives after each step. */
export interface ProjectionProgress extends ProjectionStep {
  steps: number;
  elapsedMs: number;
  /** Estimated time left, from the mean time per step so far. */
  etaMs: number;
}

/** Options of `project`. */
export interface ProjectOptions {
  /** Optimisation steps (official default 1000). */
  steps?: number;
  /** Seed of the w noise draws and of the initial StyleGAN2 noise maps (default 303, as official). */
  seed?: number;
  /** 'w' (default, official) or 'w+'. */
  space?: ProjectionSpace;
  /** Called after every step. */
  onProgress?: (p: ProjectionProgress) => void;
  /** Latents mapped for w_avg and w_std (default 10 000). */
  wAvgSamples?: number;
  /** Schedule constants (default `PROJECTION_DEFAULTS`, the official ones). */
  schedule?: Partial<ProjectionSchedule>;
  /** Weight of the noise penalty (default 1e5, official). */
  regularizeNoiseWeight?: number;
  /** Keep the image of every k-th step (and the last) in `frames`, for a video; 0 (default): none. */
  frameEvery?: number;
  /**
   * StyleGAN2: the noise maps start as fresh N(0, 1) draws (`'random'`, default, official) or as
   * the network's stored `noise_const` maps (`'stored'`), e.g. for an image the network made with
   * `noiseMode: 'const'`.
   */
  initialNoise?: 'random' | 'stored';
  /**
   * StyleGAN2: `'optimise'` the noise maps with w (default, official) or run the synthesis
   * without noise (`'none'`, only w is optimised; the image must then be one without noise).
   */
  noise?: 'optimise' | 'none';
  /** StyleGAN3: layer checkpointing in the backward (default: above 64² only). */
  checkpoint?: boolean;
}

/** A kept frame of the optimisation. */
export interface ProjectionFrame {
  step: number;
  /** The step's image [1, C, H, W] in [−1, 1], row-major. */
  data: Float32Array;
}

/** The result of `project`. */
export interface ProjectionResult {
  /** The projected latent [1, numWs, wDim] (space 'w': one w repeated, as the official output). */
  ws: tf.Tensor3D;
  /** Its clean image [1, C, H, W] (no w noise; StyleGAN2 with the optimised noise maps). */
  image: tf.Tensor4D;
  /** PSNR (dB, peak 2) of `image` against the target. */
  psnr: number;
  /** Every step's values. */
  history: ProjectionStep[];
  /** StyleGAN2: the optimised noise maps by official key (`synthesis.b8.conv0.noise_const`). */
  noise: Map<string, Float32Array>;
  /** The kept frames (`frameEvery`). */
  frames: ProjectionFrame[];
  /** w_avg and w_std of the start. */
  wAvg: Float32Array;
  wStd: number;
  /** Set when a step's loss or gradient was not finite: the result is the best step before it. */
  stopped?: { step: number; reason: string; bestStep: number };
}

function intOption(name: string, v: unknown, def: number, min: number): number {
  const x = v === undefined ? def : v;
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < min)
    throw new RangeError(
      `${name} must be an integer >= ${min}, got ${typeof x === 'string' ? JSON.stringify(x) : String(x)}`,
    );
  return x;
}

function scheduleOption(s: Partial<ProjectionSchedule> | undefined): ProjectionSchedule {
  const out = { ...PROJECTION_DEFAULTS, ...(s ?? {}) };
  for (const [k, v] of Object.entries(out))
    if (
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      v < 0 ||
      (k !== 'initialLearningRate' && k !== 'initialNoiseFactor' && v === 0)
    )
      throw new RangeError(`schedule.${k} must be a finite number > 0, got ${String(v)}`);
  return out;
}

/**
 * `project`'s options checked and completed with the defaults (bad values throw, naming the option).
 *
 * @example
 * ```ts
 * resolveProjectOptions({ steps: 300 }).seed; // 303, the official default
 * ```
 */
export function resolveProjectOptions(opts: ProjectOptions) {
  if (opts === null || typeof opts !== 'object')
    throw new TypeError(`opts must be an object, got ${String(opts)}`);
  const space = opts.space ?? 'w';
  if (space !== 'w' && space !== 'w+')
    throw new RangeError(`space must be 'w' or 'w+', got ${JSON.stringify(space)}`);
  if (opts.onProgress !== undefined && typeof opts.onProgress !== 'function')
    throw new TypeError('onProgress must be a function');
  const weight = opts.regularizeNoiseWeight ?? REGULARIZE_NOISE_WEIGHT;
  if (!(typeof weight === 'number' && Number.isFinite(weight) && weight >= 0))
    throw new RangeError(`regularizeNoiseWeight must be a finite number >= 0, got ${String(weight)}`);
  const initialNoise = opts.initialNoise ?? 'random';
  if (initialNoise !== 'random' && initialNoise !== 'stored')
    throw new RangeError(`initialNoise must be 'random' or 'stored', got ${JSON.stringify(initialNoise)}`);
  return {
    steps: intOption('steps', opts.steps, 1000, 1),
    seed: intOption('seed', opts.seed, 303, 0),
    space,
    wAvgSamples: intOption('wAvgSamples', opts.wAvgSamples, 10000, 1),
    schedule: scheduleOption(opts.schedule),
    regularizeNoiseWeight: weight,
    frameEvery: intOption('frameEvery', opts.frameEvery, 0, 0),
    initialNoise,
  } as const;
}

/**
 * w_avg and w_std of `samples` latents z ~ N(0, I) (seed 123, fixed as the official projector's
 * `RandomState(123)`), mapped in batches: w_std = √(Σ_i ‖w_i − w_avg‖² / N).
 *
 * @example
 * ```ts
 * const { wAvg, wStd } = wStatistics(projectionNetwork(G, { differentiable: false }));
 * ```
 */
export function wStatistics(net: ProjectionNetwork, samples = 10000): { wAvg: Float32Array; wStd: number } {
  const rng = new Rng(123);
  const sum = new Float64Array(net.wDim);
  const ws: Float32Array[] = [];
  for (let s = 0; s < samples; s += 1000) {
    const n = Math.min(1000, samples - s);
    const w = tf.tidy(() => net.mapW(tf.tensor2d(rng.normals(n * net.zDim), [n, net.zDim])));
    const d = w.dataSync() as Float32Array;
    w.dispose();
    ws.push(d);
    for (let i = 0; i < d.length; i++) sum[i % net.wDim] += d[i];
  }
  const wAvg = Float32Array.from(sum, (v) => v / samples);
  let sq = 0;
  for (const d of ws) for (let i = 0; i < d.length; i++) sq += (d[i] - wAvg[i % net.wDim]) ** 2;
  return { wAvg, wStd: Math.sqrt(sq / samples) };
}

/** Every value finite (read element by element: a sum of squares could overflow on finite values). */
function allFinite(ts: tf.Tensor[]): boolean {
  return ts.every((t) => t.dataSync().every((v) => Number.isFinite(v)));
}

/**
 * Find the latent of `target` ([1, C, H, W] in [−1, 1], the network's size and channels) for a
 * loaded StyleGAN3 or StyleGAN2 generator (steps in the module comment). The returned tensors
 * belong to the caller.
 *
 * @example
 * ```ts
 * const G = await loadGenerator<AnyGenerator>('network.pkl');
 * const { ws, image, psnr, history } = await project(G, target, { steps: 300, space: 'w' });
 * console.log(`PSNR ${psnr.toFixed(1)} dB after ${history.length} steps`);
 * tf.dispose([ws, image]);
 * ```
 */
export async function project(
  G: AnyGenerator,
  target: tf.Tensor,
  opts: ProjectOptions = {},
): Promise<ProjectionResult> {
  const o = resolveProjectOptions(opts);
  await ensureTrainingGradients();
  const net = projectionNetwork(G, { checkpoint: opts.checkpoint, noise: opts.noise });
  const tgt = checkTarget(target, { channels: net.channels, resolution: net.resolution });
  const vars: tf.Variable[] = [];
  const adam = new ScheduledAdam();
  let best: { step: number; psnr: number; ws: tf.Tensor3D; noise: Map<string, tf.Tensor> } | null = null;
  try {
    const { wAvg, wStd } = wStatistics(net, o.wAvgSamples);
    const layersOfW = o.space === 'w' ? 1 : net.numWs;
    const wInit = new Float32Array(layersOfW * net.wDim);
    for (let l = 0; l < layersOfW; l++) wInit.set(wAvg, l * net.wDim);
    // Inside tidy: the initial tensors are freed (the variables keep their own references).
    const w = tf.tidy(() => tf.variable(tf.tensor3d(wInit, [1, layersOfW, net.wDim]), true));
    vars.push(w);
    const rng = new Rng(o.seed);
    const noise = new Map<string, tf.Variable>();
    for (const [key, stored] of net.noiseMaps) {
      const side = Math.round(Math.sqrt(stored.length));
      const init = o.initialNoise === 'stored' ? stored : rng.normals(stored.length);
      const v = tf.tidy(() => tf.variable(tf.tensor2d(init, [side, side]), true));
      noise.set(key, v);
      vars.push(v);
    }
    const broadcast = (x: tf.Tensor): tf.Tensor3D =>
      (layersOfW === 1 ? tf.tile(x, [1, net.numWs, 1]) : x) as tf.Tensor3D;

    const history: ProjectionStep[] = [];
    const frames: ProjectionFrame[] = [];
    let stopped: ProjectionResult['stopped'];
    const t0 = Date.now();
    for (let i = 0; i < o.steps; i++) {
      const lr = learningRate(i, o.steps, o.schedule);
      const sigma = wNoiseScale(i, o.steps, wStd, o.schedule);
      const eps = tf.tensor3d(rng.normals(layersOfW * net.wDim), [1, layersOfW, net.wDim]);
      // Tensors of the forward that the step reads after the gradient (kept out of its tidy).
      const fwd: { ws?: tf.Tensor3D; image?: tf.Tensor4D; dist?: tf.Scalar; reg?: tf.Scalar } = {};
      const { value, grads } = tf.variableGrads(() => {
        const ws = (fwd.ws = tf.keep(broadcast(tf.add(w, tf.mul(eps, sigma)))));
        const image = (fwd.image = tf.keep(net.synthesis(ws, noise)));
        const dist = (fwd.dist = tf.keep(pyramidDistance(image, tgt)));
        const reg = (fwd.reg = tf.keep(noiseRegularisation([...noise.values()])));
        return tf.add(dist, tf.mul(reg, o.regularizeNoiseWeight)) as tf.Scalar;
      }, vars);
      eps.dispose();
      const img = fwd.image!;
      const stepWs = fwd.ws!;
      const lossV = value.dataSync()[0];
      const distV = fwd.dist!.dataSync()[0];
      const regV = fwd.reg!.dataSync()[0];
      const mse = tf.tidy(() => tf.mean(tf.square(tf.sub(img, tgt))).dataSync()[0]);
      const gradList = vars.map((v) => grads[v.name]);
      const finite = Number.isFinite(lossV) && Number.isFinite(mse) && allFinite(gradList);
      const snr = psnrFromMse(mse);
      tf.dispose([value, fwd.dist!, fwd.reg!]);
      if (!finite) {
        tf.dispose([img, stepWs, ...gradList]);
        stopped = {
          step: i + 1,
          reason: `the loss or its gradient is not finite at step ${i + 1} of ${o.steps} (loss ${lossV})`,
          bestStep: best?.step ?? 0,
        };
        break;
      }
      if (!best || snr > best.psnr) {
        if (best) tf.dispose([best.ws, ...best.noise.values()]);
        const kept = new Map<string, tf.Tensor>();
        for (const [k, v] of noise) kept.set(k, tf.clone(v));
        best = { step: i + 1, psnr: snr, ws: tf.clone(stepWs), noise: kept };
      }
      if (o.frameEvery > 0 && (i % o.frameEvery === 0 || i === o.steps - 1))
        frames.push({ step: i + 1, data: Float32Array.from(img.dataSync() as Float32Array) });
      tf.dispose([img, stepWs]);
      adam.step(new Map(vars.map((v, k) => [v, gradList[k]])), lr);
      tf.dispose(gradList);
      for (const v of noise.values()) normaliseNoise(v);
      const entry: ProjectionStep = {
        step: i + 1,
        loss: lossV,
        dist: distV,
        noiseReg: regV,
        psnr: snr,
        lr,
        wNoise: sigma,
      };
      history.push(entry);
      const elapsedMs = Date.now() - t0;
      opts.onProgress?.({
        ...entry,
        steps: o.steps,
        elapsedMs,
        etaMs: (elapsedMs / (i + 1)) * (o.steps - i - 1),
      });
    }

    // The result: the final w (official), or the best step when the run stopped early.
    let ws: tf.Tensor3D;
    let noiseOut: Map<string, tf.Tensor>;
    if (stopped) {
      if (!best) throw new Error(`projection stopped before any finite step: ${stopped.reason}`);
      ws = tf.clone(best.ws);
      noiseOut = best.noise;
    } else {
      // A copy: in space w+ broadcast(w) is the variable itself, which is freed below.
      ws = tf.tidy(() => tf.clone(broadcast(w)));
      noiseOut = noise;
    }
    const image = net.render(ws, noiseOut);
    const mse = tf.tidy(() => tf.mean(tf.square(tf.sub(image, tgt))).dataSync()[0]);
    const noiseData = new Map<string, Float32Array>();
    for (const [k, v] of noiseOut) noiseData.set(k, Float32Array.from(v.dataSync() as Float32Array));
    return {
      ws,
      image,
      psnr: psnrFromMse(mse),
      history,
      noise: noiseData,
      frames,
      wAvg,
      wStd,
      ...(stopped ? { stopped } : {}),
    };
  } finally {
    if (best) tf.dispose([best.ws, ...best.noise.values()]);
    adam.dispose();
    tf.dispose(vars);
    tgt.dispose();
    net.dispose();
  }
}
