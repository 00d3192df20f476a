/**
 * `aliasfree train`, `aliasfree dataset` and `aliasfree metrics`: the training commands with
 * train.py's / dataset_tool.py's flag names. Registered on the program by `addTrainCommands`.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { finiteNumber, nonNegativeInt, positiveInt, backendName, type CliBackendName } from './options.js';
import type { TrainCfg } from '../train/config.js';

/** `--cfg` values (train.py's, then the ladder's; listed here so that help loads no tfjs). */
const CFG_CHOICES: readonly TrainCfg[] = [
  'stylegan3-t',
  'stylegan3-r',
  'stylegan2',
  ...(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'T', 'R'] as const),
];

/** A number > 0 (kimg may be fractional here, unlike train.py). */
function positiveNumber(value: string): number {
  const n = finiteNumber(value);
  if (!(n > 0)) throw new InvalidArgumentError(`expected a number > 0, got ${JSON.stringify(value)}`);
  return n;
}

/** A number >= 0. */
function nonNegativeNumber(value: string): number {
  const n = finiteNumber(value);
  if (!(n >= 0)) throw new InvalidArgumentError(`expected a number >= 0, got ${JSON.stringify(value)}`);
  return n;
}

/** A power of two >= 4 (dataset and training resolutions). */
function powerOfTwo(value: string): number {
  const n = positiveInt(value);
  if (n < 4 || (n & (n - 1)) !== 0) throw new InvalidArgumentError(`expected a power of two >= 4, got ${n}`);
  return n;
}

/** train.py's `--mirror` takes a bool. */
function bool(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new InvalidArgumentError(`expected true/false or 1/0, got ${JSON.stringify(value)}`);
}

const backendOption = () =>
  new Option('--backend <name>', 'tfjs backend: auto, wasm, cpu or tensorflow')
    .default('auto')
    .argParser(backendName);

/** Add `train`, `dataset` and `metrics` to `program`. */
export function addTrainCommands(program: Command): void {
  program
    .command('train')
    .description('train StyleGAN3-T/-R or StyleGAN2 with the official loss and loop; official snapshots')
    .addOption(
      new Option(
        '--cfg <name>',
        "base configuration: train.py's, or the paper's ladder config A–R (A, T, R: the networks of stylegan2, stylegan3-t, stylegan3-r; B–H have no official class and are refused, see docs/training.md)",
      )
        .choices(CFG_CHOICES)
        .makeOptionMandatory(),
    )
    .requiredOption('--data <zip>', 'training data: a dataset zip (or folder) in the official format')
    .requiredOption('--batch <n>', 'total batch size', positiveInt)
    .option('--resolution <px>', 'expected image resolution (checked against the data)', powerOfTwo)
    .option('--kimg <n>', 'training length in thousands of images (fractions allowed)', positiveNumber, 25000)
    .option('--tick <kimg>', 'progress interval in kimg', positiveNumber, 4)
    .option('--snap <ticks>', 'snapshot interval in ticks', positiveInt, 50)
    .option('--gamma <x>', 'R1 weight (default: 0.0002·res²/batch)', nonNegativeNumber)
    .option('--cbase <n>', 'capacity multiplier', positiveInt, 32768)
    .option('--cmax <n>', 'max. feature maps', positiveInt, 512)
    .option('--glr <x>', 'G learning rate (default 0.0025, stylegan2 0.002)', nonNegativeNumber)
    .option('--dlr <x>', 'D learning rate', nonNegativeNumber, 0.002)
    .option('--map-depth <n>', 'mapping depth (default 2, stylegan2 8)', positiveInt)
    .option('--mbstd-group <n>', 'minibatch-stddev group size', positiveInt, 4)
    .option('--z-dim <n>', 'latent z dimension', positiveInt, 512)
    .option('--w-dim <n>', 'intermediate w dimension', positiveInt, 512)
    .option('--mirror <bool>', 'dataset x-flips', bool, false)
    .option('--seed <n>', 'random seed', nonNegativeInt, 0)
    .option('--resume <pkl>', 'resume from a network snapshot')
    .option('--out <dir>', 'parent folder of the run folder', 'training-runs')
    .option(
      '--workers <n>',
      'data-parallel ranks: this thread + n−1 worker threads, one core each (the batch is split evenly)',
      positiveInt,
      1,
    )
    .option(
      '--batch-gpu <n>',
      'samples per round of each rank (train.py --batch-gpu; default batch / workers): gradients of the rounds are summed, smaller rounds need less memory',
      positiveInt,
    )
    .addOption(backendOption())
    .option('-q, --quiet', 'no progress output')
    .action(async (opts) => {
      await runTrainCommand(opts);
    });

  program
    .command('dataset')
    .description(
      'write a training set in the official dataset_tool.py zip format (from a folder or procedural)',
    )
    .option('--source <dir>', 'folder of PNG images (labels from its dataset.json, if any)')
    .option('--procedural', 'render the procedural texture-sticking set instead of reading images')
    .option('--count <n>', 'procedural: number of images', positiveInt, 1000)
    .option('--resolution <px>', 'image side (folder: resize to it; procedural: render at it)', powerOfTwo)
    .option('--channels <n>', 'procedural: 3 (RGB) or 1 (grey)', positiveInt, 3)
    .option('--seed <n>', 'procedural: seed', nonNegativeInt, 0)
    .requiredOption('--out <zip>', 'output zip file')
    .option('-q, --quiet', 'no progress output')
    .action(async (opts) => {
      await runDatasetCommand(opts);
    });

  program
    .command('metrics')
    .description("quality metrics of a snapshot's G_ema against a dataset (no downloaded network needed)")
    .requiredOption('--network <pkl>', 'network snapshot (G_ema is measured)')
    .requiredOption('--data <zip>', 'dataset zip (or folder) of real images')
    .option('--swd', 'sliced Wasserstein distance over Laplacian-pyramid patches (Karras et al. 2018)')
    .option('--num <n>', 'images per set (reals and fakes)', positiveInt, 256)
    .option('--seed <n>', 'seed of latents, patches and directions', nonNegativeInt, 0)
    .option('--psi <x>', 'truncation ψ of the fakes', finiteNumber, 1)
    .addOption(backendOption())
    .action(async (opts) => {
      await runMetricsCommand(opts);
    });
}

/** `aliasfree train` options as parsed. */
export interface TrainCommandOptions {
  cfg: TrainCfg;
  data: string;
  batch: number;
  resolution?: number;
  kimg: number;
  tick: number;
  snap: number;
  gamma?: number;
  cbase: number;
  cmax: number;
  glr?: number;
  dlr: number;
  mapDepth?: number;
  mbstdGroup: number;
  zDim: number;
  wDim: number;
  mirror: boolean;
  seed: number;
  resume?: string;
  out: string;
  workers: number;
  batchGpu?: number;
  backend: CliBackendName;
  quiet?: boolean;
}

/** Run `aliasfree train`; returns the run folder and the snapshots written. */
export async function runTrainCommand(
  opts: TrainCommandOptions,
): Promise<{ runDir: string; snapshots: string[] }> {
  const { setBackend, describeBackend } = await import('../generator/backend.js');
  const info = await setBackend(opts.backend);
  const say = (s: string) => {
    if (!opts.quiet) process.stderr.write(s + '\n');
  };
  say(`backend: ${describeBackend(info)}`);
  const { train } = await import('../train/run.js');
  const r = await train({
    ...opts,
    gamma: opts.gamma ?? null,
    glr: opts.glr ?? null,
    mapDepth: opts.mapDepth ?? null,
    log: say,
  });
  say(`done: ${r.runDir}`);
  return r;
}

/** `aliasfree dataset` options as parsed. */
export interface DatasetCommandOptions {
  source?: string;
  procedural?: boolean;
  count: number;
  resolution?: number;
  channels: number;
  seed: number;
  out: string;
  quiet?: boolean;
}

/** Run `aliasfree dataset`; returns the number of images written. */
export async function runDatasetCommand(
  opts: DatasetCommandOptions,
): Promise<{ images: number; bytes: number }> {
  const { writeFileAtomic } = await import('../train/snapshot.js');
  const { datasetZipFromFolder, writeDatasetZip, ImageDataset } =
    await import('../train/dataset/image-folder.js');
  if (!!opts.source === !!opts.procedural)
    throw new RangeError('give exactly one of --source DIR and --procedural');
  let zip: Uint8Array;
  if (opts.procedural) {
    if (opts.resolution === undefined) throw new RangeError('--procedural needs --resolution');
    const { proceduralImage } = await import('../train/dataset/procedural.js');
    const images = [];
    for (let i = 0; i < opts.count; i++) {
      images.push({
        image: proceduralImage(i, { resolution: opts.resolution, seed: opts.seed, channels: opts.channels }),
      });
      if (!opts.quiet && (i + 1) % 100 === 0) process.stderr.write(`dataset  ${i + 1}/${opts.count}\n`);
    }
    zip = writeDatasetZip(images);
  } else zip = datasetZipFromFolder(opts.source!, { resolution: opts.resolution });
  writeFileAtomic(opts.out, zip);
  const n = ImageDataset.fromZip(zip).rawLength;
  if (!opts.quiet) process.stderr.write(`wrote ${opts.out}: ${n} images, ${zip.length} bytes\n`);
  return { images: n, bytes: zip.length };
}

/** `aliasfree metrics` options as parsed. */
export interface MetricsCommandOptions {
  network: string;
  data: string;
  swd?: boolean;
  num: number;
  seed: number;
  psi: number;
  backend: CliBackendName;
}

/** Run `aliasfree metrics`; prints one JSON object and returns it. */
export async function runMetricsCommand(opts: MetricsCommandOptions): Promise<Record<string, unknown>> {
  if (!opts.swd) throw new RangeError('choose a metric: --swd');
  const { setBackend } = await import('../generator/backend.js');
  await setBackend(opts.backend);
  const tf = await import('@tensorflow/tfjs-core');
  const { loadGenerator } = await import('../generator/weights.js');
  const { StyleGAN2Generator } = await import('../generator/stylegan2/generator.js');
  const { ImageDataset, InfiniteSampler } = await import('../train/dataset/image-folder.js');
  const { swd, imagesToUint8 } = await import('../metrics/swd.js');
  const { Rng } = await import('../generator/rng.js');
  const ds = ImageDataset.open(opts.data);
  const n = opts.num;
  const sampler = new InfiniteSampler(ds.rawLength, opts.seed);
  const idx = n <= ds.rawLength ? sampler.take(ds.rawLength).slice(0, n) : sampler.take(n);
  const R = ds.resolution;
  const C = ds.channels;
  const real = new Uint8Array(n * C * R * R);
  idx.forEach((i, k) => real.set(ds.image(i).data, k * C * R * R));
  const gen = await loadGenerator<import('../generator/weights.js').AnyGenerator>(opts.network);
  const fake = new Uint8Array(real.length);
  const rng = new Rng(`metrics:${opts.seed}`);
  const zDim = gen.config.zDim;
  try {
    for (let k = 0; k < n; k += 8) {
      const b = Math.min(8, n - k);
      const img = tf.tidy(() => {
        const z = tf.tensor2d(rng.normals(b * zDim), [b, zDim]);
        return gen instanceof StyleGAN2Generator
          ? gen.generate(z, { psi: opts.psi, noiseMode: 'const' }).image
          : gen.generate(z, { psi: opts.psi }).image;
      });
      if (img.shape[1] !== C || img.shape[2] !== R)
        throw new RangeError(
          `the network makes ${img.shape[1]}×${img.shape[2]}² images, the data is ${C}×${R}²`,
        );
      fake.set(imagesToUint8((await img.data()) as Float32Array), k * C * R * R);
      img.dispose();
    }
  } finally {
    gen.dispose();
  }
  const r = swd(real, fake, [n, C, R, R], { seed: opts.seed });
  const out: Record<string, unknown> = {
    metric: 'swd',
    num: n,
    network: opts.network,
    data: opts.data,
    swd_x1e3: Object.fromEntries(r.resolutions.map((res, i) => [String(res), r.perLevel[i]])),
    swd_x1e3_avg: r.average,
  };
  console.log(JSON.stringify(out));
  return out;
}
