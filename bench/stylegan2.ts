/**
 * StyleGAN2-256 benchmark rows of the `generator` group: config A (the official StyleGAN2 at the
 * ladder's 256² ablation capacity: C_base 16384, C_max 512, 8 mapping layers), noise 'const'.
 *
 * - One thread (wasm), batch 1, back to back in one process so all see the same machine load: the
 *   default ('auto': every conv layer one call of the fused WebAssembly kernels of
 *   kernels/winograd-conv.ts, relaxed-SIMD build where the engine has it), the same with the plain
 *   SIMD build, the tfjs-op Winograd ('winograd': F(4×4,3×3) and conv0's F(2,2) phases as tfjs
 *   ops), and every conv direct (`tf.conv2d`); then batch 2 ('auto'), the per-image cost of a batch.
 * - Two workers (`GeneratorPool`, wasm in each): batch 1 with every layer's output channels split
 *   between them (one image on two cores, the slices exchanged after each conv), and batch 2 with
 *   one whole image per worker.
 *
 * Reports the median and the spread (min–max) of the timed runs: on a shared machine other
 * processes compete for the CPU, so the spread says how much to trust the median. The CPU time
 * per image (the process's, workers included) says what the work costs when the cores are shared:
 * on an idle core it is about the wall time of the one-thread rows, and for the pool it shows
 * what splitting adds (exchanges, barrier waits, the second replica's mapping).
 *
 * Baseline: the official PyTorch code on the 2-core CI-class CPU took 0.41–0.55 s per image
 * (2 threads, 4 runs); the goal is ≤ 0.75× of that on one thread.
 */
import * as tf from '@tensorflow/tfjs-core';
import { performance } from 'node:perf_hooks';
import type { BenchRow } from './harness.js';
import { backendInfo } from '../src/generator/backend.js';
import { createGenerator } from '../src/generator/weights.js';
import { configs } from '../src/generator/config.js';
import { setConvAlgorithm, type ConvAlgorithm } from '../src/generator/ops/modulated-conv.js';
import { GeneratorPool, type PoolSplit } from '../src/generator/parallel/pool.js';
import { StyleGAN2Generator } from '../src/generator/stylegan2/generator.js';
import { setWinogradConvBinary, winogradConvSupport } from '../src/generator/kernels/winograd-conv.js';

/** Official PyTorch on the 2-core machine, s/image (range of 4 runs). */
const PYTORCH_S: [number, number] = [0.41, 0.55];

/** Wall-clock times (ms, sorted) and the median CPU time of `repeats` calls after one warm-up call. */
interface Runs {
  times: number[];
  /** Median CPU time of a call, ms: user + system of the whole process, its worker threads included. */
  cpu: number;
}

async function timeRuns(fn: () => unknown, repeats: number): Promise<Runs> {
  await fn(); // warm-up: prepares the Winograd weights and XNNPACK's packed copies
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  cpu.sort((a, b) => a - b);
  return { times: times.sort((a, b) => a - b), cpu: cpu[Math.floor(cpu.length / 2)] };
}

/** One table row from the runs of a batch of `batch` images. */
function row(name: string, conv: ConvAlgorithm, { times, cpu }: Runs, batch: number, flop: number): BenchRow {
  const median = times[Math.floor(times.length / 2)];
  const perImage = median / batch;
  process.stderr.write(
    `  ${name}: median ${perImage.toFixed(0)} ms/image (calls ${times[0].toFixed(0)}–${times[times.length - 1].toFixed(0)} ms; CPU ${(cpu / batch).toFixed(0)} ms/image)\n`,
  );
  return {
    group: 'generator',
    name,
    ms: median,
    extra: {
      conv,
      'ms/image': perImage,
      'min–max ms': `${times[0].toFixed(0)}–${times[times.length - 1].toFixed(0)}`,
      'CPU ms/image': cpu / batch,
      'images/s': 1000 / perImage,
      'GFLOP/image': flop / 1e9,
      'GFLOP/s': flop / 1e9 / (perImage / 1000),
      'PyTorch s/image': `${PYTORCH_S[0]}–${PYTORCH_S[1]}`,
      'vs PyTorch': `${(perImage / 1000 / PYTORCH_S[1]).toFixed(2)}–${(perImage / 1000 / PYTORCH_S[0]).toFixed(2)}×`,
    },
  };
}

/** The StyleGAN2-256 rows (see the module comment); `quick`: 3 timed runs instead of 7. */
export async function stylegan2Rows({ quick }: { quick: boolean }): Promise<BenchRow[]> {
  const gen = (await createGenerator(configs.A, { seed: 1 })) as StyleGAN2Generator;
  const flop = 2 * gen.macsPerImage();
  const zDim = gen.config.zDim;
  const repeats = quick ? 3 : 7;
  const backend = backendInfo().name;
  const out: BenchRow[] = [];
  const latents = (n: number) => tf.randomNormal([n, zDim], 0, 1, 'float32', 7) as tf.Tensor2D;
  try {
    const relaxed = winogradConvSupport().relaxed;
    for (const [alg, batch, binary] of [
      ['auto', 1, 'auto'],
      ['auto', 1, 'plain'],
      ['winograd', 1, 'auto'],
      ['direct', 1, 'auto'],
      ['auto', 2, 'auto'],
    ] as const) {
      if (binary === 'plain' && !relaxed) continue; // 'auto' already is the plain build here
      setConvAlgorithm(alg);
      setWinogradConvBinary(binary);
      const z = latents(batch);
      const times = await timeRuns(() => {
        const { image } = gen.generate(z, { noiseMode: 'const' });
        image.dataSync();
        image.dispose();
      }, repeats);
      z.dispose();
      const how = {
        auto:
          alg === 'auto'
            ? binary === 'plain'
              ? ' fused, plain SIMD'
              : relaxed
                ? ' fused, FMA'
                : ' fused'
            : '',
        winograd: ' tfjs-op Winograd',
        direct: ' direct conv',
      }[alg];
      out.push(row(`StyleGAN2-256 (A) batch ${batch} (${backend})${how}`, alg, times, batch, flop));
    }
    setWinogradConvBinary('auto');
    setConvAlgorithm('auto');
    for (const [split, batch] of [
      ['channels', 1],
      ['batch', 2],
    ] as [PoolSplit, number][]) {
      const pool = await GeneratorPool.create(gen, { workers: 2, split, backend: 'wasm' });
      try {
        const z = latents(batch);
        const flat = z.dataSync() as Float32Array;
        z.dispose();
        const times = await timeRuns(() => pool.generate(flat.slice(), { noiseMode: 'const' }), repeats);
        const how = split === 'channels' ? 'channel split' : 'image split';
        out.push(
          row(`StyleGAN2-256 (A) batch ${batch} (${backend}) 2 workers, ${how}`, 'auto', times, batch, flop),
        );
      } finally {
        await pool.close();
      }
    }
  } finally {
    setConvAlgorithm('auto');
    setWinogradConvBinary('auto');
    gen.dispose();
  }
  return out;
}
