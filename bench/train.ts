/**
 * Training benchmark (`npm run bench -- train`): one iteration of stylegan3-t at 64² as the issue
 * defines it — Gmain + Dmain + Dreg/16 (the D regulariser runs every 16th iteration) — with G at
 * C_base 8192 / C_max 256, z/w 128, 2 mapping layers, D with the same C_base/C_max and minibatch
 * stddev group 4, batch 8. Each phase is timed as the loop runs it (lossPhase + the Adam step), on
 * one thread and with two data-parallel ranks (this thread + one worker, 4 images each): the
 * median and the range of the timed calls per phase, and their sums per iteration. Baseline:
 * the official PyTorch code on this 2-core machine took 86.5 s per iteration (Gmain 68–83 s, Dmain
 * 15–20 s, Dreg 1.6–2.5 s, 2 threads). Cases at 32² and 256² (batch 8) give the cost per kimg of
 * a smaller and a larger network; at 256² one thread runs each phase in two rounds of 4 images
 * (`--batch-gpu 4`: a round of 8 outgrows the 4 GiB wasm heap). `--quick`: one timed repeat instead of three. `ALIASFREE_FL_GRADIENT=ops`
 * (or `fused`; default `auto`) chooses how the filtered nonlinearity is differentiated
 * (`setFilteredLreluGradient`), to compare the fused backward kernel with the op path.
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { timeStats, type BenchRow } from './harness.js';
import { setBackend, backendInfo } from '../src/generator/backend.js';
import { Rng } from '../src/generator/rng.js';
import { trainConfig } from '../src/train/config.js';
import {
  createDiscriminator,
  discriminatorConfigFromInitKwargs,
  discriminatorFromState,
} from '../src/train/discriminator.js';
import { lossPhaseInRounds } from '../src/train/rounds.js';
import { buildPhases, type PhaseCall, type PhaseName } from '../src/train/loop.js';
import { seededGeneratorState, trainingGenerator } from '../src/train/networks.js';
import { DataParallelPhases } from '../src/train/parallel.js';
import { proceduralImage } from '../src/train/dataset/procedural.js';
import { setFilteredLreluGradient, type FilteredLreluGradient } from '../src/generator/ops/filtered-lrelu.js';

const PYTORCH_S = 86.5;

/** One benchmark case: resolution and batch (the issue's case is 64², batch 8). */
export interface TrainBenchCase {
  resolution: number;
  batch: number;
  quick: boolean;
  /** Also time two data-parallel ranks. */
  twoRanks: boolean;
  /** Samples per round of a rank (train.py `--batch-gpu`; default: the rank's whole share). */
  batchGpu?: number;
}

/** Time one case in this process (wasm heap exhaustion aborts the process: see `rows`). */
export async function runCase({
  resolution,
  batch,
  quick,
  twoRanks,
  batchGpu,
}: TrainBenchCase): Promise<BenchRow[]> {
  await setBackend((process.env.ALIASFREE_BACKEND as 'wasm') ?? 'wasm');
  const backend = String(backendInfo().name ?? tf.getBackend());
  const gradient = (process.env.ALIASFREE_FL_GRADIENT ?? 'auto') as FilteredLreluGradient;
  setFilteredLreluGradient(gradient); // (throws on a bad value, naming it)
  const tag = `stylegan3-t ${resolution}², batch ${batch}${batchGpu ? ` (rounds of ≤ ${batchGpu})` : ''}${gradient === 'auto' ? '' : `, ${gradient} gradient`}`;
  const cfg = trainConfig({
    cfg: 'stylegan3-t',
    batch,
    resolution,
    channels: 3,
    cbase: 8192,
    cmax: 256,
    zDim: 128,
    wDim: 128,
    mapDepth: 2,
    mbstdGroup: 4,
  });
  const G = await trainingGenerator(cfg.G_kwargs, await seededGeneratorState(cfg.G_kwargs, 0));
  const d0 = await createDiscriminator(discriminatorConfigFromInitKwargs(cfg.D_kwargs), { seed: 1 });
  const D = await discriminatorFromState(cfg.D_kwargs, d0.stateDict());
  d0.dispose();
  const real = new Float32Array(batch * 3 * resolution * resolution);
  for (let i = 0; i < batch; i++) {
    const img = proceduralImage(i, { resolution }).data;
    for (let k = 0; k < img.length; k++) real[i * img.length + k] = Math.fround(img[k] / 127.5) - 1;
  }
  const realImg = tf.tensor4d(real, [batch, 3, resolution, resolution]);
  const rng = new Rng(2);
  const phases = buildPhases(cfg.G_opt, cfg.D_opt, cfg.G_reg_interval, cfg.D_reg_interval);
  const opt = (name: PhaseName) => phases.find((p) => p.name === name)!.opt;
  const local = (call: PhaseCall) =>
    lossPhaseInRounds(
      G,
      D,
      cfg.loss,
      { ...call, seed: String(call.seed) },
      Math.min(batchGpu ?? Infinity, call.realImg.shape[0]),
    );
  const repeats = quick ? 1 : 3;
  const out: BenchRow[] = [];
  const measure = async (mode: string, run: (c: PhaseCall) => Promise<{ grads: unknown }>) => {
    const t: Record<string, number> = {};
    const lo: Record<string, number> = {};
    const hi: Record<string, number> = {};
    for (const name of ['Gmain', 'Dmain', 'Dreg'] as const) {
      const st = await timeStats(
        async () => {
          const genZ = tf.tensor2d(rng.normals(batch * 128), [batch, 128]);
          const call: PhaseCall = {
            phase: name,
            gain: name === 'Dreg' ? 16 : 1,
            realImg,
            genZ,
            curNimg: 0,
            plMean: 0,
            seed: 0,
          };
          const r = (await run(call)) as { grads: Record<string, tf.Tensor> | Map<string, Float32Array> };
          const grads = r.grads instanceof Map ? r.grads : new Map(Object.entries(r.grads));
          opt(name).step(name[0] === 'G' ? G.params : D.params, grads);
          for (const g of grads.values()) if (!(g instanceof Float32Array)) g.dispose();
          genZ.dispose();
        },
        { repeats, warmup: 1 },
      );
      [t[name], lo[name], hi[name]] = [st.median / 1000, st.min / 1000, st.max / 1000];
      out.push({
        group: 'train',
        name: `${tag}, ${mode}: ${name}`,
        ms: st.median,
        extra: { backend, 'range s': `${lo[name].toFixed(1)}–${hi[name].toFixed(1)}` },
      });
    }
    const it = t.Gmain + t.Dmain + t.Dreg / 16;
    const itLo = lo.Gmain + lo.Dmain + lo.Dreg / 16;
    const itHi = hi.Gmain + hi.Dmain + hi.Dreg / 16;
    out.push({
      group: 'train',
      name: `${tag}, ${mode}: iteration (Gmain + Dmain + Dreg/16)`,
      ms: it * 1000,
      extra: {
        backend,
        'range s': `${itLo.toFixed(1)}–${itHi.toFixed(1)}`,
        's/iteration': it,
        's/kimg': (it * 1000) / batch,
        ...(resolution === 64 && batch === 8 ? { 'PyTorch s': PYTORCH_S, speed_up: PYTORCH_S / it } : {}),
      },
    });
  };
  await measure('1 thread', local);
  if (!twoRanks) {
    realImg.dispose();
    G.dispose();
    D.dispose();
    return out;
  }
  const dp = await DataParallelPhases.start(2, {
    backend: tf.getBackend(),
    gKwargs: cfg.G_kwargs,
    dKwargs: cfg.D_kwargs,
    G,
    D,
    loss: cfg.loss,
    ...(batchGpu ? { batchGpu: Math.min(batchGpu, batch / 2) } : {}),
  });
  try {
    await measure('2 ranks', (call) => dp.run(call, { G, D }, local));
  } finally {
    await dp.close();
  }
  realImg.dispose();
  G.dispose();
  D.dispose();
  return out;
}

/**
 * The benchmark rows: each case in a child process (a wasm heap exhausted by the training graph
 * aborts the whole process; the row then says so). Cases: the issue's 64², batch 8; 32², batch 8;
 * 256², batch 8 in rounds of 4.
 */
export async function rows({ quick }: { quick: boolean }): Promise<BenchRow[]> {
  const out: BenchRow[] = [];
  for (const c of [
    { resolution: 64, batch: 8 },
    { resolution: 32, batch: 8 },
    { resolution: 256, batch: 8, batchGpu: 4 },
  ]) {
    const arg = JSON.stringify({ ...c, quick, twoRanks: true });
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), arg], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    const line = r.stdout.split('\n').find((l) => l.startsWith('{"rows"'));
    if (r.status === 0 && line) out.push(...(JSON.parse(line) as { rows: BenchRow[] }).rows);
    else {
      const why =
        /(RuntimeError: [^\n]*|RangeError: [^\n]*|Error: [^\n]*)/.exec(r.stderr ?? '')?.[1] ??
        `exit ${r.status}`;
      out.push({
        group: 'train',
        name: `stylegan3-t ${c.resolution}², batch ${c.batch}: FAILED (${why.slice(0, 80)})`,
        ms: NaN,
      });
    }
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv[2]) {
  const rowsOut = await runCase(JSON.parse(process.argv[2]) as TrainBenchCase);
  console.log(JSON.stringify({ rows: rowsOut }));
}
