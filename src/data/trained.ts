/**
 * The trained networks shipped in the package's `data/` folder: list them (`trainedNetworks`, from
 * listing.ts) and load one (`loadTrained`), lazily — nothing is read when this module is imported,
 * and a pickle is only parsed when asked for. Also the untrained network of a trained one's config
 * and the recorded-image comparison.
 */
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readNpy } from '../io/npy.js';
import { Rng } from '../generator/rng.js';
import { generatorFromSnapshot, loadGenerator, type AnyGenerator } from '../generator/weights.js';
import { StyleGAN2Generator } from '../generator/stylegan2/generator.js';
import { seededGeneratorState } from '../train/networks.js';
import type { RecordedImage, TrainedEntry } from './manifest.js';
import { defaultDataDir, trainedEntry, verifyEntryFiles, type DataDirOption } from './listing.js';

export {
  defaultDataDir,
  manifestPath,
  readManifest,
  sha256File,
  trainedEntry,
  trainedNetworks,
  verifyEntryFiles,
  type DataDirOption,
  type TrainedListing,
} from './listing.js';

/** A loaded trained network (the snapshot's G_ema) with its manifest entry. */
export interface LoadedTrained {
  entry: TrainedEntry;
  generator: AnyGenerator;
}

/**
 * Load trained network `id` (the G_ema of its snapshot, through `loadGenerator`). Its files are
 * checked first (presence, size and, unless `verify: false`, SHA-256), so a replaced or truncated
 * file fails with a message instead of loading other weights silently. The caller disposes the
 * generator.
 */
export async function loadTrained(
  id: string,
  opts: DataDirOption & { verify?: boolean } = {},
): Promise<LoadedTrained> {
  const dir = resolve(opts.dir ?? defaultDataDir());
  const entry = trainedEntry(id, { dir });
  verifyEntryFiles(entry, dir, { hash: opts.verify ?? true });
  return { entry, generator: await loadGenerator<AnyGenerator>(join(dir, entry.file)) };
}

/**
 * The untrained network of the same config: the run's `G_kwargs` with fresh seeded weights, exactly
 * the state train.py's constructor gives for `seed` (`seededGeneratorState`, seed stream `G:<seed>`),
 * i.e. where this training started.
 */
export async function untrainedGenerator(
  gKwargs: Record<string, unknown>,
  seed: number,
): Promise<AnyGenerator> {
  const state = await seededGeneratorState(gKwargs, seed);
  return generatorFromSnapshot<AnyGenerator>({ initKwargs: gKwargs, state });
}

/** The G kwargs of a run's `training_options.json` (`G_kwargs`), checked to carry a class name. */
export function generatorKwargs(options: Record<string, unknown>, what = 'training options'): Record<string, unknown> {
  const g = options.G_kwargs;
  if (!g || typeof g !== 'object' || typeof (g as Record<string, unknown>).class_name !== 'string')
    throw new RangeError(`${what}: G_kwargs with a class_name is missing`);
  return g as Record<string, unknown>;
}

/**
 * Render the recorded image's latent: z = `latentForSeed(seed)`, truncation ψ, StyleGAN2 with its
 * stored noise (`noiseMode 'const'`, so the pixels are repeatable). Returns `[1, C, H, W]` float32.
 */
export async function renderRecorded(
  gen: AnyGenerator,
  image: Pick<RecordedImage, 'seed' | 'psi'>,
): Promise<{ data: Float32Array; shape: number[] }> {
  const zDim = gen.config.zDim;
  const img = tf.tidy(() => {
    // The CLI's latent for a seed (`latentForSeed`, `--seeds`): zDim normals of Rng(seed).
    const z = tf.tensor2d(new Rng(image.seed).normals(zDim), [1, zDim]);
    return gen instanceof StyleGAN2Generator
      ? gen.generate(z, { psi: image.psi, noiseMode: 'const' }).image
      : gen.generate(z, { psi: image.psi }).image;
  });
  try {
    return { data: Float32Array.from((await img.data()) as Float32Array), shape: img.shape.slice() };
  } finally {
    img.dispose();
  }
}

/**
 * Relative tolerance of the reproduced image: max |Δ| ≤ 1e-5 · max |expected|. The same backend
 * reproduces the pixels bit for bit; wasm against cpu or tensorflow differ by float32 summation
 * order, below 2e-6 · max on the golden generators — 1e-5 leaves room for that and nothing else
 * (other weights or another latent change the pixels by whole percents).
 */
export const IMAGE_TOLERANCE = 1e-5;

/** How closely a network reproduces its recorded image. */
export interface ImageComparison {
  maxAbsDiff: number;
  maxAbsExpected: number;
  /** maxAbsDiff / maxAbsExpected. */
  relative: number;
  ok: boolean;
}

/** Render the entry's recorded latent with `gen` and compare with the stored `.npy` in `dir`. */
export async function compareRecordedImage(
  gen: AnyGenerator,
  entry: TrainedEntry,
  dir: string = defaultDataDir(),
): Promise<ImageComparison> {
  const expected = readNpy(join(dir, entry.image.file));
  const got = await renderRecorded(gen, entry.image);
  if (expected.shape.join() !== got.shape.join())
    throw new RangeError(
      `${entry.id}: the network renders [${got.shape.join(', ')}], the recorded image is [${expected.shape.join(', ')}]`,
    );
  const e = expected.data as ArrayLike<number>;
  let maxAbsDiff = 0;
  let maxAbsExpected = 0;
  for (let i = 0; i < got.data.length; i++) {
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(got.data[i] - e[i]));
    maxAbsExpected = Math.max(maxAbsExpected, Math.abs(e[i]));
  }
  const relative = maxAbsDiff / Math.max(maxAbsExpected, 1e-30);
  return { maxAbsDiff, maxAbsExpected, relative, ok: relative <= IMAGE_TOLERANCE };
}
