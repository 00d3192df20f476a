/**
 * `npm run data:record`: add one training snapshot to a data folder. Copies the official snapshot
 * pickle (unchanged: G, D, G_ema, … — the views only need G_ema, but an official file stays usable by
 * the official tools), renders and stores the recorded image, measures SWD and EQ on the trained
 * network and on the untrained one of the same config, writes the manifest entry (replacing one of
 * the same id) and regenerates the folder's README.
 *
 * Every file is written atomically (temporary name, then rename) and the manifest last, so a run
 * that dies leaves the previous manifest and README valid: at worst an unreferenced new pickle.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { cpus, loadavg, platform } from 'node:os';
import { encodeNpy } from '../io/npy.js';
import { copyFileAtomic, writeFileAtomic } from '../io/atomic-file.js';
import * as tf from '@tensorflow/tfjs-core';
import { StyleGAN2Generator } from '../generator/stylegan2/generator.js';
import { loadGenerator, type AnyGenerator } from '../generator/weights.js';
import { NO_TRANSFORMABLE_INPUT } from '../metrics/layers-stylegan2.js';
import {
  emptyManifest,
  upsertEntry,
  validateManifest,
  type EqValue,
  type TrainedEntry,
  type TrainedManifest,
} from './manifest.js';
import { eqValueOf, equivarianceBatches, proceduralReals, swdAgainst, transformable } from './metrics.js';
import { readmeFromManifest } from './readme.js';
import {
  datasetCommand,
  defaultId,
  familyOf,
  latestSnapshot,
  parseTrainingLog,
  snapshotKimg,
  trainCommandFrom,
  wallSecondsTo,
} from './run-folder.js';
import { generatorKwargs, manifestPath, readManifest, renderRecorded, sha256File, untrainedGenerator } from './trained.js';

/** Options of `recordSnapshot` (the script's flags). */
export interface RecordOptions {
  /**
   * `network-snapshot-*.pkl` inside a run folder (with `training_options.json`, `log.jsonl`), or the
   * run folder itself: its latest snapshot.
   */
  snapshot: string;
  /** Entry id (`[a-z0-9-]+`; default `<cfg>-<data set name>`); also the base name of the copied files. */
  id?: string;
  /** Data folder to write (default: the package's `data/`). */
  dir: string;
  /** Seed of the procedural set (`aliasfree dataset --seed`, default 0). */
  dataSeed?: number;
  /** Images of the procedural set (default: the run's `training_set_kwargs.max_size`). */
  dataCount?: number;
  /** The exact train command (default: rebuilt from `training_options.json`). */
  trainCommand?: string;
  /** What else shared the machine (free text). */
  machineNote?: string;
  /** Recorded image: latent seed and ψ (default 0 and 1). */
  imageSeed?: number;
  psi?: number;
  /** SWD images per set (default 128) and EQ latents (default 64). */
  swdImages?: number;
  eqSamples?: number;
  /** Seed of SWD and EQ draws (default 0). */
  seed?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

function readJson(path: string, what: string): Record<string, unknown> {
  if (!existsSync(path)) throw new RangeError(`${what} ${path} is missing`);
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

const NO_EQ: EqValue = { eqt: null, eqt_frac: null, eqr: null };

/** Record one snapshot into `o.dir` (see the module comment); returns the new entry. */
export async function recordSnapshot(o: RecordOptions): Promise<TrainedEntry> {
  const log = o.log ?? (() => {});
  let snapshot = resolve(o.snapshot);
  if (existsSync(snapshot) && statSync(snapshot).isDirectory()) {
    const latest = latestSnapshot(readdirSync(snapshot));
    if (!latest) throw new RangeError(`snapshot: run folder ${o.snapshot} holds no network-snapshot-*.pkl`);
    snapshot = join(snapshot, latest);
  }
  if (!existsSync(snapshot) || !statSync(snapshot).isFile())
    throw new RangeError(`snapshot ${JSON.stringify(o.snapshot)} is neither a file nor a run folder`);
  const runDir = dirname(snapshot);
  const options = readJson(join(runDir, 'training_options.json'), 'training options');
  const id = o.id ?? defaultId(options);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id))
    throw new RangeError(`id must be lower-case letters, digits and '-', got ${JSON.stringify(id)}`);
  log(`${id}: ${snapshot}`);
  const gKwargs = generatorKwargs(options, join(runDir, 'training_options.json'));
  const sidecarPath = snapshot.replace(/\.pkl$/, '.json');
  const sidecar = existsSync(sidecarPath) ? readJson(sidecarPath, 'snapshot sidecar') : null;
  const kimg = snapshotKimg(basename(snapshot), sidecar);
  const logPath = join(runDir, 'log.jsonl');
  if (!existsSync(logPath)) throw new RangeError(`training log ${logPath} is missing`);
  const wallSeconds = wallSecondsTo(parseTrainingLog(readFileSync(logPath, 'utf8'), logPath), kimg, logPath);
  const family = familyOf(options);
  const tsk = (options.training_set_kwargs ?? {}) as Record<string, unknown>;
  const resolution = Number(gKwargs.img_resolution);
  const channels = Number(gKwargs.img_channels ?? 3);
  const count = o.dataCount ?? Number(tsk.max_size);
  if (!Number.isSafeInteger(count) || count < 1)
    throw new RangeError(`dataCount: the run does not record its set size (training_set_kwargs.max_size); give --data-count`);
  const dataSeed = o.dataSeed ?? 0;
  const zipName = String(options.data ?? tsk.path ?? 'data.zip').split(/[\\/]/).pop()!;
  const dataset = {
    command: datasetCommand({ count, resolution, seed: dataSeed, channels, out: zipName }),
    kind: 'procedural' as const,
    count,
    resolution,
    seed: dataSeed,
    channels,
  };

  mkdirSync(o.dir, { recursive: true });
  const previous: TrainedManifest = readManifest({ dir: o.dir }) ?? emptyManifest();
  const file = `${id}.pkl`;
  const imageFile = `${id}.image.npy`;
  log(`copy ${snapshot} → ${join(o.dir, file)} (${(statSync(snapshot).size / 2 ** 20).toFixed(2)} MiB)`);
  copyFileAtomic(snapshot, join(o.dir, file));

  const t0 = Date.now();
  const trained = await loadGenerator<AnyGenerator>(join(o.dir, file));
  const seed = o.seed ?? 0;
  const untrainedSeed = Number(options.seed ?? 0);
  const untrained = await untrainedGenerator(gKwargs, untrainedSeed);
  try {
    const image = { seed: o.imageSeed ?? 0, psi: o.psi ?? 1 };
    const pixels = await renderRecorded(trained, image);
    writeFileAtomic(join(o.dir, imageFile), encodeNpy(pixels.data, pixels.shape));
    log(`recorded image: seed ${image.seed}, ψ ${image.psi}, [${pixels.shape.join(', ')}] → ${imageFile}`);

    const swdImages = o.swdImages ?? 128;
    log(`SWD: regenerating ${swdImages} of the ${count} training images (procedural, seed ${dataSeed})…`);
    const reals = proceduralReals(dataset, swdImages, seed);
    const swdOpts = { images: swdImages, seed, psi: 1 };
    log(`SWD: ${swdImages} generated images per network, then the Laplacian-pyramid distances…`);
    const swdTrained = await swdAgainst(trained, reals, swdOpts);
    log(`SWD×10³ trained ${swdTrained.average.toFixed(2)}`);
    const swdUntrained = await swdAgainst(untrained, reals, swdOpts);
    log(`SWD×10³ untrained ${swdUntrained.average.toFixed(2)}`);

    const eqSamples = o.eqSamples ?? 64;
    const canEq = transformable(trained);
    const eqRun = async (g: AnyGenerator, what: string) => {
      const r = await equivarianceBatches(g, {
        samples: eqSamples,
        seed,
        onProgress: (d, n) => log(`EQ ${what} ${d}/${n} latents`),
      });
      return eqValueOf(r);
    };
    const eqTrained = canEq ? await eqRun(trained, 'trained') : NO_EQ;
    const eqUntrained = canEq ? await eqRun(untrained, 'untrained') : NO_EQ;

    const machine = {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? '',
      platform: `${platform()} ${process.arch}, Node ${process.version}`,
      loadAverage: loadavg()[0],
      note: o.machineNote ?? '',
    };
    const entry: TrainedEntry = {
      id,
      file,
      sha256: sha256File(join(o.dir, file)),
      bytes: statSync(join(o.dir, file)).size,
      family,
      network: family === 'A' ? 'stylegan2' : 'stylegan3',
      resolution,
      dataset,
      train: {
        command: o.trainCommand ?? trainCommandFrom(options),
        kimgTarget: Number(options.kimg),
        kimg,
        wallSeconds,
        options,
        machine,
      },
      image: {
        ...image,
        noiseMode: trained instanceof StyleGAN2Generator ? 'const' : null,
        file: imageFile,
        sha256: sha256File(join(o.dir, imageFile)),
        bytes: statSync(join(o.dir, imageFile)).size,
      },
      metrics: {
        swd: { ...swdOpts, trained: swdTrained, untrained: swdUntrained },
        eq: {
          samples: canEq ? eqSamples : 0,
          seed,
          trained: eqTrained,
          untrained: eqUntrained,
          note: canEq ? null : NO_TRANSFORMABLE_INPUT,
        },
        untrainedWeightSeed: untrainedSeed,
        backend: tf.getBackend() ?? 'unknown',
        seconds: (Date.now() - t0) / 1000,
      },
      recorded: new Date().toISOString(),
    };
    const next = validateManifest(upsertEntry(previous, entry), 'new manifest');
    writeFileAtomic(manifestPath(o.dir), JSON.stringify(next, null, 1) + '\n');
    writeFileAtomic(join(o.dir, 'README.md'), readmeFromManifest(next));
    log(`wrote ${manifestPath(o.dir)} (${next.networks.length} networks) and README.md`);
    return entry;
  } finally {
    trained.dispose();
    untrained.dispose();
  }
}
