/**
 * A whole training run as train.py starts it: dataset, networks (seeded, or resumed from a
 * snapshot), the loop with `lossPhase`, and the outputs in a run folder
 * `<out>/<NNNNN>-<cfg>-<dataset>-batch<B>-gamma<γ>/`: `network-snapshot-<kimg:06d>.pkl` (+ a small
 * `.json` with the loop position so that `--resume` continues where it stopped), `fakes<kimg>.png`
 * grids from G_ema, `reals.png`, `log.jsonl` (one line per tick) and `training_options.json`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, readdirSync, readFileSync, appendFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ensureBackend } from '../generator/backend.js';
import type { StateDict, StateTensor } from '../generator/state.js';
import { Rng } from '../generator/rng.js';
import { generatorFromSnapshot, type AnyGenerator } from '../generator/weights.js';
import { seededGeneratorState, trainingGenerator } from './networks.js';
import { Generator } from '../generator/stylegan3/generator.js';
import { StyleGAN2Generator } from '../generator/stylegan2/generator.js';
import {
  createDiscriminator,
  discriminatorConfigFromInitKwargs,
  discriminatorFromState,
  type Discriminator,
} from './discriminator.js';
import { lossPhaseInRounds } from './rounds.js';
import { trainConfig, type TrainArgs, type TrainConfig } from './config.js';
import { buildPhases, trainingLoop, type LoopProgress, type PhaseCall, type TickReport } from './loop.js';
import { DataParallelPhases } from './parallel.js';
import {
  readTrainingSnapshot,
  snapshotFileName,
  writeFileAtomic,
  writeTrainingSnapshot,
} from './snapshot.js';
import { ImageDataset, InfiniteSampler } from './dataset/image-folder.js';
import { encodeImage } from './dataset/images.js';

/** Options of `train` (train.py's flags in camelCase, plus `out`, `tick`, `grid`). */
export interface TrainOptions extends Omit<TrainArgs, 'resolution' | 'channels' | 'cDim'> {
  /** Dataset zip (or folder) in the official format. */
  data: string;
  /** Required image side (checked against the dataset). */
  resolution?: number;
  /** Total length in kimg (fractions allowed). */
  kimg: number;
  /** Progress interval in kimg (train.py `--tick`, 4). */
  tick?: number;
  /** Snapshot every this many ticks (train.py `--snap`, 50). */
  snap?: number;
  /** Dataset x-flips (train.py `--mirror`). */
  mirror?: boolean;
  /** Random seed (train.py `--seed`, 0). */
  seed?: number;
  /** Resume from this snapshot. */
  resume?: string | null;
  /** Parent folder of the run folder. */
  out: string;
  /** Grid of G_ema images per snapshot, columns × rows (default 4 × 4). */
  grid?: [number, number];
  /** Ranks of data-parallel training: this thread plus `workers − 1` worker threads (default 1). */
  workers?: number;
  /**
   * Samples per round of a rank's share (train.py `--batch-gpu`; default batch / workers): each
   * phase runs its share in rounds of this many and sums their gradients, as the official loop
   * does; smaller rounds need less memory.
   */
  batchGpu?: number;
  /** Called with each progress line (default: nothing). */
  log?(line: string): void;
}

/** What `train` returns. */
export interface TrainResult {
  runDir: string;
  snapshots: string[];
  progress: LoopProgress;
  config: TrainConfig;
}

function sameArchitecture(
  what: string,
  got: Map<string, StateTensor>,
  want: Map<string, StateTensor>,
  file: string,
): void {
  for (const [k, t] of want) {
    const u = got.get(k);
    if (!u || u.shape.join(',') !== t.shape.join(','))
      throw new RangeError(
        `${file}: ${what} is another architecture than --cfg and the flags build: ${k} ${u ? `has shape [${u.shape}]` : 'is missing'}, expected [${t.shape}]`,
      );
  }
  for (const k of got.keys())
    if (!want.has(k)) throw new RangeError(`${file}: ${what} has ${k}, which the configured network lacks`);
}

/** NCHW float images in [−1, 1] → one RGB/grey uint8 grid image (official clamp(x·127.5 + 128)). */
export function imageGrid(data: Float32Array, shape: readonly number[], cols: number): Uint8Array {
  const [N, C, H, W] = shape;
  const rows = Math.ceil(N / cols);
  const out = new Uint8Array(C * rows * H * cols * W);
  const GW = cols * W;
  for (let n = 0; n < N; n++) {
    const gy = Math.floor(n / cols) * H;
    const gx = (n % cols) * W;
    for (let c = 0; c < C; c++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const v = Math.floor(data[((n * C + c) * H + y) * W + x] * 127.5 + 128);
          out[(c * rows * H + gy + y) * GW + gx + x] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
  }
  return encodeImage({
    width: GW,
    height: rows * H,
    channels: C === 1 ? 1 : 3,
    data: C === 1 || C === 3 ? out : out.subarray(0, 3 * rows * H * GW),
  });
}

function nextRunDir(out: string, desc: string): string {
  mkdirSync(out, { recursive: true });
  let id = 0;
  for (const d of readdirSync(out)) {
    const m = /^(\d+)-/.exec(d);
    if (m) id = Math.max(id, Number(m[1]) + 1);
  }
  const dir = join(out, `${String(id).padStart(5, '0')}-${desc}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Train (official semantics; see the module doc for the outputs). */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  await ensureBackend();
  const log = opts.log ?? (() => {});
  const seed = opts.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
  if (!(opts.kimg > 0)) throw new RangeError(`kimg must be > 0, got ${opts.kimg}`);
  const ds = ImageDataset.open(opts.data, { xflip: opts.mirror ?? false, resolution: opts.resolution });
  const cfg = trainConfig({ ...opts, resolution: ds.resolution, channels: ds.channels, cDim: 0 });
  if (cfg.G_config)
    throw new RangeError(
      `cfg ${cfg.cfg}: no official generator class builds config ${cfg.cfg} ` +
        `(${'network' in cfg.G_config ? 'training.networks_stylegan2.Generator has no Fourier-feature input' : 'training.networks_stylegan3.Generator builds only the flexible layers of T and R'}), ` +
        'so its snapshots could not be official ones; train A, T or R here, or this config through ' +
        'trainingGenerator(G_kwargs, state, G_config) with lossPhase / trainingLoop',
    );
  const workers = opts.workers ?? 1;
  if (!Number.isSafeInteger(workers) || workers < 1)
    throw new RangeError(`workers must be a positive integer, got ${workers}`);
  const mbstd = (cfg.D_kwargs.epilogue_kwargs as { mbstd_group_size: number }).mbstd_group_size;
  if (cfg.batch % workers !== 0)
    throw new RangeError(`batch ${cfg.batch} must split into ${workers} equal shares (--workers ${workers})`);
  const batchGpu = opts.batchGpu ?? cfg.batch / workers;
  if (!Number.isSafeInteger(batchGpu) || batchGpu < 1 || (cfg.batch / workers) % batchGpu !== 0)
    throw new RangeError(
      `batchGpu ${batchGpu} must divide each rank's share of the batch, ${cfg.batch} / ${workers} = ${cfg.batch / workers} (train.py: --batch must be a multiple of --gpus times --batch-gpu)`,
    );
  if (batchGpu < mbstd)
    throw new RangeError(
      `each round of ${batchGpu} samples (batch / workers, or batchGpu) must hold at least the minibatch-stddev group ${mbstd} (train.py: --batch-gpu >= --mbstd-group)`,
    );
  // Networks: seeded as train.py builds them, or from the resume snapshot.
  let gState = await seededGeneratorState(cfg.G_kwargs, seed);
  const dTmp = await createDiscriminator(discriminatorConfigFromInitKwargs(cfg.D_kwargs), {
    seed: `D:${seed}`,
  });
  let dState: StateDict = dTmp.stateDict();
  dTmp.dispose();
  let emaState: StateDict | null = null;
  let start: Partial<LoopProgress> | undefined;
  if (opts.resume) {
    const snap = readTrainingSnapshot(opts.resume);
    sameArchitecture('G', snap.G.state, gState, opts.resume);
    sameArchitecture('D', snap.D.state, dState, opts.resume);
    sameArchitecture('G_ema', snap.G_ema.state, gState, opts.resume);
    gState = snap.G.state;
    dState = snap.D.state;
    emaState = snap.G_ema.state;
    const side = opts.resume.replace(/\.pkl$/, '.json');
    if (existsSync(side)) start = JSON.parse(readFileSync(side, 'utf8')) as LoopProgress;
    cfg.emaRampup = null; // train.py: no EMA ramp-up when resuming
  }
  const G = await trainingGenerator(cfg.G_kwargs, gState);
  const D: Discriminator = await discriminatorFromState(cfg.D_kwargs, dState);
  const gEma: StateDict = emaState ?? G.stateDict();
  const dataName = basename(opts.data).replace(/\.zip$/i, '');
  const runDir = nextRunDir(
    opts.out,
    `${cfg.cfg}-${dataName}-batch${cfg.batch}-gamma${+cfg.loss.r1Gamma.toPrecision(6)}`,
  );
  writeFileSync(
    join(runDir, 'training_options.json'),
    JSON.stringify(
      {
        ...cfg,
        data: opts.data,
        kimg: opts.kimg,
        tick: opts.tick ?? 4,
        snap: opts.snap ?? 50,
        mirror: opts.mirror ?? false,
        seed,
        resume: opts.resume ?? null,
        num_gpus: workers,
        batch_gpu: batchGpu,
        training_set_kwargs: ds.trainingSetKwargs(opts.data, seed),
      },
      null,
      1,
    ) + '\n',
  );
  const sampler = new InfiniteSampler(ds.length, seed);
  const [cols, rows] = opts.grid ?? [4, 4];
  const gridRng = new Rng(`grid:${seed}`);
  const zDim = cfg.G_kwargs.z_dim as number;
  const gridZ = gridRng.normals(cols * rows * zDim);
  {
    const reals = ds.batch(Array.from({ length: Math.min(cols * rows, ds.length) }, (_, i) => i));
    writeFileSync(join(runDir, 'reals.png'), imageGrid(reals.data, reals.shape, cols));
  }
  const snapshots: string[] = [];
  const phases = buildPhases(cfg.G_opt, cfg.D_opt, cfg.G_reg_interval, cfg.D_reg_interval);
  const fmt = (s: number) =>
    s < 120 ? `${s.toFixed(1)} s` : s < 7200 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(2)} h`;
  const onTick = async (r: TickReport) => {
    const losses = Object.entries(r.losses)
      .filter(([k]) => /Loss\/(G|D)\/(loss|reg)|r1_penalty|pl_penalty/.test(k))
      .map(([k, v]) => `${k.replace(/^Loss\//, '')} ${v.toFixed(4)}`)
      .join('  ');
    log(
      `tick ${r.tick}  kimg ${r.kimg.toFixed(3)}  ${r.secPerKimg.toFixed(1)} s/kimg  ETA ${fmt(r.etaSeconds)}  ${losses}`,
    );
    appendFileSync(
      join(runDir, 'log.jsonl'),
      JSON.stringify({
        tick: r.tick,
        kimg: r.kimg,
        cur_nimg: r.curNimg,
        batch_idx: r.batchIdx,
        tick_seconds: r.tickSeconds,
        sec_per_kimg: r.secPerKimg,
        losses: r.losses,
        pl_mean: r.plMean,
        timestamp: Date.now() / 1000,
      }) + '\n',
    );
    if (!r.snapshot) return;
    const file = join(runDir, snapshotFileName(r.curNimg));
    writeTrainingSnapshot(file, {
      G: { initKwargs: cfg.G_kwargs, state: G.stateDict() },
      D: { initKwargs: cfg.D_kwargs, state: D.stateDict() },
      G_ema: { initKwargs: cfg.G_kwargs, state: gEma },
      trainingSetKwargs: ds.trainingSetKwargs(opts.data, seed),
    });
    const pos: LoopProgress = {
      curNimg: r.curNimg,
      batchIdx: r.batchIdx,
      tick: r.tick + 1,
      plMean: r.plMean,
    };
    writeFileAtomic(file.replace(/\.pkl$/, '.json'), new TextEncoder().encode(JSON.stringify(pos) + '\n'));
    snapshots.push(file);
    const ema = await generatorFromSnapshot<AnyGenerator>({ initKwargs: cfg.G_kwargs, state: gEma });
    try {
      const img = tf.tidy(() => {
        const z = tf.tensor2d(gridZ, [cols * rows, zDim]);
        return ema instanceof StyleGAN2Generator
          ? ema.generate(z, { noiseMode: 'const' }).image
          : (ema as Generator).generate(z).image;
      });
      const data = (await img.data()) as Float32Array;
      writeFileSync(
        join(runDir, `fakes${String(Math.floor(r.curNimg / 1000)).padStart(6, '0')}.png`),
        imageGrid(data, img.shape, cols),
      );
      img.dispose();
    } finally {
      ema.dispose();
    }
    log(`snapshot ${file}`);
  };
  const local = async (call: PhaseCall) =>
    lossPhaseInRounds(G, D, cfg.loss, { ...call, seed: `${seed}:${call.seed}` }, batchGpu);
  const dp =
    workers > 1
      ? await DataParallelPhases.start(workers, {
          backend: tf.getBackend(),
          gKwargs: cfg.G_kwargs,
          dKwargs: cfg.D_kwargs,
          G,
          D,
          loss: cfg.loss,
          batchGpu,
        })
      : null;
  try {
    const progress = await trainingLoop({
      G,
      D,
      gEma,
      zDim,
      batch: cfg.batch,
      phases,
      totalKimg: opts.kimg,
      kimgPerTick: opts.tick ?? 4,
      snapTicks: opts.snap ?? 50,
      emaKimg: cfg.emaKimg,
      emaRampup: cfg.emaRampup,
      seed,
      start,
      nextReals: (n) => ds.batch(sampler.take(n)),
      onTick,
      runPhase: (call) => (dp ? dp.run(call, { G, D }, local) : local(call)),
    });
    return { runDir, snapshots, progress, config: cfg };
  } catch (e) {
    throw explainWasmAbort(e, batchGpu, mbstd);
  } finally {
    await dp?.close();
    G.dispose();
    D.dispose();
  }
}

/**
 * The tfjs WebAssembly backend aborts (a RuntimeError `Aborted()`, from its allocator) when its
 * 4 GiB heap runs out; this turns that into a message saying so and what helps. Other errors
 * pass through unchanged.
 */
export function explainWasmAbort(e: unknown, batchGpu: number, mbstdGroup: number): unknown {
  const msg = e instanceof Error ? e.message : String(e);
  if (!/\bAborted\(/.test(msg)) return e;
  const smaller = batchGpu / 2;
  const hint =
    Number.isInteger(smaller) && smaller >= mbstdGroup
      ? `rounds of fewer images need less: --batch-gpu ${smaller} (now ${batchGpu})`
      : `rounds are already at the minibatch-stddev group (${mbstdGroup}); a smaller --mbstd-group with --batch-gpu, a lower --cmax or resolution need less`;
  return new Error(
    `the WebAssembly backend aborted, most likely because its 4 GiB heap ran out (${msg.split('\n')[0]}); the last snapshot written is intact; ${hint}`,
    { cause: e },
  );
}
