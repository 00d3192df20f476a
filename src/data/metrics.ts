/**
 * The measurements recorded for a trained network, and the same on the untrained network of its
 * config:
 *
 * - SWD against the training set, as `aliasfree metrics --swd` computes it (the same real images —
 *   `InfiniteSampler(count, seed)` picks them —, the same latents `Rng('metrics:<seed>')`, the same
 *   uint8 conversion and `swd` options), except that the training set is regenerated from the
 *   procedural generator instead of read from a zip, so `data/` stores no dataset.
 * - EQ-T / EQ-T_frac / EQ-R (`equivariance`), here batch by batch: each batch is replayed with
 *   exactly the draws `equivariance` would make for the whole run, so the pooled result is the
 *   same number, and the per-batch errors give the metric's sampling spread (its standard error),
 *   from which `data:check` derives its tolerance.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../generator/rng.js';
import { StyleGAN2Generator } from '../generator/stylegan2/generator.js';
import type { AnyGenerator } from '../generator/weights.js';
import { ALL_METRICS, equivariance, psnrFromSums, type EquivarianceMetric } from '../metrics/equivariance.js';
import { imagesToUint8, swd } from '../metrics/swd.js';
import { proceduralImage } from '../train/dataset/procedural.js';
import { InfiniteSampler } from '../train/dataset/image-folder.js';
import type { EqValue, SwdValue, TrainedDataset } from './manifest.js';

/**
 * `images` real images of the procedural set, NCHW uint8: the indices `aliasfree metrics --swd
 * --num images --seed seed` draws from the zip of the same set (the zip stores image i as index i).
 */
export function proceduralReals(
  ds: Pick<TrainedDataset, 'count' | 'resolution' | 'seed' | 'channels'>,
  images: number,
  seed: number,
): Uint8Array {
  const R = ds.resolution;
  const C = ds.channels;
  const sampler = new InfiniteSampler(ds.count, seed);
  const idx = images <= ds.count ? sampler.take(ds.count).slice(0, images) : sampler.take(images);
  const out = new Uint8Array(images * C * R * R);
  idx.forEach((i, k) =>
    out.set(proceduralImage(i, { resolution: R, seed: ds.seed, channels: C }).data, k * C * R * R),
  );
  return out;
}

/** `images` generated images as uint8 NCHW: latents from `Rng('metrics:<seed>')`, batches of 8. */
export async function generatedUint8(
  gen: AnyGenerator,
  images: number,
  seed: number,
  psi: number,
): Promise<Uint8Array> {
  const { zDim, imgResolution: R, imgChannels: C } = gen.config;
  const out = new Uint8Array(images * C * R * R);
  const rng = new Rng(`metrics:${seed}`);
  for (let k = 0; k < images; k += 8) {
    const b = Math.min(8, images - k);
    const img = tf.tidy(() => {
      const z = tf.tensor2d(rng.normals(b * zDim), [b, zDim]);
      return gen instanceof StyleGAN2Generator
        ? gen.generate(z, { psi, noiseMode: 'const' }).image
        : gen.generate(z, { psi }).image;
    });
    try {
      out.set(imagesToUint8((await img.data()) as Float32Array), k * C * R * R);
    } finally {
      img.dispose();
    }
  }
  return out;
}

/** SWD×10³ of `gen` against `reals` (from `proceduralReals` with the same `images` and `seed`). */
export async function swdAgainst(
  gen: AnyGenerator,
  reals: Uint8Array,
  { images, seed, psi }: { images: number; seed: number; psi: number },
): Promise<SwdValue> {
  const { imgResolution: R, imgChannels: C } = gen.config;
  if (reals.length !== images * C * R * R)
    throw new RangeError(
      `reals must hold ${images} images of ${C}×${R}² (${images * C * R * R} values) to match the network, got ${reals.length}`,
    );
  const fake = await generatedUint8(gen, images, seed, psi);
  const r = swd(reals, fake, [images, C, R, R], { seed });
  return { average: r.average, perLevel: r.perLevel, resolutions: r.resolutions };
}

/** Whether a generator has an input to translate and rotate (all but a StyleGAN2 with a constant, A). */
export function transformable(gen: AnyGenerator): boolean {
  return !(gen instanceof StyleGAN2Generator) || gen.config.input === 'fourier';
}

/** Per-metric pooled sums `[Σ mask·err², Σ mask]` of every batch, and the pooled PSNR. */
export interface EqBatches {
  samples: number;
  batch: number;
  perBatch: Partial<Record<EquivarianceMetric, [number, number][]>>;
  psnr: Partial<Record<EquivarianceMetric, number>>;
}

/**
 * `equivariance(gen, {samples, seed, batch})`, one batch at a time. The draws are made here in
 * `equivariance`'s documented order (per batch: batch·zDim normals as float32, then two float32
 * uniforms for EQ-T, two for EQ-T_frac, one for EQ-R) and replayed, so the pooled numbers equal a
 * single `equivariance` call with the same seed (tested), while each batch's sums stay visible.
 */
export async function equivarianceBatches(
  gen: AnyGenerator,
  {
    samples,
    seed,
    batch = 4,
    onProgress,
  }: { samples: number; seed: number; batch?: number; onProgress?: (done: number, total: number) => void },
): Promise<EqBatches> {
  if (!Number.isSafeInteger(samples) || samples < 1)
    throw new RangeError(`samples must be a positive integer, got ${samples}`);
  const zDim = gen.config.zDim;
  const rng = new Rng(seed);
  const f32 = Math.fround;
  const batches = Math.ceil(samples / batch);
  const perBatch: Record<EquivarianceMetric, [number, number][]> = { eqt: [], eqt_frac: [], eqr: [] };
  for (let b = 0; b < batches; b++) {
    // equivariance() renders whole batches (the last one too, as the official loop): same here.
    const z = new Float32Array(batch * zDim);
    for (let i = 0; i < z.length; i++) z[i] = rng.normal();
    const uInt = [f32(rng.uniform()), f32(rng.uniform())];
    const uFrac = [f32(rng.uniform()), f32(rng.uniform())];
    const uAngle = [f32(rng.uniform())];
    const r = await equivariance(gen, { batch, replay: { z, uInt, uFrac, uAngle } });
    for (const m of ALL_METRICS) perBatch[m].push(r.sums[m]!);
    onProgress?.(Math.min((b + 1) * batch, samples), samples);
  }
  const psnr: Partial<Record<EquivarianceMetric, number>> = {};
  for (const m of ALL_METRICS) psnr[m] = psnrFromSums(poolSums(perBatch[m]));
  return { samples, batch, perBatch, psnr };
}

/** Σ over batches of `[err, mask]`. */
export function poolSums(sums: readonly [number, number][]): [number, number] {
  return sums.reduce<[number, number]>((a, s) => [a[0] + s[0], a[1] + s[1]], [0, 0]);
}

/**
 * Standard error (dB) of a pooled PSNR from its per-batch sums: the pooled MSE is the ratio
 * estimator R = Σe/Σk, whose variance over B independent batches is ≈ Σ(e_b − R·k_b)² / ((B−1)·B·k̄²)
 * (delta method), and dB = −10·log10(R) turns a relative error δ into 10/ln 10 · δ dB. Needs ≥ 2 batches.
 */
export function psnrStandardErrorDb(sums: readonly [number, number][]): number {
  const B = sums.length;
  if (B < 2) throw new RangeError(`the standard error needs at least 2 batches, got ${B}`);
  const [E, K] = poolSums(sums);
  const R = E / K;
  const kMean = K / B;
  let ss = 0;
  for (const [e, k] of sums) ss += (e - R * k) ** 2;
  const varR = ss / ((B - 1) * B * kMean * kMean);
  return ((10 / Math.LN10) * Math.sqrt(varR)) / R;
}

/** The EQ triple of a batch run (`EqValue`). */
export function eqValueOf(r: EqBatches): EqValue {
  return { eqt: r.psnr.eqt ?? null, eqt_frac: r.psnr.eqt_frac ?? null, eqr: r.psnr.eqr ?? null };
}
