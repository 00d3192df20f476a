/**
 * The trained networks shipped in the package's `data/` folder: list them (`trainedNetworks`) and
 * load one (`loadTrained`), lazily — nothing is read when this module is imported, and a pickle is
 * only parsed when asked for.
 *
 * The folder is found relative to this module (`src/data/` in a checkout, `dist/data/` in a build or
 * an installed package: both sit two levels below the package root), never relative to the working
 * directory, so the same call works from source, from `dist` and from `node_modules/aliasfree`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { readNpy } from '../io/npy.js';
import { latentForSeed } from '../cli/build.js';
import { generatorFromSnapshot, loadGenerator, type AnyGenerator } from '../generator/weights.js';
import { StyleGAN2Generator } from '../generator/stylegan2/generator.js';
import { seededGeneratorState } from '../train/networks.js';
import { ManifestError, validateManifest, type RecordedImage, type TrainedEntry, type TrainedManifest } from './manifest.js';

/** The package's `data/` folder (absolute). */
export function defaultDataDir(): string {
  return fileURLToPath(new URL('../../data/', import.meta.url));
}

/** Where to look: `dir` (a data folder holding `manifest.json`) or the package's own. */
export interface DataDirOption {
  dir?: string;
}

/** The manifest file of a data folder. */
export function manifestPath(dir: string): string {
  return join(dir, 'manifest.json');
}

/**
 * The validated manifest of `dir` (the package's `data/` by default), or null when the folder has no
 * `manifest.json`. A manifest that is not valid JSON or breaks the layout throws `ManifestError`.
 */
export function readManifest({ dir = defaultDataDir() }: DataDirOption = {}): TrainedManifest | null {
  const path = manifestPath(dir);
  if (!existsSync(path)) return null;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ManifestError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return validateManifest(json, path);
}

/** SHA-256 of a file, hex. */
export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * Check that the files of `e` exist in `dir` with the recorded size and, with `hash`, the recorded
 * SHA-256. Throws `ManifestError` naming the entry, the file and what differs.
 */
export function verifyEntryFiles(e: TrainedEntry, dir: string, { hash = true }: { hash?: boolean } = {}): void {
  for (const [field, file, bytes, sha] of [
    ['file', e.file, e.bytes, e.sha256],
    ['image.file', e.image.file, e.image.bytes, e.image.sha256],
  ] as const) {
    const path = join(dir, file);
    if (!existsSync(path))
      throw new ManifestError(`${e.id}: ${field} ${JSON.stringify(file)} is missing (looked for ${path})`);
    const size = statSync(path).size;
    if (size !== bytes)
      throw new ManifestError(
        `${e.id}: ${field} ${JSON.stringify(file)} has ${size} bytes, the manifest records ${bytes} (a different or truncated file)`,
      );
    if (hash) {
      const got = sha256File(path);
      if (got !== sha)
        throw new ManifestError(
          `${e.id}: ${field} ${JSON.stringify(file)} has SHA-256 ${got}, the manifest records ${sha} (a different file of the same size)`,
        );
    }
  }
}

/** One listed network: its manifest entry and the absolute paths of its files. */
export interface TrainedListing {
  entry: TrainedEntry;
  /** The snapshot pickle. */
  path: string;
  /** The recorded image `.npy`. */
  imagePath: string;
}

/**
 * The trained networks present in `dir` (default: the package's `data/`): every manifest entry whose
 * files exist with the recorded sizes (hashes are checked by `loadTrained`). An entry whose pickle
 * is absent — a checkout without the large files — is left out, not an error; no manifest gives [].
 */
export function trainedNetworks(opts: DataDirOption = {}): TrainedListing[] {
  const dir = resolve(opts.dir ?? defaultDataDir());
  const m = readManifest({ dir });
  if (!m) return [];
  const out: TrainedListing[] = [];
  for (const entry of m.networks) {
    try {
      verifyEntryFiles(entry, dir, { hash: false });
    } catch {
      continue;
    }
    out.push({ entry, path: join(dir, entry.file), imagePath: join(dir, entry.image.file) });
  }
  return out;
}

/** The entry `id` of the manifest in `dir`; throws a RangeError listing the known ids otherwise. */
export function trainedEntry(id: string, opts: DataDirOption = {}): TrainedEntry {
  const dir = resolve(opts.dir ?? defaultDataDir());
  const m = readManifest({ dir });
  if (!m) throw new RangeError(`id ${JSON.stringify(id)}: ${manifestPath(dir)} does not exist`);
  const e = m.networks.find((n) => n.id === id);
  if (!e)
    throw new RangeError(
      `id must be one of ${m.networks.map((n) => JSON.stringify(n.id)).join(', ') || '(none recorded)'}, got ${JSON.stringify(id)}`,
    );
  return e;
}

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
    const z = tf.tensor2d(latentForSeed(image.seed, zDim), [1, zDim]);
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
