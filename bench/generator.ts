/**
 * Generator benchmarks (wasm backend unless ALIASFREE_BACKEND says otherwise): StyleGAN2-256
 * (config A, bench/stylegan2.ts: one thread at batch 1 and 2, two workers), StyleGAN3-T and -R at 256² and T at 1024², batch 1 and 4. Reports ms per image, images/s, the analytic FLOP count of
 * one forward per image (2 × multiply–accumulates of the mapping, Fourier-feature mix, affines,
 * modulated convs and the polyphase/separable or radial filter passes, counted from the geometry)
 * and the achieved GFLOP/s. Baseline: the official PyTorch code on this machine's CPU (per image):
 * 4.9 s (T-256), 9.7 s, 46 s (T-1024).
 *
 * Capacities: T-256 C_base 16384 / C_max 256; R-256 the same ×2 (32768 / 512, as the paper's R
 * doubles T's capacity); T-1024 C_base 32768 / C_max 512 (the official FFHQ-1024 model).
 * `--quick`: one timed repeat and no T-1024 batch 4.
 *
 * Worker rows (`N workers`): a `GeneratorPool` of min(4, cores) wasm workers; at batch 1 they split
 * every layer's output channels between them (one image on all cores), at batch 4 each renders
 * whole images.
 *
 * Conv algorithm (column `conv`): the main rows run the default 'auto' choice (Winograd F(4×4,3×3)
 * for the big 3×3 modulated convs on wasm, see ops/modulated-conv.ts); each batch-1 case also gets a
 * `direct conv` row (`setConvAlgorithm('direct')`: every conv as tf.conv2d), timed back to back with
 * the auto row in the same process so the two see the same machine load. Not for T-1024: a direct
 * T-1024 run followed by a Winograd one in the same process exhausted the 4 GiB wasm heap (measured;
 * both sets of prepared weights plus XNNPACK's packed copies stay resident), so compare T-1024 in
 * separate processes (`setConvAlgorithm('direct')` before the first forward).
 */
import * as tf from '@tensorflow/tfjs-core';
import { timeMedian, type BenchRow } from './harness.js';
import { setBackend, backendInfo } from '../src/generator/backend.js';
import { createGenerator } from '../src/generator/weights.js';
import { configs } from '../src/generator/config.js';
import type { GeneratorConfig } from '../src/generator/types.js';
import { setConvAlgorithm, type ConvAlgorithm } from '../src/generator/ops/modulated-conv.js';
import { GeneratorPool } from '../src/generator/parallel/pool.js';
import { Rng } from '../src/generator/rng.js';
import { availableParallelism } from 'node:os';
import { stylegan2Rows } from './stylegan2.js';

interface Case {
  name: string;
  config: GeneratorConfig;
  batches: number[];
  /** Official PyTorch, this CPU, seconds per image. */
  baselineS: number;
}

/** The table columns of one generator row: per-image time, throughput, FLOPs and the PyTorch bar. */
function rowExtra(conv: ConvAlgorithm, perImageMs: number, flop: number, baselineS: number) {
  return {
    conv,
    'ms/image': perImageMs,
    'images/s': 1000 / perImageMs,
    'GFLOP/image': flop / 1e9,
    'GFLOP/s': flop / 1e9 / (perImageMs / 1000),
    'PyTorch s/image': baselineS,
    'speed-up': (baselineS * 1000) / perImageMs,
  };
}

export async function rows({ quick }: { quick: boolean }): Promise<BenchRow[]> {
  const info = await setBackend();
  process.stderr.write(`bench generator: backend ${info.name} (${info.reason})\n`);
  const cases: Case[] = [
    {
      name: 'T-256',
      config: { ...configs.T, imgResolution: 256, channelBase: 16384, channelMax: 256 },
      batches: [1, 4],
      baselineS: 4.9,
    },
    {
      name: 'R-256',
      config: { ...configs.R, imgResolution: 256, channelBase: 32768, channelMax: 512 },
      batches: [1, 4],
      baselineS: 9.7,
    },
    {
      name: 'T-1024',
      config: { ...configs.T, imgResolution: 1024, channelBase: 32768, channelMax: 512 },
      batches: quick ? [1] : [1, 4],
      baselineS: 46,
    },
  ];
  // StyleGAN2-256 (config A) first: one thread, batch 1 (see bench/stylegan2.ts).
  const out: BenchRow[] = await stylegan2Rows({ quick });
  for (const c of cases) {
    const gen = await createGenerator(c.config, { seed: 1 });
    const flop = 2 * gen.macsPerImage();
    for (const batch of c.batches) {
      const algs: ConvAlgorithm[] = batch === 1 && c.name !== 'T-1024' ? ['auto', 'direct'] : ['auto'];
      const z = tf.randomNormal([batch, gen.config.zDim], 0, 1, 'float32', 7) as tf.Tensor2D;
      const msBy = new Map<ConvAlgorithm, number>();
      try {
        for (const alg of algs) {
          setConvAlgorithm(alg);
          msBy.set(
            alg,
            await timeMedian(
              () => {
                const { image } = gen.generate(z);
                image.dataSync();
                image.dispose();
              },
              { repeats: quick ? 1 : 3, warmup: 1 },
            ),
          );
        }
      } finally {
        setConvAlgorithm('auto');
      }
      z.dispose();
      for (const alg of algs) {
        const ms = msBy.get(alg)!;
        const perImage = ms / batch;
        out.push({
          group: 'generator',
          name: `${c.name} batch ${batch} (${backendInfo().name})${alg === 'direct' ? ' direct conv' : ''}`,
          ms,
          extra: rowExtra(alg, perImage, flop, c.baselineS),
        });
        process.stderr.write(`  ${c.name} batch ${batch} conv ${alg}: ${perImage.toFixed(0)} ms/image\n`);
      }
    }
    // Across worker_threads (one wasm instance per core): batch 1 splits every layer's channels
    // between the workers, batch 4 gives each worker whole images (GeneratorPool split 'auto').
    // T-1024 only at batch 1: two replicas of its batch-4 activations would not fit beside each
    // other in memory on small machines.
    const workers = Math.min(4, availableParallelism());
    const poolBatches = c.name === 'T-1024' ? [1] : c.batches;
    if (workers > 1) {
      const pool = await GeneratorPool.create(gen, {
        workers,
        backend: info.name === 'wasm' ? 'wasm' : 'auto',
      });
      try {
        for (const batch of poolBatches) {
          const z = new Rng(7).normals(batch * gen.config.zDim);
          const ms = await timeMedian(() => pool.generate(z), { repeats: quick ? 1 : 3, warmup: 1 });
          const perImage = ms / batch;
          const how = batch < workers ? 'channel split' : 'image split';
          out.push({
            group: 'generator',
            name: `${c.name} batch ${batch} (${backendInfo().name}) ${workers} workers, ${how}`,
            ms,
            extra: rowExtra('auto', perImage, flop, c.baselineS),
          });
          process.stderr.write(
            `  ${c.name} batch ${batch} GeneratorPool(${workers}, ${how}): ${perImage.toFixed(0)} ms/image\n`,
          );
        }
      } finally {
        await pool.close();
      }
    }
    gen.dispose();
  }
  return out;
}
