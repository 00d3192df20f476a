/**
 * The trained networks of a data folder without loading any (no TensorFlow.js here, so the studio
 * server and the CLI can list them cheaply): the folder, its validated manifest, the file checks
 * (presence, size, SHA-256) and the listing of what is present.
 *
 * The folder is found relative to this module (`src/data/` in a checkout, `dist/data/` in a build or
 * an installed package: both sit two levels below the package root), never relative to the working
 * directory, so the same call works from source, from `dist` and from `node_modules/aliasfree`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManifestError, validateManifest, type TrainedEntry, type TrainedManifest } from './manifest.js';

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


/** How lists (the studio's served networks) name a trained network: its id and what it learned. */
export function trainedDisplayName(e: Pick<TrainedEntry, 'id' | 'train'>): string {
  return `${e.id} — trained on the procedural set, ${e.train.kimg} kimg`;
}
