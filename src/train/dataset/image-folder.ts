/**
 * The official training-set format (`dataset_tool.py` → `training/dataset.py` `ImageFolderDataset`):
 * a ZIP (or a folder) of PNGs named `<idx[:5]>/img<idx:08d>.png` plus `dataset.json` =
 * `{"labels": [[name, label], …] | null}`. Images are uint8, square, power-of-two sized, 1 or 3
 * channels, all alike. The reader sorts the image names, maps labels by name, x-flips on demand
 * (index ≥ N shows image index−N mirrored, doubling the set) and scales uint8 to [−1, 1] as the
 * training loop does (`x/127.5 − 1`, float32).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Rng } from '../../generator/rng.js';
import {
  DatasetError,
  decodeImage,
  encodeImage,
  isPowerOfTwo,
  resizeImage,
  type Uint8Image,
} from './images.js';
import { readZip, writeZip, type ZipEntry } from './zip.js';

/** A label as `dataset.json` stores it: a class index or a vector. */
export type Label = number | number[];

/** Archive name of image `idx` as dataset_tool.py writes it: `00000/img00000000.png`. */
export function archiveName(idx: number): string {
  const s = String(idx).padStart(8, '0');
  return `${s.slice(0, 5)}/img${s}.png`;
}

function checkAlike(img: Uint8Image, first: Uint8Image | null, what: string, firstWhat: string): void {
  if (img.width !== img.height)
    throw new DatasetError(`${what}: is ${img.width}×${img.height}; images must be square`);
  if (!isPowerOfTwo(img.width))
    throw new DatasetError(`${what}: side ${img.width} is not a power of two (give --resolution to resize)`);
  if (first && (img.width !== first.width || img.channels !== first.channels))
    throw new DatasetError(
      `${what}: is ${img.width}×${img.height} with ${img.channels} channel(s) but ${firstWhat} is ` +
        `${first.width}×${first.height} with ${first.channels}; all images of a dataset must have the same size and channels`,
    );
}

/**
 * The bytes of an official dataset ZIP: each image as `archiveName(i)` (grey or RGB PNG) and then
 * `dataset.json` (labels null unless every image has one). Images must all be square, of the same
 * power-of-two size and channel count (DatasetError naming the first offender).
 */
export function writeDatasetZip(
  images: readonly { image: Uint8Image; label?: Label; source?: string }[],
): Uint8Array {
  if (images.length === 0) throw new DatasetError('no images to write');
  const entries: ZipEntry[] = [];
  const labels: [string, Label][] = [];
  let allLabelled = true;
  images.forEach(({ image, label, source }, i) => {
    checkAlike(image, i ? images[0].image : null, source ?? `image ${i}`, images[0].source ?? 'image 0');
    const name = archiveName(i);
    entries.push({ name, data: encodeImage(image) });
    if (label === undefined) allLabelled = false;
    else labels.push([name, label]);
  });
  const json = JSON.stringify({ labels: allLabelled ? labels : null });
  entries.push({ name: 'dataset.json', data: new TextEncoder().encode(json) });
  return writeZip(entries);
}

function listPngs(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

const IMAGE_EXT = /\.(png|jpe?g|bmp|gif|tiff?|webp)$/i;

/**
 * `dataset_tool.py --source=DIR`: every image under `dir` (recursively, sorted by path), labels from
 * `dir/dataset.json` when present, optionally resized to `resolution`×`resolution`. Only PNG is
 * decoded (other image files raise a DatasetError that says so). Returns the ZIP bytes.
 */
export function datasetZipFromFolder(dir: string, opts: { resolution?: number } = {}): Uint8Array {
  if (typeof dir !== 'string' || !dir) throw new TypeError(`dir must be a non-empty string, got ${dir}`);
  const { resolution } = opts;
  if (resolution !== undefined && !isPowerOfTwo(resolution))
    throw new RangeError(`resolution must be a power of two, got ${resolution}`);
  const files = listPngs(dir)
    .filter((f) => IMAGE_EXT.test(f))
    .map((f) => relative(dir, f).split(sep).join('/'))
    .sort();
  if (files.length === 0) throw new DatasetError(`${dir}: no image files found`);
  let labelMap: Map<string, Label> | null = null;
  try {
    const meta = JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8')) as {
      labels?: [string, Label][] | null;
    };
    if (meta.labels) labelMap = new Map(meta.labels.map(([k, v]) => [k, v]));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new DatasetError(`${dir}/dataset.json: ${(e as Error).message}`);
  }
  const images = files.map((rel) => {
    if (!/\.png$/i.test(rel))
      throw new DatasetError(`${join(dir, rel)}: only PNG images are read; convert it to PNG first`);
    let image = decodeImage(readFileSync(join(dir, rel)), join(dir, rel));
    if (resolution !== undefined) {
      if (image.width !== image.height)
        throw new DatasetError(`${join(dir, rel)}: is ${image.width}×${image.height}; images must be square`);
      image = resizeImage(image, resolution);
    }
    return { image, label: labelMap?.get(rel), source: join(dir, rel) };
  });
  return writeDatasetZip(images);
}

/** Options of `ImageDataset`. */
export interface ImageDatasetOptions {
  /** Required image side (IOError in the official reader when it differs). */
  resolution?: number;
  /** Mirror every image as well (doubles the set). */
  xflip?: boolean;
  /** Keep only the first `maxSize` images (after sorting), as the official `max_size`. */
  maxSize?: number | null;
  /** Return labels (one-hot for integer labels). */
  useLabels?: boolean;
  /** What to call the source in messages. */
  what?: string;
}

/**
 * A training set in memory: decoded lazily from a dataset ZIP (or folder), indexed 0 … length−1
 * where indices ≥ rawLength are x-flipped copies when `xflip` is on.
 */
export class ImageDataset {
  readonly names: string[];
  readonly resolution: number;
  readonly channels: number;
  readonly xflip: boolean;
  /** Labels per raw image (one-hot rows for integer labels), or null. */
  readonly labels: Float32Array[] | null;
  private readonly files: Map<string, Uint8Array>;
  private readonly cache = new Map<number, Uint8Image>();
  private readonly what: string;

  private constructor(files: Map<string, Uint8Array>, opts: ImageDatasetOptions) {
    this.what = opts.what ?? 'dataset';
    this.files = files;
    let names = [...files.keys()].filter((n) => /\.png$/i.test(n)).sort();
    const others = [...files.keys()].filter((n) => IMAGE_EXT.test(n) && !/\.png$/i.test(n));
    if (others.length)
      throw new DatasetError(`${this.what}: ${others[0]} is not a PNG (only PNG images are read)`);
    if (names.length === 0) throw new DatasetError(`${this.what}: holds no PNG images`);
    if (opts.maxSize !== undefined && opts.maxSize !== null) {
      if (!Number.isSafeInteger(opts.maxSize) || opts.maxSize < 1)
        throw new RangeError(`maxSize must be a positive integer or null, got ${opts.maxSize}`);
      names = names.slice(0, opts.maxSize);
    }
    this.names = names;
    const first = this.raw(0);
    checkAlike(first, null, `${this.what}: ${names[0]}`, '');
    this.resolution = first.width;
    this.channels = first.channels;
    if (opts.resolution !== undefined && opts.resolution !== this.resolution)
      throw new DatasetError(
        `${this.what}: images are ${this.resolution}×${this.resolution}, but resolution ${opts.resolution} was asked for`,
      );
    this.xflip = opts.xflip ?? false;
    this.labels = opts.useLabels ? this.readLabels() : null;
  }

  /** Open a dataset ZIP's bytes. */
  static fromZip(bytes: Uint8Array, opts: ImageDatasetOptions = {}): ImageDataset {
    const what = opts.what ?? 'dataset zip';
    const files = new Map(readZip(bytes, what).map((e) => [e.name, e.data] as [string, Uint8Array]));
    return new ImageDataset(files, { ...opts, what });
  }

  /** Open a dataset ZIP file or a folder in the same layout. */
  static open(path: string, opts: ImageDatasetOptions = {}): ImageDataset {
    if (typeof path !== 'string' || !path)
      throw new TypeError(`path must be a non-empty string, got ${path}`);
    if (statSync(path).isDirectory()) {
      const files = new Map<string, Uint8Array>();
      for (const f of listPngs(path)) files.set(relative(path, f).split(sep).join('/'), readFileSync(f));
      return new ImageDataset(files, { what: path, ...opts });
    }
    return ImageDataset.fromZip(readFileSync(path), { what: path, ...opts });
  }

  /** Images before x-flipping. */
  get rawLength(): number {
    return this.names.length;
  }

  /** Images including the mirrored copies. */
  get length(): number {
    return this.names.length * (this.xflip ? 2 : 1);
  }

  /** Label vector length (0 without labels). */
  get labelDim(): number {
    return this.labels ? this.labels[0].length : 0;
  }

  private readLabels(): Float32Array[] | null {
    const json = this.files.get('dataset.json');
    if (!json) return null;
    const meta = JSON.parse(new TextDecoder().decode(json)) as { labels?: [string, Label][] | null };
    if (!meta.labels) return null;
    const map = new Map(meta.labels);
    const raw = this.names.map((n) => {
      const l = map.get(n);
      if (l === undefined) throw new DatasetError(`${this.what}: dataset.json has no label for ${n}`);
      return l;
    });
    if (raw.every((l) => typeof l === 'number')) {
      const dim = Math.max(...(raw as number[])) + 1;
      return (raw as number[]).map((l) => {
        if (!Number.isSafeInteger(l) || l < 0)
          throw new DatasetError(`${this.what}: label ${l} is not a class index`);
        const v = new Float32Array(dim);
        v[l] = 1;
        return v;
      });
    }
    return raw.map((l) => Float32Array.from(Array.isArray(l) ? l : [l]));
  }

  private raw(i: number): Uint8Image {
    let img = this.cache.get(i);
    if (!img) {
      const name = this.names[i];
      img = decodeImage(this.files.get(name)!, `${this.what}: ${name}`);
      if (i > 0) checkAlike(img, this.raw(0), `${this.what}: ${name}`, `${this.names[0]}`);
      this.cache.set(i, img);
    }
    return img;
  }

  /** Image `index` (0 … length−1) as CHW uint8; indices ≥ rawLength are mirrored left–right. */
  image(index: number): Uint8Image {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.length)
      throw new RangeError(`index must be an integer in [0, ${this.length}), got ${index}`);
    const img = this.raw(index % this.rawLength);
    if (index < this.rawLength) return img;
    const { width: W, height: H, channels: C } = img;
    const out = new Uint8Array(img.data.length);
    for (let c = 0; c < C; c++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) out[(c * H + y) * W + x] = img.data[(c * H + y) * W + (W - 1 - x)];
    return { ...img, data: out };
  }

  /** Images `indices` as one float32 NCHW batch in [−1, 1]: `x/127.5 − 1` (official scaling). */
  batch(indices: readonly number[]): { data: Float32Array; shape: [number, number, number, number] } {
    const R = this.resolution;
    const C = this.channels;
    const per = C * R * R;
    const data = new Float32Array(indices.length * per);
    indices.forEach((idx, n) => {
      const img = this.image(idx).data;
      for (let i = 0; i < per; i++) data[n * per + i] = Math.fround(img[i] / 127.5) - 1;
    });
    return { data, shape: [indices.length, C, R, R] };
  }

  /**
   * The `training_set_kwargs` a snapshot records (train.py's `init_dataset_kwargs` after the checks):
   * `{class_name: 'training.dataset.ImageFolderDataset', path, use_labels, max_size, xflip, resolution, random_seed}`.
   */
  trainingSetKwargs(path: string, randomSeed: number): Record<string, unknown> {
    return {
      class_name: 'training.dataset.ImageFolderDataset',
      path,
      use_labels: this.labels !== null,
      max_size: this.rawLength,
      xflip: this.xflip,
      resolution: this.resolution,
      random_seed: randomSeed,
    };
  }
}

/**
 * The official `InfiniteSampler` (shuffle on, `window_size` 0.5) with this project's RNG: a seeded
 * permutation walked cyclically, each visited slot swapped with one of the previous `window` slots,
 * so the order keeps changing between epochs while every image is seen about equally often.
 */
export class InfiniteSampler {
  private order: number[];
  private idx = 0;
  private rng: Rng;
  private window: number;

  constructor(size: number, seed = 0, windowSize = 0.5) {
    if (!Number.isSafeInteger(size) || size < 1)
      throw new RangeError(`size must be a positive integer, got ${size}`);
    if (!(windowSize >= 0 && windowSize <= 1))
      throw new RangeError(`windowSize must lie in [0, 1], got ${windowSize}`);
    this.rng = new Rng(seed);
    this.order = Array.from({ length: size }, (_, i) => i);
    for (let i = size - 1; i > 0; i--) {
      const j = Math.floor(this.rng.uniform() * (i + 1));
      [this.order[i], this.order[j]] = [this.order[j], this.order[i]];
    }
    this.window = Math.round(size * windowSize);
  }

  /** The next index. */
  next(): number {
    const n = this.order.length;
    const i = this.idx % n;
    const out = this.order[i];
    if (this.window >= 2) {
      const j = (((i - Math.floor(this.rng.uniform() * this.window)) % n) + n) % n;
      [this.order[i], this.order[j]] = [this.order[j], this.order[i]];
    }
    this.idx++;
    return out;
  }

  /** The next `n` indices. */
  take(n: number): number[] {
    return Array.from({ length: n }, () => this.next());
  }
}
