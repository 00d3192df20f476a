/**
 * The equivariance metrics EQ-T, EQ-T_frac and EQ-R of Alias-Free GANs (paper App. E; the official
 * `metrics/equivariance.py`; spec §4.1–4.4).
 *
 * For every batch of latents the generator renders a reference image with the identity input
 * transform and, per metric, a second image with the input Fourier features transformed; the
 * reference is then transformed in image space by the signal library's operators and compared
 * inside the valid region:
 *
 *   EQ-T       t ~ U(−t_max, t_max)², rounded to whole pixels; input transform translation −t;
 *              ref = translateInteger(orig, t).
 *   EQ-T_frac  the same without rounding; ref = translateFractional(orig, t) (Lanczos a = 3).
 *   EQ-R       α ~ U(−π·r_max, π·r_max); input transform rot(−α);
 *              ref = rotateFractional(orig, α), compared with rotatePseudo(img, α) (both carry the
 *              same octagonal band), mask = product of both masks.
 *
 * Errors are pooled, not averaged per image: PSNR = 20·log10(2) − 10·log10(Σ mask·(ref − img)² / Σ mask),
 * the sums running over every sample, channel and pixel (I_max = 2 for images in [−1, 1]).
 */
import * as tf from '@tensorflow/tfjs-core';
import ndarray, { type NdArray } from 'ndarray';
import { translateInteger, translateFractional, roundHalfEven } from '../signal/translate.js';
import { rotateFractional, rotatePseudo, rotationMatrix } from '../signal/rotate.js';
import { assertInteger, assertPositive } from '../signal/validate.js';
import { Rng } from '../generator/rng.js';

/** The equivariance metrics of the paper (§3, spec §5): EQ-T (integer translation), EQ-T_frac (sub-pixel translation), EQ-R (rotation). */
export type EquivarianceMetric = 'eqt' | 'eqt_frac' | 'eqr';
/** Every equivariance metric, in the order the report shows them. */
export const ALL_METRICS: readonly EquivarianceMetric[] = ['eqt', 'eqt_frac', 'eqr'];

/** What the metric needs from a generator (the Generator class satisfies it). */
export interface EquivarianceTarget {
  readonly config: { zDim: number; imgResolution: number };
  /** z [N, zDim] → ws [N, numWs, wDim] with truncation ψ (as `Generator.mapping`). */
  mapping(z: tf.Tensor2D, opts?: { psi?: number; cutoff?: number | null }): tf.Tensor3D;
  /**
   * ws → image NCHW, with a 3×3 user transform of the input (as `Generator.synthesis`); StyleGAN2
   * generators with noise (config B) also get `noiseMode: 'const'`, as the official metric renders.
   */
  synthesis(
    ws: tf.Tensor3D,
    opts?: { transform?: number[] | number[][]; noiseMode?: 'const' },
  ): { image: tf.Tensor4D };
}

/** Recorded draws to replay instead of the RNG (shapes as in the golden `metric_*` cases). */
export interface EquivarianceReplay {
  /** Latents, `samples × zDim` (flat row-major or nested). */
  z: ArrayLike<number> | number[][];
  /** Per batch two uniforms in [0, 1) for EQ-T (`batches × 2`). */
  uInt?: ArrayLike<number> | number[][];
  /** Per batch two uniforms for EQ-T_frac. */
  uFrac?: ArrayLike<number> | number[][];
  /** Per batch one uniform for EQ-R. */
  uAngle?: ArrayLike<number>;
}

/** Options of `equivariance`: which metrics, how many latents, seed, batch, truncation and recorded draws. */
export interface EquivarianceOptions {
  /** Which metrics (default all three). */
  metrics?: readonly EquivarianceMetric[];
  /** Number of latents (rounded up to whole batches as in the official loop). Default 256. */
  samples?: number;
  /** Seed of the draws when not replaying. Default 0. */
  seed?: number;
  /** Latents per batch (official: 4). */
  batch?: number;
  /** Largest translation, fraction of the image width (official 0.125). */
  translateMax?: number;
  /** Largest rotation, in units of π (official 1 = full circle). */
  rotateMax?: number;
  /** Replay recorded draws (overrides samples and seed). */
  replay?: EquivarianceReplay;
  /** Called after every batch with (samples done, samples total). */
  onProgress?: (done: number, total: number) => void;
}

/** PSNR in dB per metric (higher = more equivariant), the pooled sums they come from and the number of latents. */
export interface EquivarianceResult {
  eqt?: number;
  eqt_frac?: number;
  eqr?: number;
  /** Per metric the pooled [Σ mask·err², Σ mask] (float64). */
  sums: Partial<Record<EquivarianceMetric, [number, number]>>;
  samples: number;
}

/** The inverse image transform written into the input layer: identity with translation −t. */
function translationTransform(tx: number, ty: number): number[] {
  return [1, 0, -tx, 0, 1, -ty, 0, 0, 1];
}

function flat(name: string, a: ArrayLike<number> | number[][] | undefined): Float64Array | undefined {
  if (a === undefined) return undefined;
  const values =
    Array.isArray(a) && Array.isArray(a[0]) ? (a as number[][]).flat() : Array.from(a as ArrayLike<number>);
  for (const v of values)
    if (!Number.isFinite(v)) throw new TypeError(`replay.${name} must contain finite numbers`);
  return Float64Array.from(values);
}

/** Σ mask·(a − b)² and Σ mask over whole arrays of equal shape (float64 accumulation). */
function maskedSums(a: NdArray, b: NdArray, mask: NdArray): [number, number] {
  const ad = a.data as ArrayLike<number>;
  const bd = b.data as ArrayLike<number>;
  const md = mask.data as ArrayLike<number>;
  const n = ad.length;
  if (bd.length !== n || md.length !== n) {
    throw new RangeError(`internal: image sizes differ (${n}, ${b.data.length}, ${mask.data.length})`);
  }
  let err = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const w = md[i];
    if (w !== 0) {
      const d = ad[i] - bd[i];
      err += w * d * d;
      m += w;
    }
  }
  return [err, m];
}

/** Broadcast a mask to the image's shape (masks may come with a single channel). */
function broadcastMask(mask: NdArray, like: NdArray): NdArray {
  if (mask.data.length === like.data.length) return mask;
  const [n, c, h, w] = like.shape;
  if (mask.shape.length !== 4 || mask.shape[1] !== 1 || mask.shape[0] !== n) {
    throw new RangeError(`internal: cannot broadcast mask [${mask.shape}] to [${like.shape}]`);
  }
  const md = mask.data as ArrayLike<number>;
  const out = new Float32Array(n * c * h * w);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++)
      for (let p = 0; p < h * w; p++) out[(i * c + ch) * h * w + p] = md[i * h * w + p];
  return ndarray(out, [n, c, h, w]);
}

async function toNd(t: tf.Tensor4D): Promise<NdArray<Float32Array>> {
  const data = (await t.data()) as Float32Array;
  return ndarray(data, t.shape.slice());
}

/** PSNR in dB from pooled sums: 20·log10(2) − 10·log10(err / mask). */
export function psnrFromSums([err, mask]: [number, number]): number {
  return 20 * Math.log10(2) - 10 * Math.log10(err / mask);
}

/**
 * EQ-T / EQ-T_frac / EQ-R of a generator in dB (official compute_equivariance_metrics).
 *
 * Draw order per batch, as the official loop: z (batch × zDim normals), then for EQ-T two
 * uniforms, for EQ-T_frac two uniforms, for EQ-R one uniform. With `replay` the recorded draws are
 * used instead, so a run of the official code can be reproduced.
 */
export async function equivariance(
  gen: EquivarianceTarget,
  opts: EquivarianceOptions = {},
): Promise<EquivarianceResult> {
  const g = gen as Partial<EquivarianceTarget> | null;
  if (
    !g ||
    typeof g !== 'object' ||
    typeof g.mapping !== 'function' ||
    typeof g.synthesis !== 'function' ||
    !g.config
  )
    throw new TypeError(
      `gen must be a generator (config, mapping and synthesis, e.g. from createGenerator), got ${
        g === null || typeof g !== 'object' ? String(g) : `an object with keys [${Object.keys(g).join(', ')}]`
      }`,
    );
  const metrics = opts.metrics ?? ALL_METRICS;
  for (const m of metrics) {
    if (!ALL_METRICS.includes(m))
      throw new RangeError(`metrics: unknown metric ${JSON.stringify(m)}; use ${ALL_METRICS.join(', ')}`);
  }
  if (metrics.length === 0) throw new RangeError('metrics must name at least one metric');
  const batch = opts.batch ?? 4;
  assertInteger('batch', batch, 1);
  const translateMax = opts.translateMax ?? 0.125;
  const rotateMax = opts.rotateMax ?? 1;
  assertPositive('translateMax', translateMax);
  assertPositive('rotateMax', rotateMax);
  const { zDim, imgResolution: res } = gen.config;
  // StyleGAN2 with per-pixel noise: the official metric uses each layer's stored noise (noise_mode 'const').
  const noisy = (gen.config as { useNoise?: unknown }).useNoise === true;

  const replayZ = flat('z', opts.replay?.z);
  const replay = opts.replay
    ? {
        uInt: flat('uInt', opts.replay.uInt),
        uFrac: flat('uFrac', opts.replay.uFrac),
        uAngle: flat('uAngle', opts.replay.uAngle),
      }
    : undefined;
  let samples: number;
  if (replayZ) {
    if (replayZ.length % zDim !== 0)
      throw new RangeError(`replay.z must have a multiple of zDim=${zDim} values, got ${replayZ.length}`);
    samples = replayZ.length / zDim;
  } else {
    samples = opts.samples ?? 256;
    assertInteger('samples', samples, 1);
  }
  const batches = Math.ceil(samples / batch);
  if (replay) {
    const need = (name: 'uInt' | 'uFrac' | 'uAngle', metric: EquivarianceMetric, per: number) => {
      if (!metrics.includes(metric)) return;
      const a = replay[name];
      if (!a || a.length < batches * per) {
        throw new RangeError(
          `replay.${name} needs ${batches * per} values for ${batches} batches, got ${a?.length ?? 0}`,
        );
      }
    };
    need('uInt', 'eqt', 2);
    need('uFrac', 'eqt_frac', 2);
    need('uAngle', 'eqr', 1);
  }
  const rng = new Rng(opts.seed ?? 0);
  const sums: Partial<Record<EquivarianceMetric, [number, number]>> = {};
  const add = (m: EquivarianceMetric, s: [number, number]) => {
    const prev = sums[m] ?? [0, 0];
    sums[m] = [prev[0] + s[0], prev[1] + s[1]];
  };
  const f32 = Math.fround;

  for (let b = 0; b < batches; b++) {
    const n = replayZ ? Math.min(batch, samples - b * batch) : batch;
    const zData = new Float32Array(n * zDim);
    for (let i = 0; i < zData.length; i++) zData[i] = replayZ ? replayZ[b * batch * zDim + i] : rng.normal();
    const draw2 = (a: Float64Array | undefined): [number, number] =>
      a ? [a[2 * b], a[2 * b + 1]] : [f32(rng.uniform()), f32(rng.uniform())];
    const uInt = metrics.includes('eqt') ? draw2(replay?.uInt) : null;
    const uFrac = metrics.includes('eqt_frac') ? draw2(replay?.uFrac) : null;
    const uAngle = metrics.includes('eqr') ? (replay?.uAngle ? replay.uAngle[b] : f32(rng.uniform())) : null;

    const ws = tf.tidy(() => gen.mapping(tf.tensor2d(zData, [n, zDim]), { psi: 1 }));
    const render = async (transform: number[]) => {
      const { image } = gen.synthesis(ws, noisy ? { transform, noiseMode: 'const' } : { transform });
      const nd = await toNd(image);
      image.dispose();
      return nd;
    };
    try {
      const orig = await render([1, 0, 0, 0, 1, 0, 0, 0, 1]);
      if (uInt) {
        // float32 arithmetic as in the official code: t = (2u − 1)·t_max, rounded to whole pixels.
        const t = uInt.map((u) =>
          f32(roundHalfEven(f32(f32(f32(u * 2) - 1) * f32(translateMax)) * res) / res),
        );
        const img = await render(translationTransform(t[0], t[1]));
        const { image: ref, mask } = translateInteger(orig, t[0], t[1]);
        add('eqt', maskedSums(ref, img, broadcastMask(mask, img)));
      }
      if (uFrac) {
        const t = uFrac.map((u) => f32(f32(f32(u * 2) - 1) * f32(translateMax)));
        const img = await render(translationTransform(t[0], t[1]));
        const { image: ref, mask } = translateFractional(orig, t[0], t[1]);
        add('eqt_frac', maskedSums(ref, img, broadcastMask(mask, img)));
      }
      if (uAngle !== null) {
        const angle = f32(f32(f32(uAngle * 2) - 1) * f32(rotateMax * Math.PI));
        const img = await render(rotationMatrix(-angle));
        const { image: ref, mask: refMask } = rotateFractional(orig, angle);
        const { image: pseudo, mask: pseudoMask } = rotatePseudo(img, angle);
        const mask = broadcastMask(refMask, ref);
        const pm = broadcastMask(pseudoMask, ref);
        const prod = new Float32Array(mask.data.length);
        const md = mask.data as ArrayLike<number>;
        const pd = pm.data as ArrayLike<number>;
        for (let i = 0; i < prod.length; i++) prod[i] = md[i] * pd[i];
        add('eqr', maskedSums(ref, pseudo, ndarray(prod, ref.shape.slice())));
      }
    } finally {
      ws.dispose();
    }
    opts.onProgress?.(Math.min((b + 1) * batch, samples), samples);
  }

  const result: EquivarianceResult = { sums, samples };
  for (const m of metrics) result[m] = psnrFromSums(sums[m]!);
  return result;
}
